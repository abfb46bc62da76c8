"""skgraphfeat: a graph-based feature-interaction layer for tabular data, as
scikit-learn estimators.

Importing the package is light: scikit-learn, Keras and TensorFlow load on first
use of an estimator or of :mod:`skgraphfeat.layers`.
"""

import importlib

__version__ = "0.1.0"

__all__ = [
    "GraphFeatureClassifier",
    "GraphFeatureRegressor",
    "GraphFeatureTransformer",
    "exceptions",
    "inspection",
    "layers",
    "load",
    "plotting",
    "streaming",
]

_LAZY_ATTRIBUTES = {
    "GraphFeatureClassifier": "skgraphfeat._classes",
    "GraphFeatureRegressor": "skgraphfeat._classes",
    "GraphFeatureTransformer": "skgraphfeat._classes",
    "exceptions": "skgraphfeat.exceptions",
    "inspection": "skgraphfeat.inspection",
    "layers": "skgraphfeat.layers",
    "plotting": "skgraphfeat.plotting",
    "streaming": "skgraphfeat.streaming",
    "load": "skgraphfeat._load",
}


def __getattr__(name):
    if name not in _LAZY_ATTRIBUTES:
        raise AttributeError(f"module 'skgraphfeat' has no attribute {name!r}")
    module = importlib.import_module(_LAZY_ATTRIBUTES[name])
    is_module = module.__name__ == f"skgraphfeat.{name}"
    value = module if is_module else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
