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
    if getattr(graph, "ndim", 0) != 2 or graph.shape[0] != graph.shape[1]:
        raise ValueError(
            "Expected a fitted estimator or a square F x F DataFrame such as "
            f"feature_graph() returns; got {type(graph).__name__} of shape "
            f"{getattr(graph, 'shape', None)}."
        )
    return graph


def plot_feature_graph(
    graph, X=None, *, ax=None, cmap="viridis", vmin=None, vmax=None, colorbar=True
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
    cmap : str or Colormap, default="viridis"
    vmin, vmax : float, default=None
        Range of the color scale; by default it spans the weights, so that
        small differences show: read the colorbar (``vmin=0`` shows them to
        scale).
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
    frame = _graph(graph, X)
    ax = _axes(ax)
    image = ax.imshow(frame.to_numpy(), cmap=cmap, vmin=vmin, vmax=vmax)
    names = [str(name) for name in frame.columns]
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=90)
    ax.set_yticks(ticks, [str(name) for name in frame.index])
    ax.set_xlabel("source feature j")
    ax.set_ylabel("target feature i")
    ax.set_title("Feature graph A[i, j]")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="attention weight")
    return ax


def plot_feature_network(
    graph, k=10, X=None, *, ax=None, layout="circular", cmap="viridis", seed=0
):
    """The ``k`` strongest feature pairs drawn as a network.

    Every feature is a node; each of the ``k`` pairs of ``top_interactions``
    is an edge whose width and color grow with its weight ``A[a, b] + A[b, a]``,
    relative to the strongest edge.

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
    weights = pairs["weight"].to_numpy()
    # relative to the strongest edge, not stretched over the shown range: edges of
    # a nearly uniform graph should look nearly alike
    strongest = weights.max() if len(weights) else 0.0
    relative = weights / strongest if strongest > 0 else np.ones_like(weights)
    colormap = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    nx.draw_networkx_nodes(
        network, positions, ax=ax, node_color="#dddddd", edgecolors="#555555"
    )
    nx.draw_networkx_labels(network, positions, ax=ax, font_size=8)
    nx.draw_networkx_edges(
        network,
        positions,
        edgelist=list(zip(pairs["feature_a"], pairs["feature_b"], strict=True)),
        width=1.0 + 4.0 * relative,
        edge_color=[colormap(value) for value in relative],
        ax=ax,
    )
    ax.set_title(f"Top {len(pairs)} feature interactions")
    ax.set_axis_off()
    return ax


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
