"""The supervisor's audit trail and backups windows (issue #10), driven with real clicks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.domain.enums import UserRole
from app.services import access, audit_log, backups
from app.services.citizens import CitizenForm, save_citizen
from db import models
from db.session import Database
from ui.admin_dialogs import AuditDialog, BackupsDialog
from ui.main_window import MainWindow

PASSWORD = "right-password"


@pytest.fixture
def supervisor(tmp_path: Path) -> Database:
    path = tmp_path / "ic.sqlite"
    created = access.create_database(path, "petrova", PASSWORD, "Петрова Анна Сергеевна")
    created.database.close()
    return access.sign_in(path, "petrova", PASSWORD)


def _people(db: Database) -> int:
    with db.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(models.Citizen)) or 0)


def test_audit_window_filters_and_exports(
    qtbot: QtBot, supervisor: Database, tmp_path: Path, type_text: Callable[[QWidget, str], None]
) -> None:
    result = save_citizen(supervisor, CitizenForm(last_name="Орлова", first_name="Анна"))
    save_citizen(supervisor, CitizenForm(last_name="Орлов", first_name="Анна"), result.citizen_id)
    dialog = AuditDialog(supervisor)
    qtbot.addWidget(dialog)
    actions = [dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())]
    assert "вход в программу" in actions and "изменение записи" in actions
    details = [dialog.table.item(r, 5).text() for r in range(dialog.table.rowCount())]
    assert "фамилия: Орлова → Орлов" in details
    # Everything the consultant reads is Russian: actions, records, details.
    assert "карточка гражданина сохранена" in actions
    assert "роль: руководитель" in " ".join(details)
    records = {dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())}
    assert "гражданин" in records and "citizen" not in records
    qtbot.keyClicks(dialog.search_edit, "sign_in")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert {dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())} == {
        "вход в программу"
    }
    # Issue #10: the search finds what the window shows, in Russian, any case.
    dialog.search_edit.clear()
    type_text(dialog.search_edit, "Вход в ПРОГРАММУ")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert {dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())} == {
        "вход в программу"
    }
    dialog.search_edit.clear()
    type_text(dialog.search_edit, "фамилия")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    found = [dialog.table.item(r, 5).text() for r in range(dialog.table.rowCount())]
    assert found and all("фамилия" in text for text in found)
    dialog.search_edit.clear()
    qtbot.keyClicks(dialog.search_edit, "sign_in")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    out = tmp_path / "Журнал действий.xlsx"
    dialog.export_to(out)  # the file dialog's answer
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet["A1"].value == "Журнал действий пользователей"
    assert [c.value for c in sheet[4]] == [
        "№",
        "Дата и время",
        "Пользователь",
        "Действие",
        "Запись",
        "Подробности",
    ]
    assert sheet["D5"].value == "вход в программу" and sheet["C5"].value.startswith("Петрова")
    supervisor.close()


def test_only_a_supervisor_opens_the_audit(
    qtbot: QtBot, supervisor: Database, tmp_path: Path
) -> None:
    access.add_user(supervisor, "ivanova", "Иванова И. И.", UserRole.CONSULTANT, "consultant-1")
    path = supervisor.path
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(supervisor, tmp_path / "ic.log", settings=settings)
    qtbot.addWidget(window)
    assert window.audit_action.isEnabled()
    window.close()
    supervisor.close()
    consultant = access.sign_in(path, "ivanova", "consultant-1")
    other = MainWindow(consultant, tmp_path / "ic.log", settings=settings)
    qtbot.addWidget(other)
    assert not other.audit_action.isEnabled()
    with pytest.raises(access.PermissionDeniedError):  # the service refuses, not only the menu
        audit_log.list_events(consultant, audit_log.AuditFilter())
    other.close()
    consultant.close()


def test_backups_window_makes_and_restores_a_copy(qtbot: QtBot, supervisor: Database) -> None:
    save_citizen(supervisor, CitizenForm(last_name="Первая", first_name="Анна"))
    dialog = BackupsDialog(supervisor)
    qtbot.addWidget(dialog)
    before = dialog.table.rowCount()
    qtbot.mouseClick(dialog.now_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == before + 1
    assert dialog.table.item(0, 1).text() == "по команде"
    made = backups.list_backups(supervisor.path)[0]
    save_citizen(supervisor, CitizenForm(last_name="Вторая", first_name="Анна"))
    assert _people(supervisor) == 2
    dialog.restore(made.path)  # the confirmed choice
    assert dialog.restored
    again = access.sign_in(supervisor.path, "petrova", PASSWORD)
    try:
        assert _people(again) == 1
    finally:
        again.close()
