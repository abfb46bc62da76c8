"""Keras layers of skgraphfeat.

This module imports Keras; ``import skgraphfeat`` does not import it, so the
heavy import happens only when a layer is first used.
"""

import numbers

import keras
import numpy as np

ops = keras.ops

__all__ = ["AdvancedGraphFeatureLayer"]

# Every initializer and the dropout draw their own stream from one user seed:
# stream k of seed s is seeded from numpy's SeedSequence((s, k)), so streams of
# different seeds are unrelated (offsets s + k would make a seed=1 layer start
# its embedding like a seed=0 layer's bias).
_SEED_STREAMS = {
    "embedding_kernel": 0,
    "embedding_bias": 1,
    "attention_kernel": 2,
    "group_logits": 3,
    "group_projection": 4,
    "output_projection": 5,
    "dropout": 6,
    "category_embeddings": 7,
}


# Layers with at least this many edges per sample (heads * F**2) train with the
# attention compiled by XLA on the TensorFlow backend (see _compiles_attention).
_COMPILED_MIN_EDGES = 2**11


def _stream_seed(seed, name):
    """The seed of stream ``name`` of the layer's ``seed`` (None stays None)."""
    if seed is None:
        return None
    state = np.random.SeedSequence((seed, _SEED_STREAMS[name])).generate_state(1)
    return int(state[0] >> 1)  # a non-negative 31-bit int, as every backend takes


