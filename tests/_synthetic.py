"""Synthetic data whose feature interactions are known (tests and benchmarks use it)."""

import numpy as np


def make_pairwise_interactions(
    n_samples=2000, n_features=20, pairs=3, *, random_state=None
):
    """Binary labels that depend only on the products of a few feature pairs.

    Features are independent and uniform on [-1, 1]. With pairs ``(a_k, b_k)``
    and signs ``c_k = +-1``, the label is ``sum_k c_k x_a x_b > 0``; every
    feature in no pair is a distractor.

    Parameters
    ----------
    n_samples : int, default=2000
    n_features : int, default=20
    pairs : int or sequence of (int, int), default=3
        The pairs, or how many disjoint pairs to draw at random.
    random_state : int or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) of 0 and 1
    pairs : list of (int, int)
        The true pairs, each with ``a < b``.

    Examples
    --------
    >>> X, y, pairs = make_pairwise_interactions(100, 6, [(0, 1)], random_state=0)
    >>> X.shape, pairs
    ((100, 6), [(0, 1)])
    >>> bool(((X[:, 0] * X[:, 1] > 0) == y).all())
    True
    """
    rng = np.random.default_rng(random_state)
    if isinstance(pairs, int):
        if 2 * pairs > n_features:
            raise ValueError(
                f"{pairs} disjoint pairs need at least {2 * pairs} features"
            )
        chosen = rng.permutation(n_features)[: 2 * pairs].reshape(pairs, 2)
        pairs = [tuple(sorted(map(int, pair))) for pair in chosen]
    else:
        pairs = [tuple(sorted(map(int, pair))) for pair in pairs]
    signs = np.where(np.arange(len(pairs)) % 2 == 0, 1.0, -1.0)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, n_features))
    score = sum(s * X[:, a] * X[:, b] for s, (a, b) in zip(signs, pairs, strict=True))
    return X, (score > 0).astype(int), pairs


def pair_ranks(interactions, pairs, names):
    """Rank (1 = strongest) of each true pair in a ``top_interactions`` frame."""
    ranked = [
        frozenset(pair)
        for pair in zip(
            interactions["feature_a"], interactions["feature_b"], strict=True
        )
    ]
    return [ranked.index(frozenset((names[a], names[b]))) + 1 for a, b in pairs]
