"""Family members on the participant's card (31-р 2.1 "а также члены их семей"; Appendix 3
"и членов его семьи"), issue #13: saved with the card, not registry entries, audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from app.domain.enums import DisabilityGroup, Source
from app.services.citizens import (
    CitizenForm,
    FamilyMemberForm,
    load_card,
    save_citizen,
    validate,
)
from db import models
from db.session import Database

TODAY = date(2026, 11, 23)
PERSON = CitizenForm(
    last_name="Фёдоров",
    first_name="Артём",
    middle_name="Ильич",
    birth_date="14.03.1985",
    group=DisabilityGroup.GROUP_I,
    first_time=True,
    selfcare_degree=2,
    movement_degree=1,
    behaviour_degree=0,
)
MOTHER = FamilyMemberForm(
    relation="мать",
    last_name="Фёдорова",
    first_name="Галина",
    middle_name="Петровна",
    birth_date="02.02.1960",
    phone="8 (912) 345-67-89",
    email="galina@example.ru",
)
SON = FamilyMemberForm(relation="сын", last_name="Фёдоров", first_name="Илья")


def _count(db: Database, model: type[models.Base]) -> int:
    with db.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_2_1_family_members_are_saved_with_the_card_and_are_not_registry_entries(
    db: Database,
) -> None:
    saved = save_citizen(
        db, replace(PERSON, family=(MOTHER, SON)), source=Source.WALK_IN, today=TODAY
    )
    assert saved.entry_id is not None  # the participant is entered, once
    assert _count(db, models.RegistryEntry) == 1
    assert _count(db, models.FamilyMember) == 2
    family = load_card(db, saved.citizen_id).form.family
    assert [(m.relation, m.last_name, m.birth_date, m.phone) for m in family] == [
        ("мать", "Фёдорова", "02.02.1960", "+79123456789"),
        ("сын", "Фёдоров", "", ""),
    ]
    assert family[0].title == "мать — Фёдорова Галина Петровна"
    assert all(m.member_id is not None for m in family)


def test_changing_and_removing_a_member_keeps_the_others_and_audits_both(db: Database) -> None:
    saved = save_citizen(db, replace(PERSON, family=(MOTHER, SON)), today=TODAY)
    mother, son = load_card(db, saved.citizen_id).form.family
    with db.session_factory() as s:
        son_uuid = str(s.scalars(select(models.FamilyMember.uuid).where(
            models.FamilyMember.id == son.member_id)).one())  # fmt: skip
    changed = replace(mother, phone="+79120001122")
    save_citizen(db, replace(PERSON, family=(changed,)), saved.citizen_id, today=TODAY)
    family = load_card(db, saved.citizen_id).form.family
    assert [(m.member_id, m.phone) for m in family] == [(mother.member_id, "+79120001122")]
    with db.session_factory() as s:
        events = s.execute(
            select(models.AuditEvent.action, models.AuditEvent.entity_uuid).where(
                models.AuditEvent.entity == "family_member"
            )
        ).all()
    assert ("record.delete", son_uuid) in [tuple(e) for e in events]
    assert "record.update" in [e[0] for e in events]


def test_a_bad_member_row_is_named_by_its_number_and_nothing_is_saved(db: Database) -> None:
    bad = replace(SON, relation="", phone="123", birth_date="01.01.2030")
    problems = [p.message for p in validate(replace(PERSON, family=(MOTHER, bad)), TODAY)]
    assert "Член семьи 2: укажите, кем приходится" in problems
    assert any(p.startswith("Член семьи 2: телефон:") for p in problems)
    assert any(p.startswith("Член семьи 2: Дата рождения 01.01.2030") for p in problems)
    assert not any(p.startswith("Член семьи 1") for p in problems)
