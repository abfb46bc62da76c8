"""Which ``tf.distribute`` strategy an estimator's ``distribution`` names."""

import functools

import tensorflow as tf


@functools.cache
def _mirrored_strategy():
    # one per process, so that fits share its compiled functions
    return tf.distribute.MirroredStrategy()


def resolve_distribution(distribution):
    """The ``tf.distribute.Strategy`` an estimator's ``distribution`` names.

    None stays None (the default device); "mirrored" is a process-wide
    ``MirroredStrategy()`` over every GPU, else the CPU.
    """
    if distribution is None:
        return None
    if isinstance(distribution, str):  # "mirrored", checked by the constraints
        return _mirrored_strategy()
    if not isinstance(distribution, tf.distribute.Strategy):
        raise TypeError(
            "distribution must be None, 'mirrored' or a tf.distribute.Strategy; "
            f"got {distribution!r} of type {type(distribution).__name__}."
        )
    return distribution
