"""The graph layer's attention as XLA-compiled kernels: the factorised numeric
path and the general path (embeddings that are not ``x_f * w + b``).

TensorFlow backend only (``layers.py`` imports this module on first use there).
Executed op by op, the attention makes a dozen passes over the
(batch, heads, F, F) edge tensors forward and as many backward; compiled, the
element-wise chains fuse into a few loops. The forward pass and the two halves
of the backward pass (towards the edge-score coefficients, towards the input)
are separate compiled functions joined by ``tf.custom_gradient``, so that the
half a model does not need (the input's gradient, for a first layer) is pruned
from the graph.

Both entry points run their kernels on the two halves of the batch
(``_on_batch_halves``): the halves are independent ops, which TensorFlow's
inter-op threads run at once where there are two cores or more (a compiled
loop runs on one thread), and each half's temporaries are half as large. The
split is the same on every machine, so the results do not depend on the
number of cores.

The pieces (scores, LeakyReLU, softmax gradient, keep mask) are those of
``_attention``, which the op-by-op path of the layer uses too; this module
only arranges them for XLA. The dropout's random draws are made outside, by
Keras's generator: its stateless draws are slow once compiled on CPU, and
drawing outside keeps the mask identical to the one of the uncompiled path.

Notation: ``x`` (B, F) the features; ``coefficients`` (H, 4) per head the
``alpha, beta, gamma, c`` of ``LeakyReLU(alpha x_i + beta x_j + gamma |x_i -
x_j| + c)``; ``draws`` (B, H, D) int32 random draws whose 8- or 16-bit slices
decide the edges (slice >= ``threshold``: kept), or None without dropout;
``edge_bias`` (H, F, F) or None. The sums are ``(softmax(logits) * keep) @
[x_j, 1]``, shape (B, H, F, 2).
"""

import tensorflow as tf

from ._attention import (
    edge_terms,
    general_scores,
    keep_from_draws,
    logit_gradient,
    logits_of,
    numeric_scores,
    score_gradient,
    softmax,
)


def attention_sums(x, coefficients, draws, threshold, edge_bias=None):
    """Sums of the kept, unscaled adjacency times ``[x_j, 1]``, (B, H, F, 2),
    differentiable with respect to ``x``, ``coefficients`` and ``edge_bias``."""
    return _on_batch_halves(
        _attention_sums, (x, draws), coefficients, threshold, edge_bias
    )


