"""Integration Consultant: domain, use cases and documents (no Qt here)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

DISTRIBUTION = "integration-consultant"


def _version() -> str:
    """The version in pyproject.toml, the one place it is written: read from the installed
    distribution's metadata (a pip install, the Windows installer's dist-info), else from
    pyproject.toml beside the package (a checkout run without installing)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    import tomllib

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        with pyproject.open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


__version__ = _version()
