# trackhub - the two commands: `make run` (local stack) and `make test` (everything CI runs).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SAM_CLI_TELEMETRY := 0

.PHONY: run test dev lint typecheck validate build unit integration openapi bench load fuzz clean deploy destroy

$(STAMP): pyproject.toml layers/shared/requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP)  ## create .venv and install the project with its dev dependencies

run: $(STAMP)  ## start the Docker-free local stack on 127.0.0.1:$${HUB_PORT:-3000}
	$(BIN)/trackhub-local

test: lint typecheck validate build unit integration  ## everything CI runs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy layers/shared/trackhub local/trackhub_local cli/trackhub_cli
	MYPYPATH=tests $(BIN)/mypy bench
	# Every handler is a module named `app`, so mypy checks them one at a time.
	for f in functions/*/app.py; do $(BIN)/mypy --follow-imports=silent "$$f" >/dev/null || { $(BIN)/mypy --follow-imports=silent "$$f"; exit 1; }; done

validate: $(STAMP)
	$(BIN)/sam validate --lint --template template.yaml

build: $(STAMP)  ## sam build into a temporary folder (no Docker needed) and check the artifacts
	$(BIN)/pytest tests/build -q -p no:cacheprovider

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q -n 2

integration: $(STAMP)
	$(BIN)/pytest tests/integration -q

bench: $(STAMP)  ## cold starts, AWS calls per operation, local-stack throughput vs Ralph (docs/performance.md)
	PYTHONPATH=tests:. $(BIN)/python -m bench

openapi: $(STAMP)  ## export the merged OpenAPI document of every function
	$(BIN)/python -m trackhub_local.openapi --out docs/openapi.json

fuzz: $(STAMP)  ## schemathesis over every operation of its own local stack (docs/fuzzing.md)
	$(BIN)/python tools/fuzz.py

load: $(STAMP)  ## bounded load on loopback (own local stack): every acknowledged write readable, deliveries settled
	$(BIN)/python tools/load.py

clean:
	rm -rf .aws-sam .local .pytest_cache .mypy_cache .ruff_cache

deploy: $(STAMP)  ## sam build + sam deploy with samconfig.toml (needs AWS credentials)
	$(BIN)/sam build && $(BIN)/sam deploy

destroy: $(STAMP)
	$(BIN)/sam delete
