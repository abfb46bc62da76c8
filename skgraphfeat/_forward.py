"""Prediction: the fitted network's compiled forward pass, in row chunks."""

import threading

import numpy as np
import tensorflow as tf

from ._model import Network
from .inspection import CHUNK_VALUES


def in_chunks(forward, X, spec):
    """Run ``forward`` over row chunks that bound the attention tensor's size."""
    per_row = spec.num_heads * spec.n_features**2 + 1
    if spec.materialises_embeddings:  # a block materialises |h_i - h_j|
        per_row *= spec.embed_dim // spec.num_heads
    chunk = max(1, CHUNK_VALUES // per_row)
    outputs, features = [], []
    for start in range(0, max(len(X), 1), chunk):
        out, feat = forward(tf.convert_to_tensor(X[start : start + chunk]))
        outputs.append(out.numpy())
        features.append(feat.numpy())
    return np.concatenate(outputs), np.concatenate(features)


class ModelForward:
    """Compiled forward pass of one fitted Keras model (its own variables).

    Traced on first use and then reused, so a prediction costs one compiled call;
    it reads the model's variables, so it always uses the model's current weights.
    The compiled function is dropped when pickled and rebuilt on first use.
    """

    def __init__(self):
        self._function = None
        self._lock = threading.Lock()

    def __call__(self, model, spec, X):
        function = self._function
        if function is None:
            with self._lock:
                if self._function is None:
                    self._function = self._trace(model, spec)
                function = self._function
        return in_chunks(function, X, spec)

    @staticmethod
    def _trace(model, spec):
        both = Network(model).with_graph_features()
        signature = [tf.TensorSpec([None, spec.n_features], spec.dtype)]
        function = tf.function(
            lambda X: both(X, training=False),
            input_signature=signature,
            autograph=False,
        )
        return function.get_concrete_function()

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()
