"""The four commands: ``fit``, ``predict``, ``explain`` and ``demo``."""

import argparse
import ast
import os
import sys
import time

from ._errors import DEMO_PICTURE, MAX_INTEGER_CLASSES, PROG, CommandError
from ._process import start_tensorflow
from ._tables import (
    _check_input,
    _check_output,
    _count,
    _listed,
    _table_kind,
    draw_graph,
    feature_frame,
    interactions_json,
    interactions_table,
    read_table,
    write_table,
)


# ------------------------------------------------------------------ fit
def infer_task(y):
    """``("classification" | "regression", why)`` for the target column ``y``.

    Text, booleans and categories are class labels; integers with at most
    ``MAX_INTEGER_CLASSES`` distinct values are class labels; other numbers
    (every float column, integers with more distinct values) are a regression
    target.

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
    import pandas as pd

    if pd.api.types.is_bool_dtype(y):
        return "classification", "the target holds booleans"
    if not pd.api.types.is_numeric_dtype(y):
        return "classification", "the target holds text"
    n_values = y.nunique()
    if pd.api.types.is_integer_dtype(y):
        if n_values <= MAX_INTEGER_CLASSES:
            return "classification", (
                f"the target holds integers with {n_values} distinct values "
                f"(<= {MAX_INTEGER_CLASSES})"
            )
        return "regression", (
            f"the target holds integers with {n_values} distinct values "
            f"(> {MAX_INTEGER_CLASSES})"
        )
    return "regression", "the target holds decimal numbers"


def parse_param(text):
    """``"name=value"`` to ``(name, value)``; the value as a Python literal.

    Values that are not literals stay strings, so ``activation=gelu`` works;
    ``true``/``false``/``none`` are read as True/False/None.

    Examples
    --------
    >>> parse_param("hidden_layer_sizes=(32, 16)")
    ('hidden_layer_sizes', (32, 16))
    >>> parse_param("activation=gelu")
    ('activation', 'gelu')
    >>> parse_param("early_stopping=true")
    ('early_stopping', True)
    """
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE (for example embed_dim=32); got {text!r}"
        )
    value = value.strip()
    words = {"true": True, "false": False, "none": None}
    if value.lower() in words:
        return name, words[value.lower()]
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return name, value


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


def run_fit(args):
    """Read a table, infer the task, validate, fit on every row and save."""
    _check_input(args.data, "data file")
    if not args.out.endswith(".keras"):
        raise CommandError(
            f"--out {args.out!r}: the model file name must end with .keras."
        )
    _check_output(args.out, "--out")
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
    X = feature_frame(frame[features], source)

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


# ------------------------------------------------------------ predict, explain
def load_model(path):
    """``skgraphfeat.load(path)``, with the checks a command line needs first."""
    import zipfile

    _check_input(path, "model file")
    if not zipfile.is_zipfile(path):  # the common slip, refused before TensorFlow loads
        raise CommandError(
            f"{path!r} is not a model saved by skgraphfeat (not a zip file); "
            "give the .keras file written by 'skgraphfeat fit' or est.save."
        )
    from .. import load

    start_tensorflow()
    return load(path)  # a ValueError naming the problem for other files not ours


def select_features(estimator, frame, source, keep=()):
    """The columns of ``frame`` that ``estimator`` was fitted on, by name.

    The order in the file does not matter; columns the model does not use are
    left out (with a note), columns it needs and the file lacks are an error.
    A model fitted on an array (no column names) takes the numeric columns in
    order, which must then be as many as it was fitted on.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        columns = [c for c in frame.columns if c not in keep]
        if len(columns) != estimator.n_features_in_:
            raise CommandError(
                f"{source} has {len(columns)} feature columns; the model was fitted "
                f"on {estimator.n_features_in_} (unnamed, taken in order)."
            )
        return feature_frame(frame[columns], source)
    names = [str(name) for name in names]
    frame = frame.rename(columns=str)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise CommandError(
            f"{source} lacks {len(missing)} of the model's {len(names)} feature "
            f"columns: {_listed(missing)}; the model was fitted on "
            f"{_listed(names, limit=20)}."
        )
    unused = [c for c in frame.columns if c not in names and c not in keep]
    if unused:
        print(
            f"{PROG}: note: not using columns the model was not fitted on: "
            f"{_listed(unused)}",
            file=sys.stderr,
        )
    return feature_frame(frame[names], source)


