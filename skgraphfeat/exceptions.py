"""Exceptions raised by skgraphfeat."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError, ValueError):
    """Training stopped because the loss became NaN or infinite.

    A subclass of both :class:`FloatingPointError` and :class:`ValueError`, so
    code that guards a fit with ``except ValueError`` catches it too. The
    estimator keeps the state it had before the failed fit.

    Examples
    --------
    >>> from skgraphfeat.exceptions import TrainingDivergedError
    >>> issubclass(TrainingDivergedError, ValueError)
    True
    """
