"""The ``skgraphfeat`` command line (also ``python -m skgraphfeat``).

Four commands: ``demo`` (a bundled data set, a baseline, the feature graph),
``fit`` (a CSV or Parquet file to a saved model), ``predict`` (a saved model and
a table to predictions) and ``explain`` (a saved model to its feature graph as a
picture and its strongest feature pairs as a table or JSON).

Errors print one line, ``skgraphfeat: error: ...``, and exit with status 1 (2
for a wrong invocation, as argparse does); ``--debug`` shows the traceback
instead. Importing this module is light: pandas, scikit-learn, TensorFlow and
matplotlib load inside the commands that need them.

The command line owns its process, so it configures TensorFlow's logging there
(the library never does: imported into someone else's program it leaves the
process's log settings and file descriptors alone). Unless the user set
``TF_CPP_MIN_LOG_LEVEL``, the command sets it to 3 before TensorFlow loads and
discards what TensorFlow's native start-up writes to stderr (CPU-feature and
CUDA probes, which that variable does not reach), writing it back only if the
import fails. With ``TF_CPP_MIN_LOG_LEVEL`` set, TensorFlow prints as it would
anywhere.
"""

import argparse
import ast
import contextlib
import os
import sys
import tempfile
import time

PROG = "skgraphfeat"
# Integer targets with at most this many distinct values are class labels.
MAX_INTEGER_CLASSES = 20
TABLE_READERS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}
COMPRESSIONS = (".gz", ".bz2", ".zip", ".xz", ".zst")
PLOT_EXTRA = 'pip install "skgraphfeat[cli]"'
# where ``demo`` draws by default: a folder for generated files, not the
# current one
DEMO_PICTURE = os.path.join("build", "feature_graph.png")


class CommandError(Exception):
    """A problem the user can fix: printed as one line, without a traceback.

    ``status`` is the exit status: 1 for data and file problems, 2 for a wrong
    invocation (as argparse uses for its own usage errors).
    """

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


# ------------------------------------------------------- the process's logs
_TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
# whether the user chose TensorFlow's log level (set in main)
_user_log_level = True


@contextlib.contextmanager
def tensorflow_logging_configured(environ=os.environ):
    """Quiet TensorFlow's logs for the block unless the user set a level.

    Yields whether the user had set ``TF_CPP_MIN_LOG_LEVEL``; the variable is
    removed again afterwards if the block set it (TensorFlow has read it by
    then), so a program that calls ``main`` keeps its environment.
    """
    user_set = _TF_LOG_LEVEL in environ
    environ.setdefault(_TF_LOG_LEVEL, "3")
    try:
        yield user_set
    finally:
        if not user_set:
            environ.pop(_TF_LOG_LEVEL, None)


@contextlib.contextmanager
def _discarded_native_stderr():
    """Send the process's stderr file descriptor to a temporary file for the
    block; write the file back only if the block raises."""
    try:
        stderr_fd = sys.__stderr__.fileno()
        captured = tempfile.TemporaryFile()
    except (AttributeError, OSError, ValueError):
        yield  # no real stderr, or no room to capture it: leave it as it is
        return
    with captured:
        sys.__stderr__.flush()
        saved = os.dup(stderr_fd)
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield
        except BaseException:
            os.dup2(saved, stderr_fd)
            captured.seek(0)
            sys.__stderr__.write(captured.read().decode(errors="replace"))
            sys.__stderr__.flush()
            raise
        finally:
            os.dup2(saved, stderr_fd)
            os.close(saved)


def start_tensorflow():
    """Import TensorFlow and Keras now, without their native start-up lines
    unless the user asked for TensorFlow's logs (see the module docstring)."""
    if "tensorflow" in sys.modules or _user_log_level:
        import keras  # noqa: F401

        return
    with _discarded_native_stderr():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()  # where the CUDA probe reports


# ------------------------------------------------------------------ tables
def _table_kind(path, what):
    name = os.fspath(path).lower()
    for suffix in COMPRESSIONS:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    kind = TABLE_READERS.get(os.path.splitext(name)[1])
    if kind is None:
        raise CommandError(
            f"{what} {os.fspath(path)!r}: unknown file type; use .csv, .tsv "
            "(optionally compressed: .csv.gz, ...) or .parquet."
        )
    return kind


def _check_input(path, what):
    if not os.path.exists(path):
        raise CommandError(f"{what} {path!r} does not exist.")
    if os.path.isdir(path):
        raise CommandError(f"{what} {path!r} is a directory, not a file.")


