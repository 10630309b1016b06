# Two commands matter: `make demo` (the whole pipeline on the local stack) and `make test`.
# Every target bootstraps what it needs: a .venv with pinned packages and the pinned CDK CLI.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
PIP_VERSION := 25.3
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help bootstrap test lint format demo synth deploy diff deploy-dags local-up local-down bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.x")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the CDK CLI: install Node.js 20+"; exit 1; }
	npm ci --no-audit --no-fund --silent
	@touch $@

bootstrap: $(VENV)/.installed node_modules/.installed ## Create .venv and install the pinned CDK CLI

lint: $(VENV)/.installed ## ruff (lint and format check)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed ## Apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: bootstrap lint ## Every test: ruff, then pytest (infra, Lambda, generators, DAGs, emulator, end to end)
	$(PY) -m pytest

demo: bootstrap ## The whole pipeline on the local stack (KEEP=1 leaves the stack running)
	$(PY) -m local demo $(if $(KEEP),--keep)

synth: bootstrap ## Synthesize the CDK app into cdk.out/ (cdk-nag runs on every synth)
	$(CDK) synth --quiet

diff: bootstrap ## Show what `make deploy` would change
	$(CDK) diff

deploy: bootstrap ## cdk deploy to the account and region of your AWS credentials
	$(CDK) deploy --require-approval broadening

deploy-dags: bootstrap ## Copy dags/ + MWAA requirements to MWAA_BUCKET (DATA_LAKE_BUCKET= if the stack is not deployed)
	@test -n "$(MWAA_BUCKET)" || { echo "usage: make deploy-dags MWAA_BUCKET=<your MWAA source bucket>"; exit 2; }
	$(PY) -m infra.deploy_dags --bucket "$(MWAA_BUCKET)" $(if $(DATA_LAKE_BUCKET),--data-lake-bucket "$(DATA_LAKE_BUCKET)")

local-up: bootstrap ## Start the local stack in the background (moto + local Timestream)
	$(PY) -m local up

local-down: $(VENV)/.installed ## Stop the local stack
	$(PY) -m local down

bench: bootstrap ## Print every figure next to its comparison (bench/; QUICK=1: a smoke run, not figures)
	@for script in $(filter-out bench/harness.py,$(wildcard bench/*.py)); do \
		echo "== $$script"; $(PY) $$script $(if $(QUICK),--quick) || exit 1; done

clean: ## Remove build output and local state (keeps .venv and node_modules)
	rm -rf cdk.out .local .ruff_cache