@keras.saving.register_keras_serializable(package="skgraphfeat")
class AdvancedGraphFeatureLayer(keras.layers.Layer):
    """Graph attention over the features of a table, learned per sample.

    Every scalar feature ``x_f`` is embedded as ``h_f = x_f * w + b`` (``w`` and
    ``b`` shared by all features). For each head ``k`` and ordered pair of
    features ``(i, j)`` the edge attribute ``[h_i; h_j; |h_i - h_j|]`` is scored
    by a learned vector ``a_k``; a softmax over ``j`` turns the scores into a
    data-dependent adjacency ``A`` (one F x F graph per sample and head). The
    embeddings are aggregated along ``A``, optionally refined through soft feature
    groups, added to the input embedding, layer-normalised and projected back to
    the F features. ``tests/test_layer.py`` holds a plain-numpy reference of
    the definition that the layer matches.

    The attention is evaluated in factorised form (the embedding is affine and
    shared), so memory grows as ``B * H * F**2`` rather than ``B * H * F**2 * E``.
    On the TensorFlow backend, float32 training steps of a layer with at least
    2,048 edges per sample (``H * F**2``) run that attention as XLA-compiled
    kernels: faster per step, at the price of a compilation of a second or two
    per batch shape, once per process. The results are those of the op-by-op
    path up to rounding.

    Parameters
    ----------
    embed_dim : int, default=16
        Width ``E`` of each feature's embedding. Must be divisible by
        ``num_heads``.
    num_heads : int, default=4
        Number of attention heads ``H``; each head has its own scoring vector.
    hierarchical : bool, default=False
        Whether to add the hierarchical branch: a learned soft assignment of the
        features to ``num_groups`` groups whose summaries feed back into every
        feature.
    num_groups : int, default=4
        Number of groups ``G`` of the hierarchical branch.
    dropout_rate : float, default=0.1
        Dropout applied to the adjacency during training, in ``[0, 1)``. Edges
        are dropped with probability ``round(dropout_rate * 256) / 256`` for
        rates from 1/16 on, ``round(dropout_rate * 65536) / 65536`` below
        (so a rate below 1/131072 drops nothing), and the kept ones are scaled
        so that the expected adjacency is unchanged.
    edge_bias : bool, default=False
        Add a learned bias per head and ordered feature pair to the edge
        scores (after the LeakyReLU, before the softmax). The scores of the
        reference definition depend on the feature values only, so features
        that behave alike get alike edges whatever their identity; the bias
        lets the graph single out particular pairs. Costs ``H * F**2`` weights
        and keeps memory at ``B * H * F**2``. False computes exactly the
        reference definition.
    categorical_cardinalities : sequence of int or None, default=None
        One entry per feature: 0 for a numeric feature, ``n > 0`` for a
        categorical one whose input holds category codes ``0 .. n-1``. A
        categorical feature's embedding is looked up in a learned table
        instead of ``x_f * w + b``; codes outside ``0 .. n-1`` share a learned
        "unknown" embedding and NaN a learned "missing" one.
    missing_embeddings : bool, default=False
        Give NaN in a numeric feature a learned embedding of its own (one per
        feature, starting at ``b``, the embedding of the value 0) instead of
        letting it propagate.

        Either option makes the embeddings general vectors, so the attention
        is evaluated from the embeddings themselves: memory grows as
        ``B * H * F**2 * E / H`` instead of ``B * H * F**2``. For numeric
        values the result is the same.
    seed : int or None, default=None
        Seed of the weight initializers and of the dropout. ``None`` draws a
        fresh start for every instance.
    name : str or None, default=None
        Name of the layer.
    **kwargs
        Standard Keras layer arguments (``dtype``, ``trainable``, ...).

    See Also
    --------
    keras.layers.MultiHeadAttention : Attention over a sequence of tokens.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from skgraphfeat.layers import AdvancedGraphFeatureLayer
    >>> layer = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=2, seed=0)
    >>> x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    >>> tuple(layer(x).shape)
    (3, 5)
    >>> outputs, adjacency = layer(x, return_attention_scores=True)
    >>> tuple(adjacency.shape)
    (3, 2, 5, 5)

    In a model, trained with ``fit``:

    >>> model = keras.Sequential([
    ...     keras.Input(shape=(5,)),
    ...     AdvancedGraphFeatureLayer(embed_dim=8, num_heads=2, seed=0),
    ...     keras.layers.Dense(1),
    ... ])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> history = model.fit(x, np.ones((3, 1)), epochs=2, verbose=0)
    """

    def __init__(
        self,
        embed_dim=16,
        num_heads=4,
        hierarchical=False,
        num_groups=4,
        dropout_rate=0.1,
        seed=None,
        name=None,
        edge_bias=False,
        categorical_cardinalities=None,
        missing_embeddings=False,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        _check_int("embed_dim", embed_dim, minimum=1)
        _check_int("num_heads", num_heads, minimum=1)
        if embed_dim % num_heads != 0:
            raise ValueError(
                f"embed_dim must be divisible by num_heads; got embed_dim={embed_dim}"
                f" and num_heads={num_heads}."
            )
        if hierarchical:
            _check_int("num_groups", num_groups, minimum=1)
        if not 0.0 <= dropout_rate < 1.0:
            raise ValueError(
                f"dropout_rate must be in [0, 1); got dropout_rate={dropout_rate!r}."
            )
        if seed is not None:
            _check_int("seed", seed, minimum=0)
        self.embed_dim = int(embed_dim)
        self.num_heads = int(num_heads)
        self.hierarchical = bool(hierarchical)
        self.num_groups = int(num_groups)
        self.dropout_rate = float(dropout_rate)
        self.edge_bias = bool(edge_bias)
        self.categorical_cardinalities = _check_cardinalities(categorical_cardinalities)
        self.missing_embeddings = bool(missing_embeddings)
        self.seed = seed
        self.head_dim = self.embed_dim // self.num_heads

    @property
    def _general_embeddings(self):
        """Whether some embeddings are not ``x_f * w + b`` (categories, NaN)."""
        return self.missing_embeddings or any(self.categorical_cardinalities or ())

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                "AdvancedGraphFeatureLayer expects 2-D input (batch, features); "
                f"got input_shape={tuple(input_shape)}."
            )
        num_features = input_shape[-1]
        if num_features is None:
            raise ValueError(
                "The number of features must be known when the layer is built; "
                f"got input_shape={tuple(input_shape)}."
            )
        self.num_features = int(num_features)
        n_feat, embed, seed = self.num_features, self.embed_dim, self.seed
        cardinalities = self.categorical_cardinalities
        if cardinalities is not None and len(cardinalities) != n_feat:
            raise ValueError(
                "categorical_cardinalities needs one entry per feature; got "
                f"{len(cardinalities)} entries for {n_feat} features."
            )

        # Glorot-uniform limit of the (1 -> E) map of a scalar feature; the bias
        # starts non-zero so that the layer norm keeps each feature's magnitude.
        limit = (6.0 / (1.0 + embed)) ** 0.5
        self.embedding_kernel = self.add_weight(
            name="embedding_kernel",
            shape=(embed,),
            initializer=keras.initializers.RandomUniform(
                -limit, limit, seed=_stream_seed(seed, "embedding_kernel")
            ),
        )
        self.embedding_bias = self.add_weight(
            name="embedding_bias",
            shape=(embed,),
            initializer=keras.initializers.RandomUniform(
                -limit, limit, seed=_stream_seed(seed, "embedding_bias")
            ),
        )
        self.attention_kernel = self.add_weight(
            name="attention_kernel",
            shape=(self.num_heads, 3 * self.head_dim),
            initializer=keras.initializers.GlorotUniform(
                seed=_stream_seed(seed, "attention_kernel")
            ),
        )
        if any(cardinalities or ()):
            # per categorical feature: its categories, then "unknown", "missing"
            rows = sum(n + 2 for n in cardinalities if n)
            self.category_embeddings = self.add_weight(
                name="category_embeddings",
                shape=(rows, embed),
                initializer=keras.initializers.RandomUniform(
                    -limit, limit, seed=_stream_seed(seed, "category_embeddings")
                ),
            )
        if self.missing_embeddings:
            # offsets from b: a missing value starts where the value 0 is
            self.missing_offsets = self.add_weight(
                name="missing_offsets", shape=(n_feat, embed), initializer="zeros"
            )
        if self.edge_bias:
            self.edge_bias_weights = self.add_weight(
                name="edge_bias",
                shape=(self.num_heads, n_feat, n_feat),
                initializer="zeros",
            )
        self.dropout_seed_generator = keras.random.SeedGenerator(
            _stream_seed(seed, "dropout"), name="adjacency_dropout_seed"
        )
        if self.hierarchical:
            self.group_logits = self.add_weight(
                name="group_logits",
                shape=(n_feat, self.num_groups),
                initializer=keras.initializers.RandomNormal(
                    stddev=0.1, seed=_stream_seed(seed, "group_logits")
                ),
            )
            self.group_projection = keras.layers.Dense(
                n_feat * embed,
                kernel_initializer=keras.initializers.GlorotUniform(
                    seed=_stream_seed(seed, "group_projection")
                ),
                dtype=self.dtype_policy,
                name="group_projection",
            )
            self.group_projection.build((None, self.num_groups * embed))
        self.layer_norm = keras.layers.LayerNormalization(
            axis=-1, epsilon=1e-5, dtype=self.dtype_policy, name="layer_norm"
        )
        self.layer_norm.build((None, n_feat, embed))
        self.output_projection = keras.layers.Dense(
            n_feat,
            kernel_initializer=keras.initializers.GlorotUniform(
                seed=_stream_seed(seed, "output_projection")
            ),
            dtype=self.dtype_policy,
            name="output_projection",
        )
        self.output_projection.build((None, n_feat * embed))
        self.built = True

    def call(self, inputs, training=None, return_attention_scores=False):
        """Refine the features of a batch.

        Parameters
        ----------
        inputs : tensor of shape (batch, features)
        training : bool or None
            Whether dropout on the adjacency is active.
        return_attention_scores : bool, default=False
            Also return the adjacency of shape (batch, heads, features,
            features): row ``i`` of head ``k`` holds how much feature ``i``
            draws on every feature ``j`` for that sample (it sums to 1).

        Returns
        -------
        outputs : tensor of shape (batch, features)
        adjacency : tensor of shape (batch, heads, features, features)
            Only when ``return_attention_scores=True``.
        """
        dtype = self.compute_dtype
        x = ops.cast(inputs, dtype)
        heads, head_dim = self.num_heads, self.head_dim
        if self._general_embeddings:
            embedded = self._embed(x)
            values = self._split_heads(embedded)  # (B, H, F, d)
            logits = self._general_logits(values)
        else:
            kernel = ops.cast(self.embedding_kernel, dtype)
            bias = ops.cast(self.embedding_bias, dtype)
            head_kernel = ops.reshape(kernel, (heads, head_dim))
            head_bias = ops.reshape(bias, (heads, head_dim))
            coefficients = self._score_coefficients(head_kernel, head_bias)
            embedded = ops.expand_dims(x, -1) * kernel + bias

        if self._compiles_attention(training, return_attention_scores):
            sums, scale = self._compiled_attention_sums(x, coefficients, training)
        else:
            if not self._general_embeddings:
                logits = self._logits(x, coefficients)
                # z_i = (sum_j A_ij x_j) w + (sum_j A_ij) b, per head: exact
                # because the embedding is affine and shared by all features,
                # so the aggregation only needs the values [x_j, 1].
                values = ops.expand_dims(ops.stack([x, ops.ones_like(x)], axis=-1), 1)
            keep, scale = self._keep_mask(ops.shape(logits), training)
            sums, adjacency = self._attend(
                logits, values, keep, return_attention_scores
            )

        if self._general_embeddings:
            if scale is not None:
                sums = sums * scale
            aggregated = ops.reshape(
                ops.transpose(sums, (0, 2, 1, 3)),
                (-1, self.num_features, self.embed_dim),
            )
        else:
            # sums (B, H, F, 2) -> (B, F, E) through each head's (2, d) map
            # [w_k; b_k], as one product with a block-diagonal (2H, E) matrix
            head_maps = ops.stack([head_kernel, head_bias], axis=1)  # (H, 2, d)
            if scale is not None:
                head_maps = head_maps * scale
            block_diagonal = ops.reshape(
                ops.einsum("hcd,hg->hcgd", head_maps, ops.eye(heads, dtype=dtype)),
                (2 * heads, self.embed_dim),
            )
            per_feature = ops.reshape(
                ops.transpose(sums, (0, 2, 1, 3)), (-1, 2 * heads)
            )
            aggregated = ops.reshape(
                ops.matmul(per_feature, block_diagonal),
                (-1, self.num_features, self.embed_dim),
            )

        if self.hierarchical:
            aggregated = aggregated + self._group_refinement(aggregated)

        normalized = self.layer_norm(aggregated + embedded)
        flat = ops.reshape(normalized, (-1, self.num_features * self.embed_dim))
        outputs = self.output_projection(flat)
        if return_attention_scores:
            return outputs, adjacency
        return outputs

    def _attend(self, logits, values, keep, return_adjacency):
        """Aggregate ``values`` (B, 1 or H, F, C) along the adjacency.

        Returns ``sums = (softmax(logits) * keep) @ values`` (B, H, F, C) and
        the adjacency ``softmax(logits)`` when ``return_adjacency`` (else None).
        """
        dtype = self.compute_dtype
        if return_adjacency or dtype in ("float16", "bfloat16"):
            if dtype in ("float16", "bfloat16"):
                # the exponentials of a softmax are not safe in half precision
                adjacency = ops.cast(_softmax(ops.cast(logits, "float32")), dtype)
            else:
                adjacency = _softmax(logits)
            attended = adjacency if keep is None else adjacency * keep
            return ops.matmul(attended, values), adjacency
        if keep is None:
            return _attention_sums(logits, values), None
        return _dropped_attention_sums(logits, values, keep), None

    def _embed(self, x):
        """Every feature's embedding, shape (batch, F, E), categories and NaN
        included."""
        dtype = self.compute_dtype
        kernel = ops.cast(self.embedding_kernel, dtype)
        bias = ops.cast(self.embedding_bias, dtype)
        missing = ops.isnan(x)
        cardinalities = self.categorical_cardinalities or (0,) * self.num_features
        categorical = [n > 0 for n in cardinalities]
        numeric_values = ops.where(
            ops.logical_or(missing, ops.convert_to_tensor(categorical)), 0.0, x
        )
        embedded = ops.expand_dims(numeric_values, -1) * kernel + bias
        if self.missing_embeddings:
            offsets = ops.cast(self.missing_offsets, dtype)
            numeric_missing = ops.logical_and(
                missing, ops.convert_to_tensor([not c for c in categorical])
            )
            embedded = ops.where(
                ops.expand_dims(numeric_missing, -1), bias + offsets, embedded
            )
        if any(categorical):
            table = ops.cast(self.category_embeddings, dtype)
            rows = ops.take(table, self._category_rows(x, missing), axis=0)
            embedded = ops.where(
                ops.convert_to_tensor(categorical)[:, None], rows, embedded
            )
        return embedded

    def _category_rows(self, x, missing):
        """Row of the category table for every value, shape (batch, F).

        Numeric features point at row 0; their lookup is discarded.
        """
        first, last, unknown, missing_row = [], [], [], []
        start = 0
        for n in self.categorical_cardinalities:
            if n:
                first.append(start)
                last.append(n - 1)
                unknown.append(start + n)
                missing_row.append(start + n + 1)
                start += n + 2
            else:
                first.append(0)
                last.append(0)
                unknown.append(0)
                missing_row.append(0)
        codes = ops.where(missing, -1.0, x)
        known = ops.logical_and(
            ops.logical_and(codes >= 0, codes <= ops.convert_to_tensor(last, x.dtype)),
            ops.equal(codes, ops.floor(codes)),
        )
        safe_codes = ops.cast(ops.where(known, codes, 0.0), "int32")
        rows = ops.where(
            known,
            safe_codes + ops.convert_to_tensor(first, "int32"),
            ops.convert_to_tensor(unknown, "int32"),
        )
        return ops.where(missing, ops.convert_to_tensor(missing_row, "int32"), rows)

    def _general_logits(self, per_head):
        """Edge logits from general embeddings split into heads (B, H, F, d):
        (batch, heads, F, F)."""
        dtype = self.compute_dtype
        attention = ops.cast(self.attention_kernel, dtype)
        d = self.head_dim
        a_src, a_dst, a_diff = (
            attention[:, :d],
            attention[:, d : 2 * d],
            attention[:, 2 * d :],
        )
        # a_k . [h_i; h_j; |h_i - h_j|] for target i (rows) and source j
        target_terms = ops.einsum("bhfd,hd->bhf", per_head, a_src)
        source_terms = ops.einsum("bhfd,hd->bhf", per_head, a_dst)
        differences = ops.abs(
            ops.expand_dims(per_head, 3) - ops.expand_dims(per_head, 2)
        )  # (B, H, F_i, F_j, d)
        scores = (
            ops.expand_dims(target_terms, -1)
            + ops.expand_dims(source_terms, -2)
            + ops.einsum("bhijd,hd->bhij", differences, a_diff)
        )
        return self._activate(scores)

    def _split_heads(self, embedded):
        per_head = ops.reshape(
            embedded, (-1, self.num_features, self.num_heads, self.head_dim)
        )
        return ops.transpose(per_head, (0, 2, 1, 3))

    def _keep_mask(self, shape, training):
        """Dropout mask of the adjacency and the factor that keeps its
        expectation, ``(None, None)`` when nothing is dropped.

        The mask is 0/1; the factor ``1 / (1 - p)`` is left to the caller:
        everything downstream is linear in the adjacency, so it is applied to
        a small tensor instead of to the B x H x F x F adjacency.
        """
        if not training or self._drop_steps == 0:
            return None, None
        keep = _keep_mask(
            shape,
            self._drop_steps,
            self._mask_bits,
            self.dropout_seed_generator,
            self.compute_dtype,
        )
        return keep, self._dropout_scale()

    def _dropout_scale(self):
        """``1 / (1 - p)`` for the drop probability ``p`` the mask realises."""
        levels = 2**self._mask_bits
        return ops.cast(levels / (levels - self._drop_steps), self.compute_dtype)

    def _compiles_attention(self, training, return_attention_scores):
        """Whether this call runs the attention as XLA-compiled kernels.

        Training steps of the numeric path on the TensorFlow backend in
        float32, when every sample has at least ``_COMPILED_MIN_EDGES`` edges
        (heads * F**2): there the compiled kernels take less time per step
        than the op-by-op path; fewer features leave too little work per
        sample to repay the compilation (about a second per batch shape). In
        float64, XLA's CPU code is slower than TensorFlow's kernels.
        """
        return (
            bool(training)
            and not return_attention_scores
            and not self._general_embeddings
            and self.compute_dtype == "float32"
            and self.num_heads * self.num_features**2 >= _COMPILED_MIN_EDGES
            and keras.backend.backend() == "tensorflow"
        )

    def _compiled_attention_sums(self, x, coefficients, training):
        """The sums ``(A * keep) @ [x_j, 1]`` (B, H, F, 2) of the numeric
        path from the XLA-compiled kernels, and the dropout's factor (None
        without dropout)."""
        from . import _compiled_attention

        n_feat = self.num_features
        draws = threshold = scale = None
        if training and self._drop_steps:
            bits = self._mask_bits
            draws = _mask_draws(
                (ops.shape(x)[0], self.num_heads),
                n_feat**2,
                bits,
                self.dropout_seed_generator,
            )
            threshold = _keep_threshold(self._drop_steps, bits)
            scale = self._dropout_scale()
        edge_bias = None
        if self.edge_bias:
            edge_bias = ops.cast(self.edge_bias_weights, self.compute_dtype)

        sums = _compiled_attention.attention_sums(
            x, coefficients, draws, threshold, edge_bias
        )
        return sums, scale

    @property
    def _mask_bits(self):
        """Random bits per edge of the dropout mask: 8 (four edges per 32-bit
        draw) for rates from 1/16 on, 16 for smaller rates, which 1/256 steps
        would round coarsely."""
        return 8 if self.dropout_rate >= 1 / 16 else 16

    @property
    def _drop_steps(self):
        """The dropout rate in steps of ``2**-_mask_bits``."""
        levels = 2**self._mask_bits
        return min(round(self.dropout_rate * levels), levels - 1)

    def _score_coefficients(self, head_kernel, head_bias):
        """Per head, the coefficients ``(alpha, beta, gamma, c)`` of the edge
        scores of the numeric path, shape (H, 4)."""
        attention = ops.cast(self.attention_kernel, self.compute_dtype)
        d = self.head_dim
        a_src, a_dst, a_diff = (
            attention[:, :d],
            attention[:, d : 2 * d],
            attention[:, 2 * d :],
        )
        # a_k . [h_i; h_j; |h_i - h_j|] = alpha x_i + beta x_j + gamma |x_i - x_j| + c
        return ops.stack(
            [
                ops.sum(head_kernel * a_src, axis=-1),  # alpha
                ops.sum(head_kernel * a_dst, axis=-1),  # beta
                ops.sum(ops.abs(head_kernel) * a_diff, axis=-1),  # gamma
                ops.sum(head_bias * (a_src + a_dst), axis=-1),  # c
            ],
            axis=-1,
        )  # (H, 4)

    def _logits(self, x, coefficients):
        """Edge logits (before the softmax over the source features), shape
        (batch, heads, F, F)."""
        # The four terms of every edge as one (batch, 4, F*F) tensor, so that all
        # heads' scores come out of one batched product (fewer passes over the
        # B x H x F x F scores than summing broadcast terms).
        n_feat = self.num_features
        shape = (ops.shape(x)[0], n_feat, n_feat)
        x_target = ops.broadcast_to(ops.expand_dims(x, -1), shape)
        x_source = ops.broadcast_to(ops.expand_dims(x, -2), shape)
        edges = ops.stack(
            [
                x_target,
                x_source,
                ops.abs(x_target - x_source),
                ops.ones_like(x_target),
            ],
            axis=1,
        )
        edges = ops.reshape(edges, (-1, 4, n_feat * n_feat))
        scores = ops.matmul(ops.expand_dims(coefficients, 0), edges)
        scores = ops.reshape(scores, (-1, self.num_heads, n_feat, n_feat))
        return self._activate(scores)

    def _activate(self, scores):
        """LeakyReLU and the optional edge bias: the logits of the softmax."""
        logits = ops.leaky_relu(scores, negative_slope=0.2)
        if self.edge_bias:
            logits = logits + ops.cast(self.edge_bias_weights, self.compute_dtype)
        return logits

    def _group_refinement(self, aggregated):
        membership = ops.cast(self.group_membership(), self.compute_dtype)
        summaries = ops.einsum("fg,bfe->bge", membership, aggregated)
        flat = ops.reshape(summaries, (-1, self.num_groups * self.embed_dim))
        refined = self.group_projection(flat)
        return ops.reshape(refined, (-1, self.num_features, self.embed_dim))

    def group_membership(self):
        """Soft membership of each feature in each group, shape (F, G).

        Each row sums to 1. Only defined when ``hierarchical=True``.
        """
        if not self.hierarchical:
            raise ValueError(
                "group_membership() needs hierarchical=True; this layer was built "
                "with hierarchical=False."
            )
        if not self.built:
            raise ValueError("The layer must be built before group_membership().")
        return _softmax(self.group_logits)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, training=None, return_attention_scores=False):
        shape = tuple(inputs.shape)
        outputs = keras.KerasTensor(shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return outputs
        adjacency_shape = (shape[0], self.num_heads, shape[-1], shape[-1])
        return outputs, keras.KerasTensor(adjacency_shape, dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "embed_dim": self.embed_dim,
                "num_heads": self.num_heads,
                "hierarchical": self.hierarchical,
                "num_groups": self.num_groups,
                "dropout_rate": self.dropout_rate,
                "edge_bias": self.edge_bias,
                "categorical_cardinalities": (
                    None
                    if self.categorical_cardinalities is None
                    else list(self.categorical_cardinalities)
                ),
                "missing_embeddings": self.missing_embeddings,
                "seed": self.seed,
            }
        )
        return config


