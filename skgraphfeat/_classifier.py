"""GraphFeatureClassifier."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseGraphFeature
from ._docs import shared_docs
from ._objectives import SoftmaxCrossEntropy
from ._targets import encode_labels


@shared_docs
class GraphFeatureClassifier(ClassifierMixin, BaseGraphFeature):
    """Classifier built around a learned, per-sample graph over the features.

    The features are standardized with statistics learned at fit, refined by
    :class:`~skgraphfeat.layers.AdvancedGraphFeatureLayer` blocks (attention
    between features) and classified by a small dense head trained with the
    softmax cross-entropy, on smoothed labels by default.

    Parameters
    ----------{shared_parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.
    label_smoothing : float in [0, 1), default=0.1
        Share of every training target spread evenly over the classes, as in
        Keras' losses: a row of class ``c`` is fitted to ``1 - s`` on ``c``
        plus ``s / n_classes`` on each class. It keeps the network from
        chasing mislabelled or isolated rows with ever larger logits; 0 trains
        on the plain cross-entropy. ``loss_curve_`` and ``history_`` hold the
        smoothed loss.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.{shared_attributes}

    See Also
    --------
    GraphFeatureRegressor : The same network for regression.
    GraphFeatureTransformer : The graph-refined features themselves.
    skgraphfeat.plotting : Draw the learned feature graph.
    skgraphfeat.load : Load an estimator written by ``save``.
    sklearn.neural_network.MLPClassifier : A plain multi-layer perceptron.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skgraphfeat import GraphFeatureClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = GraphFeatureClassifier(random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> clf.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseGraphFeature._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        *,
        embed_dim=16,
        num_heads=4,
        hierarchical=False,
        num_groups=4,
        dropout_rate=0.0,
        edge_bias=True,
        numeric_embedding="shared",
        frequency_scale=1.0,
        n_blocks=1,
        hidden_layer_sizes=(64,),
        ensemble_size=8,
        activation="relu",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        learning_rate="constant",
        average=True,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping="auto",
        validation_fraction=0.1,
        random_state=None,
        verbose=0,
        warm_start=False,
        callbacks=None,
        dtype=None,
        categorical_features="from_dtype",
        distribution=None,
        class_weight=None,
        label_smoothing=0.1,
    ):
        super().__init__(
            embed_dim=embed_dim,
            num_heads=num_heads,
            hierarchical=hierarchical,
            num_groups=num_groups,
            dropout_rate=dropout_rate,
            edge_bias=edge_bias,
            numeric_embedding=numeric_embedding,
            frequency_scale=frequency_scale,
            n_blocks=n_blocks,
            hidden_layer_sizes=hidden_layer_sizes,
            ensemble_size=ensemble_size,
            activation=activation,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            learning_rate=learning_rate,
            average=average,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
            callbacks=callbacks,
            dtype=dtype,
            categorical_features=categorical_features,
            distribution=distribution,
        )
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    def fit(self, X, y, sample_weight=None):
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (strings, integers, ...).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; the loss is ``sum(w * l) / sum(w)``, so an
            integer weight equals repeating the row.

        Returns
        -------
        self : GraphFeatureClassifier
        """
        return self._fit(X, y, sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch over a chunk of data.

        The first call builds the model: its input standardization comes from
        that chunk and ``classes`` must list every class. Later calls continue
        training (with the same Adam state), so data larger than memory can be
        streamed in chunks. Early stopping does not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, ignored (but checked)
            later.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : GraphFeatureClassifier
        """
        first_call = not hasattr(self, "model_")
        if first_call and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the "
                "model's output layer needs every class up front."
            )
        if not first_call and classes is not None:
            if not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()} differs from the classes "
                    f"of the first call to partial_fit, {self.classes_.tolist()}."
                )
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: a chunk "
                "does not show the class frequencies. Pass a dict, for example "
                "from sklearn.utils.class_weight.compute_class_weight."
            )
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def _validate_fit_data(self, X, y, reset):
        return self._validated_input(X, y, reset=reset)

    def _encode_target(self, X, y, sample_weight, refit, classes=None):
        if not refit:
            classes = self.classes_
        targets, classes, sample_weight = encode_labels(
            y, sample_weight, self.class_weight, classes
        )
        fitted = {"classes_": classes} if refit else {}
        objective = SoftmaxCrossEntropy(self.label_smoothing)
        return objective, targets, len(classes), sample_weight, fitted

    def _stratify(self, targets):
        return targets if np.bincount(targets).min() >= 2 else None

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes); rows sum to 1."""
        outputs, _ = self._forward(X)
        exponentials = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities, shape (n_samples, n_classes)."""
        outputs, _ = self._forward(X)
        return outputs - np.logaddexp.reduce(outputs, axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class of every sample, shape (n_samples,)."""
        outputs, _ = self._forward(X)
        return self.classes_[np.argmax(outputs, axis=1)]
