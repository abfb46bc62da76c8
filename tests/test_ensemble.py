"""The head's ensemble (``ensemble_size``): members trained on their own losses,
predictions their average."""

import pickle

import numpy as np
import pytest
import tensorflow as tf
from scipy.special import softmax
from sklearn.utils._param_validation import InvalidParameterError

import skgraphfeat
from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)
from skgraphfeat._model import Network
from skgraphfeat._objectives import OBJECTIVES

TINY = dict(embed_dim=4, num_heads=2, hidden_layer_sizes=(4,), max_iter=3,
            random_state=0)  # fmt: skip


def _data(n=90, classes=3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    y = np.digitize(X[:, 0] * X[:, 1], [-0.3, 0.3])[:n] % classes
    return X, y


def _members(estimator, X):
    members = Network(estimator.model_).with_graph_features(members=True)
    outputs, _ = members(np.asarray(X, dtype=estimator._spec.dtype), training=False)
    return np.asarray(outputs)


def test_the_classifier_predicts_the_members_mean_probability():
    X, y = _data()
    clf = GraphFeatureClassifier(ensemble_size=5, **TINY).fit(X, y)
    members = _members(clf, X)
    assert members.shape == (len(X), 5, 3)
    # the members differ (their own scaling and output layer) ...
    assert np.ptp(members, axis=1).max() > 1e-3
    # ... and the prediction is the mean of their class probabilities
    expected = softmax(members, axis=-1).mean(axis=1)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6, atol=1e-9)


def test_the_regressor_predicts_the_members_mean():
    X, y = _data()
    target = X[:, 0] - X[:, 2]
    reg = GraphFeatureRegressor(ensemble_size=4, **TINY).fit(X, target)
    members = _members(reg, X)
    assert members.shape == (len(X), 4, 1)
    standardized = members.mean(axis=1)[:, 0]
    expected = standardized * reg._target_scale.ravel()[0] + reg._target_mean.ravel()[0]
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_each_member_is_trained_on_its_own_loss(name):
    # the training loss is the mean of the members' losses, not the loss of
    # their average
    objective = OBJECTIVES[name]
    rng = np.random.default_rng(0)
    rows, members, width = 6, 3, 4
    outputs = tf.constant(rng.normal(size=(rows, members, width)))
    if name == "softmax_cross_entropy":
        targets = tf.constant(rng.integers(0, width, size=rows), dtype=tf.int32)
    else:
        values = rng.normal(size=(rows, width))
        values[0, 1] = np.nan  # nothing to reconstruct there
        targets = tf.constant(values)
    mask = tf.constant((rng.random((rows, width)) < 0.5).astype(float))
    got = objective.members_loss(outputs, targets, mask).numpy()
    each = [
        objective.per_sample_loss(outputs[:, m], targets, mask).numpy()
        for m in range(members)
    ]
    np.testing.assert_allclose(got, np.mean(each, axis=0), rtol=1e-12)


def test_one_member_is_the_single_head_network():
    X, y = _data()
    clf = GraphFeatureClassifier(ensemble_size=1, **TINY).fit(X, y)
    names = [layer.name for layer in clf.model_.layers]
    assert "member_scaling" not in names and "member_outputs" not in names
    assert clf.model_.get_layer("output").kernel.shape == (4, 3)
    assert Network(clf.model_).ensemble_size == 1
    assert not clf._spec.averages_probabilities


def test_the_ensemble_saves_loads_pickles_and_continues(tmp_path):
    X, y = _data()
    clf = GraphFeatureClassifier(ensemble_size=3, **TINY).fit(X, y)
    expected = clf.predict_proba(X)
    clf.save(tmp_path / "clf.keras")
    loaded = skgraphfeat.load(tmp_path / "clf.keras")
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-12)
    assert Network(loaded.model_).ensemble_size == 3
    copied = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(copied.predict_proba(X), expected, rtol=1e-12)
    loaded.partial_fit(X, y)
    assert loaded.n_iter_ == clf.n_iter_ + 1


def test_the_transformer_averages_its_reconstructions():
    X, _ = _data()
    transformer = GraphFeatureTransformer(ensemble_size=2, **TINY).fit(X)
    assert transformer.transform(X).shape == X.shape
    assert not transformer._spec.averages_probabilities
    assert _members(transformer, X).shape == (len(X), 2, X.shape[1])


def test_a_warm_start_keeps_the_ensemble_size():
    X, y = _data()
    clf = GraphFeatureClassifier(ensemble_size=2, warm_start=True, **TINY).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="ensemble_size 2 -> 3"):
        clf.set_params(ensemble_size=3).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


@pytest.mark.parametrize("value", [0, -1, 2.5, "8"])
def test_a_bad_ensemble_size_is_refused_by_name(value):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="ensemble_size"):
        GraphFeatureClassifier(ensemble_size=value, **TINY).fit(X, y)


def test_training_and_prediction_read_the_same_weights():
    # the compiled training step fits the members' outputs and early stopping
    # scores their average: two models over one set of weights, in one order
    from skgraphfeat._objectives import SOFTMAX_CROSS_ENTROPY
    from skgraphfeat._training import compiled_network

    X, y = _data()
    clf = GraphFeatureClassifier(ensemble_size=3, **TINY).fit(X, y)
    compiled = compiled_network(clf._spec, SOFTMAX_CROSS_ENTROPY)
    paths = [v.path for v in compiled._network.trainable_variables]
    assert paths == [v.path for v in compiled._predicting.trainable_variables]
    assert paths == compiled.trainable_paths
    weights = [np.asarray(v) for v in clf.model_.trainable_variables]
    state = [np.asarray(v) for v in clf.model_.non_trainable_variables]
    outputs, _ = compiled.forward_in_chunks(weights, state, X)
    np.testing.assert_allclose(
        softmax(outputs, axis=1), clf.predict_proba(X), rtol=1e-9, atol=1e-12
    )
