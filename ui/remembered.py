"""What the window remembers between runs in QSettings: the folder last saved to (issue #12).

Window state lives in QSettings, apart from the preferences in the database (STYLE.md 8).
With IC_HOME set (development, and every test) the settings are an INI file there, so no
test ever writes the real user's settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from app.paths import HOME_ENV
from app.services.settings import load_settings
from db.session import Database

LAST_FOLDER = "files/last_folder"


def app_settings() -> QSettings:
    """The window's settings: the user's (registry on Windows), or IC_HOME/ui.ini."""
    home = os.environ.get(HOME_ENV)
    if home:
        return QSettings(str(Path(home) / "ui.ini"), QSettings.Format.IniFormat)
    return QSettings()


def save_folder(db: Database, settings: QSettings) -> Path:
    """Where a save dialog opens: the export folder of «Настройки» when set, else the
    folder last saved to, else the home folder."""
    configured = load_settings(db).export_folder
    if configured and Path(configured).is_dir():
        return Path(configured)
    last = settings.value(LAST_FOLDER)
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    return Path.home()


def remember_folder(settings: QSettings, chosen: Path) -> None:
    """Remember the folder of a file the user chose to save."""
    settings.setValue(LAST_FOLDER, str(chosen.parent))
