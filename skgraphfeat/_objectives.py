"""What a network is trained for: one object per objective.

Each objective owns the loss (one definition, in TensorFlow ops: the compiled
training step and the early-stopping evaluation both call it), the score that
early stopping maximises, and the shape of its encoded targets. The estimators
choose theirs from the target; files know an objective by its ``name``
(``OBJECTIVES`` maps it back).

TensorFlow is imported inside the methods that run it, so choosing an
objective stays light.
"""

import numpy as np
from sklearn.metrics import r2_score


class Objective:
    """The interface; see the three objectives below."""

    #: how files, compiled functions and error messages name it
    name = None
    #: whether training hides inputs and learns to reconstruct them
    masks_inputs = False
    #: whether the outputs are logits (an ensemble then averages probabilities)
    outputs_are_logits = False

    def target_shape(self, spec):
        """Shape of the encoded targets, ``None`` for the rows."""
        raise NotImplementedError

    def target_dtype(self, spec):
        return spec.dtype

    def per_sample_loss(self, outputs, targets, mask):
        """The loss of every row, a TensorFlow vector (``mask``: the hidden
        inputs of ``masks_inputs`` objectives, else unused)."""
        raise NotImplementedError

    def members_loss(self, outputs, targets, mask):
        """``per_sample_loss`` of every ensemble member, averaged over them:
        ``outputs`` is (rows, members, outputs), a TensorFlow tensor; each
        member is trained on its own loss, not on the loss of the average."""
        import tensorflow as tf

        members = outputs.shape[1]

        def per_member(rows):  # (rows, ...) -> (rows * members, ...)
            return tf.repeat(rows, members, axis=0)

        flat = tf.reshape(outputs, [-1, outputs.shape[2]])
        mask = per_member(mask) if self.masks_inputs else mask
        per_sample = self.per_sample_loss(flat, per_member(targets), mask)
        return tf.reduce_mean(tf.reshape(per_sample, [-1, members]), axis=1)

    def loss(self, outputs, targets, mask, sample_weight):
        """The weighted mean loss of numpy ``outputs``, in float64."""
        import tensorflow as tf

        def float64(value):
            return tf.constant(np.asarray(value, dtype=np.float64))

        targets = np.asarray(targets)
        if targets.dtype.kind == "f":
            targets = float64(targets)
        mask = None if mask is None else float64(mask)
        per_sample = self.per_sample_loss(float64(outputs), targets, mask).numpy()
        return float(np.average(per_sample, weights=sample_weight))

    def score(self, outputs, targets, sample_weight, loss):
        """The early-stopping score (higher is better) of ``outputs``, whose
        ``loss`` is given."""
        raise NotImplementedError

    def __repr__(self):
        return repr(self.name)


class SoftmaxCrossEntropy(Objective):
    """Class labels (integer codes); scored by accuracy, as ``score`` is.

    With ``label_smoothing`` ``s`` the target of a row is ``1 - s`` on its
    class and ``s / n_classes`` on every class (Keras' ``label_smoothing``):
    the loss is ``(1 - s)`` times the cross-entropy plus ``s`` times the mean
    of ``-log p`` over the classes. Objectives of equal smoothing are equal,
    so that they share compiled functions.
    """

    name = "softmax_cross_entropy"
    outputs_are_logits = True

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = float(label_smoothing)

    def __eq__(self, other):
        return type(other) is type(self) and (
            other.label_smoothing == self.label_smoothing
        )

    def __hash__(self):
        return hash((self.name, self.label_smoothing))

    def target_shape(self, spec):
        return (None,)

    def target_dtype(self, spec):
        return "int32"

    def per_sample_loss(self, outputs, targets, mask):
        import tensorflow as tf

        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, outputs)
        if not self.label_smoothing:
            return loss
        smoothing = tf.cast(self.label_smoothing, loss.dtype)
        mean_over_classes = -tf.reduce_mean(tf.nn.log_softmax(outputs), axis=-1)
        return (1.0 - smoothing) * loss + smoothing * mean_over_classes

    def score(self, outputs, targets, sample_weight, loss):
        hits = np.argmax(outputs, axis=1) == targets
        return float(np.average(hits, weights=sample_weight))


class SquaredError(Objective):
    """Standardized continuous targets; scored by R^2 (which standardization
    leaves unchanged), as ``score`` is."""

    name = "squared_error"

    def target_shape(self, spec):
        return (None, spec.n_outputs)

    def per_sample_loss(self, outputs, targets, mask):
        import tensorflow as tf

        return tf.reduce_mean(tf.square(outputs - targets), axis=1)

    def score(self, outputs, targets, sample_weight, loss):
        return float(r2_score(targets, outputs, sample_weight=sample_weight))


class MaskedReconstruction(Objective):
    """Self-supervised: hidden numeric inputs reconstructed from the others
    (targets: the standardized inputs, NaN where nothing is to reconstruct);
    scored by the negated loss."""

    name = "masked_reconstruction"
    masks_inputs = True

    def target_shape(self, spec):
        return (None, spec.n_features)

    def per_sample_loss(self, outputs, targets, mask):
        import tensorflow as tf

        # categorical and missing entries (NaN targets) are not reconstructed
        valid = tf.math.is_finite(targets)
        mask = mask * tf.cast(valid, mask.dtype)
        targets = tf.where(valid, targets, tf.zeros_like(targets))
        squared = tf.square(outputs - targets) * mask
        counts = tf.reduce_sum(mask, axis=1)
        return tf.math.divide_no_nan(tf.reduce_sum(squared, axis=1), counts)

    def score(self, outputs, targets, sample_weight, loss):
        return -loss


SOFTMAX_CROSS_ENTROPY = SoftmaxCrossEntropy()
SQUARED_ERROR = SquaredError()
MASKED_RECONSTRUCTION = MaskedReconstruction()
OBJECTIVES = {
    objective.name: objective
    for objective in (SOFTMAX_CROSS_ENTROPY, SQUARED_ERROR, MASKED_RECONSTRUCTION)
}
