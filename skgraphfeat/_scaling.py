"""The input scaling of the features: per-column mean and scale, one rule."""

import contextlib
import contextvars

import numpy as np

# The scaling a fit takes instead of learning it from its data (see preset).
_PRESET = contextvars.ContextVar("skgraphfeat_preset_scaling", default=None)


@contextlib.contextmanager
def preset(mean, scale):
    """Within the block, a fit that learns its input scaling takes ``mean`` and
    ``scale`` instead (``streaming.partial_fit_csv``: the whole file's, for its
    first ``partial_fit`` call). Per thread and task; nothing is set on an
    estimator."""
    token = _PRESET.set((np.asarray(mean), np.asarray(scale)))
    try:
        yield
    finally:
        _PRESET.reset(token)


def preset_in_effect():
    """The ``(mean, scale)`` of an enclosing ``preset`` block, or None."""
    return _PRESET.get()


def weighted_mean_and_scale(values, sample_weight):
    """Per-column weighted mean and standard deviation, by ``column_scaling``.

    Missing values (NaN) are left out of their column's statistics.
    """
    values = np.asarray(values, dtype=np.float64)
    weight = np.asarray(sample_weight, dtype=np.float64)
    present = ~np.isnan(values)
    weights = np.where(present, weight[:, None], 0.0)
    totals = weights.sum(axis=0)
    safe_totals = np.where(totals > 0, totals, 1.0)
    filled = np.where(present, values, 0.0)
    mean = (weights * filled).sum(axis=0) / safe_totals
    variance = (weights * np.square(filled - mean)).sum(axis=0) / safe_totals
    first = np.argmax(present & (weight[:, None] > 0), axis=0)
    first_values = filled[first, np.arange(values.shape[1])] if len(values) else mean
    return column_scaling(mean, variance, totals, first_values)


def column_scaling(mean, variance, weight, value):
    """The input scaling of each column from its statistics: one rule for
    every path that learns it (``fit``, ``skgraphfeat.streaming``).

    ``weight`` is the column's total weight of present values and ``value``
    any one of them. A constant column is centred exactly on its value (a
    rounded mean of huge values would leave a large offset) and left unscaled;
    a column without any value gets mean 0 and scale 1.
    """
    mean, value = np.asarray(mean, np.float64), np.asarray(value, np.float64)
    scale = np.sqrt(np.asarray(variance, dtype=np.float64))
    empty = ~(np.asarray(weight) > 0)
    constant = empty | ~(scale > 1e-12 * np.maximum(1.0, np.abs(mean)))
    mean = np.where(empty, 0.0, np.where(constant, value, mean))
    return mean, np.where(constant, 1.0, scale)
