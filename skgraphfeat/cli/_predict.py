"""The ``predict`` command: a saved model and a table to predictions."""

import sys

from ._errors import CommandError
from ._saved_model import load_model, select_features
from ._tables import (
    _check_input,
    _check_output,
    _table_kind,
    read_table,
    write_table,
)


def run_predict(args):
    """Predict every row of a table with a saved model."""
    import pandas as pd

    _check_input(args.model, "model file")
    _check_input(args.data, "data file")
    if args.out != "-":
        _table_kind(args.out, "--out")
        _check_output(args.out, "--out")
    frame = read_table(args.data)  # before the model: its errors come fast
    source = repr(args.data)
    if args.id is not None and args.id not in frame.columns:
        raise CommandError(f"--id: {source} has no column {args.id!r}.")
    estimator = load_model(args.model)
    if not hasattr(estimator, "predict"):
        raise CommandError(
            f"{args.model!r} holds a {type(estimator).__name__}, which does not "
            "predict; `skgraphfeat explain` shows its feature graph."
        )
    if args.proba and not hasattr(estimator, "predict_proba"):
        raise CommandError(
            f"--proba needs a classifier; {args.model!r} holds a "
            f"{type(estimator).__name__}."
        )
    keep = () if args.id is None else (args.id,)
    X = select_features(estimator, frame, source, keep=keep)
    output = pd.DataFrame(index=frame.index)
    if args.id is not None:
        output[args.id] = frame[args.id]
    output["prediction"] = estimator.predict(X)
    if args.proba:
        probabilities = estimator.predict_proba(X)
        for index, label in enumerate(estimator.classes_):
            output[f"proba_{label}"] = probabilities[:, index]
    write_table(output, args.out)
    if args.out != "-":
        print(f"wrote {len(output)} predictions to {args.out}", file=sys.stderr)
    return 0
