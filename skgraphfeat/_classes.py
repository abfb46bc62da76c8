"""GraphFeatureClassifier, GraphFeatureRegressor and GraphFeatureTransformer."""

from numbers import Real

import numpy as np
from sklearn.base import (
    ClassifierMixin,
    OneToOneFeatureMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._base import BaseGraphFeature
from ._objectives import MASKED_RECONSTRUCTION, SOFTMAX_CROSS_ENTROPY, SQUARED_ERROR
from ._scaling import weighted_mean_and_scale

_SHARED_PARAMETERS = """
    embed_dim : int, default=16
        Width of each feature's embedding in the graph layer. Must be divisible
        by ``num_heads``.
    num_heads : int, default=4
        Attention heads of the graph layer; each learns its own adjacency.
    hierarchical : bool, default=False
        Add the layer's hierarchical branch: soft groups of features whose
        summaries feed back into every feature.
    num_groups : int, default=4
        Number of feature groups when ``hierarchical=True``; at most the number
        of features.
    dropout_rate : float, default=0.0
        Dropout on the adjacency during training, in ``[0, 1)``.
    edge_bias : bool, default=True
        Let the graph layer learn a bias per head and ordered feature pair
        (see :class:`~skgraphfeat.layers.AdvancedGraphFeatureLayer`), so that
        the learned graph can tell features apart by identity, not only by
        value.
    n_blocks : int, default=1
        Number of graph blocks, stacked with residual connections.
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Widths of the dense layers of the head that follows the graph blocks.
    activation : {"relu", "gelu", "tanh", "silu", "elu"}, default="relu"
        Activation of the head's hidden layers.
    alpha : float, default=1e-4
        Strength of the L2 penalty on the kernels, as in
        :class:`~sklearn.neural_network.MLPClassifier`: every mini-batch adds
        ``0.5 * alpha * ||W||^2`` to its summed loss and divides both by the
        batch's total sample weight (its size, without weights), in ``fit``
        and ``partial_fit`` alike.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``min(200, n_samples)``, so small data sets
        train full-batch.
    learning_rate_init : float, default=1e-3
        Initial learning rate of the Adam optimizer.
    learning_rate : {"constant", "cosine", "adaptive"}, default="constant"
        Learning-rate schedule over the epochs. "constant" keeps
        ``learning_rate_init`` (or the rate a Keras callback such as
        ReduceLROnPlateau sets); "cosine" anneals it towards 0 over the
        ``max_iter`` epochs of each fit (a ``warm_start`` fit starts it anew),
        and ``partial_fit``, one epoch a call, steps through it from the
        epochs run so far (``n_iter_``), starting it again every ``max_iter``
        epochs; "adaptive" divides it by
        5 each time the loss (the validation score with ``early_stopping``)
        has not improved by ``tol`` for ``max(1, n_iter_no_change // 2)``
        epochs in a row, within one fit.
    average : bool, default=True
        Fit the weights to a running average of the weights each optimizer
        step reaches, step ``t`` weighted in proportion to ``t + 2`` and the
        starting weights as 3 (so later steps count more; scikit-learn's
        SGDClassifier ``average`` weighs them equally). It smooths out the
        noise of the last steps. The ``early_stopping`` score is taken on the
        average; ``partial_fit`` calls continue the average, and Adam
        continues from its own weights; a ``warm_start`` fit starts a fresh
        average from the fitted weights. After few steps (a small
        ``max_iter``) the average still lags behind the last weights; set
        False there.
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
        Minimum improvement of the loss (or of the validation score with
        ``early_stopping``) that counts as progress.
    n_iter_no_change : int, default=10
        Training stops after this many epochs in a row without progress.
    early_stopping : "auto" or bool, default="auto"
        Hold out ``validation_fraction`` of the training data, stop on its score
        and keep the weights of the best epoch. "auto" does so when the
        training data has more than 2,000 rows (HistGradientBoosting's rule,
        with the threshold at which held-out stopping started to pay off in
        our measurements); otherwise training stops on the training loss.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling, the dropout and the validation split.
        An int makes fits reproducible; no global seed is ever touched.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar over the epochs of each fit (with
        the loss and validation score); 2 prints one line per epoch.
    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted model (same architecture,
        same input scaling, a fresh optimizer) instead of starting afresh.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks (EarlyStopping, ReduceLROnPlateau, CSVLogger,
        TerminateOnNaN, your own) called by the training loop at every epoch,
        with logs ``loss``, ``learning_rate`` and, with ``early_stopping``,
        ``val_loss`` and ``val_score``. Each fit works on deep copies, so the
        instances passed here are never changed. ``model.stop_training``
        stops training; weights a callback sets are kept; batch-level hooks
        are called once per epoch (the batches run in one compiled call).
    dtype : {"float32", "float64"} or None, default=None
        Floating-point type of the computation. None uses float32 for float32
        input and float64 otherwise.
    categorical_features : "from_dtype", array-like or None, default="from_dtype"
        Which columns hold categories. "from_dtype": in a DataFrame, columns of
        ``category``, ``object`` or string dtype; none in an array. Else a list
        of column names, of column indices or a boolean mask; None for none.
        A categorical column stays one feature (one node of the graph) whose
        embedding is learned per category, instead of ``x * w + b``.
        Categories not seen at fit share a learned "unknown" embedding.
    distribution : "mirrored", tf.distribute.Strategy or None, default=None
        Data-parallel training: each mini-batch is split across the replicas
        of a ``tf.distribute`` strategy, their gradients are summed and the
        weights updated once per batch (same loss, same results format).
        "mirrored" is ``tf.distribute.MirroredStrategy()`` (every GPU, else
        the CPU), made once per process; a strategy object is used as given
        (tested with ``MirroredStrategy``), shared by reference by ``clone``,
        and dropped (with a warning) when the estimator is pickled or saved.
        Prediction runs on the default device. None trains on one device.

    Missing values (NaN, None, ``pd.NA``) are allowed in every column. In a
    categorical column they have a learned embedding of their own; in a numeric
    column too when the training data had missing values, and otherwise they
    count as the column's training mean. Infinite values raise an error."""

_SHARED_ATTRIBUTES = """
    model_ : keras.Model
        The fitted network, from raw features to the head's outputs.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.
    is_categorical_ : ndarray of bool, shape (n_features_in_,)
        Which features were taken as categorical.
    categories_ : list of length n_features_in_
        For a categorical feature, the array of categories seen at fit (sorted,
        or in the order of a ``category`` dtype); None for a numeric feature.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Training loss (with the L2 penalty) after every epoch.
    best_loss_ : float or None
        Lowest training loss; None with ``early_stopping``.
    validation_scores_ : list of float or None
        Validation score after every epoch with ``early_stopping``, else None.
    best_validation_score_ : float or None
        With ``early_stopping``, the validation score of the weights kept: the
        best epoch of the last fit (a ``warm_start`` fit keeps its own best
        epoch, so its score, even when an earlier fit scored higher); else
        None.
    history_ : list of dict
        One record per epoch: ``epoch``, ``loss``, ``learning_rate`` and, with
        ``early_stopping``, ``validation_score`` and ``validation_loss``.
    feature_groups_ : pandas.DataFrame
        Only with ``hierarchical=True``: each feature's soft membership in the
        groups and its most likely group (see ``feature_graph`` for the graph
        itself, ``explain`` for one graph per row and ``top_interactions`` for
        the strongest feature pairs).
    replica_devices_ : tuple of str or None
        With ``distribution``: the devices the last fit placed its per-replica
        training steps on, one per replica; None without."""


def _shared_docs(cls):
    cls.__doc__ = cls.__doc__.format(
        shared_parameters=_SHARED_PARAMETERS, shared_attributes=_SHARED_ATTRIBUTES
    )
    return cls


def _encode_labels(y, sample_weight, class_weight, classes=None):
    """Integer-encode class labels; scale the weights by ``class_weight``.

    ``classes`` None learns the classes from ``y``; otherwise ``y`` must only
    hold labels among ``classes`` (a later chunk of ``partial_fit``).
    """
    check_classification_targets(y)
    learned = classes is None
    classes = np.unique(y) if learned else np.unique(np.asarray(classes))
    if len(classes) < 2:
        raise ValueError(
            "The target needs samples of at least 2 classes; got only one class: "
            f"{classes[0]!r}."
        )
    unknown = np.setdiff1d(np.unique(y), classes)
    if len(unknown):
        raise ValueError(
            f"y contains labels that are not among the classes {classes.tolist()}: "
            f"{unknown.tolist()}."
        )
    targets = np.searchsorted(classes, y).astype(np.int32)
    if class_weight is not None:
        weights = compute_class_weight(class_weight, classes=classes, y=y)
        sample_weight = sample_weight * weights[targets]
    weighted_classes = np.unique(targets[sample_weight > 0])
    if learned and len(weighted_classes) < 2:
        raise ValueError(
            "The target needs samples of at least 2 classes with a positive "
            f"sample_weight; only class {classes[weighted_classes[0]]!r} has any."
        )
    return targets, classes, sample_weight


def _encode_continuous(y, sample_weight, mean=None, scale=None):
    """Standardize a numeric target to 2-D; return it with its mean and scale.

    ``mean`` and ``scale`` None learn them from ``y`` (weighted).
    """
    y = np.asarray(y, dtype=np.float64)
    y_2d = y.reshape(len(y), -1)
    if mean is None:
        mean, scale = weighted_mean_and_scale(y_2d, sample_weight)
    elif y_2d.shape[1] != len(mean):
        raise ValueError(
            f"y has {y_2d.shape[1]} target(s), but the fitted model predicts "
            f"{len(mean)}."
        )
    return (y_2d - mean) / scale, mean, scale


def _continuous_target(estimator, X, y, sample_weight, refit):
    """Encode a continuous target, learning its scaling only on ``refit``."""
    if refit:
        targets, mean, scale = _encode_continuous(y, sample_weight)
        fitted = {"_target_mean": mean, "_target_scale": scale, "_target_ndim": y.ndim}
    else:
        targets, _, _ = _encode_continuous(
            y, sample_weight, estimator._target_mean, estimator._target_scale
        )
        fitted = {}
    targets = targets.astype(X.dtype)
    return SQUARED_ERROR, targets, targets.shape[1], sample_weight, fitted


@_shared_docs
class GraphFeatureClassifier(ClassifierMixin, BaseGraphFeature):
    """Classifier built around a learned, per-sample graph over the features.

    The features are standardized with statistics learned at fit, refined by
    :class:`~skgraphfeat.layers.AdvancedGraphFeatureLayer` blocks (attention
    between features) and classified by a small dense head trained with the
    softmax cross-entropy.

    Parameters
    ----------{shared_parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.

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
        n_blocks=1,
        hidden_layer_sizes=(64,),
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
    ):
        super().__init__(
            embed_dim=embed_dim,
            num_heads=num_heads,
            hierarchical=hierarchical,
            num_groups=num_groups,
            dropout_rate=dropout_rate,
            edge_bias=edge_bias,
            n_blocks=n_blocks,
            hidden_layer_sizes=hidden_layer_sizes,
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
        targets, classes, sample_weight = _encode_labels(
            y, sample_weight, self.class_weight, classes
        )
        fitted = {"classes_": classes} if refit else {}
        return SOFTMAX_CROSS_ENTROPY, targets, len(classes), sample_weight, fitted

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


@_shared_docs
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
        return _continuous_target(self, X, y, sample_weight, refit)

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


@_shared_docs
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
        n_blocks=1,
        hidden_layer_sizes=(64,),
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
            n_blocks=n_blocks,
            hidden_layer_sizes=hidden_layer_sizes,
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
        kind = None if y is None else type_of_target(y)
        if y is None:
            objective = MASKED_RECONSTRUCTION
        elif classes is not None or kind in ("binary", "multiclass"):
            objective = SOFTMAX_CROSS_ENTROPY
        elif kind in ("continuous", "continuous-multioutput"):
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
            return _continuous_target(self, X, y, sample_weight, refit)
        targets, classes, sample_weight = _encode_labels(
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
