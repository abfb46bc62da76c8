"""Wall time of a grid search with one and with two worker processes.

A 12-candidate x 3-fold GridSearchCV of GraphFeatureClassifier on a 2,000 x 20
problem, run with n_jobs=1 and n_jobs=2 side by side in this one process (the
n_jobs=2 figure includes starting the worker processes and their TensorFlow
import). Prints one line per figure. A third run gives each worker one TensorFlow
thread (``TF_NUM_INTRAOP_THREADS=1`` in the workers' environment, which a user sets
in their own script; the package never changes threading settings itself): two
workers with two threads each share two cores.

Run with ``make bench`` or ``.venv/bin/python benchmarks/search_speed.py``.
"""

import multiprocessing
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _burn(n):
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - start


def parallel_capacity(n=20_000_000):
    """How much faster two CPU-bound processes finish two jobs than one does."""
    solo = _burn(n)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_burn, [n, n])
        pair = time.perf_counter() - start
    return 2 * solo / pair


def main():
    print(
        "machine: two CPU-bound Python processes do "
        f"{parallel_capacity():.2f}x the work of one in the same time (2.00x would "
        "be two full cores)",
        flush=True,
    )
    from joblib.externals.loky import get_reusable_executor
    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    from skgraphfeat import GraphFeatureClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = make_classification(
        n_samples=2000, n_features=20, n_informative=8, random_state=0
    )
    grid = {
        "embed_dim": [8, 16],
        "num_heads": [1, 2],
        "learning_rate_init": [1e-3, 3e-3, 1e-2],
    }
    estimator = GraphFeatureClassifier(max_iter=20, random_state=0)
    times, results = {}, {}
    runs = [(1, None), (2, None), (2, "1")]
    for n_jobs, worker_threads in runs:
        label = f"n_jobs={n_jobs}"
        if worker_threads:
            os.environ["TF_NUM_INTRAOP_THREADS"] = worker_threads
            label += f", TF_NUM_INTRAOP_THREADS={worker_threads} in the workers"
        get_reusable_executor().shutdown(wait=True)  # workers start cold
        search = GridSearchCV(estimator, grid, cv=3, n_jobs=n_jobs)
        start = time.perf_counter()
        search.fit(X, y)
        times[label] = time.perf_counter() - start
        results[label] = search
        print(
            f"GridSearchCV 12 candidates x 3 folds, 2000 x 20, {label}: "
            f"{times[label]:.1f} s (best {search.best_params_}, "
            f"score {search.best_score_:.4f})",
            flush=True,
        )
    serial = "n_jobs=1"
    for label in list(times)[1:]:
        same = results[serial].best_params_ == results[label].best_params_
        print(
            f"speed-up {label} vs n_jobs=1: {times[serial] / times[label]:.2f}x "
            f"(target >= 1.5x); same best params: {same}"
        )


if __name__ == "__main__":
    main()
