import os

# Quieter TensorFlow logs in the test process (our own process, not a user's).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Lets scikit-learn run its array-API check (with numpy) instead of skipping it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
