#!/usr/bin/env bash
# The installer and the Windows core under Wine (issue #14): setup.exe /S installs the
# embeddable CPython and the locked Windows wheels per user under wine64; then
# ic --version, init (encrypted), demo --citizens 2000, import-extract, route pdf,
# report semiannual — and what they write compared with the same commands on Linux;
# then the installer again over it (upgrade) and the uninstaller, which keeps the data folder
# (scripts/wine_check.py says exactly what). Qt's window is not part of it: under Debian 12's
# Wine 8 Qt does not start (no icuuc.dll). Needs wine, wine64 (installed when run as root),
# the downloads of `make installer` (cached) and .venv (make bootstrap). About 3-5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${IC_BUILD_CACHE:-$HOME/.cache/integration-consultant-build}
export PATH="$PATH:/usr/lib/wine"
if ! command -v wine64 >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine wine64 poppler-utils
    else
        echo "Wine is needed: sudo apt-get install -y wine wine64 poppler-utils" >&2
        exit 1
    fi
fi
scripts/bootstrap.sh "${PYTHON:-python3}"
# The installer given (CI: the one `make installer-test` just checked), else built now.
setup=${1:-}
if [[ -z "$setup" ]]; then
    python3 installer/build.py
    version=$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
    setup=dist/IntegrationConsultant-$version-setup.exe
fi

export WINEPREFIX="$CACHE/wine" WINEARCH=win64 WINEDEBUG=-all
unset IC_HOME DISPLAY WAYLAND_DISPLAY
mkdir -p "$WINEPREFIX"
# Stop this prefix's wineserver (and only it) however the check ends.
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
wineboot --init >/dev/null 2>&1
.venv/bin/python scripts/wine_check.py "$setup"
