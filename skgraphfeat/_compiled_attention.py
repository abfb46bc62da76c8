"""The factorised attention of the numeric path as XLA-compiled kernels.

TensorFlow backend only (``layers.py`` imports this module on first use there).
Executed op by op, the attention makes a dozen passes over the
(batch, heads, F, F) edge tensors forward and as many backward; compiled, the
element-wise chains fuse into a few loops. The forward pass and the two halves
of the backward pass (towards the edge-score coefficients, towards the input)
are separate compiled functions joined by ``tf.custom_gradient``, so that the
half a model does not need (the input's gradient, for a first layer) is pruned
from the graph.

The dropout's random draws are made outside, by Keras's generator: its
stateless draws are slow once compiled on CPU, and drawing outside keeps the
mask identical to the one of the uncompiled path.

Notation: ``x`` (B, F) the features; ``coefficients`` (H, 4) per head the
``alpha, beta, gamma, c`` of ``LeakyReLU(alpha x_i + beta x_j + gamma |x_i -
x_j| + c)``; ``draws`` (B, H, D) int32 random draws whose 8- or 16-bit slices
decide the edges (slice >= ``threshold``: kept), or None without dropout;
``edge_bias`` (H, F, F) or None. The sums are ``(softmax(logits) * keep) @
[x_j, 1]``, shape (B, H, F, 2).
"""

import tensorflow as tf

NEGATIVE_SLOPE = 0.2


def attention_sums(x, coefficients, draws, threshold, edge_bias=None):
    """Sums of the kept, unscaled adjacency times ``[x_j, 1]``, (B, H, F, 2),
    differentiable with respect to ``x``, ``coefficients`` and ``edge_bias``."""
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


def _scores(x, coefficients):
    """Edge scores before the LeakyReLU, (B, H, F, F)."""
    target, source = x[:, None, :, None], x[:, None, None, :]
    alpha, beta, gamma, offset = (
        coefficients[None, :, None, None, k] for k in range(4)
    )
    return alpha * target + beta * source + gamma * tf.abs(target - source) + offset


def _keep(draws, threshold, n_features, dtype):
    """0/1 dropout mask (B, H, F, F) from the draws' slices."""
    slices = tf.bitcast(draws, threshold.dtype)  # (B, H, D, 32 / bits)
    shape = tf.shape(slices)
    slices = tf.reshape(slices, (shape[0], shape[1], -1))[..., : n_features**2]
    keep = tf.cast(slices >= threshold, dtype)
    return tf.reshape(keep, (shape[0], shape[1], n_features, n_features))


def _logit_gradient(upstream, sums, adjacency, x, draws, threshold):
    """Gradient of the loss with respect to the logits, (B, H, F, F).

    With ``G_ij = upstream_i . [x_j, 1]`` (the gradient of the kept
    adjacency) and ``r_i = upstream_i . sums_i``, it is
    ``adjacency * (keep * G - r)``.
    """
    n_features = x.shape[1]
    mask_and_values = upstream[..., :1] * x[:, None, None, :] + upstream[..., 1:]
    if draws is not None:
        keep = _keep(draws, threshold, n_features, x.dtype)
        mask_and_values = keep * mask_and_values
    row_terms = tf.reduce_sum(upstream * sums, axis=-1, keepdims=True)
    return adjacency * (mask_and_values - row_terms)


def _score_gradient(d_logits, x, coefficients):
    """Through the LeakyReLU: gradient with respect to the scores."""
    positive = _scores(x, coefficients) > 0
    return tf.where(positive, d_logits, NEGATIVE_SLOPE * d_logits)


@tf.function(jit_compile=True)
def _forward(x, coefficients, draws, threshold, edge_bias):
    logits = tf.nn.leaky_relu(_scores(x, coefficients), alpha=NEGATIVE_SLOPE)
    if edge_bias is not None:
        logits = logits + edge_bias
    adjacency = tf.nn.softmax(logits, axis=-1)
    kept = adjacency
    if draws is not None:
        kept = adjacency * _keep(draws, threshold, x.shape[1], x.dtype)
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
    d_logits = _logit_gradient(upstream, sums, adjacency, x, draws, threshold)
    d_scores = _score_gradient(d_logits, x, coefficients)
    # one contraction with the four terms of every edge
    n_features = x.shape[1]
    edge_shape = (tf.shape(x)[0], n_features, n_features)
    target = tf.broadcast_to(x[:, :, None], edge_shape)
    source = tf.broadcast_to(x[:, None, :], edge_shape)
    terms = tf.stack(
        [target, source, tf.abs(target - source), tf.ones_like(target)], axis=-1
    )  # (B, F, F, 4)
    d_coefficients = tf.einsum("bhij,bijk->hk", d_scores, terms)
    d_edge_bias = None if edge_bias is None else tf.reduce_sum(d_logits, axis=0)
    return d_coefficients, d_edge_bias


@tf.function(jit_compile=True)
def _input_gradient(
    upstream, sums, adjacency, x, coefficients, draws, threshold, edge_bias
):
    d_logits = _logit_gradient(upstream, sums, adjacency, x, draws, threshold)
    d_scores = _score_gradient(d_logits, x, coefficients)
    target, source = x[:, None, :, None], x[:, None, None, :]
    alpha, beta, gamma = (coefficients[None, :, None, None, k] for k in range(3))
    sign = tf.sign(target - source)
    through_targets = tf.reduce_sum(d_scores * (alpha + gamma * sign), axis=(1, 3))
    through_sources = tf.reduce_sum(d_scores * (beta - gamma * sign), axis=(1, 2))
    kept = adjacency
    if draws is not None:
        kept = adjacency * _keep(draws, threshold, x.shape[1], x.dtype)
    through_values = tf.reduce_sum(kept * upstream[..., :1], axis=(1, 2))
    return through_targets + through_sources + through_values
