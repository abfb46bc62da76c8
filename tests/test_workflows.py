"""The scikit-learn and pandas workflows users drop the estimators into,
each exercised with the real scikit-learn objects."""

import hashlib
import json
import pickle
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import BaggingClassifier, StackingClassifier, VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skgraphfeat
from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)

SMALL = {
    "embed_dim": 8,
    "num_heads": 2,
    "hidden_layer_sizes": (16,),
    "max_iter": 10,
    "random_state": 0,
}


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def frame():
    """A table as it comes: numeric and string columns, string labels."""
    rng = np.random.default_rng(0)
    n = 200
    data = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "income": rng.lognormal(10, 1, n),
            "city": rng.choice(["Lyon", "Oslo", "Lima"], n),
            "plan": rng.choice(["basic", "pro"], n),
        }
    )
    score = (data["age"] - 50) / 20 + (data["plan"] == "pro") * 1.5
    labels = np.where(score + rng.normal(0, 0.5, n) > 0.5, "churn", "stay")
    return data, pd.Series(labels, name="outcome")


# ---------------------------------------------------------------------- pandas
def test_dataframe_column_names_are_kept_and_checked(binary):
    X, y = binary
    columns = [f"feature_{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns)
    clf = GraphFeatureClassifier(**SMALL).fit(df, pd.Series(y, name="target"))
    np.testing.assert_array_equal(clf.feature_names_in_, columns)
    np.testing.assert_array_equal(clf.predict(df), clf.predict(X))
    renamed = df.rename(columns={"feature_0": "other"})
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(renamed)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_dataframe_targets_for_the_regressor():
    X, y = make_regression(n_samples=150, n_features=4, n_targets=2, random_state=0)
    df = pd.DataFrame(X, columns=list("abcd"))
    targets = pd.DataFrame(y, columns=["y1", "y2"])
    reg = GraphFeatureRegressor(**SMALL).fit(df, targets)
    assert reg.predict(df).shape == (150, 2)
    single = GraphFeatureRegressor(**SMALL).fit(df, targets["y1"])
    assert single.predict(df).shape == (150,)


def test_transformer_pandas_output(binary):
    X, _ = binary
    columns = [f"c{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns)
    transformer = GraphFeatureTransformer(**SMALL).set_output(transform="pandas")
    out = transformer.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == columns == list(transformer.get_feature_names_out())
    np.testing.assert_array_equal(out.index, df.index)

    with sklearn.config_context(transform_output="pandas"):
        out = GraphFeatureTransformer(**SMALL).fit(df).transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == columns


# ------------------------------------------------------------------- pipelines
def test_pipeline_with_column_transformer(frame):
    data, labels = frame
    preprocess = ColumnTransformer(
        [
            ("strings", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"]),
            ("numbers", StandardScaler(), ["age", "income"]),
        ]
    )
    pipe = make_pipeline(
        preprocess, GraphFeatureClassifier(**{**SMALL, "max_iter": 60})
    )
    pipe.fit(data, labels)
    assert set(pipe.predict(data)) <= {"churn", "stay"}
    majority = max(np.mean(labels == "churn"), np.mean(labels == "stay"))
    assert pipe.score(data, labels) > majority + 0.1
    assert pipe[-1].n_features_in_ == 3 + 2 + 2


def test_transformer_feeds_another_model(binary):
    X, y = binary
    pipe = Pipeline(
        [("graph", GraphFeatureTransformer(**SMALL)), ("lr", LogisticRegression())]
    )
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.8
    assert pipe.predict_proba(X).shape == (200, 2)


# ---------------------------------------------------------- search and validation
def _search(kind, n_jobs, X, y):
    pipe = Pipeline([("scale", StandardScaler()), ("clf", GraphFeatureClassifier())])
    grid = {
        "clf__embed_dim": [4, 8],
        "clf__num_heads": [1, 2],
        "clf__max_iter": [5],
        "clf__random_state": [0],
    }
    if kind == "grid":
        search = GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs)
    else:
        search = RandomizedSearchCV(
            pipe, grid, n_iter=3, cv=2, n_jobs=n_jobs, random_state=0
        )
    return search.fit(X, y)


@pytest.mark.parametrize("kind", ["grid", "random"])
def test_search_over_nested_params_same_with_two_workers(binary, kind):
    X, y = binary
    serial = _search(kind, 1, X, y)
    parallel = _search(kind, 2, X, y)
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_allclose(
        serial.cv_results_["mean_test_score"],
        parallel.cv_results_["mean_test_score"],
        atol=1e-6,
    )
    assert serial.best_estimator_.score(X, y) > 0.5


def test_cross_validation_helpers(binary):
    X, y = binary
    # 60 epochs of one step each: the default ensemble of heads needs more
    # than a few tens of steps to fit (see ensemble_size)
    clf = GraphFeatureClassifier(**{**SMALL, "max_iter": 60})
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(clf, X, y, cv=folds)
    assert scores.shape == (3,) and (scores > 0.6).all()
    results = cross_validate(
        clf, X, y, cv=folds, scoring=["accuracy", "roc_auc", "neg_log_loss"]
    )
    for key in ("test_accuracy", "test_roc_auc", "test_neg_log_loss"):
        assert np.isfinite(results[key]).all()
    np.testing.assert_allclose(results["test_accuracy"], scores)


# ----------------------------------------------------------------- persistence
def test_clone_pickle_and_joblib_round_trips(binary, tmp_path):
    X, y = binary
    clf = GraphFeatureClassifier(**SMALL).fit(X, y)
    expected = clf.predict_proba(X)
    unfitted = clone(clf)
    assert not hasattr(unfitted, "model_")
    assert unfitted.get_params() == clf.get_params()
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), expected
    )
    path = tmp_path / "clf.joblib"
    joblib.dump(clf, path)
    np.testing.assert_array_equal(joblib.load(path).predict_proba(X), expected)


