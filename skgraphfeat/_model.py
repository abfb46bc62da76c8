"""Build the Keras network that the estimators train around the graph layer."""

import keras

from ._state import NetworkSpec as NetworkSpec  # old pickles name it here
from .layers import AdvancedGraphFeatureLayer

ops = keras.ops

FEATURES_LAYER = "graph_features"


# Standardized inputs are clipped to this bound: no training row can lie further
# out (a z-score is at most sqrt(n - 1)), and at predict time it keeps values far
# outside the training range from overflowing the network to inf or NaN.
STANDARDIZED_BOUND = 1e4


@keras.saving.register_keras_serializable(package="skgraphfeat")
class Standardize(keras.layers.Layer):
    """Subtract a per-feature mean and divide by a per-feature scale.

    The statistics are non-trainable weights set from the training data, so the
    network accepts features in their original units. Results are clipped to
    ``[-1e4, 1e4]``. Categorical features (category codes) pass through
    unchanged. NaN stays NaN with ``keep_missing``, for the graph layer's
    missing embeddings; otherwise it becomes 0, the feature's mean.
    """

    def __init__(self, categorical=None, keep_missing=False, **kwargs):
        super().__init__(**kwargs)
        self.categorical = None if categorical is None else tuple(categorical)
        self.keep_missing = bool(keep_missing)

    def build(self, input_shape):
        n_features = input_shape[-1]
        self.mean = self.add_weight(
            name="mean", shape=(n_features,), initializer="zeros", trainable=False
        )
        self.scale = self.add_weight(
            name="scale", shape=(n_features,), initializer="ones", trainable=False
        )

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        mean = ops.cast(self.mean, self.compute_dtype)
        scale = ops.cast(self.scale, self.compute_dtype)
        standardized = (inputs - mean) / scale
        standardized = ops.clip(standardized, -STANDARDIZED_BOUND, STANDARDIZED_BOUND)
        if not self.keep_missing:
            standardized = ops.where(ops.isnan(standardized), 0.0, standardized)
        if self.categorical is not None and any(self.categorical):
            codes = ops.convert_to_tensor(self.categorical)
            standardized = ops.where(codes, inputs, standardized)
        return standardized

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        categorical = None if self.categorical is None else list(self.categorical)
        config.update({"categorical": categorical, "keep_missing": self.keep_missing})
        return config


@keras.saving.register_keras_serializable(package="skgraphfeat")
class NumericValues(keras.layers.Layer):
    """The standardized numeric values, 0 for category codes and NaN.

    What the residual around the first graph block carries when some inputs
    are categories or missing.
    """

    def __init__(self, categorical, **kwargs):
        super().__init__(**kwargs)
        self.categorical = tuple(categorical)

    def call(self, inputs):
        codes = ops.convert_to_tensor(self.categorical)
        return ops.where(ops.logical_or(ops.isnan(inputs), codes), 0.0, inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "categorical": list(self.categorical)}


def build_network(spec, seeds):
    """Build the network for ``spec``.

    Parameters
    ----------
    spec : NetworkSpec
    seeds : sequence of int
        At least ``network_seed_count(spec)`` seeds for the initializers.

    Returns
    -------
    model : keras.Model
        Raw features -> head outputs (logits, standardized targets or
        reconstructions).
    both : keras.Model
        The same layers with two outputs: head outputs and graph features.
    """
    seeds = iter(int(s) for s in seeds)
    dtype = spec.dtype
    inputs = keras.Input(shape=(spec.n_features,), dtype=dtype, name="features")
    hidden = Standardize(
        categorical=spec.is_categorical,
        keep_missing=spec.missing_values,
        dtype=dtype,
        name="standardize",
    )(inputs)
    for block in range(spec.n_blocks):
        first = block == 0
        graph = AdvancedGraphFeatureLayer(
            embed_dim=spec.embed_dim,
            num_heads=spec.num_heads,
            hierarchical=spec.hierarchical,
            num_groups=spec.num_groups,
            dropout_rate=spec.dropout_rate,
            edge_bias=spec.edge_bias,
            categorical_cardinalities=(
                (spec.categorical_cardinalities or None) if first else None
            ),
            missing_embeddings=first and spec.missing_values,
            seed=next(seeds),
            dtype=dtype,
            name=f"graph_block_{block}",
        )(hidden)
        if first and spec.general_embeddings:
            hidden = NumericValues(
                spec.is_categorical, dtype=dtype, name="numeric_values"
            )(hidden)
        # residual between blocks keeps the raw feature values within reach
        hidden = keras.layers.Add(dtype=dtype, name=f"graph_residual_{block}")(
            [hidden, graph]
        )
    features = keras.layers.Identity(dtype=dtype, name=FEATURES_LAYER)(hidden)
    hidden = features
    for index, units in enumerate(spec.hidden_layer_sizes):
        hidden = keras.layers.Dense(
            units,
            activation=spec.activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            dtype=dtype,
            name=f"hidden_{index}",
        )(hidden)
    outputs = keras.layers.Dense(
        spec.n_outputs,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        dtype=dtype,
        name="output",
    )(hidden)
    model = keras.Model(inputs, outputs, name="graph_feature_network")
    both = keras.Model(inputs, [outputs, features], name="graph_feature_network_2")
    return model, both


def network_seed_count(spec):
    """How many seeds ``build_network`` draws for ``spec``."""
    return spec.n_blocks + len(spec.hidden_layer_sizes) + 1
