"""The learned feature graph of a fitted estimator.

The computation lives in :mod:`skgraphfeat.inspection`; this mixin validates the
input, feeds the fitted network to it and names the result after the features.
"""

import numpy as np

from . import inspection

_NOT_HIERARCHICAL = (
    "feature_groups_ is only available for an estimator fitted with hierarchical=True."
)


class FeatureGraphMixin:
    """Read the graph that the fitted network learned over the features.

    Every graph block computes, for each sample and attention head, an F x F
    adjacency ``A``: row ``i`` holds how much feature ``i`` draws on each
    feature ``j`` and sums to 1. These methods average it, keep it per row, rank
    the feature pairs by it, and read the learned feature groups.
    """

    @staticmethod
    def _graph_summary_of(model, spec, X):
        """The mean adjacency over at most 1000 rows of the training data ``X``.

        Only the (n_blocks, H, F, F) mean is kept, never the rows themselves.
        The rows are a fixed draw, so refitting on the same data gives the same
        summary; wide data gets fewer rows (rows * blocks * heads * F**2 stays
        under 2**24), so that this stays cheap at the end of every fit.
        """
        rows = inspection.summary_rows(
            len(X), spec.n_blocks, spec.num_heads, spec.n_features
        )
        X = np.asarray(X[rows], dtype=spec.dtype)
        return inspection.mean_adjacency(model, spec.n_blocks, X)

    def _graph_input(self, X):
        X = self._validated_input(X, reset=False)
        return np.asarray(X, dtype=self._spec.dtype)

    def feature_graph(self, X=None, *, per_head=False, per_block=False):
        """The learned adjacency between the features, averaged over rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None, default=None
            Rows to average the per-sample adjacency over. None uses the summary
            kept at fit: the mean over a fixed draw of at most 1000 training
            rows (fewer for wide data, so that rows * blocks * heads * F**2
            stays under 2**24). After ``partial_fit`` it summarises the last
            chunk.
        per_head : bool, default=False
            Keep the attention heads apart instead of averaging over them.
        per_block : bool, default=False
            Keep the graph blocks apart instead of averaging over them.

        Returns
        -------
        graph : DataFrame
            ``graph.loc[i, j]`` is how much target feature ``i`` draws on source
            feature ``j``; every row sums to 1. Index "target", columns
            "source", both named after ``feature_names_in_`` (else ``x0, x1,
            ...``). With ``per_block`` and/or ``per_head`` the index is a
            MultiIndex with levels "block" and/or "head" before "target", so
            ``graph.loc[k]`` is the graph of block (or head) ``k``.

        See Also
        --------
        explain : The adjacency of each row.
        top_interactions : The strongest feature pairs of this graph.

        Examples
        --------
        >>> import numpy as np
        >>> from skgraphfeat import GraphFeatureClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = rng.uniform(-1, 1, size=(60, 3))
        >>> y = X[:, 0] * X[:, 1] > 0
        >>> clf = GraphFeatureClassifier(max_iter=5, random_state=0).fit(X, y)
        >>> graph = clf.feature_graph()
        >>> graph.shape, list(graph.columns)
        ((3, 3), ['x0', 'x1', 'x2'])
        >>> np.allclose(graph.sum(axis=1), 1.0)
        True
        >>> clf.feature_graph(X[:10], per_head=True).shape  # 4 heads
        (12, 3)
        """
        if X is None:
            from sklearn.utils.validation import check_is_fitted

            check_is_fitted(self)
            adjacency = self._graph_summary
        else:
            X = self._graph_input(X)
            adjacency = inspection.mean_adjacency(self.model_, self._spec.n_blocks, X)
        return inspection.graph_frame(
            adjacency,
            inspection.feature_names(self),
            per_head=per_head,
            per_block=per_block,
        )

    def explain(self, X, *, per_head=False, per_block=False):
        """The adjacency between the features for every row of ``X``.

        A local explanation: for each sample, how much each feature drew on
        each other feature when the network processed that sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        per_head : bool, default=False
            Keep the attention heads apart instead of averaging over them.
        per_block : bool, default=False
            Keep the graph blocks apart instead of averaging over them.

        Returns
        -------
        adjacency : ndarray of shape (n_samples, [n_blocks,] [n_heads,] F, F)
            ``adjacency[n, ..., i, j]`` is how much feature ``i`` draws on
            feature ``j`` for sample ``n``; it sums to 1 over ``j``. The block
            axis is there with ``per_block``, the head axis with ``per_head``.
            Float64 or float32, as the network computes.

        See Also
        --------
        feature_graph : The same adjacency averaged over rows, as a frame.

        Examples
        --------
        >>> import numpy as np
        >>> from skgraphfeat import GraphFeatureRegressor
        >>> X = np.random.default_rng(0).uniform(-1, 1, size=(60, 3))
        >>> reg = GraphFeatureRegressor(max_iter=5, random_state=0)
        >>> reg.fit(X, X[:, 0] * X[:, 1]).explain(X[:2]).shape
        (2, 3, 3)
        >>> reg.explain(X[:2], per_head=True).shape
        (2, 4, 3, 3)
        >>> np.allclose(reg.explain(X[:2]).sum(axis=-1), 1.0)
        True
        """
        X = self._graph_input(X)
        return inspection.row_adjacency(
            self.model_, self._spec.n_blocks, X, per_head=per_head, per_block=per_block
        )

    def top_interactions(self, k=10, X=None):
        """The ``k`` strongest feature pairs of the feature graph.

        The weight of the unordered pair ``{a, b}`` is ``A[a, b] + A[b, a]`` of
        ``feature_graph(X)``: how much ``a`` draws on ``b`` plus how much ``b``
        draws on ``a``, so it lies in [0, 2]. Self-loops are left out.

        Parameters
        ----------
        k : int or None, default=10
            Number of pairs; None (or more than there are) returns all
            ``F * (F - 1) / 2`` pairs.
        X : array-like of shape (n_samples, n_features) or None, default=None
            Rows to average the graph over; None uses the training summary.

        Returns
        -------
        pairs : DataFrame with columns "feature_a", "feature_b", "weight"
            Sorted by decreasing weight; ``feature_a`` precedes ``feature_b``
            in the feature order.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from skgraphfeat import GraphFeatureClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = pd.DataFrame(rng.uniform(-1, 1, size=(60, 3)), columns=["a", "b", "c"])
        >>> y = X["a"] * X["b"] > 0
        >>> clf = GraphFeatureClassifier(max_iter=5, random_state=0).fit(X, y)
        >>> pairs = clf.top_interactions(k=2)
        >>> list(pairs.columns), len(pairs)
        (['feature_a', 'feature_b', 'weight'], 2)
        >>> len(clf.top_interactions(k=None))  # all 3 pairs
        3
        """
        inspection.check_k(k)  # before any work, so a bad k fails fast
        return inspection.interaction_pairs(self.feature_graph(X), k=k)

    @property
    def feature_groups_(self):
        """Soft membership of each feature in the learned groups (hierarchical).

        A DataFrame with one row per feature and columns "group_0" ...
        "group_{G-1}" (the membership; each row sums to 1) and "group" (the
        number of the most likely group). With ``n_blocks > 1`` each block learns
        its own groups, whose numbers are unrelated, so the rows are indexed by
        (block, feature) instead of being averaged.

        Only an estimator fitted with ``hierarchical=True`` has it;
        ``hasattr(est, "feature_groups_")`` is False otherwise.

        Examples
        --------
        >>> import numpy as np
        >>> from skgraphfeat import GraphFeatureTransformer
        >>> X = np.random.default_rng(0).normal(size=(40, 5))
        >>> est = GraphFeatureTransformer(hierarchical=True, num_groups=2,
        ...                               max_iter=3, random_state=0).fit(X)
        >>> groups = est.feature_groups_
        >>> list(groups.columns)
        ['group_0', 'group_1', 'group']
        >>> np.allclose(groups[["group_0", "group_1"]].sum(axis=1), 1.0)
        True
        """
        spec = vars(self).get("_spec")
        if spec is None or "model_" not in vars(self):
            raise AttributeError(
                f"This {type(self).__name__} instance is not fitted yet; "
                "feature_groups_ exists after fit with hierarchical=True."
            )
        if not spec.hierarchical:
            raise AttributeError(_NOT_HIERARCHICAL)
        from ._model import Network

        return inspection.group_frame(
            Network(self.model_).group_memberships(), inspection.feature_names(self)
        )
