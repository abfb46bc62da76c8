"""Soak test: fit and predict in a loop for a set time; print memory and latency.

Each round fits a fresh GraphFeatureClassifier (as a grid search does) and
times 20 single-row predictions. Every ``--every`` seconds a line reports the
resident memory and the median fit and predict times of the rounds since the
last line; the last line gives the memory growth over the whole run.

Run with ``make bench`` (60 s) or
``.venv/bin/python benchmarks/soak.py --seconds 600``.
"""

import argparse
import gc
import os
import resource
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=10.0)
    args = parser.parse_args()

    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning

    from skgraphfeat import GraphFeatureClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = make_classification(n_samples=500, n_features=16, random_state=0)

    def one_round(seed, fit_times, predict_times):
        start = time.perf_counter()
        clf = GraphFeatureClassifier(max_iter=10, random_state=seed).fit(X, y)
        fit_times.append(time.perf_counter() - start)
        for row in range(20):
            start = time.perf_counter()
            clf.predict_proba(X[row : row + 1])
            predict_times.append(time.perf_counter() - start)

    one_round(0, [], [])  # trace the compiled functions once
    gc.collect()
    baseline = rss_mb()
    print(f"start: RSS {baseline:.0f} MB after one warm-up round", flush=True)
    began = last = time.perf_counter()
    rounds, fit_times, predict_times = 0, [], []
    while time.perf_counter() - began < args.seconds:
        rounds += 1
        one_round(rounds, fit_times, predict_times)
        now = time.perf_counter()
        if now - last >= args.every:
            print(
                f"{now - began:6.0f} s: {rounds:4d} fits, RSS {rss_mb():.0f} MB, "
                f"fit median {1e3 * statistics.median(fit_times):.0f} ms, predict "
                f"1 row median {1e3 * statistics.median(predict_times):.2f} ms",
                flush=True,
            )
            last, fit_times, predict_times = now, [], []
    gc.collect()
    print(
        f"end: {rounds} fits in {time.perf_counter() - began:.0f} s; RSS grew by "
        f"{rss_mb() - baseline:.0f} MB (target: < 200 MB over 50 fits)",
        flush=True,
    )


if __name__ == "__main__":
    main()
