"""
Reading the feature graph
=========================

The label of this synthetic table is made by three pairs of features, ``x0 * x1 - x2 *
x3 + x4 * x5 > 0``; the other six features are noise. A network whose head sees the
features only through the graph layer (``hidden_layer_sizes=()``) has to route the
interactions through the graph, and its graph finds the pairs. With the default dense
head the head can combine the features itself, and its graph can stay close to uniform:
the plots say so in their titles, and draw edges against the uniform weight, not against
each other.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skgraphfeat import GraphFeatureClassifier
from skgraphfeat.plotting import plot_feature_graph, plot_feature_network

# a short budget of epochs for the page: enough here, though not converged
warnings.filterwarnings("ignore", category=ConvergenceWarning)
rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(3000, 12))
y = (X[:, 0] * X[:, 1] - X[:, 2] * X[:, 3] + X[:, 4] * X[:, 5] > 0).astype(int)

graph_head = GraphFeatureClassifier(
    hidden_layer_sizes=(), learning_rate_init=1e-2, max_iter=40, random_state=0
).fit(X, y)
dense_head = GraphFeatureClassifier(max_iter=40, random_state=0).fit(X, y)
for name, model in [("graph head", graph_head), ("dense head", dense_head)]:
    print(f"{name}: training accuracy {model.score(X, y):.3f}")
    print(model.top_interactions(k=4).to_string(index=False))

# %%
# The graph of each model, heatmap and strongest pairs.
fig, axes = plt.subplots(2, 2, figsize=(11, 10))
for row, model in zip(axes, [graph_head, dense_head], strict=True):
    plot_feature_graph(model, ax=row[0])
    plot_feature_network(model, k=6, ax=row[1])
fig.tight_layout()
plt.show()

# %%
# One row's own graph: a local explanation of that prediction.
fig, ax = plt.subplots(figsize=(5.5, 4.5))
plot_feature_graph(graph_head, X[:1], ax=ax)
fig.tight_layout()
plt.show()