FRESH_PROCESS = """
import sys, numpy as np, joblib, skgraphfeat
X = np.load(sys.argv[1])
pickled = joblib.load(sys.argv[2])
saved = skgraphfeat.load(sys.argv[3])
np.save(sys.argv[4], np.stack([pickled.predict_proba(X), saved.predict_proba(X)]))
"""


def test_round_trips_in_a_fresh_process_predict_identically(binary, tmp_path):
    X, y = binary
    clf = GraphFeatureClassifier(**SMALL).fit(X, y)
    np.save(tmp_path / "X.npy", X)
    joblib.dump(clf, tmp_path / "clf.joblib")
    clf.save(tmp_path / "clf.keras")
    subprocess.run(
        [
            sys.executable, "-c", FRESH_PROCESS, str(tmp_path / "X.npy"),
            str(tmp_path / "clf.joblib"), str(tmp_path / "clf.keras"),
            str(tmp_path / "out.npy"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    pickled, saved = np.load(tmp_path / "out.npy")
    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(pickled, expected)
    np.testing.assert_array_equal(saved, expected)


def test_save_and_load_keep_everything(frame, tmp_path):
    data, labels = frame
    numeric = data[["age", "income"]]
    clf = GraphFeatureClassifier(early_stopping=True, **SMALL).fit(numeric, labels)
    clf.save(tmp_path / "clf.keras")
    loaded = skgraphfeat.load(tmp_path / "clf.keras")
    assert type(loaded) is GraphFeatureClassifier
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.feature_names_in_, clf.feature_names_in_)
    assert loaded.history_ == clf.history_
    assert loaded.validation_scores_ == clf.validation_scores_
    np.testing.assert_array_equal(
        loaded.predict_proba(numeric), clf.predict_proba(numeric)
    )
    # a loaded model goes on training as the saved one does (the optimizer's
    # own weights, next to the averaged ones, were saved too)
    loaded.partial_fit(numeric, labels)
    assert loaded.n_iter_ == clf.n_iter_ + 1
    clf.partial_fit(numeric, labels)
    np.testing.assert_array_equal(
        loaded.predict_proba(numeric), clf.predict_proba(numeric)
    )

    reg = GraphFeatureRegressor(**SMALL).fit(numeric, data["age"] * 2)
    reg.save(tmp_path / "reg.keras")
    np.testing.assert_array_equal(
        skgraphfeat.load(tmp_path / "reg.keras").predict(numeric), reg.predict(numeric)
    )
    transformer = GraphFeatureTransformer(**SMALL).fit(numeric)
    transformer.save(tmp_path / "tr.keras")
    np.testing.assert_array_equal(
        skgraphfeat.load(tmp_path / "tr.keras").transform(numeric),
        transformer.transform(numeric),
    )


def _rewrite(source, target, change):
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def test_load_refuses_files_that_are_not_ours_or_altered(binary, tmp_path):
    X, y = binary
    clf = GraphFeatureClassifier(**SMALL).fit(X, y)
    good = tmp_path / "clf.keras"
    clf.save(good)

    with pytest.raises(ValueError, match="must end with '.keras'"):
        skgraphfeat.load(tmp_path / "clf.pkl")
    (tmp_path / "text.keras").write_text("not a zip")
    with pytest.raises(ValueError, match="not a zip file"):
        skgraphfeat.load(tmp_path / "text.keras")
    clf.model_.save(tmp_path / "plain.keras")
    with pytest.raises(ValueError, match="no skgraphfeat manifest"):
        skgraphfeat.load(tmp_path / "plain.keras")

    def flip_a_weight_byte(entries):
        weights = bytearray(entries["model.weights.h5"])
        weights[-100] ^= 0xFF
        entries["model.weights.h5"] = bytes(weights)

    _rewrite(good, tmp_path / "tampered.keras", flip_a_weight_byte)
    with pytest.raises(ValueError, match="model.weights.h5 was changed"):
        skgraphfeat.load(tmp_path / "tampered.keras")

    def newer_version(entries):
        entries["skgraphfeat.json"] = entries["skgraphfeat.json"].replace(
            b'"format_version": 4', b'"format_version": 99'
        )

    _rewrite(good, tmp_path / "future.keras", newer_version)
    with pytest.raises(ValueError, match="format version 99"):
        skgraphfeat.load(tmp_path / "future.keras")

    with pytest.raises(sklearn.exceptions.NotFittedError):
        GraphFeatureClassifier().save(tmp_path / "unfitted.keras")


def _with_manifest(change):
    def rewrite(entries):
        manifest = json.loads(entries["skgraphfeat.json"])
        change(manifest)
        entries["skgraphfeat.json"] = json.dumps(manifest).encode()

    return rewrite


@pytest.mark.parametrize(
    "change, refusal",
    [
        (lambda m: m["fitted"].update(predict="boom"),
         r"fitted attributes this format does not define: \['predict'\]"),
        (lambda m: m["fitted"].update(__class__="boom"),
         r"does not define: \['__class__'\]"),
        (lambda m: m["params"].update(model_="boom"),
         r"parameters GraphFeatureClassifier does not take: \['model_'\]"),
        (lambda m: m["params"].update(embed_dim="sixteen"),
         "wrong kind.*embed_dim"),
        (lambda m: m["fitted"].update(n_iter_="many"),
         r"\['n_iter_'\] are not of their type"),
        (lambda m: m["fitted"].update(classes_={"__dict__": {}}),
         r"\['classes_'\] are not of their type"),
        (lambda m: m["fitted"]["_spec"]["__NetworkSpec__"].update(evil=1),
         r"NetworkSpec has no fields \['evil'\]"),
        (lambda m: m["fitted"]["_spec"]["__NetworkSpec__"].update(n_features="5"),
         "NetworkSpec.n_features must be int"),
        (lambda m: m["fitted"].pop("_spec"),
         r"lacks the fitted attributes \['_spec'\]"),
        (lambda m: m["fitted"].pop("classes_"),
         r"lacks the fitted attributes \['classes_'\]"),
        (lambda m: m["fitted"].update(history_={"__dict__": 5}), "wrong kind"),
        (lambda m: m["fitted"].update(loss_curve_={"__tuple__": 5}), "wrong kind"),
        (lambda m: m["fitted"].update(categories_={"__ndarray__": []}), "wrong kind"),
        (lambda m: m["fitted"].update(_objective=[]), "not of their type"),
    ],
)  # fmt: skip
def test_load_accepts_only_the_fields_of_the_format(binary, tmp_path, change, refusal):
    # the manifest is not covered by the checksums: what it says is checked
    X, y = binary
    good = tmp_path / "clf.keras"
    GraphFeatureClassifier(**SMALL).fit(X, y).save(good)
    _rewrite(good, tmp_path / "crafted.keras", _with_manifest(change))
    with pytest.raises(ValueError, match=refusal):
        skgraphfeat.load(tmp_path / "crafted.keras")


def test_checksums_catch_damage_not_tampering_as_the_docs_say(binary, tmp_path):
    X, y = binary
    clf = GraphFeatureClassifier(**SMALL).fit(X, y)
    clf.save(tmp_path / "clf.keras")

    def change_a_weight_and_its_digest(entries):
        weights = bytearray(entries["model.weights.h5"])
        weights[-100] ^= 0xFF
        entries["model.weights.h5"] = bytes(weights)
        manifest = json.loads(entries["skgraphfeat.json"])
        manifest["sha256"]["model.weights.h5"] = hashlib.sha256(weights).hexdigest()
        entries["skgraphfeat.json"] = json.dumps(manifest).encode()

    _rewrite(tmp_path / "clf.keras", tmp_path / "changed.keras",
             change_a_weight_and_its_digest)  # fmt: skip
    changed = skgraphfeat.load(tmp_path / "changed.keras")  # no signature to fail
    assert changed.predict_proba(X).shape == (len(X), 2)
    for doc in (skgraphfeat.load.__doc__, GraphFeatureClassifier.save.__doc__):
        text = " ".join(doc.split())
        assert "not tampering" in text or "not a deliberate change" in text
        assert "altered" not in text


# ----------------------------------------------------------- metadata routing
def test_metadata_routing_sends_sample_weight_through(binary):
    X, y = binary
    weights = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                (
                    "clf",
                    GraphFeatureClassifier(**SMALL).set_fit_request(sample_weight=True),
                ),
            ]
        )
        pipe.fit(X, y, sample_weight=weights)
        search = GridSearchCV(
            GraphFeatureClassifier(**SMALL)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False),
            {"embed_dim": [8]},
            cv=2,
        ).fit(X, y, sample_weight=weights)
    scaled = StandardScaler().fit_transform(X)
    direct = GraphFeatureClassifier(**SMALL).fit(scaled, y, sample_weight=weights)
    unweighted = GraphFeatureClassifier(**SMALL).fit(scaled, y)
    np.testing.assert_array_equal(pipe.predict_proba(X), direct.predict_proba(scaled))
    assert not np.array_equal(
        direct.predict_proba(scaled), unweighted.predict_proba(scaled)
    )
    direct_raw = GraphFeatureClassifier(**SMALL).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(
        search.best_estimator_.predict_proba(X), direct_raw.predict_proba(X)
    )


# ------------------------------------------------------------ meta-estimators
def test_classifier_meta_estimators(binary):
    X, y = binary
    clf = GraphFeatureClassifier(**{**SMALL, "max_iter": 40})
    models = [
        CalibratedClassifierCV(clf, cv=2),
        BaggingClassifier(clf, n_estimators=2, random_state=0),
        StackingClassifier([("graph", clf), ("lr", LogisticRegression())], cv=2),
        VotingClassifier([("graph", clf), ("lr", LogisticRegression())], voting="soft"),
    ]
    for model in models:
        model.fit(X, y)
        proba = model.predict_proba(X)
        assert proba.shape == (200, 2)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert model.score(X, y) > 0.7, type(model).__name__


def test_regressor_meta_estimators():
    X, y = make_regression(n_samples=150, n_features=4, n_targets=2, random_state=0)
    multi = MultiOutputRegressor(GraphFeatureRegressor(**SMALL)).fit(X, y)
    assert multi.predict(X).shape == (150, 2)
    positive = np.exp(X @ [0.5, -0.3, 0.2, 0.1])
    wrapped = TransformedTargetRegressor(
        # one step per epoch: the ensemble of heads needs tens of them
        GraphFeatureRegressor(**{**SMALL, "learning_rate_init": 1e-2, "max_iter": 60}),
        func=np.log,
        inverse_func=np.exp,
    ).fit(X, positive)
    assert (wrapped.predict(X) > 0).all()
    assert wrapped.score(X, positive) > 0.8


