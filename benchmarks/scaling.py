"""Scaling out: a dask cluster search, 2-device data parallelism, out-of-core.

Prints one line per figure:
- GridSearchCV (8 candidates x 3 folds, 2,000 x 20, 20 epochs) on a
  ``distributed.LocalCluster`` of 2 worker processes x 1 thread against the
  same search with n_jobs=1 in this process, one TensorFlow thread per process
  in both (wall time; the cluster's start-up is reported apart; its workers
  start cold, so the first search includes their TensorFlow import and
  compilation, and a second search shows warm workers; the workers run without
  dask's default MALLOC_TRIM_THRESHOLD_);
- training throughput (samples/s, best of two fits after a warm-up) with
  ``distribution=MirroredStrategy(["/cpu:0", "/cpu:1"])`` on the CPU split into
  2 logical devices, against no strategy, in a fresh process each (with
  TensorFlow's default threads and with ``TF_NUM_INTRAOP_THREADS=1``);
- peak memory of the out-of-core recipe (``skgraphfeat.streaming
  .partial_fit_csv``, chunks of 10,000 rows) against the CSV's size, in a fresh
  process: the growth of resident memory over its level before the recipe
  (sampled every 5 ms), and the process's peak with TensorFlow's baseline.

Run with ``make bench`` or ``.venv/bin/python benchmarks/scaling.py``
(``--skip-dask``, ``--skip-throughput``, ``--skip-out-of-core``; ``--rows N``
for the CSV, ``--throughput-rows N``).
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# One TensorFlow thread per process for the searches, in this process and (as
# the worker command of docs/user_guide/scaling.md sets it) in the dask
# workers, which inherit it:
# on a 2-vCPU machine more threads per process only contend. A setting of this
# script, never of the package; the throughput lines set their own.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")

GRID = {
    "embed_dim": [8, 16],
    "num_heads": [1, 2],
    "learning_rate_init": [1e-3, 1e-2],
}


def _search_data():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=2000, n_features=20, n_informative=8, random_state=0
    )


def _search(X, y, n_jobs):
    from sklearn.model_selection import GridSearchCV

    from skgraphfeat import GraphFeatureClassifier

    estimator = GraphFeatureClassifier(max_iter=20, random_state=0)
    search = GridSearchCV(estimator, GRID, cv=3, n_jobs=n_jobs)
    start = time.perf_counter()
    search.fit(X, y)
    return search, time.perf_counter() - start


def dask_lines():
    import dask
    import distributed
    import joblib
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = _search_data()
    label = (
        "GridSearchCV 8 candidates x 3 folds, 2000 x 20, 20 epochs, "
        f"TF_NUM_INTRAOP_THREADS={os.environ['TF_NUM_INTRAOP_THREADS']}"
    )
    local, local_time = _search(X, y, n_jobs=1)
    print(
        f"{label}, n_jobs=1 in this process: {local_time:.1f} s "
        f"(best {local.best_params_}, score {local.best_score_:.4f})",
        flush=True,
    )
    start = time.perf_counter()
    with (
        # without this, dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536,
        # which makes TensorFlow's training steps about 3.5x slower
        # (docs/user_guide/scaling.md)
        dask.config.set(
            {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
        ),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):  # fmt: skip
        cluster_start = time.perf_counter() - start
        for workers in ("cold", "warm"):
            remote, remote_time = _search(X, y, n_jobs=-1)
            same = remote.best_params_ == local.best_params_
            difference = np.abs(
                remote.cv_results_["mean_test_score"]
                - local.cv_results_["mean_test_score"]
            ).max()
            print(
                f"{label}, dask LocalCluster 2 worker processes x 1 thread, "
                f"{workers} workers: {remote_time:.1f} s "
                f"(cluster start {cluster_start:.1f} s apart); speed-up vs "
                f"n_jobs=1: {local_time / remote_time:.2f}x; same best params: "
                f"{same}, largest score difference {difference:.1e}",
                flush=True,
            )


THROUGHPUT = """
import json, os, sys, time, warnings
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from skgraphfeat import GraphFeatureClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
rng = np.random.default_rng(0)
X = rng.normal(size=(int(sys.argv[1]), 20))
y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int)
epochs = 5
params = dict(batch_size=512, max_iter=epochs, tol=0.0, n_iter_no_change=1000,
              random_state=0)
configurations = {
    "none": None,
    "2 devices": tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]),
}
for distribution in configurations.values():  # warm-up: compiled once each
    GraphFeatureClassifier(**{**params, "max_iter": 1},
                           distribution=distribution).fit(X[:512], y[:512])
result = {name: {"seconds": []} for name in configurations}
for _ in range(2):  # alternating, best of two
    for name, distribution in configurations.items():
        start = time.perf_counter()
        clf = GraphFeatureClassifier(**params, distribution=distribution).fit(X, y)
        result[name]["seconds"].append(time.perf_counter() - start)
        result[name].update(loss=clf.loss_curve_[-1], devices=clf.replica_devices_)
