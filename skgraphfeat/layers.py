"""Keras layers of skgraphfeat.

This module imports Keras; ``import skgraphfeat`` does not import it, so the
heavy import happens only when a layer is first used.
"""

import numbers

import keras
import numpy as np

from . import _attention, _embeddings

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
    "frequencies": 8,
}

NUMERIC_EMBEDDINGS = ("shared", "linear", "periodic")

# Frequencies per feature of the periodic numeric embedding.
PERIODIC_FREQUENCIES = 16


# Layers with at least this many edges per sample (heads * F**2) train with the
# attention compiled by XLA on the TensorFlow backend (see _compiles_attention);
# with general embeddings, with at least this many differences |h_i - h_j|
# per sample (heads * F**2 * d), the differences' term of the scores.
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
        feature, starting at the embedding of the value 0) instead of
        letting it propagate.
    numeric_embedding : {"shared", "linear", "periodic"}, default="shared"
        How a numeric value becomes a vector. ``"shared"`` is the definition
        above, ``x_f * w + b`` with one ``w`` and ``b`` for all features.
        ``"linear"`` gives every feature its own, ``x_f * w_f + b_f``, so
        the edge scores know which feature they look at (``2 * F * E``
        weights). ``"periodic"`` embeds ``x_f`` as ``ReLU(W_f [sin(2 pi c_f
        x_f); cos(2 pi c_f x_f)] + b_f)`` with 16 learned frequencies ``c_f``
        per feature, a non-linear function of each feature (Gorishniy et al.,
        2022, "On Embeddings for Numerical Features in Tabular Deep
        Learning"); ``F * (32 E + E + 16)`` weights.
    frequency_scale : float, default=1.0
        Standard deviation of the initial frequencies of the periodic
        embedding, in cycles per unit of the layer's input (the estimators
        feed it standardized features): larger values start it with finer
        detail. Used with ``numeric_embedding="periodic"`` only.

        Categories, ``missing_embeddings`` and per-feature numeric embeddings
        make the embeddings general vectors, so the attention is evaluated
        from the embeddings themselves, which needs the differences ``|h_i -
        h_j|`` (``H * F**2 * E / H`` values per sample). On the TensorFlow
        backend, training steps in float32 or float64 with at least 2,048 of
        them per sample run that attention as XLA-compiled kernels that
        never store them; elsewhere they are materialised. Past 2**20 of
        them per sample (F = 256 at the default width), float32 and float64
        calls that do not return the adjacency take the attention a chunk of
        target features at a time, forward and backward (the backward pass
        recomputes each chunk), so that no B x H x F x F tensor but the
        dropout mask is kept; ``benchmarks/layer_memory_speed.py`` measures
        memory and time at F = 512. Where the embeddings are general, a NaN
        without ``missing_embeddings`` is embedded as the value 0.
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
        numeric_embedding="shared",
        frequency_scale=1.0,
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
        if numeric_embedding not in NUMERIC_EMBEDDINGS:
            raise ValueError(
                f"numeric_embedding must be one of {NUMERIC_EMBEDDINGS}; got "
                f"numeric_embedding={numeric_embedding!r}."
            )
        if (
            isinstance(frequency_scale, bool)
            or not isinstance(frequency_scale, numbers.Real)
            or not frequency_scale > 0
            or not np.isfinite(frequency_scale)
        ):
            raise ValueError(
                "frequency_scale must be a positive finite number; got "
                f"frequency_scale={frequency_scale!r}."
            )
        self.embed_dim = int(embed_dim)
        self.num_heads = int(num_heads)
        self.hierarchical = bool(hierarchical)
        self.num_groups = int(num_groups)
        self.dropout_rate = float(dropout_rate)
        self.edge_bias = bool(edge_bias)
        self.categorical_cardinalities = _check_cardinalities(categorical_cardinalities)
        self.missing_embeddings = bool(missing_embeddings)
        self.numeric_embedding = numeric_embedding
        self.frequency_scale = float(frequency_scale)
        self.seed = seed
        self.head_dim = self.embed_dim // self.num_heads

    @property
    def _general_embeddings(self):
        """Whether some embeddings are not ``x_f * w + b`` (per-feature numeric
        embeddings, categories, NaN)."""
        return (
            self.numeric_embedding != "shared"
            or self.missing_embeddings
            or any(self.categorical_cardinalities or ())
        )

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
        cardinalities = self.categorical_cardinalities
        if cardinalities is not None and len(cardinalities) != self.num_features:
            raise ValueError(
                "categorical_cardinalities needs one entry per feature; got "
                f"{len(cardinalities)} entries for {self.num_features} features."
            )
        self._build_embeddings()
        self._build_attention()
        if self.hierarchical:
            self._build_groups()
        self._build_output()
        if self.numeric_embedding == "periodic":
            self.frequencies = self.add_weight(
                name="frequencies",
                shape=(self.num_features, PERIODIC_FREQUENCIES),
                initializer=self._initializer(
                    keras.initializers.RandomNormal,
                    "frequencies",
                    stddev=self.frequency_scale,
                ),
            )
        self.built = True

    def _initializer(self, kind, stream, **kwargs):
        """Keras initializer ``kind`` seeded from the layer's stream ``stream``."""
        return kind(seed=_stream_seed(self.seed, stream), **kwargs)

    def _build_embeddings(self):
        n_feat, embed = self.num_features, self.embed_dim
        # Glorot-uniform limit of the (1 -> E) map of a scalar feature; the bias
        # starts non-zero so that the layer norm keeps each feature's magnitude.
        limit = (6.0 / (1.0 + embed)) ** 0.5
        uniform = keras.initializers.RandomUniform
        shapes = {
            "shared": ((embed,), (embed,)),
            "linear": ((n_feat, embed), (n_feat, embed)),
            "periodic": ((n_feat, 2 * PERIODIC_FREQUENCIES, embed), (n_feat, embed)),
        }[self.numeric_embedding]
        limits = (limit, limit)
        if self.numeric_embedding == "periodic":  # Glorot of each (2K -> E) map
            limits = ((6.0 / (2 * PERIODIC_FREQUENCIES + embed)) ** 0.5, limit)
        for name, shape, bound in zip(
            ("embedding_kernel", "embedding_bias"), shapes, limits, strict=True
        ):
            initializer = self._initializer(uniform, name, minval=-bound, maxval=bound)
            setattr(
                self,
                name,
                self.add_weight(name=name, shape=shape, initializer=initializer),
            )
        # Keras restores weights in the order they were created: keep this order
        # (that of every saved file) when adding weights; add new ones last.
        self.attention_kernel = self.add_weight(
            name="attention_kernel",
            shape=(self.num_heads, 3 * self.head_dim),
            initializer=self._initializer(
                keras.initializers.GlorotUniform, "attention_kernel"
            ),
        )
        if any(self.categorical_cardinalities or ()):
            rows = _embeddings.category_table_rows(self.categorical_cardinalities)
            self.category_embeddings = self.add_weight(
                name="category_embeddings",
                shape=(rows, embed),
                initializer=self._initializer(
                    uniform, "category_embeddings", minval=-limit, maxval=limit
                ),
            )
        if self.missing_embeddings:
            # offsets from b: a missing value starts where the value 0 is
            self.missing_offsets = self.add_weight(
                name="missing_offsets", shape=(n_feat, embed), initializer="zeros"
            )

    def _build_attention(self):
        n_feat = self.num_features
        if self.edge_bias:
            self.edge_bias_weights = self.add_weight(
                name="edge_bias",
                shape=(self.num_heads, n_feat, n_feat),
                initializer="zeros",
            )
        self.dropout_seed_generator = keras.random.SeedGenerator(
            _stream_seed(self.seed, "dropout"), name="adjacency_dropout_seed"
        )

    def _build_groups(self):
        n_feat, embed = self.num_features, self.embed_dim
        self.group_logits = self.add_weight(
            name="group_logits",
            shape=(n_feat, self.num_groups),
            initializer=self._initializer(
                keras.initializers.RandomNormal, "group_logits", stddev=0.1
            ),
        )
        self.group_projection = keras.layers.Dense(
            n_feat * embed,
            kernel_initializer=self._initializer(
                keras.initializers.GlorotUniform, "group_projection"
            ),
            dtype=self.dtype_policy,
            name="group_projection",
        )
        self.group_projection.build((None, self.num_groups * embed))

    def _build_output(self):
        n_feat, embed = self.num_features, self.embed_dim
        self.layer_norm = keras.layers.LayerNormalization(
            axis=-1, epsilon=1e-5, dtype=self.dtype_policy, name="layer_norm"
        )
        self.layer_norm.build((None, n_feat, embed))
        self.output_projection = keras.layers.Dense(
            n_feat,
            kernel_initializer=self._initializer(
                keras.initializers.GlorotUniform, "output_projection"
            ),
            dtype=self.dtype_policy,
            name="output_projection",
        )
        self.output_projection.build((None, n_feat * embed))

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
        x = ops.cast(inputs, self.compute_dtype)
        attend = (
            self._general_attention
            if self._general_embeddings
            else self._numeric_attention
        )
        embedded, aggregated, adjacency = attend(x, training, return_attention_scores)
        if self.hierarchical:
            aggregated = aggregated + self._group_refinement(aggregated)
        normalized = self.layer_norm(aggregated + embedded)
        flat = ops.reshape(normalized, (-1, self.num_features * self.embed_dim))
        outputs = self.output_projection(flat)
        if return_attention_scores:
            return outputs, adjacency
        return outputs

    def _numeric_attention(self, x, training, return_adjacency):
        """The embeddings (B, F, E), their aggregation along the adjacency
        (B, F, E) and the adjacency (None unless asked for), in factorised form:
        with the embedding affine and shared by all features, ``z_i = (sum_j
        A_ij x_j) w + (sum_j A_ij) b`` per head, so the attention only needs
        the values ``[x_j, 1]``."""
        dtype = self.compute_dtype
        kernel = ops.cast(self.embedding_kernel, dtype)
        bias = ops.cast(self.embedding_bias, dtype)
        head_kernel = ops.reshape(kernel, (self.num_heads, self.head_dim))
        head_bias = ops.reshape(bias, (self.num_heads, self.head_dim))
        coefficients = _attention.score_coefficients(
            ops.cast(self.attention_kernel, dtype), head_kernel, head_bias
        )
        embedded = ops.expand_dims(x, -1) * kernel + bias
        adjacency = None
        if self._compiles_attention(training, return_adjacency):
            sums, scale = self._compiled_attention_sums(x, coefficients, training)
        else:
            scores = _attention.numeric_scores(x, coefficients)
            logits = _attention.logits_of(scores, self._edge_bias())
            values = ops.expand_dims(ops.stack([x, ops.ones_like(x)], axis=-1), 1)
            keep, scale = self._keep_mask(ops.shape(logits), training)
            sums, adjacency = self._attend(logits, values, keep, return_adjacency)

        # sums (B, H, F, 2) -> (B, F, E) through each head's (2, d) map
        # [w_k; b_k], as one product with a block-diagonal (2H, E) matrix
        head_maps = ops.stack([head_kernel, head_bias], axis=1)  # (H, 2, d)
        if scale is not None:
            head_maps = head_maps * scale
        identity = ops.eye(self.num_heads, dtype=dtype)
        block_diagonal = ops.reshape(
            ops.einsum("hcd,hg->hcgd", head_maps, identity),
            (2 * self.num_heads, self.embed_dim),
        )
        per_feature = ops.reshape(
            ops.transpose(sums, (0, 2, 1, 3)), (-1, 2 * self.num_heads)
        )
        aggregated = ops.reshape(
            ops.matmul(per_feature, block_diagonal),
            (-1, self.num_features, self.embed_dim),
        )
        return embedded, aggregated, adjacency

    def _general_attention(self, x, training, return_adjacency):
        """As ``_numeric_attention``, from materialised embeddings (categories,
        NaN): memory ``B * H * F**2 * E / H``."""
        dtype = self.compute_dtype
        embedded = _embeddings.embed(
            x,
            ops.cast(self.embedding_kernel, dtype),
            ops.cast(self.embedding_bias, dtype),
            self.categorical_cardinalities or (0,) * self.num_features,
            ops.cast(self.missing_offsets, dtype) if self.missing_embeddings else None,
            (
                ops.cast(self.category_embeddings, dtype)
                if any(self.categorical_cardinalities or ())
                else None
            ),
            (
                ops.cast(self.frequencies, dtype)
                if self.numeric_embedding == "periodic"
                else None
            ),
        )
        per_head = ops.transpose(
            ops.reshape(
                embedded, (-1, self.num_features, self.num_heads, self.head_dim)
            ),
            (0, 2, 1, 3),
        )  # (B, H, F, d)
        attention_kernel = ops.cast(self.attention_kernel, dtype)
        chunk = _attention.target_chunk(
            self.num_heads, self.num_features, self.head_dim
        )
        if (
            chunk is not None
            and not return_adjacency
            and dtype in ("float32", "float64")
        ):
            # a large graph: taken a chunk of targets at a time
            n_feat = self.num_features
            keep, scale = self._keep_mask(
                (ops.shape(x)[0], self.num_heads, n_feat, n_feat), training
            )
            sums = _attention.chunked_general_sums(
                per_head, attention_kernel, self._edge_bias(), keep, chunk
            )
            adjacency = None
        elif self._compiles_general_attention(training, return_adjacency):
            sums, scale = self._compiled_general_sums(
                x, per_head, attention_kernel, training
            )
            adjacency = None
        else:
            scores = _attention.general_scores(per_head, attention_kernel)
            logits = _attention.logits_of(scores, self._edge_bias())
            keep, scale = self._keep_mask(ops.shape(logits), training)
            sums, adjacency = self._attend(logits, per_head, keep, return_adjacency)
        if scale is not None:
            sums = sums * scale
        aggregated = ops.reshape(
            ops.transpose(sums, (0, 2, 1, 3)),
            (-1, self.num_features, self.embed_dim),
        )
        return embedded, aggregated, adjacency

    def _edge_bias(self):
        if not self.edge_bias:
            return None
        return ops.cast(self.edge_bias_weights, self.compute_dtype)

    def _attend(self, logits, values, keep, return_adjacency):
        """Aggregate ``values`` (B, 1 or H, F, C) along the adjacency.

        Returns ``sums = (softmax(logits) * keep) @ values`` (B, H, F, C) and
        the adjacency ``softmax(logits)`` when ``return_adjacency`` (else None).
        """
        dtype = self.compute_dtype
        half = dtype in ("float16", "bfloat16")
        if not (return_adjacency or half):
            return _attention.attention_sums(logits, values, keep), None
        if half:
            # the exponentials of a softmax are not safe in half precision
            adjacency = ops.cast(_attention.softmax(ops.cast(logits, "float32")), dtype)
        else:
            adjacency = _attention.softmax(logits)
        attended = adjacency if keep is None else adjacency * keep
        return ops.matmul(attended, values), adjacency

    def _keep_mask(self, shape, training):
        """Dropout mask of the adjacency and the factor that keeps its
        expectation, ``(None, None)`` when nothing is dropped.

        The mask is 0/1; the factor ``1 / (1 - p)`` is left to the caller:
        everything downstream is linear in the adjacency, so it is applied to
        a small tensor instead of to the B x H x F x F adjacency.
        """
        if not training or self._drop_steps == 0:
            return None, None
        keep = _attention.keep_mask(
            shape,
            self._drop_steps,
            self._mask_bits,
            self.dropout_seed_generator,
            self.compute_dtype,
        )
        return keep, _attention.dropout_scale(self.dropout_rate, self.compute_dtype)

    @property
    def _mask_bits(self):
        return _attention.mask_bits(self.dropout_rate)

    @property
    def _drop_steps(self):
        return _attention.drop_steps(self.dropout_rate)

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

    def _compiled_general_sums(self, x, per_head, attention_kernel, training):
        """The general path's sums ``(A * keep) @ h`` (B, H, F, d) from the
        XLA-compiled kernels, and the dropout's factor (None without)."""
        from . import _compiled_attention  # TensorFlow only

        draws, threshold, scale = self._compiled_dropout(x, training)
        sums = _compiled_attention.general_attention_sums(
            per_head, attention_kernel, draws, threshold, self._edge_bias()
        )
        return sums, scale

    def _compiles_general_attention(self, training, return_attention_scores):
        """Whether the general path's attention runs as XLA-compiled kernels:
        training steps on the TensorFlow backend in float32 or float64 with
        at least ``_COMPILED_MIN_EDGES`` differences ``|h_i - h_j|`` per
        sample. Compiled, the (B, H, F, F, d) differences are never stored.
        """
        return (
            bool(training)
            and not return_attention_scores
            and self.compute_dtype in ("float32", "float64")
            and self.num_heads * self.num_features**2 * self.head_dim
            >= _COMPILED_MIN_EDGES
            and keras.backend.backend() == "tensorflow"
        )

    def _compiled_dropout(self, x, training):
        """The dropout of the compiled kernels: the random draws that decide
        the edges, the threshold that keeps one, and the factor that keeps the
        expectation (all None when nothing is dropped). Drawn outside the
        kernels, so the mask is the op-by-op path's."""
        if not (training and self._drop_steps):
            return None, None, None
        bits = self._mask_bits
        draws = _attention.mask_draws(
            (ops.shape(x)[0], self.num_heads),
            self.num_features**2,
            bits,
            self.dropout_seed_generator,
        )
        threshold = _attention.keep_threshold(self._drop_steps, bits)
        scale = _attention.dropout_scale(self.dropout_rate, self.compute_dtype)
        return draws, threshold, scale

    def _compiled_attention_sums(self, x, coefficients, training):
        """The sums ``(A * keep) @ [x_j, 1]`` (B, H, F, 2) of the numeric
        path from the XLA-compiled kernels, and the dropout's factor (None
        without dropout)."""
        from . import _compiled_attention  # TensorFlow only

        draws, threshold, scale = self._compiled_dropout(x, training)
        sums = _compiled_attention.attention_sums(
            x, coefficients, draws, threshold, self._edge_bias()
        )
        return sums, scale

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
        return _attention.softmax(self.group_logits)

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
                "numeric_embedding": self.numeric_embedding,
                "frequency_scale": self.frequency_scale,
                "seed": self.seed,
            }
        )
        return config


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
