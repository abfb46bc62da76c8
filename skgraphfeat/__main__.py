"""``python -m skgraphfeat``: the same command line as ``skgraphfeat``."""

import sys

from skgraphfeat.cli import main

sys.exit(main())
