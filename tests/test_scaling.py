"""Scaling out: a search on a dask cluster, data-parallel training under a
tf.distribute strategy, and out-of-core training on a CSV larger than its
memory budget.

The 2-logical-device check runs in a subprocess: splitting the CPU into
logical devices must happen before TensorFlow starts.
"""

import gc
import json
import logging
import pickle
import subprocess
import sys
import tracemalloc
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_validate

from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)
from skgraphfeat.streaming import csv_statistics, partial_fit_csv

SMALL = {
    "embed_dim": 8,
    "num_heads": 2,
    "hidden_layer_sizes": (16,),
    "max_iter": 10,
    "random_state": 0,
}


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def binary():
    return make_classification(n_samples=201, n_features=6, random_state=0)


# ------------------------------------------------------------- dask cluster
_MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def _search(X, y, n_jobs):
    # one network shape, so that each worker compiles one training loop
    grid = {"learning_rate_init": [1e-3, 1e-2], "alpha": [1e-4, 1e-1]}
    estimator = GraphFeatureClassifier(**{**SMALL, "max_iter": 5})
    return GridSearchCV(estimator, grid, cv=2, n_jobs=n_jobs).fit(X, y)


def test_search_on_a_dask_cluster_equals_the_local_search(binary):
    import dask
    import distributed  # the [test] extra installs dask[distributed]

    X, y = binary
    local = _search(X, y, n_jobs=1)
    local_cv = cross_validate(
        GraphFeatureClassifier(**SMALL), X, y, cv=2, return_estimator=True
    )
    with (
        # dask's workers otherwise run with MALLOC_TRIM_THRESHOLD_=65536, which
        # makes TensorFlow's training steps several times slower
        # (docs/user_guide/scaling.md)
        dask.config.set({_MALLOC_TRIM: None}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
    ):  # fmt: skip
        remote = _search(X, y, n_jobs=-1)
        remote_cv = cross_validate(
            GraphFeatureClassifier(**SMALL), X, y, cv=2, return_estimator=True,
            n_jobs=-1,
        )  # fmt: skip
        # both worker processes trained models (only a fit loads the loop)
        trained = client.run(lambda: "skgraphfeat._training" in sys.modules)
    assert list(trained.values()) == [True, True]
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        atol=1e-6,
    )
    np.testing.assert_array_equal(
        remote.best_estimator_.predict_proba(X), local.best_estimator_.predict_proba(X)
    )
    # fitted models come back from the workers and predict as the local fits
    for fitted, expected in zip(
        remote_cv["estimator"], local_cv["estimator"], strict=True
    ):
        assert fitted.n_iter_ == expected.n_iter_
        np.testing.assert_allclose(
            fitted.predict_proba(X), expected.predict_proba(X), atol=1e-6
        )


# --------------------------------------------------------- data parallelism
TWO_DEVICES = """
import json, sys, warnings
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
import numpy as np
from sklearn.datasets import make_classification
from skgraphfeat import GraphFeatureClassifier

warnings.simplefilter("ignore")
# 401 rows in batches of 100: the last batch has one row, so one replica's
# shard is empty in every epoch
X, y = make_classification(n_samples=401, n_features=6, random_state=0)
params = dict(embed_dim=8, num_heads=2, hidden_layer_sizes=(16,), max_iter=25,
              batch_size=100, random_state=0)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
one = GraphFeatureClassifier(**params).fit(X, y)
two = GraphFeatureClassifier(distribution=strategy, **params).fit(X, y)
difference = np.abs(one.predict_proba(X) - two.predict_proba(X)).max()
scores = [one.score(X, y), two.score(X, y)]
two.partial_fit(X, y)
stopped = GraphFeatureClassifier(
    distribution=strategy, early_stopping=True, dropout_rate=0.2, **params
).fit(X, y)
print(json.dumps({
    "devices": list(two.replica_devices_),
    "one_devices": one.replica_devices_,
    "max_proba_difference": float(difference),
    "scores": scores,
    "losses": [one.loss_curve_, two.loss_curve_[:-1]],
    "n_iter_after_partial_fit": two.n_iter_,
    "early_stopping": [stopped.n_iter_, stopped.best_validation_score_],
}))
"""


