"""What does the faithfulness run's ``H`` follow? A diagnostic for the model issue.

For the estimator with defaults (``random_state=0``) on one data set, on the
held-out rows of ``benchmarks/faithfulness.py`` (at most 2,000) and over all
pairs, prints the rank correlations (Spearman) of:

- ``graph_H``: the graph's weights (``top_interactions(k=None)``) and ``H``;
- ``H_seed0_vs_seed1``: ``H`` and ``H`` again with other permutations (how far
  ``H`` is reproducible at all);
- ``H_vs_importance``, ``graph_vs_importance``: ``H`` (the graph) and the
  product of the two features' permutation importances (loss increase when one
  column is permuted). With log loss, two permuted columns that each raise the
  loss add up in a saturating way even in a model without any pair term, so a
  pair can score high in ``H`` because both features matter;
- ``H_vs_correlation``, ``graph_vs_correlation``: ``H`` (the graph) and the
  columns' absolute correlation (text columns by their category codes).

    .venv/bin/python benchmarks/prototypes/h_readings.py breast_cancer adult
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from faithfulness import _loss, _permuted, load, permutation_interactions  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402


def rho(a, b):
    return round(float(spearmanr(a, b).statistic), 3)


def importance_product(model, X, y, task, pairs):
    """For each pair, the product of its two features' permutation importances."""
    base = _loss(model, X, y, task)
    orders = [np.random.default_rng(0).permutation(len(X))] * X.shape[1]
    importance = [
        _loss(model, _permuted(X, [i], orders), y, task) - base
        for i in range(X.shape[1])
    ]
    return np.array([importance[i] * importance[j] for i, j in pairs])


def column_correlation(X, pairs):
    """For each pair, its columns' absolute correlation (text by category codes)."""
    codes = X.apply(
        lambda c: (
            c if pd.api.types.is_numeric_dtype(c) else c.astype("category").cat.codes
        )
    )
    corr = np.abs(np.nan_to_num(np.corrcoef(np.nan_to_num(codes.to_numpy(float)).T)))
    return np.array([corr[i, j] for i, j in pairs])


def readings(name):
    from skgraphfeat import GraphFeatureClassifier, GraphFeatureRegressor
    from skgraphfeat.inspection import feature_names

    X, y, X_test, y_test, task = load(name)
    cls = GraphFeatureClassifier if task == "classification" else GraphFeatureRegressor
    model = cls(random_state=0).fit(X, y)
    if len(X_test) > 2000:
        keep = np.sort(
            np.random.default_rng(0).choice(len(X_test), 2000, replace=False)
        )
        X_test, y_test = X_test.iloc[keep], np.asarray(y_test)[keep]
    y_test = np.asarray(y_test)
    names = [str(n) for n in feature_names(model)]
    n_features = len(names)
    weight_of = {
        frozenset((str(a), str(b))): w
        for a, b, w in model.top_interactions(k=None).itertuples(index=False)
    }
    pairs = [(i, j) for i in range(n_features) for j in range(i + 1, n_features)]
    H = permutation_interactions(model, X_test, y_test, task, pairs)
    H_again = permutation_interactions(model, X_test, y_test, task, pairs, seed=1)
    weights = np.array([weight_of[frozenset((names[i], names[j]))] for i, j in pairs])

    product = importance_product(model, X_test, y_test, task, pairs)
    correlation = column_correlation(X_test, pairs)
    return dict(
        name=name,
        graph_H=rho(weights, H),
        H_seed0_vs_seed1=rho(H, H_again),
        H_vs_importance=rho(product, H),
        graph_vs_importance=rho(product, weights),
        H_vs_correlation=rho(correlation, H),
        graph_vs_correlation=rho(correlation, weights),
    )


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(json.dumps(readings(name)), flush=True)
