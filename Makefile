# Two commands a user needs: `make demo` and `make test`. Each sets up .venv from the lock
# file first (a fresh machine needs only Python 3.11+, git and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed-stamp
LANDING ?= landing
WAREHOUSE ?= warehouse/csc.duckdb

.PHONY: venv venv-spark venv-bi venv-returns demo test lint lock lock-spark lock-bi lock-returns sources docs clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	# --compile-bytecode: write .pyc files once at install. Where PYTHONDONTWRITEBYTECODE is
	# set (as on this machine) Python never caches them itself, and every process (each
	# refresh, each dbt run) would compile dbt, Prefect and GX again: ~30 s CPU, not ~15 s.
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# Optional: the Spark target (docs/scaling.md). Adds dbt-spark and pyspark (~480 MB, a few
# minutes) to .venv from requirements-spark.lock; needs Java 17+. `make test` then also
# runs the cross-engine test (tests/spark) instead of skipping it; CI (.ci/run) runs
# `make venv-spark` before `make test`, so there it always runs.
SPARK_STAMP := $(VENV)/.spark-stamp
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -r requirements-spark.lock
	touch $(SPARK_STAMP)

venv-spark: $(SPARK_STAMP)

# Optional: a BI tool of its own (docs/bi.md). Apache Superset with duckdb-engine and a
# DuckDB 1.x in .venv-bi, a second venv made from requirements-bi.lock (Superset pins a stack
# the project's cannot share). `make test` then also runs tests/bi (Superset reading the
# published file) instead of skipping it; CI (.ci/run) runs `make venv-bi` before `make test`,
# so there it always runs. `uv pip sync` keeps the venv exactly the lock.
BI_VENV := .venv-bi
BI_STAMP := $(BI_VENV)/.installed-stamp
$(BI_STAMP): $(STAMP) requirements-bi.lock
	test -x $(BI_VENV)/bin/python || $(PYTHON) -m venv --without-pip $(BI_VENV)
	$(BIN)/uv pip sync --python $(BI_VENV)/bin/python --quiet --compile-bytecode requirements-bi.lock
	touch $(BI_STAMP)

venv-bi: $(BI_STAMP)

# Optional: the DfE's validators for the statutory returns (docs/returns.md). The SSDA903 and
# CIN census rule packages in .venv-returns, a second venv made from requirements-returns.lock
# (they pin pandas < 2, which the project's cannot share); csc runs them as a separate process.
# `make test` then also runs tests/returns' validator tests instead of skipping them; CI
# (.ci/run) runs `make venv-returns` before `make test`, so there they always run.
RETURNS_VENV := .venv-returns
RETURNS_STAMP := $(RETURNS_VENV)/.installed-stamp
$(RETURNS_STAMP): $(STAMP) requirements-returns.lock
	test -x $(RETURNS_VENV)/bin/python || $(PYTHON) -m venv --without-pip $(RETURNS_VENV)
	$(BIN)/uv pip sync --python $(RETURNS_VENV)/bin/python --quiet --compile-bytecode requirements-returns.lock
	touch $(RETURNS_STAMP)

venv-returns: $(RETURNS_STAMP)

demo: $(STAMP)
	$(BIN)/csc generate --out $(LANDING)
	$(BIN)/csc refresh --landing $(LANDING) --warehouse $(WAREHOUSE)

# The whole suite in TEST_WORKERS pytest-xdist worker processes, 2 by default (the target:
# under 15 minutes on 2 cores; more workers need more memory, each refresh up to ~6 GB).
# Each module runs whole on one worker and the demo warehouses are built once for both
# (docs/testing.md, "Two workers"). TEST_WORKERS=0: in this process, one test at a time.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Python with ruff; the SQL of models/ and macros/ with sqlfluff (configured in pyproject.toml,
# docs/testing.md). In macros/ only what a macro file itself renders is SQL (nothing): what
# sqlfluff can check there is the Jinja, line length and file layout, not the indentation
# inside a macro's body, which it misreads around `-%}` trims (hence no layout.indent).
lint: $(STAMP)
	$(BIN)/ruff check csc flows tests
	$(BIN)/sqlfluff lint models --processes 2
	$(BIN)/sqlfluff lint macros --exclude-rules layout.indent

# Re-resolve the lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# The same, with the optional spark group (requirements.lock stays the everyday set).
lock-spark: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 -o requirements-spark.lock

# The BI environment's lock, from requirements-bi.in alone (not the project's dependencies).
lock-bi: $(STAMP)
	$(BIN)/uv pip compile requirements-bi.in --python-version 3.11 -o requirements-bi.lock

# The returns environment's lock, from requirements-returns.in alone.
lock-returns: $(STAMP)
	$(BIN)/uv pip compile requirements-returns.in --python-version 3.11 -o requirements-returns.lock

# Re-render the dbt source declarations from csc/contract.yml.
sources: $(STAMP)
	$(BIN)/python -m csc.dbt_sources

# Re-render everything generated from the project's data: the dbt sources, the measure
# table of docs/measures.md (from seeds/process_model_measures.csv) and the tables of
# docs/extract-contract.md (from csc/contract.yml) and docs/ssd-contract.md (from
# csc/ssd_contract.yml). Tests fail when any of them is stale.
docs: sources
	$(BIN)/python -m csc.docs

clean:
	rm -rf $(VENV) $(BI_VENV) $(RETURNS_VENV) target logs warehouse reports $(LANDING)
