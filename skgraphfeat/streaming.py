"""Train on a CSV file larger than memory, in chunks, with exact input scaling.

``partial_fit`` trains one epoch over each chunk it is given, so a file of any
size streams through an estimator in chunks of ``chunksize`` rows. What a plain
``partial_fit`` loop cannot know is the scaling of the whole file: it takes the
input standardization from its first chunk. The recipe here reads the file
twice: a first streaming pass gathers every feature column's mean and standard
deviation (and the classes of the target), a second pass trains with exactly
those statistics installed in the network. Only one chunk is in memory at a
time, and predictions then take raw rows in the file's units.

Only pandas and numpy are imported here; Keras loads with the first fit.
"""

import contextlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._scaling import column_scaling, preset

__all__ = ["CSVStatistics", "csv_statistics", "partial_fit_csv"]


@dataclass
class CSVStatistics:
    """What the first streaming pass over a CSV file learns.

    Attributes
    ----------
    feature_names : list of str
        The feature columns, in file order (every column but the target).
    n_rows : int
        Number of data rows.
    mean : ndarray of shape (n_features,)
        Mean of each feature column.
    scale : ndarray of shape (n_features,)
        Standard deviation of each feature column, as the estimators compute
        it at fit: 1 for a constant column, whose mean is then its value, and
        for a column without any value, whose mean is then 0.
    classes : ndarray or None
        Sorted distinct values of the target column when they were gathered.
    """

    feature_names: list
    n_rows: int
    mean: np.ndarray
    scale: np.ndarray
    classes: np.ndarray | None = None


def _chunks(path, chunksize, read_csv_kwargs):
    if chunksize < 1:
        raise ValueError(f"chunksize must be a positive integer; got {chunksize}.")
    with pd.read_csv(path, chunksize=chunksize, **read_csv_kwargs) as reader:
        yield from reader


def _split(chunk, target):
    if target is None:
        return chunk, None
    if target not in chunk.columns:
        raise ValueError(
            f"The target column {target!r} is not in the file; its columns are "
            f"{list(chunk.columns)}."
        )
    return chunk.drop(columns=target), chunk[target]


def csv_statistics(
    path, target=None, *, chunksize: int = 10_000, gather_classes: bool = False,
    **read_csv_kwargs,
) -> CSVStatistics:  # fmt: skip
    """Per-column mean and standard deviation of a CSV file, in one streaming pass.

    The file is read ``chunksize`` rows at a time; the statistics of the chunks
    are merged exactly (Chan et al.'s pairwise update, in float64), so memory
    stays that of one chunk whatever the file's size.

    Parameters
    ----------
    path : str, path-like or file-like
        The CSV file (anything :func:`pandas.read_csv` reads, compressed too).
    target : str or None, default=None
        Name of the target column, left out of the features; None: every
        column is a feature.
    chunksize : int, default=10_000
        Rows read at a time: the memory budget of the pass.
    gather_classes : bool, default=False
        Also collect the distinct values of the target column (the classes of
        a classification target).
    **read_csv_kwargs
        Passed on to :func:`pandas.read_csv` (``usecols``, ``sep``,
        ``dtype``...).

    Returns
    -------
    CSVStatistics

    Raises
    ------
    ValueError
        If the file has no rows, a feature column is not numeric, or the
        target column is missing.

    Examples
    --------
    >>> import io
    >>> from skgraphfeat.streaming import csv_statistics
    >>> data = io.StringIO("a,b,label\\n1,10,x\\n2,10,y\\n3,10,x\\n")
    >>> stats = csv_statistics(data, "label", chunksize=2, gather_classes=True)
    >>> stats.feature_names, stats.n_rows
    (['a', 'b'], 3)
    >>> stats.mean, stats.scale
    (array([ 2., 10.]), array([0.81649658, 1.        ]))
    >>> stats.classes.tolist()
    ['x', 'y']
    """
    names, count, mean, m2, low = None, None, None, None, None
    n_rows = 0
    classes = None
    for chunk in _chunks(path, chunksize, read_csv_kwargs):
        features, y = _split(chunk, target)
        if names is None:
            names = [str(name) for name in features.columns]
            text = [
                name
                for name, kind in zip(names, features.dtypes, strict=True)
                if not pd.api.types.is_numeric_dtype(kind)
            ]
            if text:
                raise ValueError(
                    f"Feature columns must be numeric; {text} are not. Encode them "
                    "first, or leave them out with usecols=[...]."
                )
            # no values seen yet: the merge below then takes a chunk's as they are
            count, mean, m2 = (np.zeros(len(names)) for _ in range(3))
            low = np.full(len(names), np.inf)
        values = features.to_numpy(dtype=np.float64)
        n_rows += len(values)
        # per column, ignoring missing values
        present = ~np.isnan(values)
        n_b = present.sum(axis=0).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_b = np.where(present, values, 0.0).sum(axis=0) / n_b
            m2_b = np.where(present, np.square(values - mean_b), 0.0).sum(axis=0)
        low = np.minimum(low, np.where(present, values, np.inf).min(axis=0))
        total = count + n_b
        delta = mean_b - mean
        share = np.divide(n_b, total, out=np.zeros_like(total), where=total > 0)
        mean = np.where(n_b > 0, mean + delta * share, mean)
        m2 = np.where(n_b > 0, m2 + m2_b + np.square(delta) * count * share, m2)
        count = total
        if gather_classes and y is not None:
            seen = np.unique(y.to_numpy())
            classes = seen if classes is None else np.union1d(classes, seen)
    if count is None:
        raise ValueError(f"The file {path!r} has no data rows.")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean, scale = column_scaling(mean, m2 / count, count, low)
    return CSVStatistics(
        feature_names=names,
        n_rows=n_rows,
        mean=mean,
        scale=scale,
        classes=classes,
    )