def _keep_mask(shape, drop_steps, bits, seed_generator, dtype):
    """0/1 mask of ``shape`` (..., rows, columns), P(0) = drop_steps / 2**bits.

    Every 32-bit random draw decides ``32 // bits`` edges, one per 8- or
    16-bit slice (viewed as signed integers, uniform on [-2**(bits-1),
    2**(bits-1))): on CPU the random draws dominate the cost of the dropout.
    """
    *leading, rows, columns = shape
    draws = _mask_draws(tuple(leading), rows * columns, bits, seed_generator)
    threshold = _keep_threshold(drop_steps, bits)
    return _keep_from_draws(draws, threshold, rows, columns, dtype)


def _keep_from_draws(draws, threshold, rows, columns, dtype):
    """The 0/1 mask (..., rows, columns) that ``draws`` (..., D) int32 decide:
    their slices of the threshold's dtype keep an edge from ``threshold`` on."""
    slices = ops.view(draws, threshold.dtype)
    n_edges = rows * columns
    if slices.shape[-1] != n_edges:
        slices = slices[..., :n_edges]
    keep = ops.greater_equal(slices, threshold)
    leading = tuple(ops.shape(draws)[:-1])
    return ops.cast(ops.reshape(keep, leading + (rows, columns)), dtype)


