"""Save and load fitted estimators without pickle.

A saved estimator is one zip file with the ``.keras`` extension: the fitted
network in Keras' own format (``config.json``, ``metadata.json``,
``model.weights.h5``), so Keras can read it too, plus ``skgraphfeat.json`` (the
estimator's class, parameters and fitted attributes as plain JSON) and ``.npy``
entries for the numeric fitted arrays.

What ``load`` guarantees is that reading a file runs no code from it: the
network is loaded with Keras' ``safe_mode`` (no lambda layers, no arbitrary
code), numeric arrays with ``allow_pickle=False``, and the estimator is built
only from the fields this format defines (``FITTED_FIELDS`` and the
estimator's own parameters), each checked for its type; anything else in the
manifest is refused. The manifest also holds a SHA-256 of every other entry,
which catches a damaged or truncated file. It is not a signature: the digests
sit unsigned in the same file, so whoever can change a file can rewrite them.
"""

import dataclasses
import hashlib
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from . import __version__
from ._fitted import (
    FITTED_FIELDS,
    REQUIRED_BY_CLASS,
    REQUIRED_FIELDS,
    is_integer,
    is_number,
)
from ._state import NetworkSpec, OptimizerState

FORMAT = "skgraphfeat-estimator"
# What pickling or saving says of a tf.distribute strategy, which is not kept.
STRATEGY_NOT_KEPT = (
    "distribution={strategy!r} is a handle on this process's devices and is not "
    "{what}; the restored estimator has distribution=None. Pass "
    "distribution='mirrored' to train on the devices of whichever machine loads it."
)
# The version of the file format: of the manifest's layout and of the fields
# of ``_fitted.FITTED_FIELDS``, ``NetworkSpec`` and ``OptimizerState`` (a test
# pins them; changing one means a new version, and reading the old one).
FORMAT_VERSION = 4
# Parameters added since format version 1, with the value that gives what
# the earlier version did: an earlier file (or an older pickle) lacks them.
# Version 2 added ``numeric_embedding`` and ``frequency_scale``, version 3
# ``ensemble_size`` (also fields of ``NetworkSpec``, with
# ``averages_probabilities``), version 4 the classifier's ``label_smoothing``.
ADDED_PARAMETERS = {
    "numeric_embedding": "shared",
    "frequency_scale": 1.0,
    "ensemble_size": 1,
    "label_smoothing": 0.0,
}
READABLE_VERSIONS = (1, 2, 3, 4)
MANIFEST = "skgraphfeat.json"
KERAS_ENTRIES = ("config.json", "metadata.json", "model.weights.h5")


def added_parameters(cls):
    """The ``ADDED_PARAMETERS`` that estimator class ``cls`` takes."""
    names = cls._get_param_names()
    return {name: value for name, value in ADDED_PARAMETERS.items() if name in names}


def _quiet_keras_save(model, path):
    """``model.save(path)`` without Keras' NumPy-2 ``__array__`` deprecation
    notice (raised inside Keras when it converts TensorFlow variables)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="__array__ implementation", category=DeprecationWarning
        )
        model.save(path)


def model_to_bytes(model):
    """The network as the bytes of a ``.keras`` file (for pickling)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        _quiet_keras_save(model, path)
        with open(path, "rb") as handle:
            return handle.read()


def model_from_bytes(data):
    """Inverse of ``model_to_bytes``."""
    from ._model import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as handle:
            handle.write(data)
        return keras.saving.load_model(path, compile=False, safe_mode=True)


def _check_path(path):
    path = os.fspath(path)
    if not str(path).endswith(".keras"):
        raise ValueError(
            f"The file name must end with '.keras' (the Keras format the model is "
            f"saved in); got {path!r}."
        )
    return path


