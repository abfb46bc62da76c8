"""Does the feature graph tell the truth about the fitted model?

For each data set a model with default parameters (``random_state=0``) is fitted on
a training part, and on held-out rows (at most ``--rows``) the model's own pairwise
permutation interaction is measured:

    H_ij = |L(perm i, perm j) - L(perm i) - L(perm j) + L(none)|

with ``L`` the model's log loss (classification) or squared error (regression),
every column permuted by one fixed permutation per repeat, averaged over 2
repeats; with many features a random sample of ``--pairs`` pairs. Against ``H``,
the graph's pair weights ``top_interactions(k=None)`` (``A[a, b] + A[b, a]``, the
summary kept at fit) give:

- Spearman: rank correlation of the graph's weights and ``H`` over the pairs;
- precision@10: share of the graph's 10 strongest pairs (among those measured)
  that lie in the top 20% of ``H``;
- contrast: mean weight of the graph's top 5% of pairs over the median pair
  weight (1.0 for a flat graph).

On the synthetic pairwise data (labels made by 3 feature pairs; F = 20 and 50,
seeds 0-2, 4000 training rows) it prints the ranks of the true pairs among all
pairs of ``top_interactions`` and whether all lie in the top 5%.

Lines are printed as they come and written to ``benchmarks/results/faithfulness.md``.

    .venv/bin/python benchmarks/faithfulness.py [--datasets adult,breast_cancer,...]
        [--params '{"hidden_layer_sizes": []}']   # other settings than the defaults
"""

import argparse
import datetime
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from datasets import load_adult  # noqa: E402
from synthetic import make_pairwise_interactions, pair_ranks  # noqa: E402

DATASETS = ("breast_cancer", "wine", "diabetes", "adult", "synthetic")


def load(name):
    """``(X_train, y_train, X_test, y_test, task)``."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    if name == "adult":
        X, y, X_test, y_test = load_adult()
        return X, y, X_test, y_test, "classification"
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True, as_frame=True)
    task = "regression" if name == "diabetes" else "classification"
    stratify = y if task == "classification" else None
    X, X_test, y, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=stratify
    )
    return X, y, X_test, y_test, task


def _loss(model, X, y, task):
    from sklearn.metrics import log_loss, mean_squared_error

    if task == "classification":
        return log_loss(y, model.predict_proba(X), labels=model.classes_)
    return mean_squared_error(y, model.predict(X))


def _permuted(X, columns, orders):
    X = X.copy()
    for column in columns:
        values = X.iloc[:, column].to_numpy()
        X.iloc[:, column] = values[orders[column]]
    return X


def permutation_interactions(model, X, y, task, pairs, repeats=2, seed=0):
    """``H`` of every pair in ``pairs`` (a list of (i, j)), averaged over repeats."""
    import pandas as pd

    X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    rng = np.random.default_rng(seed)
    n_features = X.shape[1]
    total = np.zeros(len(pairs))
    for _ in range(repeats):
        orders = [rng.permutation(len(X)) for _ in range(n_features)]
        base = _loss(model, X, y, task)
        single = {
            i: _loss(model, _permuted(X, [i], orders), y, task)
            for i in sorted({i for pair in pairs for i in pair})
        }
        for k, (i, j) in enumerate(pairs):
            both = _loss(model, _permuted(X, [i, j], orders), y, task)
            total[k] += abs(both - single[i] - single[j] + base)
    return total / repeats


def graph_figures(model, X, y, task, n_pairs, rng):
    """Spearman, precision@10 and contrast of the model's graph against ``H``."""
    from scipy.stats import spearmanr

    from skgraphfeat.inspection import feature_names

    names = [str(name) for name in feature_names(model)]
    graph = model.top_interactions(k=None)
    weight_of = {
        frozenset((str(a), str(b))): w for a, b, w in graph.itertuples(index=False)
    }
    all_pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    if len(all_pairs) > n_pairs:
        chosen = rng.choice(len(all_pairs), size=n_pairs, replace=False)
        pairs = [all_pairs[k] for k in sorted(chosen)]
    else:
        pairs = all_pairs
    H = permutation_interactions(model, X, y, task, pairs)
    weights = np.array([weight_of[frozenset((names[i], names[j]))] for i, j in pairs])
    spearman = spearmanr(weights, H).statistic
    top_graph = np.argsort(-weights)[:10]
    in_top_h = H >= np.quantile(H, 0.8)
    precision = float(in_top_h[top_graph].mean())
    every = np.sort(graph["weight"].to_numpy())[::-1]
    top = every[: max(1, int(round(0.05 * len(every))))]
    contrast = float(top.mean() / np.median(every))
    return spearman, precision, contrast, len(pairs)


