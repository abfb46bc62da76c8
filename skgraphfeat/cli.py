"""The ``skgraphfeat`` command line (``python -m skgraphfeat``)."""

import argparse
import sys
import time


def run_demo(args):
    """Cross-validate the classifier on a bundled data set next to a baseline."""
    import warnings

    from sklearn.datasets import load_breast_cancer
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skgraphfeat import GraphFeatureClassifier

    X, y = load_breast_cancer(return_X_y=True)
    folds = StratifiedKFold(n_splits=args.cv, shuffle=True, random_state=0)
    models = {
        "GraphFeatureClassifier": GraphFeatureClassifier(random_state=0),
        "StandardScaler + LogisticRegression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
    }
    print(
        f"breast_cancer: {X.shape[0]} samples, {X.shape[1]} features, "
        f"{args.cv}-fold cross-validated accuracy"
    )
    for name, model in models.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_val_score(model, X, y, cv=folds)
        elapsed = time.perf_counter() - start
        print(
            f"  {name:<36} {scores.mean():.4f} +/- {scores.std():.4f}"
            f"   ({elapsed:.1f} s)"
        )
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skgraphfeat",
        description="Graph-based feature-interaction models for tabular data.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="cross-validate the classifier on a bundled data set"
    )
    demo.add_argument("--cv", type=int, default=5, help="number of folds (default 5)")
    demo.set_defaults(handler=run_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
