#!/usr/bin/env sh
# `make run` without make: create .venv/ if needed, then start the window.
set -e
cd "$(dirname "$0")/.."
scripts/bootstrap.sh "${PYTHON:-python3}"
exec .venv/bin/ic "$@"
