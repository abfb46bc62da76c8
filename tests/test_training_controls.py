"""warm_start, partial_fit, verbose, Keras callbacks and learning-rate schedules."""

import csv
import warnings

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from skgraphfeat import (
    GraphFeatureClassifier,
    GraphFeatureRegressor,
    GraphFeatureTransformer,
)
from skgraphfeat.exceptions import TrainingDivergedError

SMALL = {"embed_dim": 8, "num_heads": 2, "hidden_layer_sizes": (16,), "random_state": 0}


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def binary():
    return make_classification(n_samples=240, n_features=6, random_state=0)


# ----------------------------------------------------------------- warm start
def test_warm_start_continues_the_fitted_model(binary):
    X, y = binary
    clf = GraphFeatureClassifier(max_iter=10, **SMALL).fit(X, y)
    first_curve = list(clf.loss_curve_)
    model = clf.model_
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.n_iter_ == 20
    assert clf.loss_curve_[:10] == first_curve
    # continuing: the first new epoch starts near where the last one ended,
    # far below where a fresh model starts
    assert clf.loss_curve_[10] < first_curve[0]
    assert abs(clf.loss_curve_[10] - first_curve[-1]) < 0.5 * (
        first_curve[0] - first_curve[-1]
    )
    assert clf.model_ is model  # same network, updated in place once trained


def test_warm_start_false_starts_afresh(binary):
    X, y = binary
    clf = GraphFeatureClassifier(max_iter=10, **SMALL).fit(X, y)
    again = clf.fit(X, y)
    assert again.n_iter_ == 10


def test_warm_start_refuses_a_changed_architecture_and_keeps_the_model(binary):
    X, y = binary
    clf = GraphFeatureClassifier(max_iter=5, warm_start=True, **SMALL).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(embed_dim=16)
    with pytest.raises(ValueError, match="embed_dim 8 -> 16"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_warm_start_refuses_unknown_labels(binary):
    X, y = binary
    clf = GraphFeatureClassifier(max_iter=5, warm_start=True, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="not among the classes"):
        clf.fit(X, np.where(y == 1, 7, y))


def test_warm_start_refuses_other_number_of_features(binary):
    X, y = binary
    clf = GraphFeatureClassifier(max_iter=5, warm_start=True, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:, :4], y)


# ---------------------------------------------------------------- partial_fit
def test_partial_fit_once_equals_one_epoch_of_fit(binary):
    X, y = binary
    one_epoch = GraphFeatureClassifier(max_iter=1, **SMALL).fit(X, y)
    partial = GraphFeatureClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    assert partial.n_iter_ == 1
    np.testing.assert_array_equal(partial.predict_proba(X), one_epoch.predict_proba(X))


def test_classifier_partial_fit_needs_classes_first(binary):
    X, y = binary
    clf = GraphFeatureClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "model_")
    clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="balanced"):
        clf.set_params(class_weight="balanced").partial_fit(X, y)


def test_partial_fit_streams_a_csv_in_chunks(tmp_path, binary):
    X, y = binary
    path = tmp_path / "data.csv"
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame["label"] = np.where(y == 1, "yes", "no")
    frame.to_csv(path, index=False)

    clf = GraphFeatureClassifier(learning_rate_init=0.01, **SMALL)
    n_calls = 0
    for _ in range(15):
        for chunk in pd.read_csv(path, chunksize=60):
            clf.partial_fit(
                chunk.drop(columns="label"), chunk["label"], classes=["no", "yes"]
            )
            n_calls += 1
    assert clf.n_iter_ == n_calls == 60
    assert list(clf.feature_names_in_) == list(frame.columns[:-1])
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    # one chunk holding a single class is fine once the classes are known
    only_yes = frame[frame["label"] == "yes"]
    clf.partial_fit(only_yes.drop(columns="label"), only_yes["label"])
    assert clf.score(frame.drop(columns="label"), frame["label"]) > 0.85


