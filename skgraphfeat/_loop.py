"""The epoch loop: Adam's steps run compiled (``_training.CompiledNetwork``);
around them, in Python, the schedule, early stopping, the history, divergence
and the hooks (progress display, the user's Keras callbacks)."""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from sklearn.exceptions import ConvergenceWarning

from ._state import OptimizerState
from ._training import TrainingState
from .exceptions import TrainingDivergedError


@dataclass
class TrainingResult:
    """What the training loop hands back: final weights and the history."""

    params: np.ndarray
    non_trainable: list
    optimizer: OptimizerState | None = None
    history: list = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float | None = None


# The "adaptive" schedule divides the learning rate by this factor.
PLATEAU_FACTOR = 5.0


@dataclass
class TrainingConfig:
    """Hyper-parameters of one run of ``train``."""

    max_iter: int
    batch_size: int
    learning_rate: float
    # L2 strength: 0.5 * alpha * |W|^2 per batch, divided by the batch's weight
    alpha: float
    tol: float
    n_iter_no_change: int
    seed: int
    mask_rate: float = 0.0
    schedule: str = "constant"
    # Index of the first epoch of this run among all epochs of the estimator
    # (warm starts and partial_fit continue the count).
    first_epoch: int = 0
    # Epochs the cosine schedule spans; 0 means max_iter.
    schedule_length: int = 0
    # Where in its cycle the cosine schedule starts: 0 for a fit (a warm start
    # restarts it), the epochs run so far for partial_fit, which steps through
    # the schedule one call at a time and starts it anew every schedule_length.
    schedule_start: int = 0
    # partial_fit runs one epoch and neither stops early nor warns.
    stop_early: bool = True
    # The model's weights are the running average of the steps' weights.
    average: bool = False


