"""Behaviour of the three estimators beyond scikit-learn's API checks."""

import pickle
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)

ESTIMATORS = [GraphFeatureClassifier, GraphFeatureRegressor, GraphFeatureTransformer]
FAST = {"max_iter": 30, "random_state": 0}


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array(
        [[0.0, 0.0, 0.0, 0.0], [3.0, 3.0, 0.0, 0.0], [0.0, 3.0, 3.0, 0.0]]
    )
    labels = rng.integers(0, 3, size=150)
    X = centers[labels] + rng.normal(scale=0.7, size=(150, 4))
    return X, np.array(["setosa", "versicolor", "virginica"])[labels]


def test_import_is_light():
    code = (
        "import sys, time; start = time.perf_counter(); import skgraphfeat; "
        "elapsed = time.perf_counter() - start; "
        "print(elapsed, 'tensorflow' in sys.modules, 'keras' in sys.modules, "
        "'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    elapsed, has_tf, has_keras, has_sklearn = out.stdout.split()
    assert (has_tf, has_keras, has_sklearn) == ("False", "False", "False")
    assert float(elapsed) < 0.5


def test_classifier_with_string_labels(blobs):
    X, y = blobs
    clf = GraphFeatureClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10)
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert clf.score(X, y) > 0.9


def test_binary_classifier_with_integer_labels(blobs):
    X, _ = blobs
    y = np.where(X[:, 0] + X[:, 1] > 3, 7, -1)
    clf = GraphFeatureClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [-1, 7])
    assert clf.predict_proba(X).shape == (150, 2)
    assert clf.score(X, y) > 0.9


def test_unscaled_features_train_without_a_scaler():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=100.0, scale=1.0, size=(300, 3))
    y = (X[:, 0] > 100.0).astype(int)
    assert GraphFeatureClassifier(random_state=0).fit(X, y).score(X, y) > 0.95
    target = 1000.0 * (X[:, 1] - 100.0) + 5e4
    reg = GraphFeatureRegressor(random_state=0).fit(X, target)
    assert reg.score(X, target) > 0.95


def test_regressor_multi_output():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    Y = np.column_stack([X[:, 0] * X[:, 1], X[:, 2] - X[:, 3]])
    X, X_new, Y, Y_new = X[:200], X[200:], Y[:200], Y[200:]
    reg = GraphFeatureRegressor(random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (200, 2)
    # both targets learned, the product too (R^2 on rows not seen in training)
    assert reg.score(X_new, Y_new) > 0.65
    assert r2_score(Y_new[:, 0], reg.predict(X_new)[:, 0]) > 0.3
    single = GraphFeatureRegressor(**FAST).fit(X, Y[:, :1])
    assert single.predict(X).shape == (200, 1)


def test_transformer_self_supervised_and_supervised():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(200, 2))
    X = np.column_stack([base, base @ [[1.0], [1.0]], base[:, :1] * 2])
    transformer = GraphFeatureTransformer(random_state=0).fit(X)
    # reconstruction of masked, correlated features improves on the mean
    assert transformer.loss_curve_[-1] < 0.5 * transformer.loss_curve_[0]
    Xt = transformer.transform(X)
    assert Xt.shape == X.shape and Xt.dtype == np.float64
    names = transformer.get_feature_names_out(["a", "b", "c", "d"])
    np.testing.assert_array_equal(names, ["a", "b", "c", "d"])
    supervised = GraphFeatureTransformer(**FAST).fit(X, X[:, 0] > 0)
    assert supervised.transform(X).shape == X.shape
    regression = GraphFeatureTransformer(**FAST).fit(X, X[:, 0] * 0.3)
    assert regression.transform(X).shape == X.shape


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_random_state_makes_fits_reproducible_without_global_seeds(Estimator, blobs):
    X, _ = blobs
    y = (X[:, 0] > 1).astype(int)
    python_state = random.getstate()
    numpy_state = np.random.get_state()  # noqa: NPY002
    first = Estimator(**FAST).fit(X, y)
    second = Estimator(**FAST).fit(X, y)
    other = Estimator(max_iter=30, random_state=1).fit(X, y)
    assert random.getstate() == python_state
    numpy_state_after = np.random.get_state()  # noqa: NPY002
    assert all(
        np.array_equal(a, b)
        for a, b in zip(numpy_state_after, numpy_state, strict=True)
    )
    method = "transform" if Estimator is GraphFeatureTransformer else "predict_proba"
    if Estimator is GraphFeatureRegressor:
        method = "predict"
    out = getattr(first, method)(X)
    np.testing.assert_array_equal(out, getattr(second, method)(X))
    assert not np.allclose(out, getattr(other, method)(X))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_computation_dtype_follows_input(Estimator, blobs):
    X, _ = blobs
    y = (X[:, 0] > 1).astype(int)
    method = "transform" if Estimator is GraphFeatureTransformer else "predict"
    est32 = Estimator(**FAST).fit(X.astype(np.float32), y)
    assert est32.model_.get_layer("output").compute_dtype == "float32"
    est64 = Estimator(**FAST).fit(X, y)
    assert est64.model_.get_layer("output").compute_dtype == "float64"
    forced = Estimator(dtype="float32", **FAST).fit(X, y)
    assert forced.model_.get_layer("output").compute_dtype == "float32"
    if Estimator is not GraphFeatureClassifier:
        assert getattr(est32, method)(X.astype(np.float32)).dtype == np.float32
        assert getattr(est64, method)(X).dtype == np.float64