def test_two_logical_cpu_devices_train_data_parallel(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", TWO_DEVICES],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.splitlines()[-1])
    assert [d.split("/")[-1] for d in result["devices"]] == [
        "device:CPU:0",
        "device:CPU:1",
    ]
    assert result["one_devices"] is None
    # the same loss (a weighted mean over each whole batch) on two devices: the
    # same model, up to the order of floating-point sums
    assert result["max_proba_difference"] < 1e-9
    np.testing.assert_allclose(*result["losses"], rtol=1e-9)
    assert result["scores"][1] == result["scores"][0] > 0.8
    assert result["n_iter_after_partial_fit"] == 26
    n_iter, best = result["early_stopping"]
    assert n_iter >= 1 and best > 0.75


def test_mirrored_trains_as_one_device(binary):
    # (self-supervised: the masked-reconstruction objective's mask is drawn
    # for the whole batch, then split across the replicas with it)
    X, _ = binary
    one = GraphFeatureTransformer(**SMALL).fit(X)
    mirrored = GraphFeatureTransformer(distribution="mirrored", **SMALL).fit(X)
    assert len(mirrored.replica_devices_) >= 1
    assert one.replica_devices_ is None
    np.testing.assert_allclose(mirrored.loss_curve_, one.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(mirrored.transform(X), one.transform(X), atol=1e-6)
    # a plain string: clones, pickles and saves like any parameter
    assert clone(mirrored).distribution == "mirrored"
    restored = pickle.loads(pickle.dumps(mirrored))
    assert restored.distribution == "mirrored"
    np.testing.assert_array_equal(restored.transform(X), mirrored.transform(X))


def test_a_strategy_object_is_shared_by_clone_and_not_pickled(binary, tmp_path):
    import tensorflow as tf

    X, y = binary
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    clf = GraphFeatureClassifier(distribution=strategy, **SMALL)
    assert clone(clf).distribution is strategy
    search = GridSearchCV(clf, {"num_heads": [1, 2]}, cv=2).fit(X, y)
    assert search.best_estimator_.distribution is strategy
    fitted = search.best_estimator_
    with pytest.warns(UserWarning, match="not pickled.*distribution=None"):
        restored = pickle.loads(pickle.dumps(fitted))
    assert restored.distribution is None and fitted.distribution is strategy
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    with pytest.warns(UserWarning, match="not saved"):
        fitted.save(tmp_path / "clf.keras")


@pytest.mark.parametrize("value", ["gpu", object(), 2])
def test_distribution_rejects_other_values(binary, value):
    X, y = binary
    with pytest.raises(ValueError, match="'distribution' parameter"):
        GraphFeatureClassifier(distribution=value, **SMALL).fit(X, y)


# ---------------------------------------------------------------- out of core
def _write_table(path, n_rows, seed=0):
    """A table whose feature 9 drifts with the row order (0 to 1000), so that
    the first rows' statistics are far from the file's."""
    rng = np.random.default_rng(seed)
    X = rng.normal(100, 20, size=(n_rows, 10))
    X[:, 9] = np.linspace(0, 1000, n_rows) + rng.normal(size=n_rows)
    z = (X[:, :4] - 100) / 20
    y = (z[:, 0] - z[:, 1] + z[:, 2] * z[:, 3] > 0).astype(int)
    table = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)])
    table["label"] = y
    table.to_csv(path, index=False)
    return table


def test_csv_statistics_are_those_of_the_whole_file(tmp_path):
    table = _write_table(tmp_path / "t.csv", 1000)
    table["constant"] = 7.5
    table.to_csv(tmp_path / "t.csv", index=False)
    stats = csv_statistics(
        tmp_path / "t.csv", "label", chunksize=64, gather_classes=True
    )
    features = table.drop(columns="label")
    assert stats.feature_names == list(features.columns) and stats.n_rows == 1000
    np.testing.assert_allclose(stats.mean[:-1], features.mean()[:-1], rtol=1e-12)
    np.testing.assert_allclose(stats.scale[:-1], features.std(ddof=0)[:-1], rtol=1e-9)
    assert stats.mean[-1] == 7.5 and stats.scale[-1] == 1.0
    assert stats.classes.tolist() == [0, 1]

    table["city"] = "Lyon"
    table.to_csv(tmp_path / "text.csv", index=False)
    with pytest.raises(ValueError, match=r"numeric; \['city'\] are not"):
        csv_statistics(tmp_path / "text.csv", "label")
    with pytest.raises(ValueError, match="target column 'y' is not in the file"):
        csv_statistics(tmp_path / "t.csv", "y")


