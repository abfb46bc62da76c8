"""DataFrames as they come: categorical columns and missing values go straight in."""

import pickle

import numpy as np
import pandas as pd
import pytest

from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
    load,
)

SMALL = dict(
    embed_dim=8,
    num_heads=2,
    hidden_layer_sizes=(16,),
    learning_rate_init=1e-2,
    max_iter=40,
    random_state=0,
)


def _frame(n=240, seed=0):
    """Strings, a category dtype, a string dtype, nullable numbers, holes."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "color": rng.choice(["red", "green", "blue"], n).astype(object),
            "size": pd.Categorical(rng.choice(["S", "M", "L"], n), ["S", "M", "L"]),
            "city": pd.array(rng.choice(["Lyon", "Oslo"], n), dtype="string"),
            "income": pd.array(rng.normal(size=n), dtype="Float64"),
        }
    )
    y = np.asarray((frame["color"] == "red") ^ (frame["income"] > 0.5), dtype=int)
    frame.loc[rng.random(n) < 0.15, "age"] = np.nan
    frame.loc[rng.random(n) < 0.1, "color"] = None
    frame.loc[rng.random(n) < 0.1, "size"] = np.nan
    frame.loc[rng.random(n) < 0.1, "city"] = pd.NA
    frame.loc[rng.random(n) < 0.05, "income"] = pd.NA
    return frame, y


@pytest.fixture(scope="module")
def data():
    return _frame()


@pytest.fixture(scope="module")
def fitted(data):
    frame, y = data
    return GraphFeatureClassifier(**SMALL).fit(frame, y)


def test_strings_categories_and_holes_go_straight_in(data, fitted):
    frame, y = data
    np.testing.assert_array_equal(
        fitted.is_categorical_, [False, True, True, True, False]
    )
    assert fitted.categories_[0] is None and fitted.categories_[4] is None
    assert list(fitted.categories_[1]) == ["blue", "green", "red"]
    assert list(fitted.categories_[2]) == ["S", "M", "L"]  # the dtype's order
    assert list(fitted.categories_[3]) == ["Lyon", "Oslo"]
    proba = fitted.predict_proba(frame)
    assert np.isfinite(proba).all()
    # the label is color == "red" XOR income > 0.5: learned through the embeddings
    assert fitted.score(frame, y) > 0.85


def test_unseen_categories_share_the_unknown_embedding(data, fitted):
    frame, _ = data
    rows = frame.head(6).copy()
    purple, orange = rows.copy(), rows.copy()
    purple["color"] = "purple"
    orange["color"] = "orange"
    purple["size"] = pd.Categorical(["XL"] * 6)
    orange["size"] = pd.Categorical(["XXS"] * 6)
    np.testing.assert_array_equal(
        fitted.predict_proba(purple), fitted.predict_proba(orange)
    )
    assert not np.allclose(fitted.predict_proba(purple), fitted.predict_proba(rows))


@pytest.mark.parametrize("hole", [np.nan, None, pd.NA])
def test_every_kind_of_hole_is_the_same_missing_value(data, fitted, hole):
    frame, _ = data
    rows = frame.head(5).astype({"color": object, "age": object, "income": object})
    reference = rows.copy()
    reference["color"] = np.nan
    reference["age"] = np.nan
    reference["income"] = np.nan
    holes = rows.copy()
    holes["color"] = hole
    holes["age"] = hole
    holes["income"] = hole
    expected = fitted.predict_proba(reference.astype({"age": float, "income": float}))
    np.testing.assert_allclose(fitted.predict_proba(holes), expected, rtol=1e-12)


def test_a_hole_unseen_at_fit_takes_the_column_mean():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 3))
    y = X[:, 0] + X[:, 1] ** 2
    reg = GraphFeatureRegressor(**{**SMALL, "max_iter": 5}).fit(X, y)
    assert not reg._spec.missing_values
    holes, means = X[:5].copy(), X[:5].copy()
    holes[:, 1] = np.nan
    means[:, 1] = X[:, 1].mean()
    np.testing.assert_allclose(reg.predict(holes), reg.predict(means), rtol=1e-10)


def test_missing_values_are_not_imputed_when_seen_at_fit(data, fitted):
    frame, _ = data
    assert fitted._spec.missing_values
    rows = frame.head(5).copy()
    holes, means = rows.copy(), rows.copy()
    holes["age"] = np.nan
    means["age"] = frame["age"].mean()
    # the learned "missing" embedding differs from the mean's embedding
    assert not np.allclose(fitted.predict_proba(holes), fitted.predict_proba(means))


def test_infinity_still_raises(data, fitted):
    frame, y = data
    bad = frame.copy()
    bad.loc[3, "income"] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        fitted.predict(bad)
    with pytest.raises(ValueError, match="infinity"):
        GraphFeatureClassifier(**SMALL).fit(bad, y)


def test_column_order_change_raises(data, fitted):
    frame, _ = data
    with pytest.raises(ValueError, match="same order"):
        fitted.predict(frame[frame.columns[::-1]])


def test_dtype_change_raises_a_clear_error(data, fitted):
    frame, _ = data
    numeric_as_text = frame.astype({"age": str})
    with pytest.raises(ValueError, match=r"'age' \(numeric at fit, dtype (object|str)"):
        fitted.predict(numeric_as_text)
    # "size" as numbers in an object column: still categorical by dtype, but
    # numbers where the categories were strings
    numbers = frame.astype({"size": object})
    numbers["size"] = 1
    numbers = numbers.astype({"size": object})
    with pytest.raises(ValueError, match="'size' held strings at fit but holds"):
        fitted.predict(numbers)


def test_fitted_mappings_survive_pickle_and_save(data, fitted, tmp_path):
    frame, _ = data
    rows = frame.head(8).copy()
    rows.loc[0, "color"] = "purple"
    rows.loc[1, "age"] = np.nan
    expected = fitted.predict_proba(rows)
    restored = pickle.loads(pickle.dumps(fitted))
    fitted.save(tmp_path / "model.keras")
    loaded = load(tmp_path / "model.keras")
    for other in (restored, loaded):
        np.testing.assert_array_equal(other.predict_proba(rows), expected)
        np.testing.assert_array_equal(other.is_categorical_, fitted.is_categorical_)
        for a, b in zip(other.categories_, fitted.categories_, strict=True):
            assert (a is None and b is None) or list(a) == list(b)
        with pytest.raises(ValueError, match="numeric at fit"):
            other.predict(frame.astype({"age": str}))


def test_numeric_categories_round_trip_through_save(tmp_path):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 4, 60), rng.normal(size=60)])
    y = (X[:, 0] >= 2).astype(int)
    clf = GraphFeatureClassifier(**{**SMALL, "max_iter": 3}, categorical_features=[0])
    clf.fit(X, y)
    assert list(clf.categories_[0]) == [0.0, 1.0, 2.0, 3.0]
    clf.save(tmp_path / "codes.keras")
    loaded = load(tmp_path / "codes.keras")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_graph_has_one_node_per_original_column(data, fitted):
    frame, _ = data
    graph = fitted.feature_graph()
    assert list(graph.index) == list(frame.columns)
    assert list(graph.columns) == list(frame.columns)
    np.testing.assert_allclose(graph.sum(axis=1), 1.0)
    assert fitted.explain(frame.head(3)).shape == (3, 5, 5)
    top = fitted.top_interactions(3)
    assert set(top["feature_a"]) | set(top["feature_b"]) <= set(frame.columns)


def test_transformer_set_output_pandas_keeps_the_column_names(data):
    frame, _ = data
    transformer = GraphFeatureTransformer(**{**SMALL, "max_iter": 3})
    transformer.set_output(transform="pandas")
    out = transformer.fit(frame).transform(frame)
    assert list(out.columns) == list(frame.columns)
    assert np.isfinite(out.to_numpy()).all()
    # the self-supervised loss reconstructs the numeric values that are there
    assert np.isfinite(transformer.loss_curve_).all()


def test_regressor_takes_strings_and_holes(data):
    frame, _ = data
    target = np.where(frame["color"] == "red", 2.0, -1.0) + frame["age"].fillna(40) / 40
    reg = GraphFeatureRegressor(**SMALL).fit(frame, target)
    assert reg.score(frame, target) > 0.7


@pytest.mark.parametrize(
    "categorical_features",
    [
        ["color", "size", "city"],
        [1, 2, 3],
        [False, True, True, True, False],
        [-4, 2, 3],
    ],
)
def test_categorical_features_by_name_index_or_mask(data, categorical_features):
    frame, y = data
    clf = GraphFeatureClassifier(
        **{**SMALL, "max_iter": 2}, categorical_features=categorical_features
    )
    clf.fit(frame, y)
    np.testing.assert_array_equal(clf.is_categorical_, [False, True, True, True, False])


@pytest.mark.parametrize(
    "categorical_features, match",
    [
        (["colour"], "does not have: \\['colour'\\]"),
        ([7], "indices \\[7\\] outside"),
        ([True, False], "one entry per feature"),
        ([1.5], "must be 'from_dtype', None, or a list"),
        (["color", 1], "must be 'from_dtype', None, or a list"),
    ],
)
def test_bad_categorical_features_raise(data, categorical_features, match):
    frame, y = data
    clf = GraphFeatureClassifier(categorical_features=categorical_features)
    with pytest.raises(ValueError, match=match):
        clf.fit(frame, y)


def test_strings_in_a_column_not_declared_categorical_raise(data):
    frame, y = data
    clf = GraphFeatureClassifier(**SMALL, categorical_features=["size"])
    with pytest.raises(ValueError, match="'color' holds values that are not numbers"):
        clf.fit(frame, y)


def test_numpy_object_array_with_declared_categorical_columns():
    rng = np.random.default_rng(1)
    colors = rng.choice(["red", "blue"], 90)
    X = np.empty((90, 2), dtype=object)
    X[:, 0] = colors
    X[:, 1] = rng.normal(size=90)
    y = (colors == "red").astype(int)
    clf = GraphFeatureClassifier(**SMALL, categorical_features=[0]).fit(X, y)
    assert clf.score(X, y) == 1.0
    assert list(clf.feature_graph().columns) == ["x0", "x1"]


def test_categorical_column_whose_types_mix_raises_clearly():
    frame = pd.DataFrame({"mixed": ["a", 1, "b", 2] * 5, "x": np.arange(20.0)})
    with pytest.raises(ValueError, match="'mixed' mixes values of types"):
        GraphFeatureClassifier(**SMALL).fit(frame, np.arange(20) % 2)


def test_columns_with_only_holes_fit():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=50),
            "empty": np.full(50, np.nan),
            "nothing": pd.Series([None] * 50, dtype=object),
        }
    )
    y = (frame["x"] > 0).astype(int)
    clf = GraphFeatureClassifier(**{**SMALL, "max_iter": 3}).fit(frame, y)
    assert np.isfinite(clf.predict_proba(frame)).all()
    assert len(clf.categories_[2]) == 0


def test_partial_fit_keeps_the_first_chunks_categories(data):
    frame, y = data
    clf = GraphFeatureClassifier(**SMALL)
    first = frame.iloc[:120].copy()
    first = first[first["color"] != "blue"]
    clf.partial_fit(first, y[first.index], classes=[0, 1])
    assert list(clf.categories_[1]) == ["green", "red"]
    clf.partial_fit(frame.iloc[120:], y[120:])  # "blue" is unknown now
    assert np.isfinite(clf.predict_proba(frame)).all()
    assert clf.n_iter_ == 2


def test_numeric_input_keeps_the_factorised_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    clf = GraphFeatureClassifier(**{**SMALL, "max_iter": 2}).fit(X, X[:, 0] > 0)
    assert not clf._spec.general_embeddings
    assert not clf.is_categorical_.any()
    assert clf.categories_ == [None, None, None]
