"""The ``demo`` command: a bundled data set, a baseline, the feature graph."""

import os
import time

from ._errors import DEMO_PICTURE
from ._process import start_tensorflow
from ._tables import _check_output, draw_graph, interactions_table


def run_demo(args):
    """Cross-validate on breast_cancer next to a baseline; show the feature graph."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .. import GraphFeatureClassifier

    if args.out == DEMO_PICTURE:
        os.makedirs(os.path.dirname(DEMO_PICTURE), exist_ok=True)
    if args.out:
        _check_output(args.out, "--out")
    start_tensorflow()
    data = load_breast_cancer(as_frame=True)
    X, y = data.data, data.target
    cv = 2 if args.quick and args.cv is None else (args.cv or 5)
    params = {"random_state": 0}
    if args.quick:
        params["max_iter"] = 10
    classifier = GraphFeatureClassifier(**params)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=0)
    models = {
        "GraphFeatureClassifier": classifier,
        "StandardScaler + LogisticRegression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
    }
    quick = " (--quick: max_iter=10)" if args.quick else ""
    print(
        f"breast_cancer: {X.shape[0]} samples, {X.shape[1]} features, "
        f"{cv}-fold cross-validated accuracy{quick}",
        flush=True,
    )
    for name, model in models.items():
        start = time.perf_counter()
        scores = cross_val_score(model, X, y, cv=folds)
        elapsed = time.perf_counter() - start
        print(
            f"  {name:<36} {scores.mean():.4f} +/- {scores.std():.4f}"
            f"   ({elapsed:.1f} s)",
            flush=True,
        )
    start = time.perf_counter()
    classifier.fit(X, y)
    print(
        f"\ntrained on all {len(X)} rows ({time.perf_counter() - start:.1f} s); "
        f"top {args.top} feature interactions (weight = A[a, b] + A[b, a], "
        "mean over the training rows):"
    )
    pairs = classifier.top_interactions(k=args.top)
    print(interactions_table(pairs))
    print(
        "(which feature values draw attention, not proof of an interaction: "
        "see docs/user_guide/feature_graph.md)"
    )
    if args.out:
        graph = classifier.feature_graph()
        draw_graph(
            graph,
            args.out,
            top=args.top,
            title="GraphFeatureClassifier on breast_cancer: feature graph",
        )
        print(f"wrote the feature graph to {args.out}")
    return 0
