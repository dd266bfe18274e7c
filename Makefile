# Share Links: the commands the README names. `make` alone lists them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTEST_ARGS ?=
BENCH_ARGS ?=
# uv from PATH, else the copy `make uv` installed with pip, whose script folder may not be on PATH.
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: help uv install run up down test test-cluster bench lint chaos contracts-snapshot

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-20s %s\n", $$1, $$2}'

uv: ## install uv with pip when it is missing
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || { \
		echo "make: installing uv with pip"; python3 -m pip install --user uv || pip install uv; }

install: uv ## install the workspace and the dev tools exactly as uv.lock pins them
	# Bytecode now, as the images do: with PYTHONDONTWRITEBYTECODE set (these machines set it),
	# every start would compile the Dropbox SDK again, 120 MiB more RSS in dropbox-service.
	$(UV) sync --locked --compile-bytecode
	@$(MAKE) --no-print-directory node_modules/.package-lock.json

# The ecosystem's validators of our published documents, and axe-core for the browser tests
# (package.json, pinned by package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

run: install ## start Kafka, Redis and every service in the foreground; Ctrl-C stops them
	$(UV) run --locked devstack run

up: install ## start the same in the background; returns once every service is ready
	$(UV) run --locked devstack up

down: uv ## stop everything `make up` started
	$(UV) run --locked devstack down

test: install ## run every test; options go in PYTEST_ARGS, e.g. PYTEST_ARGS="-m unit"
	$(UV) run --locked pytest $(PYTEST_ARGS)

lint: install ## ruff check, ruff format --check, mypy, the validators of the published documents, the manifests' Pod Security and Compose's own loader
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy $(wildcard libs/*/src services/*/src tools/*/src)
	node tests/contract_tools/asyncapi-validate.mjs docs/asyncapi/*.json
	$(UV) run --locked openapi-spec-validator docs/openapi/*.json
	node_modules/.bin/redocly lint --format=stylish docs/openapi/*.json
	test -z "$$(gofmt -l tests/contract_tools)" || { gofmt -d tests/contract_tools; exit 1; }
	go -C tests/contract_tools/podsecurity vet ./...
	go -C tests/contract_tools/podsecurity run . -kustomize $(abspath deploy/kubernetes)
	go -C tests/contract_tools/compose vet ./...
	go -C tests/contract_tools/compose run . -env-file $(abspath .env.example) -project-directory $(CURDIR) \
		$(abspath docker-compose.yml) $(abspath docker-compose.replicas.yml) > /dev/null

contracts-snapshot: install ## rewrite libs/contracts/schemas, docs/asyncapi and docs/openapi after an additive change
	$(UV) run --locked python -m contracts.snapshots
	UPDATE_ASYNCAPI_DOCS=1 $(UV) run --locked pytest -q tests/unit/test_asyncapi_docs.py
	UPDATE_OPENAPI_DOCS=1 $(UV) run --locked pytest -q tests/unit/test_openapi_docs.py

bench: up ## run the benchmarks against the stack of `make up`: ratios to baselines, bench/results.json
	$(UV) run --locked python bench/run.py $(BENCH_ARGS)

test-cluster: install ## the e2e suite and the cluster's faults on 3 Kafka brokers and a Redis Cluster (CLUSTER=1)
	env -u KAFKA_BOOTSTRAP_SERVERS -u REDIS_URL CLUSTER=1 $(UV) run --locked pytest \
		-m "e2e or chaos" tests/e2e tests/chaos/test_faults_under_load.py $(PYTEST_ARGS)

chaos: install ## fault runs under load, then exact reconciliation (stops and kills devstack's Kafka and Redis)
	env -u KAFKA_BOOTSTRAP_SERVERS -u REDIS_URL $(UV) run --locked pytest -m chaos tests/chaos $(PYTEST_ARGS)
