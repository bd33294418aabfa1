# Two entry points: `make synth` (the platform app into cdk.out/) and `make test`.
# Both bootstrap what they need: a virtualenv with the pinned packages and the pinned CDK CLI.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# Keep every tool offline and quiet: no Node.js end-of-life banner from jsii, no CDK
# notices, telemetry or version checks, and no instance-metadata credential probing.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1
export AWS_EC2_METADATA_DISABLED := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
CDK := npx --no-install cdk --no-notices --no-version-reporting

.PHONY: synth test lint typecheck benchmark fuzz double clean

$(PY_STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: $(PY_STAMP) $(NODE_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(CDK) synth --quiet
	@echo "Synthesized into cdk.out/: $$(ls cdk.out/*.template.json | wc -l) templates"

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

test: $(PY_STAMP) $(NODE_STAMP) lint typecheck
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -n 2 --dist loadfile

benchmark: $(PY_STAMP) $(NODE_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/run.py $(BENCHMARK_ARGS)

# The lifecycle fuzzer's long profile (about 20 min): writes FUZZING.md. Templates it
# synthesizes are cached in .fuzz-cache/ between runs.
fuzz: $(PY_STAMP) $(NODE_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" FUZZ_CACHE="$(CURDIR)/.fuzz-cache" $(BIN)/python -m tests.fuzz.run $(FUZZ_ARGS)

# Serve the SES tenant API double on 127.0.0.1:$(PORT) for any SDK (AWS_ENDPOINT_URL).
PORT ?= 5005
double: $(PY_STAMP)
	$(BIN)/ses-tenants-double --port $(PORT)

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache .fuzz-cache build dist
