"""What every command shares: its name, and the one-line error a user can fix."""

import os

PROG = "skgraphfeat"
# Integer targets with at most this many distinct values are class labels.
MAX_INTEGER_CLASSES = 20
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
