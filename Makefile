# Two commands matter: `make demo` (the whole pipeline on the local stack) and `make test`.
# Every target bootstraps what it needs: a .venv with pinned packages, the pinned CDK CLI and, on Linux,
# the pinned Node.js that runs it (package.json).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV30 := .venv-airflow30
PY30 := $(VENV30)/bin/python
CDK := node_modules/.bin/cdk
PIP_VERSION := 25.3
# The Node.js releases aws-cdk-lib's jsii runtime supports.
NODE_MAJORS := 22 24
# The project's Node (node_modules/.bin/node, when package.json could install it here) comes first.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help bootstrap test test-faults-long test-airflow30 airflow lint format demo lake synth deploy diff \
	cdk-bootstrap deploy-dags local-up local-down local-status local-restart local-reset bench readme-figures \
	clean flink-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.x")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

# MWAA's oldest Airflow 3, in a virtualenv of its own (the DAGs must run on it as well as on the dev pin).
$(VENV30)/.installed: requirements-airflow30.txt constraints-airflow30.txt
	@test -x $(PY30) || $(PYTHON) -m venv $(VENV30)
	$(PY30) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(PY30) -m pip install --quiet --disable-pip-version-check -r requirements-airflow30.txt -c constraints-airflow30.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed to install the pinned CDK CLI: install Node.js with npm (on Linux x64/arm64 the project then brings its own Node 24)"; exit 1; }
	npm ci --no-audit --no-fund --silent
	@major=$$(node -p 'process.versions.node.split(".")[0]'); case " $(NODE_MAJORS) " in *" $$major "*) ;; \
	  *) echo "error: Node.js $$(node --version) cannot run the CDK (aws-cdk-lib's jsii runtime supports Node $(NODE_MAJORS)): install Node.js 24 LTS and run make bootstrap again"; exit 1;; esac
	@touch $@

bootstrap: $(VENV)/.installed node_modules/.installed ## Create .venv, install the pinned CDK CLI (and Node on Linux)

lint: $(VENV)/.installed ## ruff (lint and format check)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed ## Apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Test modules run on TEST_WORKERS processes, each module whole on one worker (its fixtures built once).
TEST_WORKERS ?= 2
test: bootstrap lint ## Every test: ruff, then pytest (infra, Lambda, generators, DAGs, emulator, CLIs, README, end to end)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test-airflow30: bootstrap $(VENV30)/.installed ## The DAG tests and the built-bundle tests on Airflow 3.0.6 (MWAA)
	$(PY30) -m pytest tests/dags
	AIRFLOW30_PYTHON=$(CURDIR)/$(PY30) $(PY) -m pytest tests/bundle -k airflow30

test-faults-long: bootstrap ## The fault tests at full time scale: real 10 s and 60 s outages, 60 s timeouts (~10 min)
	FAULT_TIME_SCALE=1 $(PY) -m pytest tests/faults

# Apache Flink for the CEP differential test: its own virtualenv (apache-flink pulls ~850 MB,
# incompatible pins with .venv's), and a Java 11/17 runtime (generators/flink/java_home.sh).
FLINK_VENV := .venv-flink
FLINK_PY := $(FLINK_VENV)/bin/python
$(FLINK_VENV)/.installed: generators/flink/requirements.txt generators/flink/constraints.txt
	@echo "flink-test: installing apache-flink (PyPI, pinned in generators/flink/requirements.txt, ~850 MB) into $(FLINK_VENV)"
	@test -x $(FLINK_PY) || $(PYTHON) -m venv $(FLINK_VENV)
	$(FLINK_PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(FLINK_PY) -m pip install --quiet --disable-pip-version-check -r generators/flink/requirements.txt -c generators/flink/constraints.txt
	@touch $@

flink-test: bootstrap $(FLINK_VENV)/.installed ## Run generators/flink/cep.sql on Apache Flink and compare with the CEP stage
	JAVA_HOME="$$(bash generators/flink/java_home.sh)" CEP_FLINK_PYTHON=$(FLINK_PY) $(PY) -m pytest tests/flink -q

demo: bootstrap ## The whole pipeline on the local stack (KEEP=1 leaves the stack running)
	$(PY) -m local demo $(if $(KEEP),--keep)

lake: bootstrap ## Athena SQL over the local lake (SQL="SELECT ..."; default: the seed's join); needs make demo KEEP=1
	$(PY) -m local lake $${SQL:+"$$SQL"}

synth: bootstrap ## Synthesize the CDK app into cdk.out/ (cdk-nag runs on every synth); CDK_ARGS="-c key=value"
	$(CDK) synth --quiet $(CDK_ARGS)

diff: bootstrap ## Show what `make deploy` would change; CDK_ARGS="-c key=value"
	$(CDK) diff $(CDK_ARGS)

deploy: bootstrap ## cdk deploy to the account and region of your AWS credentials; CDK_ARGS="-c key=value"
	$(CDK) deploy --require-approval broadening $(CDK_ARGS)

airflow: bootstrap ## A real Airflow 3 on dags/ over the local stack; prints the UI URL and login (Ctrl-C stops)
	$(PY) -m local airflow $(if $(PORT),--port $(PORT))

cdk-bootstrap: bootstrap ## Once per AWS account and region: cdk bootstrap
	$(CDK) bootstrap $(CDK_ARGS)

deploy-dags: bootstrap ## Copy dags/ to MWAA_BUCKET [REGION=...] [DATA_LAKE_BUCKET=...] [REPLACE_REQUIREMENTS=1]
	@test -n "$(MWAA_BUCKET)" || { echo "usage: make deploy-dags MWAA_BUCKET=<your MWAA source bucket> [REGION=<region>]"; exit 2; }
	$(PY) -m infra.deploy_dags --bucket "$(MWAA_BUCKET)" $(if $(REGION),--region "$(REGION)") \
	  $(if $(DATA_LAKE_BUCKET),--data-lake-bucket "$(DATA_LAKE_BUCKET)") $(if $(REPLACE_REQUIREMENTS),--replace-requirements)

local-up: bootstrap ## Start the local stack in the background (moto + local Timestream), with its data
	$(PY) -m local up

local-down: $(VENV)/.installed ## Stop the local stack (its data stays in .local/ for the next local-up)
	$(PY) -m local down

local-status: $(VENV)/.installed ## Endpoints, names and pids of the running local stack
	$(PY) -m local status

local-restart: $(VENV)/.installed ## Restart one server with its data: SERVER=timestream or SERVER=moto
	$(PY) -m local restart $(SERVER)

local-reset: $(VENV)/.installed ## Stop the local stack and delete its data (asks first; YES=1 skips asking)
	$(PY) -m local reset $(if $(YES),--yes)

bench: bootstrap ## Print every figure next to its comparison (bench/; QUICK=1: a smoke run, not figures)
	@for script in $(filter-out bench/harness.py bench/readme_figures.py,$(wildcard bench/*.py)); do \
		echo "== $$script"; $(PY) $$script $(if $(QUICK),--quick) || exit 1; done

readme-figures: bootstrap ## Measure the README's durations: bootstrap (fresh clone), demo, make test
	$(PY) bench/readme_figures.py

clean: ## Remove build output (keeps .venv, node_modules and the local stack's data: see local-reset)
	rm -rf cdk.out .ruff_cache