for record in result.values():
    record["rate"] = len(X) * epochs / min(record["seconds"])
print(json.dumps(result))
"""


def throughput_lines(n_rows=20_000):
    label = f"training throughput, {n_rows} x 20, batch 512, 5 epochs"
    for threads in (None, "1"):
        env = dict(os.environ)
        env.pop("TF_NUM_INTRAOP_THREADS", None)
        setting = "TensorFlow's default threads"
        if threads:
            env["TF_NUM_INTRAOP_THREADS"] = threads
            setting = f"TF_NUM_INTRAOP_THREADS={threads}"
        out = subprocess.run(
            [sys.executable, "-c", THROUGHPUT, str(n_rows)],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        result = json.loads(out.stdout.splitlines()[-1])
        none, two = result["none"], result["2 devices"]
        devices = ", ".join(d.split("/")[-1] for d in two["devices"])
        print(
            f"{label}, {setting}: no strategy {none['rate']:,.0f} samples/s; "
            f"MirroredStrategy on 2 logical CPU devices ({devices}) "
            f"{two['rate']:,.0f} samples/s, {two['rate'] / none['rate']:.2f}x "
            f"(final loss {none['loss']:.5f} vs {two['loss']:.5f})",
            flush=True,
        )


OUT_OF_CORE = """
import gc, json, os, resource, sys, threading, time, warnings
from skgraphfeat import GraphFeatureClassifier
from skgraphfeat.streaming import partial_fit_csv

warnings.simplefilter("ignore")
path, head = sys.argv[1], sys.argv[2]
params = dict(embed_dim=8, num_heads=2, hidden_layer_sizes=(16,), batch_size=1000,
              learning_rate_init=1e-2, random_state=0)
page = os.sysconf("SC_PAGE_SIZE")

def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * page

# warm-up on a small file of the same columns (network compiled)
partial_fit_csv(GraphFeatureClassifier(**params), head, "label", chunksize=10000)
gc.collect()
peak, done = [rss()], threading.Event()

def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.005)

start_rss = rss()
sampler = threading.Thread(target=sample)
sampler.start()
start = time.perf_counter()
clf = partial_fit_csv(GraphFeatureClassifier(**params), path, "label",
                      chunksize=10000)
seconds = time.perf_counter() - start
done.set()
sampler.join()
clf.save(sys.argv[3])
print(json.dumps({
    "growth": max(peak[0], rss()) - start_rss,
    "start": start_rss,
    "max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "seconds": seconds,
}))
"""


def _table(n_rows, seed):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = rng.normal(100, 20, size=(n_rows, 10))
    z = (X[:, :4] - 100) / 20
    y = (z[:, 0] - z[:, 1] + z[:, 2] * z[:, 3] > 0).astype(int)
    table = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)])
    table["label"] = y
    return table


def out_of_core_lines(n_rows):
    import skgraphfeat

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.csv")
        head = os.path.join(tmp, "head.csv")
        # written in pieces, so that this process never holds the whole table
        for start in range(0, n_rows, 100_000):
            piece = _table(min(100_000, n_rows - start), seed=start)
            piece.to_csv(path, mode="a", header=start == 0, index=False)
            if start == 0:
                piece.iloc[:10_000].to_csv(head, index=False)
        size = os.path.getsize(path)
        in_memory = n_rows * 11 * 8
        out = subprocess.run(
            [sys.executable, "-c", OUT_OF_CORE, path, head,
             os.path.join(tmp, "clf.keras")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = json.loads(out.stdout.splitlines()[-1])
        clf = skgraphfeat.load(os.path.join(tmp, "clf.keras"))
    fresh = _table(10_000, seed=n_rows)
    accuracy = clf.score(fresh.drop(columns="label"), fresh["label"])
    mib = 2**20
    print(
        f"out-of-core partial_fit_csv, {n_rows:,} rows x 10 features, chunks of "
        f"10,000 rows: CSV {size / mib:.0f} MiB (float64 table "
        f"{in_memory / mib:.0f} MiB); peak resident memory grew by "
        f"{result['growth'] / mib:.0f} MiB over its {result['start'] / mib:.0f} "
        f"MiB before the recipe (process peak {result['max_rss'] / mib:.0f} MiB, "
        f"TensorFlow included); {result['seconds']:.1f} s for both passes; "
        f"accuracy on 10,000 fresh rows {accuracy:.3f}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-out-of-core", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--throughput-rows", type=int, default=20_000)
    args = parser.parse_args()
    if not args.skip_dask:
        dask_lines()
    if not args.skip_throughput:
        throughput_lines(args.throughput_rows)
    if not args.skip_out_of_core:
        out_of_core_lines(args.rows)


if __name__ == "__main__":  # dask's worker processes import this file
    main()
