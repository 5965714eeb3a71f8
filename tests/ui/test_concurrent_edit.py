"""Two consultants on one card (issue #15): the second Save is refused in a message box
naming who, when and what; every typed value stays in the window; the stored version is
loaded only when asked for."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from app import clock
from app.documents.plan_form import QuestionForm
from app.domain.enums import DisabilityGroup, Source, UserRole
from app.services import citizens, plans, routes
from app.services.access import as_user
from app.services.citizens import CitizenForm
from db import models
from db.session import Database
from ui.citizen_dialog import CitizenDialog
from ui.plan_dialog import PlanDialog
from ui.route_dialog import COL_SERVICE, RouteDialog
from ui.stale_edit import BOX_NAME, KEEP, RELOAD

TODAY = date(2026, 12, 3)
TypeText = Callable[[QWidget, str], None]
PERSON = CitizenForm(
    last_name="Фёдоров",
    first_name="Артём",
    birth_date="14.03.1985",
    phone="+79123456789",
    actual_address="г. Ялуторовск, ул. Ленина, д. 5",
    group=DisabilityGroup.GROUP_I,
    first_time=True,
    selfcare_degree=2,
    movement_degree=1,
    behaviour_degree=0,
)
REFUSAL = (
    "Карточку уже изменил(а) Смирнова О. В. 03.12.2026 в 14:05: адрес проживания, телефон. "
    "Ваши изменения не сохранены — обновите карточку и внесите их снова."
)


@pytest.fixture(autouse=True)
def _at_14_05(db: Database) -> Iterator[None]:
    clock.set_clock(clock.frozen_at(datetime(2026, 12, 3, 9, 5, tzinfo=UTC)))  # 14:05 local
    yield


def _smirnova(db: Database) -> Database:
    """The same database as the second consultant, Смирнова Ольга Викторовна."""
    with db.session_factory.begin() as session:
        user = models.User(
            full_name="Смирнова Ольга Викторовна", login="smirnova", role=UserRole.CONSULTANT
        )
        session.add(user)
        session.flush()
        user_id = user.id
    return as_user(db, user_id, UserRole.CONSULTANT)


def _other_consultant_saves(db: Database, citizen_id: int) -> None:
    """Смирнова, in her own window, changes the address and the phone and saves."""
    other = _smirnova(db)
    card = citizens.load_card(other, citizen_id)
    citizens.save_citizen(
        other,
        dataclasses.replace(
            card.form, actual_address="г. Ялуторовск, ул. Свободы, д. 12", phone="+79220001122"
        ),
        citizen_id,
        loaded=card,
    )


def _card_with_my_typing(
    qtbot: QtBot, db: Database, type_text: TypeText
) -> tuple[CitizenDialog, int]:
    citizen_id = citizens.save_citizen(db, PERSON, today=TODAY).citizen_id
    dialog = CitizenDialog(db, citizen_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.edits["phone"].clear()
    type_text(dialog.edits["phone"], "+79128887766")
    type_text(dialog.edits["email"], "fedorov@example.ru")
    type_text(dialog.note_edit, "Просит звонить после 18:00")
    return dialog, citizen_id


def test_the_second_save_is_refused_in_a_box_and_the_typed_values_stay(
    qtbot: QtBot, db: Database, type_text: TypeText, unsaved_box: object
) -> None:
    dialog, citizen_id = _card_with_my_typing(qtbot, db, type_text)
    _other_consultant_saves(db, citizen_id)

    unsaved_box.next(KEEP, name=BOX_NAME)  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert unsaved_box.asked == [REFUSAL]  # type: ignore[attr-defined]
    assert dialog.isVisible()  # not closed: nothing was saved
    assert dialog.message_label.text() == REFUSAL
    assert dialog.edits["phone"].text() == "+79128887766"
    assert dialog.edits["email"].text() == "fedorov@example.ru"
    assert dialog.note_edit.toPlainText() == "Просит звонить после 18:00"
    assert dialog.edits["actual_address"].text() == "г. Ялуторовск, ул. Ленина, д. 5"
    # The database holds the other consultant's save, none of mine.
    stored = citizens.load_card(db, citizen_id).form
    assert stored.phone == "+79220001122"
    assert stored.actual_address == "г. Ялуторовск, ул. Свободы, д. 12"
    assert (stored.email, stored.note) == ("", "")


def test_the_stored_version_is_loaded_when_asked_and_then_saves(
    qtbot: QtBot, db: Database, type_text: TypeText, unsaved_box: object
) -> None:
    dialog, citizen_id = _card_with_my_typing(qtbot, db, type_text)
    _other_consultant_saves(db, citizen_id)

    unsaved_box.next(RELOAD, name=BOX_NAME)  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert unsaved_box.asked == [REFUSAL]  # type: ignore[attr-defined]
    assert dialog.edits["phone"].text() == "+79220001122"
    assert dialog.edits["actual_address"].text() == "г. Ялуторовск, ул. Свободы, д. 12"
    assert dialog.edits["email"].text() == ""
    assert dialog.message_label.text() == "Загружена сохранённая версия карточки."
    # Typed again over the stored version, the save goes through and keeps both.
    type_text(dialog.edits["email"], "fedorov@example.ru")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    stored = citizens.load_card(db, citizen_id)
    assert (stored.form.email, stored.form.phone) == ("fedorov@example.ru", "+79220001122")
    assert stored.row_version == 3  # made, saved by Смирнова, saved by me


# -- the route and the plan ---------------------------------------------------------------


def _entry(db: Database) -> int:
    result = citizens.save_citizen(
        db, PERSON, source=Source.WALK_IN, identified_on=date(2026, 12, 1), today=TODAY
    )
    assert result.entry_id is not None
    return result.entry_id


def _type_in_cell(
    qtbot: QtBot, table: QTableWidget, row: int, column: int, text: str, type_text: TypeText
) -> None:
    item = table.item(row, column)
    assert item is not None
    centre = table.visualItemRect(item).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    (editor,) = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    editor.selectAll()
    type_text(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: item.text() == text, timeout=2000)


def test_a_route_draft_saved_by_someone_else_is_not_overwritten(
    qtbot: QtBot, db: Database, type_text: TypeText, unsaved_box: object
) -> None:
    entry_id = _entry(db)
    first = routes.save_route(db, routes.propose_route(db, entry_id), TODAY)
    dialog = RouteDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    _type_in_cell(qtbot, dialog.table, 3, COL_SERVICE, "Клуб общения", type_text)
    # Смирнова saves the same draft with row 1 filled in.
    other = _smirnova(db)
    theirs = routes.current_route(other, first.citizen_id)
    assert theirs is not None
    lines = list(theirs.lines)
    lines[0] = dataclasses.replace(lines[0], service_name="Консультация невролога")
    routes.save_route(other, dataclasses.replace(theirs, lines=tuple(lines)), TODAY, loaded=theirs)

    unsaved_box.next(KEEP, name=BOX_NAME)  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    refusal = (
        "Маршрут уже изменил(а) Смирнова О. В. 03.12.2026 в 14:05: строка 1. "
        "Ваши изменения не сохранены — обновите маршрут и внесите их снова."
    )
    assert unsaved_box.asked == [refusal]  # type: ignore[attr-defined]
    assert dialog.message.text() == refusal
    assert dialog.table.item(3, COL_SERVICE).text() == "Клуб общения"  # still typed
    assert dialog.table.item(0, COL_SERVICE).text() == ""
    stored = routes.current_route(db, first.citizen_id)
    assert stored is not None and stored.row_version == 2
    assert stored.lines[0].service_name == "Консультация невролога"
    assert stored.lines[3].service_name == ""

    # Asked for, the stored draft replaces the table; then a save goes through.
    unsaved_box.next(RELOAD, name=BOX_NAME)  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.table.item(0, COL_SERVICE).text() == "Консультация невролога"
    assert dialog.table.item(3, COL_SERVICE).text() == ""
    _type_in_cell(qtbot, dialog.table, 3, COL_SERVICE, "Клуб общения", type_text)
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    stored = routes.current_route(db, first.citizen_id)
    assert stored is not None and stored.row_version == 3
    assert [stored.lines[i].service_name for i in (0, 3)] == [
        "Консультация невролога",
        "Клуб общения",
    ]


def test_a_plan_saved_by_someone_else_is_not_overwritten(
    qtbot: QtBot, db: Database, type_text: TypeText, unsaved_box: object
) -> None:
    entry_id = _entry(db)
    start = plans.start_plan(db, entry_id, TODAY)
    plans.save_stored_plan(
        db, dataclasses.replace(start, questions=(QuestionForm("Путёвка в санаторий"),)),
        None, TODAY,
    )  # fmt: skip
    dialog = PlanDialog(db, entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.add_question_button, Qt.MouseButton.LeftButton)
    type_text(dialog.question_edit, "Парковочное место")
    # Смирнова adds her own question to the same plan and saves.
    other = _smirnova(db)
    theirs = plans.current_stored_plan(other, start.citizen_id)
    assert theirs is not None
    form = dataclasses.replace(
        theirs.form, questions=(*theirs.form.questions, QuestionForm("Оформление ТСР"))
    )
    plans.save_stored_plan(other, form, theirs.plan_id, TODAY, loaded=theirs)

    unsaved_box.next(KEEP, name=BOX_NAME)  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    refusal = (
        "План уже изменил(а) Смирнова О. В. 03.12.2026 в 14:05: вопросы. "
        "Ваши изменения не сохранены — обновите план и внесите их снова."
    )
    assert unsaved_box.asked == [refusal]  # type: ignore[attr-defined]
    assert dialog.message.text() == refusal
    typed = [dialog.question_list.item(i).text() for i in range(dialog.question_list.count())]
    assert typed == ["Путёвка в санаторий", "Парковочное место"]
    assert dialog.question_edit.toPlainText() == "Парковочное место"
    stored = plans.current_stored_plan(db, start.citizen_id)
    assert stored is not None
    assert [q.question for q in stored.form.questions] == ["Путёвка в санаторий", "Оформление ТСР"]
