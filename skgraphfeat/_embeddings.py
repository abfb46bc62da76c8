"""How the graph layer embeds its inputs: numbers, categories and NaN.

Functions of the layer's weights in Keras ops; ``layers.py`` owns the weights.
"""

import math

import keras

ops = keras.ops


def numeric_embedding(values, kernel, bias, frequencies=None):
    """The embedding (B, F, E) of numeric values (B, F).

    Without ``frequencies``: ``values * kernel + bias``, with ``kernel`` and
    ``bias`` of shape (E,) (shared by all features) or (F, E) (per feature).
    With ``frequencies`` (F, K): the periodic embedding ``ReLU([sin 2 pi c x;
    cos 2 pi c x] @ kernel[f] + bias[f])``, ``kernel`` (F, 2K, E).
    """
    if frequencies is None:
        return ops.expand_dims(values, -1) * kernel + bias
    angles = (2 * math.pi) * ops.expand_dims(values, -1) * frequencies  # (B, F, K)
    periodic = ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)
    return ops.relu(ops.einsum("bfk,fke->bfe", periodic, kernel) + bias)


def embed(
    x,
    kernel,
    bias,
    cardinalities,
    missing_offsets=None,
    category_table=None,
    frequencies=None,
):
    """Every feature's embedding, (B, F, E), categories and NaN included.

    A numeric value ``x_f`` is embedded by ``numeric_embedding``; a missing
    one (NaN), with ``missing_offsets`` (F, E), as the embedding of 0 plus
    ``missing_offsets[f]``; a categorical feature's code (``cardinalities[f] >
    0``) picks its row of ``category_table`` (see ``category_rows``).
    """
    missing = ops.isnan(x)
    categorical = [n > 0 for n in cardinalities]
    numeric_values = ops.where(
        ops.logical_or(missing, ops.convert_to_tensor(categorical)), 0.0, x
    )
    embedded = numeric_embedding(numeric_values, kernel, bias, frequencies)
    if missing_offsets is not None:
        numeric_missing = ops.logical_and(
            missing, ops.convert_to_tensor([not c for c in categorical])
        )
        embedded = ops.where(
            ops.expand_dims(numeric_missing, -1), embedded + missing_offsets, embedded
        )
    if any(categorical):
        rows = ops.take(
            category_table, category_rows(x, missing, cardinalities), axis=0
        )
        embedded = ops.where(
            ops.convert_to_tensor(categorical)[:, None], rows, embedded
        )
    return embedded


def category_table_rows(cardinalities):
    """Rows of the category table: per categorical feature its categories,
    then "unknown", then "missing"."""
    return sum(n + 2 for n in cardinalities if n)


def category_rows(x, missing, cardinalities):
    """Row of the category table for every value, shape (batch, F).

    Codes outside ``0 .. n-1`` (or not whole) point at the feature's "unknown"
    row, NaN at its "missing" row. Numeric features point at row 0; their
    lookup is discarded.
    """
    first, last, unknown, missing_row = [], [], [], []
    start = 0
    for n in cardinalities:
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
