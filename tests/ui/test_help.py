"""F1: the help page of the section or the working dialog on screen (issue #12)."""

from __future__ import annotations

import tomllib
from datetime import date
from fnmatch import fnmatch
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.demo.generator import generate_demo
from db.session import Database
from ui.help import DIALOG_PAGES, HELP_DIR, HelpDialog, page_title
from ui.main_window import SECTION_KEYS, SECTIONS, MainWindow

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot: QtBot, db: Database, tmp_path: Path) -> MainWindow:
    generate_demo(db, 60, seed=4, today=TODAY)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        db, tmp_path / "ic.log", today=TODAY, settings=settings, start_section="registry"
    )
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    window.activateWindow()
    return window


def _help(window: QWidget) -> HelpDialog:
    found = [d for d in window.findChildren(HelpDialog) if d.isVisible()]
    assert len(found) == 1
    return found[0]


def test_f1_opens_the_page_of_the_section_on_screen(qtbot: QtBot, window: MainWindow) -> None:
    for index, (key, title) in enumerate(SECTIONS):
        window.section_actions[index].trigger()
        qtbot.keyClick(window.pages.currentWidget(), Qt.Key.Key_F1)
        dialog = _help(window)
        shown = window.nav.item(index).text()
        assert dialog.windowTitle() == f"Справка — {page_title(key)}"
        assert shown in dialog.windowTitle() or title in dialog.windowTitle()
        text = dialog.browser.toPlainText()
        assert text.startswith(page_title(key))
        assert "Клавиши главного окна" in text
        dialog.close()
    # The keys are read from the window's own menu.
    assert "Ctrl+M — Маршрут" in text and "F1 — Справка по разделу" in text
    assert "31-р" in _page("routes") and "Ctrl+F" in _page("routes")


def _page(key: str) -> str:
    return (HELP_DIR / f"{key}.md").read_text(encoding="utf-8")


def test_f1_in_a_working_dialog_opens_that_dialogs_page(qtbot: QtBot, window: MainWindow) -> None:
    window.registry_page.view.setCurrentIndex(window.registry_page.model.index(0, 0))
    for open_dialog, title in (
        (window.route_selected, "Маршрут"),
        (window.plan_selected, "План сопровождения"),
        (window.call_selected, "Звонок"),
        (
            lambda: window.open_citizen(window.registry_page.selected_citizen_id() or 0),
            "Карточка гражданина",
        ),
    ):
        dialog = open_dialog()
        assert dialog is not None
        qtbot.waitUntil(lambda d=dialog: QApplication.activeWindow() is d)
        focus = QApplication.focusWidget()
        assert focus is not None and focus.window() is dialog
        qtbot.keyClick(focus, Qt.Key.Key_F1)
        help_dialog = _help(dialog)
        assert help_dialog.windowTitle() == f"Справка — {title}"
        assert help_dialog.browser.toPlainText().startswith(title)
        help_dialog.close()
        dialog.done(0)


def test_every_section_and_dialog_has_a_page_installed_with_the_package() -> None:
    keys = [*SECTION_KEYS, *DIALOG_PAGES.values()]
    for key in keys:
        text = _page(key)
        assert text.startswith(f"# {page_title(key)}\n"), key
        assert "31-р" in text or "510-п" in text, key  # the clause the work follows
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["ui"]
    for path in HELP_DIR.glob("*.md"):
        assert any(fnmatch(f"help/{path.name}", p) for p in patterns), path
