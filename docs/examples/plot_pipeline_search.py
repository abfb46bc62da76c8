"""
In a Pipeline, with a grid search
=================================

The estimators are scikit-learn estimators: they clone, take part in pipelines and
searches, and return pandas output when asked. Here ``GraphFeatureTransformer`` learns
graph-refined features that a logistic regression reads, and ``GridSearchCV`` picks the
embedding width.
"""

# %%
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skgraphfeat import GraphFeatureTransformer

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
pipeline = make_pipeline(
    GraphFeatureTransformer(max_iter=10, random_state=0),
    LogisticRegression(max_iter=1000),
)
search = GridSearchCV(
    pipeline, {"graphfeaturetransformer__embed_dim": [8, 16]}, cv=3
).fit(X, y)
print("best:", search.best_params_, f"cv accuracy {search.best_score_:.3f}")

# %%
# pandas in, pandas out: the refined features keep the column names.
refined = (
    GraphFeatureTransformer(max_iter=10, random_state=0)
    .set_output(transform="pandas")
    .fit_transform(X, y)
)
print(refined.iloc[:3, :4])