def _mask_draws(leading_shape, n_edges, bits, seed_generator):
    """The int32 random draws of a dropout mask: ``32 // bits`` edges each."""
    return keras.random.randint(
        leading_shape + (-(-n_edges // (32 // bits)),),
        minval=-(2**31),
        maxval=2**31 - 1,
        dtype="int32",
        seed=seed_generator,
    )


def _slice_dtype(bits):
    return "int16" if bits == 16 else "int8"


def _keep_threshold(drop_steps, bits):
    """Slices at or above it keep their edge. Of the slices' own dtype: a
    Python int would promote them."""
    return ops.convert_to_tensor(drop_steps - 2 ** (bits - 1), _slice_dtype(bits))


def _attention_sums(logits, values):
    """``softmax(logits) @ values`` with a hand-written backward pass.

    ``logits`` (B, H, F, F); ``values`` (B, 1 or H, F, C). The backward pass
    needs fewer passes over the B x H x F x F tensors than the chain of the
    softmax's and the product's own gradients (see ``_attention_gradients``).
    """

    @ops.custom_gradient
    def forward(logits, values):
        adjacency = _softmax(logits)
        sums = ops.matmul(adjacency, values)

        def backward(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return _attention_gradients(upstream, adjacency, None, sums, values)

        return sums, backward

    return forward(logits, values)


def _dropped_attention_sums(logits, values, keep):
    """``(softmax(logits) * keep) @ values`` with a hand-written backward pass;
    ``keep`` is a 0/1 dropout mask of the shape of ``logits``."""

    @ops.custom_gradient
    def forward(logits, values, keep):
        adjacency = _softmax(logits)
        attended = adjacency * keep
        sums = ops.matmul(attended, values)

        def backward(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            d_logits, d_values = _attention_gradients(
                upstream, adjacency, attended, sums, values
            )
            return d_logits, d_values, ops.zeros_like(keep)

        return sums, backward

    return forward(logits, values, keep)


def _attention_gradients(upstream, adjacency, attended, sums, values):
    """Gradients of ``sums = attended @ values`` with respect to the logits
    and the values, where ``attended = adjacency * keep`` (None: no mask) and
    ``adjacency = softmax(logits)``.

    With ``G = upstream @ values^T`` (the gradient of ``attended``), the
    softmax's gradient is ``adjacency * (keep * G - r)`` with
    ``r_i = sum_j attended_ij G_ij = sum_c upstream_ic sums_ic``: a small
    tensor, so the row sum over the F sources is never taken.
    """
    row_terms = ops.matmul(ops.expand_dims(upstream, -2), ops.expand_dims(sums, -1))[
        ..., 0
    ]  # r (B, H, F, 1), as a product: a sum over a short axis is slow
    d_attended = ops.matmul(upstream, ops.swapaxes(values, -1, -2))
    if attended is None:
        attended = adjacency
        d_logits = adjacency * (d_attended - row_terms)
    else:
        d_logits = attended * d_attended - adjacency * row_terms
    d_values = ops.matmul(ops.swapaxes(attended, -1, -2), upstream)
    if values.shape[1] == 1 and d_values.shape[1] != 1:
        d_values = ops.sum(d_values, axis=1, keepdims=True)  # broadcast over heads
    return d_logits, d_values


def _softmax(values):
    """Softmax over the last axis (also over an axis of size 1, without a warning:
    one feature or one group is a legitimate, if trivial, graph)."""
    if values.shape[-1] != 1:
        return ops.softmax(values, axis=-1)  # fused kernel and gradient
    shifted = values - ops.stop_gradient(ops.max(values, axis=-1, keepdims=True))
    exponentials = ops.exp(shifted)
    return exponentials / ops.sum(exponentials, axis=-1, keepdims=True)


def _check_cardinalities(cardinalities):
    if cardinalities is None:
        return None
    cardinalities = tuple(cardinalities)
    for n in cardinalities:
        _check_int("categorical_cardinalities entries", n, minimum=0)
    return tuple(int(n) for n in cardinalities)


def _check_int(name, value, minimum):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(
            f"{name} must be an integer >= {minimum}; got {name}={value!r}."
        )
