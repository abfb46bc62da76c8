"""The argument parser of the ``skgraphfeat`` command."""

import argparse
import ast

from .. import __version__
from ._demo import run_demo
from ._errors import DEMO_PICTURE, MAX_INTEGER_CLASSES, PROG
from ._explain import run_explain
from ._fit import run_fit
from ._predict import run_predict


# --------------------------------------------------------- argument types
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skgraphfeat`` command."""
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

    _add_demo(commands, debug)
    _add_fit(commands, debug)
    _add_predict(commands, debug)
    _add_explain(commands, debug)
    return parser


def _add_demo(commands, debug):
    """The ``demo`` command's arguments."""
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


def _add_fit(commands, debug):
    """The ``fit`` command's arguments."""
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


def _add_predict(commands, debug):
    """The ``predict`` command's arguments."""
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


def _add_explain(commands, debug):
    """The ``explain`` command's arguments."""
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
