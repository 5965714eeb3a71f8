#!/usr/bin/env sh
# `make test` without make: create .venv/ if needed, then lint, type-check and test.
set -e
cd "$(dirname "$0")/.."
scripts/bootstrap.sh "${PYTHON:-python3}"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
QT_QPA_PLATFORM=offscreen .venv/bin/pytest -q "$@"
