"""Where the application keeps its files (platformdirs, with an override for development)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

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
