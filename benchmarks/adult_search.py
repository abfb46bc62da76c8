"""What a small RandomizedSearchCV of GraphFeatureClassifier reaches on Adult.

Four candidates, 2-fold cross-validation on the official training set, the best
refitted on all of it and scored on the official test set (issue: "report also
what a small RandomizedSearchCV reaches"). Needs the Adult files (see
``benchmarks/datasets.py``).

    .venv/bin/python benchmarks/adult_search.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import load_adult  # noqa: E402


def main():
    from scipy.stats import loguniform
    from sklearn.model_selection import RandomizedSearchCV

    from skgraphfeat import GraphFeatureClassifier

    X, y, X_test, y_test = load_adult()
    search = RandomizedSearchCV(
        GraphFeatureClassifier(random_state=0),
        {
            "embed_dim": [8, 16, 32],
            "hidden_layer_sizes": [(64,), (128,), (64, 64)],
            "learning_rate_init": loguniform(3e-4, 3e-3),
            "alpha": loguniform(1e-5, 1e-3),
        },
        n_iter=4,
        cv=2,
        random_state=0,
    )
    start = time.perf_counter()
    search.fit(X, y)
    elapsed = time.perf_counter() - start
    for params, score in zip(
        search.cv_results_["params"],
        search.cv_results_["mean_test_score"],
        strict=True,
    ):
        print(f"candidate {params}: 2-fold CV accuracy {score:.4f}", flush=True)
    print(
        "RandomizedSearchCV 4 candidates x 2 folds on Adult: best "
        f"{search.best_params_}, CV accuracy {search.best_score_:.4f}, "
        f"official test accuracy {search.score(X_test, y_test):.4f}; "
        f"search and refit {elapsed:.0f} s"
    )


if __name__ == "__main__":
    main()
