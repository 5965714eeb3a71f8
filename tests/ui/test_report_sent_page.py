"""«Отчеты» → «Отметить: отправлен в центр…» (issue #12): the report of a half-year marked
sent with a typed date; the 31-р 5.2 duty leaves the dashboard's overdue list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from app.domain.deadlines import DeadlineKind, DueStatus
from app.services.deadlines import due_items
from db.session import Database
from ui.main_window import MainWindow
from ui.report_sent_dialog import ReportSentDialog

TODAY = date(2026, 11, 23)
REPORT = "Отчет за полугодие"


def _click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _wait_dashboard(qtbot: QtBot, window: MainWindow) -> None:
    task = window._deadline_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running)


def _overdue(window: MainWindow) -> set[str]:
    tree = window.deadlines_page.trees[DueStatus.OVERDUE]
    items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return {item.text(1) for item in items if item is not None}


def _type_date(qtbot: QtBot, dialog: ReportSentDialog, typed: str) -> None:
    edit = dialog.date_edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    qtbot.keyClicks(edit, typed)


def test_the_report_is_marked_sent_and_leaves_the_overdue_list(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.show()
    _wait_dashboard(qtbot, window)
    assert REPORT in _overdue(window)

    window.show_section("reports")
    page = window.reports_page
    assert not page.sent_button.isEnabled()  # 2 полугодие 2026 г. is not over
    assert page.sent_label.text() == ("Полугодие не закончилось: отчет направляется до 25.01.2027.")
    page.half_combo.setCurrentIndex(1)  # 1 полугодие 2026 г.
    assert page.sent_label.text() == (
        "Отчет за 1 полугодие 2026 г. не отмечен отправленным в региональный центр; "
        "срок — 25.07.2026 (просрочено)."
    )
    out = tmp_path / "Отчет 2026H1.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    _click(qtbot, page.xlsx_button)
    assert out.exists()

    _click(qtbot, page.sent_button)
    dialog = page.sent_dialog
    assert isinstance(dialog, ReportSentDialog) and dialog.isVisible()
    assert dialog.file_edit.text() == str(out)  # the file just saved
    _type_date(qtbot, dialog, "24.11.2026")  # tomorrow
    _click(qtbot, dialog.mark_button)
    assert "Дата отправки отчета 24.11.2026 ещё не наступила" in dialog.error_label.text()
    assert dialog.isVisible()

    _type_date(qtbot, dialog, "20.11.2026")
    with qtbot.waitSignal(dialog.marked):
        _click(qtbot, dialog.mark_button)
    assert not dialog.isVisible()
    assert page.sent_label.text() == (
        "Отчет за 1 полугодие 2026 г. отправлен в региональный центр 20.11.2026 "
        "(позже срока 25.07.2026, файл Отчет 2026H1.xlsx)."
    )
    assert not page.sent_button.isEnabled()  # marked once
    (duty,) = [
        i
        for i in due_items(db, TODAY, tuple(DueStatus))
        if i.kind is DeadlineKind.SEMIANNUAL_REPORT
    ]
    assert (duty.due_on, duty.status) == (date(2026, 7, 25), DueStatus.DONE_LATE)

    window.show_section("deadlines")
    _wait_dashboard(qtbot, window)
    assert REPORT not in _overdue(window)
