"""GraphFeatureRegressor."""

from sklearn.base import RegressorMixin

from ._base import BaseGraphFeature
from ._docs import shared_docs
from ._targets import continuous_target


@shared_docs
class GraphFeatureRegressor(RegressorMixin, BaseGraphFeature):
    """Regressor built around a learned, per-sample graph over the features.

    The features are standardized with statistics learned at fit, refined by
    :class:`~skgraphfeat.layers.AdvancedGraphFeatureLayer` blocks and mapped to
    the target(s) by a small dense head trained with the squared error on the
    standardized target.

    Parameters
    ----------{shared_parameters}

    Attributes
    ----------{shared_attributes}

    See Also
    --------
    GraphFeatureClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : A plain multi-layer perceptron.

    Examples
    --------
    >>> import numpy as np
    >>> from skgraphfeat import GraphFeatureRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = X[:, 0] * X[:, 1] + X[:, 2]
    >>> reg = GraphFeatureRegressor(random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.8
    True
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the regressor.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; the loss is ``sum(w * l) / sum(w)``.

        Returns
        -------
        self : GraphFeatureRegressor
        """
        return self._fit(X, y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch over a chunk of data.

        The first call builds the model: the input and target standardization
        come from that chunk. Later calls continue training (with the same Adam
        state), so data larger than memory can be streamed in chunks. Early
        stopping does not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : GraphFeatureRegressor
        """
        return self._partial_fit(X, y, sample_weight)

    def _validate_fit_data(self, X, y, reset):
        return self._validated_input(
            X, y, reset=reset, multi_output=True, y_numeric=True
        )

    def _encode_target(self, X, y, sample_weight, refit, classes=None):
        return continuous_target(self, X, y, sample_weight, refit)

    def predict(self, X):
        """Predicted target, shape (n_samples,) or (n_samples, n_targets)."""
        outputs, _ = self._forward(X)
        predictions = outputs * self._target_scale + self._target_mean
        predictions = predictions.astype(outputs.dtype, copy=False)
        return predictions.ravel() if self._target_ndim == 1 else predictions

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
