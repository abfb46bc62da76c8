"""The compiled training loop the estimators share.

Keras' ``Model.fit`` and ``Model.predict`` cost tens of milliseconds of
bookkeeping per epoch and per call, and tracing a fresh ``tf.function`` for every
model costs seconds. So the network is driven statelessly: one compiled epoch
function and one compiled forward function per network shape (``NetworkSpec``)
and objective, cached and shared by every estimator of that shape; the weights,
optimizer moments and data travel as arguments. Only the short per-epoch loop
(early stopping, history, logging) runs in Python.

With a ``tf.distribute`` strategy the same loop runs data-parallel: every
mini-batch is split into one shard per replica, each replica computes the
gradient of its shard's weighted loss sum, the strategy sums them, and Adam
updates the one flat parameter vector once per batch.
"""

import functools
import math
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from ._adam import adam_step, averaged
from ._forward import ModelForward as ModelForward  # old pickles name it here
from ._forward import in_chunks
from ._model import Network, build_network, network_seed_count
from ._state import OptimizerState as OptimizerState  # old pickles name it here


def batch_mask_seed(epoch_seed, index):
    """Seed of the feature mask of batch ``index`` in the epoch whose shuffle
    is seeded with ``epoch_seed`` (``[seed, epoch]``).

    ``stateless_fold_in`` hashes the batch's index into the epoch's seed, so
    that every (epoch, batch) has a stream of its own, apart from every epoch's
    shuffle: the sum ``[seed, epoch +
    index + 1]`` made batch ``i`` of epoch ``e`` repeat batch ``i - 1`` of
    epoch ``e + 1`` and the shuffle of epoch ``e + i + 1``.
    """
    return tf.random.experimental.stateless_fold_in(epoch_seed, index + 1)


def _penalty(params, alpha, decay_mask):
    """MLPClassifier's L2 penalty ``0.5 * alpha * |W|^2`` over the kernels."""
    return 0.5 * alpha * tf.reduce_sum(decay_mask * tf.square(params))


def _is_decayed(path):
    """Whether the L2 penalty applies: kernels, not biases or norm parameters."""
    return path.endswith("kernel")


class CompiledNetwork:
    """Compiled epoch and forward functions for one network shape and objective.

    Parameters
    ----------
    spec : NetworkSpec
    objective : Objective
        What the network is trained for (``skgraphfeat._objectives``).
    strategy : tf.distribute.Strategy or None
        Runs every training batch split across the strategy's replicas; None
        trains on the default device.
    """

    @property
    def replica_devices(self):
        """The devices the strategy's replicas run on (None: no strategy)."""
        if self.strategy is None:
            return None
        return tuple(self.strategy.extended.worker_devices)

    def __init__(self, spec, objective, strategy=None):
        self.spec = spec
        self.objective = objective
        self.strategy = strategy
        network = Network(build_network(spec, seeds=range(network_seed_count(spec))))
        # training fits every ensemble member; prediction uses their average
        self._network = network.with_graph_features(members=True)
        self._predicting = network.with_graph_features()
        self._seed_states = [
            v.path.endswith("seed_generator_state")
            for v in self._network.non_trainable_variables
        ]
        trainable = self._network.trainable_variables
        self.trainable_paths = [v.path for v in trainable]
        self.shapes = [tuple(v.shape) for v in trainable]
        self.sizes = [math.prod(shape) for shape in self.shapes]
        self.decay_mask = np.concatenate(
            [
                np.full(size, _is_decayed(path), dtype=spec.dtype)
                for size, path in zip(self.sizes, self.trainable_paths, strict=True)
            ]
        )
        dtype = tf.as_dtype(spec.dtype)
        n_features = spec.n_features
        non_trainable_specs = [
            tf.TensorSpec(v.shape, v.dtype)
            for v in self._network.non_trainable_variables
        ]
        n_params = sum(self.sizes)
        target_spec = tf.TensorSpec(
            objective.target_shape(spec), objective.target_dtype(spec)
        )
        scalar = tf.TensorSpec([], dtype)
        int_scalar = tf.TensorSpec([], tf.int32)
        self.train_epochs = tf.function(
            self._train_epochs,
            input_signature=[
                TrainingState(
                    params=tf.TensorSpec([n_params], dtype),
                    non_trainable=non_trainable_specs,
                    first_moments=tf.TensorSpec([n_params], dtype),
                    second_moments=tf.TensorSpec([n_params], dtype),
                    step=scalar,
                    best_loss=scalar,
                    no_improvement=int_scalar,
                    average=tf.TensorSpec([n_params], dtype),
                ),
                tf.TensorSpec([None, n_features], dtype),  # X
                target_spec,
                tf.TensorSpec([None], dtype),  # sample weights
                tf.TensorSpec([n_features], dtype),  # fill values of masked features
                scalar,  # learning rate
                scalar,  # alpha, the L2 strength
                scalar,  # mask rate
                scalar,  # 1 to average the weights along the steps, 0 not to
                int_scalar,  # batch size
                int_scalar,  # seed
                int_scalar,  # index of the first epoch of this call
                int_scalar,  # most epochs to run in this call
                scalar,  # tol
                int_scalar,  # n_iter_no_change
            ],
            autograph=False,
        ).get_concrete_function()
        self.forward = tf.function(
            self._forward,
            input_signature=[
                [tf.TensorSpec(shape, dtype) for shape in self.shapes],
                non_trainable_specs,
                tf.TensorSpec([None, n_features], dtype),
            ],
            autograph=False,
        ).get_concrete_function()

    # ---------------------------------------------------------------- packing
    def pack(self, arrays):
        """Concatenate per-variable arrays into one flat vector."""
        return np.concatenate(
            [np.asarray(a, dtype=self.spec.dtype).ravel() for a in arrays]
        )

    def unpack(self, flat):
        """Split a flat numpy vector into per-variable arrays."""
        pieces = np.split(np.asarray(flat), np.cumsum(self.sizes)[:-1])
        return [
            piece.reshape(shape)
            for piece, shape in zip(pieces, self.shapes, strict=True)
        ]

    def unpack_tensor(self, flat):
        pieces = tf.split(flat, self.sizes)
        return [
            tf.reshape(piece, shape)
            for piece, shape in zip(pieces, self.shapes, strict=True)
        ]

    # -------------------------------------------------------------- functions
    def _train_epochs(
        self, state, X, Y, W, fill, learning_rate, alpha, mask_rate, averaging,
        batch_size, seed, first_epoch, max_epochs, tol, n_iter_no_change,
    ):  # fmt: skip
        """Run up to ``max_epochs`` epochs, stopping as MLPClassifier does.

        An epoch that does not lower the best loss by ``tol`` counts as no
        improvement; training stops once more than ``n_iter_no_change`` of them
        come in a row, or at once when the loss is not finite.
        """

        def keep_going(epoch, state, losses, stopped):
            return tf.logical_and(epoch < max_epochs, tf.logical_not(stopped))

        def one_epoch(epoch, state, losses, stopped):
            epoch_seed = tf.stack([seed, first_epoch + epoch])
            state, loss = self._run_epoch(
                state, X, Y, W, fill, learning_rate, alpha, mask_rate, averaging,
                batch_size, epoch_seed,
            )  # fmt: skip
            improved = loss <= state.best_loss - tol
            state = state._replace(
                best_loss=tf.minimum(state.best_loss, loss),
                no_improvement=tf.where(improved, 0, state.no_improvement + 1),
            )
            stopped = tf.logical_or(
                state.no_improvement > n_iter_no_change,
                tf.logical_not(tf.math.is_finite(loss)),
            )
            return epoch + 1, state, losses.write(epoch, loss), stopped

        losses = tf.TensorArray(state.params.dtype, size=0, dynamic_size=True)
        _, state, losses, stopped = tf.while_loop(
            keep_going, one_epoch, [tf.constant(0), state, losses, tf.constant(False)]
        )
        return state, losses.stack(), stopped

    def _run_epoch(
        self, state, X, Y, W, fill, learning_rate, alpha, mask_rate, averaging,
        batch_size, seed,
    ):  # fmt: skip
        """One pass of Adam over shuffled mini-batches, each step followed by
        the weights' running average (``_adam``); returns the mean loss."""
        dtype = state.params.dtype
        n_samples = tf.shape(X)[0]
        order = tf.argsort(tf.random.stateless_uniform([n_samples], seed=seed))
        n_batches = (n_samples + batch_size - 1) // batch_size
        decay_mask = tf.constant(self.decay_mask, dtype)
        zero = tf.zeros([], dtype)

        def one_batch(
            index, params, non_trainable, m, v, step, loss_sum, weight_sum, average
        ):
            rows = order[
                index * batch_size : tf.minimum((index + 1) * batch_size, n_samples)
            ]
            inputs, targets, weights = (tf.gather(t, rows) for t in (X, Y, W))
            mask = tf.zeros([], dtype)
            if self.objective.masks_inputs:
                draw = tf.random.stateless_uniform(
                    tf.shape(inputs), seed=batch_mask_seed(seed, index), dtype=dtype
                )
                masked = draw < mask_rate
                mask = tf.cast(masked, dtype)
                # NaN fill (categorical features) must not leak into the others
                inputs = tf.where(masked, fill + tf.zeros_like(inputs), inputs)
            gradients = (
                self._batch_gradients
                if self.strategy is None
                else self._distributed_gradients
            )
            grads, weighted_sum, batch_weight, new_non_trainable = gradients(
                params, non_trainable, inputs, targets, weights, mask, alpha,
                decay_mask,
            )  # fmt: skip
            # MLPClassifier's L2: 0.5 * alpha * |W|^2 per batch, divided by
            # the batch's total weight along with the loss sum
            weighted_sum = weighted_sum + _penalty(params, alpha, decay_mask)
            params, m, v, step = adam_step(params, grads, m, v, step, learning_rate)
            average = averaged(average, params, step, averaging)
            return (
                index + 1, params, list(new_non_trainable), m, v, step,
                loss_sum + weighted_sum, weight_sum + batch_weight, average,
            )  # fmt: skip

        _, params, non_trainable, m, v, step, loss_sum, weight_sum, average = (
            tf.while_loop(
                lambda index, *_: index < n_batches,
                one_batch,
                [
                    tf.constant(0), state.params, list(state.non_trainable),
                    state.first_moments, state.second_moments, state.step, zero,
                    zero, state.average,
                ],
            )
        )  # fmt: skip
        epoch_loss = tf.math.divide_no_nan(loss_sum, weight_sum)
        state = state._replace(
            params=params,
            non_trainable=non_trainable,
            first_moments=m,
            second_moments=v,
            step=step,
            average=average,
        )
        return state, epoch_loss

    def _weighted_loss_sum(self, params, non_trainable, inputs, targets, weights, mask):
        """The batch's loss summed with the sample weights, and the network's
        non-trainable state after the training-mode call."""
        (outputs, _), new_non_trainable = self._network.stateless_call(
            self.unpack_tensor(params), non_trainable, inputs, training=True
        )
        if self.spec.ensemble_size > 1:
            per_sample = self.objective.members_loss(outputs, targets, mask)
        else:
            per_sample = self.objective.per_sample_loss(outputs, targets, mask)
        return tf.reduce_sum(weights * per_sample), new_non_trainable

    def _batch_gradients(
        self, params, non_trainable, inputs, targets, weights, mask, alpha, decay_mask
    ):
        """Gradient of one batch's weighted mean loss plus the L2 penalty, on
        one device. Returns ``(grads, weighted_sum, batch_weight,
        non_trainable)`` as ``_distributed_gradients`` does."""
        with tf.GradientTape() as tape:
            tape.watch(params)
            weighted_sum, new_non_trainable = self._weighted_loss_sum(
                params, non_trainable, inputs, targets, weights, mask
            )
            batch_weight = tf.reduce_sum(weights)
            penalty = _penalty(params, alpha, decay_mask)
            loss = tf.math.divide_no_nan(weighted_sum + penalty, batch_weight)
        grads = tape.gradient(loss, params)
        return grads, weighted_sum, batch_weight, list(new_non_trainable)

    def _distributed_gradients(
        self, params, non_trainable, inputs, targets, weights, mask, alpha, decay_mask
    ):
        """Gradient of one batch's loss, its shards computed on the replicas.

        Each replica takes its contiguous share of the batch's rows and returns
        the gradient of its weighted loss *sum*; the strategy sums gradients,
        loss sums and weights over the replicas, so that the loss is the same
        weighted mean over the whole batch (plus the L2 penalty) as on one
        device. Returns ``(grads, weighted_sum, batch_weight, non_trainable)``.
        """
        strategy = self.strategy
        n_replicas = strategy.num_replicas_in_sync
        masked = self.objective.masks_inputs

        def replica_step(params, non_trainable, inputs, targets, weights, mask):
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            replica = tf.cast(replica, tf.int32)
            n_rows = tf.shape(inputs)[0]
            shard = (n_rows + n_replicas - 1) // n_replicas
            start = tf.minimum(replica * shard, n_rows)
            stop = tf.minimum(start + shard, n_rows)
            inputs, targets, weights = (
                t[start:stop] for t in (inputs, targets, weights)
            )
            if masked:
                mask = mask[start:stop]
            # a dropout stream of its own per replica: offset the seed states
            offset = tf.stack([tf.cast(replica, tf.int64), tf.constant(0, tf.int64)])
            non_trainable = [
                t + tf.cast(offset, t.dtype) if is_seed else t
                for t, is_seed in zip(non_trainable, self._seed_states, strict=True)
            ]
            with tf.GradientTape() as tape:
                tape.watch(params)
                weighted_sum, new_non_trainable = self._weighted_loss_sum(
                    params, non_trainable, inputs, targets, weights, mask
                )
            grads = tape.gradient(
                weighted_sum, params, unconnected_gradients=tf.UnconnectedGradients.ZERO
            )
            return grads, weighted_sum, tf.reduce_sum(weights), list(new_non_trainable)

        grads, weighted_sum, batch_weight, new_non_trainable = strategy.run(
            replica_step, args=(params, non_trainable, inputs, targets, weights, mask)
        )
        total = functools.partial(
            strategy.reduce, tf.distribute.ReduceOp.SUM, axis=None
        )
        # the replicas' sums meet on the first replica's device
        with tf.device(strategy.extended.worker_devices[0]):
            grads, weighted_sum, batch_weight = (
                total(t) for t in (grads, weighted_sum, batch_weight)
            )
        # the first replica's state is the one-device state (seed counters
        # advanced once, the standardization unchanged)
        new_non_trainable = [
            strategy.experimental_local_results(t)[0] for t in new_non_trainable
        ]
        # plus d/dparams of 0.5 * alpha * sum(decay_mask * params**2), all
        # divided by the batch's weight
        grads = tf.math.divide_no_nan(grads + alpha * decay_mask * params, batch_weight)
        return grads, weighted_sum, batch_weight, new_non_trainable

    def _forward(self, trainable, non_trainable, X):
        (outputs, features), _ = self._predicting.stateless_call(
            trainable, non_trainable, X, training=False
        )
        return outputs, features

    def forward_in_chunks(self, trainable, non_trainable, X):
        """Head outputs and graph features of ``X`` for the given weights."""
        return in_chunks(
            lambda rows: self.forward(trainable, non_trainable, rows), X, self.spec
        )


@functools.lru_cache(maxsize=32)
def compiled_network(spec, objective, strategy=None):
    """The shared ``CompiledNetwork`` of a network shape, objective and strategy."""
    return CompiledNetwork(spec, objective, strategy)


class TrainingState(NamedTuple):
    """Everything the optimizer carries from one epoch to the next.

    ``params`` are the weights Adam steps from; ``average`` is their running
    average along the steps (equal to ``params`` without averaging), the
    weights the model ends up with.
    """

    params: object
    non_trainable: list
    first_moments: object
    second_moments: object
    step: object
    best_loss: object
    no_improvement: object
    average: object
