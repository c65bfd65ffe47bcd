# mlliteracy: the entry points. `make lab` and `make test` need only Python >= 3.10 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
LAB_ARGS ?=
# JupyterLab refuses to run as root (containers, CI) unless told explicitly
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
JOBS ?= 2

.PHONY: help install lab test test-fast workbook notebooks bench lint format clean

help:
	@echo "make lab        start JupyterLab on notebooks/00_start_here.ipynb (LAB_ARGS='--no-browser --port 8888')"
	@echo "make test       run unit tests and execute every notebook"
	@echo "make workbook   execute every lesson headless, write build/site/index.html"
	@echo "make notebooks  re-execute lessons in place so committed outputs are current"
	@echo "make bench      run benchmarks/, write build/bench/*.json"
	@echo "make lint       ruff check + format check;  make format  fix them"

# The venv is (re)built only when pyproject.toml changes; a second run reuses it.
$(STAMP): pyproject.toml
	@test -x "$(BIN)/python" || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet "pip>=24"
	$(BIN)/python -m pip install -e ".[dev]"
	$(BIN)/python -c "import torch, torchvision; print('torch', torch.__version__, '| torchvision', torchvision.__version__)"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mlliteracy)" >/dev/null
	@touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb $(LAB_ROOT) $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not notebook and not browser" $(PYTEST_ARGS)

workbook: $(STAMP)
	$(BIN)/mlliteracy workbook --out build/site

notebooks: $(STAMP)
	$(BIN)/mlliteracy workbook --refresh $(NB)

bench: $(STAMP)
	@mkdir -p build/bench
	@for script in benchmarks/*.py; do \
		name=$$(basename $$script .py); \
		echo "== $$name"; \
		$(BIN)/python $$script > build/bench/$$name.log || exit 1; \
		tail -n 1 build/bench/$$name.log > build/bench/$$name.json; \
		cat build/bench/$$name.json; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf build .pytest_cache
