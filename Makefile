# The front door: `make run` (nightly job on the sample data) and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format unit docs bench dev clean

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
	$(BIN)/pytest -q

unit: setup
	$(BIN)/pytest -q -m "not slow"

dev: setup
	DAGSTER_HOME=$${DAGSTER_HOME:-$$PWD/.dagster_home} sh -c 'mkdir -p $$DAGSTER_HOME && $(BIN)/dagster dev'

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs
