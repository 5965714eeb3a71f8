"""«Курсы (510-п)»: a course made in the dialog, days ticked by clicking the calendar's real
cells (a 13th working day refused on the spot, 510-п 4.4), the extension applied for and
decided in their dialogs (4.5), and the dashboard's duties created, closed and opened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QCalendarWidget, QTableView, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from app.domain.deadlines import DeadlineKind, DueStatus
from app.domain.enums import ApplicationDecision, Sex, Technology
from app.domain.names import search_key
from app.services import courses
from app.services.deadlines import due_items
from db import models
from db.session import Database
from ui.courses_page import CoursesPage
from ui.main_window import SECTION_KEYS, MainWindow

TODAY = date(2026, 11, 23)
TypeText = Callable[[QWidget, str], None]


def _citizen(db: Database, last: str = "Иванова") -> int:
    with db.session_factory.begin() as s:
        person = models.Citizen(
            last_name=last,
            first_name="Мария",
            middle_name="Петровна",
            search_name=search_key(f"{last} Мария Петровна"),
            sex=Sex.FEMALE,
        )
        s.add(person)
        s.flush()
        return person.id


def _page(qtbot: QtBot, db: Database) -> CoursesPage:
    page = CoursesPage(db, TODAY)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.refresh()
    return page


def _click_day(qtbot: QtBot, calendar: QCalendarWidget, day: int) -> None:
    """Click the cell of ``day`` of the month the calendar shows."""
    view = calendar.findChild(QTableView, "qt_calendar_calendarview")
    assert view is not None
    model = view.model()
    state = "before"
    for row in range(1, model.rowCount()):
        for col in range(model.columnCount()):
            index = model.index(row, col)
            value = int(model.data(index))
            if value == 1:
                state = "in" if state == "before" else "after"
            if state == "in" and value == day:
                qtbot.mouseClick(
                    view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
                )
                return
    raise AssertionError(f"no cell for day {day}")


def _previous_month(qtbot: QtBot, calendar: QCalendarWidget) -> None:
    button = calendar.findChild(QToolButton, "qt_calendar_prevmonth")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _select(qtbot: QtBot, page: CoursesPage, row: int) -> None:
    rect = page.table.visualRect(page.table.model().index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_new_course_dialog_saves_a_course_and_lists_it(
    qtbot: QtBot, db: Database, type_text: TypeText
) -> None:
    _citizen(db)
    page = _page(qtbot, db)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = page.last_dialog
    assert dialog is not None and dialog.isVisible()
    type_text(dialog.person_search, "иванова")
    assert dialog.people.count() == 1
    # 4.4 г: supported living is three months; the end follows the start
    dialog.technology.setFocus()
    index = dialog.technology.findData(Technology.SUPPORTED_LIVING)
    while dialog.technology.currentIndex() != index:
        qtbot.keyClick(dialog.technology, Qt.Key.Key_Down)
    assert dialog.ends.date().toString("dd.MM.yyyy") == "22.02.2027"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert page.table.rowCount() == 1
    assert page.table.item(0, 0).text() == "Иванова Мария Петровна"
    assert page.table.item(0, 4).text() == "22.02.2027"
    assert "Сопровождаемое проживание" in page.editor.heading.text()


def test_clicking_days_ticks_them_and_a_13th_working_day_is_refused_4_4(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    pid = courses.create_course(
        db, _citizen(db), Technology.COURSE, date(2026, 10, 1), date(2026, 12, 31)
    ).programme_id
    page = _page(qtbot, db)
    _select(qtbot, page, 0)
    calendar = page.editor.calendar
    _previous_month(qtbot, calendar)  # November → October 2026
    assert (calendar.yearShown(), calendar.monthShown()) == (2026, 10)
    working = [d for d in range(1, 32) if date(2026, 10, d).weekday() < 5]
    for d in working[:12]:
        _click_day(qtbot, calendar, d)
    assert len(courses.get_course(db, pid).days) == 12
    assert "Отмечено за октябрь 2026: 12 из 12" in page.editor.count_label.text()
    _click_day(qtbot, calendar, working[12])  # the 13th working day
    assert "уже отмечено 12 рабочих дней" in page.editor.message.text()
    assert "п. 4.4" in page.editor.message.text()
    assert len(courses.get_course(db, pid).days) == 12  # nothing written
    _click_day(qtbot, calendar, 3)  # Saturday 3 October: a day off
    assert "нерабочий день" in page.editor.message.text()
    _click_day(qtbot, calendar, working[0])  # clicking a ticked day takes it back
    assert len(courses.get_course(db, pid).days) == 11
    assert page.editor.message.text() == ""
    assert page.table.item(0, 5).text() == "0 из 12"  # the list counts this month (November)
    page.grab().save(str(tmp_path / "courses.png"))


def test_extension_applied_and_refused_in_the_dialogs_closes_the_duties_4_5(
    qtbot: QtBot, db: Database, type_text: TypeText, tmp_path: Path
) -> None:
    pid = courses.create_course(
        db, _citizen(db), Technology.HOME_REHAB, date(2026, 9, 1), date(2026, 11, 27)
    ).programme_id

    def status(kind: DeadlineKind) -> DueStatus | None:
        found = [i.status for i in due_items(db, TODAY, tuple(DueStatus)) if i.kind is kind]
        return found[0] if found else None

    assert status(DeadlineKind.EXTENSION_APPLICATION) is DueStatus.OVERDUE  # due 20.11
    page = _page(qtbot, db)
    _select(qtbot, page, 0)
    editor = page.editor
    assert not editor.decide_button.isEnabled()
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    dialog = editor.last_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert "позже срока" in editor.extension_message.text()
    assert editor.extensions.item(0, 2).text() == "30.11.2026"  # decision due
    assert status(DeadlineKind.EXTENSION_APPLICATION) is DueStatus.DONE_LATE
    assert status(DeadlineKind.EXTENSION_DECISION) is DueStatus.DUE_THIS_WEEK
    assert not editor.apply_button.isEnabled()

    qtbot.mouseClick(editor.decide_button, Qt.MouseButton.LeftButton)
    decision = editor.last_dialog
    assert decision is not None and decision.isVisible()
    qtbot.mouseClick(decision.refuse, Qt.MouseButton.LeftButton, pos=QPoint(6, 8))
    assert decision.reason.isEnabled() and not decision.new_end.isEnabled()
    qtbot.mouseClick(decision.ok_button, Qt.MouseButton.LeftButton)
    assert "Причина отказа" in decision.problem.text()  # no reason: refused, kept open
    type_text(decision.reason, "оснований для продления нет")
    qtbot.mouseClick(decision.ok_button, Qt.MouseButton.LeftButton)
    assert not decision.isVisible()
    view = courses.get_course(db, pid)
    assert view.extensions[0].decision is ApplicationDecision.REFUSED
    assert view.extensions[0].refusal_reason == "оснований для продления нет"
    assert status(DeadlineKind.EXTENSION_DECISION) is DueStatus.DONE
    assert editor.notice_button.isEnabled()
    assert editor.extensions.item(0, 4).text() == "оснований для продления нет"


def test_grant_beyond_three_months_is_refused_in_the_dialog_4_5(
    qtbot: QtBot, db: Database, type_text: TypeText
) -> None:
    pid = courses.create_course(
        db, _citizen(db), Technology.COURSE, date(2026, 9, 1), date(2026, 12, 31)
    ).programme_id
    courses.register_extension(db, pid, 3, date(2026, 11, 20))
    page = _page(qtbot, db)
    _select(qtbot, page, 0)
    qtbot.mouseClick(page.editor.decide_button, Qt.MouseButton.LeftButton)
    dialog = page.editor.last_dialog
    assert dialog is not None
    assert dialog.new_end.date().toString("dd.MM.yyyy") == "31.03.2027"
    type_text(dialog.new_end, "01.04.2027")
    assert dialog.new_end.date().toString("dd.MM.yyyy") == "01.04.2027"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "не более чем на три месяца" in dialog.problem.text()
    assert dialog.isVisible()
    assert courses.get_course(db, pid).ends_on == date(2026, 12, 31)
    qtbot.keyClick(dialog.new_end, Qt.Key.Key_Home)  # back to the day section
    type_text(dialog.new_end, "28.02.2027")
    assert dialog.new_end.date().toString("dd.MM.yyyy") == "28.02.2027"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert courses.get_course(db, pid).ends_on == date(2027, 2, 28)


def test_dashboard_duty_opens_the_course_in_the_main_window(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    pid = courses.create_course(
        db, _citizen(db), Technology.COURSE, date(2026, 9, 1), date(2026, 11, 27)
    ).programme_id
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    task = window._deadline_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running)
    tree = window.deadlines_page.trees[DueStatus.OVERDUE]
    child = None
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        for j in range(top.childCount()):
            if "продлении ИППСУ" in top.child(j).text(1) or "продлении" in top.child(j).text(2):
                child = top.child(j)
    assert child is not None
    tree.setFocus()
    tree.expandAll()
    tree.setCurrentItem(child)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.courses_page
    assert window.nav.currentRow() == SECTION_KEYS.index("courses")
    assert window.courses_page.editor.programme_id == pid
    assert "Иванова Мария Петровна" in window.courses_page.editor.heading.text()
    window.grab().save(str(tmp_path / "window.png"))