def test_regressor_and_transformer_partial_fit():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    reg = GraphFeatureRegressor(learning_rate_init=0.01, **SMALL)
    for _ in range(20):
        for start in range(0, 200, 50):
            reg.partial_fit(X[start : start + 50], y[start : start + 50])
    assert reg.n_iter_ == 80
    assert reg.score(X, y) > 0.8
    with pytest.raises(ValueError, match="2 target"):
        reg.partial_fit(X, np.column_stack([y, y]))

    transformer = GraphFeatureTransformer(**SMALL)
    transformer.partial_fit(X[:100]).partial_fit(X[100:])
    assert transformer.n_iter_ == 2
    assert transformer.transform(X).shape == X.shape
    with pytest.raises(ValueError, match="masked_reconstruction"):
        transformer.partial_fit(X, y)


def test_partial_fit_keeps_the_optimizer_state(binary):
    X, y = binary
    clf = GraphFeatureClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    assert clf._optimizer_state.step == 2  # 240 rows, batches of 200
    clf.partial_fit(X, y)
    assert clf._optimizer_state.step == 4


# ---------------------------------------------------------- weight averaging
def _flat(weights):
    return np.concatenate([np.asarray(w).ravel() for w in weights])


def _weights_seen_at_each_epoch(X, y, **params):
    """Trainable weights the model holds before training and after each epoch."""
    seen = []

    class RecordWeights(keras.callbacks.Callback):
        def _record(self):
            seen.append(_flat(self.model.trainable_weights))

        def on_train_begin(self, logs=None):
            self._record()

        def on_epoch_end(self, epoch, logs=None):
            self._record()

    # one batch per epoch: each epoch is one optimizer step
    clf = GraphFeatureClassifier(
        batch_size=len(X), callbacks=[RecordWeights()], **params, **SMALL
    ).fit(X, y)
    return seen, _flat(clf.model_.trainable_weights)


def test_averaged_weights_count_step_t_in_proportion_to_t_plus_2(binary):
    X, y = binary
    steps, plain_final = _weights_seen_at_each_epoch(X, y, max_iter=6, average=False)
    averages, final = _weights_seen_at_each_epoch(X, y, max_iter=6, average=True)
    np.testing.assert_array_equal(averages[0], steps[0])  # the same start
    np.testing.assert_array_equal(plain_final, steps[-1])
    for t in range(1, 7):
        weights = np.arange(t + 1) + 2.0
        weights[0] = 3.0  # the start counts as much as the first step
        expected = weights @ np.array(steps[: t + 1]) / weights.sum()
        np.testing.assert_allclose(averages[t], expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(final, averages[-1])
    assert not np.allclose(final, plain_final)


def test_partial_fit_continues_the_average_and_the_optimizer(binary):
    X, y = binary
    fitted = GraphFeatureClassifier(max_iter=4, batch_size=240, **SMALL).fit(X, y)
    streamed = GraphFeatureClassifier(batch_size=240, **SMALL)
    for _ in range(4):
        streamed.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_allclose(
        streamed.predict_proba(X), fitted.predict_proba(X), rtol=1e-9, atol=1e-12
    )
    # Adam goes on from its own weights, which the model does not hold
    held = _flat(streamed.model_.trainable_weights)
    assert not np.allclose(streamed._optimizer_state.params, held)
    plain = GraphFeatureClassifier(average=False, **SMALL).partial_fit(
        X, y, classes=[0, 1]
    )
    assert plain._optimizer_state.params is None


def test_early_stopping_scores_the_averaged_weights(validation_rows):
    X, y = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    held_out = validation_rows  # filled by each fit
    reg = GraphFeatureRegressor(
        max_iter=8, early_stopping=True, n_iter_no_change=50, **SMALL
    ).fit(X, y)
    (validation,) = held_out
    # the kept weights are the best epoch's average, the one that was scored
    assert reg.score(X[validation], y[validation]) == pytest.approx(
        reg.best_validation_score_, rel=1e-9
    )


def test_after_a_warm_start_the_best_score_is_that_of_the_weights_kept(
    validation_rows,
):
    X, y = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    held_out = validation_rows  # filled by each fit
    reg = GraphFeatureRegressor(
        max_iter=30, early_stopping=True, learning_rate_init=1e-2, **SMALL
    ).fit(X, y)
    first_best, first_epochs = reg.best_validation_score_, reg.n_iter_
    # a second run that does worse than the first: a rate far too high
    reg.set_params(warm_start=True, learning_rate_init=0.5, max_iter=5).fit(X, y)
    validation = held_out[-1]
    second_run = reg.validation_scores_[first_epochs:]
    assert max(second_run) < first_best  # the case this test is about
    assert reg.best_validation_score_ == max(second_run)
    assert reg.score(X[validation], y[validation]) == pytest.approx(
        reg.best_validation_score_, rel=1e-9
    )


# -------------------------------------------------------------------- verbose
def test_verbose_1_shows_a_progress_bar(binary, capsys):
    X, y = binary
    GraphFeatureClassifier(max_iter=12, verbose=1, **SMALL).fit(X, y)
    out = capsys.readouterr().out
    assert "12/12" in out
    assert "loss:" in out
    assert "Iteration" not in out


def test_verbose_1_shows_the_validation_score(binary, capsys):
    X, y = binary
    GraphFeatureClassifier(max_iter=12, verbose=1, early_stopping=True, **SMALL).fit(
        X, y
    )
    assert "validation_score:" in capsys.readouterr().out


def test_verbose_2_prints_one_line_per_epoch(binary, capsys):
    X, y = binary
    GraphFeatureClassifier(max_iter=7, verbose=2, **SMALL).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 7
    assert lines[-1].startswith("Iteration 7, loss = ")


def test_silent_by_default(binary, capsys):
    X, y = binary
    GraphFeatureClassifier(max_iter=3, **SMALL).fit(X, y)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ callbacks
class RecordEpochs(keras.callbacks.Callback):
    """A user's own callback: records what it sees."""

    def __init__(self):
        super().__init__()
        self.epochs = []
        self.logs = []
        self.weight_sums = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.logs.append(dict(logs))
        self.weight_sums.append(sum(float(np.sum(w)) for w in self.model.get_weights()))


def test_own_callback_sees_every_epoch_and_the_current_weights(binary):
    X, y = binary
    recorder = RecordEpochs()
    clf = GraphFeatureClassifier(max_iter=6, callbacks=[recorder], **SMALL).fit(X, y)
    # the instance passed in is never used or changed: fits work on copies
    assert recorder.epochs == [] and recorder.model is None
    used = clf.callbacks[0]
    assert used is recorder
    plain = GraphFeatureClassifier(max_iter=6, **SMALL).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), plain.predict_proba(X))
    assert clf.loss_curve_ == plain.loss_curve_


