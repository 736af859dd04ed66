# Two commands a user needs: `make demo` and `make test`. Each sets up .venv from the lock
# file first (a fresh machine needs only Python 3.11+, git and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed-stamp
LANDING ?= landing
WAREHOUSE ?= warehouse/csc.duckdb

.PHONY: venv demo test lint lock sources clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/csc generate --out $(LANDING)
	$(BIN)/csc refresh --landing $(LANDING) --warehouse $(WAREHOUSE)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check csc flows tests

# Re-resolve the lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# Re-render the dbt source declarations from csc/contract.yml.
sources: $(STAMP)
	$(BIN)/python -m csc.dbt_sources

clean:
	rm -rf $(VENV) target logs warehouse reports $(LANDING)