def scheduled_learning_rate(config, current, epoch, no_improvement):
    """Learning rate of ``epoch`` (counted from the start of this run).

    "constant" keeps the current rate (which a Keras callback may have
    changed); "cosine" anneals ``config.learning_rate`` towards 0 over
    ``schedule_length`` epochs from ``schedule_start``, and starts again after
    that; "adaptive" divides the current rate by 5 each time the loss (or
    validation score) has not improved for ``max(1, n_iter_no_change // 2)``
    epochs in a row.
    """
    if config.schedule == "cosine":
        length = config.schedule_length or config.max_iter
        progress = ((config.schedule_start + epoch) % length) / length
        return config.learning_rate * 0.5 * (1.0 + math.cos(math.pi * progress))
    if config.schedule == "adaptive":
        patience = max(1, config.n_iter_no_change // 2)
        if no_improvement > 0 and no_improvement % patience == 0:
            return current / PLATEAU_FACTOR
    return current


def train(
    compiled, params, non_trainable, data, config, validation=None, optimizer=None,
    hooks=(),
):  # fmt: skip
    """Train from ``params`` and return a ``TrainingResult``.

    Parameters
    ----------
    compiled : CompiledNetwork
    params : ndarray
        Flat initial trainable weights (the model's: with weight averaging and
        an ``optimizer`` that holds its own ``params``, the average continues
        from these and Adam from those).
    non_trainable : list of ndarray
        Initial non-trainable weights (standardization, dropout seed states).
    data : tuple (X, Y, W, fill) of ndarrays
    config : TrainingConfig
    validation : callable or None
        ``validation(trainable, non_trainable) -> (score, loss)`` (higher score
        is better). When given, training stops on the validation score and the
        best weights are restored; otherwise it stops on the training loss, as
        scikit-learn's MLP does.
    optimizer : OptimizerState or None
        Where Adam continues from; None starts afresh.
    hooks : sequence of TrainingHook
        Called around every epoch (Keras callbacks, progress display).
    """
    dtype = compiled.spec.dtype
    data = [tf.convert_to_tensor(a) for a in data]
    state, learning_rate = _starting_state(
        params, non_trainable, optimizer, config, dtype
    )
    fixed = _fixed_arguments(config, dtype)
    # Without per-epoch work in Python, all epochs run in one compiled call.
    per_epoch = bool(validation or hooks or config.schedule != "constant")
    epochs_per_call = 1 if per_epoch else config.max_iter
    # With a validation set, Python applies the stopping rule to its score.
    stop_on_loss = config.stop_early and validation is None
    patience = config.n_iter_no_change if stop_on_loss else config.max_iter + 1
    tol = tf.constant(config.tol, dtype)
    result = TrainingResult(params=None, non_trainable=None)
    best, no_improvement, epoch, stopped = state, 0, 0, False
    for hook in hooks:
        hook.on_train_begin(learning_rate)
    while epoch < config.max_iter and not stopped:
        n_epochs = min(epochs_per_call, config.max_iter - epoch)
        global_epoch = config.first_epoch + epoch
        learning_rate = scheduled_learning_rate(
            config, learning_rate, epoch, no_improvement
        )
        for hook in hooks:
            learning_rate = hook.on_epoch_begin(global_epoch, learning_rate)
        previous = state
        state, losses, converged = compiled.train_epochs(
            state, *data, tf.constant(learning_rate, dtype), *fixed,
            tf.constant(global_epoch), tf.constant(n_epochs), tol,
            tf.constant(patience),
        )  # fmt: skip
        losses = losses.numpy().tolist()
        diverged = not math.isfinite(losses[-1])
        result.history.extend(
            {"epoch": config.first_epoch + epoch + k, "loss": loss}
            for k, loss in enumerate(losses, start=1)
        )
        epoch += len(losses)
        record = result.history[-1]
        if not diverged:
            result.best_loss = min(result.best_loss, float(state.best_loss))
            if stop_on_loss:
                no_improvement = int(state.no_improvement)
                stopped = bool(converged)
        if validation is not None and not diverged:
            improved, is_best = _score_epoch(
                validation, compiled, state, record, result, config.tol
            )
            best = state if is_best else best
            no_improvement = 0 if improved else no_improvement + 1
            stopped = config.stop_early and no_improvement > config.n_iter_no_change
        record["learning_rate"] = learning_rate
        for hook in hooks:
            weights, stop = hook.on_epoch_end(record, state.average, diverged)
            state = _with_weights(state, weights)
            stopped = stopped or stop
        if diverged:
            if not stopped:
                raise _divergence(record, config)
            # a callback asked to stop on it: keep the last finite weights
            state = previous
    if validation is not None and result.best_validation_score is not None:
        state = best
    for hook in hooks:
        state = _with_weights(state, hook.on_train_end(state.average))
    if config.stop_early and not stopped:
        warnings.warn(
            f"Maximum iterations ({config.max_iter}) reached and the optimization "
            "hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return _finished(result, state, learning_rate, config)


def _fixed_arguments(config, dtype):
    """The compiled epoch function's arguments that no epoch changes."""
    return [
        tf.constant(config.alpha, dtype),
        tf.constant(config.mask_rate, dtype),
        tf.constant(float(config.average), dtype),
        tf.constant(config.batch_size, tf.int32),
        tf.constant(config.seed, tf.int32),
    ]


def _finished(result, state, learning_rate, config):
    """``result`` with the final state's weights and optimizer, as NumPy."""
    result.params = state.average.numpy()
    result.non_trainable = [t.numpy() for t in state.non_trainable]
    result.optimizer = OptimizerState(
        first_moments=state.first_moments.numpy(),
        second_moments=state.second_moments.numpy(),
        step=float(state.step),
        learning_rate=float(learning_rate),
        params=state.params.numpy() if config.average else None,
    )
    return result


def _starting_state(params, non_trainable, optimizer, config, dtype):
    """The ``TrainingState`` training starts from, and its learning rate:
    fresh Adam moments, or those of ``optimizer`` (a ``partial_fit`` that
    continues, Adam from its own weights and the average from ``params``)."""
    params = tf.convert_to_tensor(params, dtype)
    average = params
    if config.average and optimizer is not None and optimizer.params is not None:
        params = tf.convert_to_tensor(optimizer.params, dtype)
    if optimizer is None:
        optimizer = OptimizerState(
            first_moments=np.zeros(params.shape, dtype),
            second_moments=np.zeros(params.shape, dtype),
            step=0.0,
            learning_rate=config.learning_rate,
        )
    state = TrainingState(
        params=params,
        non_trainable=[tf.convert_to_tensor(a) for a in non_trainable],
        first_moments=tf.convert_to_tensor(optimizer.first_moments, dtype),
        second_moments=tf.convert_to_tensor(optimizer.second_moments, dtype),
        step=tf.constant(optimizer.step, dtype),
        best_loss=tf.constant(np.inf, dtype),
        no_improvement=tf.constant(0),
        average=average,
    )
    return state, optimizer.learning_rate


def _score_epoch(validation, compiled, state, record, result, tol):
    """Score the epoch's (averaged) weights on the validation set, into its
    ``record`` and ``result``; return whether the score improved by ``tol`` and
    whether it is the best so far."""
    score, validation_loss = validation(
        compiled.unpack_tensor(state.average), state.non_trainable
    )
    record["validation_score"] = score
    record["validation_loss"] = validation_loss
    previous_best = result.best_validation_score
    improved = previous_best is None or score >= previous_best + tol
    is_best = previous_best is None or score > previous_best
    if is_best:
        result.best_validation_score = score
    return improved, is_best


def _divergence(record, config):
    return TrainingDivergedError(
        f"The training loss became {record['loss']} at iteration "
        f"{record['epoch']}; training diverged. Lower "
        f"learning_rate_init (now {config.learning_rate:g}), raise "
        "alpha, or check the input for extreme values."
    )


def _with_weights(state, weights):
    """``state`` with the model weights a hook handed back.

    A hook hands back the very tensor it was given unless a callback set other
    weights; training then goes on from those, the average restarting there.
    """
    if weights is state.average:
        return state
    return state._replace(params=weights, average=weights)
