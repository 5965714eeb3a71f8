# The two commands of the README: `make run` and `make test`.
# Without make, scripts/run.sh and scripts/test.sh do the same.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-future lint bootstrap bench robustness clean

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

# The suite again with the machine's clock set years ahead (libfaketime, inherited by every
# process the tests start): a test that reads the real clock fails the day it is written.
FUTURE ?= 2029-03-01 09:00:00
test-future: bootstrap
	QT_QPA_PLATFORM=offscreen faketime -m '$(FUTURE)' $(BIN)/pytest -q -p no:cacheprovider

bench: bootstrap
	$(BIN)/python tests/benchmarks/bench.py

# kill -9, hostile files and concurrent writers against real `ic` processes (issue #10);
# about 20 minutes, prints the table of README's "Robustness evidence"; not part of `make test`.
robustness: bootstrap
	$(BIN)/python tests/benchmarks/robustness.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
