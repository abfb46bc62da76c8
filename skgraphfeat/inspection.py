"""The feature graph of a fitted network, as numpy arrays and pandas frames.

The estimators' ``feature_graph``, ``explain``, ``top_interactions`` and
``feature_groups_`` are thin wrappers over these functions; they are public so
that a graph computed another way (for instance the mean of a few rows of
``explain``) can be summarised the same way.

Only numpy and pandas are imported here; Keras is imported when a network is
actually run.
"""

import numbers

import numpy as np
import pandas as pd

__all__ = ["graph_frame", "group_frame", "interaction_pairs"]

# Bound on the attention values (rows * blocks * heads * F * F) that one chunk of
# rows computes at once, here and in the network's forward pass (_training).
CHUNK_VALUES = 2**25
# The training summary: at most this many rows, and at most this many values in all,
# so that keeping it stays cheap at the end of every fit, whatever F is.
_SUMMARY_ROWS = 1000
_SUMMARY_VALUES = 2**24


def feature_names(estimator):
    """``feature_names_in_`` when the estimator has it, else ``x0, x1, ...``."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return [f"x{index}" for index in range(estimator.n_features_in_)]


def summary_rows(n_samples, n_blocks, num_heads, n_features):
    """Indices of the training rows whose mean adjacency is kept at fit.

    A fixed draw without replacement (seed 0), so the summary is the same for
    the same data; all rows when there are few.
    """
    per_row = n_blocks * num_heads * n_features**2
    n_rows = max(1, min(_SUMMARY_ROWS, _SUMMARY_VALUES // per_row))
    if n_samples <= n_rows:
        return np.arange(n_samples)
    rows = np.random.default_rng(0).choice(n_samples, size=n_rows, replace=False)
    return np.sort(rows)


def block_adjacency(model, n_blocks, X):
    """Adjacency of every graph block for consecutive row chunks of ``X``.

    Computed by ``skgraphfeat._model.Network.adjacency``: each block on the
    tensor the network itself feeds it.

    Parameters
    ----------
    model : keras.Model
        A network built by ``skgraphfeat._model.build_network``.
    n_blocks : int
        Number of graph blocks in ``model``.
    X : ndarray of shape (n_samples, n_features)
        Raw (unstandardized) features in the network's dtype.

    Yields
    ------
    adjacency : ndarray of shape (n_rows, n_blocks, n_heads, n_features, n_features)
        Row ``i`` of each F x F matrix sums to 1: how much feature ``i`` draws
        on every feature ``j`` for that sample.
    """
    from ._model import Network

    network = Network(model)
    first = network.blocks[0]
    per_row = n_blocks * first.num_heads * X.shape[1] ** 2
    if first._general_embeddings:  # the blocks materialise |h_i - h_j|
        per_row *= first.head_dim
    chunk = max(1, CHUNK_VALUES // per_row)
    for start in range(0, len(X), chunk):
        yield network.adjacency(X[start : start + chunk])


def mean_adjacency(model, n_blocks, X):
    """Adjacency averaged over the rows of ``X``, shape (n_blocks, H, F, F), float64."""
    total, n_rows = 0.0, 0
    for adjacency in block_adjacency(model, n_blocks, X):
        total = total + adjacency.sum(axis=0, dtype=np.float64)
        n_rows += len(adjacency)
    return total / n_rows


def row_adjacency(model, n_blocks, X, *, per_head=False, per_block=False):
    """Per-row adjacency of ``X``, averaged over the axes not asked for.

    Returns an array of shape (n, [n_blocks,] [H,] F, F): the block axis is
    kept with ``per_block``, the head axis with ``per_head``.
    """
    axes = tuple(axis for axis, keep in ((1, per_block), (2, per_head)) if not keep)
    chunks = [
        adjacency.mean(axis=axes) if axes else adjacency
        for adjacency in block_adjacency(model, n_blocks, X)
    ]
    return np.concatenate(chunks)


def graph_frame(adjacency, names, *, per_head=False, per_block=False):
    """Frame of a mean adjacency of shape (n_blocks, H, F, F).

    Parameters
    ----------
    adjacency : array-like of shape (n_blocks, n_heads, n_features, n_features)
    names : sequence of str
        Feature names.
    per_head, per_block : bool, default=False
        Keep the heads (the blocks) apart instead of averaging over them.

    Returns
    -------
    graph : DataFrame
        Index "target" (feature ``i``), columns "source" (feature ``j``).
        With ``per_block`` and/or ``per_head`` the index is a MultiIndex whose
        first levels are "block" and/or "head", so ``graph.loc[k]`` is the
        F x F graph of block (or head) ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgraphfeat.inspection import graph_frame
    >>> adjacency = np.full((1, 2, 3, 3), 1 / 3)
    >>> graph_frame(adjacency, ["a", "b", "c"]).round(3)
    source      a      b      c
    target
    a       0.333  0.333  0.333
    b       0.333  0.333  0.333
    c       0.333  0.333  0.333
    >>> graph_frame(adjacency, ["a", "b", "c"], per_head=True).shape
    (6, 3)
    """
    adjacency = np.asarray(adjacency, dtype=np.float64)
    n_blocks, n_heads, n_features, _ = adjacency.shape
    names = list(names)
    if not per_head:
        adjacency = adjacency.mean(axis=1, keepdims=True)
    if not per_block:
        adjacency = adjacency.mean(axis=0, keepdims=True)
    levels, labels = [], []
    if per_block:
        levels.append("block")
        labels.append(range(n_blocks))
    if per_head:
        levels.append("head")
        labels.append(range(n_heads))
    columns = pd.Index(names, name="source")
    values = adjacency.reshape(-1, n_features)
    if not levels:
        return pd.DataFrame(
            values, index=pd.Index(names, name="target"), columns=columns
        )
    index = pd.MultiIndex.from_product([*labels, names], names=[*levels, "target"])
    return pd.DataFrame(values, index=index, columns=columns)


def check_k(k):
    """Raise a ValueError unless ``k`` is a positive integer or None."""
    if k is not None and (
        isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1
    ):
        raise ValueError(f"k must be a positive integer or None; got k={k!r}.")


def interaction_pairs(graph, k=10):
    """The ``k`` strongest unordered feature pairs of an F x F graph.

    The weight of the pair ``{a, b}`` is ``A[a, b] + A[b, a]``: how much ``a``
    draws on ``b`` plus how much ``b`` draws on ``a``. Self-loops are left out.

    Parameters
    ----------
    graph : DataFrame of shape (n_features, n_features)
        A feature graph, such as returned by ``feature_graph()``.
    k : int or None, default=10
        Number of pairs to return; None (or more than there are) returns all
        ``F * (F - 1) / 2`` pairs.

    Returns
    -------
    pairs : DataFrame with columns "feature_a", "feature_b", "weight"
        Sorted by decreasing weight (ties in feature order); ``feature_a``
        comes before ``feature_b`` in the feature order.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgraphfeat.inspection import interaction_pairs
    >>> graph = pd.DataFrame(
    ...     [[0.5, 0.4, 0.1], [0.3, 0.5, 0.2], [0.1, 0.1, 0.8]],
    ...     index=["a", "b", "c"], columns=["a", "b", "c"])
    >>> interaction_pairs(graph, k=2)
      feature_a feature_b  weight
    0         a         b     0.7
    1         b         c     0.3
    """
    check_k(k)
    values = np.asarray(graph, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise ValueError(
            f"graph must be a square F x F frame; got shape {values.shape}. Pass "
            "feature_graph() without per_head or per_block."
        )
    names = list(graph.columns)
    first, second = np.triu_indices(len(names), k=1)
    weights = values[first, second] + values[second, first]
    order = np.argsort(-weights, kind="stable")[:k]
    return pd.DataFrame(
        {
            "feature_a": np.asarray(names, dtype=object)[first[order]],
            "feature_b": np.asarray(names, dtype=object)[second[order]],
            "weight": weights[order],
        }
    )


def group_frame(memberships, names):
    """Frame of soft group memberships of shape (n_blocks, F, G).

    Returns
    -------
    groups : DataFrame
        Columns "group_0" ... "group_{G-1}" (each row sums to 1) and "group",
        the most likely group's number. One row per feature, or with several
        blocks one per (block, feature): group numbers of different blocks are
        unrelated, so they are not averaged.

    Examples
    --------
    >>> import numpy as np
    >>> from skgraphfeat.inspection import group_frame
    >>> group_frame(np.array([[[0.9, 0.1], [0.2, 0.8]]]), ["a", "b"])
             group_0  group_1  group
    feature
    a            0.9      0.1      0
    b            0.2      0.8      1
    """
    memberships = np.asarray(memberships, dtype=np.float64)
    n_blocks, n_features, n_groups = memberships.shape
    names = list(names)
    values = memberships.reshape(-1, n_groups)
    frame = pd.DataFrame(values, columns=[f"group_{g}" for g in range(n_groups)])
    frame["group"] = np.argmax(values, axis=1)
    if n_blocks == 1:
        frame.index = pd.Index(names, name="feature")
    else:
        frame.index = pd.MultiIndex.from_product(
            [range(n_blocks), names], names=["block", "feature"]
        )
    return frame
