"""Tabular input as the network takes it: categorical columns become codes.

Every column stays one feature (one node of the graph). A categorical column's
values are replaced by their index among the categories seen at fit; a value
not seen at fit gets the index ``n_categories`` (the layer's "unknown"
embedding) and a missing value stays NaN (its "missing" embedding). Numeric
columns are taken as floats, missing values as NaN.
"""

from numbers import Integral

import numpy as np


def _pandas():
    import pandas as pd

    return pd


def _is_frame(X):
    return hasattr(X, "iloc") and hasattr(X, "dtypes") and hasattr(X, "columns")


def _is_categorical_dtype(dtype):
    """pandas ``category``, ``object`` and string dtypes hold categories."""
    pd = _pandas()
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def column_kinds(X):
    """Kind ("categorical" or "numeric") of every column of a DataFrame, by dtype."""
    return tuple(
        "categorical" if _is_categorical_dtype(dtype) else "numeric"
        for dtype in X.dtypes
    )


def categorical_mask(categorical_features, X, n_features, feature_names):
    """Which columns of ``X`` are categorical, as a boolean array.

    Parameters
    ----------
    categorical_features : "from_dtype", array-like or None
        As the estimators' parameter of that name.
    X : DataFrame or array-like
    n_features : int
    feature_names : ndarray of str or None
        The column names of a DataFrame.
    """
    mask = np.zeros(n_features, dtype=bool)
    if categorical_features is None:
        return mask
    if isinstance(categorical_features, str):  # "from_dtype", validated already
        if _is_frame(X):
            mask[:] = [kind == "categorical" for kind in column_kinds(X)]
        return mask
    items = list(np.ravel(np.asarray(categorical_features, dtype=object)))
    if np.ndim(categorical_features) != 1:
        raise ValueError(
            "categorical_features must be 'from_dtype', None, or a 1-D list of "
            f"column names, indices or booleans; got {categorical_features!r}."
        )
    if not items:
        return mask
    if all(isinstance(v, bool | np.bool_) for v in items):
        if len(items) != n_features:
            raise ValueError(
                f"categorical_features as a boolean mask needs one entry per "
                f"feature: got {len(items)} entries for {n_features} features."
            )
        return np.array(items, dtype=bool)
    if all(isinstance(v, Integral) and not isinstance(v, bool) for v in items):
        out_of_range = [int(v) for v in items if not -n_features <= v < n_features]
        if out_of_range:
            raise ValueError(
                f"categorical_features holds column indices {out_of_range} outside "
                f"the {n_features} features of X."
            )
        mask[[int(v) for v in items]] = True
        return mask
    if all(isinstance(v, str) for v in items):
        if feature_names is None:
            raise ValueError(
                "categorical_features names columns, which needs X as a DataFrame "
                "with string column names; pass column indices or a boolean mask "
                "for an array."
            )
        positions = {name: index for index, name in enumerate(feature_names)}
        unknown = [str(name) for name in items if name not in positions]
        if unknown:
            raise ValueError(
                f"categorical_features names columns that X does not have: "
                f"{unknown}; X has columns {[str(n) for n in feature_names]}."
            )
        mask[[positions[name] for name in items]] = True
        return mask
    raise ValueError(
        "categorical_features must be 'from_dtype', None, or a list of column "
        f"names, indices or booleans; got {categorical_features!r}."
    )


def as_table(X):
    """``X`` as a DataFrame or a 2-D array whose columns can be read one by
    one (nested lists keep their strings and numbers apart)."""
    if _is_frame(X) or isinstance(X, np.ndarray):
        return X
    return np.asarray(X, dtype=object)


def _column(X, index):
    """Column ``index`` of a table from ``as_table`` as a pandas Series."""
    pd = _pandas()
    if _is_frame(X):
        return X.iloc[:, index].reset_index(drop=True)
    return pd.Series(X[:, index])


