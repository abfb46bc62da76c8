"""The optimizer: Adam's step and the running average of the weights, on one
flat parameter vector (TensorFlow ops, inside the compiled epoch)."""

import tensorflow as tf

ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-8


def adam_step(params, grads, first_moments, second_moments, step, learning_rate):
    """One Adam step (Kingma & Ba, with the bias corrections folded into the
    rate): ``(params, first_moments, second_moments, step)`` after it."""
    step = step + 1
    m = ADAM_BETA_1 * first_moments + (1 - ADAM_BETA_1) * grads
    v = ADAM_BETA_2 * second_moments + (1 - ADAM_BETA_2) * tf.square(grads)
    rate = learning_rate * tf.sqrt(1 - ADAM_BETA_2**step) / (1 - ADAM_BETA_1**step)
    return params - rate * m / (tf.sqrt(v) + ADAM_EPSILON), m, v, step


def averaged(average, params, step, averaging):
    """The running average after step ``step`` moved the weights to ``params``.

    It moves towards them with decay ``(1 + t) / (3 + t)`` at step ``t``
    (times ``averaging``, so 0 keeps it equal to the weights): after ``T``
    steps from the start ``w_0`` it is ``(3 w_0 + sum_t (t + 2) w_t) /
    ((T + 2) (T + 3))``.
    """
    decay = averaging * (1 + step) / (3 + step)
    return params + decay * (average - params)
