"""The ``skgraphfeat`` command line, end to end: every command and error path runs
``python -m skgraphfeat`` in a subprocess on small tables written here.

Each subprocess that touches a model imports TensorFlow (several seconds), so
the data is tiny, training runs a few epochs, and one fitted model is shared.
"""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

import skgraphfeat

# The command line as a user runs it: TensorFlow's log level left to the
# command, and oneDNN forced on so that TensorFlow's start-up prints lines of its
# own on every CPU (as it does by default on many).
ENV = {
    **{k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"},
    "TF_ENABLE_ONEDNN_OPTS": "1",
    "MPLBACKEND": "Agg",
}
FEATURES = ["age", "income", "tenure", "visits"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*args, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "skgraphfeat", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV if env is None else env,
        timeout=600,
    )


def our_lines(stderr):
    """The lines the command itself prints (they start with its name)."""
    return [line for line in stderr.splitlines() if line.startswith("skgraphfeat")]


def check_ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def check_error(result, *fragments, status=1):
    """A failed run: the exit status, no traceback, the message on one line."""
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    ours = our_lines(result.stderr)
    assert len(ours) == 1, result.stderr  # one line of our own, whatever else
    assert lines[-1] == ours[0], result.stderr  # ... and it comes last
    assert "error: " in ours[0]
    for fragment in fragments:
        assert fragment in ours[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Small tables: a string label, a numeric target, an id, four features."""
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(120, len(FEATURES)))
    train = pd.DataFrame(X, columns=FEATURES)
    train.insert(0, "id", np.arange(1000, 1000 + len(train)))
    train["label"] = np.where(X[:, 0] * X[:, 1] > 0, "yes", "no")
    train["spend"] = X[:, 0] * X[:, 1] + 0.1 * X[:, 2]
    train.to_csv(folder / "train.csv", index=False)
    train.to_parquet(folder / "train.parquet", index=False)
    # new rows: no targets, the columns in another order
    new = train[["id", *FEATURES[::-1]]].head(15)
    new.to_csv(folder / "new.csv", index=False)
    new.drop(columns="income").to_csv(folder / "fewer_columns.csv", index=False)
    target_missing = train.astype({"label": object})
    target_missing.loc[3, "label"] = None
    target_missing.to_csv(folder / "target_missing.csv", index=False)
    holes = train.copy()
    holes.loc[[1, 2], "age"] = np.nan
    holes["city"] = np.where(np.arange(len(holes)) % 3 == 0, "Lyon", "Oslo")
    holes.loc[[4, 5], "city"] = None
    holes.head(40).to_csv(folder / "strings_and_holes.csv", index=False)
    (folder / "text.keras").write_text("not a model\n")
    return folder


@pytest.fixture(scope="module")
def classifier(workdir):
    """``fit`` of a classifier with 2-fold cross-validation: (model path, run)."""
    result = run_cli(
        "fit", "train.csv", "--target", "label", "--drop", "id", "--drop", "spend",
        "--cv", "2", "--param", "max_iter=5", "--param", "hidden_layer_sizes=(8,)",
        "--out", "clf.keras", cwd=workdir,
    )  # fmt: skip
    check_ok(result)
    return workdir / "clf.keras", result


# ------------------------------------------------------------------ help
@pytest.mark.parametrize("command", [[], ["demo"], ["fit"], ["predict"], ["explain"]])
def test_help_of_every_command(command, tmp_path):
    result = check_ok(run_cli(*command, "--help", cwd=tmp_path))
    assert result.stdout.startswith(f"usage: {' '.join(['skgraphfeat', *command])}")


def test_version_and_missing_command(tmp_path):
    assert check_ok(run_cli("--version", cwd=tmp_path)).stdout.startswith(
        "skgraphfeat "
    )
    check_error(run_cli(cwd=tmp_path), "required", status=2)


# ------------------------------------------------------------------ commands
def test_demo_scores_a_baseline_prints_pairs_and_draws(tmp_path):
    from sklearn.datasets import load_breast_cancer

    result = check_ok(run_cli("demo", "--quick", "--top", "3", cwd=tmp_path))
    # 30 features: training runs XLA-compiled attention, whose first compilation
    # TensorFlow announces; still only the command's own lines on stderr
    assert result.stderr.splitlines() == our_lines(result.stderr)
    out = result.stdout
    assert "breast_cancer: 569 samples, 30 features, 2-fold" in out
    assert "GraphFeatureClassifier" in out
    assert "StandardScaler + LogisticRegression" in out
    lines = out.splitlines()
    header = next(
        i for i, line in enumerate(lines) if line.split()[:2] == ["rank", "feature_a"]
    )
    rows = [line.split() for line in lines[header + 1 : header + 4]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    # each row: two of the data set's features (in feature order), a weight
    names = list(load_breast_cancer().feature_names)
    pairs = {
        f"{a} {b}" for i, a in enumerate(names) for b in names[i + 1 :]
    }  # fmt: skip
    assert all(" ".join(row[1:-1]) in pairs for row in rows), rows
    weights = [float(row[-1]) for row in rows]
    assert weights == sorted(weights, reverse=True) and 0 < weights[-1] <= 2
    # drawn under build/, never into the current folder
    picture = tmp_path / "build" / "feature_graph.png"
    assert picture.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_fit_infers_classification_cross_validates_and_saves(classifier):
    path, result = classifier
    out = result.stdout
    assert "task: classification (the target holds text" in out
    assert "data: 120 rows, 4 features, target 'label', 2 classes" in out
    assert "2-fold cross-validation (accuracy)" in out
    assert "fold 1/2" in out and "fold 2/2" in out
    assert "baseline: most frequent class" in out
    assert f"saved the model to {path.name}" in out
    with zipfile.ZipFile(path) as archive:
        assert "skgraphfeat.json" in archive.namelist()


def test_predict_writes_labels_and_probabilities_by_column_name(classifier, workdir):
    path, _ = classifier
    result = run_cli(
        "predict", path.name, "new.csv", "--proba", "--id", "id", "--out", "pred.csv",
        cwd=workdir,
    )  # fmt: skip
    check_ok(result)
    assert "wrote 15 predictions to pred.csv" in result.stderr
    predictions = pd.read_csv(workdir / "pred.csv")
    new = pd.read_csv(workdir / "new.csv")
    assert list(predictions.columns) == ["id", "prediction", "proba_no", "proba_yes"]
    assert predictions["id"].tolist() == new["id"].tolist()
    assert set(predictions["prediction"]) <= {"yes", "no"}
    probabilities = predictions[["proba_no", "proba_yes"]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    most_likely = np.where(probabilities[:, 1] > probabilities[:, 0], "yes", "no")
    assert (predictions["prediction"] == most_likely).all()


def test_explain_prints_a_table_and_draws_the_graph(classifier, workdir):
    path, _ = classifier
    result = check_ok(
        run_cli("explain", path.name, "--top", "3", "--out", "graph.png", cwd=workdir)
    )
    lines = result.stdout.strip().splitlines()
    assert "training rows" in lines[0]
    assert lines[1].split() == ["rank", "feature_a", "feature_b", "weight"]
    assert len(lines) == 2 + 3
    assert {lines[2].split()[1], lines[2].split()[2]} <= set(FEATURES)
    assert (workdir / "graph.png").read_bytes().startswith(PNG_SIGNATURE)


def test_fit_regression_from_parquet_then_explain_rows_as_json(workdir):
    result = check_ok(
        run_cli(
            "fit", "train.parquet", "--target", "spend", "--drop", "id",
            "--drop", "label", "--param", "max_iter=5", "--out", "reg.keras",
            cwd=workdir,
        )
    )  # fmt: skip
    assert "task: regression (the target holds decimal numbers" in result.stdout
    assert "hold-out validation (R^2): training on 96 rows, scoring on 24" in (
        result.stdout
    )
    assert "baseline: mean of the target" in result.stdout

    result = check_ok(
        run_cli(
            "explain", "reg.keras", "new.csv", "--top", "4", "--format", "json",
            cwd=workdir,
        )
    )  # fmt: skip
    pairs = json.loads(result.stdout)  # stdout is only the JSON
    assert [pair["rank"] for pair in pairs] == [1, 2, 3, 4]
    assert all(pair["feature_a"] in FEATURES for pair in pairs)
    weights = [pair["weight"] for pair in pairs]
    assert weights == sorted(weights, reverse=True)
    assert "not using columns the model was not fitted on: 'id'" in result.stderr


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "args, fragments, status",
    [
        (["fit", "absent.csv", "--target", "label", "--out", "m.keras"],
         ["'absent.csv' does not exist"], 1),
        (["fit", "train.csv", "--target", "price", "--out", "m.keras"],
         ["no column 'price'", "'label'"], 1),
        (["fit", "train.csv", "--out", "m.keras"],
         ["the following arguments are required: --target"], 2),
        (["fit", "target_missing.csv", "--target", "label", "--out", "m.keras"],
         ["target column 'label' has 1 missing value"], 1),
        (["fit", "train.csv", "--target", "label", "--out", "m.pkl"],
         ["must end with .keras"], 1),
        (["fit", "train.csv", "--target", "label", "--param", "embed_dim",
          "--out", "m.keras"], ["expected NAME=VALUE"], 2),
        (["predict", "absent.keras", "new.csv"], ["'absent.keras' does not exist"], 1),
    ],
)  # fmt: skip
def test_errors_found_before_training_are_one_line(args, fragments, status, workdir):
    check_error(run_cli(*args, cwd=workdir), *fragments, status=status)
    assert not (workdir / "m.keras").exists()


def test_text_columns_and_holes_go_straight_in(workdir):
    fitted = run_cli(
        "fit", "strings_and_holes.csv", "--target", "label", "--drop", "id",
        "--drop", "spend", "--param", "max_iter=3", "--out", "mixed.keras",
        cwd=workdir,
    )  # fmt: skip
    check_ok(fitted)
    model = skgraphfeat.load(workdir / "mixed.keras")
    assert list(model.categories_[-1]) == ["Lyon", "Oslo"]
    assert model._spec.missing_values  # 'age' had holes
    frame = pd.read_csv(workdir / "strings_and_holes.csv")
    assert model.predict(frame[model.feature_names_in_]).shape == (40,)


def test_unknown_param_names_the_valid_ones(workdir):
    result = run_cli(
        "fit", "train.csv", "--target", "label", "--param", "embed_size=8",
        "--out", "m.keras", cwd=workdir,
    )  # fmt: skip
    check_error(result, "unknown --param 'embed_size'", "embed_dim", status=2)


def test_a_text_file_is_not_a_model(workdir):
    result = run_cli("predict", "text.keras", "new.csv", cwd=workdir)
    check_error(result, "'text.keras' is not a model saved by skgraphfeat")


def test_a_plain_keras_model_is_not_ours(classifier, workdir):
    path, _ = classifier
    # the same network in Keras' own format, without skgraphfeat's manifest
    with (
        zipfile.ZipFile(path) as ours,
        zipfile.ZipFile(workdir / "plain.keras", "w") as plain,
    ):
        for name in ("config.json", "metadata.json", "model.weights.h5"):
            plain.writestr(name, ours.read(name))
    result = run_cli("explain", "plain.keras", cwd=workdir)
    check_error(result, "Cannot load 'plain.keras'", "no skgraphfeat manifest")


def test_predict_refuses_columns_that_differ_from_fit(classifier, workdir):
    path, _ = classifier
    result = run_cli("predict", path.name, "fewer_columns.csv", cwd=workdir)
    check_error(result, "lacks 1 of the model's 4 feature columns: 'income'")


def test_tensorflow_start_up_is_kept_off_stderr_unless_asked_for(classifier, workdir):
    path, _ = classifier
    args = ("predict", path.name, "new.csv", "--out", "quiet.csv")
    # oneDNN forced on (ENV), no log level set: only what the command says
    quiet = check_ok(run_cli(*args, cwd=workdir))
    assert quiet.stderr.splitlines() == [
        "skgraphfeat: note: not using columns the model was not fitted on: 'id'",
        "wrote 15 predictions to quiet.csv",
    ]
    # a level the user set is respected: TensorFlow then prints its own lines,
    # and the command's messages and one-line errors are the same among them
    loud_env = {**ENV, "TF_CPP_MIN_LOG_LEVEL": "0"}
    loud = check_ok(run_cli(*args, cwd=workdir, env=loud_env))
    assert our_lines(loud.stderr) == our_lines(quiet.stderr)
    result = run_cli("predict", path.name, "fewer_columns.csv", cwd=workdir,
                     env=loud_env)  # fmt: skip
    check_error(result, "lacks 1 of the model's 4 feature columns: 'income'")
    if len(loud.stderr.splitlines()) == len(quiet.stderr.splitlines()):
        pytest.skip("this TensorFlow build prints nothing at start-up, even at 0")


def test_debug_shows_the_traceback(workdir):
    result = run_cli(
        "fit", "absent.csv", "--target", "label", "--out", "m.keras", "--debug",
        cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "CommandError: data file 'absent.csv' does not exist." in result.stderr
