"""A prototype for the model issue, outside the package (plain Keras): is a graph
network with per-feature embeddings accurate on Adult, and is its graph faithful?

The network: per-feature periodic embeddings of the numbers (``[sin 2 pi c x,
cos 2 pi c x]`` with learned frequencies ``c ~ N(0, SIGMA)``, a per-feature linear
map and ReLU), a learned table per categorical column, a learned column embedding
added to every feature (identity); one attention block scored GATv2-style
(``a_k . LeakyReLU(W_q h_i + W_k h_j)``, times ``SCALE``, plus a learned bias per
head and pair), residual and layer norm; then either the additive readout
``sum_i g(r_i)`` (``g`` shared by the features, so that every interaction has to
pass through the graph) or a dense head over all features ("dense").

It prints one JSON line: test accuracy (official split), epochs, fit time, and the
faithfulness figures of ``benchmarks/faithfulness.py`` on 2,000 test rows
(Spearman, precision@10, contrast of the mean graph of 1,000 training rows).
Settings by environment variable: E, LR, PAT (patience), SCALE, SIGMA, SEED (the
seeds of the embeddings, scoring vector and validation split; the Dense layers'
initializers are not seeded, so runs vary beyond SEED).

    E=32 LR=1e-3 PAT=8 SCALE=4 SIGMA=1.0 .venv/bin/python \
        benchmarks/prototypes/additive_graph.py additive   # or: dense
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, "/work/main/benchmarks")
import keras
import numpy as np
from datasets import ADULT_CATEGORICAL, load_adult
from keras import ops
from scipy.stats import spearmanr

readout = sys.argv[1] if len(sys.argv) > 1 else "additive"
E, H, K = int(os.environ.get("E", 32)), 4, 16
LR = float(os.environ.get("LR", 2e-3))
PAT = int(os.environ.get("PAT", 4))
SCALE = float(os.environ.get("SCALE", 1))
SIGMA = float(os.environ.get("SIGMA", 0.3))
SEED = int(os.environ.get("SEED", 0))
Xtr, ytr, Xte, yte = load_adult()
cols = list(Xtr.columns)
cat = [c in ADULT_CATEGORICAL for c in cols]


def encode(X, ref):
    out = np.zeros(X.shape, dtype="float32")
    for f, c in enumerate(cols):
        if cat[f]:
            cats = sorted(ref[c].dropna().unique())
            m = {v: i + 1 for i, v in enumerate(cats)}
            out[:, f] = X[c].map(m).fillna(0).to_numpy()
        else:
            v = X[c].to_numpy(dtype=float)
            q = np.quantile(ref[c], [0.25, 0.5, 0.75])
            scale = (q[2] - q[0]) or ref[c].std()
            out[:, f] = np.clip((v - q[1]) / scale, -5, 5)
    return out


cards = [int(Xtr[c].nunique()) + 1 if cat[f] else 0 for f, c in enumerate(cols)]
F = len(cols)


class Embed(keras.layers.Layer):
    def build(self, s):
        self.freq = self.add_weight(
            shape=(F, K),
            initializer=keras.initializers.RandomNormal(0, SIGMA, seed=SEED * 100 + 0),
        )
        self.lin = self.add_weight(
            shape=(F, 2 * K, E),
            initializer=keras.initializers.GlorotUniform(seed=SEED * 100 + 1),
        )
        self.lin_b = self.add_weight(shape=(F, E), initializer="zeros")
        self.col = self.add_weight(
            shape=(F, E),
            initializer=keras.initializers.RandomNormal(0, 0.1, seed=SEED * 100 + 2),
        )
        self.tables = [
            self.add_weight(
                shape=(n, E),
                initializer=keras.initializers.RandomNormal(
                    0, 0.5, seed=SEED * 100 + 3 + f
                ),
            )
            if n
            else None
            for f, n in enumerate(cards)
        ]

    def call(self, x):
        ang = 2 * np.pi * x[:, :, None] * self.freq
        per = ops.concatenate([ops.sin(ang), ops.cos(ang)], -1)  # B F 2K
        num = ops.relu(ops.einsum("bfk,fke->bfe", per, self.lin) + self.lin_b)
        outs = []
        for f in range(F):
            if cards[f]:
                outs.append(
                    ops.take(self.tables[f], ops.cast(x[:, f], "int32"), axis=0)
                )
            else:
                outs.append(num[:, f])
        return ops.stack(outs, 1) + self.col


class Graph(keras.layers.Layer):
    def build(self, s):
        d = E // H
        self.wq = keras.layers.Dense(E, use_bias=False)
        self.wq.build((None, F, E))
        self.wk = keras.layers.Dense(E, use_bias=False)
        self.wk.build((None, F, E))
        self.wv = keras.layers.Dense(E, use_bias=False)
        self.wv.build((None, F, E))
        self.a = self.add_weight(
            shape=(H, d),
            initializer=keras.initializers.GlorotUniform(seed=SEED * 100 + 9),
        )
        self.bias = self.add_weight(shape=(H, F, F), initializer="zeros")
        self.ln = keras.layers.LayerNormalization()
        self.ln.build((None, F, E))

    def call(self, h, return_graph=False):
        d = E // H
        q = ops.reshape(self.wq(h), (-1, F, H, d))
        k = ops.reshape(self.wk(h), (-1, F, H, d))
        v = ops.reshape(self.wv(h), (-1, F, H, d))
        e = ops.leaky_relu(q[:, :, None] + k[:, None, :], 0.2)  # B i j H d
        s = SCALE * ops.einsum("bijhd,hd->bhij", e, self.a) + self.bias
        A = ops.softmax(s, -1)
        z = ops.einsum("bhij,bjhd->bihd", A, v)
        r = self.ln(ops.reshape(z, (-1, F, E)) + h)
        return (r, A) if return_graph else r


inp = keras.Input((F,))
emb = Embed()
h = emb(inp)
g = Graph()
r = g(h)
if readout == "additive":
    per = keras.layers.Dense(64, activation="relu")(r)
    per = keras.layers.Dense(1)(per)  # B F 1: g(r_i)
    out = ops.sum(per, axis=(1, 2))[:, None]
else:
    flat = keras.layers.Flatten()(r)
    out = keras.layers.Dense(1)(keras.layers.Dense(128, activation="relu")(flat))
model = keras.Model(inp, out)
Xa, Xb = encode(Xtr, Xtr), encode(Xte, Xtr)
rng = np.random.default_rng(SEED)
val = rng.random(len(Xa)) < 0.1
model.compile(
    keras.optimizers.AdamW(LR, weight_decay=1e-4),
    keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
t = time.time()
hist = model.fit(
    Xa[~val],
    ytr[~val],
    validation_data=(Xa[val], ytr[val]),
    epochs=40,
    batch_size=256,
    verbose=0,
    callbacks=[
        keras.callbacks.EarlyStopping(
            patience=PAT, restore_best_weights=True, monitor="val_loss"
        )
    ],
)
fit = time.time() - t
p = 1 / (1 + np.exp(-model.predict(Xb, batch_size=4096, verbose=0)[:, 0]))
acc = ((p > 0.5) == yte).mean()
# faithfulness on 2000 test rows
idx = np.sort(rng.choice(len(Xb), 2000, replace=False))
Xs, ys = Xb[idx], yte[idx]


def L(X):
    q = np.clip(
        1 / (1 + np.exp(-model.predict(X, batch_size=4096, verbose=0)[:, 0])),
        1e-7,
        1 - 1e-7,
    )
    return -np.mean(ys * np.log(q) + (1 - ys) * np.log(1 - q))


pairs = [(i, j) for i in range(F) for j in range(i + 1, F)]
Hs = np.zeros(len(pairs))


def permuted(columns, orders):
    X = Xs.copy()
    for c in columns:
        X[:, c] = Xs[orders[c], c]
    return X


for _ in range(2):
    orders = [rng.permutation(len(Xs)) for _ in range(F)]
    base = L(Xs)
    single = [L(permuted([i], orders)) for i in range(F)]
    for k, (i, j) in enumerate(pairs):
        both = L(permuted([i, j], orders))
        Hs[k] += abs(both - single[i] - single[j] + base) / 2
A = np.asarray(g(emb(ops.convert_to_tensor(Xa[:1000])), return_graph=True)[1]).mean(
    axis=(0, 1)
)
w = np.array([A[i, j] + A[j, i] for i, j in pairs])
top = np.argsort(-w)[:10]
prec = (Hs >= np.quantile(Hs, 0.8))[top].mean()
ws = np.sort(w)[::-1]
contrast = ws[: max(1, round(0.05 * len(ws)))].mean() / np.median(ws)
print(
    json.dumps(
        dict(
            readout=readout,
            E=E,
            LR=LR,
            PAT=PAT,
            SCALE=SCALE,
            SIGMA=SIGMA,
            SEED=SEED,
            acc=round(float(acc), 4),
            epochs=len(hist.history["loss"]),
            fit_s=round(fit, 1),
            spearman=round(float(spearmanr(w, Hs).statistic), 3),
            precision10=float(prec),
            contrast=round(float(contrast), 2),
        )
    )
)
