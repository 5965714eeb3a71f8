"""«Заявления (6-р)»: an application registered, surveyed, assessed with a live total that
turns at 11 points (7.3 г) and decided in the dialogs by pressing their real buttons; the
6-р duties created and closed from the window and opened from the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.domain.deadlines import DeadlineKind, DueStatus
from app.domain.enums import ApplicationDecision, Sex, Technology
from app.domain.intake import ServiceBasis
from app.domain.names import search_key
from app.services import intake
from app.services.deadlines import due_items
from db import models
from db.session import Database
from ui.intake_page import IntakePage
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
            birth_date=date(1970, 1, 1),
        )
        s.add(person)
        s.flush()
        return person.id


def _page(qtbot: QtBot, db: Database) -> IntakePage:
    page = IntakePage(db, TODAY)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.refresh()
    return page


def _select(qtbot: QtBot, page: IntakePage, row: int) -> None:
    rect = page.table.visualRect(page.table.model().index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _choose(qtbot: QtBot, combo: QWidget, data: object) -> None:
    from PySide6.QtWidgets import QComboBox

    assert isinstance(combo, QComboBox)
    combo.setFocus()
    index = combo.findData(data)
    key = Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, key)


def _kinds(db: Database, application_id: int) -> dict[DeadlineKind, DueStatus]:
    return {
        i.kind: i.status
        for i in due_items(db, TODAY, tuple(DueStatus))
        if i.entity == "intake_application" and i.entity_id == application_id
    }


def test_register_survey_decide_in_the_dialogs_creates_and_closes_the_duties(
    qtbot: QtBot, db: Database, type_text: TypeText, tmp_path: Path
) -> None:
    _citizen(db)
    page = _page(qtbot, db)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = page.last_dialog
    assert dialog is not None and dialog.isVisible()
    type_text(dialog.person_search, "иванова")  # type: ignore[attr-defined]
    _choose(qtbot, dialog.basis, ServiceBasis.S3_1)  # type: ignore[attr-defined]
    assert "2 рабочих дней" in dialog.survey_note.text()  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert not dialog.isVisible()
    assert page.table.rowCount() == 1 and page.table.item(0, 0).text() == "1/2026"
    app_id = page.application_id
    assert app_id is not None
    assert _kinds(db, app_id) == {
        DeadlineKind.SURVEY: DueStatus.DUE_THIS_WEEK,
        DeadlineKind.NEED_DECISION: DueStatus.DUE_THIS_WEEK,
    }
    # a decision before the survey act is refused in the dialog (6-р 5)
    qtbot.mouseClick(page.decide_button, Qt.MouseButton.LeftButton)
    decision = page.last_dialog
    assert decision is not None
    qtbot.mouseClick(decision.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert "акта обследования" in decision.problem.text()  # type: ignore[attr-defined]
    decision.reject()
    qtbot.mouseClick(page.survey_button, Qt.MouseButton.LeftButton)
    survey = page.last_dialog
    assert survey is not None
    type_text(survey.surveyor, "Смирнова Ольга")  # type: ignore[attr-defined]
    qtbot.mouseClick(survey.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert not survey.isVisible()
    assert _kinds(db, app_id)[DeadlineKind.SURVEY] is DueStatus.DONE
    assert "акт от 23.11.2026" in page.details.text()
    qtbot.mouseClick(page.decide_button, Qt.MouseButton.LeftButton)
    decision = page.last_dialog
    assert decision is not None
    decision.refuse.setFocus()  # type: ignore[attr-defined]
    qtbot.keyClick(decision.refuse, Qt.Key.Key_Space)  # type: ignore[attr-defined]
    qtbot.mouseClick(decision.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert "Основание отказа" in decision.problem.text()  # type: ignore[attr-defined]
    type_text(decision.reason, "нет обстоятельств")  # type: ignore[attr-defined]
    qtbot.mouseClick(decision.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert not decision.isVisible()
    assert _kinds(db, app_id)[DeadlineKind.NEED_DECISION] is DueStatus.DONE
    assert "отказано 23.11.2026" in page.table.item(0, 5).text()
    assert page.notice_button.isEnabled() and not page.decide_button.isEnabled()
    pdf = page.write_notice(tmp_path / "n.pdf")
    assert pdf is not None and pdf.stat().st_size > 0


def test_assessment_total_turns_at_11_points_and_home_rehab_is_granted_7_3_g(
    qtbot: QtBot, db: Database, type_text: TypeText, tmp_path: Path
) -> None:
    view = intake.register(db, _citizen(db), ServiceBasis.S3_3, TODAY, Technology.HOME_REHAB)
    page = _page(qtbot, db)
    _select(qtbot, page, 0)
    assert "не составляется" in page.details.text()
    assert not page.survey_button.isEnabled()  # 6-р 5: no survey act under 3.3
    assert _kinds(db, view.id) == {DeadlineKind.NEED_DECISION: DueStatus.DUE_THIS_WEEK}
    qtbot.mouseClick(page.assess_button, Qt.MouseButton.LeftButton)
    dialog = page.last_dialog
    assert dialog is not None
    for text, points in (("Основание А", 6), ("Основание Б", 4)):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
        row = dialog.criteria.rowCount() - 1  # type: ignore[attr-defined]
        type_text(dialog.ground_edit(row), text)  # type: ignore[attr-defined]
        box = dialog.points_box(row)  # type: ignore[attr-defined]
        box.selectAll()
        type_text(box, str(points))
    assert "Итого 10 баллов: менее 11" in dialog.total.text()  # type: ignore[attr-defined]
    box = dialog.points_box(1)  # type: ignore[attr-defined]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)  # 5 points: the total reaches 11
    assert "Итого 11 баллов: от 11 баллов — технология «Реабилитационный центр на дому»" in (
        dialog.total.text()  # type: ignore[attr-defined]
    )
    dialog.grab().save(str(tmp_path / "assessment.png"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert dialog.problem.text() == ""  # type: ignore[attr-defined]
    assert not dialog.isVisible()
    assert intake.get_application(db, view.id).criteria == (
        intake.CriterionView("Основание А", 6),
        intake.CriterionView("Основание Б", 5),
    )
    qtbot.mouseClick(page.decide_button, Qt.MouseButton.LeftButton)
    decision = page.last_dialog
    assert decision is not None
    qtbot.mouseClick(decision.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert not decision.isVisible()
    assert intake.get_application(db, view.id).decision is ApplicationDecision.GRANTED
    assert page.export_journal_to(tmp_path / "j.xlsx") == 1


def test_filters_and_search_narrow_the_list(
    qtbot: QtBot, db: Database, type_text: TypeText
) -> None:
    one = intake.register(db, _citizen(db), ServiceBasis.S2_2, TODAY)
    intake.decide(db, one.id, ApplicationDecision.GRANTED)
    intake.register(db, _citizen(db, "Петрова"), ServiceBasis.S3_1, date(2026, 11, 10))
    page = _page(qtbot, db)
    assert page.table.rowCount() == 2
    _choose(qtbot, page.state, "overdue")
    assert page.table.rowCount() == 1 and page.table.item(0, 2).text().startswith("Петрова")
    _choose(qtbot, page.state, "")
    type_text(page.search, "иванова")
    assert page.table.rowCount() == 1 and page.table.item(0, 2).text().startswith("Иванова")


def test_a_dashboard_duty_opens_the_application(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    view = intake.register(db, _citizen(db), ServiceBasis.S3_1, date(2026, 11, 16))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    task = window._deadline_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running)
    tree = window.deadlines_page.trees[DueStatus.OVERDUE]  # the survey was due 18.11
    child = None
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        for j in range(top.childCount()):
            texts = " ".join(top.child(j).text(c) for c in range(top.columnCount()))
            if "акт обследования" in texts:
                child = top.child(j)
    assert child is not None
    tree.setFocus()
    tree.expandAll()
    tree.setCurrentItem(child)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.intake_page
    assert window.nav.currentRow() == SECTION_KEYS.index("intake")
    assert window.intake_page.application_id == view.id
    assert "Обследование (п. 6): до 18.11.2026 (просрочено)" in window.intake_page.details.text()
    window.grab().save(str(tmp_path / "window.png"))
    window.grab().save("/tmp/intake_window.png")
