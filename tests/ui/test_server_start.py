"""The window's start (ui/app.py, issue #15): which database it opens without --db, and a
database on a PostgreSQL server opened with the sign-in of its people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.connection import save_configured_database
from app.paths import default_database_path
from app.services import access
from db.session import Database
from ui.app import start_target
from ui.server_sign_in import ServerSignInDialog, open_server_for_window

PASSWORD = "пароль-руководителя-1"


def test_without_db_the_configured_choice_else_the_default_file(tmp_path: Path) -> None:
    assert start_target(None) == default_database_path()
    save_configured_database("postgresql://petrova@server/ic")
    assert start_target(None) == "postgresql://petrova@server/ic"
    assert start_target(tmp_path / "given.sqlite") == tmp_path / "given.sqlite"  # --db wins
    save_configured_database(str(tmp_path / "Общая база.sqlite"))
    assert start_target(None) == tmp_path / "Общая база.sqlite"
    save_configured_database(None)
    assert start_target(None) == default_database_path()


def test_a_server_database_without_passwords_opens_as_it_is(postgres_db: Database) -> None:
    url = postgres_db.url
    assert url is not None
    opened = open_server_for_window(url)
    assert opened is not None
    try:
        assert opened.on_server and opened.url == url
    finally:
        opened.close()


def test_people_of_a_server_database_sign_in_in_the_dialog(
    qtbot: QtBot,
    empty_server_db: str,
    monkeypatch: pytest.MonkeyPatch,
    type_text: Callable[[QWidget, str], None],
) -> None:
    access.create_on_server(empty_server_db, "petrova", PASSWORD, "Петрова А. С.").close()
    monkeypatch.delenv("IC_USER", raising=False)
    monkeypatch.delenv("IC_PASSWORD", raising=False)
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ServerSignInDialog):
            QTimer.singleShot(20, answer)
            return
        type_text(dialog.login_edit, "petrova")
        type_text(dialog.password_edit, "не тот пароль")
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
        seen.append(dialog.error_label.text())
        assert dialog.password_edit.text() == ""
        type_text(dialog.password_edit, PASSWORD)
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    opened = open_server_for_window(empty_server_db)
    assert opened is not None
    try:
        assert seen and seen[0], "a wrong password is said in the dialog"
        assert access.signed_in_login(opened) == "petrova"
    finally:
        opened.close()