def test_integer_sample_weights_equal_repeated_rows(blobs):
    X, y = blobs
    X, y = X[:40], y[:40]
    weights = np.random.default_rng(0).integers(0, 4, size=40)
    weighted = GraphFeatureClassifier(**FAST).fit(X, y, sample_weight=weights)
    repeated = GraphFeatureClassifier(**FAST).fit(
        X.repeat(weights, axis=0), y.repeat(weights)
    )
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-7
    )
    unweighted = GraphFeatureClassifier(**FAST).fit(X, y)
    assert not np.allclose(weighted.predict_proba(X), unweighted.predict_proba(X))


def test_class_weight_shifts_predictions_to_the_weighted_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + 0.8 * rng.normal(size=300) > 1.2).astype(int)  # ~15% positives
    plain = GraphFeatureClassifier(random_state=0).fit(X, y)
    balanced = GraphFeatureClassifier(random_state=0, class_weight="balanced").fit(X, y)
    assert balanced.predict(X).mean() > plain.predict(X).mean()
    heavy = GraphFeatureClassifier(random_state=0, class_weight={0: 1.0, 1: 10.0})
    assert heavy.fit(X, y).predict(X).mean() > plain.predict(X).mean()


def test_model_attribute_is_the_fitted_keras_network(blobs):
    import keras

    X, y = blobs
    clf = GraphFeatureClassifier(**FAST).fit(X, y)
    assert isinstance(clf.model_, keras.Model)
    logits = keras.ops.convert_to_numpy(clf.model_(X))
    np.testing.assert_allclose(
        np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True),
        clf.predict_proba(X),
        rtol=1e-10,
    )


def test_verbose_prints_and_trains_exactly_as_silent(blobs, capsys):
    X, y = blobs
    silent = GraphFeatureClassifier(max_iter=15, random_state=0).fit(X, y)
    loud = GraphFeatureClassifier(max_iter=15, random_state=0, verbose=2).fit(X, y)
    assert "Iteration 15, loss = " in capsys.readouterr().out
    assert loud.loss_curve_ == silent.loss_curve_
    np.testing.assert_array_equal(loud.predict_proba(X), silent.predict_proba(X))


