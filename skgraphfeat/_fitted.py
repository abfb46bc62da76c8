"""What a fit learned, as one record: its fields, how a fit builds it, and
how it replaces the estimator's previous state in one step.

``FITTED_FIELDS`` is the record's definition: every attribute a fit sets
(beyond the Keras model itself), with the check of its value. The file format
(``_persistence``) writes and reads exactly these, by name; a test pins them
with the format's version.
"""

import contextlib

import numpy as np

from ._objectives import OBJECTIVES
from ._state import NetworkSpec, OptimizerState


def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _optional(check):
    return lambda value: value is None or check(value)


def _list_of(check):
    return lambda value: isinstance(value, list) and all(check(v) for v in value)


def _array(kinds, ndim=None):
    def check(value):
        return (
            isinstance(value, np.ndarray)
            and value.dtype.kind in kinds
            and (ndim is None or value.ndim == ndim)
        )

    return check


def _record(value):
    return isinstance(value, dict) and all(
        isinstance(k, str) and (is_number(v) or v is None) for k, v in value.items()
    )


def _network_spec(value):
    return isinstance(value, NetworkSpec)


def _optimizer_state(value):
    return value is None or isinstance(value, OptimizerState)


# Every fitted attribute the format holds, with the check of its decoded value.
# ``save`` writes these (those the estimator has) and nothing else; ``load``
# refuses a manifest with any other entry.
FITTED_FIELDS = {
    "n_features_in_": is_integer,
    "feature_names_in_": _array("OU", ndim=1),
    "is_categorical_": _array("b", ndim=1),
    "categories_": _list_of(_optional(_array("biufOU", ndim=1))),
    "classes_": _array("biufOU", ndim=1),
    "n_iter_": is_integer,
    "loss_curve_": _list_of(is_number),
    "best_loss_": _optional(is_number),
    "validation_scores_": _optional(_list_of(_optional(is_number))),
    "best_validation_score_": _optional(is_number),
    "history_": _list_of(_record),
    "replica_devices_": _optional(
        lambda v: isinstance(v, tuple) and all(isinstance(d, str) for d in v)
    ),
    "_target_mean": _array("f", ndim=1),
    "_target_scale": _array("f", ndim=1),
    "_target_ndim": is_integer,
    "_spec": _network_spec,
    "_objective": lambda value: isinstance(value, str) and value in OBJECTIVES,
    "_optimizer_state": _optimizer_state,
    "_graph_summary": _array("f", ndim=4),
    "_column_kinds": _optional(
        lambda v: (
            isinstance(v, tuple)
            and all(kind in ("categorical", "numeric") for kind in v)
        )
    ),
    "_sklearn_output_config": lambda value: (
        isinstance(value, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ),
}
# What every fitted estimator of the format has, and what each kind has too.
REQUIRED_FIELDS = {
    "n_features_in_", "is_categorical_", "categories_", "n_iter_", "loss_curve_",
    "history_", "_spec", "_objective", "_graph_summary", "_column_kinds",
}  # fmt: skip
REQUIRED_BY_CLASS = {
    "GraphFeatureClassifier": {"classes_"},
    "GraphFeatureRegressor": {"_target_mean", "_target_scale", "_target_ndim"},
    "GraphFeatureTransformer": set(),
}


# Fields that describe the target; a refit drops those it no longer sets.
TARGET_FIELDS = {"classes_", "_target_mean", "_target_scale", "_target_ndim"}
# What a fitted estimator holds beyond the record: the network (saved in
# Keras' own format) and its compiled forward pass (rebuilt on load).
RUNTIME_FIELDS = {"model_", "_model_forward"}


def fitted_state(estimator, continuing, fitted, spec, objective, result, devices):
    """The record a fit leaves, as a dict of fitted attributes (the estimator
    is not changed).

    ``fitted`` holds the target's encoding (a fresh fit's), ``result`` the
    training's outcome, ``devices`` the replicas it ran on (None: one device).
    ``best_validation_score_`` is the score of the weights kept, this run's
    best epoch; ``best_loss_`` the lowest training loss of all runs.
    """
    history = list(estimator.history_) if continuing else []
    history.extend(result.history)
    state = {
        **fitted,
        "_spec": spec,
        "_objective": objective.name,
        "_optimizer_state": result.optimizer,
        "history_": history,
        "n_iter_": len(history),
        "loss_curve_": [record["loss"] for record in history],
        "replica_devices_": devices,
    }
    if result.best_validation_score is not None:
        state["validation_scores_"] = [
            record.get("validation_score") for record in history
        ]
        state["best_validation_score_"] = result.best_validation_score
        state["best_loss_"] = None
    else:
        previous = getattr(estimator, "best_loss_", None) if continuing else None
        state["validation_scores_"] = None
        state["best_validation_score_"] = None
        state["best_loss_"] = min(
            s for s in (previous, result.best_loss) if s is not None
        )
    return state


def commit(estimator, state, model, weights, graph_summary, continuing):
    """Write the trained ``weights`` (trainable, non-trainable) into ``model``,
    add its ``graph_summary()`` to ``state``, then set ``state`` on the
    estimator in one step: a failure on the way leaves the previous fit whole
    (the fitted model's weights too)."""
    from ._forward import ModelForward

    in_place = model is getattr(estimator, "model_", None)
    previous = [v.numpy() for v in model.variables] if in_place else None
    try:
        trainable, non_trainable = weights
        for variable, value in zip(model.trainable_variables, trainable, strict=True):
            variable.assign(value)
        for variable, value in zip(
            model.non_trainable_variables, non_trainable, strict=True
        ):
            variable.assign(value)
        state["_graph_summary"] = graph_summary()
    except BaseException:
        if in_place:  # the fitted model keeps its weights
            for variable, value in zip(model.variables, previous, strict=True):
                variable.assign(value)
        raise
    if not continuing:
        for name in TARGET_FIELDS.difference(state):
            estimator.__dict__.pop(name, None)  # from a fit on another kind of y
    if not in_place:
        state["model_"] = model
        state["_model_forward"] = ModelForward()
    estimator.__dict__.update(state)


@contextlib.contextmanager
def restored_on_failure(estimator):
    """Put every attribute back as it was if the block raises.

    A fit that fails (bad input, divergence, KeyboardInterrupt) then leaves an
    estimator that was fitted before exactly as it was.
    """
    saved = estimator.__dict__.copy()
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise
