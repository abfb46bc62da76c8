"""GraphFeatureTransformer."""

from numbers import Real

from sklearn.base import OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval

from ._base import BaseGraphFeature
from ._docs import shared_docs
from ._objectives import MASKED_RECONSTRUCTION, SOFTMAX_CROSS_ENTROPY, SQUARED_ERROR
from ._targets import (
    CLASSIFICATION,
    REGRESSION,
    continuous_target,
    encode_labels,
    target_task,
)


@shared_docs
class GraphFeatureTransformer(OneToOneFeatureMixin, TransformerMixin, BaseGraphFeature):
    """Graph-refined features: each feature updated from the features it attends to.

    ``fit(X)`` learns the graph self-supervised, by reconstructing randomly
    masked features from the others; ``fit(X, y)`` learns it supervised, for
    classification when ``y`` holds class labels and regression when it is
    continuous. ``transform`` returns the output of the last graph block: one
    refined value per input feature, in standardized units.

    Parameters
    ----------{shared_parameters}
    mask_rate : float, default=0.15
        Share of the feature values hidden (replaced by the feature's mean) in
        every batch of self-supervised training.

    Attributes
    ----------{shared_attributes}

    See Also
    --------
    GraphFeatureClassifier : A classifier on the same network.
    GraphFeatureRegressor : A regressor on the same network.

    Examples
    --------
    >>> import numpy as np
    >>> from skgraphfeat import GraphFeatureTransformer
    >>> X = np.random.default_rng(0).normal(size=(100, 5))
    >>> transformer = GraphFeatureTransformer(max_iter=20, random_state=0)
    >>> transformer.fit_transform(X).shape
    (100, 5)
    >>> transformer.get_feature_names_out(["a", "b", "c", "d", "e"])
    array(['a', 'b', 'c', 'd', 'e'], dtype=object)
    """

    _parameter_constraints: dict = {
        **BaseGraphFeature._parameter_constraints,
        "mask_rate": [Interval(Real, 0, 1, closed="neither")],
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
        ensemble_size=1,
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
        mask_rate=0.15,
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
        self.mask_rate = mask_rate

    def fit(self, X, y=None, sample_weight=None):
        """Learn the feature graph.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            None learns self-supervised; class labels or a continuous target
            learn supervised.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : GraphFeatureTransformer
        """
        return self._fit(X, y, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None, classes=None):
        """Train one epoch over a chunk of data.

        The first call builds the model (its input standardization comes from
        that chunk); later calls continue training with the same Adam state, so
        data larger than memory can be streamed in chunks. Early stopping does
        not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            None learns self-supervised; class labels or a continuous target
            learn supervised (the same kind on every call).
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            With class labels: every class, on the first call. Without it the
            first chunk's labels are taken as the classes.

        Returns
        -------
        self : GraphFeatureTransformer
        """
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def _validate_fit_data(self, X, y, reset):
        if y is None:
            return self._validated_input(X, reset=reset), None
        return self._validated_input(X, y, reset=reset, multi_output=True)

    def _encode_target(self, X, y, sample_weight, refit, classes=None):
        task, kind = (None, None) if y is None else target_task(y)
        if y is None:
            objective = MASKED_RECONSTRUCTION
        elif classes is not None or task == CLASSIFICATION:
            objective = SOFTMAX_CROSS_ENTROPY
        elif task == REGRESSION:
            objective = SQUARED_ERROR
        else:
            raise ValueError(
                f"Unknown label type: {kind!r}. GraphFeatureTransformer learns from "
                "class labels (binary or multiclass) or a continuous target."
            )
        if not refit:
            self._check_same_objective(objective)
        if objective is MASKED_RECONSTRUCTION:
            # the base class replaces X by its standardized values once known
            return objective, X, X.shape[1], sample_weight, {}
        if objective is SQUARED_ERROR:
            return continuous_target(self, X, y, sample_weight, refit)
        targets, classes, sample_weight = encode_labels(
            y, sample_weight, None, classes if refit else self.classes_
        )
        fitted = {"classes_": classes} if refit else {}
        return objective, targets, len(classes), sample_weight, fitted

    def _mask_rate(self):
        return self.mask_rate

    def transform(self, X):
        """Graph-refined features, shape (n_samples, n_features)."""
        _, features = self._forward(X)
        return features

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
