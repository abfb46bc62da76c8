"""Hostile input, divergence, interruption, threads, memory, reproducibility and
warnings: what a long-running service needs from the estimators."""

import copy
import json
import os
import pickle
import subprocess
import sys
import threading
import warnings

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification

import skgraphfeat
from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)
from skgraphfeat.exceptions import TrainingDivergedError

TINY = {
    "embed_dim": 4,
    "num_heads": 1,
    "hidden_layer_sizes": (8,),
    "max_iter": 3,
    "random_state": 0,
}


# ------------------------------------------------------------------- fuzzing
@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 300))
    # a few feature counts, so that compiled networks are reused across examples
    n_features = draw(st.sampled_from([1, 2, 7, 40]))
    magnitude = draw(st.sampled_from([1e-30, 1e-6, 1.0, 1e6, 1e30]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(n_rows, n_features)) * magnitude
    if draw(st.booleans()):
        X[:, 0] = magnitude  # a constant column
    if n_rows > 1 and draw(st.booleans()):
        X[n_rows // 2 :] = X[: n_rows - n_rows // 2]  # duplicated rows
    kind = draw(st.sampled_from(["float64", "float32", "int", "bool", "fortran"]))
    if kind == "float32":
        X = X.astype(np.float32)
    elif kind == "int":
        X = np.clip(X, -1e9, 1e9).astype(np.int64)
    elif kind == "bool":
        X = X > 0
    elif kind == "fortran":
        X = np.asfortranarray(X)
    if draw(st.booleans()):
        X.setflags(write=False)
    target = draw(st.sampled_from(["binary", "multiclass", "constant", "continuous"]))
    if target == "binary":
        y = rng.integers(0, 2, n_rows)
    elif target == "multiclass":
        y = rng.integers(0, 4, n_rows)
    elif target == "constant":
        y = np.full(n_rows, 3.0)
    else:
        y = rng.normal(size=n_rows) * magnitude
    return X, y, target


def _check_outcome(fit_and_predict, n_rows, width, refusal=None):
    """The input either must fit, with finite outputs of the right shape, or
    (``refusal``, a regex) must be refused with that ValueError; nothing else."""
    if refusal is not None:
        with pytest.raises(ValueError, match=refusal):
            fit_and_predict()
        return
    out = fit_and_predict()
    assert out.shape[0] == n_rows and (width is None or out.shape[1] == width)
    assert out.dtype.kind == "f" and np.isfinite(out).all()


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 10)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tables())
def test_fuzzed_input_fits_or_fails_cleanly(table):
    from sklearn.exceptions import ConvergenceWarning

    X, y, target = table
    n_rows = len(X)
    with warnings.catch_warnings():
        # every warning is an error but the one three epochs must give
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        if target in ("binary", "multiclass"):
            clf = GraphFeatureClassifier(**TINY)
            # one class: refused by name; any other labels must fit
            refusal = "at least 2 classes" if len(np.unique(y)) < 2 else None
            _check_outcome(lambda: clf.fit(X, y).predict_proba(X), n_rows, None,
                           refusal)  # fmt: skip
            if refusal is None:
                assert set(clf.predict(X)) <= set(clf.classes_)
        else:
            reg = GraphFeatureRegressor(**TINY)
            _check_outcome(lambda: reg.fit(X, y).predict(X)[:, None], n_rows, 1)
        transformer = GraphFeatureTransformer(**TINY)
        _check_outcome(lambda: transformer.fit_transform(X), n_rows, X.shape[1])


def test_far_outside_the_training_range_still_finite():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    reg = GraphFeatureRegressor(**TINY).fit(X.astype(np.float32), y.astype(np.float32))
    extreme = np.full((3, 5), 3e38, dtype=np.float32)
    assert np.isfinite(reg.predict(extreme)).all()


# ---------------------------------------------------------------- divergence
def test_divergence_raises_a_clear_error_and_keeps_the_fitted_model():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    X = X.astype(np.float32)
    reg = GraphFeatureRegressor(**TINY).fit(X, y.astype(np.float32))
    before = reg.predict(X)
    reg.set_params(learning_rate_init=1e12, max_iter=50)
    with pytest.raises(TrainingDivergedError, match="Lower learning_rate_init"):
        reg.fit(X, y.astype(np.float32))
    assert isinstance(TrainingDivergedError("x"), ValueError)
    assert reg.learning_rate_init == 1e12  # parameters are the user's: untouched
    np.testing.assert_array_equal(reg.predict(X), before)
    assert reg.n_iter_ == 3


# -------------------------------------------------------------- interruption
class InterruptAt(keras.callbacks.Callback):
    def __init__(self, epoch, error=KeyboardInterrupt):
        super().__init__()
        self.epoch, self.error = epoch, error

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise self.error()


class StopAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.stop_training = True


def test_keyboard_interrupt_leaves_the_previous_fitted_state():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    clf = GraphFeatureClassifier(**TINY).fit(X, y)
    state = dict(vars(clf))
    proba = clf.predict_proba(X)
    clf.set_params(callbacks=[InterruptAt(2)], max_iter=10)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    fitted = [k for k in state if k.endswith("_") or k.startswith("_")]
    assert vars(clf).keys() == state.keys()
    assert all(vars(clf)[k] is state[k] for k in fitted)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)

    fresh = GraphFeatureClassifier(**{**TINY, "callbacks": [InterruptAt(1)]})
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X, y)
    assert not hasattr(fresh, "model_") and not hasattr(fresh, "classes_")


def test_a_callback_stop_leaves_a_consistent_partly_trained_model():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    clf = GraphFeatureClassifier(**{**TINY, "max_iter": 20, "callbacks": [StopAt(3)]})
    clf.fit(X, y)
    assert clf.n_iter_ == 4 == len(clf.loss_curve_)
    assert np.isfinite(clf.predict_proba(X)).all()


# ------------------------------------------------------------------ threads
def test_eight_threads_predict_exactly_as_one():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    clf = GraphFeatureClassifier(**TINY).fit(X, y)
    transformer = GraphFeatureTransformer(**TINY).fit(X)
    expected = {
        "predict": clf.predict(X),
        "predict_proba": clf.predict_proba(X),
        "transform": transformer.transform(X),
    }
    calls = {
        "predict": clf.predict,
        "predict_proba": clf.predict_proba,
        "transform": transformer.transform,
    }
    results, errors = [], []
    start = threading.Barrier(8)

    def work(index):
        name = list(calls)[index % 3]
        try:
            start.wait()
            for _ in range(5):
                results.append((name, calls[name](X)))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 40
    for name, result in results:
        np.testing.assert_array_equal(result, expected[name])


def test_first_predictions_from_many_threads_at_once():
    X, y = make_classification(
        n_samples=50, n_features=3, n_informative=2, n_redundant=0, random_state=1
    )
    clf = GraphFeatureClassifier(**TINY).fit(X, y)
    clf = pickle.loads(pickle.dumps(clf))  # not yet traced
    barrier = threading.Barrier(8)
    results = []

    def work():
        barrier.wait()
        results.append(clf.predict_proba(X))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])


# -------------------------------------------------------------------- memory
MEMORY_SCRIPT = """
import gc, resource, warnings
import numpy as np
from sklearn.datasets import make_classification
from skgraphfeat import GraphFeatureClassifier
warnings.simplefilter("ignore")
X, y = make_classification(n_samples=200, n_features=10, random_state=0)

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

def fit_one(seed):
    clf = GraphFeatureClassifier(embed_dim=8, num_heads=2, hidden_layer_sizes=(16,),
                                 max_iter=5, random_state=seed).fit(X, y)
    clf.predict_proba(X)

for seed in range(5):  # warm up: compiled functions, allocator pools
    fit_one(seed)
gc.collect()
start = rss_mb()
import keras
for seed in range(30):
    fit_one(seed)
gc.collect()
print(rss_mb() - start)
"""


def test_thirty_fits_do_not_leak_memory():
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
    )
    growth_mb = float(out.stdout.split()[-1])
    assert growth_mb < 200, f"resident memory grew by {growth_mb:.0f} MB"


# ---------------------------------------------------------- reproducibility
REPRODUCE_SCRIPT = """
import io, json, sys
import numpy as np
# what Python code writes to stderr (warnings, logging, prints), apart from the
# native lines TensorFlow itself writes to the file descriptor
sys.stderr = python_stderr = io.StringIO()
from sklearn.datasets import make_classification
from skgraphfeat import GraphFeatureClassifier
probabilities = []
for n_features, dtype in ((6, "float64"), (24, "float32")):
    X, y = make_classification(n_samples=150, n_features=n_features, random_state=0)
    X = X.astype(dtype)
    clf = GraphFeatureClassifier(max_iter=15, dropout_rate=0.2, random_state=42)
    probabilities.append(clf.fit(X, y).predict_proba(X))
np.save(sys.argv[1], np.stack(probabilities))
print(json.dumps(python_stderr.getvalue()))
"""


