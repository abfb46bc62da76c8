"""The attention of the graph layer, piece by piece, in Keras ops.

One definition of each piece: the edge scores, the LeakyReLU, the softmax and
its hand-written gradient, the dropout's keep mask. The layer
(``layers.py``) evaluates them op by op on any backend; the XLA kernels of
``_compiled_attention.py`` (TensorFlow only) compile the same functions.

Notation: ``x`` (B, F) the features; per head ``k`` the edge score of target
``i`` and source ``j`` is ``alpha_k x_i + beta_k x_j + gamma_k |x_i - x_j| +
c_k`` on the numeric path (``coefficients`` (H, 4)), or ``a_k . [h_i; h_j;
|h_i - h_j|]`` from general embeddings ``h``; the logits are
``LeakyReLU(score) + edge_bias``, the adjacency their softmax over ``j``.
"""

import keras

ops = keras.ops

# slope of the LeakyReLU between the edge scores and the logits
NEGATIVE_SLOPE = 0.2


# ------------------------------------------------------------------ scores
def score_coefficients(attention_kernel, head_kernel, head_bias):
    """Per head, ``(alpha, beta, gamma, c)`` of the numeric path, (H, 4).

    With the embedding ``h_f = x_f w + b`` shared by all features,
    ``a_k . [h_i; h_j; |h_i - h_j|] = alpha x_i + beta x_j + gamma |x_i -
    x_j| + c``; ``head_kernel``/``head_bias`` are ``w``/``b`` split into heads
    (H, d), ``attention_kernel`` the scoring vectors (H, 3d).
    """
    a_target, a_source, a_difference = _split_scoring(attention_kernel)
    return ops.stack(
        [
            ops.sum(head_kernel * a_target, axis=-1),
            ops.sum(head_kernel * a_source, axis=-1),
            ops.sum(ops.abs(head_kernel) * a_difference, axis=-1),
            ops.sum(head_bias * (a_target + a_source), axis=-1),
        ],
        axis=-1,
    )


def edge_terms(x):
    """The four terms ``[x_i, x_j, |x_i - x_j|, 1]`` of every edge, (B, 4, F, F)."""
    n_features = x.shape[-1]
    shape = (ops.shape(x)[0], n_features, n_features)
    target = ops.broadcast_to(ops.expand_dims(x, -1), shape)
    source = ops.broadcast_to(ops.expand_dims(x, -2), shape)
    return ops.stack(
        [target, source, ops.abs(target - source), ops.ones_like(target)], axis=1
    )


def numeric_scores(x, coefficients, *, fused=False):
    """Edge scores of the numeric path, (B, H, F, F).

    Two evaluation orders of the one formula: by default all heads' scores
    come out of one batched product with ``edge_terms`` (fewer passes over the
    B x H x F x F scores op by op); ``fused=True`` sums broadcast terms, which
    XLA fuses into the element-wise chain around it.
    """
    n_features = x.shape[-1]
    if fused:
        target, source = x[:, None, :, None], x[:, None, None, :]
        alpha, beta, gamma, offset = (
            coefficients[None, :, None, None, k] for k in range(4)
        )
        return (
            alpha * target + beta * source + gamma * ops.abs(target - source) + offset
        )
    terms = ops.reshape(edge_terms(x), (-1, 4, n_features * n_features))
    scores = ops.matmul(ops.expand_dims(coefficients, 0), terms)
    return ops.reshape(scores, (-1, coefficients.shape[0], n_features, n_features))


# Per sample: beyond this many values of |h_i - h_j| (heads * F**2 * d) the
# attention of general embeddings is taken ``target_chunk`` targets at a time
# (see ``chunked_general_sums``); a chunk holds at most CHUNK_VALUES of them.
WHOLE_GRAPH_VALUES = 2**20
CHUNK_VALUES = 2**18


