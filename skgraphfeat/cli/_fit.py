"""The ``fit`` command: a table to a saved model, validated on the way."""

import sys
import time

from ._errors import MAX_INTEGER_CLASSES, CommandError
from ._process import start_tensorflow
from ._tables import (
    _check_input,
    _check_output,
    _count,
    _listed,
    feature_frame,
    read_table,
)


# ------------------------------------------------------------------ the task
def infer_task(y):
    """``("classification" | "regression", why)`` for the target column ``y``.

    Text, booleans and categories are class labels; integers with at most
    ``MAX_INTEGER_CLASSES`` distinct values are class labels; other numbers
    (every float column, integers with more distinct values) are a regression
    target. The rule is ``skgraphfeat._targets.target_task`` read by dtype.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_task(pd.Series(["yes", "no", "yes"]))[0]
    'classification'
    >>> infer_task(pd.Series([0, 1, 2, 1]))[0]
    'classification'
    >>> infer_task(pd.Series([0.5, 1.25, 3.0]))[0]
    'regression'
    >>> infer_task(pd.Series(range(100)))[0]
    'regression'
    """
    from .._targets import target_task  # scikit-learn: only once a command runs

    return target_task(y, by="dtype", max_integer_classes=MAX_INTEGER_CLASSES)


def _fit_task(args, y):
    """The task (``--task``, or inferred and said why) and ``y`` for it."""
    if args.task == "auto":
        task, why = infer_task(y)
        other = "regression" if task == "classification" else "classification"
        print(f"task: {task} ({why}; --task {other} to override)")
    else:
        task = args.task
        print(f"task: {task} (--task)")
    if task == "regression":
        import pandas as pd

        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            raise CommandError(
                f"--task regression needs a numeric target; {args.target!r} holds "
                f"{y.dtype} values."
            )
        y = y.astype("float64")
    return task, y


def make_estimator(task, params):
    """The estimator for ``task`` with the ``--param`` values, checked early."""
    from sklearn.utils._param_validation import InvalidParameterError

    from .. import GraphFeatureClassifier, GraphFeatureRegressor

    start_tensorflow()
    cls = GraphFeatureClassifier if task == "classification" else GraphFeatureRegressor
    estimator = cls(random_state=0)
    valid = estimator.get_params(deep=False)
    unknown = [name for name in params if name not in valid]
    if unknown:
        raise CommandError(
            f"unknown --param {_listed(unknown)} for {cls.__name__}; valid names: "
            f"{', '.join(sorted(valid))}.",
            status=2,
        )
    if "verbose" not in params and sys.stdout.isatty():
        params = {**params, "verbose": 1}  # a progress bar; none in a log file
    estimator.set_params(**params)
    try:
        estimator._validate_params()
    except InvalidParameterError as error:
        raise CommandError(f"--param: {error}", status=2) from error
    return estimator


# ------------------------------------------------------------ validation
def _scorer_name(task):
    return "accuracy" if task == "classification" else "R^2"


def _baseline(task):
    from sklearn.dummy import DummyClassifier, DummyRegressor

    if task == "classification":
        return "baseline: most frequent class", DummyClassifier()
    return "baseline: mean of the target", DummyRegressor()


def _splits(task, X, y, cv, holdout):
    """Train and test indices for the validation: K folds or one hold-out split."""
    import numpy as np
    from sklearn.model_selection import (
        KFold,
        StratifiedKFold,
        train_test_split,
    )

    if cv:
        folds = (StratifiedKFold if task == "classification" else KFold)(
            n_splits=cv, shuffle=True, random_state=0
        )
        return list(folds.split(X, y))
    rows = np.arange(len(y))
    stratify = y if task == "classification" else None
    try:
        train, test = train_test_split(
            rows, test_size=holdout, stratify=stratify, random_state=0
        )
    except ValueError:  # a class too small to stratify: split at random
        train, test = train_test_split(rows, test_size=holdout, random_state=0)
    return [(train, test)]


def validate(estimator, task, X, y, cv, holdout):
    """Score ``estimator`` by K-fold cross-validation or on a hold-out split.

    Prints one line per fold as it ends, then the mean next to a trivial
    baseline scored on the same splits; returns the scores.
    """
    import numpy as np
    from sklearn.base import clone

    splits = _splits(task, X, y, cv, holdout)
    metric = _scorer_name(task)
    if cv:
        print(f"{cv}-fold cross-validation ({metric}):")
    else:
        print(
            f"hold-out validation ({metric}): training on {len(splits[0][0])} rows, "
            f"scoring on {len(splits[0][1])}"
        )
    baseline_name, baseline = _baseline(task)
    scores, baseline_scores = [], []
    for index, (train, test) in enumerate(splits, start=1):
        start = time.perf_counter()
        model = clone(estimator).fit(X.iloc[train], y.iloc[train])
        scores.append(model.score(X.iloc[test], y.iloc[test]))
        dummy = clone(baseline).fit(X.iloc[train], y.iloc[train])
        baseline_scores.append(dummy.score(X.iloc[test], y.iloc[test]))
        if cv:
            print(
                f"  fold {index}/{cv}: {scores[-1]:.4f}   "
                f"({time.perf_counter() - start:.1f} s)",
                flush=True,
            )
    name = type(estimator).__name__
    width = max(len(name), len(baseline_name))
    for label, values in ((name, scores), (baseline_name, baseline_scores)):
        spread = f" +/- {np.std(values):.4f}" if cv else ""
        print(f"  {label:<{width}}  {np.mean(values):.4f}{spread}")
    return scores


# ------------------------------------------------------------------ fit
def _training_data(args):
    """The features ``X`` and the target ``y`` of the ``fit`` table, checked."""
    frame = read_table(args.data)
    source = repr(args.data)
    if args.target not in frame.columns:
        raise CommandError(
            f"{source} has no column {args.target!r} (the --target); its columns "
            f"are {_listed(frame.columns, limit=20)}."
        )
    dropped = args.drop or []
    absent = [column for column in dropped if column not in frame.columns]
    if absent:
        raise CommandError(f"--drop: {source} has no column {_listed(absent)}.")
    y = frame[args.target]
    missing = int(y.isna().sum())
    if missing:
        raise CommandError(
            f"the target column {args.target!r} has {_count(missing, 'missing value')}"
            f" in {len(y)} rows; drop or fill those rows first."
        )
    features = [c for c in frame.columns if c != args.target and c not in dropped]
    return feature_frame(frame[features], source), y


def run_fit(args):
    """Read a table, infer the task, validate, fit on every row and save."""
    _check_input(args.data, "data file")
    if not args.out.endswith(".keras"):
        raise CommandError(
            f"--out {args.out!r}: the model file name must end with .keras."
        )
    _check_output(args.out, "--out")
    X, y = _training_data(args)
    task, y = _fit_task(args, y)
    params = dict(args.param or [])
    estimator = make_estimator(task, params)
    n_classes = f", {y.nunique()} classes" if task == "classification" else ""
    print(
        f"data: {len(X)} rows, {X.shape[1]} features, target {args.target!r}{n_classes}"
    )
    if args.cv or args.holdout:
        validate(estimator, task, X, y, args.cv, args.holdout)
    print(f"training {type(estimator).__name__} on all {len(X)} rows", flush=True)
    start = time.perf_counter()
    model = estimator.fit(X, y)
    print(
        f"  {model.n_iter_} epochs, final loss {model.loss_curve_[-1]:.4f}   "
        f"({time.perf_counter() - start:.1f} s)"
    )
    model.save(args.out)
    print(f"saved the model to {args.out}")
    return 0
