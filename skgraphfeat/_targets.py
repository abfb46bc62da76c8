"""Encoding the target for a network: class labels to codes (and weights),
continuous targets to standardized values."""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ._objectives import SQUARED_ERROR
from ._scaling import weighted_mean_and_scale


def encode_labels(y, sample_weight, class_weight, classes=None):
    """Integer-encode class labels; scale the weights by ``class_weight``.

    ``classes`` None learns the classes from ``y``; otherwise ``y`` must only
    hold labels among ``classes`` (a later chunk of ``partial_fit``).
    """
    check_classification_targets(y)
    learned = classes is None
    classes = np.unique(y) if learned else np.unique(np.asarray(classes))
    if len(classes) < 2:
        raise ValueError(
            "The target needs samples of at least 2 classes; got only one class: "
            f"{classes[0]!r}."
        )
    unknown = np.setdiff1d(np.unique(y), classes)
    if len(unknown):
        raise ValueError(
            f"y contains labels that are not among the classes {classes.tolist()}: "
            f"{unknown.tolist()}."
        )
    targets = np.searchsorted(classes, y).astype(np.int32)
    if class_weight is not None:
        weights = compute_class_weight(class_weight, classes=classes, y=y)
        sample_weight = sample_weight * weights[targets]
    weighted_classes = np.unique(targets[sample_weight > 0])
    if learned and len(weighted_classes) < 2:
        raise ValueError(
            "The target needs samples of at least 2 classes with a positive "
            f"sample_weight; only class {classes[weighted_classes[0]]!r} has any."
        )
    return targets, classes, sample_weight


def encode_continuous(y, sample_weight, mean=None, scale=None):
    """Standardize a numeric target to 2-D; return it with its mean and scale.

    ``mean`` and ``scale`` None learn them from ``y`` (weighted).
    """
    y = np.asarray(y, dtype=np.float64)
    y_2d = y.reshape(len(y), -1)
    if mean is None:
        mean, scale = weighted_mean_and_scale(y_2d, sample_weight)
    elif y_2d.shape[1] != len(mean):
        raise ValueError(
            f"y has {y_2d.shape[1]} target(s), but the fitted model predicts "
            f"{len(mean)}."
        )
    return (y_2d - mean) / scale, mean, scale


def continuous_target(estimator, X, y, sample_weight, refit):
    """Encode a continuous target, learning its scaling only on ``refit``."""
    if refit:
        targets, mean, scale = encode_continuous(y, sample_weight)
        fitted = {"_target_mean": mean, "_target_scale": scale, "_target_ndim": y.ndim}
    else:
        targets, _, _ = encode_continuous(
            y, sample_weight, estimator._target_mean, estimator._target_scale
        )
        fitted = {}
    targets = targets.astype(X.dtype)
    return SQUARED_ERROR, targets, targets.shape[1], sample_weight, fitted