def test_permutation_importance_finds_the_informative_features():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = GraphFeatureClassifier(**{**SMALL, "max_iter": 60}).fit(X, y)
    result = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    top_two = set(np.argsort(result.importances_mean)[-2:])
    assert top_two == {0, 1}


# ------------------------------------------------------------------- notebooks
def test_html_repr_shows_non_default_parameters():
    html = GraphFeatureClassifier(embed_dim=32, early_stopping=True)._repr_html_()
    assert (
        "<pre>GraphFeatureClassifier(early_stopping=True, embed_dim=32)</pre>" in html
    )
    user_set = re.findall(
        r'<tr class="user-set">.*?<td class="param">(\w+)</td>', html, re.DOTALL
    )
    assert sorted(user_set) == ["early_stopping", "embed_dim"]
    assert (
        "<pre>GraphFeatureClassifier()</pre>" in GraphFeatureClassifier()._repr_html_()
    )


def test_keras_callbacks_survive_clone_inside_a_search(binary):
    X, y = binary
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0)
    search = GridSearchCV(
        GraphFeatureClassifier(callbacks=[stopper], **{**SMALL, "max_iter": 30}),
        {"num_heads": [1, 2]},
        cv=2,
    ).fit(X, y)
    assert search.best_estimator_.n_iter_ == 2
    assert stopper.model is None


