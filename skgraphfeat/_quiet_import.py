"""Import Keras (and so its backend) without TensorFlow's start-up log lines.

TensorFlow's native start-up messages (CUDA stubs on machines without a GPU,
CPU-feature notes, the absl pre-initialisation banner) bypass Python's logging
and ignore ``TF_CPP_MIN_LOG_LEVEL``. skgraphfeat's first import of Keras
therefore runs with the process's stderr file descriptor captured; the lines
that are such known start-up noise are dropped and every other line is written
back to stderr afterwards, so genuine errors still show. Nothing is changed
when the module is already imported (it has printed already, if at all).
``filtered_native_stderr`` does the same for any block, such as the first
XLA compilation of a process, which announces itself in the same way.
"""

import contextlib
import importlib
import os
import re
import sys
import tempfile
import threading

_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|cudart_stub\.cc|cuda_platform\.cc|cuda_executor\.cc|cuda_dnn\.cc"
    r"|cuda_fft\.cc|cuda_blas\.cc|cpu_feature_guard\.cc"
    r"|To enable the following instructions: .*rebuild TensorFlow"
    r"|computation_placer\.cc|Unable to register cu(DNN|FFT|BLAS) factory"
    # the first XLA compilation of a process (see _compiled_attention)
    r"|XLA service 0x[0-9a-f]+ initialized for platform"
    r"|StreamExecutor \[\d+\]: Host, Default Version"
    r"|disabling MLIR crash reproducer"
    r"|Compiled cluster using XLA!"
)
_lock = threading.Lock()


def import_quietly(name):
    """Import module ``name`` (once), filtering TensorFlow's start-up noise."""
    if name in sys.modules:
        return sys.modules[name]
    with _lock:
        if name in sys.modules:
            return sys.modules[name]
        with filtered_native_stderr():
            module = importlib.import_module(name)
            tensorflow = sys.modules.get("tensorflow")
            if tensorflow is not None:
                # listing the devices is where the CUDA probe logs its failure
                # on machines without a GPU; it leaves the runtime
                # configurable (threads, visible devices)
                tensorflow.config.list_physical_devices()
        return module


@contextlib.contextmanager
def filtered_native_stderr():
    """Run the block with the process's stderr file descriptor captured; write
    back every captured line that is not known start-up noise."""
    try:
        stderr_fd = sys.__stderr__.fileno()
    except (AttributeError, OSError, ValueError):
        yield  # no real stderr to filter
        return
    with tempfile.TemporaryFile() as captured:
        sys.__stderr__.flush()
        saved_fd = os.dup(stderr_fd)
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield
        finally:
            sys.__stderr__.flush()
            os.dup2(saved_fd, stderr_fd)
            os.close(saved_fd)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            kept = [line for line in text.splitlines() if not _NOISE.search(line)]
            if kept:
                sys.__stderr__.write("\n".join(kept) + "\n")
                sys.__stderr__.flush()
