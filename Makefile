# TataMutasi — `make run` starts everything, `make test` tests everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UV_VERSION := 0.13.9
PYTEST := $(BIN)/python -m pytest

.DEFAULT_GOAL := help
.PHONY: help venv browser run test test-unit test-integration test-system check lint contracts \
        migrate bench chaos deps-audit clean

help:
	@echo "make run          install into .venv and start the whole system with a demo Pemda"
	@echo "make test         run every test (SQLite, and PostgreSQL when it answers)"
	@echo "make test-unit | test-integration | test-system   one layer"
	@echo "make check        format, lint and contract drift (changes nothing)"
	@echo "make lint         fix formatting and lint"
	@echo "make contracts    regenerate JSON Schemas, AsyncAPI and OpenAPI"
	@echo "make bench        benchmarks; results in bench/RESULTS.md"
	@echo "make deps-audit   pip-audit the lock where a vulnerability database answers"
	@echo "make chaos        long fault, fuzzing and load variants (figures in bench/RESULTS.md)"

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

venv: $(STAMP)

run: venv
	$(BIN)/tatamutasi run

# pytest exits 5 when it collected no tests: that is a failure here, never a pass.
define run_pytest
	$(PYTEST) $(1) $(if $(TESTS),-x -k "$(TESTS)") $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc
endef

# The web console's browser tests drive Debian's chromium: install it when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q chromium || \
	      { apt-get update -q && apt-get install -y -q chromium; }; \
	  else echo "chromium is missing and apt-get cannot install it here (not root?):" \
	    "the web browser tests will be skipped"; fi; }

test: venv browser
	@$(call run_pytest,-m "not chaos")

test-unit: venv
	@$(call run_pytest,-m "not system and not kafka and not chaos")

test-integration: venv
	@$(call run_pytest,-m "kafka and not system and not chaos")

test-system: venv
	@$(call run_pytest,-m "system and not chaos")

check: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/tatamutasi contracts --check

lint: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

contracts: venv
	$(BIN)/tatamutasi contracts

migrate: venv
	$(BIN)/tatamutasi migrate

bench: venv
	$(BIN)/python -m bench

deps-audit: venv
	@bash .ci/deps-audit

chaos: venv
	@$(call run_pytest,-m chaos)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-artifacts bench/out
