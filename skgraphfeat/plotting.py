"""Plots of the feature graph (matplotlib; networkx for the network view).

Each function draws on ``ax`` (the current Axes when None) and returns it, so the
plots compose with the rest of a figure. They take a fitted estimator or the
frame that it returns (``feature_graph()``, ``feature_groups_``), and work
headless with the Agg backend. Install the extra with
``pip install "skgraphfeat[plot]"``.
"""

import numpy as np

from .inspection import interaction_pairs

__all__ = ["plot_feature_graph", "plot_feature_groups", "plot_feature_network"]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def _graph(graph, X):
    """The F x F frame of ``graph``: a fitted estimator or a frame already."""
    if hasattr(graph, "feature_graph"):
        return graph.feature_graph(X)
    if X is not None:
        raise ValueError("X is only used when a fitted estimator is passed.")
    shape = getattr(graph, "shape", (0,))
    if getattr(graph, "ndim", 0) != 2 or shape[0] != shape[1] or shape[0] == 0:
        raise ValueError(
            "Expected a fitted estimator or a square F x F DataFrame such as "
            f"feature_graph() returns; got {type(graph).__name__} of shape "
            f"{getattr(graph, 'shape', None)}."
        )
    return graph


# A graph whose every weight lies within this factor of uniform (1/F) is
# called flat on the plots.
FLAT_WITHIN = 1.25


def _is_flat(weights):
    """Whether every weight of an F x F graph is within ``FLAT_WITHIN`` of 1/F."""
    ratios = np.asarray(weights) * np.shape(weights)[-1]
    return bool(ratios.max() <= FLAT_WITHIN and ratios.min() >= 1 / FLAT_WITHIN)


def _uniformity_note(weights):
    """How far the weights of an F x F graph are from uniform (1/F)."""
    ratios = np.asarray(weights) * np.shape(weights)[-1]
    note = f"weights {ratios.min():.2f}x to {ratios.max():.2f}x uniform"
    if _is_flat(weights):
        note += ": a flat graph, no pair stands out"
    return note


def plot_feature_graph(
    graph, X=None, *, ax=None, cmap=None, vmin=None, vmax=None, colorbar=True
):
    """Heatmap of the feature graph: row ``i`` is how much feature ``i`` draws on each.

    Parameters
    ----------
    graph : fitted estimator or DataFrame of shape (n_features, n_features)
        An estimator of :mod:`skgraphfeat`, or the frame ``feature_graph()``
        returns.
    X : array-like of shape (n_samples, n_features), default=None
        Rows to average the graph over (estimator only); None uses the training
        summary. A single row gives that row's graph, a local explanation.
    ax : matplotlib Axes, default=None
        Where to draw; the current Axes when None.
    cmap : str or Colormap, default=None
        With neither ``cmap`` nor ``vmin``/``vmax``, weights are drawn against
        uniform: white is ``1/F`` (every source alike), red above, blue below,
        on a scale that spans the weights. Otherwise the colormap (viridis by
        default) spans ``vmin`` to ``vmax``.
    vmin, vmax : float, default=None
        Range of the color scale; by default the weights' range (``vmin=0``
        shows the weights to scale).

        The title says how far the weights are from uniform, and calls the
        graph flat when every weight is within a factor 1.25 of ``1/F``.
    colorbar : bool, default=True
        Add a colorbar for the adjacency weights.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    plot_feature_network : The strongest pairs as a network.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skgraphfeat import GraphFeatureClassifier
    >>> from skgraphfeat.plotting import plot_feature_graph
    >>> X = np.random.default_rng(0).uniform(-1, 1, size=(60, 4))
    >>> clf = GraphFeatureClassifier(max_iter=3, random_state=0)
    >>> clf.fit(X, X[:, 0] * X[:, 1] > 0)
    GraphFeatureClassifier(max_iter=3, random_state=0)
    >>> import matplotlib.pyplot as plt
    >>> fig, (left, right) = plt.subplots(1, 2)
    >>> plot_feature_graph(clf, ax=left).get_xlabel()
    'source feature j'
    >>> ax = plot_feature_graph(clf, X[:1], ax=right)  # the graph of one row
    """
    from matplotlib.colors import TwoSlopeNorm

    frame = _graph(graph, X)
    ax = _axes(ax)
    weights = frame.to_numpy()
    uniform = 1.0 / weights.shape[1]
    label = "attention weight"
    if cmap is None and vmin is None and vmax is None:
        spread = max(np.abs(weights - uniform).max(), 1e-3 * uniform)
        norm = TwoSlopeNorm(uniform, uniform - spread, uniform + spread)
        image = ax.imshow(weights, cmap="RdBu_r", norm=norm)
        label += f" (white: 1/F = {uniform:.3g})"
    else:
        image = ax.imshow(weights, cmap=cmap or "viridis", vmin=vmin, vmax=vmax)
    names = [str(name) for name in frame.columns]
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=90)
    ax.set_yticks(ticks, [str(name) for name in frame.index])
    ax.set_xlabel("source feature j")
    ax.set_ylabel("target feature i")
    ax.set_title(f"Feature graph A[i, j]\n{_uniformity_note(weights)}")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=label)
    return ax


