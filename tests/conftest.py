import os

import pytest

# Quieter TensorFlow logs in the test process (our own process, not a user's).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Lets scikit-learn run its array-API check (with numpy) instead of skipping it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# One intra-op thread for TensorFlow in the test process and its subprocesses:
# on the 2-vCPU CI machine TensorFlow's intra-op pool makes these small compiled
# steps slower, not faster (benchmarks/results/notes.md); results are the same
# either way.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")


@pytest.fixture
def validation_rows(monkeypatch):
    """The rows each fit of the test holds out for early stopping, in order."""
    from skgraphfeat import _base

    held_out = []
    split = _base.early_stopping_split

    def record_split(*args, **kwargs):
        train, validation = split(*args, **kwargs)
        held_out.append(validation)
        return train, validation

    monkeypatch.setattr(_base, "early_stopping_split", record_split)
    return held_out
