"""The target of a network: whether it holds class labels or a continuous
quantity (``target_task``), and its encoding: class labels to codes (and
weights), continuous targets to standardized values."""

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._objectives import SQUARED_ERROR
from ._scaling import weighted_mean_and_scale

CLASSIFICATION = "classification"
REGRESSION = "regression"
# scikit-learn's names (``type_of_target``) for each task's targets
_LABEL_KINDS = ("binary", "multiclass")
_CONTINUOUS_KINDS = ("continuous", "continuous-multioutput")


def target_task(y, *, by="values", max_integer_classes=None):
    """Whether the target ``y`` holds class labels or a continuous quantity.

    The one answer to that question: ``GraphFeatureTransformer.fit(X, y)``
    reads the values (``by="values"``), the command line's ``fit --task auto``
    reads a table column's dtype (``by="dtype"``, with a cap on the integer
    classes). Both take booleans, text and integers as class labels and
    decimal numbers as a continuous quantity. They differ where a column's
    dtype and its values say different things: integers with more distinct
    values than the cap (continuous by dtype), whole numbers stored as floats
    (class labels by their values, as scikit-learn reads them; continuous by
    dtype), and targets that are neither, such as several label columns or
    mixed objects (refused by values; text by dtype).

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        The target, without missing values; one column, such as a pandas
        Series, with ``by="dtype"``.
    by : {"values", "dtype"}, default="values"
        ``"values"``: scikit-learn's ``type_of_target``, binary or multiclass
        targets are class labels and continuous ones a continuous quantity.
        ``"dtype"``: booleans and text (any non-numeric dtype) are class
        labels, integers are class labels up to ``max_integer_classes``
        distinct values, every other number is a continuous quantity.
    max_integer_classes : int, default=None
        With ``by="dtype"``: integer targets with more distinct values are a
        continuous quantity. None: no cap.

    Returns
    -------
    task : {"classification", "regression"} or None
        None when ``y`` is neither (only with ``by="values"``).
    why : str
        With ``by="dtype"``, the reason in words (the command line prints
        it); with ``by="values"``, ``type_of_target``'s name for ``y``
        (``"binary"``, ``"continuous"``, ``"multilabel-indicator"``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> target_task(pd.Series(["yes", "no", "yes"]))
    ('classification', 'binary')
    >>> target_task(pd.Series([0.5, 1.25, 3.0]), by="dtype")
    ('regression', 'the target holds decimal numbers')
    >>> target_task(pd.Series(range(100)))
    ('classification', 'multiclass')
    >>> target_task(pd.Series(range(100)), by="dtype", max_integer_classes=20)
    ('regression', 'the target holds integers with 100 distinct values (> 20)')
    >>> target_task([[0, 1], [1, 0]])
    (None, 'multilabel-indicator')
    """
    if by == "values":
        if max_integer_classes is not None:
            raise ValueError('max_integer_classes is a cap of by="dtype".')
        kind = type_of_target(y)
        if kind in _LABEL_KINDS:
            return CLASSIFICATION, kind
        if kind in _CONTINUOUS_KINDS:
            return REGRESSION, kind
        return None, kind
    if by != "dtype":
        raise ValueError(f'by must be "values" or "dtype"; got {by!r}.')
    y = pd.Series(y)  # a column: its dtype, as pandas names it
    if pd.api.types.is_bool_dtype(y):
        return CLASSIFICATION, "the target holds booleans"
    if not pd.api.types.is_numeric_dtype(y):
        return CLASSIFICATION, "the target holds text"
    if not pd.api.types.is_integer_dtype(y):
        return REGRESSION, "the target holds decimal numbers"
    n_values = y.nunique()
    holds = f"the target holds integers with {n_values} distinct values"
    if max_integer_classes is None:
        return CLASSIFICATION, holds
    if n_values <= max_integer_classes:
        return CLASSIFICATION, f"{holds} (<= {max_integer_classes})"
    return REGRESSION, f"{holds} (> {max_integer_classes})"


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
