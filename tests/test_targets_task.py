"""Class labels or a continuous quantity: the command line's ``fit --task auto``
and ``GraphFeatureTransformer.fit(X, y)`` ask ``target_task`` the same question."""

import re

import numpy as np
import pandas as pd
import pytest

from skgraphfeat import GraphFeatureTransformer
from skgraphfeat._targets import target_task
from skgraphfeat.cli._errors import MAX_INTEGER_CLASSES
from skgraphfeat.cli._fit import infer_task

TASK_OF_OBJECTIVE = {
    "softmax_cross_entropy": "classification",
    "squared_error": "regression",
}


def transformer_task(y):
    """The task ``GraphFeatureTransformer.fit(X, y)`` trains for, from its
    objective (the target validated as fit validates it)."""
    y = np.asarray(y)
    transformer = GraphFeatureTransformer()
    X, y = transformer._validate_fit_data(np.zeros((len(y), 2)), y, reset=True)
    objective, *_ = transformer._encode_target(X, y, np.ones(len(y)), refit=True)
    return TASK_OF_OBJECTIVE[objective.name]


@pytest.mark.parametrize(
    "y, task, why",
    [
        (["yes", "no", "yes", "no"], "classification", "the target holds text"),
        ([True, False, True, True], "classification", "the target holds booleans"),
        ([0.5, 1.25, 3.0, -2.5], "regression", "the target holds decimal numbers"),
        ([0, 1, 2, 1], "classification", "the target holds integers with 3 "
         "distinct values (<= 20)"),
    ],
)  # fmt: skip
def test_the_command_line_and_the_transformer_agree(y, task, why):
    assert infer_task(pd.Series(y)) == (task, why)
    assert transformer_task(y) == task


@pytest.mark.parametrize("n_values", [MAX_INTEGER_CLASSES, MAX_INTEGER_CLASSES + 1])
def test_only_the_command_line_caps_the_integer_classes(n_values):
    y = np.arange(3 * n_values) % n_values
    task, why = infer_task(pd.Series(y))
    if n_values <= MAX_INTEGER_CLASSES:
        assert (task, why) == (
            "classification",
            f"the target holds integers with {n_values} distinct values (<= 20)",
        )
    else:
        assert (task, why) == (
            "regression",
            f"the target holds integers with {n_values} distinct values (> 20)",
        )
    assert transformer_task(y) == "classification"  # no cap
    assert target_task(y, by="dtype") == (
        "classification",
        f"the target holds integers with {n_values} distinct values",
    )


def test_whole_floats_are_labels_by_value_and_a_quantity_by_dtype():
    y = [0.0, 1.0, 2.0, 1.0]
    assert infer_task(pd.Series(y))[0] == "regression"
    assert transformer_task(y) == "classification"


def test_a_target_of_neither_kind_is_refused_by_the_transformer():
    y = np.array([[0, 1], [1, 2], [2, 0], [1, 1]])
    assert target_task(y) == (None, "multiclass-multioutput")
    message = (
        "Unknown label type: 'multiclass-multioutput'. GraphFeatureTransformer "
        "learns from class labels (binary or multiclass) or a continuous target."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        transformer_task(y)


def test_the_reading_and_the_cap_are_checked():
    with pytest.raises(ValueError, match="by must be"):
        target_task([0, 1], by="dtypes")
    with pytest.raises(ValueError, match="max_integer_classes"):
        target_task([0, 1], max_integer_classes=20)
