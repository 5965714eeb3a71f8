"""The card's «Члены семьи» tab driven as a consultant would (issue #13)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

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


def test_appendix_3_a_question_of_a_family_member_is_saved_and_printed_as_theirs(
    qtbot: QtBot, db: Database, type_text: TypeText, tmp_path: Path
) -> None:
    """Appendix 3 is the plan "получателя услуг ... и членов его семьи" (issue #13)."""
    from app.domain.enums import Source
    from app.services import plans
    from ui.plan_dialog import PlanDialog

    form = replace(
        citizens.load_card(db, _person(db)).form,
        family=(citizens.FamilyMemberForm(relation="мать", last_name="Фёдорова",
                                          first_name="Галина", middle_name="Петровна"),),
    )  # fmt: skip
    saved = citizens.save_citizen(
        db, replace(form, last_name="Петров", snils=""), source=Source.WALK_IN, today=TODAY
    )
    assert saved.entry_id is not None
    dialog = PlanDialog(db, saved.entry_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.add_question_button, Qt.MouseButton.LeftButton)
    type_text(dialog.question_edit, "Путёвка в санаторий для матери")
    assert dialog.whose_combo.isEnabled()
    dialog.whose_combo.setFocus()
    qtbot.keyClick(dialog.whose_combo, Qt.Key.Key_Down)
    assert dialog.whose_combo.currentText() == "члена семьи: мать — Фёдорова Галина Петровна"
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    plan = plans.current_plan(db, saved.citizen_id)
    assert plan is not None
    (question,) = [q for q in plan[1].questions if q.question.startswith("Путёвка")]
    assert question.about == "мать — Фёдорова Галина Петровна"

    out = tmp_path / "plan.pdf"
    plans.export_plan_pdf(db, plan[0], out)
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())
    assert "Путёвка в санаторий для матери" in words
    assert "Член семьи: мать — Фёдорова Галина Петровна" in words


def test_the_card_lists_the_persons_applications_and_courses(qtbot: QtBot, db: Database) -> None:
    """Issue #13: «the person's card shows them» — 6-р applications and 510-п courses."""
    from app.domain.enums import Technology
    from app.domain.intake import ServiceBasis
    from app.services import courses, intake

    citizen_id = _person(db)
    intake.register(db, citizen_id, ServiceBasis.S3_3, date(2026, 11, 20),
                    Technology.HOME_REHAB)  # fmt: skip
    courses.create_course(db, citizen_id, Technology.COURSE, date(2026, 11, 2), date(2026, 11, 30))
    dialog = _card(qtbot, db, citizen_id)
    dialog.tabs.setCurrentWidget(dialog.social_tab)
    applications, course_rows = dialog.social_tab.applications, dialog.social_tab.courses
    assert applications.rowCount() == 1
    assert applications.item(0, 1).text() == "20.11.2026"
    assert course_rows.rowCount() == 1
    assert course_rows.item(0, 2).text() == "02.11.2026"
    assert course_rows.item(0, 1).text() == "очно"