def test_callbacks_get_logs_and_weights(binary, monkeypatch):
    X, y = binary
    seen = []
    original = RecordEpochs.on_epoch_end

    def spy(self, epoch, logs=None):
        original(self, epoch, logs)
        seen.append((epoch, dict(logs), self.weight_sums[-1]))

    monkeypatch.setattr(RecordEpochs, "on_epoch_end", spy)
    clf = GraphFeatureClassifier(
        max_iter=5,
        early_stopping=True,
        n_iter_no_change=50,
        callbacks=[RecordEpochs()],
        **SMALL,
    ).fit(X, y)
    assert [epoch for epoch, _, _ in seen] == [0, 1, 2, 3, 4]
    logs = seen[-1][1]
    assert set(logs) >= {"loss", "learning_rate", "val_loss", "val_score"}
    assert logs["loss"] == clf.loss_curve_[-1]
    assert logs["val_score"] == clf.validation_scores_[-1]
    assert len({weights for _, _, weights in seen}) == 5  # weights move every epoch


def test_keras_early_stopping_stops_training(binary):
    X, y = binary
    stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=2)
    clf = GraphFeatureClassifier(max_iter=50, callbacks=[stopper], **SMALL).fit(X, y)
    assert clf.n_iter_ == 3
    assert stopper.model is None


def test_keras_early_stopping_restores_best_weights(binary):
    X, y = binary
    # a callback that makes every epoch after the 2nd look worse
    stopper = keras.callbacks.EarlyStopping(
        monitor="loss", patience=3, restore_best_weights=True, mode="max"
    )
    clf = GraphFeatureClassifier(max_iter=30, callbacks=[stopper], **SMALL).fit(X, y)
    # mode="max": the "best" epoch is the first (highest loss); its weights are kept
    first = GraphFeatureClassifier(max_iter=1, **SMALL).fit(X, y)
    assert clf.n_iter_ == 4
    np.testing.assert_allclose(clf.predict_proba(X), first.predict_proba(X), atol=1e-12)


