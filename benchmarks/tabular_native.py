"""Native categorical columns and missing values vs one-hot encoding + imputation.

On Adult (official split; 8 text columns, missing values): the same
GraphFeatureClassifier fitted on the DataFrame as it is, and behind a
ColumnTransformer (SimpleImputer + OneHotEncoder for text, SimpleImputer +
StandardScaler for numbers). Then a stress frame: a 1,000-category column and a
column that is 90% missing. Every variant runs in its own process, so its peak
memory (resident set, ru_maxrss) is its own; the process's baseline after
importing TensorFlow is printed next to it.

    .venv/bin/python benchmarks/tabular_native.py [--max-iter 30]
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _params(max_iter):
    return dict(max_iter=max_iter, early_stopping=True, random_state=0)


def run_variant(variant, max_iter):
    sys.path.insert(0, str(HERE))
    import keras  # noqa: F401  (the baseline includes TensorFlow)
    import pandas as pd
    from datasets import ADULT_CATEGORICAL, load_adult, one_hot_preprocessor
    from sklearn.pipeline import make_pipeline

    from skgraphfeat import GraphFeatureClassifier

    baseline = _peak_rss_mb()
    result = {"variant": variant, "baseline_mb": baseline}
    if variant in ("native", "one-hot"):
        X_train, y_train, X_test, y_test = load_adult()
        model = GraphFeatureClassifier(**_params(max_iter))
        if variant == "one-hot":
            model = make_pipeline(one_hot_preprocessor(ADULT_CATEGORICAL), model)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        result["fit_s"] = time.perf_counter() - start
        result["accuracy"] = float(model.score(X_test, y_test))
        final = model[-1] if variant == "one-hot" else model
        result["n_features"] = int(final.n_features_in_)
        result["epochs"] = int(final.n_iter_)
    else:
        rng = np.random.default_rng(0)
        n = 20_000
        codes = rng.integers(0, 1000, n)
        frame = pd.DataFrame(
            {
                "city": np.char.add("city_", codes.astype(str)).astype(object),
                "mostly_missing": np.where(
                    rng.random(n) < 0.9, np.nan, rng.normal(size=n)
                ),
                "x": rng.normal(size=n),
            }
        )
        y = ((codes % 7 < 3) ^ (frame["x"] > 0)).astype(int)
        model = GraphFeatureClassifier(**_params(max_iter))
        start = time.perf_counter()
        model.fit(frame.iloc[:16_000], y[:16_000])
        result["fit_s"] = time.perf_counter() - start
        result["accuracy"] = float(model.score(frame.iloc[16_000:], y[16_000:]))
        result["n_features"] = int(model.n_features_in_)
        result["epochs"] = int(model.n_iter_)
        result["categories"] = len(model.categories_[0])
    result["peak_mb"] = _peak_rss_mb()
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        run_variant(args.variant, args.max_iter)
        return
    print(
        f"GraphFeatureClassifier(max_iter={args.max_iter}, early_stopping=True), "
        "each variant in its own process"
    )
    results = {}
    for variant in ("native", "one-hot", "stress"):
        output = subprocess.run(
            [sys.executable, __file__, "--variant", variant,
             "--max-iter", str(args.max_iter)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        results[variant] = result = json.loads(output.strip().splitlines()[-1])
        if variant == "stress":
            print(
                f"stress (1,000-category column + 90%-missing column, 16,000 rows): "
                f"{result['categories']} categories learned, fit "
                f"{result['fit_s']:.1f} s ({result['epochs']} epochs), held-out "
                f"accuracy {result['accuracy']:.4f}, peak RSS "
                f"{result['peak_mb']:.0f} MB (baseline {result['baseline_mb']:.0f} MB)"
            )
        else:
            print(
                f"Adult {variant:8s}: {result['n_features']:3d} features, test "
                f"accuracy {result['accuracy']:.4f}, fit {result['fit_s']:.1f} s "
                f"({result['epochs']} epochs), peak RSS {result['peak_mb']:.0f} MB "
                f"(baseline {result['baseline_mb']:.0f} MB)"
            )
    native, one_hot = results["native"], results["one-hot"]
    print(
        f"native vs one-hot: accuracy {native['accuracy'] - one_hot['accuracy']:+.4f}, "
        f"fit time x{native['fit_s'] / one_hot['fit_s']:.2f}, peak memory "
        f"{native['peak_mb'] - one_hot['peak_mb']:+.0f} MB"
    )


if __name__ == "__main__":
    main()
