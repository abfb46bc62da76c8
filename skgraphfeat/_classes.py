"""The three estimators, by the module name pickles and older code know them by.

Each lives in a module of its own: ``_classifier``, ``_regressor``,
``_transformer``.
"""

from ._classifier import GraphFeatureClassifier
from ._regressor import GraphFeatureRegressor
from ._transformer import GraphFeatureTransformer

__all__ = ["GraphFeatureClassifier", "GraphFeatureRegressor", "GraphFeatureTransformer"]
