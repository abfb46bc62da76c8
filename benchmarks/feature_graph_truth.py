"""Does the feature graph find the interactions that make the label?

Synthetic truth (``benchmarks/synthetic.py``): features uniform on [-1, 1], the
label is ``x_a1 x_b1 - x_a2 x_b2 + x_a3 x_b3 > 0`` for 3 random disjoint pairs,
every other feature a distractor; F = 20 and F = 50, 4000 training and 4000 test
rows, data seed 0.

For each F it prints one line per figure:
- the rank (1 = strongest) of each true pair among all F*(F-1)/2 pairs of
  ``top_interactions`` (target: all in the top 5%, rank <= 9 of 190 at F = 20),
  and the test accuracy, for GraphFeatureClassifier in two settings:
  "defaults" (every default but max_iter=100) and "graph head"
  (hidden_layer_sizes=(), learning_rate_init=1e-2, max_iter=100: no hidden
  layer, so the interactions have to go through the graph layer);
- the test accuracy of MLPClassifier(max_iter=500) and
  HistGradientBoostingClassifier(), otherwise defaults, random_state=0.

``--figure PATH`` also saves the heatmap and network of the "graph head" graph at
F = 20 (true pairs outlined), drawn with ``skgraphfeat.plotting``.

Run with ``.venv/bin/python benchmarks/feature_graph_truth.py``.
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from synthetic import make_pairwise_interactions, pair_ranks  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)

GRAPH_SETTINGS = {
    "defaults": {"max_iter": 100},
    "graph head": {
        "hidden_layer_sizes": (),
        "learning_rate_init": 1e-2,
        "max_iter": 100,
    },
}
N_PAIRS = 3


def measure(n_features, n_train, n_test):
    """Fit every model on one data set; return the fitted graph classifiers."""
    from skgraphfeat import GraphFeatureClassifier

    X, y, pairs = make_pairwise_interactions(
        n_train + n_test, n_features, N_PAIRS, random_state=0
    )
    X_train, y_train, X_test, y_test = (
        X[:n_train],
        y[:n_train],
        X[n_train:],
        y[n_train:],
    )
    n_pairs = n_features * (n_features - 1) // 2
    top = int(0.05 * n_pairs)
    names = [f"x{index}" for index in range(n_features)]
    head = f"F={n_features} pairs={pairs}"
    fitted = {}
    for label, params in GRAPH_SETTINGS.items():
        start = time.perf_counter()
        clf = GraphFeatureClassifier(random_state=0, **params).fit(X_train, y_train)
        seconds = time.perf_counter() - start
        ranks = pair_ranks(clf.top_interactions(k=None), pairs, names)
        print(
            f"{head} GraphFeatureClassifier ({label}): true-pair ranks {ranks} of "
            f"{n_pairs}, all in top 5% (rank <= {top}): "
            f"{'yes' if max(ranks) <= top else 'no'}; "
            f"test accuracy {clf.score(X_test, y_test):.3f} "
            f"({clf.n_iter_} epochs, {seconds:.0f} s)",
            flush=True,
        )
        fitted[label] = clf
    others = {
        "MLPClassifier": MLPClassifier(max_iter=500, random_state=0),
        "HistGradientBoostingClassifier": HistGradientBoostingClassifier(
            random_state=0
        ),
    }
    for label, model in others.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        print(
            f"{head} {label}: test accuracy {model.score(X_test, y_test):.3f} "
            f"({seconds:.0f} s)",
            flush=True,
        )
    return fitted, pairs


def save_figure(clf, pairs, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from skgraphfeat.plotting import plot_feature_graph, plot_feature_network

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.8))
    plot_feature_graph(clf, ax=left)
    for a, b in pairs:
        for i, j in ((a, b), (b, a)):
            left.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=1.5)
            )
    left.set_title("feature_graph(): true pairs outlined in red")
    plot_feature_network(clf, k=10, ax=right)
    truth = ", ".join(f"x{a}-x{b}" for a, b in pairs)
    right.set_title(f"top_interactions(k=10); true pairs: {truth}")
    fig.tight_layout()
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"figure written to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--n-test", type=int, default=4000)
    parser.add_argument("--figure", help="save the F=20 figure (PNG) here")
    args = parser.parse_args()
    for n_features in args.features:
        fitted, pairs = measure(n_features, args.n_train, args.n_test)
        if args.figure and n_features == 20:
            save_figure(fitted["graph head"], pairs, args.figure)


if __name__ == "__main__":
    main()
