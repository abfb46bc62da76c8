"""The parameters and attributes the three estimators share, documented once."""

import inspect

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
    numeric_embedding : {"shared", "linear", "periodic"}, default="shared"
        How the graph layer embeds numeric features (see
        :class:`~skgraphfeat.layers.AdvancedGraphFeatureLayer`): one affine map
        for all features ("shared"), one per feature ("linear"), or a learned
        periodic expansion per feature ("periodic"), which lets the network
        model a non-linear effect of each feature and gives the attention
        each feature's identity.
    frequency_scale : float, default=1.0
        Spread of the periodic embedding's initial frequencies, in units of
        the standardized features (``numeric_embedding="periodic"`` only):
        smaller values start from smoother functions of each feature.
    n_blocks : int, default=1
        Number of graph blocks, stacked with residual connections.
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Widths of the dense layers of the head that follows the graph blocks.
    <ensemble_size>
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
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when X had string column names.
    is_categorical_ : ndarray of bool, shape (``n_features_in_``,)
        Which features were taken as categorical.
    categories_ : list of length ``n_features_in_``
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


_ENSEMBLE_SIZE = """ensemble_size : int, default={default}
        Members of the head's ensemble. They share the graph blocks and the
        head's hidden layers; each scales the head's input by a learned vector
        of its own (started at random signs) and has its own output layer.
        Training fits the mean of the members' losses, and predictions
        average them (class probabilities for the classifier), so they act
        as an ensemble of networks at little extra cost; in the first tens of
        steps they learn more slowly than a single head. 1 gives a single
        head.{note}"""

_TRANSFORMER_NOTE = """ The transformer's head serves its training objective
        only (``transform`` returns the graph features), so its default is 1."""


def shared_docs(cls):
    default = inspect.signature(cls.__init__).parameters["ensemble_size"].default
    note = _TRANSFORMER_NOTE if cls.__name__ == "GraphFeatureTransformer" else ""
    parameters = _SHARED_PARAMETERS.replace(
        "<ensemble_size>", _ENSEMBLE_SIZE.format(default=default, note=note)
    )
    cls.__doc__ = cls.__doc__.format(
        shared_parameters=parameters, shared_attributes=_SHARED_ATTRIBUTES
    )
    return cls
