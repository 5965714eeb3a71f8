"""The program's version is written once, in pyproject.toml (issue #14)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import app

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def test_package_version_is_pyprojects() -> None:
    assert app.__version__ == _pyproject_version()


def test_ic_version_prints_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"ic {_pyproject_version()}"
