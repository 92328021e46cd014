# Tend: `make run` to try it, `make test` to test it. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONPATH := src
PORT ?= 8000
TEND_DATA_DIR ?= ./var
export TEND_DATA_DIR

.DEFAULT_GOAL := help
.PHONY: help install run test test-postgres test-browser lint format typecheck check migrations bench ci clean

help: ## List every target
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --quiet
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the locked dependencies

run: install ## Migrate, create the demo practice once, serve on 127.0.0.1:$(PORT) with a worker
	TEND_DEBUG=$${TEND_DEBUG-1} $(BIN)/tend run --port $(PORT)

test: install ## The whole suite on SQLite (and on PostgreSQL too when TEND_TEST_DATABASE_URL is set)
	env -u TEND_TEST_DATABASE_URL $(BIN)/pytest -n auto -m "not browser" tests $(PYTEST_ARGS)
	@if [ -n "$$TEND_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-postgres: install ## The suite on the PostgreSQL in TEND_TEST_DATABASE_URL
	@test -n "$$TEND_TEST_DATABASE_URL" || { echo "Set TEND_TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/tend"; exit 2; }
	$(BIN)/pytest -n auto -m "not browser" tests $(PYTEST_ARGS)

test-browser: install ## Playwright journeys in Debian's Chromium (/usr/bin/chromium)
	$(BIN)/pytest -m browser tests/browser $(PYTEST_ARGS)

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install ## mypy with django-stubs
	TEND_DEBUG=1 $(BIN)/mypy src

check: install ## Django's deploy checks and Tend's own (keys, database, queue, data dir)
	$(BIN)/tend check

migrations: install ## Fail when models and migrations disagree
	TEND_DEBUG=1 $(BIN)/tend makemigrations --check --dry-run

bench: install ## Benchmarks (not part of make test); BENCH=name runs one
	$(BIN)/python -m bench $(BENCH)

ci: ## Everything CI runs (.ci/run): both databases, the browser, lint, migrations, deploy checks
	bash .ci/run

clean: ## Remove the virtual environment (data in $(TEND_DATA_DIR) is kept)
	rm -rf $(VENV)
