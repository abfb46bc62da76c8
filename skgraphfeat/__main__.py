import sys

from skgraphfeat.cli import main

sys.exit(main())
