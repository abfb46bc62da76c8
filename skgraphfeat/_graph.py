"""The learned feature graph of a fitted estimator (filled in by the feature-graph work)."""


class FeatureGraphMixin:
    """Read the graph that the fitted network learned over the features."""

    def _store_graph_summary(self, X):
        """Keep what ``feature_graph()`` needs about the training data ``X``."""
