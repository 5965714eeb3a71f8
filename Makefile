# The two commands of the README: `make run` and `make test`.
# Without make, scripts/run.sh and scripts/test.sh do the same.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-future lint bootstrap bench robustness clean installer installer-test \
	installer-lock wine-check

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

# The Windows installer, built on this Linux machine with pynsist and NSIS (issue #14):
# dist/IntegrationConsultant-<version>-setup.exe. Downloads (pinned, from the package
# registries) are cached in ~/.cache/integration-consultant-build (IC_BUILD_CACHE).
installer:
	$(PYTHON) installer/build.py

# The .exe is a PE file, carries the expected payload and stays under its size limit.
installer-test: installer
	$(PYTHON) installer/check.py

# Resolve installer/windows.lock again from pyproject's dependencies (Windows, CPython 3.12).
installer-lock:
	$(PYTHON) installer/build.py --lock

# The Windows core (embeddable Python + the locked wheels) under wine64, compared with Linux.
wine-check: bootstrap
	scripts/wine_check.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