@pytest.mark.parametrize("kind", ["keras", "pkl"])
@pytest.mark.parametrize("name", ["classifier", "regressor", "transformer"])
def test_files_saved_by_an_earlier_version_still_load_and_predict(name, kind):
    # written at commit 2831162 by tests/data/format_1/make_files.py: saved
    # files, and pickles (whose classes live in modules that moved since)
    import importlib.util

    folder = Path(__file__).parent / "data" / "format_1"
    spec = importlib.util.spec_from_file_location(
        "make_files", folder / "make_files.py"
    )
    make_files = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_files)
    frame, label, target = make_files.table()
    if kind == "keras":
        estimator = skgraphfeat.load(folder / f"{name}.keras")
    else:
        with open(folder / f"{name}.pkl", "rb") as file:
            estimator = pickle.load(file)  # our own file: trusted
    # parameters added since: what the earlier version did
    assert estimator.get_params()["numeric_embedding"] == "shared"
    assert estimator.get_params()["frequency_scale"] == 1.0
    assert estimator._spec.numeric_embedding == "shared"
    assert estimator.get_params()["ensemble_size"] == 1
    assert estimator._spec.ensemble_size == 1
    # the classifier's alone, and only the classifier takes it
    smoothing = 0.0 if name == "classifier" else None
    assert estimator.get_params().get("label_smoothing") == smoothing
    assert not hasattr(estimator, "label_smoothing") or name == "classifier"
    if name == "classifier":
        output = estimator.predict_proba(frame)
        estimator.partial_fit(frame, label)  # and it trains on
    elif name == "regressor":
        output = estimator.predict(frame)
        estimator.partial_fit(frame, target)
    else:
        output = estimator.transform(frame).to_numpy()  # set_output was kept
        estimator.partial_fit(frame)
    np.testing.assert_allclose(output, np.load(folder / f"{name}.npy"), rtol=1e-6)