class _Encoder:
    """Turns fitted values into JSON, with numeric arrays as ``.npy`` entries."""

    def __init__(self):
        self.arrays = {}

    def encode(self, value, where):
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, np.generic):
            return self.encode(value.item(), where)
        if isinstance(value, int | float):
            if isinstance(value, float) and not np.isfinite(value):
                return {"__float__": repr(value)}
            return value
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, where) for v in value]}
        if isinstance(value, list):
            return [self.encode(v, where) for v in value]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"__dict__": {k: self.encode(v, where) for k, v in value.items()}}
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf":
                name = f"arrays/{len(self.arrays)}.npy"
                self.arrays[name] = value
                return {"__ndarray__": name}
            if value.dtype.kind in "OU" and all(
                isinstance(v, str) for v in value.ravel()
            ):
                return {
                    "__str_array__": value.tolist(),
                    "dtype": "object" if value.dtype.kind == "O" else str(value.dtype),
                }
            if value.dtype.kind == "O" and value.ndim == 1:
                # categories: plain numbers, strings and booleans keep their type
                items = [v.item() if isinstance(v, np.generic) else v for v in value]
                if all(isinstance(v, bool | int | float | str) for v in items):
                    return {"__object_array__": [self.encode(v, where) for v in items]}
        if isinstance(value, NetworkSpec | OptimizerState):
            return {
                "__" + type(value).__name__ + "__": {
                    f.name: self.encode(getattr(value, f.name), where)
                    for f in dataclasses.fields(value)
                }
            }
        raise TypeError(
            f"Cannot save {where}: values of type {type(value).__name__} have no "
            "safe file representation."
        )


def _decode(value, arrays):
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__tuple__" in value:
        return tuple(_decode(v, arrays) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: _decode(v, arrays) for k, v in value["__dict__"].items()}
    if "__ndarray__" in value:
        return arrays[value["__ndarray__"]]
    if "__str_array__" in value:
        return np.array(value["__str_array__"], dtype=value["dtype"])
    if "__object_array__" in value:
        items = [_decode(v, arrays) for v in value["__object_array__"]]
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array
    for cls in (NetworkSpec, OptimizerState):
        key = "__" + cls.__name__ + "__"
        if key in value:
            return _dataclass(cls, value[key], arrays)
    raise ValueError(f"unknown entry in the manifest: {sorted(value)}.")


def _dataclass(cls, fields, arrays):
    """``cls`` from its saved fields: exactly its own, each of its own type."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    if not isinstance(fields, dict) or set(fields) - set(known):
        unknown = sorted(set(fields) - set(known)) if isinstance(fields, dict) else []
        raise ValueError(f"{cls.__name__} has no fields {unknown}.")
    values = {name: _decode(v, arrays) for name, v in fields.items()}
    for name, value in values.items():
        declared = _declared_type(known[name].type)
        if not _has_declared_type(value, declared):
            raise ValueError(
                f"{cls.__name__}.{name} must be {declared}; got {type(value).__name__}."
            )
    try:
        return cls(**values)
    except TypeError as error:  # a field without a default is missing
        raise ValueError(f"{cls.__name__}: {error}.") from None


def _declared_type(annotation):
    """A dataclass field's annotation as text: "int", "numpy.ndarray | None"."""
    return str(getattr(annotation, "__name__", annotation))


def _has_declared_type(value, declared):
    """Whether ``value`` fits a NetworkSpec or OptimizerState field's
    annotation ``declared`` (as text)."""
    if value is None:
        return "None" in declared
    if isinstance(value, bool):
        return declared.startswith("bool")
    if isinstance(value, np.ndarray):
        return "ndarray" in declared and value.dtype.kind == "f"
    checks = {
        "int": is_integer,
        "float": is_number,
        "str": lambda v: isinstance(v, str),
        "tuple": lambda v: isinstance(v, tuple),
    }
    return any(declared.startswith(name) and check(value)
               for name, check in checks.items())  # fmt: skip


