"""The fitted-state record and the file format that holds it."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)
from skgraphfeat._fitted import FITTED_FIELDS, RUNTIME_FIELDS
from skgraphfeat._persistence import FORMAT_VERSION
from skgraphfeat._state import NetworkSpec, OptimizerState

TINY = dict(embed_dim=4, num_heads=2, hidden_layer_sizes=(4,), max_iter=2,
            random_state=0)  # fmt: skip


def test_the_file_format_changes_only_with_its_version():
    # Adding, removing or renaming a field of the record changes what files
    # hold: bump FORMAT_VERSION (and read the old version) along with this list.
    layout = {
        "fitted": sorted(FITTED_FIELDS),
        "NetworkSpec": [f.name for f in dataclasses.fields(NetworkSpec)],
        "OptimizerState": [f.name for f in dataclasses.fields(OptimizerState)],
    }
    assert (FORMAT_VERSION, layout) == (
        4,
        {
            "fitted": [
                "_column_kinds", "_graph_summary", "_objective", "_optimizer_state",
                "_sklearn_output_config", "_spec", "_target_mean", "_target_ndim",
                "_target_scale", "best_loss_", "best_validation_score_",
                "categories_", "classes_", "feature_names_in_", "history_",
                "is_categorical_", "loss_curve_", "n_features_in_", "n_iter_",
                "replica_devices_", "validation_scores_",
            ],
            "NetworkSpec": [
                "n_features", "n_outputs", "embed_dim", "num_heads", "hierarchical",
                "num_groups", "dropout_rate", "edge_bias", "n_blocks",
                "hidden_layer_sizes", "activation", "dtype",
                "categorical_cardinalities", "missing_values", "numeric_embedding",
                "frequency_scale", "ensemble_size", "averages_probabilities",
            ],
            "OptimizerState": [
                "first_moments", "second_moments", "step", "learning_rate",
                "params",
            ],
        },
    )  # fmt: skip


def _table(n=60):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "colour": pd.Categorical(rng.choice(["red", "blue"], size=n)),
    })  # fmt: skip
    return X, rng


@pytest.mark.parametrize(
    "make, target",
    [
        (lambda: GraphFeatureClassifier(**TINY, early_stopping=True), "labels"),
        (
            lambda: GraphFeatureRegressor(**TINY, hierarchical=True, num_groups=2),
            "numbers",
        ),
        (lambda: GraphFeatureTransformer(**TINY).set_output(transform="pandas"), None),
        (lambda: GraphFeatureTransformer(**TINY), "labels"),
    ],
    ids=["classifier", "regressor", "transformer", "supervised transformer"],
)
def test_everything_a_fit_learns_is_a_field_of_the_record(make, target):
    # an attribute outside FITTED_FIELDS would silently be lost by save/load
    X, rng = _table()
    y = {
        "labels": rng.choice(["x", "y"], size=len(X)),
        "numbers": rng.normal(size=len(X)),
        None: None,
    }[target]
    estimator = make().fit(X, y)
    estimator.partial_fit(X, y)
    learned = set(vars(estimator)) - set(estimator.get_params(deep=False))
    assert learned - RUNTIME_FIELDS <= set(FITTED_FIELDS), sorted(
        learned - RUNTIME_FIELDS - set(FITTED_FIELDS)
    )
    assert RUNTIME_FIELDS <= learned