def _on_batch_halves(kernel, batched, *shared):
    """``kernel(*batched, *shared)`` computed on the first and the second half
    of the batch (the rows of every tensor in ``batched``; None stays None)
    and concatenated along the batch."""
    size = tf.shape(batched[0])[0]
    sizes = tf.stack([size // 2, size - size // 2])
    halves = [
        (None, None) if tensor is None else tf.split(tensor, sizes, num=2)
        for tensor in batched
    ]
    return tf.concat(
        [kernel(*(pair[k] for pair in halves), *shared) for k in range(2)], axis=0
    )


def _attention_sums(x, draws, coefficients, threshold, edge_bias):
    extra = () if edge_bias is None else (edge_bias,)

    @tf.custom_gradient
    def forward(x, coefficients, *edge_bias):
        bias = edge_bias[0] if edge_bias else None
        sums, adjacency = _forward(x, coefficients, draws, threshold, bias)

        def backward(upstream):
            d_coefficients, d_edge_bias = _parameter_gradients(
                upstream, sums, adjacency, x, coefficients, draws, threshold, bias
            )
            d_x = _input_gradient(
                upstream, sums, adjacency, x, coefficients, draws, threshold, bias
            )
            return (d_x, d_coefficients) + ((d_edge_bias,) if edge_bias else ())

        return sums, backward

    return forward(x, coefficients, *extra)


def _keep(draws, threshold, n_features, dtype):
    """The 0/1 keep mask (B, H, F, F) the draws decide; None without them."""
    if draws is None:
        return None
    return keep_from_draws(draws, threshold, n_features, n_features, dtype)


def _score_gradients(upstream, sums, adjacency, x, coefficients, draws, threshold):
    """Gradient of the loss with respect to the logits and to the scores,
    (B, H, F, F) each. The gradient of the kept adjacency is
    ``upstream_i . [x_j, 1]`` and ``r_i = upstream_i . sums_i``."""
    d_kept = upstream[..., :1] * x[:, None, None, :] + upstream[..., 1:]
    row_terms = tf.reduce_sum(upstream * sums, axis=-1, keepdims=True)
    keep = _keep(draws, threshold, x.shape[1], x.dtype)
    d_logits = logit_gradient(adjacency, d_kept, row_terms, keep)
    return d_logits, score_gradient(
        d_logits, numeric_scores(x, coefficients, fused=True) > 0
    )


@tf.function(jit_compile=True)
def _forward(x, coefficients, draws, threshold, edge_bias):
    adjacency = softmax(
        logits_of(numeric_scores(x, coefficients, fused=True), edge_bias)
    )
    keep = _keep(draws, threshold, x.shape[1], x.dtype)
    kept = adjacency if keep is None else adjacency * keep
    # two row sums rather than a product with [x_j, 1]: they fuse with the
    # element-wise chain
    sums = tf.stack(
        [
            tf.reduce_sum(kept * x[:, None, None, :], axis=-1),
            tf.reduce_sum(kept, axis=-1),
        ],
        axis=-1,
    )
    return sums, adjacency


@tf.function(jit_compile=True)
def _parameter_gradients(
    upstream, sums, adjacency, x, coefficients, draws, threshold, edge_bias
):
    d_logits, d_scores = _score_gradients(
        upstream, sums, adjacency, x, coefficients, draws, threshold
    )
    # one contraction with the four terms of every edge
    d_coefficients = tf.einsum("bhij,bkij->hk", d_scores, edge_terms(x))
    d_edge_bias = None if edge_bias is None else tf.reduce_sum(d_logits, axis=0)
    return d_coefficients, d_edge_bias


@tf.function(jit_compile=True)
def _input_gradient(
    upstream, sums, adjacency, x, coefficients, draws, threshold, edge_bias
):
    _, d_scores = _score_gradients(
        upstream, sums, adjacency, x, coefficients, draws, threshold
    )
    # the scores' derivatives with respect to x_i (targets) and x_j (sources)
    target, source = x[:, None, :, None], x[:, None, None, :]
    alpha, beta, gamma = (coefficients[None, :, None, None, k] for k in range(3))
    sign = tf.sign(target - source)
    through_targets = tf.reduce_sum(d_scores * (alpha + gamma * sign), axis=(1, 3))
    through_sources = tf.reduce_sum(d_scores * (beta - gamma * sign), axis=(1, 2))
    keep = _keep(draws, threshold, x.shape[1], x.dtype)
    kept = adjacency if keep is None else adjacency * keep
    through_values = tf.reduce_sum(kept * upstream[..., :1], axis=(1, 2))
    return through_targets + through_sources + through_values


def general_attention_sums(per_head, attention_kernel, draws, threshold, edge_bias):
    """Sums of the kept, unscaled adjacency times the general embeddings
    ``per_head`` (B, H, F, d), shape (B, H, F, d), differentiable with respect
    to ``per_head``, the scoring vectors ``attention_kernel`` (H, 3d) and
    ``edge_bias`` (H, F, F; None: no bias). Compiled, the differences
    ``|h_i - h_j|`` (B, H, F, F, d) are fused into the loops that reduce them
    and never stored."""
    return _on_batch_halves(
        _general_attention_sums, (per_head, draws), attention_kernel, threshold,
        edge_bias,
    )  # fmt: skip


def _general_attention_sums(per_head, draws, attention_kernel, threshold, edge_bias):
    extra = () if edge_bias is None else (edge_bias,)

    @tf.custom_gradient
    def forward(per_head, attention_kernel, *edge_bias):
        bias = edge_bias[0] if edge_bias else None
        sums, adjacency, positive = _general_forward(
            per_head, attention_kernel, draws, threshold, bias
        )

        def backward(upstream):
            d_per_head, d_kernel, d_bias = _general_gradients(
                upstream, sums, adjacency, positive, per_head, attention_kernel,
                draws, threshold, bias,
            )  # fmt: skip
            return (d_per_head, d_kernel) + ((d_bias,) if edge_bias else ())

        return sums, backward

    return forward(per_head, attention_kernel, *extra)


@tf.function(jit_compile=True)
def _general_forward(per_head, attention_kernel, draws, threshold, edge_bias):
    scores = general_scores(per_head, attention_kernel, fused=True)
    adjacency = softmax(logits_of(scores, edge_bias))
    keep = _keep(draws, threshold, per_head.shape[2], per_head.dtype)
    kept = adjacency if keep is None else adjacency * keep
    # the LeakyReLU's side of every score, kept for the backward pass so that
    # it need not recompute the scores from the (B, H, F, F, d) differences
    return tf.matmul(kept, per_head), adjacency, scores > 0


@tf.function(jit_compile=True)
def _general_gradients(
    upstream, sums, adjacency, positive, per_head, attention_kernel, draws,
    threshold, edge_bias,
):  # fmt: skip
    keep = _keep(draws, threshold, per_head.shape[2], per_head.dtype)
    kept = adjacency if keep is None else adjacency * keep
    d_kept = tf.matmul(upstream, per_head, transpose_b=True)
    row_terms = tf.reduce_sum(upstream * sums, axis=-1, keepdims=True)
    d_logits = logit_gradient(adjacency, d_kept, row_terms, keep)
    d_bias = None if edge_bias is None else tf.reduce_sum(d_logits, axis=0)
    d_scores = score_gradient(d_logits, positive)
    d = per_head.shape[-1]
    a_target, a_source = attention_kernel[:, :d], attention_kernel[:, d : 2 * d]
    a_difference = attention_kernel[:, 2 * d :]
    by_target = tf.reduce_sum(d_scores, axis=-1)  # (B, H, F)
    by_source = tf.reduce_sum(d_scores, axis=-2)
    # The differences' term in one pass over the (B, H, F, F, d) signs:
    # sign(h_i - h_j) = -sign(h_j - h_i), so feature i's share as a target
    # and as a source adds up to sum_j (s_ij + s_ji) sign(h_i - h_j); and
    # sum_ij s_ij |h_i - h_j| = sum_i h_i . that same sum, for the kernel.
    symmetric = d_scores + tf.transpose(d_scores, (0, 1, 3, 2))
    signs = tf.sign(per_head[:, :, :, None, :] - per_head[:, :, None, :, :])
    through_differences = tf.reduce_sum(symmetric[..., None] * signs, axis=3)
    d_per_head = (
        tf.matmul(kept, upstream, transpose_a=True)
        + by_target[..., None] * a_target[None, :, None]
        + by_source[..., None] * a_source[None, :, None]
        + through_differences * a_difference[None, :, None]
    )
    d_kernel = tf.concat(
        [
            tf.einsum("bhi,bhid->hd", by_target, per_head),
            tf.einsum("bhj,bhjd->hd", by_source, per_head),
            tf.einsum("bhid,bhid->hd", through_differences, per_head),
        ],
        axis=-1,
    )
    return d_per_head, d_kernel, d_bias