def test_training_stops_when_the_loss_stalls(blobs):
    X, y = blobs
    clf = GraphFeatureClassifier(
        max_iter=500, tol=1e-2, n_iter_no_change=3, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ < 500
    curve = np.array(clf.loss_curve_)
    # each of the last n_iter_no_change + 1 epochs missed the best so far by tol
    for epoch in range(len(curve) - 4, len(curve)):
        assert curve[epoch] > curve[:epoch].min() - 1e-2
    assert curve[len(curve) - 5] <= curve[: len(curve) - 5].min() - 1e-2
    assert clf.best_loss_ == curve.min()


def test_early_stopping_keeps_the_best_validation_epoch(validation_rows):
    from sklearn.datasets import make_regression

    X, y = make_regression(n_samples=300, n_features=5, noise=20.0, random_state=0)
    held_out = validation_rows  # filled by each fit
    reg = GraphFeatureRegressor(
        early_stopping=True, n_iter_no_change=5, max_iter=300, average=False,
        learning_rate_init=0.05, random_state=0,
    ).fit(X, y)  # fmt: skip
    scores = reg.validation_scores_
    best = int(np.argmax(scores))
    assert best < len(scores) - 1  # later epochs scored lower ...
    assert scores[-1] < scores[best]
    (validation,) = held_out
    # ... and the weights kept are the best epoch's, not the last one's
    assert reg.score(X[validation], y[validation]) == pytest.approx(
        scores[best], rel=1e-9
    )
    assert reg.best_validation_score_ == scores[best]
    assert reg.best_loss_ is None


def test_pickle_round_trip(blobs):
    X, y = blobs
    clf = GraphFeatureClassifier(**FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


# ------------------------------------------------------------------ bad input
def _bad_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4))
    y = np.arange(20) % 2
    with_inf = X.copy()
    with_inf[0, 0] = np.inf
    y_nan = y.astype(float)
    y_nan[2] = np.nan
    strings = X.astype(object)
    strings[0, 0] = "abc"
    return [
        ("inf", with_inf, y, ValueError, "infinity"),
        ("1d", X[:, 0], y, ValueError, "2D array"),
        ("empty", X[:0], y[:0], ValueError, "0 sample"),
        ("strings", strings, y, ValueError, "could not convert"),
        ("sparse", scipy.sparse.csr_matrix(X), y, TypeError, "dense data is required"),
        ("y length", X, y[:-1], ValueError, "inconsistent numbers of samples"),
        ("y nan", X, y_nan, ValueError, "NaN"),
    ]


@pytest.mark.parametrize("Estimator", [GraphFeatureClassifier, GraphFeatureRegressor])
@pytest.mark.parametrize(
    "case, X, y, error, match", _bad_inputs(), ids=[c[0] for c in _bad_inputs()]
)
def test_bad_input_raises_and_keeps_the_fitted_state(
    Estimator, case, X, y, error, match
):
    rng = np.random.default_rng(1)
    X_good = rng.normal(size=(30, 4))
    y_good = np.arange(30) % 2
    est = Estimator(**FAST).fit(X_good, y_good)
    before = dict(vars(est))
    predictions = est.predict(X_good)
    with pytest.raises(error, match=match):
        est.fit(X, y)
    assert vars(est).keys() == before.keys()
    assert all(vars(est)[key] is value for key, value in before.items())
    np.testing.assert_array_equal(est.predict(X_good), predictions)


def test_single_class_is_refused():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="at least 2 classes"):
        GraphFeatureClassifier(**FAST).fit(X, np.ones(10))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_wrong_number_of_features_at_predict(Estimator, blobs):
    X, y = blobs
    est = Estimator(**FAST).fit(X, (X[:, 0] > 1).astype(int))
    method = "transform" if Estimator is GraphFeatureTransformer else "predict"
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
        getattr(est, method)(X[:, :3])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"embed_dim": 10, "num_heads": 4}, "embed_dim must be divisible by num_heads"),
        ({"hierarchical": True, "num_groups": 9}, "num_groups=9 is larger than"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
        ({"learning_rate_init": -1.0}, "learning_rate_init"),
        ({"max_iter": 0}, "max_iter"),
    ],
)
def test_invalid_hyper_parameters_raise_at_fit(params, match, blobs):
    X, y = blobs
    est = GraphFeatureClassifier(**params)  # __init__ never validates
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