def test_reduce_lr_on_plateau_lowers_the_learning_rate(binary):
    X, y = binary
    reducer = keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=1, min_delta=10.0
    )
    clf = GraphFeatureClassifier(
        max_iter=6, learning_rate_init=0.01, callbacks=[reducer], **SMALL
    ).fit(X, y)
    rates = [record["learning_rate"] for record in clf.history_]
    assert rates[0] == 0.01
    assert rates == sorted(rates, reverse=True) and rates[-1] < 0.01 / 4


def test_csv_logger_writes_every_epoch(binary, tmp_path):
    X, y = binary
    path = tmp_path / "log.csv"
    clf = GraphFeatureClassifier(
        max_iter=4, callbacks=[keras.callbacks.CSVLogger(str(path))], **SMALL
    ).fit(X, y)
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2, 3]
    np.testing.assert_allclose([float(r["loss"]) for r in rows], clf.loss_curve_)


def test_terminate_on_nan_stops_instead_of_raising(binary):
    X, y = binary
    clf = GraphFeatureRegressor(
        max_iter=50,
        learning_rate_init=1e12,
        callbacks=[keras.callbacks.TerminateOnNaN()],
        **SMALL,
    )
    X = X.astype(np.float32)
    clf.fit(X, y.astype(np.float32))
    assert not np.isfinite(clf.loss_curve_[-1])
    assert clf.n_iter_ < 50
    assert np.isfinite(clf.predict(X)).all()  # the last finite weights are kept

    without = clone(clf).set_params(callbacks=None)
    with pytest.raises(TrainingDivergedError, match="diverged"):
        without.fit(X, y.astype(np.float32))


def test_callbacks_must_be_keras_callbacks(binary):
    X, y = binary
    with pytest.raises(TypeError, match="keras.callbacks.Callback"):
        GraphFeatureClassifier(callbacks=[print], **SMALL).fit(X, y)


def test_clone_with_callbacks_copies_them(binary):
    recorder = RecordEpochs()
    clf = GraphFeatureClassifier(callbacks=[recorder], **SMALL)
    cloned = clone(clf)
    assert cloned.callbacks[0] is not recorder
    assert isinstance(cloned.callbacks[0], RecordEpochs)
    clf.fit(*binary)
    assert clf.get_params()["callbacks"][0] is recorder
    # the fit worked on a copy: the instance passed in saw nothing
    assert recorder.epochs == [] and recorder.logs == []


# ------------------------------------------------------- learning-rate schedules
def test_constant_schedule_keeps_the_rate(binary):
    X, y = binary
    clf = GraphFeatureClassifier(max_iter=5, early_stopping=True, **SMALL).fit(X, y)
    assert {record["learning_rate"] for record in clf.history_} == {1e-3}


def test_cosine_schedule_anneals_to_zero(binary):
    X, y = binary
    clf = GraphFeatureClassifier(
        max_iter=10, learning_rate="cosine", learning_rate_init=0.01, tol=0, **SMALL
    ).fit(X, y)
    rates = [record["learning_rate"] for record in clf.history_]
    expected = [0.01 * 0.5 * (1 + np.cos(np.pi * e / 10)) for e in range(10)]
    np.testing.assert_allclose(rates, expected)


def _cosine(epochs, length, rate=0.01):
    return [rate * 0.5 * (1 + np.cos(np.pi * (e % length) / length)) for e in epochs]


def test_a_warm_start_restarts_the_cosine_schedule(binary):
    X, y = binary
    clf = GraphFeatureClassifier(
        max_iter=10, learning_rate="cosine", learning_rate_init=0.01, tol=0,
        warm_start=True, **SMALL,
    ).fit(X, y)  # fmt: skip
    weights = [w.numpy().copy() for w in clf.model_.trainable_weights]
    clf.set_params(max_iter=6).fit(X, y)
    rates = [record["learning_rate"] for record in clf.history_]
    np.testing.assert_allclose(rates, _cosine(range(10), 10) + _cosine(range(6), 6))
    assert clf.n_iter_ == 16
    changed = [not np.array_equal(a, b.numpy()) for a, b in zip(
        weights, clf.model_.trainable_weights, strict=True)]  # fmt: skip
    assert all(changed)


def test_partial_fit_calls_cycle_through_the_cosine_schedule(binary):
    X, y = binary
    clf = GraphFeatureClassifier(
        max_iter=4, learning_rate="cosine", learning_rate_init=0.01, **SMALL
    )
    for _ in range(9):
        clf.partial_fit(X, y, classes=[0, 1])
    rates = [record["learning_rate"] for record in clf.history_]
    np.testing.assert_allclose(rates, _cosine(range(9), 4))


