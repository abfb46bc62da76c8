"""
A classifier on a DataFrame as it comes
=======================================

Text columns, pandas categories and missing values go straight into the estimator: no
encoder, no imputer, no scaler. Each categorical column stays one feature (one node of
the feature graph) with an embedding learned per category.
"""

# %%
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skgraphfeat import GraphFeatureClassifier

# a short budget of epochs for the page: enough here, though not converged
warnings.filterwarnings("ignore", category=ConvergenceWarning)
rng = np.random.default_rng(0)
n = 600
frame = pd.DataFrame(
    {
        "age": rng.integers(18, 70, n).astype(float),
        "job": rng.choice(["clerk", "manager", "nurse", None], n),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n)),
        "hours": rng.normal(40, 8, n),
    }
)
frame.loc[rng.random(n) < 0.1, "age"] = np.nan  # holes
y = ((frame["job"] == "manager") ^ (frame["hours"] > 42)).astype(int)

X_train, X_test, y_train, y_test = train_test_split(frame, y, random_state=0)
clf = GraphFeatureClassifier(max_iter=60, random_state=0).fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")
print("categories of 'job':", list(clf.categories_[1]))

# %%
# A category never seen at fit is fine: it shares a learned "unknown" embedding.
print(clf.predict(X_test.head(3).assign(job="pilot")))

# %%
# The strongest feature pairs of the learned graph (``A[a, b] + A[b, a]``; a uniform
# graph gives every pair ``2 / F = 0.5`` here).
print(clf.top_interactions(k=3))
