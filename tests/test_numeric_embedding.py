"""The estimators' numeric_embedding and frequency_scale parameters."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

import skgraphfeat
from skgraphfeat import GraphFeatureClassifier, GraphFeatureRegressor

TINY = dict(embed_dim=4, num_heads=2, hidden_layer_sizes=(4,), max_iter=3,
            random_state=0)  # fmt: skip


def _frame(n=80):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "colour": pd.Categorical(rng.choice(["red", "blue"], size=n)),
        "c": rng.normal(size=n),
    })  # fmt: skip
    y = (X["a"] * X["c"] > 0).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize("numeric_embedding", ["linear", "periodic"])
def test_per_feature_embeddings_fit_save_load_and_continue(tmp_path, numeric_embedding):
    X, y = _frame()
    clf = GraphFeatureClassifier(
        numeric_embedding=numeric_embedding, frequency_scale=0.5, **TINY
    ).fit(X, y)
    block = clf.model_.get_layer("graph_block_0")
    assert block.numeric_embedding == numeric_embedding
    assert clf._spec.numeric_embedding == numeric_embedding
    expected = clf.predict_proba(X)
    clf.save(tmp_path / "clf.keras")
    loaded = skgraphfeat.load(tmp_path / "clf.keras")
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-6)
    unpickled = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(unpickled.predict_proba(X), expected, rtol=1e-6)
    loaded.partial_fit(X, y)  # continues with the restored network
    assert loaded.n_iter_ == clf.n_iter_ + 1
    assert clone(clf).get_params()["numeric_embedding"] == numeric_embedding


def test_the_embeddings_change_what_is_learned():
    X, y = _frame()
    outputs = {
        mode: GraphFeatureRegressor(numeric_embedding=mode, **TINY)
        .fit(X, y.astype(float))
        .predict(X)
        for mode in ("shared", "linear", "periodic")
    }
    assert not np.allclose(outputs["shared"], outputs["linear"])
    assert not np.allclose(outputs["linear"], outputs["periodic"])


def test_frequency_scale_is_part_of_the_network_only_when_periodic():
    X, y = _frame()
    clf = GraphFeatureClassifier(warm_start=True, **TINY).fit(X, y)
    clf.set_params(frequency_scale=3.0).fit(X, y)  # no frequencies: same network
    assert clf._spec.frequency_scale == 1.0
    clf.set_params(numeric_embedding="periodic")
    with pytest.raises(ValueError, match="numeric_embedding 'shared' -> 'periodic'"):
        clf.fit(X, y)
    periodic = GraphFeatureClassifier(
        numeric_embedding="periodic", frequency_scale=3.0, **TINY
    ).fit(X, y)
    assert periodic._spec.frequency_scale == 3.0


@pytest.mark.parametrize(
    "params",
    [
        {"numeric_embedding": "piecewise"},
        {"frequency_scale": 0.0},
        {"frequency_scale": float("inf")},
    ],
)
def test_bad_values_are_refused_before_fitting(params):
    X, y = _frame()
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        GraphFeatureClassifier(**params, **TINY).fit(X, y)
