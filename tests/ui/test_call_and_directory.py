"""The call window (31-р 4.1-4.2) and the organisation directory, driven from the keyboard."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.enums import (
    Callee,
    CallOutcome,
    DeliveryMethod,
    Department,
    DisabilityGroup,
    MeasureKind,
    RepresentativeKind,
    Source,
)
from app.services import citizens, directory
from app.services.citizens import CitizenForm
from app.services.directory import OrganisationForm
from db import models
from db.session import Database
from ui.call_dialog import CallDialog
from ui.directory_page import DirectoryPage

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # 11:30 in Tyumen


@pytest.fixture
def entry_id(db: Database) -> int:
    form = CitizenForm(
        last_name="Соколова",
        first_name="Анна",
        middle_name="Петровна",
        birth_date="12.03.1971",
        phone="+79123456789",
        actual_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
        postcode="625000",
        district="г. Тюмень",
        rep_kind=RepresentativeKind.AUTHORISED,
        rep_last_name="Соколов",
        rep_first_name="Игорь",
        rep_phone="+79220001122",
        group=DisabilityGroup.GROUP_I,
        established_on="01.10.2026",
        first_time=True,
        selfcare_degree=2,
        movement_degree=0,
        behaviour_degree=0,
        ipra_number="123/2026",
        ipra_issued_on="05.10.2026",
        measures=(MeasureKind.MEDICAL, MeasureKind.SOCIAL),
    )
    result = citizens.save_citizen(db, form, source=Source.WALK_IN, today=TODAY)
    assert result.entry_id is not None
    return result.entry_id


def _focus(dialog: QWidget) -> QWindow:
    """Keys through the window, as from the keyboard: Qt 6 matches shortcuts there."""
    window = dialog.windowHandle()
    assert window is not None
    return window


def _entry(db: Database, entry_id: int) -> models.RegistryEntry:
    with db.session_factory() as session:
        entry = session.get(models.RegistryEntry, entry_id)
        assert entry is not None
        return entry


def test_a_whole_successful_call_from_the_keyboard(
    qtbot: QtBot, db: Database, entry_id: int
) -> None:
    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):  # shortcuts work in the active window
        dialog.show()
        dialog.activateWindow()
    assert dialog.number_buttons[0].text().startswith("гражданин")
    assert len(dialog.number_buttons) == 2  # the person and the representative

    qtbot.keyClick(_focus(dialog), Qt.Key.Key_F2)  # start the call
    assert not dialog.start_button.isEnabled()
    qtbot.keyClick(_focus(dialog), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # &1 Дозвонились
    assert dialog.outcome is CallOutcome.REACHED
    assert dialog.checklist.isEnabled()
    assert dialog.told_measures.hasFocus()
    for box in (dialog.told_measures, dialog.told_organisations, dialog.told_route):
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Space)
        assert box.isChecked()
    dialog.method_buttons[DeliveryMethod.POST].setChecked(True)
    dialog.plan_no.setChecked(True)
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.keyClick(_focus(dialog), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert saved.args[0].informed_now
    entry = _entry(db, entry_id)
    assert entry.informed_on == TODAY
    assert entry.plan_needed is False  # 4.7: "no plan needed" recorded
    assert entry.route_needed is True


def test_an_unsuccessful_call_is_kept_and_does_not_inform(
    qtbot: QtBot, db: Database, entry_id: int
) -> None:
    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    qtbot.keyClick(_focus(dialog), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # не отвечает
    assert dialog.outcome is CallOutcome.NO_ANSWER
    assert not dialog.checklist.isEnabled()
    assert dialog.comment_edit.hasFocus()
    qtbot.keyClicks(dialog.comment_edit, "no answer")
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(_focus(dialog), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert _entry(db, entry_id).informed_on is None
    with db.session_factory() as session:
        calls = session.scalars(select(models.CallAttempt)).all()
        assert [c.outcome for c in calls] == [CallOutcome.NO_ANSWER]

    again = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(again)
    assert "не отвечает" in again.attempts_label.text()


def test_reached_without_the_checklist_is_refused_with_reasons(
    qtbot: QtBot, db: Database, entry_id: int
) -> None:
    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    dialog.set_outcome(CallOutcome.REACHED)
    dialog.save()
    assert dialog.problems_label.text() != ""
    assert _entry(db, entry_id).informed_on is None


def test_copy_button_puts_the_number_on_the_clipboard(
    qtbot: QtBot, db: Database, entry_id: int
) -> None:
    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    dialog.copy_number("+79220001122")
    assert QApplication.clipboard().text() == "+79220001122"


def test_directory_add_edit_archive_and_xlsx_round_trip(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    page = DirectoryPage(db)
    qtbot.addWidget(page)
    assert page.table.rowCount() == 0

    dialog = page.add()
    dialog.edits["name"].setText("ГБУЗ ТО «Областная больница № 3»")
    dialog.department_combo.setCurrentIndex(dialog.department_combo.findData(Department.HEALTH))
    dialog.district_combo.setCurrentText("г. Тюмень")
    dialog.edits["phone"].setText("+7 3452 00-00-00")
    dialog.edits["email"].setText("hospital@example.ru")
    dialog.add_service(MeasureKind.MEDICAL, "Медицинская реабилитация")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert page.table.rowCount() == 1
    assert "Областная больница" in page.table.item(0, 0).text()

    page.search_edit.setText("несуществующая")
    assert page.table.rowCount() == 0
    page.search_edit.clear()
    page.table.selectRow(0)
    page.toggle_archived()
    assert page.table.rowCount() == 0  # archived ones are hidden
    page.archived_check.setChecked(True)
    assert page.table.rowCount() == 1 and "в архиве" in page.table.item(0, 0).text()

    out = tmp_path / "directory.xlsx"
    assert page.export_file(out) == 1
    assert load_workbook(out).active is not None
    rows = directory.list_organisations(db, include_archived=True)
    assert len(rows) == 1
    form = directory.load_organisation(db, rows[0].organisation_id)
    assert isinstance(form, OrganisationForm) and form.services[0][0] is MeasureKind.MEDICAL


def test_plan_editor_takes_the_familys_questions_and_fills_the_registry(
    qtbot: QtBot, db: Database, entry_id: int, tmp_path: Path
) -> None:
    from app.services import informing
    from app.services.informing import CallDraft
    from ui.plan_dialog import PlanDialog

    informing.record_call(
        db,
        CallDraft(
            entry_id=entry_id,
            callee=Callee.CITIZEN,
            phone="+79123456789",
            started_at=NOW,
            duration_seconds=300,
            outcome=CallOutcome.REACHED,
            told_measures=True,
            told_organisations=True,
            told_route=True,
            delivery_method=DeliveryMethod.POST,
            delivery_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
            plan_needed=True,
            questions="Оформить парковочное место\nПолучить путевку в санаторий",
        ),
        NOW,
    )
    dialog = PlanDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    # 31-р 4.3: the plan's questions are those the family raised on the call.
    assert [dialog.question_list.item(i).text() for i in range(2)] == [
        "Оформить парковочное место",
        "Получить путевку в санаторий",
    ]
    dialog.question_list.setCurrentRow(0)
    dialog.interactions.insertRow(0)
    for column, value in (
        (0, "МКУ «Управление транспорта»"),
        (5, "Петров П. П."),
        (8, "23.11.2026"),
    ):
        dialog.interactions.setItem(0, column, QTableWidgetItem(value))
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    entry = _entry(db, entry_id)
    assert entry.plan_needed is True and entry.plan_formed_on == TODAY  # 31-р 4.4

    pdf = tmp_path / "plan.pdf"
    dialog.export_pdf(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Оформить парковочное" in text and "Петров П. П." in text  # wrapped in its cell
    assert "дата взаимодействия: 23.11.2026" in text


def test_route_editor_proposes_lines_and_issues_the_route(
    qtbot: QtBot, db: Database, entry_id: int, tmp_path: Path, unsaved_box: Any
) -> None:
    from app.services import routes
    from ui.route_dialog import RouteDialog

    medical = directory.save_organisation(
        db,
        OrganisationForm(
            name="ГБУЗ ТО «Областная больница № 3»",
            department=Department.HEALTH,
            district="г. Тюмень",
            address="г. Тюмень, ул. Энергетиков, д. 1",
            services=((MeasureKind.MEDICAL, "Медицинская реабилитация"),),
        ),
    )
    dialog = RouteDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    # 31-р 3.3, Appendix 2: the seven fixed rows, the IPRA's medical measure with an
    # organisation of the person's district already chosen.
    assert dialog.table.rowCount() == 7
    lines = dialog.lines()
    assert lines[0].measure_kind is MeasureKind.MEDICAL and lines[0].organisation_id == medical
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 8
    dialog.table.setItem(7, 1, QTableWidgetItem("Занятия в бассейне"))
    dialog.table.setItem(7, 2, QTableWidgetItem("Абонемент"))
    dialog.table.setCurrentCell(0, 1)
    dialog.remove_line()  # the fixed rows stay
    assert dialog.table.rowCount() == 8

    # Issue #12: not before the informing call (31-р 4.1) — said, nothing issued.
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    assert "информирование по телефону" in dialog.message.text()
    draft = routes.current_route(db, dialog.draft.citizen_id)
    assert draft is not None and draft.status == "DRAFT"
    from app.services import informing
    from app.services.informing import CallDraft

    informing.record_call(
        db,
        CallDraft(
            entry_id=entry_id,
            callee=Callee.CITIZEN,
            phone="+79123456789",
            started_at=NOW,
            duration_seconds=240,
            outcome=CallOutcome.REACHED,
            told_measures=True,
            told_organisations=True,
            told_route=True,
            delivery_method=DeliveryMethod.POST,
            delivery_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
            plan_needed=False,
        ),
        NOW,
    )
    # Issue #12: asked before issuing; «Отмена» keeps the draft.
    unsaved_box.next("Отмена", name="confirm_issue")
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    assert unsaved_box.asked[-1].startswith("Выдать маршрут: Соколова Анна Петровна?")
    assert "Маршрут не выдан" in dialog.message.text()
    assert routes.current_route(db, dialog.draft.citizen_id).status == "DRAFT"  # type: ignore[union-attr]
    unsaved_box.next("Выдать", name="confirm_issue")
    with qtbot.waitSignal(dialog.issued) as issued:
        qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    route = routes.current_route(db, dialog.draft.citizen_id)
    assert route is not None and route.route_id == issued.args[0]
    assert route is not None and route.status == "ISSUED"
    assert [line.measure_title for line in route.lines][-1] == "Занятия в бассейне"

    reopened = RouteDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(reopened)
    assert reopened.pdf_button.isEnabled()
    pdf = tmp_path / "route.pdf"
    reopened.export_pdf(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "бассейне" in text and "больница" in text  # wrapped inside their cells
    # Re-issuing is a new version, said on the button and in the question.
    assert reopened.issue_button.text() == "Выдать версию 2"
    unsaved_box.next("Выдать", name="confirm_issue")
    with qtbot.waitSignal(reopened.issued):
        qtbot.mouseClick(reopened.issue_button, Qt.MouseButton.LeftButton)
    assert "Будет выдана версия 2; выданная ранее версия 1 сохранится" in unsaved_box.asked[-1]
    second = routes.current_route(db, dialog.draft.citizen_id)
    assert second is not None and second.version == 2 and second.status == "ISSUED"


def test_calls_page_lists_the_period_and_exports_both_lists(
    qtbot: QtBot, db: Database, entry_id: int, tmp_path: Path
) -> None:
    from ui.work_pages import CallsPage

    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    dialog.set_outcome(CallOutcome.BUSY)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    page = CallsPage(db, TODAY)
    qtbot.addWidget(page)
    page.refresh()
    assert page.table.rowCount() == 1
    assert page.table.item(0, 1).text() == "23.11.2026"
    assert page.table.item(0, 3).text() == "Соколова Анна Петровна"
    assert page.export("journal", "xlsx", tmp_path / "journal.xlsx") == 1
    assert page.export("journal", "pdf", tmp_path / "journal.pdf") == 1
    assert page.export("eis", "xlsx", tmp_path / "eis.xlsx") == 1
    assert page.export("eis", "pdf", tmp_path / "eis.pdf") == 1
    sheet = load_workbook(tmp_path / "journal.xlsx").active
    assert sheet is not None
    assert any("Соколова" in str(c.value) for row in sheet.iter_rows() for c in row)


def test_the_card_calls_about_the_newest_registry_entry(
    qtbot: QtBot, db: Database, entry_id: int
) -> None:
    from ui.citizen_dialog import CitizenDialog

    citizen_id = _entry(db, entry_id).citizen_id
    card = CitizenDialog(db, citizen_id, today=TODAY)
    qtbot.addWidget(card)
    assert card.call_button.isEnabled()
    call = card.call()
    assert isinstance(call, CallDialog) and call.context.entry_id == entry_id
    call.set_outcome(CallOutcome.NO_ANSWER)
    with qtbot.waitSignal(call.saved):
        call.save()
    calls = card.history.topLevelItem(1)
    assert calls is not None and calls.childCount() == 1  # the history shows the attempt


def test_add_question_button_adds_a_question_typed_by_hand(
    qtbot: QtBot, db: Database, entry_id: int, type_text: Callable[[QWidget, str], None]
) -> None:
    """Issue #12: «Добавить вопрос» raised AttributeError ('bool' has no 'strip') every time."""
    from app.services import plans
    from ui.plan_dialog import PlanDialog

    dialog = PlanDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.question_list.count()
    from PySide6.QtWidgets import QPushButton

    (add,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Добавить вопрос"]
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert dialog.question_list.count() == before + 1
    assert dialog.question_list.currentItem().text() == "(новый вопрос)"
    type_text(dialog.question_edit, "Оформить ТСР через Социальный фонд")
    # The list names it as typed, not «(новый вопрос)» until saved.
    assert dialog.question_list.currentItem().text() == "Оформить ТСР через Социальный фонд"
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    current = plans.current_plan(db, plans.start_plan(db, entry_id, TODAY).citizen_id)
    assert current is not None
    assert any(q.question == "Оформить ТСР через Социальный фонд" for q in current[1].questions)


# --- «Сохранить изменения?» (issue #12) ---------------------------------------------------


def _attempts(db: Database, entry_id: int) -> int:
    with db.session_factory() as session:
        return len(
            session.scalars(
                select(models.CallAttempt).where(models.CallAttempt.entry_id == entry_id)
            ).all()
        )


def test_closing_a_call_whose_timer_ran_asks_and_saving_records_it(
    qtbot: QtBot,
    db: Database,
    entry_id: int,
    type_text: Callable[[QWidget, str], None],
    unsaved_box: Any,
) -> None:
    """Issue #12: F2, Alt+2, a comment, «Закрыть» recorded no attempt (journal of 1.7)."""
    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    qtbot.keyClick(_focus(dialog), Qt.Key.Key_F2)
    qtbot.keyClick(_focus(dialog), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    type_text(dialog.comment_edit, "не берёт трубку")
    unsaved_box.next("Отмена")
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert unsaved_box.asked == ["Сохранить изменения: звонок?"]
    assert dialog.isVisible() and _attempts(db, entry_id) == 0  # still there, input kept
    assert dialog.comment_edit.text() == "не берёт трубку"
    unsaved_box.next("Сохранить")
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert _attempts(db, entry_id) == 1


def test_a_call_closed_with_do_not_save_leaves_nothing_and_an_untouched_one_just_closes(
    qtbot: QtBot, db: Database, entry_id: int, unsaved_box: Any
) -> None:
    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # nothing done: closes
    assert not dialog.isVisible() and unsaved_box.asked == []
    again = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(again)
    with qtbot.waitActive(again):
        again.show()
        again.activateWindow()
    qtbot.keyClick(_focus(again), Qt.Key.Key_F2)
    unsaved_box.next("Не сохранять")
    qtbot.keyClick(again, Qt.Key.Key_Escape)
    assert unsaved_box.asked == ["Сохранить изменения: звонок?"]
    assert not again.isVisible() and _attempts(db, entry_id) == 0


def test_closing_the_card_with_a_changed_phone_asks_first(
    qtbot: QtBot, db: Database, entry_id: int, unsaved_box: Any
) -> None:
    from ui.citizen_dialog import CitizenDialog

    citizen_id = citizens.citizen_of_entry(db, entry_id)
    dialog = CitizenDialog(db, citizen_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    phone = dialog.edits["phone"]
    phone.clear()
    qtbot.keyClicks(phone, "+79120001234")
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    unsaved_box.next("Отмена")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and phone.text() == "+79120001234"
    unsaved_box.next("Сохранить")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert citizens.load_card(db, citizen_id).form.phone == "+79120001234"
    assert unsaved_box.asked == ["Сохранить изменения: карточка?"] * 2


def test_closing_the_route_editor_with_a_chosen_organisation_asks_and_saves_the_draft(
    qtbot: QtBot, db: Database, entry_id: int, unsaved_box: Any
) -> None:
    from app.services import routes
    from ui.route_dialog import COL_ORGANISATION, RouteDialog

    for name in ("ГАУЗ ТО «Городская поликлиника № 5»", "ГАУЗ ТО «Городская поликлиника № 7»"):
        directory.save_organisation(
            db,
            OrganisationForm(
                name=name,
                department=Department.HEALTH,
                district="г. Тюмень",
                services=((MeasureKind.MEDICAL, "Медицинская реабилитация"),),
            ),
        )
    dialog = RouteDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    combo = dialog.table.cellWidget(0, COL_ORGANISATION)
    assert isinstance(combo, QComboBox) and combo.count() > 2
    proposed = combo.currentData()
    assert not dialog.has_unsaved_changes()  # the proposal as it came: nothing typed
    combo.setFocus()
    qtbot.keyClick(
        combo, Qt.Key.Key_Down if combo.currentIndex() < combo.count() - 1 else Qt.Key.Key_Up
    )
    assert combo.currentData() != proposed
    assert dialog.has_unsaved_changes()
    unsaved_box.next("Сохранить")
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    saved = routes.current_route(db, citizens.citizen_of_entry(db, entry_id))
    assert saved is not None and saved.status == "DRAFT"
    assert saved.lines[0].organisation_id == combo.currentData()


def test_closing_the_plan_with_an_unsaved_question_asks_first(
    qtbot: QtBot,
    db: Database,
    entry_id: int,
    type_text: Callable[[QWidget, str], None],
    unsaved_box: Any,
) -> None:
    from app.services import plans
    from ui.plan_dialog import PlanDialog

    dialog = PlanDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    (add,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Добавить вопрос"]
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    type_text(dialog.question_edit, "Путёвка в санаторий")
    unsaved_box.next("Не сохранять")
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert plans.current_plan(db, citizens.citizen_of_entry(db, entry_id)) is None
    assert unsaved_box.asked == ["Сохранить изменения: план?"]


def test_the_call_window_says_the_month_in_words_and_proposes_the_next_working_day_at_ten(
    qtbot: QtBot, db: Database, entry_id: int
) -> None:
    """Issue #12: «Реестр за 2026-11» and a call-back proposed at 04:51."""
    friday = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 11:00 in Tyumen, a Friday
    dialog = CallDialog(db, entry_id, now=friday)
    qtbot.addWidget(dialog)
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert any(text.startswith("Реестр: ноябрь 2026") for text in labels), labels
    assert not any("2026-11" in text for text in labels)
    proposed = dialog.call_back_edit.dateTime()
    assert proposed.date() == QDate(2026, 11, 30)  # Monday: the weekend is skipped
    assert (proposed.time().hour(), proposed.time().minute()) == (10, 0)


def test_dates_and_hours_are_typed_with_the_keyboard(
    qtbot: QtBot, db: Database, entry_id: int
) -> None:
    """Issue #12: «26.01.2027» typed in «На дату» and «11» in an hour field were rejected."""
    from PySide6.QtWidgets import QDateTimeEdit

    from ui.dashboard_page import DashboardPage

    page = DashboardPage(TODAY)
    qtbot.addWidget(page)
    page.show()
    for typed, expected in (
        ("26.01.2027", QDate(2027, 1, 26)),
        ("26012027", QDate(2027, 1, 26)),
        ("5.3.2027", QDate(2027, 3, 5)),
        ("1.12.2026", QDate(2026, 12, 1)),
    ):
        page.date_edit.setFocus()
        qtbot.keyClick(page.date_edit, Qt.Key.Key_Home)
        qtbot.keyClicks(page.date_edit, typed)
        assert page.date_edit.date() == expected, typed

    dialog = CallDialog(db, entry_id, now=NOW)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    qtbot.keyClick(_focus(dialog), Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)  # перезвонить
    edit = dialog.call_back_edit
    assert edit.isEnabled()
    edit.setFocus()
    edit.setCurrentSection(QDateTimeEdit.Section.HourSection)
    qtbot.keyClicks(edit, "11")
    assert edit.dateTime().time().hour() == 11
    dialog.done(0)  # leave without the «Сохранить изменения?» question


def test_a_plan_is_saved_as_a_pdf_named_after_the_person_and_month(
    qtbot: QtBot,
    db: Database,
    entry_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    type_text: Callable[[QWidget, str], None],
) -> None:
    """Issue #12: default file names carry the person and the month, in the export folder."""
    import dataclasses

    from PySide6.QtWidgets import QFileDialog

    from app.domain.names import document_file_name
    from app.services.settings import load_settings, save_settings
    from ui.plan_dialog import PlanDialog

    folder = tmp_path / "Выгрузки"
    folder.mkdir()
    save_settings(db, dataclasses.replace(load_settings(db), export_folder=str(folder)))
    offered: list[str] = []

    def answer(*args: object, **_kwargs: object) -> tuple[str, str]:
        offered.append(str(args[2]))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    dialog = PlanDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    (add,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Добавить вопрос"]
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    type_text(dialog.question_edit, "Путёвка в санаторий")
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    assert offered == [str(folder / "План_Соколова_А_П_2026-11.pdf")], dialog.message.text()
    assert document_file_name("Маршрут", "Иванов", "Иван", "Иванович", "2026-11") == (
        "Маршрут_Иванов_И_И_2026-11"
    )
    assert document_file_name("Маршрут", "Петрова-Водкина ", "анна", None, "2026-11") == (
        "Маршрут_Петрова-Водкина_А_2026-11"
    )
    assert "/" not in document_file_name("План", "А/Б", "В", "", "2026-11")