def _check_output(path, what):
    """Fail before any work when ``path`` cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CommandError(f"{what} {path!r}: the folder {folder!r} does not exist.")
    if os.path.isdir(path):
        raise CommandError(f"{what} {path!r} is a directory; give a file name.")


def read_table(path, what="data file"):
    """A CSV, TSV or Parquet file as a DataFrame (the type from the extension)."""
    import pandas as pd

    _check_input(path, what)
    kind = _table_kind(path, what)
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if kind == "tsv" else ",")
    except ImportError as error:
        raise CommandError(
            f"reading Parquet needs pyarrow ({PLOT_EXTRA}): {error}"
        ) from error
    except (ValueError, OSError) as error:  # pandas' parser errors are ValueErrors
        raise CommandError(f"cannot read {what} {path!r}: {error}") from error


def write_table(frame, path):
    """Write ``frame`` to ``path`` (type from the extension) or, for "-", stdout."""
    if path == "-":
        frame.to_csv(sys.stdout, index=False)
        return
    kind = _table_kind(path, "output file")
    try:
        if kind == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False, sep="\t" if kind == "tsv" else ",")
    except ImportError as error:
        raise CommandError(
            f"writing Parquet needs pyarrow ({PLOT_EXTRA}): {error}"
        ) from error


def _listed(names, limit=8):
    names = [str(name) for name in names]
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _count(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


def feature_frame(frame, source):
    """The feature columns as the estimators take them: numbers, text and
    categories, with or without missing values (text columns are categorical)."""
    if frame.shape[1] == 0:
        raise CommandError(f"{source} has no feature columns left.")
    return frame


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

    from . import GraphFeatureClassifier, GraphFeatureRegressor

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
    from . import load

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


def interactions_table(pairs):
    """The pairs of ``top_interactions`` as text, ranked from 1."""
    pairs = pairs.copy()
    pairs.insert(0, "rank", range(1, len(pairs) + 1))
    return pairs.to_string(index=False, float_format=lambda value: f"{value:.4f}")


def interactions_json(pairs):
    """The pairs of ``top_interactions`` as a JSON list of objects."""
    import json

    records = [
        {"rank": rank, "feature_a": a, "feature_b": b, "weight": float(weight)}
        for rank, (a, b, weight) in enumerate(pairs.itertuples(index=False), start=1)
    ]
    return json.dumps(records, indent=2)


def draw_graph(graph, path, *, top=20, plot="both", title=None):
    """Write the feature graph ``graph`` (an F x F frame) to an image file.

    ``plot`` is "heatmap" (the whole graph), "network" (the ``top`` strongest
    pairs) or "both", side by side. The Agg backend is used: no display needed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise CommandError(
            f"drawing the graph needs matplotlib ({PLOT_EXTRA})."
        ) from error
    if plot != "heatmap":
        try:
            import networkx  # noqa: F401
        except ImportError as error:
            raise CommandError(
                f"the network plot needs networkx ({PLOT_EXTRA}); or use "
                "--plot heatmap."
            ) from error
    from .plotting import plot_feature_graph, plot_feature_network

    side = min(16.0, max(4.5, 2.5 + 0.28 * len(graph)))
    panels = ["heatmap", "network"] if plot == "both" else [plot]
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(side * len(panels) + 1.0, side),
        squeeze=False,
        layout="constrained",
    )
    try:
        for ax, panel in zip(axes[0], panels, strict=True):
            if panel == "heatmap":
                plot_feature_graph(graph, ax=ax)
            else:
                plot_feature_network(graph, k=top, ax=ax)
                ax.margins(x=0.2, y=0.05)  # room for the labels of the outer nodes
                ax.set_aspect("equal", adjustable="datalim")
        if title:
            figure.suptitle(title)
        figure.savefig(path, dpi=100, bbox_inches="tight")
    except ValueError as error:  # matplotlib: unknown image format
        raise CommandError(f"cannot write {path!r}: {error}") from error
    finally:
        plt.close(figure)


def run_explain(args):
    """Print a saved model's strongest feature pairs and draw its feature graph."""
    from .inspection import interaction_pairs

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

    from . import GraphFeatureClassifier

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


