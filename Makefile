# The two commands of the README: `make run` and `make test`.
# Without make, scripts/run.sh and scripts/test.sh do the same.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bootstrap bench clean

bootstrap:
	@scripts/bootstrap.sh $(PYTHON)

run: bootstrap
	$(BIN)/ic

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

bench: bootstrap
	$(BIN)/python tests/benchmarks/bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
