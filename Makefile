# mlliteracy: the entry points. `make lab` and `make test` need only Python >= 3.10 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
TEST_STAMP = $(VENV)/.installed-test
LOCK    = requirements/constraints.txt
LAB_ARGS ?=
# JupyterLab refuses to run as root (containers, CI) unless told explicitly
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
JOBS ?= 2

PORTABLE ?=

.PHONY: help install install-test lock lab test test-fast test-portable workbook notebooks bench lint format clean

help:
	@echo "make lab        start JupyterLab on notebooks/00_start_here.ipynb (LAB_ARGS='--no-browser --port 8888')"
	@echo "make test       run unit tests and execute every notebook"
	@echo "make test-portable  the lessons' checks as on other CPUs and thread counts (PORTABLE='default threads1')"
	@echo "make workbook   execute every lesson headless, write build/site/index.html"
	@echo "make notebooks  regenerate lessons from reference/, re-execute them so outputs are current"
	@echo "make bench      run benchmarks/, write build/bench/*.json"
	@echo "make lint       ruff check + format check;  make format  fix them"
	@echo "make lock       rewrite requirements/constraints.txt from .venv (after make test)"

# The venv is (re)built only when pyproject.toml, the lock or the installer changes; a second run
# reuses it. Learner install: -e . under requirements/constraints.txt, torch from PyTorch's CPU
# wheels when reachable (TORCH_INDEX=auto|cpu|default, see scripts/install.py). The test stamp adds
# the test/dev extras on top, so `make lab` after `make test` installs nothing.
$(STAMP): pyproject.toml $(LOCK) scripts/install.py
	@test -x "$(BIN)/python" || $(PYTHON) -m venv $(VENV)
	$(BIN)/python scripts/install.py learner
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python scripts/install.py test
	@touch $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

# Freeze this .venv into the lock. It must hold the test/dev extras (`make test` first); to move
# versions: `.venv/bin/pip install -U --upgrade-strategy eager -e ".[dev]"` (no -c), the tests,
# then `make lock`.
lock:
	$(BIN)/python scripts/install.py lock
	@touch $(STAMP) $(TEST_STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb $(LAB_ROOT) $(LAB_ARGS)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope $(PYTEST_ARGS)

# The lessons' notebook checks with ATEN_CPU_CAPABILITY=default and =avx2 (torch without its
# AVX2 / AVX-512 kernels) and with 1 and 2 threads: see scripts/test_portable.py.
test-portable: $(TEST_STAMP)
	JOBS=$(JOBS) $(BIN)/python scripts/test_portable.py $(PORTABLE) -- $(PYTEST_ARGS)

test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not notebook and not browser" $(PYTEST_ARGS)

workbook: $(STAMP)
	$(BIN)/mlliteracy workbook --out build/site

notebooks: $(STAMP)
	$(BIN)/mlliteracy assign
	$(BIN)/mlliteracy workbook --refresh $(NB)

bench: $(TEST_STAMP)
	@mkdir -p build/bench
	@for script in benchmarks/*.py; do \
		name=$$(basename $$script .py); \
		echo "== $$name"; \
		$(BIN)/python $$script > build/bench/$$name.log || exit 1; \
		tail -n 1 build/bench/$$name.log > build/bench/$$name.json; \
		cat build/bench/$$name.json; \
	done

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf build .pytest_cache
