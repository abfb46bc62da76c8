"""Fit times of the defaults on the two tables the model issue sets targets for.

Prints one line each:
- Adult (official training split: 32,561 rows, 14 columns, 8 of them text, with
  holes), ``GraphFeatureClassifier(random_state=0)``; target at most 60 s here;
- a synthetic wide mixed table: 2,000 rows x 75 columns, 40 of them text with
  3 to 30 categories, 35 numeric, 5% of the cells missing, a label from a few
  columns; target at most 60 s here.

    .venv/bin/python benchmarks/fit_time_targets.py [--skip-adult]
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def wide_mixed_table(n_rows=2000, n_text=40, n_numeric=35, seed=0):
    """``(X, y)``: text columns of 3-30 categories, numbers, 5% holes."""
    rng = np.random.default_rng(seed)
    columns = {}
    for k in range(n_text):
        n_categories = int(rng.integers(3, 31))
        columns[f"text_{k}"] = rng.choice(
            [f"c{c}" for c in range(n_categories)], n_rows
        ).astype(object)
    for k in range(n_numeric):
        columns[f"num_{k}"] = rng.normal(size=n_rows)
    X = pd.DataFrame(columns)
    score = X["num_0"] * X["num_1"] + (X["text_0"] == "c0") - 0.5 * X["num_2"]
    y = (score + 0.3 * rng.normal(size=n_rows) > score.median()).astype(int)
    for column in X.columns:
        X.loc[rng.random(n_rows) < 0.05, column] = np.nan
    return X, y.to_numpy()


def fit_seconds(X, y):
    from skgraphfeat import GraphFeatureClassifier

    start = time.perf_counter()
    model = GraphFeatureClassifier(random_state=0).fit(X, y)
    return time.perf_counter() - start, model.n_iter_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-adult", action="store_true")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if not args.skip_adult:
        from datasets import load_adult

        X, y, _, _ = load_adult()
        seconds, epochs = fit_seconds(X, y)
        print(
            f"Adult fit, defaults: {seconds:.1f} s ({epochs} epochs; target <= 60 s)",
            flush=True,
        )
    X, y = wide_mixed_table()
    seconds, epochs = fit_seconds(X, y)
    print(
        f"wide mixed table 2000 x 75 (40 text), defaults: {seconds:.1f} s "
        f"({epochs} epochs; target <= 60 s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
