"""How a fitted estimator is copied: ``clone``, pickle and ``save``.

A ``tf.distribute`` strategy is a handle on this process's devices: clones
share it, pickles and files drop it (with a warning). The fitted network
travels in a pickle as the bytes of its ``.keras`` file.
"""

import warnings

from ._persistence import (
    STRATEGY_NOT_KEPT,
    added_parameters,
    model_from_bytes,
    model_to_bytes,
    save,
)


class _PickledModel:
    """The fitted network inside a pickle: the bytes of its ``.keras`` file."""

    def __init__(self, data):
        self.data = data


class CopiesMixin:
    """``__sklearn_clone__``, ``__getstate__``/``__setstate__`` and ``save``."""

    def __sklearn_clone__(self):
        strategy = self.distribution
        if strategy is None or isinstance(strategy, str):
            return super().__sklearn_clone__()
        # A tf.distribute strategy is a handle on this process's devices: clones
        # share it (a deep copy would be a new strategy, compiled for afresh).
        template = object.__new__(type(self))
        template.__dict__.update(self.__dict__, distribution=None)
        new = template.__sklearn_clone__()
        new.distribution = strategy
        return new

    def __getstate__(self):
        state = super().__getstate__()
        strategy = getattr(self, "distribution", None)
        if not (strategy is None or isinstance(strategy, str)):
            warnings.warn(
                STRATEGY_NOT_KEPT.format(what="pickled", strategy=strategy),
                UserWarning,
                stacklevel=2,
            )
            state = dict(state, distribution=None)
        if "model_" in state:
            state = dict(state)
            state["model_"] = _PickledModel(model_to_bytes(state["model_"]))
        return state

    def __setstate__(self, state):
        model = state.get("model_")
        if isinstance(model, _PickledModel):
            state = dict(state, model_=model_from_bytes(model.data))
        # pickled before a parameter existed: it did what its old value does
        super().__setstate__({**added_parameters(type(self)), **state})

    def save(self, path):
        """Save the fitted estimator to a ``.keras`` file, without pickle.

        The file holds the network in Keras' format plus the estimator's
        parameters and fitted attributes as JSON and numeric arrays, with a
        SHA-256 of every part. :func:`skgraphfeat.load` reads it back: it runs
        no code from the file (Keras' ``safe_mode``, no pickle) and accepts only
        the fields the format defines, each of its type. The checksums catch
        a damaged file, not a deliberate change: they are not a signature.
        Callbacks are not saved. Pickle and joblib files, by contrast, run code
        when loaded: load those only from sources you trust.

        Parameters
        ----------
        path : str or path-like
            Destination; the name must end with ``.keras``.

        Examples
        --------
        >>> import os, tempfile
        >>> from sklearn.datasets import load_iris
        >>> import skgraphfeat
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = skgraphfeat.GraphFeatureClassifier(max_iter=5, random_state=0)
        >>> clf = clf.fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "iris.keras")
        >>> clf.save(path)
        >>> loaded = skgraphfeat.load(path)
        >>> bool((loaded.predict_proba(X) == clf.predict_proba(X)).all())
        True
        """
        save(self, path)
