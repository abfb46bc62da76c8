"""Speed of the estimators' own training loop and compiled forward pass.

Prints, side by side in one run:
- fit of a 100 x 10 problem for 100 epochs: GraphFeatureClassifier against the
  same Keras network trained with ``Model.fit`` (median of repeated fits, after
  one warm-up fit each; the first, tracing fit is reported too);
- predict latency for 1 row (median) and throughput for 100,000 rows of F=32;
- wall time of scikit-learn's check_estimator for the three estimators.

Run with ``make bench`` or ``.venv/bin/python benchmarks/estimator_speed.py``.
"""

import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)


def timed(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def fit_line():
    import keras

    from skgraphfeat import GraphFeatureClassifier
    from skgraphfeat._model import build_network, network_seed_count

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 10))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    # tol=0 and a patience above max_iter: exactly 100 epochs, like Model.fit
    params = dict(max_iter=100, tol=0.0, n_iter_no_change=1000, random_state=0)

    def ours():
        GraphFeatureClassifier(**params).fit(X, y)

    first = timed(ours, 1)[0]
    our_times = timed(ours, 5)

    def keras_fit():
        spec = GraphFeatureClassifier(**params).fit(X, y)._spec
        model = build_network(spec, range(network_seed_count(spec)))
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        start = time.perf_counter()
        model.fit(X, y, batch_size=100, epochs=100, verbose=0)
        return time.perf_counter() - start

    keras_fit()
    keras_times = [keras_fit() for _ in range(3)]
    ours_median = statistics.median(our_times)
    keras_median = statistics.median(keras_times)
    print(
        f"fit 100x10, 100 epochs: skgraphfeat {ours_median * 1000:.0f} ms "
        f"(first fit, tracing included: {first:.2f} s), Keras Model.fit "
        f"{keras_median * 1000:.0f} ms; {keras_median / ours_median:.1f}x faster "
        "(target >= 5x)",
        flush=True,
    )


def predict_lines():
    from skgraphfeat import GraphFeatureClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 32)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    clf = GraphFeatureClassifier(max_iter=5, random_state=0).fit(X, y)
    row = X[:1]
    clf.predict(row)
    latencies = timed(lambda: clf.predict(row), 300)
    print(
        f"predict latency, 1 row F=32: median {statistics.median(latencies) * 1000:.2f}"
        f" ms, p90 {np.percentile(latencies, 90) * 1000:.2f} ms (target < 2 ms median)",
        flush=True,
    )
    big = rng.normal(size=(100_000, 32)).astype(np.float32)
    clf.predict(big[:1000])
    elapsed = statistics.median(timed(lambda: clf.predict(big), 3))
    print(
        f"predict throughput, 100000 rows F=32: {len(big) / elapsed:,.0f} rows/s "
        f"({elapsed:.2f} s)",
        flush=True,
    )


def check_estimator_line():
    from sklearn.utils.estimator_checks import check_estimator

    from skgraphfeat import (
        GraphFeatureClassifier,
        GraphFeatureRegressor,
        GraphFeatureTransformer,
    )

    parts = []
    total = 0.0
    for Estimator in (
        GraphFeatureClassifier,
        GraphFeatureRegressor,
        GraphFeatureTransformer,
    ):
        start = time.perf_counter()
        check_estimator(Estimator())
        elapsed = time.perf_counter() - start
        total += elapsed
        parts.append(f"{Estimator.__name__} {elapsed:.0f} s")
    print(
        f"check_estimator, all three: {total:.0f} s ({', '.join(parts)}; "
        "target < 180 s)",
        flush=True,
    )


if __name__ == "__main__":
    fit_line()
    predict_lines()
    check_estimator_line()
