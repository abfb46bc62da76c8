"""Hooks of the training loop: progress display and the user's Keras callbacks.

The loop in ``_training.train`` calls every hook around each epoch:

- ``on_train_begin(learning_rate)``
- ``on_epoch_begin(epoch, learning_rate) -> learning_rate``
- ``on_epoch_end(record, params, diverged) -> (params, stop)``: ``record`` is
  the epoch's history entry, ``params`` the flat trainable weights (a tensor);
  a hook may hand back other weights and ask to stop; it hands back the very
  tensor it got when it leaves the weights alone.
- ``on_train_end(params) -> params``
"""

import copy

import numpy as np


class TrainingHook:
    """A hook that does nothing; subclasses override what they need."""

    def on_train_begin(self, learning_rate):
        pass

    def on_epoch_begin(self, epoch, learning_rate):
        return learning_rate

    def on_epoch_end(self, record, params, diverged):
        return params, False

    def on_train_end(self, params):
        return params


def _epoch_line(record):
    line = f"Iteration {record['epoch']}, loss = {record['loss']:.8f}"
    if "validation_score" in record:
        line += f", validation score = {record['validation_score']:.6f}"
    return line


class EpochLines(TrainingHook):
    """``verbose=2``: one line per epoch, as scikit-learn's MLP prints them."""

    def on_epoch_end(self, record, params, diverged):
        print(_epoch_line(record), flush=True)
        return params, False


class ProgressBar(TrainingHook):
    """``verbose=1``: a Keras progress bar over the epochs of one fit."""

    def __init__(self, max_iter):
        self.max_iter = max_iter
        self._bar = None
        self._done = 0

    def on_train_begin(self, learning_rate):
        import keras

        self._bar = keras.utils.Progbar(
            self.max_iter,
            unit_name="epoch",
            stateful_metrics=["loss", "validation_score"],
        )
        self._done = 0

    def on_epoch_end(self, record, params, diverged):
        self._done += 1
        values = [("loss", record["loss"])]
        if "validation_score" in record:
            values.append(("validation_score", record["validation_score"]))
        self._bar.update(self._done, values=values)
        return params, False

    def on_train_end(self, params):
        if self._done < self.max_iter:  # stopped early: close the bar's line
            self._bar.update(self._done, finalize=True)
        return params


def progress_hooks(verbose, max_iter):
    """The display hooks for a ``verbose`` level."""
    if not verbose:
        return []
    if verbose == 1:
        return [ProgressBar(max_iter)]
    return [EpochLines()]


class _LearningRateView:
    """Stands in for ``model.optimizer`` so that callbacks such as
    ReduceLROnPlateau and LearningRateScheduler can read and set the rate."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class _TrainingModel:
    """What the callbacks see as ``self.model``: the network being trained
    (every attribute but two is the network's own), with the training-time
    ``optimizer`` (its learning rate) and ``stop_training`` flag kept here
    rather than set on the network."""

    def __init__(self, model, learning_rate):
        self._model = model
        self.optimizer = _LearningRateView(learning_rate)
        self.stop_training = False

    def __getattr__(self, name):
        if name == "_model":  # not set yet (a copy being made)
            raise AttributeError(name)
        return getattr(self._model, name)


class KerasCallbacks(TrainingHook):
    """Drive Keras callbacks from our compiled training loop.

    The callbacks are deep copies of the ones the user passed, so the
    estimator's ``callbacks`` parameter is never mutated. They see the network
    being trained as ``self.model`` with the current weights at every epoch
    end; ``model.stop_training = True`` stops training, weights they set (as
    EarlyStopping's ``restore_best_weights`` does) are kept, and a learning
    rate they set on ``model.optimizer.learning_rate`` is used from the next
    epoch on. The batches of an epoch run inside one compiled call, so
    batch-level hooks are called once per epoch, with the epoch's mean loss.

    Epoch logs hold ``loss`` and ``learning_rate``, and with
    ``early_stopping=True`` also ``val_loss`` and ``val_score``.
    """

    def __init__(self, callbacks, model, compiled, n_batches, max_iter):
        self.callbacks = copy.deepcopy(list(callbacks))
        self.model = model
        self.compiled = compiled
        self.n_batches = n_batches
        self.max_iter = max_iter

    def on_train_begin(self, learning_rate):
        self.view = _TrainingModel(self.model, learning_rate)
        self._scheduled = learning_rate
        params = {"epochs": self.max_iter, "steps": self.n_batches, "verbose": 0}
        for callback in self.callbacks:
            callback.set_model(self.view)
            callback.set_params(params)
        for callback in self.callbacks:
            callback.on_train_begin({})

    def on_epoch_begin(self, epoch, learning_rate):
        self._epoch = epoch
        if learning_rate != self._scheduled:
            # the estimator's schedule moved the rate; otherwise keep the rate a
            # callback may have set at the end of the previous epoch
            self.view.optimizer.learning_rate = learning_rate
            self._scheduled = learning_rate
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, {})
            callback.on_train_batch_begin(self.n_batches - 1, {})
        rate = float(np.asarray(self.view.optimizer.learning_rate))
        self._scheduled = rate
        return rate

    def on_epoch_end(self, record, params, diverged):
        self._write(params)
        for callback in self.callbacks:
            callback.on_train_batch_end(self.n_batches - 1, {"loss": record["loss"]})
        logs = {"loss": record["loss"], "learning_rate": record["learning_rate"]}
        if "validation_score" in record:
            logs["val_loss"] = record["validation_loss"]
            logs["val_score"] = record["validation_score"]
        if not diverged:
            for callback in self.callbacks:
                callback.on_epoch_end(self._epoch, logs)
        return self._read(params), bool(self.view.stop_training)

    def on_train_end(self, params):
        self._write(params)
        for callback in self.callbacks:
            callback.on_train_end({})
        return self._read(params)

    def _write(self, params):
        values = self.compiled.unpack(params.numpy())
        for variable, value in zip(self.model.trainable_variables, values, strict=True):
            variable.assign(value)

    def _read(self, params):
        """The model's weights: ``params`` itself unless a callback set others."""
        import tensorflow as tf

        values = self.compiled.pack([v.numpy() for v in self.model.trainable_variables])
        if np.array_equal(values, params.numpy()):
            return params
        return tf.convert_to_tensor(values, params.dtype)
