"""The ``explain`` command: a saved model's strongest feature pairs, printed,
and its feature graph, drawn."""

import os
import sys

from ._saved_model import load_model, select_features
from ._tables import (
    _check_input,
    _check_output,
    draw_graph,
    interactions_json,
    interactions_table,
    read_table,
)


def run_explain(args):
    """Print a saved model's strongest feature pairs and draw its feature graph."""
    from ..inspection import interaction_pairs

    _check_input(args.model, "model file")
    if args.data is not None:
        _check_input(args.data, "data file")
    if args.out is not None:
        _check_output(args.out, "--out")
    frame = None if args.data is None else read_table(args.data)
    estimator = load_model(args.model)
    if frame is None:
        graph, over = estimator.feature_graph(), "the training rows kept at fit"
    else:
        X = select_features(estimator, frame, repr(args.data))
        graph, over = estimator.feature_graph(X), f"{len(X)} rows of {args.data}"
    pairs = interaction_pairs(graph, k=args.top)
    if args.format == "json":
        print(interactions_json(pairs))
    else:
        print(
            f"top {len(pairs)} feature interactions of {args.model} "
            f"(weight = A[a, b] + A[b, a], mean over {over}):"
        )
        print(interactions_table(pairs))
    if args.out is not None:
        draw_graph(
            graph,
            args.out,
            top=args.top,
            plot=args.plot,
            title=f"{os.path.basename(args.model)}: feature graph over {over}",
        )
        print(f"wrote the feature graph to {args.out}", file=sys.stderr)
    return 0