def _value_kind(values):
    """Kind ("string" or "number") of the non-missing values of a column."""
    pd = _pandas()
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("string", "unicode", "bytes", "categorical"):
        return "string"
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "boolean"):
        return "number"
    if inferred == "empty":
        return None
    return inferred


def _name(feature_names, index):
    return repr(str(feature_names[index])) if feature_names is not None else index


def learn_categories(X, mask, feature_names):
    """The sorted categories seen in each categorical column (None elsewhere)."""
    pd = _pandas()
    categories = []
    for index, categorical in enumerate(mask):
        if not categorical:
            categories.append(None)
            continue
        column = _column(X, index)
        if isinstance(column.dtype, pd.CategoricalDtype):
            # the dtype's own order, restricted to the categories that occur
            observed = column.cat.remove_unused_categories().cat.categories
            categories.append(np.asarray(observed, dtype=object))
            continue
        present = column[~column.isna()]
        uniques = pd.unique(present.to_numpy(dtype=object))
        try:
            uniques = np.asarray(sorted(uniques), dtype=object)
        except TypeError as error:
            kinds = sorted({type(v).__name__ for v in uniques})
            raise ValueError(
                f"The categorical column {_name(feature_names, index)} mixes "
                f"values of types {kinds}, which cannot be ordered; convert them "
                "to one type (for example str)."
            ) from error
        categories.append(uniques)
    return categories


def encode(X, mask, categories, feature_names, dtype=np.float64):
    """``X`` as a float array: category codes in categorical columns, NaN for
    missing values."""
    pd = _pandas()
    n_samples = X.shape[0]
    encoded = np.empty((n_samples, len(mask)), dtype=dtype)
    for index, categorical in enumerate(mask):
        column = _column(X, index)
        if not categorical:
            try:
                encoded[:, index] = column.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"The numeric column {_name(feature_names, index)} holds values "
                    f"that are not numbers ({error}). List it in "
                    "categorical_features to treat it as categorical."
                ) from error
            continue
        known = categories[index]
        values = column.to_numpy(dtype=object)
        missing = np.asarray(column.isna(), dtype=bool)
        codes = pd.Index(known, dtype=object).get_indexer(values).astype(np.float64)
        codes[codes < 0] = len(known)  # not seen at fit: "unknown"
        codes[missing] = np.nan
        encoded[:, index] = codes
    return encoded


def check_value_kinds(X, mask, categories, feature_names):
    """Refuse categorical columns whose values changed type since fit
    (strings at fit, numbers now, or the reverse)."""
    for index, categorical in enumerate(mask):
        if not categorical or len(categories[index]) == 0:
            continue
        fitted = _value_kind(categories[index])
        column = _column(X, index)
        now = _value_kind(column[~column.isna()].to_numpy(dtype=object))
        if fitted in ("string", "number") and now in ("string", "number"):
            if fitted != now:
                raise ValueError(
                    f"The categorical column {_name(feature_names, index)} held "
                    f"{fitted}s at fit but holds {now}s now (dtype "
                    f"{column.dtype}); pass it as at fit."
                )


def check_column_kinds(fitted_kinds, X, feature_names):
    """Refuse a DataFrame whose columns changed between numeric and
    categorical dtypes since fit (the categorical columns came from the
    dtypes)."""
    if fitted_kinds is None or not _is_frame(X):
        return
    now = column_kinds(X)
    changed = [
        f"{_name(feature_names, index)} ({before} at fit, dtype {dtype} now)"
        for index, (before, after, dtype) in enumerate(
            zip(fitted_kinds, now, X.dtypes, strict=True)
        )
        # a column of holes only has whatever dtype pandas gave it
        if before != after and not X.iloc[:, index].isna().all()
    ]
    if changed:
        raise ValueError(
            "Columns changed between numeric and categorical dtypes since fit: "
            f"{', '.join(changed)}. Pass them with the dtypes they had at fit."
        )