def run_predict(args):
    """Predict every row of a table with a saved model."""
    import pandas as pd

    _check_input(args.model, "model file")
    _check_input(args.data, "data file")
    if args.out != "-":
        _table_kind(args.out, "--out")
        _check_output(args.out, "--out")
    frame = read_table(args.data)  # before the model: its errors come fast
    source = repr(args.data)
    if args.id is not None and args.id not in frame.columns:
        raise CommandError(f"--id: {source} has no column {args.id!r}.")
    estimator = load_model(args.model)
    if not hasattr(estimator, "predict"):
        raise CommandError(
            f"{args.model!r} holds a {type(estimator).__name__}, which does not "
            "predict; `skgraphfeat explain` shows its feature graph."
        )
    if args.proba and not hasattr(estimator, "predict_proba"):
        raise CommandError(
            f"--proba needs a classifier; {args.model!r} holds a "
            f"{type(estimator).__name__}."
        )
    keep = () if args.id is None else (args.id,)
    X = select_features(estimator, frame, source, keep=keep)
    output = pd.DataFrame(index=frame.index)
    if args.id is not None:
        output[args.id] = frame[args.id]
    output["prediction"] = estimator.predict(X)
    if args.proba:
        probabilities = estimator.predict_proba(X)
        for index, label in enumerate(estimator.classes_):
            output[f"proba_{label}"] = probabilities[:, index]
    write_table(output, args.out)
    if args.out != "-":
        print(f"wrote {len(output)} predictions to {args.out}", file=sys.stderr)
    return 0


def run_explain(args):
    """Print a saved model's strongest feature pairs and draw its feature graph."""
    from ..inspection import interaction_pairs

    _check_input(args.model, "model file")
    if args.data is not None:
        _check_input(args.data, "data file")
    if args.out is not None:
        _check_output(args.out, "--out")
    frame = None if args.data is None else read_table(args.data)
    estimator = load_model(args.model)
    if frame is None:
        graph, over = estimator.feature_graph(), "the training rows kept at fit"
    else:
        X = select_features(estimator, frame, repr(args.data))
        graph, over = estimator.feature_graph(X), f"{len(X)} rows of {args.data}"
    pairs = interaction_pairs(graph, k=args.top)
    if args.format == "json":
        print(interactions_json(pairs))
    else:
        print(
            f"top {len(pairs)} feature interactions of {args.model} "
            f"(weight = A[a, b] + A[b, a], mean over {over}):"
        )
        print(interactions_table(pairs))
    if args.out is not None:
        draw_graph(
            graph,
            args.out,
            top=args.top,
            plot=args.plot,
            title=f"{os.path.basename(args.model)}: feature graph over {over}",
        )
        print(f"wrote the feature graph to {args.out}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------ demo
def run_demo(args):
    """Cross-validate on breast_cancer next to a baseline; show the feature graph."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .. import GraphFeatureClassifier

    if args.out == DEMO_PICTURE:
        os.makedirs(os.path.dirname(DEMO_PICTURE), exist_ok=True)
    if args.out:
        _check_output(args.out, "--out")
    start_tensorflow()
    data = load_breast_cancer(as_frame=True)
    X, y = data.data, data.target
    cv = 2 if args.quick and args.cv is None else (args.cv or 5)
    params = {"random_state": 0}
    if args.quick:
        params["max_iter"] = 10
    classifier = GraphFeatureClassifier(**params)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=0)
    models = {
        "GraphFeatureClassifier": classifier,
        "StandardScaler + LogisticRegression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
    }
    quick = " (--quick: max_iter=10)" if args.quick else ""
    print(
        f"breast_cancer: {X.shape[0]} samples, {X.shape[1]} features, "
        f"{cv}-fold cross-validated accuracy{quick}",
        flush=True,
    )
    for name, model in models.items():
        start = time.perf_counter()
        scores = cross_val_score(model, X, y, cv=folds)
        elapsed = time.perf_counter() - start
        print(
            f"  {name:<36} {scores.mean():.4f} +/- {scores.std():.4f}"
            f"   ({elapsed:.1f} s)",
            flush=True,
        )
    start = time.perf_counter()
    classifier.fit(X, y)
    print(
        f"\ntrained on all {len(X)} rows ({time.perf_counter() - start:.1f} s); "
        f"top {args.top} feature interactions (weight = A[a, b] + A[b, a], "
        "mean over the training rows):"
    )
    pairs = classifier.top_interactions(k=args.top)
    print(interactions_table(pairs))
    print(
        "(which feature values draw attention, not proof of an interaction: "
        "see 'The feature graph' in the README)"
    )
    if args.out:
        graph = classifier.feature_graph()
        draw_graph(
            graph,
            args.out,
            top=args.top,
            title="GraphFeatureClassifier on breast_cancer: feature graph",
        )
        print(f"wrote the feature graph to {args.out}")
    return 0
