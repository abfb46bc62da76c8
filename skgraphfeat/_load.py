"""``skgraphfeat.load``: a saved file back to its fitted estimator."""

from ._classes import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)
from ._persistence import read_estimator

# The estimators a file can hold, by the class name its manifest records.
ESTIMATORS = {
    cls.__name__: cls
    for cls in (GraphFeatureClassifier, GraphFeatureRegressor, GraphFeatureTransformer)
}


def load(path):
    """Load an estimator written by ``save``; refuse anything else.

    Parameters
    ----------
    path : str or path-like
        A file written by the ``save`` method of a skgraphfeat estimator.

    Returns
    -------
    estimator : GraphFeatureClassifier, GraphFeatureRegressor or GraphFeatureTransformer
        Fitted, predicting exactly as the saved one.

    Raises
    ------
    ValueError
        If the file is not a skgraphfeat estimator, has an unsupported format
        version, holds fields the format does not define or values of the
        wrong type, or is damaged (an entry whose SHA-256 differs).

    Notes
    -----
    Loading this format runs no code from the file, whatever it holds; pickle
    and joblib files of estimators do run code when loaded. The checksums
    detect damage, not tampering (they are stored unsigned in the same file):
    a file from an untrusted source loads safely but may predict anything.
    """
    return read_estimator(path, ESTIMATORS)