def target_chunk(heads, n_features, head_dim):
    """Targets per chunk for ``chunked_general_sums``; None when the whole
    graph is small enough to be evaluated at once."""
    if heads * n_features**2 * head_dim <= WHOLE_GRAPH_VALUES:
        return None
    return max(1, CHUNK_VALUES // (heads * n_features * head_dim))


def general_scores(per_head, attention_kernel, *, fused=False):
    """Edge scores from general embeddings split into heads (B, H, F, d):
    ``a_k . [h_i; h_j; |h_i - h_j|]``, (B, H, F, F).

    ``fused=True`` takes the differences' term as a sum of broadcast
    products, which XLA fuses into one loop (no (B, H, F, F, d) tensor);
    by default it is a contraction, faster op by op.
    """
    a_target, a_source, a_difference = _split_scoring(attention_kernel)
    target_terms = ops.einsum("bhfd,hd->bhf", per_head, a_target)
    source_terms = ops.einsum("bhfd,hd->bhf", per_head, a_source)
    if fused:
        differences = ops.expand_dims(per_head, 3) - ops.expand_dims(per_head, 2)
        difference_terms = ops.sum(
            ops.abs(differences) * a_difference[None, :, None, None], axis=-1
        )
    else:
        difference_terms = _difference_chunk(per_head, per_head, a_difference)
    return (
        ops.expand_dims(target_terms, -1)
        + ops.expand_dims(source_terms, -2)
        + difference_terms
    )


def _after(tensor, previous):
    """``tensor``, computed only once ``previous`` is: chunks that follow one
    another keep one chunk's temporaries alive at a time (independent ops of
    a compiled graph may run, and hold their memory, all at once)."""
    done = ops.cast(ops.isfinite(ops.sum(ops.ravel(previous)[:1])), tensor.dtype)
    return tensor + 0.0 * done  # exactly ``tensor``: done is 0 or 1


def _difference_chunk(targets, per_head, a_difference):
    """``a_k . |h_i - h_j|`` for the targets (B, H, c, d) and every source."""
    differences = ops.abs(
        ops.expand_dims(targets, 3) - ops.expand_dims(per_head, 2)
    )  # (B, H, c, F, d)
    return ops.einsum("bhijd,hd->bhij", differences, a_difference)


def logits_of(scores, edge_bias=None):
    """The LeakyReLU and the optional edge bias (H, F, F): the softmax's input."""
    logits = ops.leaky_relu(scores, negative_slope=NEGATIVE_SLOPE)
    return logits if edge_bias is None else logits + edge_bias


def score_gradient(d_logits, positive):
    """Through the LeakyReLU: the gradient with respect to the scores, given
    ``positive``, where the scores are above 0."""
    return ops.where(positive, d_logits, NEGATIVE_SLOPE * d_logits)


def _split_scoring(attention_kernel):
    d = attention_kernel.shape[-1] // 3
    return (
        attention_kernel[:, :d],
        attention_kernel[:, d : 2 * d],
        attention_kernel[:, 2 * d :],
    )


# ------------------------------------------------------- large general graphs
def chunked_general_sums(per_head, attention_kernel, edge_bias, keep, chunk):
    """``(softmax(logits) * keep) @ per_head`` (B, H, F, d) of general
    embeddings, ``chunk`` target features at a time, forward and backward.

    Nothing of size B x H x F x F is kept between the passes: the backward
    pass recomputes each chunk's scores and adjacency, so memory grows as
    ``B * H * chunk * F * d`` (plus ``keep``, when given). For training steps
    of layers whose whole graph would not fit.
    """
    n_features = per_head.shape[2]
    starts = range(0, n_features, chunk)
    heads = attention_kernel.shape[0]
    if edge_bias is None:
        edge_bias = ops.zeros((heads, n_features, n_features), per_head.dtype)

    def chunk_forward(per_head, attention_kernel, edge_bias, s):
        targets = per_head[:, :, s : s + chunk]
        a_target, a_source, a_difference = _split_scoring(attention_kernel)
        scores = (
            ops.expand_dims(ops.einsum("bhfd,hd->bhf", targets, a_target), -1)
            + ops.expand_dims(ops.einsum("bhfd,hd->bhf", per_head, a_source), -2)
            + _difference_chunk(targets, per_head, a_difference)
        )
        adjacency = softmax(logits_of(scores, edge_bias[:, s : s + chunk]))
        kept = adjacency if keep is None else adjacency * keep[:, :, s : s + chunk]
        return targets, scores, adjacency, kept

    @ops.custom_gradient
    def attend(per_head, attention_kernel, edge_bias):
        pieces = []
        for s in starts:
            source = _after(per_head, pieces[-1]) if pieces else per_head
            kept = chunk_forward(source, attention_kernel, edge_bias, s)[3]
            pieces.append(ops.matmul(kept, source))
        sums = ops.concatenate(pieces, axis=2)

        def backward(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            a_target, a_source, a_difference = _split_scoring(attention_kernel)
            d_per_head = 0.0
            d_targets, d_bias, d_kernel = [], [], 0.0
            for s in starts:
                source = per_head if s == 0 else _after(per_head, d_per_head)
                targets, scores, adjacency, kept = chunk_forward(
                    source, attention_kernel, edge_bias, s
                )
                up = upstream[:, :, s : s + chunk]
                d_kept = ops.matmul(up, ops.swapaxes(source, -1, -2))
                row_terms = ops.sum(up * sums[:, :, s : s + chunk], -1, keepdims=True)
                d_logits = logit_gradient(
                    adjacency,
                    d_kept,
                    row_terms,
                    None if keep is None else keep[:, :, s : s + chunk],
                )
                d_bias.append(ops.sum(d_logits, axis=0))
                d_scores = score_gradient(d_logits, scores > 0)
                by_target = ops.sum(d_scores, axis=-1)  # (B, H, c)
                by_source = ops.sum(d_scores, axis=-2)  # (B, H, F)
                differences = ops.expand_dims(targets, 3) - ops.expand_dims(
                    source, 2
                )  # (B, H, c, F, d)
                weighted = ops.expand_dims(d_scores, -1) * (
                    ops.sign(differences) * a_difference[None, :, None, None]
                )
                d_targets.append(
                    ops.expand_dims(by_target, -1) * a_target[None, :, None]
                    + ops.sum(weighted, axis=3)
                )
                d_per_head = (
                    d_per_head
                    + ops.matmul(ops.swapaxes(kept, -1, -2), up)
                    + ops.expand_dims(by_source, -1) * a_source[None, :, None]
                    - ops.sum(weighted, axis=2)
                )
                d_kernel = d_kernel + ops.concatenate(
                    [
                        ops.einsum("bhi,bhid->hd", by_target, targets),
                        ops.einsum("bhj,bhjd->hd", by_source, source),
                        ops.einsum("bhij,bhijd->hd", d_scores, ops.abs(differences)),
                    ],
                    axis=-1,
                )
            d_per_head = d_per_head + ops.concatenate(d_targets, axis=2)
            return d_per_head, d_kernel, ops.concatenate(d_bias, axis=1)

        return sums, backward

    return attend(per_head, attention_kernel, edge_bias)


# ------------------------------------------------------------------ softmax
def softmax(values):
    """Softmax over the last axis (also over an axis of size 1, without a warning:
    one feature or one group is a legitimate, if trivial, graph)."""
    if values.shape[-1] != 1:
        return ops.softmax(values, axis=-1)  # fused kernel and gradient
    shifted = values - ops.stop_gradient(ops.max(values, axis=-1, keepdims=True))
    exponentials = ops.exp(shifted)
    return exponentials / ops.sum(exponentials, axis=-1, keepdims=True)


def logit_gradient(adjacency, d_kept, row_terms, keep=None):
    """Gradient of the loss with respect to the logits of ``adjacency =
    softmax(logits)``, given ``d_kept``, the gradient with respect to the kept
    adjacency ``adjacency * keep`` (``keep`` None: nothing dropped), and
    ``row_terms`` ``r_i = sum_j adjacency_ij keep_ij d_kept_ij`` (B, H, F, 1).

    It is ``adjacency * (keep * d_kept - r)``: callers compute ``r`` from a
    small tensor, so the row sum over the F sources is never taken.
    """
    if keep is not None:
        d_kept = keep * d_kept
    return adjacency * (d_kept - row_terms)


def attention_sums(logits, values, keep=None):
    """``(softmax(logits) * keep) @ values`` with a hand-written backward pass.

    ``logits`` (B, H, F, F); ``values`` (B, 1 or H, F, C); ``keep`` a 0/1
    dropout mask of the shape of ``logits`` or None. The backward pass needs
    fewer passes over the B x H x F x F tensors than the chain of the
    softmax's and the product's own gradients.
    """
    if keep is None:

        @ops.custom_gradient
        def forward(logits, values):
            adjacency = softmax(logits)
            sums = ops.matmul(adjacency, values)

            def backward(*args, upstream=None):
                if upstream is None:
                    (upstream,) = args
                return _sums_gradients(upstream, adjacency, None, sums, values)

            return sums, backward

        return forward(logits, values)

    @ops.custom_gradient
    def dropped(logits, values, keep):
        adjacency = softmax(logits)
        sums = ops.matmul(adjacency * keep, values)

        def backward(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            d_logits, d_values = _sums_gradients(
                upstream, adjacency, keep, sums, values
            )
            return d_logits, d_values, ops.zeros_like(keep)

        return sums, backward

    return dropped(logits, values, keep)


def _sums_gradients(upstream, adjacency, keep, sums, values):
    """Gradients of ``sums = (adjacency * keep) @ values`` with respect to the
    logits and the values. With ``G = upstream @ values^T``,
    ``r_i = sum_c upstream_ic sums_ic``."""
    row_terms = ops.matmul(ops.expand_dims(upstream, -2), ops.expand_dims(sums, -1))[
        ..., 0
    ]  # r (B, H, F, 1), as a product: a sum over a short axis is slow
    d_kept = ops.matmul(upstream, ops.swapaxes(values, -1, -2))
    d_logits = logit_gradient(adjacency, d_kept, row_terms, keep)
    kept = adjacency if keep is None else adjacency * keep
    d_values = ops.matmul(ops.swapaxes(kept, -1, -2), upstream)
    if values.shape[1] == 1 and d_values.shape[1] != 1:
        d_values = ops.sum(d_values, axis=1, keepdims=True)  # broadcast over heads
    return d_logits, d_values


# ------------------------------------------------------------------ dropout
def mask_bits(dropout_rate):
    """Random bits per edge of the dropout mask: 8 (four edges per 32-bit
    draw) for rates from 1/16 on, 16 for smaller rates, which 1/256 steps
    would round coarsely."""
    return 8 if dropout_rate >= 1 / 16 else 16


def drop_steps(dropout_rate):
    """The dropout rate in steps of ``2**-mask_bits``."""
    levels = 2 ** mask_bits(dropout_rate)
    return min(round(dropout_rate * levels), levels - 1)


def dropout_scale(dropout_rate, dtype):
    """``1 / (1 - p)`` for the drop probability ``p`` the mask realises."""
    levels = 2 ** mask_bits(dropout_rate)
    return ops.cast(levels / (levels - drop_steps(dropout_rate)), dtype)


def keep_mask(shape, drop_steps, bits, seed_generator, dtype):
    """0/1 mask of ``shape`` (..., rows, columns), P(0) = drop_steps / 2**bits.

    Every 32-bit random draw decides ``32 // bits`` edges, one per 8- or
    16-bit slice (viewed as signed integers, uniform on [-2**(bits-1),
    2**(bits-1))): on CPU the random draws dominate the cost of the dropout.
    """
    *leading, rows, columns = shape
    draws = mask_draws(tuple(leading), rows * columns, bits, seed_generator)
    threshold = keep_threshold(drop_steps, bits)
    return keep_from_draws(draws, threshold, rows, columns, dtype)


def keep_from_draws(draws, threshold, rows, columns, dtype):
    """The 0/1 mask (..., rows, columns) that ``draws`` (..., D) int32 decide:
    their slices of the threshold's dtype keep an edge from ``threshold`` on."""
    slices = ops.view(draws, threshold.dtype)
    n_edges = rows * columns
    if slices.shape[-1] != n_edges:
        slices = slices[..., :n_edges]
    keep = ops.greater_equal(slices, threshold)
    leading = tuple(ops.shape(draws)[:-1])
    return ops.cast(ops.reshape(keep, leading + (rows, columns)), dtype)


def mask_draws(leading_shape, n_edges, bits, seed_generator):
    """The int32 random draws of a dropout mask: ``32 // bits`` edges each."""
    return keras.random.randint(
        leading_shape + (-(-n_edges // (32 // bits)),),
        minval=-(2**31),
        maxval=2**31 - 1,
        dtype="int32",
        seed=seed_generator,
    )


def keep_threshold(drop_steps, bits):
    """Slices at or above it keep their edge. Of the slices' own dtype: a
    Python int would promote them."""
    dtype = "int16" if bits == 16 else "int8"
    return ops.convert_to_tensor(drop_steps - 2 ** (bits - 1), dtype)