def test_adaptive_schedule_divides_by_five_on_a_plateau(binary):
    X, y = binary
    clf = GraphFeatureClassifier(
        max_iter=12, learning_rate="adaptive", learning_rate_init=0.01, tol=10.0,
        n_iter_no_change=100, **SMALL,
    ).fit(X, y)  # fmt: skip
    # only the first epoch improves by tol=10; patience 50 is never reached
    assert {record["learning_rate"] for record in clf.history_} == {0.01}
    clf = clf.set_params(n_iter_no_change=4).fit(X, y)
    rates = [record["learning_rate"] for record in clf.history_]
    # patience 2: the 2nd and 4th stalled epochs divide the rate for the next
    # epoch; the 5th stall stops training
    assert rates == pytest.approx([0.01, 0.01, 0.01, 0.002, 0.002, 0.0004])


def test_schedules_give_different_training(binary):
    X, y = binary
    curves = {
        schedule: GraphFeatureClassifier(
            max_iter=8, learning_rate=schedule, learning_rate_init=0.01, **SMALL
        )
        .fit(X, y)
        .loss_curve_
        for schedule in ("constant", "cosine")
    }
    assert curves["constant"][0] == curves["cosine"][0]
    assert curves["constant"][-1] != curves["cosine"][-1]


def _mlp_stop_epoch(scores, tol, n_iter_no_change):
    """Where MLPClassifier's rule stops on these validation scores (1-based)."""
    best, stalled = -np.inf, 0
    for epoch, score in enumerate(scores, start=1):
        stalled = 0 if score >= best + tol else stalled + 1
        best = max(best, score)
        if stalled > n_iter_no_change:
            return epoch
    return None


def test_early_stopping_attributes_as_mlp(binary):
    X, y = binary
    clf = GraphFeatureClassifier(
        max_iter=200, early_stopping=True, n_iter_no_change=3, tol=1e-3, **SMALL
    ).fit(X, y)
    assert clf.n_iter_ < 200
    assert _mlp_stop_epoch(clf.validation_scores_, 1e-3, 3) == clf.n_iter_
    assert clf.best_loss_ is None
    plain = GraphFeatureClassifier(max_iter=5, **SMALL).fit(X, y)
    assert plain.validation_scores_ is None and plain.best_validation_score_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)


@pytest.mark.parametrize("n_samples, holds_out", [(2_000, False), (2_001, True)])
def test_early_stopping_auto_holds_out_a_validation_set_above_2000_rows(
    n_samples, holds_out
):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 2))
    y = X[:, 0] > 0
    clf = GraphFeatureClassifier(**SMALL, max_iter=1).fit(X, y)  # "auto"
    assert (clf.validation_scores_ is not None) is holds_out
    assert (clf.best_loss_ is None) is holds_out


# ------------------------------------------------------------------ L2 penalty
def _penalty_in_first_epoch(alpha, method, X, y, batch_size):
    """The first epoch's loss with ``alpha`` minus that without, for weights
    that hardly move; and ``|W|^2`` of the penalised weights."""
    losses = []
    for a in (0.0, alpha):
        clf = GraphFeatureClassifier(
            alpha=a, learning_rate_init=1e-12, batch_size=batch_size, average=False,
            max_iter=1, **SMALL,
        )  # fmt: skip
        if method == "fit":
            clf.fit(X, y)
        else:
            clf.partial_fit(X, y, classes=[0, 1])
        losses.append(clf.loss_curve_[0])
    squares = sum(
        float(np.sum(np.square(v.numpy())))
        for v in clf.model_.trainable_variables
        if v.path.endswith("kernel")
    )
    return losses[1] - losses[0], squares


def test_alpha_penalises_each_batch_as_mlp_does_in_fit_and_partial_fit(binary):
    X, y = binary  # 240 rows
    alpha, batch_size = 0.5, 40
    penalty, squares = _penalty_in_first_epoch(alpha, "fit", X, y, batch_size)
    # MLPClassifier: 0.5 * alpha * |W|^2 / (rows in the batch), every batch
    np.testing.assert_allclose(penalty, 0.5 * alpha * squares / batch_size, rtol=1e-6)
    # a partial_fit on a chunk of a third of the rows: the same per batch
    chunk, _ = _penalty_in_first_epoch(alpha, "partial_fit", X[:80], y[:80], 40)
    np.testing.assert_allclose(chunk, penalty, rtol=1e-6)


