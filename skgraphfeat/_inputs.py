"""The checks every input goes through, in fit and predict alike.

scikit-learn's ``validate_data`` with NaN allowed, and the categorical columns
(found and encoded by ``_features``) turned into category codes: what the
network receives is always a float array.
"""

import numpy as np
from sklearn.utils.validation import (
    _get_feature_names,
    _num_features,
    check_array,
    check_is_fitted,
    check_X_y,
    validate_data,
)

from . import _features

FLOAT_DTYPES = [np.float64, np.float32]


def validated_input(estimator, X, y="no_validation", *, reset, **check_params):
    """Validate ``X`` (and ``y``) as fit or predict takes them.

    Returns ``X`` as a float array: category codes in the categorical
    columns (see ``_features``), NaN where values are missing; with ``y``,
    the pair ``(X, y)``. With ``reset`` the categorical columns and their
    categories are learned and stored on ``estimator``.
    """
    check_params = {
        "dtype": FLOAT_DTYPES, "ensure_all_finite": "allow-nan", **check_params
    }  # fmt: skip
    if reset:
        mask = categorical_mask(estimator.categorical_features, X)
    else:
        check_is_fitted(estimator)
        mask = estimator.is_categorical_
        if estimator._column_kinds is not None and _features._is_frame(X):
            validate_data(estimator, X, reset=False, skip_check_array=True)
            _features.check_column_kinds(
                estimator._column_kinds, X, _get_feature_names(X)
            )
    if not mask.any():
        checked = validate_data(estimator, X, y, reset=reset, **check_params)
    else:
        validate_data(estimator, X, y, reset=reset, skip_check_array=True)
        table = _features.as_table(X)
        names = getattr(estimator, "feature_names_in_", None)
        if reset:
            categories = _features.learn_categories(table, mask, names)
        else:
            categories = estimator.categories_
            _features.check_value_kinds(table, mask, categories, names)
        encoded = _features.encode(table, mask, categories, names)
        if isinstance(y, str) and y == "no_validation":
            checked = check_array(encoded, estimator=estimator, **check_params)
        else:
            checked = check_X_y(encoded, y, estimator=estimator, **check_params)
    if reset:
        estimator.is_categorical_ = mask
        estimator.categories_ = categories if mask.any() else [None] * len(mask)
        from_dtype = isinstance(estimator.categorical_features, str)
        estimator._column_kinds = (
            _features.column_kinds(X) if from_dtype and _features._is_frame(X) else None
        )
    return checked


def categorical_mask(categorical_features, X):
    """Which columns of ``X`` are categorical, by the parameter's rule."""
    try:
        n_features = _num_features(X)
    except TypeError:
        n_features = 0  # not a table: validate_data names the problem
    names = _get_feature_names(X)
    return _features.categorical_mask(categorical_features, X, n_features, names)