def real_table(name, args):
    from skgraphfeat import GraphFeatureClassifier, GraphFeatureRegressor

    X, y, X_test, y_test, task = load(name)
    cls = GraphFeatureClassifier if task == "classification" else GraphFeatureRegressor
    start = time.perf_counter()
    model = cls(random_state=0, **args.params).fit(X, y)
    fit_time = time.perf_counter() - start
    rng = np.random.default_rng(0)
    if len(X_test) > args.rows:
        keep = np.sort(rng.choice(len(X_test), size=args.rows, replace=False))
        X_test = X_test.iloc[keep]
        y_test = np.asarray(y_test)[keep]
    score = model.score(X_test, y_test)
    spearman, precision, contrast, n = graph_figures(
        model, X_test, np.asarray(y_test), task, args.pairs, rng
    )
    return (
        f"{name}: Spearman {spearman:+.3f}, precision@10 {precision:.2f}, "
        f"contrast {contrast:.2f} ({model.n_features_in_} features, {n} pairs, "
        f"{len(X_test)} held-out rows; held-out score {score:.4f}, "
        f"fit {fit_time:.1f} s)"
    )


def synthetic_lines(args):
    from skgraphfeat import GraphFeatureClassifier

    for n_features in (20, 50):
        for seed in range(3):
            X, y, pairs = make_pairwise_interactions(
                8000, n_features, 3, random_state=seed
            )
            model = GraphFeatureClassifier(random_state=0, **args.params)
            model.fit(X[:4000], y[:4000])
            ranks = pair_ranks(
                model.top_interactions(k=None),
                pairs,
                [f"x{i}" for i in range(n_features)],
            )
            n_all = n_features * (n_features - 1) // 2
            top = all(rank <= 0.05 * n_all for rank in ranks)
            yield (
                f"synthetic F={n_features} seed={seed}: true-pair ranks {ranks} of "
                f"{n_all} (top 5%: {'yes' if top else 'no'}); test accuracy "
                f"{model.score(X[4000:], y[4000:]):.3f}"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--rows", type=int, default=2000, help="held-out rows")
    parser.add_argument("--pairs", type=int, default=300, help="most pairs")
    parser.add_argument("--params", type=json.loads, default={},
                        help="estimator parameters, as JSON")  # fmt: skip
    parser.add_argument("--out", default="faithfulness.md",
                        help="file name under benchmarks/results/")  # fmt: skip
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    header = (
        f"Measured {datetime.date.today()} on {platform.machine()}, "
        f"with `benchmarks/faithfulness.py` "
        f"({'defaults' if not args.params else json.dumps(args.params)}, "
        "random_state=0)."
    )
    print(header, flush=True)
    lines = []
    for name in args.datasets.split(","):
        produced = synthetic_lines(args) if name == "synthetic" else [
            real_table(name, args)]  # fmt: skip
        for line in produced:
            print(line, flush=True)
            lines.append(line)
    results = HERE / "results" / args.out
    results.write_text(header + "\n\n" + "\n".join(f"    {x}" for x in lines) + "\n")


if __name__ == "__main__":
    main()