def save(estimator, path):
    """Write a fitted estimator to ``path`` (see :meth:`save` of the estimators)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    path = _check_path(path)
    encoder = _Encoder()
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if name == "callbacks" and value:
            warnings.warn(
                "callbacks are training-time objects and are not saved; the loaded "
                "estimator has callbacks=None.",
                UserWarning,
                stacklevel=3,
            )
            value = None
        if name == "distribution" and not (value is None or isinstance(value, str)):
            warnings.warn(
                STRATEGY_NOT_KEPT.format(what="saved", strategy=value),
                UserWarning,
                stacklevel=3,
            )
            value = None
        if name == "random_state" and isinstance(value, np.random.RandomState):
            warnings.warn(
                "A RandomState instance cannot be saved; the loaded estimator has "
                "random_state=None.",
                UserWarning,
                stacklevel=3,
            )
            value = None
        params[name] = encoder.encode(value, f"parameter {name!r}")
    fitted = {
        name: encoder.encode(vars(estimator)[name], f"attribute {name!r}")
        for name in FITTED_FIELDS
        if name in vars(estimator)
    }

    entries = {}
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        _quiet_keras_save(estimator.model_, model_path)
        with zipfile.ZipFile(model_path) as archive:
            for name in KERAS_ENTRIES:
                entries[name] = archive.read(name)
    for name, array in encoder.arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        entries[name] = buffer.getvalue()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skgraphfeat_version": __version__,
        "estimator": type(estimator).__name__,
        "params": params,
        "fitted": fitted,
        "sha256": {
            name: hashlib.sha256(data).hexdigest() for name, data in entries.items()
        },
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest))


# What decoding a malformed manifest entry raises (an encoding tag around a
# value of another shape, a parameter of the wrong type): refused as such.
_MALFORMED = (ValueError, KeyError, TypeError, AttributeError)


def _refuse(path, why):
    raise ValueError(f"Cannot load {path!r}: {why}")


def _estimator_from_manifest(path, cls, manifest, arrays):
    """The estimator the manifest describes, from the fields the format
    defines only; anything else, or a value of the wrong type, is refused."""
    params, fitted = manifest.get("params"), manifest.get("fitted")
    if not isinstance(params, dict) or not isinstance(fitted, dict):
        _refuse(path, "its manifest lacks the parameters or fitted attributes.")
    if manifest.get("format_version") != FORMAT_VERSION:
        params = {**added_parameters(cls), **params}
    valid = cls().get_params(deep=False)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        _refuse(path, f"its manifest has parameters {cls.__name__} does not "
                f"take: {unknown}.")  # fmt: skip
    unknown = sorted(set(fitted) - set(FITTED_FIELDS))
    if unknown:
        _refuse(path, f"its manifest has fitted attributes this format does not "
                f"define: {unknown}.")  # fmt: skip
    required = REQUIRED_FIELDS | REQUIRED_BY_CLASS[cls.__name__]
    missing = sorted(required - set(fitted))
    if missing:
        _refuse(path, f"its manifest lacks the fitted attributes {missing}.")
    try:
        estimator = cls(**{k: _decode(v, arrays) for k, v in params.items()})
        estimator._validate_params()
        values = {name: _decode(v, arrays) for name, v in fitted.items()}
    except _MALFORMED as error:
        _refuse(path, f"its manifest holds a value of the wrong kind ({error}).")
    wrong = sorted(name for name, value in values.items()
                   if not FITTED_FIELDS[name](value))  # fmt: skip
    if wrong:
        _refuse(path, f"its fitted attributes {wrong} are not of their type.")
    vars(estimator).update(values)
    return estimator


def read_estimator(path, classes):
    """The estimator saved at ``path``, one of ``classes`` (by class name);
    see :func:`skgraphfeat.load`."""
    path = _check_path(path)
    if not zipfile.is_zipfile(path):
        _refuse(path, "it is not a zip file, so not a saved skgraphfeat estimator.")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            _refuse(path, "it has no skgraphfeat manifest; it is not an estimator "
                    "saved by skgraphfeat (a plain Keras model, perhaps).")  # fmt: skip
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except ValueError as error:
            _refuse(path, f"its manifest is not valid JSON ({error}).")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            _refuse(path, "its manifest is not a skgraphfeat estimator manifest.")
        version = manifest.get("format_version")
        if version not in READABLE_VERSIONS:
            _refuse(
                path,
                f"it has format version {version!r}; this skgraphfeat reads versions "
                f"{', '.join(map(str, READABLE_VERSIONS))}. Load it with the "
                "skgraphfeat version that saved it "
                f"({manifest.get('skgraphfeat_version')!r}).",
            )
        checksums = manifest.get("sha256", {})
        missing = set(KERAS_ENTRIES) - set(checksums)
        if missing or set(checksums) - names:
            _refuse(path, "entries are missing; the file is incomplete or altered.")
        entries = {}
        for name, digest in checksums.items():
            data = archive.read(name)
            if hashlib.sha256(data).hexdigest() != digest:
                _refuse(path, f"{name} was changed after the file was saved.")
            entries[name] = data
    cls = classes.get(manifest.get("estimator"))
    if cls is None:
        _refuse(path, f"unknown estimator {manifest.get('estimator')!r}.")

    # Keras (and TensorFlow) load only now, so that refusals come fast
    from ._model import keras  # also registers our layers for Keras

    arrays = {
        name: np.load(io.BytesIO(data), allow_pickle=False)
        for name, data in entries.items()
        if name.endswith(".npy")
    }
    estimator = _estimator_from_manifest(path, cls, manifest, arrays)

    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        with zipfile.ZipFile(model_path, "w") as archive:
            for name in KERAS_ENTRIES:
                archive.writestr(name, entries[name])
        model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    from ._forward import ModelForward

    estimator.model_ = model
    estimator._model_forward = ModelForward()
    return estimator