def test_csv_statistics_scale_empty_and_constant_columns_as_fit_does(tmp_path):
    table = _write_table(tmp_path / "t.csv", 300)
    table["late"] = np.where(np.arange(300) < 100, np.nan, np.arange(300.0))
    table["empty"] = np.nan
    table["constant"] = 1e12 + 0.5
    table.loc[::3, "constant"] = np.nan
    table.to_csv(tmp_path / "t.csv", index=False)
    stats = csv_statistics(tmp_path / "t.csv", "label", chunksize=64)
    features = table.drop(columns="label")
    in_memory = GraphFeatureRegressor(**{**SMALL, "max_iter": 1}).fit(
        features, table["label"]
    )
    standardize = in_memory.model_.get_layer("standardize")
    np.testing.assert_array_equal(stats.mean[-2:], [0.0, 1e12 + 0.5])
    np.testing.assert_array_equal(stats.scale[-2:], [1.0, 1.0])
    np.testing.assert_allclose(stats.mean, standardize.mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(stats.scale, standardize.scale.numpy(), rtol=1e-9)


def test_partial_fit_csv_installs_the_file_statistics(tmp_path):
    table = _write_table(tmp_path / "t.csv", 600)
    features = table.drop(columns="label")
    transformer = partial_fit_csv(
        GraphFeatureTransformer(**SMALL), tmp_path / "t.csv", usecols=range(10),
        chunksize=200,
    )  # fmt: skip
    standardize = transformer.model_.get_layer("standardize")
    np.testing.assert_allclose(standardize.mean.numpy(), features.mean())
    np.testing.assert_allclose(standardize.scale.numpy(), features.std(ddof=0))
    assert transformer.n_iter_ == 3
    # the file's scaling was preset for those calls only, on no estimator
    from skgraphfeat._scaling import preset_in_effect

    assert preset_in_effect() is None and "_input_scaling" not in vars(transformer)
    # a plain partial_fit loop would take the first chunk's scaling
    plain = GraphFeatureTransformer(**SMALL).partial_fit(features[:200])
    assert plain.model_.get_layer("standardize").mean.numpy()[9] < 200
    # continuing keeps the scaling; a failure leaves the estimator as it was
    before = transformer.transform(features)
    with pytest.raises(ValueError):
        partial_fit_csv(transformer, tmp_path / "t.csv", chunksize=200)
    np.testing.assert_array_equal(transformer.transform(features), before)


def test_out_of_core_recipe_trains_within_a_memory_budget(tmp_path):
    # Measured with tracemalloc: every Python, numpy and pandas allocation the
    # recipe holds at once (TensorFlow's own buffers, one chunk's worth of
    # tensors, are not seen by it; the resident-memory figure of a larger file
    # is in benchmarks/scaling.py).
    budget = 8 * 2**20
    path = tmp_path / "big.csv"
    table = _write_table(path, 120_000)
    assert path.stat().st_size > 2 * budget
    features = table.drop(columns="label")
    full_mean, full_scale = features.mean(), features.std(ddof=0)
    table.iloc[:10_000].to_csv(tmp_path / "head.csv", index=False)
    del table, features
    params = {**SMALL, "batch_size": 1000, "learning_rate_init": 1e-2}
    # warm-up: this network shape compiled, pandas' parser used once
    partial_fit_csv(
        GraphFeatureClassifier(**params), tmp_path / "head.csv", "label",
        chunksize=10_000,
    )  # fmt: skip
    gc.collect()
    tracemalloc.start()
    try:
        clf = partial_fit_csv(
            GraphFeatureClassifier(**params), path, "label", chunksize=10_000
        )
        recipe_peak = tracemalloc.get_traced_memory()[1]
        # the same measure sees a whole-file read go over the budget
        tracemalloc.reset_peak()
        pd.read_csv(path)
        whole_file_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert recipe_peak < budget < whole_file_peak, (
        f"recipe peak {recipe_peak / 2**20:.1f} MiB, budget {budget / 2**20:.0f} "
        f"MiB, reading the whole file {whole_file_peak / 2**20:.1f} MiB"
    )
    assert clf.n_iter_ == 12
    # the network standardizes with the whole file's statistics...
    standardize = clf.model_.get_layer("standardize")
    np.testing.assert_allclose(standardize.mean.numpy(), full_mean, rtol=1e-10)
    np.testing.assert_allclose(standardize.scale.numpy(), full_scale, rtol=1e-8)
    # ... and predicts raw rows, here fresh ones with the drifting feature
    # anywhere in its range
    fresh = _write_table(tmp_path / "fresh.csv", 4000, seed=1)
    assert clf.score(fresh.drop(columns="label"), fresh["label"]) > 0.85
