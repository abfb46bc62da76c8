"""A saved model for ``predict`` and ``explain``: the file checked and loaded,
and the columns of a table it was fitted on."""

import sys
import zipfile

from ._errors import PROG, CommandError
from ._process import start_tensorflow
from ._tables import _check_input, _listed, feature_frame


def load_model(path):
    """``skgraphfeat.load(path)``, with the checks a command line needs first."""
    _check_input(path, "model file")
    if not zipfile.is_zipfile(path):  # the common slip, refused before TensorFlow loads
        raise CommandError(
            f"{path!r} is not a model saved by skgraphfeat (not a zip file); "
            "give the .keras file written by 'skgraphfeat fit' or est.save."
        )
    from .. import load

    start_tensorflow()
    return load(path)  # a ValueError naming the problem for other files not ours


def select_features(estimator, frame, source, keep=()):
    """The columns of ``frame`` that ``estimator`` was fitted on, by name.

    The order in the file does not matter; columns the model does not use are
    left out (with a note), columns it needs and the file lacks are an error.
    A model fitted on an array (no column names) takes the numeric columns in
    order, which must then be as many as it was fitted on.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        columns = [c for c in frame.columns if c not in keep]
        if len(columns) != estimator.n_features_in_:
            raise CommandError(
                f"{source} has {len(columns)} feature columns; the model was fitted "
                f"on {estimator.n_features_in_} (unnamed, taken in order)."
            )
        return feature_frame(frame[columns], source)
    names = [str(name) for name in names]
    frame = frame.rename(columns=str)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise CommandError(
            f"{source} lacks {len(missing)} of the model's {len(names)} feature "
            f"columns: {_listed(missing)}; the model was fitted on "
            f"{_listed(names, limit=20)}."
        )
    unused = [c for c in frame.columns if c not in names and c not in keep]
    if unused:
        print(
            f"{PROG}: note: not using columns the model was not fitted on: "
            f"{_listed(unused)}",
            file=sys.stderr,
        )
    return feature_frame(frame[names], source)
