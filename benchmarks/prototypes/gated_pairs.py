"""A prototype for the model issue, outside the package (plain Keras): a readout
made of per-feature terms and pair terms gated by the attention.

    y = c + sum_i u(h_i) + sum_i sum_{j != i} A_ij p(h_i, h_j)

``h_i``: per-feature embedding (value times a vector of the feature's own plus a
bias of its own; categories: a table per column). ``A``: the layer's attention
(LeakyReLU scoring of [h_i; h_j; |h_i - h_j|] per head plus a learned bias per
pair, softmax over j, mean over heads). ``u``, ``p``: small networks shared by
all features / pairs. An L2 penalty on the output weights of ``p`` (``PEN``)
makes a pair term's amplitude cost, while concentrating ``A`` is free.

Prints one JSON line per data set: held-out score, fit time, and the
faithfulness figures of ``benchmarks/faithfulness.py`` (Spearman, precision@10,
contrast; synthetic: true-pair ranks), with two readings of ``H`` itself: its
rank correlation with the product of the two features' permutation importances
and with the columns' absolute correlation (and the graph's with both).

Settings by environment variable (see their definitions below), among them
``NORM`` (softmax or sigmoid), ``GRAPH`` (attention or interaction: which
summary of the model is the graph) and ``EMB`` (linear or ple).

    PEN=1e-3 .venv/bin/python benchmarks/prototypes/gated_pairs.py synthetic20 adult
    GRAPH=interaction PEN=1e-2 .venv/bin/python benchmarks/prototypes/gated_pairs.py \
        breast_cancer adult
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from faithfulness import load, permutation_interactions  # noqa: E402
from h_readings import column_correlation, importance_product, rho  # noqa: E402
from synthetic import make_pairwise_interactions  # noqa: E402

ops = keras.ops
E = int(os.environ.get("E", 16))
H = int(os.environ.get("H", 4))
U = int(os.environ.get("U", 64))
LR = float(os.environ.get("LR", 2e-3))
PEN = float(os.environ.get("PEN", 1e-3))
PAT = int(os.environ.get("PAT", 10))
EPOCHS = int(os.environ.get("EPOCHS", 200))
SEED = int(os.environ.get("SEED", 0))
NORM = os.environ.get("NORM", "softmax")
PAIRID = int(os.environ.get("PAIRID", 1))  # 0: p sees values only, not identity
# attention: the graph is A (mean over rows); interaction: the graph is the mean
# squared pure interaction of each pair term (exact with NORM=sigmoid only, see
# pure_interactions)
GRAPH = os.environ.get("GRAPH", "attention")
EMB = os.environ.get("EMB", "linear")  # linear: x w_i + b_i; ple: quantile bins
BINS = int(os.environ.get("BINS", 16))
# relu: p = relu(h_i P + h_j Q + c), a (B, F, F, U) tensor; bilinear:
# p = relu(h_i P + c) * relu(h_j Q + c'), so that sum_j A_ij p_ij is a matrix
# product A @ relu(h Q + c') and no (B, F, F, U) tensor is ever made
PAIR = os.environ.get("PAIR", "relu")


class Encoder:
    def fit(self, X):
        X = pd.DataFrame(X)
        self.cols = list(X.columns)
        self.cat = [not pd.api.types.is_numeric_dtype(X[c]) for c in self.cols]
        self.maps, self.stats = {}, {}
        for c, is_cat in zip(self.cols, self.cat, strict=True):
            if is_cat:
                cats = sorted(X[c].dropna().astype(str).unique())
                self.maps[c] = {v: i + 1 for i, v in enumerate(cats)}
            else:
                v = X[c].to_numpy(dtype=float)
                self.stats[c] = (np.nanmean(v), np.nanstd(v) or 1.0)
        self.cards = [len(self.maps[c]) + 1 if k else 0
                      for c, k in zip(self.cols, self.cat, strict=True)]  # fmt: skip
        Z = self.transform(X)
        self.edges = np.tile(np.linspace(-1.0, 1.0, BINS + 1), (len(self.cols), 1))
        for f, is_cat in enumerate(self.cat):
            if not is_cat:
                q = np.unique(np.quantile(Z[:, f], np.linspace(0, 1, BINS + 1)))
                if len(q) < 2:
                    q = np.array([q[0] - 1.0, q[0] + 1.0])
                # repeat the last edge: bins of width 0 encode nothing
                q = np.concatenate([q, np.full(BINS + 1 - len(q), q[-1])])
                self.edges[f] = q
        self.edges = self.edges.astype("float32")
        return self

    def transform(self, X):
        X = pd.DataFrame(X)
        out = np.zeros(X.shape, dtype="float32")
        for f, c in enumerate(self.cols):
            if self.cat[f]:
                out[:, f] = X[c].astype(str).map(self.maps[c]).fillna(0).to_numpy()
            else:
                m, s = self.stats[c]
                v = (X[c].to_numpy(dtype=float) - m) / s
                out[:, f] = np.clip(np.nan_to_num(v), -5, 5)
        return out


class GatedPairs(keras.layers.Layer):
    def __init__(self, cards, n_out, edges, **kw):
        super().__init__(**kw)
        self.cards, self.n_out, self.edges = cards, n_out, edges

    def build(self, shape):
        F = len(self.cards)
        s = iter(range(SEED * 100, SEED * 100 + 100))
        g = lambda: keras.initializers.GlorotUniform(seed=next(s))  # noqa: E731
        self.w = self.add_weight(
            shape=(F, E),
            initializer=keras.initializers.RandomNormal(0, 1, seed=next(s)),
        )
        self.b = self.add_weight(
            shape=(F, E),
            initializer=keras.initializers.RandomNormal(0, 1, seed=next(s)),
        )
        self.ple = self.add_weight(
            shape=(F, BINS, E),
            initializer=keras.initializers.RandomNormal(0, BINS**-0.5, seed=next(s)),
        )
        n_cat = max(1, sum(self.cards))
        self.table = self.add_weight(
            shape=(n_cat, E),
            initializer=keras.initializers.RandomNormal(0, 1, seed=next(s)),
        )
        self.offset = np.cumsum([0] + self.cards[:-1]).astype("int32")
        self.is_cat = np.array([c > 0 for c in self.cards])
        self.a = self.add_weight(shape=(H, 3, E // H), initializer=g())
        self.edge = self.add_weight(shape=(H, F, F), initializer="zeros")
        self.u1 = self.add_weight(shape=(E, U), initializer=g())
        self.u1b = self.add_weight(shape=(U,), initializer="zeros")
        self.u2 = self.add_weight(shape=(U, self.n_out), initializer=g())
        self.p1a = self.add_weight(shape=(E, U), initializer=g())
        self.p1b = self.add_weight(shape=(E, U), initializer=g())
        self.p1c = self.add_weight(shape=(U,), initializer="zeros")
        self.p1d = self.add_weight(shape=(U,), initializer="zeros")
        self.p2 = self.add_weight(
            shape=(U, self.n_out),
            initializer=g(),
            regularizer=keras.regularizers.L2(PEN),
        )
        self.c = self.add_weight(shape=(self.n_out,), initializer="zeros")

    def embed(self, x):
        if EMB == "ple":
            lo, hi = self.edges[:, :-1], self.edges[:, 1:]
            width = np.where(hi > lo, hi - lo, 1.0).astype("float32")
            t = ops.clip((x[..., None] - lo) / width, 0.0, 1.0)  # B F BINS
            t = ops.where(hi > lo, t, 0.0)
            numeric = ops.einsum("bft,fte->bfe", t, self.ple) + self.b
        else:
            numeric = x[..., None] * self.w + self.b
        codes = ops.cast(x, "int32") + self.offset
        codes = ops.where(self.is_cat, codes, 0)
        cats = ops.take(self.table, codes, axis=0)
        return ops.where(self.is_cat[:, None], cats, numeric)

    def attention(self, h, h_other=None):
        """``A[b, i, j]``; with ``h_other``, feature j's embedding comes from it."""
        h_other = h if h_other is None else h_other
        B, F = ops.shape(h)[0], h.shape[1]

        def heads(v):
            return ops.transpose(ops.reshape(v, (B, F, H, E // H)), (0, 2, 1, 3))

        hh, kk = heads(h), heads(h_other)  # B H F d
        s_i = ops.einsum("bhfd,hd->bhf", hh, self.a[:, 0])
        s_j = ops.einsum("bhfd,hd->bhf", kk, self.a[:, 1])
        diff = ops.abs(hh[:, :, :, None] - kk[:, :, None, :])
        s_d = ops.einsum("bhijd,hd->bhij", diff, self.a[:, 2])
        s = s_i[..., None] + s_j[:, :, None, :] + s_d
        s = ops.leaky_relu(s, 0.2) + self.edge
        eye = ops.eye(F, dtype=s.dtype)
        s = s - 1e9 * eye
        if NORM == "softmax":
            A = ops.softmax(s, axis=-1)
        else:
            A = ops.sigmoid(s)
        return ops.mean(A, axis=1)  # B F F

    def pair_terms(self, x, q):
        """``T[b, i, j, o]``: edge (i, j)'s term, x_i from ``x``, x_j from ``q``."""
        h, k = self.embed(x), self.embed(q)
        A = self.attention(h, k)
        if PAIR == "bilinear":
            left, right = self._sides(h, k)
            return ops.einsum("bij,biu,bju,uo->bijo", A, left, right, self.p2)
        pair = self._pair(x, h, q, k)
        return ops.einsum("bij,biju,uo->bijo", A, pair, self.p2)

    def _sides(self, h, k):
        left = ops.relu(ops.einsum("bfe,eu->bfu", h, self.p1a) + self.p1c)
        right = ops.relu(ops.einsum("bfe,eu->bfu", k, self.p1b) + self.p1d)
        return left, right

    def _pair(self, x, h, x_other, k):
        if PAIRID:
            left = ops.einsum("bfe,eu->bfu", h, self.p1a)
            right = ops.einsum("bfe,eu->bfu", k, self.p1b)
        else:
            left = x[..., None] * self.p1a[0]
            right = x_other[..., None] * self.p1b[0]
        return ops.relu(left[:, :, None] + right[:, None] + self.p1c)  # B F F U

    def call(self, x, return_graph=False):
        h = self.embed(x)
        A = self.attention(h)
        unary = ops.relu(ops.einsum("bfe,eu->bfu", h, self.u1) + self.u1b)
        y = ops.sum(ops.einsum("bfu,uo->bfo", unary, self.u2), axis=1)
        if PAIR == "bilinear":
            left, right = self._sides(h, h)
            weighted = ops.sum(left * ops.matmul(A, right), axis=1)
        else:
            pair = self._pair(x, h, x, h)
            weighted = ops.einsum("bij,biju->bu", A, pair)
        y = y + ops.einsum("bu,uo->bo", weighted, self.p2) + self.c
        return (y, A) if return_graph else y


def pure_interactions(layer, Xe, seed=0):
    """Mean over rows of the squared pure interaction of each pair's terms.

    With a normaliser that scores each edge alone (sigmoid), the model is
    ``sum_i u_i(x_i) + sum_{i<j} f_ij(x_i, x_j)``; for rows ``a`` and a
    shuffled copy ``b``, ``f(a_i, a_j) - f(a_i, b_j) - f(b_i, a_j) + f(b_i, b_j)``
    is the part of ``f_ij`` that no sum of one-feature functions can give.
    With the softmax, edge (i, j)'s gate also depends on the other features of
    the row, so the mixed rows (features i from one row, j from another) only
    approximate this.
    """
    shuffled = Xe[np.random.default_rng(seed).permutation(len(Xe))]

    def S(p, q):  # S[:, i, j] = f_ij(p_i, q_j)
        swapped = ops.transpose(layer.pair_terms(q, p), (0, 2, 1, 3))
        return layer.pair_terms(p, q) + swapped

    total = 0.0
    for start in range(0, len(Xe), 200):
        a = ops.convert_to_tensor(Xe[start : start + 200])
        b = ops.convert_to_tensor(shuffled[start : start + 200])
        D = S(a, a) - S(a, b) - S(b, a) + S(b, b)
        total = total + ops.convert_to_numpy(ops.sum(D**2, axis=(0, 3)))
    return total / len(Xe)


class Model:
    def __init__(self, task):
        self.task = task

    def fit(self, X, y):
        self.enc = Encoder().fit(X)
        Xe = self.enc.transform(X)
        y = np.asarray(y)
        if self.task == "classification":
            self.classes_ = np.unique(y)
            yt = np.searchsorted(self.classes_, y)
            n_out = len(self.classes_)
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        else:
            self.mu, self.sd = y.mean(), y.std()
            yt = ((y - self.mu) / self.sd)[:, None]
            n_out, loss = 1, "mse"
        rng = np.random.default_rng(SEED)
        order = rng.permutation(len(Xe))
        n_val = max(1, int(0.15 * len(Xe)))
        val, tr = order[:n_val], order[n_val:]
        inp = keras.Input((Xe.shape[1],))
        self.layer = GatedPairs(self.enc.cards, n_out, self.enc.edges)
        self.net = keras.Model(inp, self.layer(inp))
        self.net.compile(keras.optimizers.Adam(LR), loss)
        start = time.perf_counter()
        hist = self.net.fit(
            Xe[tr], yt[tr], batch_size=256, epochs=EPOCHS, verbose=0,
            validation_data=(Xe[val], yt[val]),
            callbacks=[keras.callbacks.EarlyStopping(
                patience=PAT, restore_best_weights=True)],
        )  # fmt: skip
        self.fit_time = time.perf_counter() - start
        self.epochs = len(hist.history["loss"])
        if GRAPH == "interaction":
            self.graph = pure_interactions(self.layer, Xe[:1000])
        else:
            _, A = self.layer(ops.convert_to_tensor(Xe[:1000]), return_graph=True)
            A = ops.convert_to_numpy(A).mean(axis=0)
            self.graph = A + A.T
        return self

    def _raw(self, X):
        return self.net.predict(self.enc.transform(X), batch_size=1024, verbose=0)

    def predict_proba(self, X):
        z = self._raw(X)
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)

    def predict(self, X):
        if self.task == "classification":
            return self.classes_[self.predict_proba(X).argmax(1)]
        return self._raw(X)[:, 0] * self.sd + self.mu

    def score(self, X, y):
        if self.task == "classification":
            return float((self.predict(X) == np.asarray(y)).mean())
        from sklearn.metrics import r2_score

        return float(r2_score(y, self.predict(X)))


def figures(model, X, y, task):
    F = model.graph.shape[0]
    pairs = [(i, j) for i in range(F) for j in range(i + 1, F)]
    rng = np.random.default_rng(0)
    if len(pairs) > 300:
        pairs = [pairs[k] for k in sorted(rng.choice(len(pairs), 300, replace=False))]
    Hm = permutation_interactions(model, X, y, task, pairs)
    w = np.array([model.graph[i, j] for i, j in pairs])
    top = np.argsort(-w)[:10]
    prec = float((Hm >= np.quantile(Hm, 0.8))[top].mean())
    every = np.sort(model.graph[np.triu_indices(F, 1)])[::-1]
    contrast = every[: max(1, round(0.05 * len(every)))].mean() / np.median(every)
    # how far H follows the product of the two features' permutation importances
    # (what a saturating loss gives even for a model without interactions), and
    # the columns' correlation
    X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    product = importance_product(model, X, y, task, pairs)
    correlation = column_correlation(X, pairs)
    return dict(
        spearman=rho(w, Hm),
        precision=prec,
        contrast=round(float(contrast), 2),
        h_vs_importance=rho(product, Hm),
        graph_vs_importance=rho(product, w),
        h_vs_correlation=rho(correlation, Hm),
        graph_vs_correlation=rho(correlation, w),
    )


def run(name):
    if name.startswith("synthetic"):
        F = int(name[len("synthetic") :])
        X, y, true = make_pairwise_interactions(8000, F, 3, random_state=SEED)
        X = pd.DataFrame(X, columns=[f"x{i}" for i in range(F)])
        m = Model("classification").fit(X[:4000], y[:4000])
        every = m.graph[np.triu_indices(F, 1)]
        order = np.argsort(-every)
        idx = {
            p: r + 1
            for r, p in enumerate(
                zip(*[a[order] for a in np.triu_indices(F, 1)], strict=True)
            )
        }
        ranks = [idx[tuple(sorted(p))] for p in true]
        top = np.sort(every)[::-1][: max(1, round(0.05 * len(every)))]
        out = dict(score=m.score(X[4000:], y[4000:]), ranks=ranks,
                   top5=all(r <= 0.05 * len(every) for r in ranks),
                   contrast=round(float(top.mean() / np.median(every)), 2))  # fmt: skip
    else:
        X, y, Xt, yt, task = load(name)
        m = Model(task).fit(X, y)
        if len(Xt) > 2000:
            keep = np.sort(
                np.random.default_rng(0).choice(len(Xt), 2000, replace=False)
            )
            Xt, yt = Xt.iloc[keep], np.asarray(yt)[keep]
        out = dict(
            score=round(m.score(Xt, yt), 4), **figures(m, Xt, np.asarray(yt), task)
        )
    out.update(name=name, fit=round(m.fit_time, 1), epochs=m.epochs)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        run(name)
