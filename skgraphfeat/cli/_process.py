"""The command line's own process: TensorFlow's logs (see ``skgraphfeat.cli``)."""

import contextlib
import os
import sys
import tempfile

# ------------------------------------------------------- the process's logs
_TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
# whether the user chose TensorFlow's log level (set by main)
user_log_level = True


@contextlib.contextmanager
def tensorflow_logging_configured(environ=os.environ):
    """Quiet TensorFlow's logs for the block unless the user set a level.

    Yields whether the user had set ``TF_CPP_MIN_LOG_LEVEL``; the variable is
    removed again afterwards if the block set it (TensorFlow has read it by
    then), so a program that calls ``main`` keeps its environment.
    """
    user_set = _TF_LOG_LEVEL in environ
    environ.setdefault(_TF_LOG_LEVEL, "3")
    try:
        yield user_set
    finally:
        if not user_set:
            environ.pop(_TF_LOG_LEVEL, None)


@contextlib.contextmanager
def _discarded_native_stderr():
    """Send the process's stderr file descriptor to a temporary file for the
    block; write the file back only if the block raises."""
    try:
        stderr_fd = sys.__stderr__.fileno()
        captured = tempfile.TemporaryFile()
    except (AttributeError, OSError, ValueError):
        yield  # no real stderr, or no room to capture it: leave it as it is
        return
    with captured:
        sys.__stderr__.flush()
        saved = os.dup(stderr_fd)
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield
        except BaseException:
            os.dup2(saved, stderr_fd)
            captured.seek(0)
            sys.__stderr__.write(captured.read().decode(errors="replace"))
            sys.__stderr__.flush()
            raise
        finally:
            os.dup2(saved, stderr_fd)
            os.close(saved)


def start_tensorflow():
    """Import TensorFlow and Keras now, without their native start-up lines
    unless the user asked for TensorFlow's logs (see the module docstring)."""
    if "tensorflow" in sys.modules or user_log_level:
        import keras  # noqa: F401

        return
    with _discarded_native_stderr():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()  # where the CUDA probe reports
