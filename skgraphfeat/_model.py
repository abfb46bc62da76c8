"""The Keras network that the estimators train around the graph layer.

``build_network`` builds it from a ``NetworkSpec``; ``Network`` is the one
place that knows its layout (the names of its layers, how the blocks are
wired): training, prediction, inspection and the estimators ask it for the
pieces they need.
"""

import keras
import numpy as np

from ._state import NetworkSpec as NetworkSpec  # old pickles name it here
from .layers import AdvancedGraphFeatureLayer

ops = keras.ops

STANDARDIZE_LAYER = "standardize"
FEATURES_LAYER = "graph_features"
BLOCK_LAYER = "graph_block_{}"
MEMBERS_LAYER = "member_outputs"


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


@keras.saving.register_keras_serializable(package="skgraphfeat")
class RandomSigns(keras.initializers.Initializer):
    """Every entry +1 or -1 with equal chance (seeded)."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        draws = keras.random.uniform(shape, seed=self.seed, dtype=dtype)
        return ops.cast(ops.where(draws < 0.5, -1.0, 1.0), draws.dtype)

    def get_config(self):
        return {"seed": self.seed}


@keras.saving.register_keras_serializable(package="skgraphfeat")
class MemberScaling(keras.layers.Layer):
    """The head's input once per ensemble member, scaled by that member's own
    learned vector: (batch, F) -> (batch, members, F).

    The members share every other weight of the head but the last layer, so
    this scaling (started at random signs) is what makes them differ.
    """

    def __init__(self, members, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.members = int(members)
        self.seed = seed

    def build(self, input_shape):
        self.scaling = self.add_weight(
            name="member_scaling",
            shape=(self.members, input_shape[-1]),
            initializer=RandomSigns(self.seed),
        )

    def call(self, inputs):
        return inputs[:, None, :] * ops.cast(self.scaling, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.members, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "members": self.members, "seed": self.seed}


@keras.saving.register_keras_serializable(package="skgraphfeat")
class EnsembleAverage(keras.layers.Layer):
    """The members' outputs (batch, members, outputs) averaged into one.

    With ``probabilities=True`` the outputs are logits and the average is
    taken over the members' class probabilities: the result is the log of the
    mean probability, logits whose softmax is that mean. Otherwise the
    outputs themselves are averaged.
    """

    def __init__(self, probabilities=False, **kwargs):
        super().__init__(**kwargs)
        self.probabilities = bool(probabilities)

    def call(self, members):
        if not self.probabilities:
            return ops.mean(members, axis=1)
        count = ops.cast(ops.shape(members)[1], self.compute_dtype)
        log_probabilities = ops.log_softmax(members, axis=-1)
        return ops.logsumexp(log_probabilities, axis=1) - ops.log(count)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "probabilities": self.probabilities}


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
    """
    seeds = iter(int(s) for s in seeds)
    dtype = spec.dtype
    inputs = keras.Input(shape=(spec.n_features,), dtype=dtype, name="features")
    hidden = Standardize(
        categorical=spec.is_categorical,
        keep_missing=spec.missing_values,
        dtype=dtype,
        name=STANDARDIZE_LAYER,
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
            numeric_embedding=spec.numeric_embedding,
            frequency_scale=spec.frequency_scale,
            seed=next(seeds),
            dtype=dtype,
            name=BLOCK_LAYER.format(block),
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
    members = spec.ensemble_size
    hidden = features
    if members > 1:
        hidden = MemberScaling(
            members, seed=next(seeds), dtype=dtype, name="member_scaling"
        )(hidden)
    for index, units in enumerate(spec.hidden_layer_sizes):
        hidden = keras.layers.Dense(
            units,
            activation=spec.activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            dtype=dtype,
            name=f"hidden_{index}",
        )(hidden)
    if members == 1:
        outputs = keras.layers.Dense(
            spec.n_outputs,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            dtype=dtype,
            name="output",
        )(hidden)
        return keras.Model(inputs, outputs, name="graph_feature_network")
    # one output layer per member, the Glorot bound of its own (units, outputs)
    units = hidden.shape[-1]
    bound = float(np.sqrt(6.0 / (units + spec.n_outputs)))
    member_outputs = keras.layers.EinsumDense(
        "bku,kuo->bko",
        output_shape=(members, spec.n_outputs),
        bias_axes="ko",
        kernel_initializer=keras.initializers.RandomUniform(
            -bound, bound, seed=next(seeds)
        ),
        dtype=dtype,
        name=MEMBERS_LAYER,
    )(hidden)
    outputs = EnsembleAverage(
        probabilities=spec.averages_probabilities, dtype=dtype, name="output"
    )(member_outputs)
    return keras.Model(inputs, outputs, name="graph_feature_network")


def network_seed_count(spec):
    """How many seeds ``build_network`` draws for ``spec``."""
    ensemble = 1 if spec.ensemble_size > 1 else 0
    return spec.n_blocks + ensemble + len(spec.hidden_layer_sizes) + 1


class Network:
    """A network of ``build_network`` (fresh, or as a saved file restores it),
    by the pieces it offers.

    Parameters
    ----------
    model : keras.Model
    """

    def __init__(self, model):
        self.model = model
        self._block_inputs = None  # the blocks' inputs as a model, built on use

    @property
    def standardize(self):
        """The ``Standardize`` layer: the inputs' mean and scale."""
        return self.model.get_layer(STANDARDIZE_LAYER)

    @property
    def blocks(self):
        """The graph blocks, first to last."""
        blocks = []
        while True:
            try:
                blocks.append(self.model.get_layer(BLOCK_LAYER.format(len(blocks))))
            except ValueError:
                return blocks

    def with_graph_features(self, members=False):
        """The same layers as a model with two outputs: the head's outputs and
        the graph features (the last block's output with its residual).

        With ``members=True`` the head's outputs are those of every ensemble
        member, (batch, members, outputs), what training fits; otherwise their
        average, what the network predicts. A network of one member has no
        members' outputs: the head's outputs are its own either way.
        """
        features = self.model.get_layer(FEATURES_LAYER).output
        outputs = self.model.outputs[0]
        if members and self.ensemble_size > 1:
            outputs = self.model.get_layer(MEMBERS_LAYER).output
        return keras.Model(self.model.inputs, [outputs, features])

    @property
    def ensemble_size(self):
        """How many members the head has (1: a single head)."""
        try:
            return self.model.get_layer(MEMBERS_LAYER).output.shape[1]
        except ValueError:
            return 1

    def adjacency(self, X):
        """Every block's adjacency on the rows of ``X`` (raw features), in
        inference mode, as an array (n, n_blocks, H, F, F).

        Each block runs on the very tensor the network feeds it, read from the
        network's own graph, so the wiring between blocks (residuals, category
        codes and missing values set aside) is the network's, not a copy.
        """
        blocks = self.blocks
        if self._block_inputs is None:
            self._block_inputs = keras.Model(
                self.model.input, [block.input for block in blocks]
            )
        fed = self._block_inputs(ops.convert_to_tensor(X), training=False)
        if not isinstance(fed, list | tuple):  # one block: Keras unwraps it
            fed = [fed]
        adjacency = [
            ops.convert_to_numpy(
                block(hidden, training=False, return_attention_scores=True)[1]
            )
            for block, hidden in zip(blocks, fed, strict=True)
        ]
        return np.stack(adjacency, axis=1)

    def group_memberships(self):
        """Every block's soft feature groups, (n_blocks, F, G) (hierarchical
        blocks only)."""
        return np.stack(
            [ops.convert_to_numpy(b.group_membership()) for b in self.blocks]
        )