def partial_fit_csv(
    estimator, path, target=None, *, chunksize: int = 10_000, n_epochs: int = 1,
    classes=None, statistics: CSVStatistics | None = None, **read_csv_kwargs,
):  # fmt: skip
    """Train an estimator on a CSV file chunk by chunk, with the file's scaling.

    The out-of-core recipe: a first streaming pass (:func:`csv_statistics`)
    gathers every feature's mean and standard deviation over the whole file,
    and the classes for a classifier; then ``n_epochs`` passes feed the file
    to ``estimator.partial_fit`` in chunks of ``chunksize`` rows. The first
    call builds the network with the file's statistics as its input
    standardization (instead of the first chunk's), so the fitted estimator
    predicts on raw rows in the file's units. At most one chunk is in memory
    at a time (memory grows with ``chunksize`` x the number of columns, not
    with the file).

    Parameters
    ----------
    estimator : GraphFeatureClassifier, GraphFeatureRegressor or GraphFeatureTransformer
        Trained in place. If it is fitted already, training continues (same
        columns, its own scaling; the first pass is then skipped unless
        ``classes`` must be gathered).
    path : str or path-like
        The CSV file; it is opened ``n_epochs + 1`` times.
    target : str or None, default=None
        The target column; every other column is a feature. None trains a
        ``GraphFeatureTransformer`` self-supervised.
    chunksize : int, default=10_000
        Rows per chunk, and so per ``partial_fit`` call (one epoch each).
    n_epochs : int, default=1
        Passes over the file.
    classes : array-like or None, default=None
        All the classes of a classifier; None gathers them in the first pass.
    statistics : CSVStatistics or None, default=None
        The result of an earlier :func:`csv_statistics` of this file, to skip
        the first pass.
    **read_csv_kwargs
        Passed on to :func:`pandas.read_csv` (``usecols``, ``sep``...).

    Returns
    -------
    estimator
        The same estimator, trained.

    Notes
    -----
    The rows should come in random order: each chunk is shuffled, but chunks
    are fed in file order. A regression target is standardized with the first
    chunk's statistics (only the training dynamics depend on it; predictions
    are decoded with the same values).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, pandas as pd
    >>> from skgraphfeat import GraphFeatureClassifier
    >>> from skgraphfeat.streaming import partial_fit_csv
    >>> rng = np.random.default_rng(0)
    >>> table = pd.DataFrame(rng.normal(50, 10, size=(600, 3)), columns=list("abc"))
    >>> table["label"] = np.where(table["a"] > table["b"], "up", "down")
    >>> path = os.path.join(tempfile.mkdtemp(), "big.csv")
    >>> table.to_csv(path, index=False)
    >>> clf = GraphFeatureClassifier(
    ...     hidden_layer_sizes=(16,), batch_size=50, learning_rate_init=1e-2,
    ...     random_state=0)
    >>> clf = partial_fit_csv(clf, path, "label", chunksize=200, n_epochs=3)
    >>> clf.n_iter_  # 3 chunks x 3 epochs, one partial_fit call each
    9
    >>> mean = clf.model_.get_layer("standardize").mean.numpy()
    >>> bool(np.allclose(mean, table[["a", "b", "c"]].mean()))
    True
    >>> clf.score(table[["a", "b", "c"]], table["label"]) > 0.9
    True
    """
    from sklearn.base import is_classifier

    if n_epochs < 1:
        raise ValueError(f"n_epochs must be a positive integer; got {n_epochs}.")
    fitted = hasattr(estimator, "model_")
    wants_classes = is_classifier(estimator) and classes is None and not fitted
    if statistics is None and (not fitted or wants_classes):
        statistics = csv_statistics(
            path, target, chunksize=chunksize, gather_classes=wants_classes,
            **read_csv_kwargs,
        )  # fmt: skip
    if classes is None and wants_classes:
        classes = statistics.classes
    # the first partial_fit call takes these in place of its chunk's statistics
    scaling = (
        contextlib.nullcontext()
        if fitted
        else preset(statistics.mean, statistics.scale)
    )
    with scaling:
        for _ in range(n_epochs):
            for chunk in _chunks(path, chunksize, read_csv_kwargs):
                X, y = _split(chunk, target)
                extra = {} if classes is None else {"classes": classes}
                if y is None:
                    estimator.partial_fit(X, **extra)
                else:
                    estimator.partial_fit(X, y, **extra)
    return estimator