def plot_feature_network(
    graph, k=10, X=None, *, ax=None, layout="circular", cmap="viridis", seed=0
):
    """The ``k`` strongest feature pairs drawn as a network.

    Every feature is a node; each of the ``k`` pairs of ``top_interactions``
    is an edge whose width and color grow with how far its weight ``A[a, b] +
    A[b, a]`` exceeds the weight of a pair in a uniform graph, ``2/F``: an edge
    at uniform is drawn thin and pale, one at three times uniform or more at
    full width. The title gives the strongest pair's multiple of uniform and
    calls the graph flat when every weight of it is within a factor 1.25 of
    uniform (``1/F``), as :func:`plot_feature_graph` does.

    Parameters
    ----------
    graph : fitted estimator or DataFrame of shape (n_features, n_features)
        An estimator of :mod:`skgraphfeat`, or the frame ``feature_graph()``
        returns.
    k : int, default=10
        Number of edges to draw.
    X : array-like of shape (n_samples, n_features), default=None
        Rows to average the graph over (estimator only); None uses the training
        summary.
    ax : matplotlib Axes, default=None
    layout : {"circular", "spring"}, default="circular"
        Node placement; "spring" pulls strongly linked features together.
    cmap : str or Colormap, default="viridis"
        Colormap of the edges.
    seed : int, default=0
        Seed of the spring layout.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    plot_feature_graph : The whole graph as a heatmap.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from skgraphfeat.plotting import plot_feature_network
    >>> graph = pd.DataFrame([[0.5, 0.4, 0.1], [0.3, 0.5, 0.2], [0.1, 0.1, 0.8]],
    ...                      index=list("abc"), columns=list("abc"))
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_feature_network(graph, k=2, ax=ax) is ax
    True
    """
    import matplotlib as mpl
    import networkx as nx

    if layout not in ("circular", "spring"):
        raise ValueError(
            f"layout must be 'circular' or 'spring'; got layout={layout!r}."
        )
    frame = _graph(graph, X)
    pairs = interaction_pairs(frame, k=k)
    network = nx.Graph()
    network.add_nodes_from(frame.columns)
    for a, b, weight in pairs.itertuples(index=False):
        network.add_edge(a, b, weight=weight)
    if layout == "circular":
        positions = nx.circular_layout(network)
    else:
        positions = nx.spring_layout(network, weight="weight", seed=seed)
    ax = _axes(ax)
    ratios = pairs["weight"].to_numpy() * len(frame.columns) / 2.0
    excess = np.clip((ratios - 1.0) / 2.0, 0.0, 1.0)  # 0 at uniform, 1 from 3x
    colormap = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    nx.draw_networkx_nodes(
        network, positions, ax=ax, node_color="#dddddd", edgecolors="#555555",
        node_size=120,
    )  # fmt: skip
    nx.draw_networkx_edges(
        network,
        positions,
        edgelist=list(zip(pairs["feature_a"], pairs["feature_b"], strict=True)),
        width=0.5 + 4.5 * excess,
        edge_color=[colormap(0.15 + 0.85 * value) for value in excess],
        ax=ax,
    )
    _outer_labels(ax, positions)
    strongest = f"{ratios.max():.2f}x" if len(ratios) else "-"
    note = f"strongest pair {strongest} uniform (2/F)"
    if _is_flat(frame.to_numpy()):
        note += ": a flat graph"
    ax.set_title(f"Top {len(pairs)} feature interactions\n{note}")
    ax.set_axis_off()
    return ax


def _outer_labels(ax, positions):
    """Node labels outside the nodes, pointing away from the layout's centre,
    so that they neither cover the nodes nor run into each other's side."""
    centre = np.mean(list(positions.values()), axis=0)
    for name, (x, y) in positions.items():
        dx, dy = x - centre[0], y - centre[1]
        norm = np.hypot(dx, dy) or 1.0
        ax.annotate(
            str(name), (x, y), xytext=(10 * dx / norm, 10 * dy / norm),
            textcoords="offset points", fontsize=8, va="center",
            ha="left" if dx >= 0 else "right",
        )  # fmt: skip
    ax.margins(0.25)


def plot_feature_groups(groups, *, ax=None, cmap="Blues", colorbar=True):
    """Heatmap of the soft group memberships of a hierarchical estimator.

    Each row is a feature, each column a group; a dot marks the feature's most
    likely group.

    Parameters
    ----------
    groups : fitted estimator or DataFrame
        An estimator fitted with ``hierarchical=True``, or its
        ``feature_groups_``.
    ax : matplotlib Axes, default=None
    cmap : str or Colormap, default="Blues"
    colorbar : bool, default=True

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skgraphfeat.inspection import group_frame
    >>> from skgraphfeat.plotting import plot_feature_groups
    >>> groups = group_frame(np.array([[[0.9, 0.1], [0.2, 0.8]]]), ["a", "b"])
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_feature_groups(groups, ax=ax).get_xlabel()
    'group'
    """
    if hasattr(groups, "get_params"):
        if not hasattr(groups, "feature_groups_"):
            raise ValueError(
                "plot_feature_groups needs an estimator fitted with hierarchical=True."
            )
        groups = groups.feature_groups_
    membership = groups.filter(regex=r"^group_\d+$")
    ax = _axes(ax)
    image = ax.imshow(
        membership.to_numpy(), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto"
    )
    rows = np.arange(len(groups))
    ax.scatter(groups["group"].to_numpy(), rows, s=12, c="#d62728", label="most likely")
    labels = [
        ":".join(map(str, name)) if isinstance(name, tuple) else str(name)
        for name in groups.index
    ]
    ax.set_yticks(rows, labels)
    ax.set_xticks(np.arange(membership.shape[1]), range(membership.shape[1]))
    ax.set_xlabel("group")
    ax.set_ylabel("feature")
    ax.set_title("Soft feature groups")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="membership")
    return ax
