"""The feature graph: graph, per-row explanations, top pairs, groups and plots."""

import pickle
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
    inspection,
)
from skgraphfeat.plotting import (
    plot_feature_graph,
    plot_feature_groups,
    plot_feature_network,
)

from _synthetic import make_pairwise_interactions, pair_ranks  # isort: skip

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ESTIMATORS = [GraphFeatureClassifier, GraphFeatureRegressor, GraphFeatureTransformer]
FAST = {"max_iter": 5, "random_state": 0}
NAMES = ["alpha", "beta", "gamma", "delta"]


@pytest.fixture(autouse=True)
def _quiet_and_closed():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
    plt.close("all")


def _data(n_samples=80, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n_samples, n_features))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _fit(cls, X, y, **params):
    return cls(**{**FAST, **params}).fit(X, y)


@pytest.fixture(scope="module")
def fitted():
    """One fitted estimator of each kind, with named features."""
    X, y = _data()
    frame = pd.DataFrame(X, columns=NAMES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {cls: (_fit(cls, frame, y), frame) for cls in ESTIMATORS}


@pytest.fixture(scope="module")
def deep():
    """Two blocks, two heads, hierarchical: every axis the graph can have."""
    X, y = _data()
    params = dict(n_blocks=2, num_heads=2, embed_dim=4, hierarchical=True, num_groups=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _fit(GraphFeatureClassifier, X, y, **params), X


def _ids(cls):
    return cls.__name__


# ----------------------------------------------------------------- feature_graph
@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids)
def test_feature_graph_is_named_row_stochastic_frame(fitted, cls):
    est, _ = fitted[cls]
    graph = est.feature_graph()
    assert isinstance(graph, pd.DataFrame)
    assert list(graph.index) == NAMES and list(graph.columns) == NAMES
    assert (graph.index.name, graph.columns.name) == ("target", "source")
    assert not graph.isna().any().any()
    assert (graph.to_numpy() >= 0).all()
    np.testing.assert_allclose(graph.sum(axis=1), 1.0, atol=1e-6)


def test_feature_graph_names_default_to_x0(deep):
    est, _ = deep
    assert list(est.feature_graph().columns) == ["x0", "x1", "x2", "x3"]


def test_training_summary_is_the_graph_of_the_training_rows(fitted):
    est, X = fitted[GraphFeatureClassifier]
    pd.testing.assert_frame_equal(est.feature_graph(), est.feature_graph(X))


def test_training_summary_keeps_a_fixed_draw_of_at_most_1000_rows():
    rows = inspection.summary_rows(5000, n_blocks=1, num_heads=4, n_features=20)
    assert len(rows) == 1000 and len(np.unique(rows)) == 1000
    again = inspection.summary_rows(5000, n_blocks=1, num_heads=4, n_features=20)
    np.testing.assert_array_equal(rows, again)
    # wide data: fewer rows, so that the summary stays cheap
    wide = inspection.summary_rows(5000, n_blocks=2, num_heads=4, n_features=512)
    assert 1 <= len(wide) * 2 * 4 * 512**2 <= inspection._SUMMARY_VALUES
    np.testing.assert_array_equal(inspection.summary_rows(30, 1, 4, 20), range(30))


def test_training_data_is_not_kept():
    X, y = _data(n_samples=1500)
    est = _fit(GraphFeatureClassifier, X, y, max_iter=1)
    assert est._graph_summary.shape == (1, 4, 4, 4)
    assert not any(
        isinstance(value, np.ndarray) and value.size >= X.size
        for value in vars(est).values()
    )
    graph = est.feature_graph()
    # a mean over 1000 of the 1500 rows: close to, not equal to, the full mean
    np.testing.assert_allclose(graph, est.feature_graph(X), atol=0.02)


def test_feature_graph_per_head_and_per_block_layout(deep):
    est, X = deep
    graph = est.feature_graph(X)
    per_head = est.feature_graph(X, per_head=True)
    per_block = est.feature_graph(X, per_block=True)
    both = est.feature_graph(X, per_head=True, per_block=True)
    assert per_head.index.names == ["head", "target"] and per_head.shape == (8, 4)
    assert per_block.index.names == ["block", "target"] and per_block.shape == (8, 4)
    assert both.index.names == ["block", "head", "target"] and both.shape == (16, 4)
    for frame in (per_head, per_block, both):
        np.testing.assert_allclose(frame.sum(axis=1), 1.0, atol=1e-6)
    # the plain graph is the mean of the parts
    np.testing.assert_allclose(per_head.groupby(level="target").mean().loc[
        graph.index], graph, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose((per_block.loc[0] + per_block.loc[1]) / 2, graph)
    pd.testing.assert_frame_equal(
        both.loc[1].groupby(level="target", sort=False).mean(), per_block.loc[1]
    )


def test_blocks_differ(deep):
    est, X = deep
    per_block = est.feature_graph(X, per_block=True)
    assert not np.allclose(per_block.loc[0], per_block.loc[1])


# ---------------------------------------------------------------------- explain
@pytest.mark.parametrize(
    "per_head, per_block, shape",
    [
        (False, False, (7, 4, 4)),
        (True, False, (7, 2, 4, 4)),
        (False, True, (7, 2, 4, 4)),
        (True, True, (7, 2, 2, 4, 4)),
    ],
)
def test_explain_shape_and_rows_sum_to_one(deep, per_head, per_block, shape):
    est, X = deep
    adjacency = est.explain(X[:7], per_head=per_head, per_block=per_block)
    assert adjacency.shape == shape
    assert np.isfinite(adjacency).all() and (adjacency >= 0).all()
    np.testing.assert_allclose(adjacency.sum(axis=-1), 1.0, atol=1e-6)


def test_explain_averages_to_feature_graph(deep):
    est, X = deep
    np.testing.assert_allclose(
        est.explain(X).mean(axis=0), est.feature_graph(X), atol=1e-12
    )
    np.testing.assert_allclose(
        est.explain(X, per_head=True, per_block=True).mean(axis=0).reshape(-1, 4),
        est.feature_graph(X, per_head=True, per_block=True),
        atol=1e-12,
    )


def test_explain_is_per_row_and_chunk_independent(deep, monkeypatch):
    est, X = deep
    whole = est.explain(X, per_head=True, per_block=True)
    np.testing.assert_allclose(est.explain(X[5:8], per_head=True, per_block=True),
                               whole[5:8], atol=1e-12)  # fmt: skip
    # tiny chunks: the same rows must give the same graphs
    monkeypatch.setattr(inspection, "CHUNK_VALUES", 3 * 2 * 2 * 16)
    np.testing.assert_allclose(
        est.explain(X, per_head=True, per_block=True), whole, atol=1e-12
    )
    # different rows get different graphs: the adjacency depends on the values
    assert not np.allclose(whole[0], whole[1])


def test_explain_float32():
    X, y = _data()
    est = _fit(GraphFeatureRegressor, X.astype(np.float32), X[:, 0] * X[:, 1])
    adjacency = est.explain(X.astype(np.float32))
    assert adjacency.dtype == np.float32
    np.testing.assert_allclose(adjacency.sum(axis=-1), 1.0, atol=1e-5)
    assert est.feature_graph().to_numpy().dtype == np.float64


# ------------------------------------------------------------- top_interactions
@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids)
def test_top_interactions_are_the_symmetrized_strongest_pairs(fitted, cls):
    est, _ = fitted[cls]
    graph = est.feature_graph()
    pairs = est.top_interactions(k=4)
    assert list(pairs.columns) == ["feature_a", "feature_b", "weight"]
    assert len(pairs) == 4
    assert (pairs["feature_a"] != pairs["feature_b"]).all()
    assert pairs["weight"].is_monotonic_decreasing
    for a, b, weight in pairs.itertuples(index=False):
        assert NAMES.index(a) < NAMES.index(b)
        assert weight == pytest.approx(graph.loc[a, b] + graph.loc[b, a])
    everything = est.top_interactions(k=None)
    assert len(everything) == 6  # 4 * 3 / 2
    pd.testing.assert_frame_equal(everything.head(4), pairs)
    pd.testing.assert_frame_equal(est.top_interactions(k=100), everything)


def test_top_interactions_of_given_rows(deep):
    est, X = deep
    pairs = est.top_interactions(k=3, X=X[:1])
    graph = est.explain(X[:1])[0]
    a, b = (int(name[1:]) for name in pairs.iloc[0, :2])
    assert pairs["weight"].iloc[0] == pytest.approx(graph[a, b] + graph[b, a])


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_top_interactions_rejects_bad_k(fitted, k):
    est, _ = fitted[GraphFeatureClassifier]
    with pytest.raises(ValueError, match="k must be a positive integer"):
        est.top_interactions(k=k)


def test_interaction_pairs_needs_a_square_graph(deep):
    est, X = deep
    with pytest.raises(ValueError, match="square"):
        inspection.interaction_pairs(est.feature_graph(X, per_head=True))


# -------------------------------------------------------------- feature_groups_
def test_feature_groups_of_one_block():
    X, y = _data()
    est = _fit(GraphFeatureClassifier, pd.DataFrame(X, columns=NAMES), y,
               hierarchical=True, num_groups=3)  # fmt: skip
    groups = est.feature_groups_
    assert list(groups.index) == NAMES and groups.index.name == "feature"
    assert list(groups.columns) == ["group_0", "group_1", "group_2", "group"]
    membership = groups[["group_0", "group_1", "group_2"]].to_numpy()
    np.testing.assert_allclose(membership.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(groups["group"], membership.argmax(axis=1))


def test_feature_groups_per_block(deep):
    est, _ = deep
    groups = est.feature_groups_
    assert groups.index.names == ["block", "feature"] and groups.shape == (8, 4)
    np.testing.assert_allclose(groups.iloc[:, :3].sum(axis=1), 1.0, atol=1e-6)


def test_feature_groups_absent_unless_fitted_hierarchical(fitted):
    est, _ = fitted[GraphFeatureClassifier]
    assert not hasattr(est, "feature_groups_")
    with pytest.raises(AttributeError, match="hierarchical=True"):
        _ = est.feature_groups_
    unfitted = GraphFeatureClassifier(hierarchical=True)
    assert not hasattr(unfitted, "feature_groups_")
    with pytest.raises(AttributeError, match="not fitted"):
        _ = unfitted.feature_groups_


# ------------------------------------------------------------- common behaviour
@pytest.mark.parametrize(
    "method", ["feature_graph", "explain", "top_interactions"]
)  # fmt: skip
def test_methods_need_a_fitted_estimator(method):
    X, _ = _data()
    args = (X,) if method == "explain" else ()
    with pytest.raises(NotFittedError):
        getattr(GraphFeatureClassifier(), method)(*args)


def test_input_is_validated_as_in_predict(fitted):
    est, X = fitted[GraphFeatureClassifier]
    with pytest.raises(ValueError, match="features"):
        est.explain(X.to_numpy()[:, :3])
    with pytest.raises(ValueError, match="features"):
        est.feature_graph(np.ones((2, 5)))
    with pytest.raises(ValueError, match="feature names"):
        est.explain(X.rename(columns={"alpha": "other"}))


def test_graph_survives_pickling(deep):
    est, X = deep
    clone = pickle.loads(pickle.dumps(est))
    pd.testing.assert_frame_equal(clone.feature_graph(), est.feature_graph())
    np.testing.assert_allclose(clone.explain(X[:3]), est.explain(X[:3]))
    pd.testing.assert_frame_equal(clone.feature_groups_, est.feature_groups_)


def test_graph_survives_save_and_load(deep, tmp_path):
    import skgraphfeat

    est, X = deep
    est.save(tmp_path / "model.keras")
    loaded = skgraphfeat.load(tmp_path / "model.keras")
    pd.testing.assert_frame_equal(loaded.feature_graph(), est.feature_graph())
    np.testing.assert_allclose(loaded.explain(X[:3]), est.explain(X[:3]))
    pd.testing.assert_frame_equal(loaded.feature_groups_, est.feature_groups_)


def test_partial_fit_keeps_the_summary_of_the_last_chunk():
    X, y = _data(n_samples=120)
    est = GraphFeatureClassifier(random_state=0)
    est.partial_fit(X[:60], y[:60], classes=[0, 1])
    est.partial_fit(X[60:], y[60:])
    pd.testing.assert_frame_equal(est.feature_graph(), est.feature_graph(X[60:]))


def test_refit_on_the_same_data_gives_the_same_graph():
    X, y = _data()
    first = _fit(GraphFeatureClassifier, X, y).feature_graph()
    second = _fit(GraphFeatureClassifier, X, y).feature_graph()
    pd.testing.assert_frame_equal(first, second)


# -------------------------------------------------------------------- plotting
def test_plot_feature_graph_draws_the_graph(fitted):
    est, X = fitted[GraphFeatureClassifier]
    fig, ax = plt.subplots()
    assert plot_feature_graph(est, ax=ax) is ax
    np.testing.assert_allclose(ax.images[0].get_array(), est.feature_graph())
    assert [tick.get_text() for tick in ax.get_xticklabels()] == NAMES
    # a frame, and the graph of one row
    ax = plot_feature_graph(est.feature_graph(X.iloc[:1]), ax=plt.figure().gca())
    np.testing.assert_allclose(ax.images[0].get_array(), est.explain(X.iloc[:1])[0])


def test_plot_feature_network_draws_k_edges(fitted):
    est, _ = fitted[GraphFeatureRegressor]
    fig, ax = plt.subplots()
    assert plot_feature_network(est, k=3, ax=ax, layout="spring") is ax
    edges = [c for c in ax.collections if len(c.get_paths()) == 3]
    assert edges, "expected one collection of 3 edges"
    assert {text.get_text() for text in ax.texts} == set(NAMES)


def test_plot_feature_groups(deep):
    est, _ = deep
    fig, ax = plt.subplots()
    assert plot_feature_groups(est, ax=ax) is ax
    assert ax.images[0].get_array().shape == (8, 3)
    assert ax.get_yticklabels()[4].get_text() == "1:x0"


def test_plots_reject_wrong_input(fitted):
    est, X = fitted[GraphFeatureClassifier]
    with pytest.raises(ValueError, match="hierarchical=True"):
        plot_feature_groups(est)
    with pytest.raises(ValueError, match="square"):
        plot_feature_graph(est.feature_graph(per_head=True))
    with pytest.raises(ValueError, match="only used"):
        plot_feature_graph(est.feature_graph(), X)
    with pytest.raises(ValueError, match="layout"):
        plot_feature_network(est, layout="grid")


# ------------------------------------------------------------ is it right?
def test_true_pairs_rank_in_the_top_5_percent():
    # the label depends only on the products of 3 feature pairs out of F = 20;
    # no hidden layer, so the interactions must go through the graph layer (its
    # edge bias, on by default, lets it single out pairs of features)
    X, y, pairs = make_pairwise_interactions(2000, 20, 3, random_state=0)
    clf = GraphFeatureClassifier(
        hidden_layer_sizes=(), learning_rate_init=1e-2, max_iter=60, random_state=0
    ).fit(X, y)
    ranks = pair_ranks(
        clf.top_interactions(k=None), pairs, inspection.feature_names(clf)
    )
    assert max(ranks) <= 9, f"ranks of the true pairs among 190: {ranks}"


def _adjacency_of_two_blocks_by_hand(estimator, X):
    """The attention of both blocks of a two-block network, its layers
    composed by hand as build_network wires them, shape (n, 2, H, F, F)."""
    import keras

    model = estimator.model_
    layer = model.get_layer
    standardized = layer("standardize")(estimator._graph_input(X))
    first, attention_0 = layer("graph_block_0")(
        standardized, training=False, return_attention_scores=True
    )
    # category codes and NaN are set aside before the residual
    residual = layer("numeric_values")(standardized)
    fed = layer("graph_residual_0")([residual, first])
    _, attention_1 = layer("graph_block_1")(
        fed, training=False, return_attention_scores=True
    )
    return np.stack([keras.ops.convert_to_numpy(a) for a in (attention_0, attention_1)],
                    axis=1)  # fmt: skip


@pytest.mark.parametrize("holes", ["missing", "categorical"])
def test_later_blocks_are_explained_on_what_the_network_feeds_them(holes):
    X, y = _data(n_samples=60)
    frame = pd.DataFrame(X, columns=NAMES)
    if holes == "missing":
        frame.loc[::4, "alpha"] = np.nan
    else:
        frame["city"] = pd.Categorical(np.array(["Lyon", "Oslo", "Rome"])[y + y % 2])
    clf = _fit(GraphFeatureClassifier, frame, y, n_blocks=2)
    explained = clf.explain(frame, per_block=True)
    assert np.isfinite(explained).all()
    np.testing.assert_allclose(explained.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(
        explained,
        _adjacency_of_two_blocks_by_hand(clf, frame).mean(axis=2),
        rtol=1e-6,
        atol=1e-9,
    )


def test_plots_show_how_far_the_graph_is_from_uniform():
    names = list("abcd")
    flat = pd.DataFrame(np.full((4, 4), 0.25) + np.eye(4) * 0.01, names, names)
    flat = flat / flat.to_numpy().sum(axis=1, keepdims=True)
    sharp = pd.DataFrame(np.full((4, 4), 0.05), names, names)
    sharp.loc["a", "b"] = sharp.loc["b", "a"] = 0.85
    heat = plot_feature_graph(flat, ax=plt.figure().gca())
    assert "flat" in heat.get_title()
    # the colour scale is centred on uniform: 1/F is drawn white
    assert heat.images[0].norm.vcenter == pytest.approx(0.25)
    assert "flat" not in plot_feature_graph(sharp, ax=plt.figure().gca()).get_title()
    flat_net = plot_feature_network(flat, k=3, ax=plt.figure().gca())
    sharp_net = plot_feature_network(sharp, k=3, ax=plt.figure().gca())
    assert "flat" in flat_net.get_title() and "flat" not in sharp_net.get_title()

    def widths(ax):
        (edges,) = [c for c in ax.collections if len(c.get_paths()) == 3]
        return edges.get_linewidths()

    # a near-uniform graph's edges are thin, not drawn as strong as any other
    assert max(widths(flat_net)) < 1.0 < max(widths(sharp_net))
    # features that attend to themselves: far from uniform, though no pair is
    selfish = pd.DataFrame(np.full((4, 4), 0.1 / 3) + np.eye(4) * (0.9 - 0.1 / 3),
                           names, names)  # fmt: skip
    for plot in (plot_feature_graph, plot_feature_network):
        assert "flat" not in plot(selfish, ax=plt.figure().gca()).get_title()
    # vmin=0 shows the weights to scale (a plain colour scale, not centred)
    ax = plot_feature_graph(sharp, vmin=0, ax=plt.figure().gca())
    assert ax.images[0].norm.vmin == 0
