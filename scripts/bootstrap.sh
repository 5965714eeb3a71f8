#!/usr/bin/env bash
# Create .venv/ and install the application with its test tools, plus the
# system libraries Qt needs on Debian/Ubuntu. Safe to run again: it only does
# what is missing. Usage: scripts/bootstrap.sh [PYTHON]
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${1:-${PYTHON:-python3}}
VENV=.venv
STAMP=$VENV/.installed

# Libraries Qt's offscreen and xcb platforms load, poppler-utils for the
# tests that read printed PDFs back with pdftotext, and faketime for running
# the suite under a clock set years ahead (make test-future).
DEBS="libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 \
libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 \
libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 \
poppler-utils faketime"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "Python 3.11 or newer is needed: $PYTHON was not found." >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Python 3.11 or newer is needed: $("$PYTHON" --version 2>&1)." >&2
    exit 1
fi

if command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for pkg in $DEBS; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing="$missing $pkg"
    done
    # python3 -m venv needs ensurepip, which Debian ships separately.
    if ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
        ver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        missing="$missing python$ver-venv"
    fi
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = 0 ]; then
            echo "Installing system packages:$missing"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
        else
            echo "These system packages are missing. Run:" >&2
            echo "    sudo apt-get install -y$missing" >&2
            exit 1
        fi
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
    touch "$STAMP"
fi
