# The two commands a new user needs: `make demo` and `make test`.
# Each creates .venv on its own, so both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint clean

# Supported: CPython 3.10 to 3.13 (pyproject.toml's requires-python); `make lint` needs 3.11+.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "tracekit needs Python 3.10 or newer; run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/tracekit demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check tracekit replay tests
	$(BIN)/ruff format --check tracekit replay tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -n auto  # pytest-xdist: one worker per core

clean:
	rm -rf $(VENV) tracekit.duckdb tracekit.duckdb.spool
