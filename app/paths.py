"""Where the application keeps its files (platformdirs, with an override for development)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import platformdirs

logger = logging.getLogger(__name__)

APP_NAME = "IntegrationConsultant"
APP_AUTHOR = "IntegrationConsultant"
# Set to a folder to keep the database and logs there instead of the user's profile.
HOME_ENV = "IC_HOME"


def data_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def default_database_path() -> Path:
    return data_dir() / "integration-consultant.sqlite"


def temp_dir(database: Path) -> Path:
    """Scratch files that hold personal data while a document is written (openpyxl puts each
    sheet's XML in a temporary file before zipping it): a folder beside the database, never
    the system's temp folder. Named after the database, not plain ``tmp/``, because it is
    emptied when the database is opened and a user's own ``tmp`` may sit beside a --db."""
    return database.with_name(database.name + ".tmp")


def clear_temp_dir(database: Path) -> None:
    """Remove what a killed process left in :func:`temp_dir` (called when a database opens)."""
    folder = temp_dir(database)
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            logger.warning("temporary files left in %s could not be removed", folder)