def test_supervised_regression_stops_early_on_r2_in_the_transformer_too():
    X, y = make_regression(n_samples=200, n_features=5, noise=5.0, random_state=0)
    # the regressor's ensemble of heads (the transformer has one by default)
    params = dict(max_iter=12, early_stopping=True, n_iter_no_change=3,
                  ensemble_size=8, **SMALL)  # fmt: skip
    reg = GraphFeatureRegressor(**params).fit(X, y)
    transformer = GraphFeatureTransformer(**params).fit(X, y)
    # the same network, data and split: the same scores, R^2 in both
    assert 0 < reg.best_validation_score_ < 1
    np.testing.assert_allclose(
        transformer.validation_scores_, reg.validation_scores_, rtol=1e-9
    )
    assert transformer.n_iter_ == reg.n_iter_


@pytest.mark.parametrize("n_samples, weights", [(12, None), (40, "zero held out")])
def test_early_stopping_refuses_a_validation_set_it_cannot_score(n_samples, weights):
    X, y = make_regression(n_samples=n_samples, n_features=3, random_state=0)
    sample_weight = None
    if weights:  # only the first rows weigh: what is held out weighs nothing
        sample_weight = np.zeros(n_samples)
        sample_weight[:2] = 1.0
    reg = GraphFeatureRegressor(
        early_stopping=True, validation_fraction=0.1 if weights else 0.05, **SMALL
    )
    with pytest.raises(ValueError, match="a score needs at least 2 rows of positive"):
        reg.fit(X, y, sample_weight=sample_weight)


# ------------------------------------------------------------ label smoothing
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.35])
def test_label_smoothing_is_the_loss_keras_defines(smoothing):
    import tensorflow as tf

    from skgraphfeat._objectives import SoftmaxCrossEntropy

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(7, 4)) * 3
    labels = rng.integers(0, 4, size=7)
    keras_loss = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=smoothing, reduction=None, dtype="float64"
    )
    expected = keras_loss(np.eye(4)[labels], logits)
    got = SoftmaxCrossEntropy(smoothing).per_sample_loss(
        tf.constant(logits), tf.constant(labels, dtype=tf.int32), None
    )
    # (Keras rounds the smoothing itself to float32)
    np.testing.assert_allclose(got.numpy(), np.asarray(expected), rtol=1e-7)
    # objectives of one smoothing are one objective (compiled functions shared)
    assert SoftmaxCrossEntropy(smoothing) == SoftmaxCrossEntropy(smoothing)
    assert hash(SoftmaxCrossEntropy(smoothing)) == hash(SoftmaxCrossEntropy(smoothing))
    assert SoftmaxCrossEntropy(smoothing) != SoftmaxCrossEntropy(0.2)


def test_label_smoothing_caps_the_confidence_on_separable_classes():
    X = np.repeat([[-2.0, -2.0], [2.0, 2.0]], 30, axis=0)
    y = np.repeat([0, 1], 30)
    params = dict(learning_rate_init=1e-2, max_iter=150, **SMALL)
    plain = GraphFeatureClassifier(label_smoothing=0.0, **params).fit(X, y)
    smoothed = GraphFeatureClassifier(label_smoothing=0.2, **params).fit(X, y)
    assert GraphFeatureClassifier().label_smoothing == 0.1  # the default
    # fitted to 1 - 0.2 + 0.2 / 2 = 0.9 on the true class, not to 1
    confidence = smoothed.predict_proba(X).max(axis=1)
    np.testing.assert_allclose(confidence, 0.9, atol=0.02)
    assert plain.predict_proba(X).max(axis=1).min() > 0.97
    assert (smoothed.predict(X) == y).all()


@pytest.mark.parametrize("smoothing", [1.0, -0.1, "0.1"])
def test_label_smoothing_outside_0_1_is_refused_by_name(binary, smoothing):
    X, y = binary
    clf = GraphFeatureClassifier(label_smoothing=smoothing, **SMALL)
    with pytest.raises(ValueError, match="'label_smoothing' parameter"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")
