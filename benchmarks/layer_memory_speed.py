"""Memory and training throughput of AdvancedGraphFeatureLayer alone.

Prints one line per figure:
- peak resident memory of one training step (forward + backward) at F=512,
  batch 256, E=16, H=4, float32, flat and hierarchical, and for each numeric
  embedding (each in a fresh process), with the time of a second step;
- training throughput (samples/s) at F=32, 20,000 rows, batch 256, of a small
  Keras model around the layer, ours and (when installed) kerasfactory's
  original layer, side by side in this one run: eight rounds, each an epoch
  of ours then 2,560 rows (ten batches) of the original, which take about as
  long; the ratio is the median of the rounds' ratios. Both models are
  compiled alike, with ``steps_per_execution=8``.

Run with ``make bench`` or ``.venv/bin/python benchmarks/layer_memory_speed.py``.
"""

import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MEMORY_SCRIPT = r"""
import os, resource, sys, time
import numpy as np
import tensorflow as tf
from skgraphfeat.layers import AdvancedGraphFeatureLayer
hierarchical = sys.argv[1] == "1"
n_features, batch = 512, 256
layer = AdvancedGraphFeatureLayer(embed_dim=16, num_heads=4, hierarchical=hierarchical,
                                  num_groups=4, seed=0, numeric_embedding=sys.argv[2])
layer.build((None, n_features))
x = tf.constant(np.random.default_rng(0).normal(size=(batch, n_features)), tf.float32)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
@tf.function
def step(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(layer(x, training=True)))
    grads = tape.gradient(loss, layer.trainable_variables)
    return loss, grads
loss, grads = step(x)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
float(step(x)[0])
print(peak / 2**20, (peak - before) / 2**20, time.perf_counter() - start)
"""


# Both models run this many training steps per call into the compiled train
# function (Keras's setting for small models, whose steps are short next to
# the Python round trip between them); the same for ours and the original.
STEPS_PER_EXECUTION = 8


def memory_line(hierarchical, numeric_embedding="shared"):
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_SCRIPT,
            "1" if hierarchical else "0",
            numeric_embedding,
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return f"training step failed: {out.stderr.strip().splitlines()[-1]}"
    peak, increase, seconds = out.stdout.split()
    return (
        f"peak RSS {float(peak):.2f} GiB (step itself {float(increase):.2f} GiB;"
        f" target < 8 GiB), second step {float(seconds):.2f} s"
    )


def fitted_model(layer_factory, X, y, batch):
    """A small Keras model around the layer, compiled and trained for one
    epoch (tracing and warm-up)."""
    import keras

    model = keras.Sequential(
        [layer_factory(), keras.layers.Dense(1, activation="sigmoid")]
    )
    # one eager call first: the original layer creates sublayers lazily and fails
    # when they are first built inside the traced train step
    model(X[:batch])
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    model.fit(X, y, batch_size=batch, epochs=1, verbose=0)
    return model


def throughput(layer_factories, rounds=8, n_rows=20_000, n_features=32, batch=256):
    """Training samples/s of every layer, in turn, round after round.

    ``layer_factories`` maps a name to ``(factory, rows_per_round)``: each
    round trains every model on its next ``rows_per_round`` rows of the
    ``n_rows`` (a whole epoch for a fast layer, a few batches for a slow one,
    so that every turn lasts about as long). Interleaving short turns exposes
    the layers to the same load on a shared machine. Returns, per layer, the
    samples/s of every round.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_rows, n_features)).astype("float32")
    y = (X[:, 0] * X[:, 1] > 0).astype("float32")
    models = {
        name: fitted_model(factory, X, y, batch)
        for name, (factory, _) in layer_factories.items()
    }
    rates = {name: [] for name in models}
    for round_ in range(rounds):
        for name, model in models.items():
            rows = layer_factories[name][1]
            start = (round_ * rows) % n_rows
            chunk = slice(start, start + rows)
            begin = time.perf_counter()
            model.fit(X[chunk], y[chunk], batch_size=batch, epochs=1, verbose=0)
            rates[name].append(len(X[chunk]) / (time.perf_counter() - begin))
    return rates


def main():
    if "--skip-memory" in sys.argv:
        return throughput_lines()
    for hierarchical, numeric_embedding in (
        (False, "shared"),
        (True, "shared"),
        (False, "linear"),
        (False, "periodic"),
    ):
        label = "hierarchical" if hierarchical else "flat"
        print(
            f"memory, F=512 batch=256 E=16 H=4 float32, {label}, "
            f"numeric_embedding={numeric_embedding}: "
            f"{memory_line(hierarchical, numeric_embedding)}",
            flush=True,
        )
    throughput_lines()


def throughput_lines(rounds=8):
    import numpy as np

    from skgraphfeat.layers import AdvancedGraphFeatureLayer

    factories = {
        "skgraphfeat": (
            lambda: AdvancedGraphFeatureLayer(
                embed_dim=16, num_heads=4, dropout_rate=0.1, seed=0
            ),
            20_000,
        )
    }
    try:
        from kerasfactory.layers import AdvancedGraphFeatureLayer as Original
    except Exception as error:  # not installed, or its imports fail
        original_missing = f"{type(error).__name__}: {error}"
    else:
        original_missing = None
        factories["kerasfactory 0.1.1"] = (
            lambda: Original(embed_dim=16, num_heads=4, dropout_rate=0.1),
            2_560,
        )
    rates = throughput(factories, rounds=rounds)
    where = "F=32 20000 rows batch=256"
    ours = rates["skgraphfeat"]
    print(
        f"throughput, {where}, skgraphfeat: {np.median(ours):,.0f} samples/s"
        f" (median of {rounds} epochs)"
    )
    if original_missing is not None:
        print(f"throughput, kerasfactory 0.1.1: skipped ({original_missing})")
        return
    original = rates["kerasfactory 0.1.1"]
    ratios = np.asarray(ours) / np.asarray(original)
    print(
        f"throughput, {where}, kerasfactory 0.1.1: {np.median(original):,.0f}"
        f" samples/s (median of {rounds} turns of 2560 rows, each after one of"
        f" ours); ratio {np.median(ratios):.1f}x (median of the {rounds} rounds'"
        f" ratios, {ratios.min():.1f}x-{ratios.max():.1f}x; target >= 10x)"
    )


if __name__ == "__main__":
    main()
