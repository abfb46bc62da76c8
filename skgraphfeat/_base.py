"""The scikit-learn plumbing that the three estimators share."""

import contextlib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._graph import FeatureGraphMixin

_SEED_HIGH = 2**31 - 1


@contextlib.contextmanager
def _restore_state_on_failure(estimator):
    """Put every attribute back as it was if the block raises.

    A fit that fails (bad input, divergence, KeyboardInterrupt) then leaves an
    estimator that was fitted before exactly as it was.
    """
    saved = estimator.__dict__.copy()
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def _weighted_mean_and_scale(values, sample_weight):
    """Per-column weighted mean and standard deviation (1 where constant)."""
    values = np.asarray(values, dtype=np.float64)
    weight = np.asarray(sample_weight, dtype=np.float64)
    total = weight.sum()
    mean = weight @ values / total
    variance = weight @ np.square(values - mean) / total
    scale = np.sqrt(variance)
    # constant columns: keep them unscaled rather than dividing by ~0
    constant = scale <= 1e-12 * np.maximum(1.0, np.abs(mean))
    scale[constant] = 1.0
    return mean, scale


class BaseGraphFeature(FeatureGraphMixin, BaseEstimator):
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
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"relu", "gelu", "tanh", "silu", "elu"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "dtype": [StrOptions({"float32", "float64"}), None],
    }

    def __init__(
        self,
        *,
        embed_dim=16,
        num_heads=4,
        hierarchical=False,
        num_groups=4,
        dropout_rate=0.0,
        n_blocks=1,
        hidden_layer_sizes=(64,),
        activation="relu",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        random_state=None,
        verbose=0,
        dtype=None,
    ):
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.hierarchical = hierarchical
        self.num_groups = num_groups
        self.dropout_rate = dropout_rate
        self.n_blocks = n_blocks
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose
        self.dtype = dtype

    # ------------------------------------------------------------ subclass API
    def _validate_fit_data(self, X, y):
        """Validate X and y for fit; return them (y may be None)."""
        raise NotImplementedError

    def _encode_target(self, X, y, sample_weight):
        """Return ``(objective, targets, n_outputs, sample_weight, fitted)``.

        ``fitted`` is a dict of fitted attributes that describe the target.
        """
        raise NotImplementedError

    def _validation_score(self, objective, outputs, targets, sample_weight):
        """Score (higher is better) of head ``outputs`` on encoded ``targets``."""
        raise NotImplementedError

    def _stratify(self, targets):
        """Labels to stratify the early-stopping split on, or None."""
        return None

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def _fit(self, X, y=None, sample_weight=None):
        with _restore_state_on_failure(self):
            self._fit_validated(X, y, sample_weight)
        return self

    def _fit_validated(self, X, y, sample_weight):
        from ._model import NetworkSpec
        from ._training import ModelForward, TrainingConfig, compiled_network, train

        X, y = self._validate_fit_data(X, y)
        dtype = self.dtype or ("float32" if X.dtype == np.float32 else "float64")
        X = np.asarray(X, dtype=dtype)
        n_samples, n_features = X.shape
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if sample_weight.sum() <= 0:
            raise ValueError(
                "sample_weight must have a positive sum; got weights that sum to "
                f"{sample_weight.sum()}."
            )
        hidden_layer_sizes = self._check_architecture(n_features)
        objective, targets, n_outputs, sample_weight, fitted = self._encode_target(
            X, y, sample_weight
        )
        spec = NetworkSpec(
            n_features=n_features,
            n_outputs=n_outputs,
            embed_dim=self.embed_dim,
            num_heads=self.num_heads,
            hierarchical=bool(self.hierarchical),
            num_groups=self.num_groups,
            dropout_rate=float(self.dropout_rate),
            n_blocks=self.n_blocks,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=self.activation,
            dtype=dtype,
        )
        rng = check_random_state(self.random_state)
        compiled = compiled_network(spec, objective)
        model = self._new_model(spec, rng)

        indices = np.arange(n_samples)
        validation = None
        if self.early_stopping:
            indices, validation_indices = self._early_stopping_split(
                indices, targets, sample_weight, rng
            )
        mean, scale = _weighted_mean_and_scale(X[indices], sample_weight[indices])
        standardize = model.get_layer("standardize")
        standardize.mean.assign(mean.astype(dtype))
        standardize.scale.assign(scale.astype(dtype))
        if objective == "masked_reconstruction":
            targets = ((X - mean) / scale).astype(dtype)
        if self.early_stopping:
            validation = self._validation_callback(
                compiled, X[validation_indices], targets[validation_indices],
                sample_weight[validation_indices], fill=mean, rng=rng,
            )  # fmt: skip

        train_weight = sample_weight[indices]
        batch_size = (
            min(200, len(indices)) if self.batch_size == "auto" else self.batch_size
        )
        config = TrainingConfig(
            max_iter=self.max_iter,
            batch_size=min(batch_size, len(indices)),
            learning_rate=self.learning_rate_init,
            # the L2 term is divided by the sample size, as in MLPClassifier
            l2=self.alpha / train_weight.sum(),
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            seed=int(rng.randint(_SEED_HIGH)),
            mask_rate=getattr(self, "mask_rate", 0.0),
            verbose=self.verbose,
        )
        data = (
            X[indices],
            targets[indices],
            train_weight.astype(dtype),
            mean.astype(dtype),
        )
        result = train(
            compiled,
            compiled.pack([v.numpy() for v in model.trainable_variables]),
            [v.numpy() for v in model.non_trainable_variables],
            data,
            config,
            validation=validation,
        )
        for variable, value in zip(
            model.trainable_variables, compiled.unpack(result.params), strict=True
        ):
            variable.assign(value)
        for variable, value in zip(
            model.non_trainable_variables, result.non_trainable, strict=True
        ):
            variable.assign(value)

        # Only now, with everything computed, does the estimator change.
        for name, value in fitted.items():
            setattr(self, name, value)
        self.model_ = model
        self._model_forward = ModelForward()
        self._spec = spec
        self._objective = objective
        self.history_ = result.history
        self.n_iter_ = len(result.history)
        self.loss_curve_ = [record["loss"] for record in result.history]
        if self.early_stopping:
            self.validation_scores_ = [
                record["validation_score"] for record in result.history
            ]
            self.best_validation_score_ = result.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = result.best_loss
        self._store_graph_summary(X[indices])

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
        model, _ = build_network(spec, seeds)
        return model

    def _early_stopping_split(self, indices, targets, sample_weight, rng):
        stratify = self._stratify(targets)
        try:
            return train_test_split(
                indices,
                test_size=self.validation_fraction,
                random_state=rng.randint(_SEED_HIGH),
                stratify=stratify,
            )
        except ValueError as error:
            raise ValueError(
                "early_stopping could not set aside a validation set of "
                f"validation_fraction={self.validation_fraction} from "
                f"{len(indices)} samples: {error}"
            ) from error

    def _validation_callback(self, compiled, X, targets, sample_weight, fill, rng):
        objective = compiled.objective
        mask = None
        if objective == "masked_reconstruction":
            # one fixed mask, so that the scores of all epochs are comparable
            mask = rng.random_sample(X.shape) < self.mask_rate
            X = np.where(mask, fill, X).astype(X.dtype)

        def score(trainable, non_trainable):
            outputs, _ = compiled.forward_in_chunks(trainable, non_trainable, X)
            if mask is not None:
                errors = np.square(outputs - targets) * mask
                per_row = errors.sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
                return -float(np.average(per_row, weights=sample_weight))
            return float(
                self._validation_score(objective, outputs, targets, sample_weight)
            )

        return score

    # --------------------------------------------------------------- forward
    def _forward(self, X):
        """Head outputs and graph features of ``X``, shapes (n, outputs), (n, F)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        X = np.asarray(X, dtype=self._spec.dtype)
        return self._model_forward(self.model_, self._spec, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags
