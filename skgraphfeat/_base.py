"""The scikit-learn plumbing that the three estimators share."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
)

from . import _fitted
from ._callbacks import KerasCallbacks, progress_hooks
from ._copies import CopiesMixin
from ._copies import _PickledModel as _PickledModel  # old pickles name it here
from ._graph import FeatureGraphMixin
from ._inputs import validated_input
from ._scaling import preset_in_effect, weighted_mean_and_scale
from ._state import NetworkSpec
from ._validation import early_stopping_on, early_stopping_split, validation_score

_SEED_HIGH = 2**31 - 1


class BaseGraphFeature(CopiesMixin, FeatureGraphMixin, BaseEstimator):
    """Parameters, fitting and forward pass shared by all graph-feature estimators.

    Subclasses define the objective: how ``y`` is validated and encoded, the loss,
    the validation score and how the network's outputs are decoded.
    """

    _parameter_constraints: dict = {
        "embed_dim": [Interval(Integral, 1, None, closed="left")],
        "num_heads": [Interval(Integral, 1, None, closed="left")],
        "hierarchical": ["boolean"],
        "num_groups": [Interval(Integral, 1, None, closed="left")],
        "dropout_rate": [Interval(Real, 0, 1, closed="left")],
        "edge_bias": ["boolean"],
        "numeric_embedding": [StrOptions({"shared", "linear", "periodic"})],
        "frequency_scale": [Interval(Real, 0, np.inf, closed="neither")],
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "gelu", "tanh", "silu", "elu"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "cosine", "adaptive"})],
        "average": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
        "dtype": [StrOptions({"float32", "float64"}), None],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "distribution": [
            None,
            StrOptions({"mirrored"}),
            HasMethods(["run", "reduce", "scope"]),  # a tf.distribute.Strategy
        ],
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
    ):
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.hierarchical = hierarchical
        self.num_groups = num_groups
        self.dropout_rate = dropout_rate
        self.edge_bias = edge_bias
        self.numeric_embedding = numeric_embedding
        self.frequency_scale = frequency_scale
        self.n_blocks = n_blocks
        self.hidden_layer_sizes = hidden_layer_sizes
        self.ensemble_size = ensemble_size
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.average = average
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.dtype = dtype
        self.categorical_features = categorical_features
        self.distribution = distribution

    # ------------------------------------------------------------ subclass API
    def _validate_fit_data(self, X, y, reset):
        """Validate X and y for fit; return them (y may be None)."""
        raise NotImplementedError

    def _encode_target(self, X, y, sample_weight, refit, classes=None):
        """Return ``(objective, targets, n_outputs, sample_weight, fitted)``,
        ``objective`` one of ``skgraphfeat._objectives``.

        With ``refit`` the encoding is learned from ``y`` (and ``classes``) and
        ``fitted`` is a dict of the fitted attributes that describe it;
        otherwise the fitted encoding is applied to ``y`` (a warm start or a
        later ``partial_fit`` call) and ``fitted`` is empty.
        """
        raise NotImplementedError

    def _stratify(self, targets):
        """Labels to stratify the early-stopping split on, or None."""
        return None

    def _mask_rate(self):
        """Share of the inputs a masked-reconstruction objective hides."""
        return 0.0

    # ------------------------------------------------------------------ input
    def _validated_input(self, X, y="no_validation", *, reset, **check_params):
        """``_inputs.validated_input`` of this estimator."""
        return validated_input(self, X, y, reset=reset, **check_params)

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def _fit(self, X, y=None, sample_weight=None):
        with _fitted.restored_on_failure(self):
            self._train(X, y, sample_weight, incremental=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit(self, X, y=None, sample_weight=None, classes=None):
        with _fitted.restored_on_failure(self):
            self._train(X, y, sample_weight, incremental=True, classes=classes)
        return self

    def _train(self, X, y, sample_weight, incremental, classes=None):
        """Fit from scratch, or continue (warm start, ``partial_fit``)."""
        from ._distribution import resolve_distribution
        from ._loop import train
        from ._training import compiled_network

        continuing = hasattr(self, "model_") and (incremental or self.warm_start)
        X, y, sample_weight = self._fit_input(X, y, sample_weight, continuing)
        callbacks = self._check_callbacks()
        objective, targets, n_outputs, sample_weight, fitted = self._encode_target(
            X, y, sample_weight, refit=not continuing, classes=classes
        )
        spec = self._spec_of(X, n_outputs, continuing, objective)
        if continuing:
            self._check_same_network(spec, objective)
        rng = check_random_state(self.random_state)
        strategy = resolve_distribution(self.distribution)
        compiled = compiled_network(spec, objective, strategy)
        model = self._model_to_train(spec, rng, continuing, callbacks)
        rows, validation_rows = self._split_rows(
            targets, sample_weight, rng, early=not incremental
        )
        mean, scale = self._standardization(
            model, X[rows], sample_weight[rows], continuing
        )
        # masked features take their mean, or the "missing" embedding if categorical
        fill = np.where(self.is_categorical_, np.nan, mean)
        if objective.masks_inputs:  # the standardized inputs themselves
            targets = ((X - mean) / scale).astype(X.dtype)
            targets[:, self.is_categorical_] = np.nan  # only numbers are rebuilt
        validation = None
        if validation_rows is not None:
            validation = validation_score(
                compiled, X[validation_rows], targets[validation_rows],
                sample_weight[validation_rows], fill, self._mask_rate(), rng,
            )  # fmt: skip
        config = self._training_config(len(rows), rng, incremental, continuing)
        n_batches = -(-len(rows) // config.batch_size)
        dtype = X.dtype
        result = train(
            compiled,
            compiled.pack([v.numpy() for v in model.trainable_variables]),
            [v.numpy() for v in model.non_trainable_variables],
            (
                X[rows],
                targets[rows],
                sample_weight[rows].astype(dtype),
                fill.astype(dtype),
            ),
            config,
            validation=validation,
            # partial_fit continues Adam (and the average) where it stopped
            optimizer=self._optimizer_state if continuing and incremental else None,
            hooks=self._training_hooks(
                callbacks, model, compiled, n_batches, config.max_iter
            ),
        )
        state = _fitted.fitted_state(
            self, continuing, fitted, spec, objective, result, compiled.replica_devices
        )
        _fitted.commit(
            self,
            state,
            model,
            (compiled.unpack(result.params), result.non_trainable),
            lambda: self._graph_summary_of(model, spec, X[rows]),
            continuing,
        )

    def _fit_input(self, X, y, sample_weight, continuing):
        """``X`` (in the network's dtype), ``y`` and the sample weights, checked."""
        X, y = self._validate_fit_data(X, y, reset=not continuing)
        if continuing:
            dtype = self._spec.dtype
        else:
            dtype = self.dtype or ("float32" if X.dtype == np.float32 else "float64")
        X = np.asarray(X, dtype=dtype)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if sample_weight.sum() <= 0:
            raise ValueError(
                "sample_weight must have a positive sum; got weights that sum to "
                f"{sample_weight.sum()}."
            )
        self._check_architecture(X.shape[1])
        return X, y, sample_weight

    def _spec_of(self, X, n_outputs, continuing, objective):
        """The network's shape for ``X`` (the fitted one's inputs when continuing)."""
        categorical = self.is_categorical_
        if continuing:
            cardinalities = self._spec.categorical_cardinalities
            missing_values = self._spec.missing_values
        else:
            cardinalities = tuple(
                0 if c is None else len(c) for c in self.categories_
            ) if categorical.any() else ()  # fmt: skip
            missing_values = bool(np.isnan(X[:, ~categorical]).any())
        return self._network_spec(
            X.shape[1],
            X.dtype.name,
            n_outputs,
            cardinalities,
            missing_values,
            averages_probabilities=objective.outputs_are_logits,
        )

    def _model_to_train(self, spec, rng, continuing, callbacks):
        """The fitted model itself when continuing (its weights change only once
        training succeeded), or a new one: for a fresh fit, and for callbacks,
        which see and may change the model during training."""
        if continuing and not callbacks:
            return self.model_
        model = self._new_model(spec, rng)
        if continuing:
            model.set_weights(self.model_.get_weights())
        return model

    def _split_rows(self, targets, sample_weight, rng, early):
        """The training rows and the early-stopping rows (None without)."""
        rows = np.arange(len(targets))
        if not (early and early_stopping_on(self.early_stopping, len(rows))):
            return rows, None
        return early_stopping_split(
            rows,
            sample_weight,
            self.validation_fraction,
            random_state=rng.randint(_SEED_HIGH),
            stratify=self._stratify(targets),
        )

    def _standardization(self, model, X, sample_weight, continuing):
        """The input standardization's mean and scale; learned from ``X`` into
        a new model's ``standardize`` layer unless continuing."""
        from ._model import Network

        standardize = Network(model).standardize
        if continuing:
            return standardize.mean.numpy(), standardize.scale.numpy()
        # skgraphfeat.streaming.partial_fit_csv presets the whole file's scaling
        preset = preset_in_effect()
        mean, scale = preset or weighted_mean_and_scale(X, sample_weight)
        mean, scale = np.array(mean, dtype=np.float64), np.array(scale)
        # category codes go to the network as they are
        mean[self.is_categorical_], scale[self.is_categorical_] = 0.0, 1.0
        standardize.mean.assign(mean.astype(X.dtype))
        standardize.scale.assign(scale.astype(X.dtype))
        return mean, scale

    def _training_config(self, n_rows, rng, incremental, continuing):
        from ._loop import TrainingConfig

        batch_size = min(200, n_rows) if self.batch_size == "auto" else self.batch_size
        first_epoch = self.n_iter_ if continuing else 0
        return TrainingConfig(
            max_iter=1 if incremental else self.max_iter,
            batch_size=min(batch_size, n_rows),
            learning_rate=self.learning_rate_init,
            alpha=self.alpha,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            seed=int(rng.randint(_SEED_HIGH)),
            mask_rate=self._mask_rate(),
            schedule=self.learning_rate,
            first_epoch=first_epoch,
            schedule_length=self.max_iter,
            schedule_start=first_epoch if incremental else 0,
            stop_early=not incremental,
            average=self.average,
        )

    def _network_spec(
        self, n_features, dtype, n_outputs, categorical_cardinalities, missing_values,
        averages_probabilities,
    ):  # fmt: skip
        return NetworkSpec(
            n_features=n_features,
            n_outputs=n_outputs,
            embed_dim=self.embed_dim,
            num_heads=self.num_heads,
            hierarchical=bool(self.hierarchical),
            num_groups=self.num_groups,
            dropout_rate=float(self.dropout_rate),
            edge_bias=bool(self.edge_bias),
            numeric_embedding=self.numeric_embedding,
            # only the periodic embedding has frequencies: other embeddings
            # build the same network (and reuse its compiled code) whatever
            # the value
            frequency_scale=(
                float(self.frequency_scale)
                if self.numeric_embedding == "periodic"
                else 1.0
            ),
            n_blocks=self.n_blocks,
            hidden_layer_sizes=self._check_architecture(n_features),
            activation=self.activation,
            ensemble_size=self.ensemble_size,
            averages_probabilities=averages_probabilities and self.ensemble_size > 1,
            dtype=dtype,
            categorical_cardinalities=tuple(categorical_cardinalities),
            missing_values=bool(missing_values),
        )

    def _check_same_objective(self, objective):
        """Continuing training keeps the kind of target the model learned."""
        if objective.name != self._objective:
            raise ValueError(
                "warm_start and partial_fit continue the fitted model, which was "
                f"trained for {self._objective!r}; this target needs {objective!r}. "
                "Fit afresh (warm_start=False) to change the kind of target."
            )

    def _check_same_network(self, spec, objective):
        """A warm start or partial_fit continues the fitted network as it is."""
        self._check_same_objective(objective)
        changed = self._spec.changes_to(spec)
        if changed:
            raise ValueError(
                "warm_start and partial_fit continue the fitted model, but its "
                f"architecture changed since: {', '.join(changed)}. Restore those "
                "parameters or fit afresh (warm_start=False)."
            )

    def _check_callbacks(self):
        if not self.callbacks:
            return []
        import keras

        for callback in self.callbacks:
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback "
                    f"instances; got {callback!r} of type {type(callback).__name__}."
                )
        return list(self.callbacks)

    def _training_hooks(self, callbacks, model, compiled, n_batches, max_iter):
        hooks = progress_hooks(self.verbose, max_iter)
        if callbacks:
            hooks.append(
                KerasCallbacks(callbacks, model, compiled, n_batches, max_iter)
            )
        return hooks

    def _check_architecture(self, n_features):
        if self.embed_dim % self.num_heads != 0:
            raise ValueError(
                f"embed_dim must be divisible by num_heads; got embed_dim="
                f"{self.embed_dim} and num_heads={self.num_heads}. Choose an "
                "embed_dim that is a multiple of num_heads."
            )
        if self.hierarchical and self.num_groups > n_features:
            raise ValueError(
                f"num_groups={self.num_groups} is larger than the number of features "
                f"({n_features}); lower num_groups or set hierarchical=False."
            )
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes, dtype=object))
        if sizes.ndim != 1 or any(
            isinstance(s, bool) or not isinstance(s, Integral) or s < 1 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a sequence of positive integers; got "
                f"hidden_layer_sizes={self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _new_model(self, spec, rng):
        from ._model import build_network, network_seed_count

        seeds = rng.randint(_SEED_HIGH, size=network_seed_count(spec))
        return build_network(spec, seeds)

    # --------------------------------------------------------------- forward
    def _forward(self, X):
        """Head outputs and graph features of ``X``, shapes (n, outputs), (n, F)."""
        X = self._validated_input(X, reset=False)
        X = np.asarray(X, dtype=self._spec.dtype)
        return self._model_forward(self.model_, self._spec, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = False
        return tags
