# The front door: `make run` (nightly job on the sample data) and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format unit docs bench dev clean duckdb1 report spark spark-setup

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	@if [ -z "$$(ls -A data/raw | grep -v .gitkeep)" ]; then \
		echo "data/raw is empty: generating the sample city"; \
		$(BIN)/hansyn sample-data --out data/raw; \
	fi
	$(BIN)/hansyn refresh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd dbt_project && ../$(BIN)/sqlfluff fix models

test: lint
	$(BIN)/pytest -q --durations=30

unit: setup
	$(BIN)/pytest -q -m "not slow"

# The indicator report (also written by the nightly job) from the published marts.
report: setup
	$(BIN)/hansyn report

# dbt docs as one self-contained HTML file, with the catalog of the warehouse `make run` built.
DOCS := build/docs/hansyn-dbt-docs.html
DOCS_TARGET := $(or $(HANSYN_DBT_TARGET),$(CURDIR)/dbt_project/target)

docs: setup
	cd dbt_project && ../$(BIN)/dbt docs generate --static --quiet --profiles-dir . \
		--target-path "$(DOCS_TARGET)"
	mkdir -p $(dir $(DOCS))
	cp "$(DOCS_TARGET)/static_index.html" $(DOCS)
	@echo "dbt docs written to $(DOCS)"

# A DuckDB 1.x client in its own venv: the test that BI tools bundling 1.x read the marts.
DUCKDB1 := .venv-duckdb1
DUCKDB1_VERSION := 1.4.4

$(DUCKDB1)/.installed:
	test -x $(DUCKDB1)/bin/python || $(PY) -m venv $(DUCKDB1) || python3 -m venv $(DUCKDB1)
	$(DUCKDB1)/bin/pip install --quiet duckdb==$(DUCKDB1_VERSION)
	touch $@

duckdb1: $(DUCKDB1)/.installed

# The dbt project on Spark (docs/scaling.md): its own venv with pyspark and dbt-spark (the `spark`
# extra), Java 17 if missing; builds the sample city on DuckDB and on a local Spark (local[2],
# 2 GB driver) and compares every mart value for value.
SPARK_VENV := .venv-spark

$(SPARK_VENV)/.installed: pyproject.toml constraints.txt
	test -x $(SPARK_VENV)/bin/python || $(PY) -m venv $(SPARK_VENV) || python3 -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/pip install --quiet -c constraints.txt -e '.[spark]'
	touch $@

spark-setup: $(SPARK_VENV)/.installed
	@command -v java >/dev/null 2>&1 || { \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openjdk-17-jre-headless; }

spark: spark-setup
	$(SPARK_VENV)/bin/python deploy/spark/build_and_compare.py $(SPARK_ARGS)

# The UI and daemon on the instance `hansyn refresh` uses (DAGSTER_HOME, by default
# .dagster_home/); dagster-dbt parses the project with the `dbt` it finds on PATH: the venv's.
dev: setup
	DAGSTER_HOME=$${DAGSTER_HOME:-$$PWD/.dagster_home} PATH="$(CURDIR)/$(BIN):$$PATH" sh -c \
		'mkdir -p $$DAGSTER_HOME && \
		{ [ -f $$DAGSTER_HOME/dagster.yaml ] || cp deploy/dagster.yaml $$DAGSTER_HOME/; } && \
		dagster dev $(DEV_ARGS)'

# The benchmark (docs/scaling.md): full refresh, a night with nothing new and a month of new
# deliveries, stages, peak memory and the floor at scales 1, 10, 50 and 200; `make bench
# SCALES=1` for a quick run.
SCALES ?= 1,10,50,200

bench: setup
	$(BIN)/python bench/bench.py --scales $(SCALES)

clean:
	rm -rf $(VENV) $(DUCKDB1) dbt_project/target dbt_project/logs build/docs
