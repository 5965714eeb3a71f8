"""Справка → О программе shows the version written in pyproject.toml (issue #14)."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from db.session import Database
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def test_about_box_names_the_pyproject_version(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=date(2026, 11, 23), settings=settings)
    qtbot.addWidget(window)
    window.show()
    (help_menu,) = [a.menu() for a in window.menuBar().actions() if "Справка" in a.text()]
    assert window.about_action in help_menu.actions()
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, read_and_close)
            return
        seen.append(box.text())
        qtbot.mouseClick(box.buttons()[0], Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, read_and_close)
    window.about_action.trigger()  # what choosing the menu item does
    assert len(seen) == 1
    assert f"версия {version}" in seen[0]
