# Developer entry points. The work itself lives in deploy/local/*.sh, which run on their own too.
# Ports and paths: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), PG_PORT (5433), LOCAL_DIR (.local).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

UV := .tools/bin/uv
VENV := .venv/bin
PY_DIRS := contracts libs services tests tools
PYTEST_ARGS ?=
K8S_VALIDATE := kubernetes-validate==1.37.0

.PHONY: help install infra-up infra-down infra-status up down status test lint fmt compose-check k8s-check bench bench-gateway bench-console chaos replicas test-infra-down web web-deps api-types chromium web-test

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

install: ## bootstrap uv (.tools) and sync .venv from uv.lock (on Debian's python3.11 when present; PYTHON=... overrides)
	@source deploy/local/lib.sh && sync_venv

infra-up: ## start PostgreSQL + Kafka under .local, ensure logins, databases and topics
	@deploy/local/infra.sh up

infra-down: ## stop PostgreSQL + Kafka (data is kept)
	@deploy/local/infra.sh down

infra-status: ## is PostgreSQL + Kafka running
	@deploy/local/infra.sh status

up: install infra-up web ## infra, the console's build, the gateway (8000), then the five services (8001-8005), demo users and data, URLs
	@deploy/local/services.sh up

down: ## stop the services, then the infra (also the tests' infra, if running)
	@deploy/local/services.sh down
	@deploy/local/infra.sh down
	@export $(TEST_INFRA); deploy/local/infra.sh down

status: ## what runs where
	@deploy/local/infra.sh status || true
	@deploy/local/services.sh status || true

# Tests, the benchmark and the chaos run get their own Kafka broker and PostgreSQL cluster (under .local/test, on
# other ports), so they never share topics or a database server with the platform `make up` runs.
# Overridable, so several checkouts of the repo (git worktrees) can each run their own tests' infra at once.
TEST_KAFKA_PORT ?= 19092
TEST_KAFKA_CONTROLLER_PORT ?= 19093
TEST_PG_PORT ?= 15433
TEST_INFRA := LOCAL_DIR=.local/test KAFKA_PORT=$(TEST_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$(TEST_KAFKA_CONTROLLER_PORT) PG_PORT=$(TEST_PG_PORT)
WITH_TEST_INFRA = export $(TEST_INFRA); deploy/local/infra.sh up; eval "$$(deploy/local/infra.sh env)"

# pytest exits 5 when it collected nothing: a suite that tests nothing must not pass.
# The console's unit tests (vitest) run first; pytest then runs everything else, the browser tests (tests/browser,
# Chromium against web/dist) included. PYTEST_ARGS narrows pytest only.
test: install web chromium ## run the whole test suite (vitest, then pytest on its own Kafka + PostgreSQL under .local/test)
	@if [ -z "$(PYTEST_ARGS)" ]; then cd web && npx vitest run; fi
	@$(WITH_TEST_INFRA); rc=0; $(VENV)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ "$$rc" -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit "$$rc"

bench-console: install web chromium ## the console in Chromium on 100,000 orders / 10,000 POs (tools/bench_console; writes bench-results/)
	@$(WITH_TEST_INFRA); $(VENV)/python -m tools.bench_console $(BENCH_ARGS)

bench: install ## the order saga against the raw Kafka + Postgres floor (tools/bench; writes bench-results/)
	@$(WITH_TEST_INFRA); $(VENV)/python -m tools.bench $(BENCH_ARGS)

bench-gateway: install ## the gateway: the proxy's added latency and CPU, 500 live-event clients while orders flow
	@$(WITH_TEST_INFRA); $(VENV)/python -m tools.bench_gateway $(BENCH_ARGS)

chaos: install ## steady load while services, Kafka and PostgreSQL are killed and restarted; then invariants
	@$(WITH_TEST_INFRA); $(VENV)/python -m tools.chaos $(CHAOS_ARGS)

replicas: install ## two replicas each of sales/inventory/finance under load: one added, one SIGKILLed, one SIGTERMed
	@$(WITH_TEST_INFRA); $(VENV)/python -m tools.replicas

test-infra-down: ## stop the test Kafka + PostgreSQL
	@export $(TEST_INFRA); deploy/local/infra.sh down

lint: install web-deps ## ruff format/lint, mypy, the console's tsc + eslint, docker-compose.yml and k8s manifest validation
	cd web && npx tsc -p . && npx eslint .
	$(VENV)/ruff format --check .
	$(VENV)/ruff check .
	@# One mypy run per tree: each service has its own tests/conftest.py, which would clash as one module.
	@for d in contracts libs tools tests services/*; do [ -d "$$d" ] || continue; \
		echo "$(VENV)/mypy $$d"; $(VENV)/mypy "$$d" || exit 1; done
	@$(MAKE) --no-print-directory compose-check k8s-check

compose-check: ## validate docker-compose.yml (installs Debian's docker-compose if needed)
	@deploy/check-compose.sh

k8s-check: ## validate deploy/k8s: Kubernetes schemas, KEDA ScaledObjects (our schema), generated manifests current
	@$(UV) tool run --quiet --from $(K8S_VALIDATE) kubernetes-validate --quiet --no-warn --strict \
		$$(ls deploy/k8s/*.yaml | grep -v kustomization.yaml)
	@$(VENV)/python -m tools.k8s_keda_check
	@$(VENV)/python -m tools.k8s_manifests --check

# The web console (web/): npm ci when package-lock.json changed since the last install, then vite build.
web-deps: ## install the console's npm packages (web/node_modules) from package-lock.json
	@if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
		cd web && npm ci --no-audit --no-fund --loglevel=error; fi

web: web-deps ## build the console (web/dist, served by the gateway)
	@cd web && npx vite build --logLevel warn

web-test: web-deps ## the console's unit tests (vitest)
	@cd web && npx vitest run

api-types: install web-deps ## regenerate the console's API types (web/src/api/types) from the services' OpenAPI
	@$(VENV)/python -m tools.api_types

chromium: ## Debian's chromium and CJK fonts for the browser tests (apt-get when missing; Playwright never downloads a browser)
	@if ! command -v chromium >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi

fmt: ## format and auto-fix
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .
