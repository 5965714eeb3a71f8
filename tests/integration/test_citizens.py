"""The citizen card (app.services.citizens): checks as typed, 31-р 2.1, duplicates, saving.

Everything is written to and read back from a real SQLite file; today is
23 November 2026 so dates are fixed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app.domain.enums import (
    DisabilityGroup,
    MeasureKind,
    RepresentativeKind,
    Sex,
    Source,
    TargetCategory,
)
from app.errors import NotFoundError, UserError, ValidationError
from app.services.citizens import (
    CitizenForm,
    HistoryItem,
    add_to_registry,
    citizen_of_entry,
    find_duplicates,
    load_card,
    normalise_phone,
    save_citizen,
    validate,
    verdict,
)
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

TODAY = date(2026, 11, 23)
SNILS = "112-233-445 95"  # a valid check number
OTHER_SNILS = "123-456-789 64"

FEDOROV = CitizenForm(
    last_name="Фёдоров",
    first_name="Артём",
    middle_name="Ильич",
    birth_date="14.03.1985",
    sex=Sex.MALE,
    snils=SNILS,
    registration_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
    actual_address="г. Тюмень, ул. Мельникайте, д. 10, кв. 5",
    postcode="625000",
    district="г. Тюмень",
    phone="+79123456789",
    email="fedorov@example.ru",
    note="Просил звонить после 15:00",
    group=DisabilityGroup.GROUP_I,
    established_on="02.11.2026",
    first_time=True,
    review_on="01.11.2027",
    selfcare_degree=2,
    movement_degree=1,
    behaviour_degree=0,
    ipra_number="1234.5.72/2026",
    ipra_issued_on="05.11.2026",
    ipra_valid_until="01.11.2027",
    measures=(MeasureKind.MEDICAL, MeasureKind.SOCIAL),
)
REP = {
    "rep_kind": RepresentativeKind.GUARDIAN,
    "rep_last_name": "Фёдорова",
    "rep_first_name": "Нина",
    "rep_middle_name": "Павловна",
    "rep_phone": "+73452123456",
    "rep_email": "nina@example.ru",
    "rep_address": "г. Тюмень, ул. Мельникайте, д. 10, кв. 5",
}
NO_REP = dict.fromkeys(REP, "") | {"rep_kind": None}


def _counts(db: Database) -> dict[str, int]:
    """Rows in every table: "nothing written" means this does not change."""
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in models.Base.metadata.sorted_tables
        }


def _count(db: Database, model: type[models.Base]) -> int:
    with db.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _actions(db: Database) -> list[str]:
    """The audited actions of the test, without the fixture's set-up (the profile and the
    organisation, saved when its database was installed in January 2024)."""
    after_set_up = datetime(2025, 1, 1, tzinfo=UTC)
    with db.session_factory() as s:
        return list(
            s.scalars(
                select(models.AuditEvent.action)
                .where(models.AuditEvent.at >= after_set_up)
                .order_by(models.AuditEvent.id)
            )
        )


# --- validate: each problem names its field --------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fields", "words"),
    [
        ({"last_name": ""}, {"last_name"}, "Фамилия не указана"),
        ({"last_name": "   "}, {"last_name"}, "Фамилия"),
        ({"first_name": ""}, {"first_name"}, "Имя не указано"),
        ({"snils": "112-233-445 96"}, {"snils"}, "Неверное контрольное число СНИЛС"),
        ({"snils": "112-233-445"}, {"snils"}, "СНИЛС"),
        ({"birth_date": "31.02.2000"}, {"birth_date"}, "Дата рождения: даты «31.02.2000»"),
        ({"birth_date": "вчера"}, {"birth_date"}, "Дата рождения"),
        ({"birth_date": "24.11.2026"}, {"birth_date"}, "ещё не наступила"),
        ({"established_on": "01.01.1980"}, {"established_on"}, "раньше рождения"),
        ({"established_on": "01.12.2026"}, {"established_on"}, "ещё не наступила"),
        ({"ipra_issued_on": "13.03.1985"}, {"ipra_issued_on"}, "ИПРА выдана 13.03.1985"),
        ({"review_on": "01.11.2026"}, {"review_on"}, "раньше установления инвалидности"),
        ({"ipra_valid_until": "04.11.2026"}, {"ipra_valid_until"}, "ИПРА действует до"),
        ({"phone": "12-34"}, {"phone"}, "Телефон: номер «12-34» неполный: 4 цифры"),
        ({"phone": "+1 555 123 45 67"}, {"phone"}, "Телефон"),
        ({"phone": "позвонить соседке"}, {"phone"}, "Телефон"),
        ({**REP, "rep_phone": "999"}, {"rep_phone"}, "Телефон представителя"),
        ({"email": "fedorov@"}, {"email"}, "Электронная почта: «fedorov@»"),
        ({"email": "fedorov example.ru"}, {"email"}, "Электронная почта"),
        ({**REP, "rep_email": "nina.example.ru"}, {"rep_email"}, "Почта представителя"),
        ({"postcode": "62500"}, {"postcode"}, "Почтовый индекс"),
        ({"postcode": "62500О"}, {"postcode"}, "шесть цифр"),
        # a representative without a name or without who they are
        ({"rep_phone": "+73452123456"}, {"rep_last_name", "rep_kind"}, "представител"),
        ({**REP, "rep_first_name": ""}, {"rep_last_name"}, "фамилию и имя представителя"),
        ({**REP, "rep_kind": None}, {"rep_kind"}, "кем приходится представитель"),
        ({"group": None}, {"group"}, "Укажите группу инвалидности"),
    ],
)
def test_validate_names_the_field_of_each_problem(
    changes: dict[str, Any], fields: set[str], words: str
) -> None:
    problems = validate(replace(FEDOROV, **changes), TODAY)
    assert {p.field for p in problems} == fields, problems
    assert all(p.message for p in problems)
    assert any(words in p.message for p in problems), problems


@pytest.mark.parametrize(
    "form",
    [
        FEDOROV,
        replace(FEDOROV, **REP),
        CitizenForm(last_name="Иванов", first_name="Иван"),
        replace(FEDOROV, phone="8 (912) 345-67-89", rep_phone="", postcode=" 625000 "),
        replace(FEDOROV, phone="8 (3452) 45-67-89"),  # a Tyumen landline with its code
        replace(FEDOROV, snils="11223344595", birth_date="1985-03-14"),
        replace(FEDOROV, birth_date="23.11.2026", established_on="23.11.2026", ipra_issued_on=""),
    ],
)
def test_a_valid_form_has_no_problems(form: CitizenForm) -> None:
    assert validate(form, TODAY) == ()


# --- the 31-р 2.1 verdict --------------------------------------------------------------


def test_verdict_group_i_first_time_self_care_ii_is_in_the_category() -> None:
    result = verdict(FEDOROV)
    assert result.eligible
    assert result.category is TargetCategory.GROUP_I
    assert result.reasons and all("31-р, п. 2.1" in r for r in result.reasons)


def test_verdict_group_iii_is_not_in_the_category() -> None:
    result = verdict(replace(FEDOROV, group=DisabilityGroup.GROUP_III))
    assert not result.eligible
    assert result.category is None
    assert any("III группы" in r and "31-р, п. 2.1" in r for r in result.reasons)


def test_verdict_stationary_and_behaviour_exclusions() -> None:
    stationary = verdict(replace(FEDOROV, stationary=True))
    assert (stationary.eligible, stationary.category) == (False, None)
    assert any("стационарном" in r and "31-р, п. 2.1" in r for r in stationary.reasons)
    behaviour = verdict(replace(FEDOROV, mental_disorder=True, behaviour_degree=3))
    assert not behaviour.eligible
    assert any("поведением III степени" in r for r in behaviour.reasons)


def test_verdict_missing_facts_are_named() -> None:
    result = verdict(replace(FEDOROV, first_time=None))
    assert not result.eligible
    assert result.missing == ("признак «впервые»",)


# --- phones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "8 (912) 345-67-89",
        "9123456789",
        "+7 912 345 67 89",
        "89123456789",
        "+7(912)345-67-89",
        " 8.912.345.67.89 ",
        "7 912 3456789",
    ],
)
def test_normalise_phone(typed: str) -> None:
    assert normalise_phone(typed) == "+79123456789"


@pytest.mark.parametrize("typed", ["доб. 123", "", "+44 20 7946 0958"])
def test_normalise_phone_leaves_what_is_not_a_russian_number_trimmed(typed: str) -> None:
    assert normalise_phone(f"  {typed} ") == typed


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("8 912 123", "неполный: 7 цифр"),
        ("45-67-89", "неполный: 6 цифр"),
        ("123", "неполный: 3 цифры"),
        ("8 (000) 000-00-00", "в России нет"),
        ("8 912 345-67-89-00", "в России нет"),
    ],
)
def test_an_incomplete_or_impossible_number_is_refused_alike_by_card_and_importer(
    typed: str, reason: str
) -> None:
    """Issue #12: «8 912 123» was stored as «8912123»; a full number with its code or none."""
    from app.services.extract_parse import parse_phone

    problems = validate(replace(FEDOROV, phone=typed), TODAY)
    assert [p.field for p in problems] == ["phone"] and reason in problems[0].message
    with pytest.raises(ValueError, match=reason):
        parse_phone(typed)
    assert normalise_phone(typed) == typed  # never stored cut down to its digits


@given(
    st.sampled_from(["912", "922", "982", "3452", "3456", "800"]),
    st.text("0123456789", min_size=6, max_size=7),
)
def test_normalise_phone_any_ten_digits_typed_any_usual_way(code: str, rest: str) -> None:
    d = (code + rest + "0000000")[:10]
    ways = [
        d,
        f"8{d}",
        f"+7{d}",
        f"7{d}",
        f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        f"+7 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
        f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}",
        f"  8 {d[:3]} {d[3:]}  ",
        f"8.{d[:3]}.{d[3:6]}.{d[6:]}",
    ]
    forms = {normalise_phone(way) for way in ways}
    problems = [validate(replace(FEDOROV, phone=way), TODAY) for way in ways]
    if forms == {f"+7{d}"}:  # a number of the Russian numbering plan: every way, one form
        assert all(p == () for p in problems)
    else:  # a code the plan does not know: refused whichever way it is typed
        assert all(p and p[0].field == "phone" for p in problems)


# --- saving ---------------------------------------------------------------------------


def test_save_new_walk_in_eligible_enters_the_registry_of_the_identified_month(
    db: Database,
) -> None:
    result = save_citizen(
        db, FEDOROV, source=Source.WALK_IN, identified_on=date(2026, 10, 30), today=TODAY
    )
    assert result.created
    assert result.verdict.eligible
    assert result.entry_id is not None
    assert "внесен в реестр за октябрь 2026" in result.message and "ЛП" in result.message
    with db.session_factory() as s:
        citizen = s.get(models.Citizen, result.citizen_id)
        assert citizen is not None
        assert (citizen.last_name, citizen.first_name, citizen.middle_name) == (
            "Фёдоров",
            "Артём",
            "Ильич",
        )
        assert citizen.search_name == "федоров артем ильич"
        assert citizen.snils == "11223344595"
        assert citizen.birth_date == date(1985, 3, 14)
        entry = s.get(models.RegistryEntry, result.entry_id)
        assert entry is not None
        assert entry.citizen_id == result.citizen_id
        assert entry.reporting_month == "2026-10"
        assert entry.identified_on == date(2026, 10, 30)
        assert entry.entered_on == TODAY
        assert entry.source is Source.WALK_IN
        assert entry.category is TargetCategory.GROUP_I
        assert entry.disability_established_on == date(2026, 11, 2)
        assert entry.eligibility_reasons and "31-р, п. 2.1" in entry.eligibility_reasons
        assert entry.informed_on is None and entry.number is None
        assert entry.assessment is not None and entry.assessment.first_time is True
        assert entry.programme is not None and entry.programme.number == "1234.5.72/2026"
    assert _actions(db) == ["citizen.create", "registry.add"]


def test_save_walk_in_identified_today_by_default(db: Database) -> None:
    result = save_citizen(db, FEDOROV, source=Source.NGO, today=TODAY)
    with db.session_factory() as s:
        entry = s.get(models.RegistryEntry, result.entry_id)
        assert entry is not None
        assert (entry.identified_on, entry.entered_on, entry.reporting_month) == (
            TODAY,
            TODAY,
            "2026-11",
        )
        assert entry.source is Source.NGO
    assert "(источник ОО)" in result.message


def test_save_not_eligible_keeps_the_card_but_not_the_registry_and_says_why(
    db: Database,
) -> None:
    form = replace(FEDOROV, group=DisabilityGroup.GROUP_III)
    result = save_citizen(db, form, source=Source.WALK_IN, today=TODAY)
    assert result.created and result.entry_id is None
    assert not result.verdict.eligible
    assert "не внесен" in result.message
    assert "не входит в целевую категорию" in result.message
    assert "31-р, п. 2.1" in result.message
    assert _count(db, models.Citizen) == 1
    assert _count(db, models.RegistryEntry) == 0
    assert _actions(db) == ["citizen.create"]


def test_save_without_a_source_enters_no_registry(db: Database) -> None:
    result = save_citizen(db, FEDOROV, today=TODAY)
    assert (result.entry_id, result.message) == (None, "Карточка сохранена.")
    assert _count(db, models.RegistryEntry) == 0


def test_save_with_the_snils_of_another_person_writes_nothing(db: Database) -> None:
    first = save_citizen(db, FEDOROV, today=TODAY)
    other = save_citizen(
        db,
        CitizenForm(last_name="Смирнова", first_name="Ольга", birth_date="01.02.1990"),
        today=TODAY,
    )
    before = _counts(db)
    intruder = CitizenForm(last_name="Смирнова", first_name="Ольга", snils="11223344595")
    with pytest.raises(UserError, match="СНИЛС 112-233-445 95 уже есть в базе"):
        save_citizen(db, intruder, source=Source.WALK_IN, today=TODAY)
    # an existing person given someone else's СНИЛС is refused too, and left as was
    with pytest.raises(UserError, match="уже есть в базе"):
        save_citizen(db, replace(intruder, snils=SNILS), other.citizen_id, today=TODAY)
    assert _counts(db) == before
    card = load_card(db, other.citizen_id)
    assert card.form.snils == ""
    assert load_card(db, first.citizen_id).form.snils == SNILS


def test_save_the_same_person_with_their_own_snils_is_fine(db: Database) -> None:
    first = save_citizen(db, FEDOROV, today=TODAY)
    again = save_citizen(db, replace(FEDOROV, snils="11223344595"), first.citizen_id, today=TODAY)
    assert (again.citizen_id, again.created) == (first.citizen_id, False)


def test_save_an_invalid_form_raises_and_writes_nothing(db: Database) -> None:
    before = _counts(db)
    bad = replace(FEDOROV, last_name="", postcode="12", email="x")
    with pytest.raises(ValidationError) as caught:
        save_citizen(db, bad, source=Source.WALK_IN, today=TODAY)
    message = str(caught.value)
    assert "Фамилия не указана" in message and "Почтовый индекс" in message
    assert "Электронная почта" in message
    assert _counts(db) == before


def test_save_unknown_citizen_id_is_not_found(db: Database) -> None:
    before = _counts(db)
    with pytest.raises(NotFoundError):
        save_citizen(db, FEDOROV, 12345, today=TODAY)
    assert _counts(db) == before


def test_update_changes_fields_representative_and_measures(db: Database) -> None:
    created = save_citizen(db, FEDOROV, today=TODAY)
    cid = created.citizen_id

    changed = replace(
        FEDOROV,
        last_name="Федотов",
        phone="8 (922) 000-11-22",
        district="Тобольск",
        email="",
        group=DisabilityGroup.GROUP_II,
        movement_degree=3,
        measures=(MeasureKind.SPORT, MeasureKind.MEDICAL, MeasureKind.DEVICES_FEDERAL),
        **REP,
    )
    result = save_citizen(db, changed, cid, today=TODAY)
    assert (result.citizen_id, result.created, result.entry_id) == (cid, False, None)
    with db.session_factory() as s:
        citizen = s.get(models.Citizen, cid)
        assert citizen is not None
        assert citizen.last_name == "Федотов"
        assert citizen.search_name == "федотов артем ильич"
        assert citizen.phone == "+79220001122"
        assert citizen.district == "г. Тобольск"
        assert citizen.email is None
        assert [(r.kind, r.last_name, r.phone) for r in citizen.representatives] == [
            (RepresentativeKind.GUARDIAN, "Фёдорова", "+73452123456")
        ]
        assert len(citizen.assessments) == 1
        assert citizen.assessments[0].disability_group is DisabilityGroup.GROUP_II
        assert citizen.assessments[0].movement_degree == 3
        assert len(citizen.programmes) == 1
        assert [m.kind for m in citizen.programmes[0].measures] == list(changed.measures)
    assert _count(db, models.RehabMeasure) == 3  # the old two are gone
    assert _count(db, models.Representative) == 1

    # the representative removed, the measures cut down
    fewer = replace(changed, measures=(MeasureKind.MEDICAL,), **NO_REP)
    save_citizen(db, fewer, cid, today=TODAY)
    assert _count(db, models.Representative) == 0
    assert _count(db, models.RehabMeasure) == 1
    assert load_card(db, cid).form == replace(fewer, phone="+79220001122", district="г. Тобольск")
    assert _count(db, models.Citizen) == 1
    actions = _actions(db)
    assert [a for a in actions if a.startswith("citizen.")] == [
        "citizen.create",
        "citizen.update",
        "citizen.update",
    ]
    # Issue #10: each write also records what changed, field by field (old -> new).
    with db.session_factory() as s:
        details = [
            json.loads(d)
            for d in s.scalars(
                select(models.AuditEvent.details).where(
                    models.AuditEvent.action == "record.update",
                    models.AuditEvent.entity == "citizen",
                )
            )
        ]
    changes = {(c["field"], c["old"], c["new"]) for d in details for c in d["changes"]}
    assert any(f == "last_name" and n == "Федотов" for f, _, n in changes)
    assert any(f == "phone" and n == "+79220001122" for f, _, n in changes)


# --- loading --------------------------------------------------------------------------


@pytest.mark.parametrize("with_rep", [False, True])
def test_load_card_round_trips_the_form(db: Database, with_rep: bool) -> None:
    form = replace(FEDOROV, **REP) if with_rep else FEDOROV
    cid = save_citizen(db, form, today=TODAY).citizen_id
    card = load_card(db, cid)
    assert card.citizen_id == cid
    assert card.form == form
    # and saving the loaded form again changes nothing
    save_citizen(db, card.form, cid, today=TODAY)
    assert load_card(db, cid).form == form


def test_load_card_shows_values_as_stored(db: Database) -> None:
    typed = replace(
        FEDOROV,
        last_name="  Фёдоров ",
        snils="11223344595",
        phone="8 (912) 345-67-89",
        birth_date="1985-03-14",
        established_on="2.11.2026",
        district="тюмень",
        postcode=" 625000 ",
    )
    cid = save_citizen(db, typed, today=TODAY).citizen_id
    form = load_card(db, cid).form
    assert form.last_name == "Фёдоров"
    assert form.snils == "112-233-445 95"
    assert form.phone == "+79123456789"
    assert form.birth_date == "14.03.1985"
    assert form.established_on == "02.11.2026"
    assert form.district == "г. Тюмень"
    assert form.postcode == "625000"
    assert form == FEDOROV


def test_unknown_eligibility_facts_are_stored_as_unknown_and_named_never_saved_as_no(
    db: Database,
) -> None:
    # 31-р 2.1 facts the consultant has not entered are stored as unknown (never as "not
    # first time" / "degree 0", a guess) and the save names each one that keeps the person
    # out of the registry, as the import does with an empty cell (issue #13).
    form = replace(
        FEDOROV,
        first_time=None,
        selfcare_degree=None,
        movement_degree=None,
        behaviour_degree=None,
    )
    assert validate(form, TODAY) == ()
    assert set(verdict(form).missing) >= {"признак «впервые»"}
    saved = save_citizen(db, form, source=Source.WALK_IN, today=TODAY)
    assert saved.entry_id is None
    assert "признак «впервые»" in saved.message
    assert "степень ограничения способности к самообслуживанию" in saved.message
    stored = load_card(db, saved.citizen_id).form
    assert (stored.first_time, stored.selfcare_degree, stored.movement_degree) == (
        None,
        None,
        None,
    )
    # A child needs no degrees (31-р 2.1: the category alone), only the first-time flag.
    child = replace(form, group=DisabilityGroup.CHILD, first_time=True)
    assert verdict(child).eligible


def test_load_card_history_lists_the_registry_entry(db: Database) -> None:
    saved = save_citizen(
        db, FEDOROV, source=Source.WALK_IN, identified_on=date(2026, 11, 20), today=TODAY
    )
    assert saved.entry_id is not None
    history = load_card(db, saved.citizen_id).history
    assert history.entries == (
        HistoryItem("20.11.2026", "Реестр за ноябрь 2026: ЛП, инвалид I группы"),
    )
    assert history.calls == history.routes == history.plans == history.dispatches == ()
    assert citizen_of_entry(db, saved.entry_id) == saved.citizen_id


def test_load_card_and_citizen_of_entry_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        load_card(db, 1)
    with pytest.raises(NotFoundError):
        citizen_of_entry(db, 1)


# --- duplicates -----------------------------------------------------------------------


def test_find_duplicates(db: Database) -> None:
    fedorov = save_citizen(db, FEDOROV, today=TODAY).citizen_id
    smirnova = save_citizen(
        db,
        CitizenForm(last_name="Смирнова", first_name="Ольга", birth_date="14.03.1985"),
        today=TODAY,
    ).citizen_id

    def check(**changes: Any) -> tuple[int | None, set[int]]:
        exclude = changes.pop("exclude_id", None)
        form = replace(FEDOROV, **changes)
        found = find_duplicates(db, form, exclude_id=exclude)
        same = found.same_snils.citizen_id if found.same_snils else None
        return same, {p.citizen_id for p in found.similar}

    # the same СНИЛС under another name and birth date, typed another way
    same = find_duplicates(
        db, CitizenForm(last_name="Петров", first_name="Пётр", snils="11223344595")
    )
    assert same.same_snils is not None and same.same_snils.citizen_id == fedorov
    assert same.same_snils.description == (
        "Фёдоров Артём Ильич, дата рождения 14.03.1985, СНИЛС 112-233-445 95"
    )
    assert same.similar == ()
    # the same person is not listed twice
    assert check() == (fedorov, set())
    # ё/е, one letter changed, any case: similar when born the same day
    assert check(snils="", last_name="Федоров", first_name="Артем") == (None, {fedorov})
    assert check(snils="", last_name="Федотов") == (None, {fedorov})
    assert check(snils="", last_name="ФЁДОРОВ", first_name="артём") == (None, {fedorov})
    assert check(snils=OTHER_SNILS, last_name="Федотов") == (None, {fedorov})
    # another birth date, another name, no birth date: not similar
    assert check(snils="", last_name="Федоров", birth_date="15.03.1985") == (None, set())
    assert check(snils="", last_name="Кузнецов", first_name="Павел") == (None, set())
    assert check(snils="", birth_date="") == (None, set())
    # the card being edited is not its own duplicate
    assert check(exclude_id=fedorov) == (None, set())
    assert check(snils="", last_name="Федоров", exclude_id=fedorov) == (None, set())
    # an invalid СНИЛС or date while typing is no error here
    assert check(snils="112-233", birth_date="31.02.1985") == (None, set())
    # someone else born the same day is found by their own name only
    assert check(snils="", last_name="Смирнова", first_name="Ольга", middle_name="") == (
        None,
        {smirnova},
    )


# --- the registry ---------------------------------------------------------------------


def test_add_to_registry_once_per_month(db: Database) -> None:
    cid = save_citizen(db, FEDOROV, today=TODAY).citizen_id
    first = add_to_registry(db, cid, Source.NGO, date(2026, 11, 5), today=TODAY)
    assert (first.citizen_id, first.created) == (cid, False)
    assert first.entry_id is not None
    assert "внесен в реестр за ноябрь 2026 (источник ОО)" in first.message
    again = add_to_registry(db, cid, Source.WALK_IN, date(2026, 11, 18), today=TODAY)
    assert again.entry_id is None
    assert "уже есть в реестре за ноябрь 2026" in again.message
    assert _count(db, models.RegistryEntry) == 1
    with db.session_factory() as s:
        entry = s.get(models.RegistryEntry, first.entry_id)
        assert entry is not None
        assert (entry.source, entry.identified_on, entry.entered_on) == (
            Source.NGO,
            date(2026, 11, 5),
            TODAY,
        )
    # another month is another entry
    december = add_to_registry(db, cid, Source.NGO, date(2026, 12, 1), today=date(2026, 12, 1))
    assert december.entry_id is not None
    assert _count(db, models.RegistryEntry) == 2
    assert citizen_of_entry(db, december.entry_id) == cid
    assert _actions(db) == ["citizen.create", "registry.add", "registry.add"]


def test_add_to_registry_not_eligible_or_unknown(db: Database) -> None:
    cid = save_citizen(db, replace(FEDOROV, stationary=True), today=TODAY).citizen_id
    result = add_to_registry(db, cid, Source.WALK_IN, TODAY, today=TODAY)
    assert result.entry_id is None and not result.verdict.eligible
    assert "не входит в целевую категорию" in result.message
    assert _count(db, models.RegistryEntry) == 0
    with pytest.raises(NotFoundError):
        add_to_registry(db, cid + 100, Source.WALK_IN, TODAY, today=TODAY)


def test_2_1_a_mental_disorder_with_the_behaviour_degree_unknown_is_kept_out_naming_it(
    db: Database,
) -> None:
    # A mental disorder with the behaviour-control degree unknown: 31-р 2.1 cannot be
    # decided (the exclusion needs degree III), and missing data never admits anyone. The
    # card saves what is known and says what is missing, as the import does (issue #13).
    form = replace(FEDOROV, mental_disorder=True, behaviour_degree=None)
    assert validate(form, TODAY) == ()
    assert verdict(form).missing and not verdict(form).eligible
    saved = save_citizen(db, form, source=Source.WALK_IN, today=TODAY)
    assert saved.entry_id is None and not saved.verdict.eligible
    assert "не хватает сведений" in saved.message
    assert "контролю за своим поведением" in saved.message
    assert _count(db, models.RegistryEntry) == 0
    card = load_card(db, saved.citizen_id)
    assert card.form.behaviour_degree is None  # stored as unknown, not as 0
    known = save_citizen(db, replace(form, behaviour_degree=3), saved.citizen_id, today=TODAY)
    assert not known.verdict.eligible  # now the 2.1 exclusion itself
    later = add_to_registry(db, saved.citizen_id, Source.WALK_IN, TODAY, today=TODAY)
    assert later.entry_id is None
    assert _count(db, models.RegistryEntry) == 0


def test_audit_events_name_the_records_and_the_author(empty_db: Database) -> None:
    db = empty_db  # its first audited actions are the test's
    saved = save_citizen(db, FEDOROV, source=Source.WALK_IN, today=TODAY)
    with db.session_factory() as s:
        events = s.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id)).all()
        citizen = s.get(models.Citizen, saved.citizen_id)
        entry = s.get(models.RegistryEntry, saved.entry_id)
        assert citizen is not None and entry is not None
        assert [(e.action, e.entity, e.entity_uuid) for e in events] == [
            ("citizen.create", "citizen", str(citizen.uuid)),
            ("registry.add", "registry_entry", str(entry.uuid)),
        ]
        assert json.loads(events[1].details or "{}") == {"source": "ЛП", "month": "2026-11"}
        users = {e.created_by_id for e in events} | {citizen.created_by_id, entry.created_by_id}
        assert len(users) == 1 and None not in users
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []


def test_cards_outside_the_registry_are_listed_with_what_they_lack(db: Database) -> None:
    """Issue #12: a walk-in without the facts of 31-р 2.1 is saved, not entered, and listed."""
    from app.domain.enums import Source
    from app.services.citizens import outside_registry

    result = save_citizen(
        db,
        CitizenForm(last_name="Ёлкина", first_name="Анна", snils="112-233-445 95"),
        source=Source.WALK_IN,
    )
    assert result.entry_id is None
    assert "в реестр не внесён: не хватает сведений" in result.message
    (row,) = [r for r in outside_registry(db) if r.citizen_id == result.citizen_id]
    assert row.name == "Ёлкина Анна" and row.missing and row.why.startswith("не хватает")
