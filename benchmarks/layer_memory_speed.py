"""Memory and training throughput of AdvancedGraphFeatureLayer alone.

Prints one line per figure:
- peak resident memory of one training step (forward + backward) at F=512,
  batch 256, E=16, H=4, float32, both modes (each in a fresh process);
- training throughput (samples/s) at F=32, 20,000 rows, batch 256, of a small
  Keras model around the layer, ours and (when installed) kerasfactory's
  original layer, side by side in this one run.

Run with ``make bench`` or ``.venv/bin/python benchmarks/layer_memory_speed.py``.
"""

import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MEMORY_SCRIPT = r"""
import os, resource, sys
import numpy as np
import tensorflow as tf
from skgraphfeat.layers import AdvancedGraphFeatureLayer
hierarchical = sys.argv[1] == "1"
n_features, batch = 512, 256
layer = AdvancedGraphFeatureLayer(embed_dim=16, num_heads=4, hierarchical=hierarchical,
                                  num_groups=4, seed=0)
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
print(peak / 2**20, (peak - before) / 2**20, float(loss))
"""


def memory_line(hierarchical):
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, "1" if hierarchical else "0"],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return f"training step failed: {out.stderr.strip().splitlines()[-1]}"
    peak, increase, _ = out.stdout.split()
    return (
        f"peak RSS {float(peak):.2f} GiB (step itself {float(increase):.2f} GiB;"
        " target < 8 GiB)"
    )


def throughput(layer_factory, n_rows=20_000, n_features=32, batch=256, epochs=3):
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_rows, n_features)).astype("float32")
    y = (X[:, 0] * X[:, 1] > 0).astype("float32")
    model = keras.Sequential(
        [layer_factory(), keras.layers.Dense(1, activation="sigmoid")]
    )
    # one eager call first: the original layer creates sublayers lazily and fails
    # when they are first built inside the traced train step
    model(X[:batch])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X, y, batch_size=batch, epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(X, y, batch_size=batch, epochs=epochs, verbose=0)
    return n_rows * epochs / (time.perf_counter() - start)


def main():
    if "--skip-memory" in sys.argv:
        return throughput_lines()
    for hierarchical in (False, True):
        label = "hierarchical" if hierarchical else "flat"
        print(
            f"memory, F=512 batch=256 E=16 H=4 float32, {label}: "
            f"{memory_line(hierarchical)}",
            flush=True,
        )
    throughput_lines()


def throughput_lines():
    from skgraphfeat.layers import AdvancedGraphFeatureLayer

    ours = throughput(
        lambda: AdvancedGraphFeatureLayer(
            embed_dim=16, num_heads=4, dropout_rate=0.1, seed=0
        )
    )
    print(
        f"throughput, F=32 20000 rows batch=256, skgraphfeat: {ours:,.0f} samples/s",
        flush=True,
    )
    try:
        from kerasfactory.layers import AdvancedGraphFeatureLayer as Original
    except Exception as error:  # not installed, or its imports fail
        print(
            f"throughput, kerasfactory 0.1.1: skipped ({type(error).__name__}: {error})"
        )
        return
    original = throughput(lambda: Original(embed_dim=16, num_heads=4, dropout_rate=0.1))
    print(
        f"throughput, F=32 20000 rows batch=256, kerasfactory 0.1.1: "
        f"{original:,.0f} samples/s; ratio {ours / original:.1f}x (target >= 10x)"
    )


if __name__ == "__main__":
    main()
