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

import os
import sys

from . import _process
from ._errors import PROG, CommandError
from ._parser import build_parser
from ._process import tensorflow_logging_configured

__all__ = ["CommandError", "build_parser", "main"]


def _one_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    with tensorflow_logging_configured() as user_set:
        _process.user_log_level = user_set
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
