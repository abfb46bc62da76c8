"""What the classifier's ``label_smoothing`` does to its probabilities.

For each classification set of ``accuracy.py`` (the same folds; Adult: its
official split), GraphFeatureClassifier with default parameters but for
``label_smoothing``, each value of ``--values`` fitted on the same folds: test
accuracy, log loss and Brier score (the mean over rows of the squared distance
between the predicted probabilities and the one-hot label, summed over the
classes). Smoothing trains the probabilities towards ``1 - s + s / K`` instead
of 1, so the log loss of confident, correct rows rises; this script measures by
how much, next to what it does to the decisions. The table is printed and
written to ``benchmarks/results/label_smoothing.md`` (``--out``).

    .venv/bin/python benchmarks/label_smoothing.py [--datasets wine,adult]
        [--values 0,0.1]
"""

import argparse
import datetime
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from accuracy import load, parts  # noqa: E402

DATASETS = ("breast_cancer", "wine", "digits", "pairwise", "adult")


def brier(y, probabilities, classes):
    """Multiclass Brier score: mean over rows of sum_k (p_k - [y = k])^2."""
    one_hot = (np.asarray(y)[:, None] == np.asarray(classes)[None, :]).astype(float)
    return float(np.mean(np.sum((probabilities - one_hot) ** 2, axis=1)))


def evaluate(name, values, folds):
    """Per value of ``label_smoothing``: mean accuracy, log loss, Brier, fit s."""
    from sklearn.metrics import accuracy_score, log_loss

    from skgraphfeat import GraphFeatureClassifier

    X, y, task, X_test, y_test = load(name)
    if task != "classification":
        raise ValueError(f"{name} is not a classification set")
    folds_parts, _ = parts(X, y, task, X_test, y_test, folds)
    results = {}
    for value in values:
        scores = []
        for X_fit, y_fit, X_eval, y_eval in folds_parts:
            model = GraphFeatureClassifier(random_state=0, label_smoothing=value)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence notices
                model.fit(X_fit, y_fit)
            elapsed = time.perf_counter() - start
            proba = model.predict_proba(X_eval)
            scores.append(
                (
                    accuracy_score(y_eval, model.classes_[proba.argmax(axis=1)]),
                    log_loss(y_eval, proba, labels=model.classes_),
                    brier(y_eval, proba, model.classes_),
                    elapsed,
                )
            )
        results[value] = np.mean(scores, axis=0)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--values", default="0,0.1")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    values = [float(v) for v in args.values.split(",")]
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs"
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {machine} with "
        "`benchmarks/label_smoothing.py` (defaults but for `label_smoothing`, "
        f"random_state=0; {args.folds}-fold CV, Adult on its official split).",
        "",
        "| data set | label_smoothing | accuracy | log loss | Brier | fit time (s) |",
        "|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for name in args.datasets.split(","):
        results = evaluate(name, values, args.folds)
        for value, (acc, loss, score, fit) in results.items():
            lines.append(
                f"| {name} | {value:g} | {acc:.4f} | {loss:.4f} | {score:.4f} "
                f"| {fit:.1f} |"
            )
            print(lines[-1], flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "label_smoothing.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
