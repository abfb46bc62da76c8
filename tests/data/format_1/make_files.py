"""Writes the estimator files of this folder, saved (``.keras``) and pickled
(``.pkl``) by skgraphfeat at commit 2831162 (format version 1, before the
manifest's fields were checked on load and before the modules were reshaped).

Run from a checkout of that commit: ``python tests/data/format_1/make_files.py``.
The data come from ``table()``, which tests/test_workflows.py repeats.
"""

import os
import pickle
import warnings

import numpy as np
import pandas as pd

from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL = {"embed_dim": 4, "num_heads": 2, "hidden_layer_sizes": (8,), "max_iter": 3}


def table():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    frame.loc[::5, "b"] = np.nan
    frame["city"] = pd.Categorical(
        np.array(["Lyon", "Oslo", "Rome"])[np.arange(40) % 3]
    )
    label = np.where(frame["a"] > 0, "yes", "no")
    target = np.stack([frame["a"] * 2, frame["c"] - 1], axis=1)
    return frame, label, target


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    frame, label, target = table()
    fitted = {
        "classifier": GraphFeatureClassifier(
            early_stopping=True, validation_fraction=0.25, random_state=0, **SMALL
        ).fit(frame, label),
        "regressor": GraphFeatureRegressor(random_state=0, **SMALL).fit(frame, target),
        "transformer": GraphFeatureTransformer(random_state=0, **SMALL)
        .set_output(transform="pandas")
        .fit(frame),
    }
    for name, estimator in fitted.items():
        estimator.save(os.path.join(HERE, f"{name}.keras"))
        with open(os.path.join(HERE, f"{name}.pkl"), "wb") as file:
            pickle.dump(estimator, file)
        if name == "classifier":
            output = estimator.predict_proba(frame)
        elif name == "regressor":
            output = estimator.predict(frame)
        else:
            output = estimator.transform(frame).to_numpy()
        np.save(os.path.join(HERE, f"{name}.npy"), output)