@pytest.mark.parametrize("threads", ["1", "default"])
def test_same_random_state_is_bit_identical_across_processes(tmp_path, threads):
    # with 24 features in float32 the layer trains with XLA-compiled attention;
    # "default": TensorFlow's own thread pools, sized from the machine
    env = {k: v for k, v in os.environ.items() if k != "TF_NUM_INTRAOP_THREADS"}
    if threads != "default":
        env["TF_NUM_INTRAOP_THREADS"] = threads
    # TensorFlow's native start-up lines forced on: they are not ours to check
    env.update(TF_CPP_MIN_LOG_LEVEL="0", TF_ENABLE_ONEDNN_OPTS="1")
    for name in ("a.npy", "b.npy"):
        out = subprocess.run(
            # (the short fit's ConvergenceWarning is not what this checks)
            [sys.executable, "-W", "ignore::UserWarning", "-c", REPRODUCE_SCRIPT]
            + [tmp_path / name],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        # whatever TensorFlow printed natively, our Python code printed nothing
        assert json.loads(out.stdout.splitlines()[-1]) == ""
    np.testing.assert_array_equal(
        np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    )


LEAVES_STDERR_ALONE_SCRIPT = """
import os
import numpy as np
calls = []
real_dup2 = os.dup2
def recording_dup2(fd, fd2, *args, **kwargs):
    calls.append(fd2)
    return real_dup2(fd, fd2, *args, **kwargs)
os.dup2 = recording_dup2
from skgraphfeat import GraphFeatureClassifier
X = np.random.default_rng(0).normal(size=(40, 24)).astype("float32")
clf = GraphFeatureClassifier(max_iter=2, random_state=0).fit(X, X[:, 0] > 0)
clf.predict(X)
print(calls)
"""


def test_the_library_does_not_redirect_the_processes_file_descriptors():
    # neither at the first import of TensorFlow nor at the first XLA compilation
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", LEAVES_STDERR_ALONE_SCRIPT],
        check=True,
        capture_output=True,
        text=True,
    )
    assert out.stdout.splitlines()[-1] == "[]"


# ------------------------------------------------------------------ warnings
def test_a_normal_fit_and_predict_emit_no_warnings(tmp_path):
    # (with the tol rule on the training loss alone, small clean data sets train
    # to max_iter and warn, exactly as MLPClassifier does; early stopping is
    # the usual way to fit them)
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = GraphFeatureClassifier(early_stopping=True, random_state=0).fit(X, y)
        clf.predict(X)
        clf.predict_proba(X)
        # (the averaged weights' held-out R^2 creeps up here by about 5e-4 an
        # epoch for over 200 epochs: a coarser tol lets it stop, not warn)
        reg = GraphFeatureRegressor(early_stopping=True, tol=1e-3, random_state=0)
        reg.fit(X, y * 1.0).predict(X)
        GraphFeatureTransformer(random_state=0).fit(X).transform(X)
        # nor do the round trips through pickle and save/load
        pickle.loads(pickle.dumps(clf)).predict(X)
        clf.save(tmp_path / "clf.keras")
        skgraphfeat.load(tmp_path / "clf.keras").predict(X)
    assert clf.n_iter_ < 200
    assert reg.n_iter_ < 200


def test_hitting_max_iter_warns_like_mlp():
    from sklearn.exceptions import ConvergenceWarning

    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        GraphFeatureClassifier(**TINY).fit(X, y)


@pytest.mark.parametrize("step", ["graph summary", "history"])
def test_a_failure_late_in_a_warm_start_leaves_the_previous_fit_whole(
    step, monkeypatch
):
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    clf = GraphFeatureClassifier(**TINY, warm_start=True).fit(X, y)
    before = clf.predict_proba(X)
    state = {name: copy.deepcopy(value) for name, value in vars(clf).items()
             if name.endswith("_") and name != "model_"}  # fmt: skip
    weights = [w.numpy().copy() for w in clf.model_.weights]

    def fail(*args, **kwargs):
        raise RuntimeError(f"failure in the {step}")

    if step == "graph summary":
        monkeypatch.setattr(skgraphfeat.inspection, "mean_adjacency", fail)
    else:
        monkeypatch.setattr(skgraphfeat._fitted, "fitted_state", fail)
    with pytest.raises(RuntimeError, match="failure in the"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    for variable, value in zip(clf.model_.weights, weights, strict=True):
        np.testing.assert_array_equal(variable.numpy(), value)
    for name, value in state.items():
        assert repr(getattr(clf, name)) == repr(value), name


def test_every_batch_mask_of_every_epoch_draws_from_a_stream_of_its_own():
    # (the self-supervised transformer's feature masks)
    import tensorflow as tf

    from skgraphfeat._training import batch_mask_seed

    seed, n = 7, 12
    masks = {
        tuple(batch_mask_seed(tf.constant([seed, epoch]), index).numpy().tolist())
        for epoch in range(n)
        for index in range(n)
    }
    shuffles = {(seed, epoch) for epoch in range(10 * n)}
    assert len(masks) == n * n
    assert not masks & shuffles