# ------------------------------------------------------------------ parser
def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _folds(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"needs at least 2 folds; got {text!r}")
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1); got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skgraphfeat`` command."""
    from . import __version__

    debug = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: accepted before or after the command, neither overrides the other
    debug.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Graph-based feature-interaction models for tabular data: "
        "fit a CSV, predict, and look at the learned feature graph.",
        epilog=f"Run '{PROG} COMMAND --help' for the options of a command.",
        parents=[debug],
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        parents=[debug],
        help="cross-validate on a bundled data set, show the feature graph",
        description="Cross-validate GraphFeatureClassifier on scikit-learn's "
        "breast_cancer data next to StandardScaler + LogisticRegression, train "
        "it on every row, print its top feature interactions and draw its "
        "feature graph.",
    )
    demo.add_argument(
        "--cv",
        type=_folds,
        default=None,
        metavar="K",
        help="number of folds (default: 5; 2 with --quick)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="a fast run: max_iter=10 and 2 folds (a smoke test, not a benchmark)",
    )
    demo.add_argument(
        "--top",
        type=_positive_int,
        default=10,
        metavar="K",
        help="feature pairs to print (default: %(default)s)",
    )
    demo.add_argument(
        "--out",
        default=DEMO_PICTURE,
        metavar="IMAGE",
        help="where to draw the feature graph, .png (default: %(default)s, "
        "its folder made if needed; '' for none)",
    )
    demo.set_defaults(handler=run_demo)

    fit = commands.add_parser(
        "fit",
        parents=[debug],
        help="train a model on a CSV or Parquet file and save it",
        description="Train a GraphFeatureClassifier or GraphFeatureRegressor on a "
        "table (CSV, TSV or Parquet, by extension), print validation scores next "
        "to a trivial baseline, then train on every row and save the model in "
        "the safe .keras format. Every column but the target (and --drop) is a "
        "feature: numbers, or text (taken as categories); missing values are "
        "allowed.",
        epilog="Task inference (--task auto): text, boolean and integer targets "
        f"with at most {MAX_INTEGER_CLASSES} distinct values are class labels; "
        "decimal numbers and integers with more values are a regression target. "
        "Scores: accuracy (classification) or R^2 (regression); random_state "
        "is 0 unless given with --param.",
    )
    fit.add_argument("data", help="training table: .csv, .tsv or .parquet")
    fit.add_argument(
        "--target", required=True, metavar="COLUMN", help="the column to predict"
    )
    fit.add_argument(
        "--task",
        choices=["auto", "classification", "regression"],
        default="auto",
        help="what to learn (default: auto, inferred from the target; see below)",
    )
    fit.add_argument(
        "--param",
        action="append",
        type=parse_param,
        metavar="NAME=VALUE",
        help="an estimator parameter, as a Python literal (repeatable), "
        "for example --param embed_dim=32 --param hidden_layer_sizes='(32,)'",
    )
    fit.add_argument(
        "--drop",
        action="append",
        metavar="COLUMN",
        help="a column that is not a feature, such as an id (repeatable)",
    )
    fit.add_argument(
        "--cv",
        type=_folds,
        default=None,
        metavar="K",
        help="cross-validate with K folds instead of one hold-out split",
    )
    fit.add_argument(
        "--holdout",
        type=_fraction,
        default=0.2,
        metavar="FRACTION",
        help="without --cv: the share of rows held out to score a first fit "
        "(default: %(default)s; 0: no validation, a single fit)",
    )
    fit.add_argument(
        "--out",
        required=True,
        metavar="MODEL.keras",
        help="where to save the model (the name ends in .keras)",
    )
    fit.set_defaults(handler=run_fit)

    predict = commands.add_parser(
        "predict",
        parents=[debug],
        help="predict every row of a table with a saved model",
        description="Predict every row of a table with a model saved by "
        f"'{PROG} fit' (or est.save). The model's feature columns are taken by "
        "name, in any order; other columns are not used. The output has a "
        "'prediction' column (and 'proba_<class>' columns with --proba), in the "
        "order of the input rows.",
    )
    predict.add_argument("model", help="a model file saved by skgraphfeat (.keras)")
    predict.add_argument("data", help="table to predict: .csv, .tsv or .parquet")
    predict.add_argument(
        "--out",
        default="-",
        metavar="PREDICTIONS",
        help="output table, .csv, .tsv or .parquet (default: '-', CSV on stdout)",
    )
    predict.add_argument(
        "--proba",
        action="store_true",
        help="also write each class's probability (classifiers)",
    )
    predict.add_argument(
        "--id", metavar="COLUMN", help="copy this column to the output, first"
    )
    predict.set_defaults(handler=run_predict)

    explain = commands.add_parser(
        "explain",
        parents=[debug],
        help="show a saved model's feature graph and top interactions",
        description="Print the strongest feature pairs of a saved model's "
        "feature graph (weight A[a, b] + A[b, a]) and draw the graph: a heatmap "
        "of the whole F x F graph and a network of the top pairs. Without DATA "
        "the graph is the mean over training rows kept at fit; with DATA, the "
        "mean over its rows.",
    )
    explain.add_argument("model", help="a model file saved by skgraphfeat (.keras)")
    explain.add_argument(
        "data", nargs="?", help="rows to average the graph over (optional)"
    )
    explain.add_argument(
        "--out",
        metavar="IMAGE",
        help="where to draw the feature graph: .png, .svg or .pdf (default: "
        "no picture)",
    )
    explain.add_argument(
        "--top",
        type=_positive_int,
        default=20,
        metavar="K",
        help="feature pairs to print and draw (default: %(default)s)",
    )
    explain.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="how to print the feature pairs (default: %(default)s)",
    )
    explain.add_argument(
        "--plot",
        choices=["both", "heatmap", "network"],
        default="both",
        help="what the picture shows (default: %(default)s: heatmap and network)",
    )
    explain.set_defaults(handler=run_explain)
    return parser


def _one_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    global _user_log_level
    with tensorflow_logging_configured() as _user_log_level:
        return _run(argv)


def _run(argv):
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    import warnings

    shown = set()

    def show_warning(message, category, filename, lineno, file=None, line=None):
        text = _one_line(message)
        if text not in shown:  # once, not once per fold
            shown.add(text)
            print(f"{PROG}: warning: {text}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = show_warning
            return args.handler(args)
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:
        if debug:
            raise
        status = getattr(error, "status", 1)
        message = _one_line(error)
        if not isinstance(error, CommandError | ValueError | TypeError | OSError):
            message = f"{type(error).__name__}: {message} (--debug shows the traceback)"
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())
