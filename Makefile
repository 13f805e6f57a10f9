# Dzinza command menu. `make help` lists the targets; the README shows the two a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint iac typecheck services-start services-stop bench bench-1m bench-gedcom bench-gedcom-1m bench-media bench-scale messages clean

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/dzinza: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) sync --frozen --quiet
	@touch $@

install: $(BIN)/dzinza ## Create .venv/ with Dzinza and every dependency (from uv.lock)

run: install ## Serve Dzinza on http://127.0.0.1:8000 with the embedded default (SQLite + local folder) and the demo tree
	$(BIN)/dzinza db upgrade
	$(BIN)/dzinza demo --keep
	$(BIN)/dzinza serve --host $(HOST) --port $(PORT)

test: install ## Run the whole test suite (installs and starts PostgreSQL, OpenSearch-compatible and S3 servers for it)
	scripts/test.sh

lint: install ## ruff, mypy and the import contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

messages: install ## Extract the web app's messages and merge them into the Shona and Ndebele catalogs
	scripts/messages.sh

iac: install ## Check the infrastructure code offline: Kubernetes, Dockerfile, Terraform, workflows
	scripts/iac.sh

typecheck: install ## mypy (strict) on src/
	$(BIN)/mypy

services-start: ## Install (if missing) and start the test servers on 127.0.0.1
	scripts/services.sh start

services-stop: ## Stop the test servers
	scripts/services.sh stop

bench: install ## Benchmarks at 100,000 people on SQLite and PostgreSQL, then GEDCOM, media storage, chart pages and backups (results in bench/results/)
	scripts/bench.sh 100000
	scripts/bench_gedcom.sh 100000
	scripts/bench_media.sh
	scripts/bench_scale.sh
	$(BIN)/python -m bench.chart_pages --people 100000
	$(BIN)/python -m bench.backups --people 100000 --photos 1000

bench-scale: install ## API throughput with one replica and with two (PostgreSQL, Redis), and the pedigree with a cold and a warm cache
	scripts/bench_scale.sh

bench-media: install ## Photo uploads with thumbnails, and signed-URL serving, on the local folder and on S3 (SeaweedFS)
	scripts/bench_media.sh

bench-1m: install ## Benchmarks at 1,000,000 people (slow: about an hour)
	scripts/bench.sh 1000000

bench-gedcom: install ## GEDCOM parse (Dzinza against ged4py, python-gedcom, gedcomkit), import and export at 100,000 people
	scripts/bench_gedcom.sh 100000

bench-gedcom-1m: install ## The GEDCOM benchmark at 1,000,000 people (slow; the peers get 600 s each)
	scripts/bench_gedcom.sh 1000000 --repeat 1

clean: ## Remove the virtualenv, caches, test servers' run folder and the browser tests' screenshots
	-scripts/services.sh stop
	rm -rf $(VENV) .run .pytest_cache .mypy_cache .ruff_cache test-artifacts
