"""The card's «Члены семьи» tab driven as a consultant would (issue #13)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from app.domain.enums import DisabilityGroup
from app.services import citizens
from app.services.citizens import CitizenForm
from db.session import Database
from ui.citizen_dialog import CitizenDialog

TODAY = date(2026, 11, 23)
TypeText = Callable[[QWidget, str], None]


def _person(db: Database) -> int:
    form = CitizenForm(
        last_name="Фёдоров",
        first_name="Артём",
        birth_date="14.03.1985",
        group=DisabilityGroup.GROUP_I,
        first_time=True,
        selfcare_degree=2,
        movement_degree=1,
        behaviour_degree=0,
    )
    return citizens.save_citizen(db, form, today=TODAY).citizen_id


def _card(qtbot: QtBot, db: Database, citizen_id: int) -> CitizenDialog:
    dialog = CitizenDialog(db, citizen_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.family_table)
    return dialog


def test_a_family_member_typed_on_the_card_is_saved_and_can_be_removed(
    qtbot: QtBot, db: Database, type_text: TypeText
) -> None:
    citizen_id = _person(db)
    dialog = _card(qtbot, db, citizen_id)
    family = dialog.family_table
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(family.add_button, Qt.MouseButton.LeftButton)
    assert family.table.rowCount() == 1
    # An incomplete row is named and holds the save back.
    assert "Член семьи 1: укажите, кем приходится" in dialog.problems_label.text()
    assert not save.isEnabled()
    relation = family.relation_combo.lineEdit()
    assert relation is not None
    type_text(relation, "мать")
    type_text(family.edits["last_name"], "Фёдорова")
    type_text(family.edits["first_name"], "Галина")
    type_text(family.edits["birth_date"], "02.02.1960")
    type_text(family.edits["phone"], "8 912 123")
    assert "Член семьи 1: телефон" in dialog.problems_label.text()
    family.edits["phone"].clear()
    type_text(family.edits["phone"], "89123456789")
    assert family.table.item(0, 1).text() == "Фёдорова"  # the table follows the typing
    assert save.isEnabled(), dialog.problems_label.text()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    (member,) = citizens.load_card(db, citizen_id).form.family
    assert (member.relation, member.first_name, member.birth_date, member.phone) == (
        "мать",
        "Галина",
        "02.02.1960",
        "+79123456789",
    )

    again = _card(qtbot, db, citizen_id)
    assert again.family_table.table.item(0, 0).text() == "мать"
    again.family_table.table.selectRow(0)
    qtbot.mouseClick(again.family_table.remove_button, Qt.MouseButton.LeftButton)
    assert again.has_unsaved_changes()
    qtbot.mouseClick(
        again.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert citizens.load_card(db, citizen_id).form.family == ()
