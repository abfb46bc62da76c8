"""Synthetic data sets of the benchmarks.

The generator is defined once, in ``tests/_synthetic.py`` (the tests own the
truth they check); this module loads that file so that the benchmarks measure on
exactly the same data.
"""

import importlib.util
from pathlib import Path

_SOURCE = Path(__file__).resolve().parents[1] / "tests" / "_synthetic.py"
_spec = importlib.util.spec_from_file_location("_synthetic", _SOURCE)
_synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_synthetic)

make_pairwise_interactions = _synthetic.make_pairwise_interactions
pair_ranks = _synthetic.pair_ranks

__all__ = ["make_pairwise_interactions", "pair_ranks"]
