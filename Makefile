# Two entry points: `make synth` (the platform app into cdk.out/) and `make test`.
# Both bootstrap what they need: a virtualenv with the pinned packages (synth: only
# requirements.txt; test: requirements-dev.txt too) and the pinned CDK CLI and Node.js 22.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SYNTH_STAMP := $(VENV)/.installed-synth
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed

# The venv's Python and node_modules/.bin (the pinned CDK CLI and, on Linux x64/arm64, the
# pinned Node.js 22 from npm) come first for every recipe: the CDK CLI and the jsii runtime
# that Python's jsii starts both run on that `node`.
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# Keep every tool offline and quiet: no CDK notices, telemetry or version checks, and no
# instance-metadata credential probing.
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1
export AWS_EC2_METADATA_DISABLED := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
CDK := cdk --no-notices --no-version-reporting

# `make deploy STACKS=SesTenant-acme`, `make diff STACKS=--all`, `make deploy CDK_ARGS=...`.
STACKS ?=
CDK_ARGS ?=

.PHONY: synth test lint typecheck benchmark fuzz double clean distclean \
        ls diff deploy destroy bootstrap

# What synthesizing needs: the library, the platform app and cdk-nag (requirements.txt),
# and setuptools (as pinned in constraints.txt; the venv's own is older) for the editable
# install of the library itself.
$(SYNTH_STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements.txt --upgrade setuptools
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Everything the tests, linters and benchmarks need on top.
$(DEV_STAMP): $(SYNTH_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The count is read from the manifest of the assembly just written, not from the folder.
synth: $(SYNTH_STAMP) $(NODE_STAMP)
	$(CDK) synth --quiet
	@$(BIN)/python -c 'import json; a = json.load(open("cdk.out/manifest.json"))["artifacts"]; \
	  print("Synthesized into cdk.out/:", sum(v["type"] == "aws:cloudformation:stack" for v in a.values()), "templates")'

# The CDK CLI on the platform app. ls needs nothing else; diff, deploy, destroy and
# bootstrap need AWS credentials, and deploy an account and region bootstrapped once.
ls: $(SYNTH_STAMP) $(NODE_STAMP)
	$(CDK) ls $(STACKS) $(CDK_ARGS)

diff deploy destroy: $(SYNTH_STAMP) $(NODE_STAMP)
	$(CDK) $@ $(STACKS) $(CDK_ARGS)

bootstrap: $(SYNTH_STAMP) $(NODE_STAMP)
	$(CDK) bootstrap $(CDK_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

test: $(DEV_STAMP) $(NODE_STAMP) lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadfile

benchmark: $(DEV_STAMP) $(NODE_STAMP)
	$(BIN)/python benchmarks/run.py $(BENCHMARK_ARGS)

# The lifecycle fuzzer's long profile (about 20 min): writes FUZZING.md. Templates it
# synthesizes are cached in .fuzz-cache/ between runs.
fuzz: $(DEV_STAMP) $(NODE_STAMP)
	FUZZ_CACHE="$(CURDIR)/.fuzz-cache" $(BIN)/python -m tests.fuzz.run $(FUZZ_ARGS)

# Serve the SES tenant API double on 127.0.0.1:$(PORT) for any SDK (AWS_ENDPOINT_URL).
PORT ?= 5005
double: $(DEV_STAMP)
	$(BIN)/ses-tenants-double --port $(PORT)

# Build outputs and caches only; the environments stay, so the next synth is quick.
clean:
	rm -rf cdk.out build dist *.egg-info benchmarks/out .pytest_cache .mypy_cache \
	       .ruff_cache .fuzz-cache
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
	       -name __pycache__ -type d -exec rm -rf {} +

# Also the virtualenv, node_modules and Hypothesis's example database.
distclean: clean
	rm -rf $(VENV) node_modules .hypothesis
