"""Early stopping's validation set: whether a fit holds one out, which rows,
and how an epoch's weights are scored on them."""

import numpy as np
from sklearn.model_selection import train_test_split

# early_stopping="auto" holds out a validation set above this many rows
EARLY_STOPPING_AUTO_ROWS = 2_000


def early_stopping_on(early_stopping, n_samples):
    """Whether a fit on ``n_samples`` rows holds out a validation set: "auto"
    does above ``EARLY_STOPPING_AUTO_ROWS`` rows (HistGradientBoosting's rule,
    at a threshold measured for these networks: benchmarks/results/notes.md)."""
    if early_stopping == "auto":
        return n_samples > EARLY_STOPPING_AUTO_ROWS
    return bool(early_stopping)


def early_stopping_split(
    indices, sample_weight, validation_fraction, random_state, stratify
):
    """``(train, validation)`` rows of ``indices``, or a ValueError that says
    why no usable validation set can be held out."""
    cannot = (
        "early_stopping could not set aside a validation set of "
        f"validation_fraction={validation_fraction} from {len(indices)} samples"
    )
    try:
        train, validation = train_test_split(
            indices,
            test_size=validation_fraction,
            random_state=random_state,
            stratify=stratify,
        )
    except ValueError as error:
        raise ValueError(f"{cannot}: {error}") from error
    # a score needs two rows (R^2 is undefined on one) and some weight
    if len(validation) < 2 or sample_weight[validation].sum() <= 0:
        raise ValueError(
            f"{cannot}: it would hold {len(validation)} rows with a total "
            f"sample_weight of {sample_weight[validation].sum():g}, and a "
            "score needs at least 2 rows of positive weight. Raise "
            "validation_fraction, or set early_stopping=False."
        )
    return train, validation


def validation_score(compiled, X, targets, sample_weight, fill, mask_rate, rng):
    """``score(trainable, non_trainable) -> (score, loss)`` on the validation
    rows. A masked-reconstruction objective hides one fixed draw of the inputs
    (``mask_rate``, replaced by ``fill``), so that all epochs' scores are
    comparable."""
    objective = compiled.objective
    mask = None
    if objective.masks_inputs:
        mask = rng.random_sample(X.shape) < mask_rate
        X = np.where(mask, fill, X).astype(X.dtype)

    def score(trainable, non_trainable):
        outputs, _ = compiled.forward_in_chunks(trainable, non_trainable, X)
        loss = objective.loss(outputs, targets, mask, sample_weight)
        return objective.score(outputs, targets, sample_weight, loss), loss

    return score
