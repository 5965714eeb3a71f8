"""The registry grid (app.services.registry_grid) over records built by hand on a real file.

Today is Monday 23 November 2026. Every due date below is worked out by hand
from 31-р and the production calendar: 4 November 2026 is a holiday, so the
7 working days of 4.1 from 3 Nov end on 13 Nov, from 11 Nov on 20 Nov, from
12 Nov on 23 Nov (today: not yet overdue) and from 13 Nov on 24 Nov. Routes
(3.4) are due on the 30th of the month after the reporting month, the last day
of February for January: 29.02.2024 (a leap year) and 28.02.2026.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain.deadlines import informing_due
from app.domain.enums import DeliveryMethod, DocumentStatus, RepresentativeKind, Source
from app.domain.enums import TargetCategory as Cat
from app.domain.names import search_key
from app.domain.periods import Month
from app.domain.workdays import WorkCalendar
from app.services import registry_grid
from app.services.calendar import load_calendar, set_override
from app.services.registry_grid import (
    COLUMN_KEYS,
    COLUMNS,
    MAX_BATCH,
    EntryStatus,
    GridFilter,
    GridRow,
    RegistryGridService,
)
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

TODAY = date(2026, 11, 23)
S = EntryStatus
DB, LP, OO = Source.EXTRACT, Source.WALK_IN, Source.NGO
TYUMEN, TOBOLSK, ABATSKY = "г. Тюмень", "г. Тобольск", "Абатский муниципальный округ"


# --- the records ----------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One registry entry to build, with its expected status and next due date by hand."""

    key: str
    name: str
    identified_on: date
    source: Source
    category: Cat
    status: EntryStatus
    next_due: date | None
    entered_on: date | None = None  # the identified day unless given
    district: str | None = None
    snils: str | None = None
    phone: str | None = None
    rep_phone: str | None = None
    routes: tuple[DocumentStatus, ...] = ()
    fields: dict[str, object] = field(default_factory=dict)


def _informed(on: date, **more: object) -> dict[str, object]:
    return {"informed_on": on, **more}


# fmt: off
SPECS: tuple[Spec, ...] = (
    Spec(
        "elkina", "Ёлкина Мария Ивановна", date(2026, 11, 11), DB, Cat.GROUP_I,
        S.INFORMING_OVERDUE, date(2026, 11, 20),
        district=TYUMEN, snils="11223344595", phone="+79123456789",
    ),
    Spec(
        "semenov", "Семенов Артем Олегович", date(2026, 11, 12), LP, Cat.GROUP_II,
        S.NOT_INFORMED, date(2026, 11, 23),  # due today: not overdue yet
        district=TOBOLSK, snils="12345678964", phone="+79220001122",
    ),
    Spec(
        "morozova", "Морозова Вера Львовна", date(2026, 11, 3), DB, Cat.GROUP_I,
        S.INFORMING_OVERDUE, date(2026, 11, 13),  # 4 Nov is a holiday
        district=TYUMEN,
    ),
    Spec(
        # identified in October, entered on 13 Nov: the 7 days run from entry
        "nikitin", "Никитин Глеб Романович", date(2026, 10, 28), DB, Cat.GROUP_II,
        S.NOT_INFORMED, date(2026, 11, 24), entered_on=date(2026, 11, 13),
    ),
    Spec(
        "ivanov", "Иванов Иван Петрович", date(2026, 10, 5), OO, Cat.CHILD,
        S.ROUTE_TO_DRAW, date(2026, 11, 30), entered_on=date(2026, 10, 15),
        district=TYUMEN, rep_phone="+73452123456",
        fields=_informed(date(2026, 10, 20)),  # route need not yet known
    ),
    Spec(
        "petrova", "Петрова Анна Сергеевна", date(2026, 9, 10), DB, Cat.GROUP_II,
        S.ROUTE_TO_DRAW, date(2026, 10, 30),
        district=ABATSKY, phone="+79128967345", routes=(DocumentStatus.DRAFT,),
        fields=_informed(date(2026, 9, 20), route_needed=True),
    ),
    Spec(
        "sidorov", "Сидоров Олег Ильич", date(2026, 10, 20), DB, Cat.GROUP_I,
        S.ROUTE_UNSENT, date(2026, 11, 30),
        district=TOBOLSK, snils="55566677750", phone="+79045550101",
        routes=(DocumentStatus.SUPERSEDED, DocumentStatus.ISSUED),
        fields=_informed(date(2026, 10, 28), route_needed=True),
    ),
    Spec(
        "kuznetsova", "Кузнецова Ольга Павловна", date(2026, 10, 2), LP, Cat.CHILD,
        S.PLAN_OPEN, None,
        district=TOBOLSK,
        fields=_informed(
            date(2026, 10, 10), route_needed=False, plan_needed=True,
            plan_formed_on=date(2026, 10, 15), plan_sent_method=DeliveryMethod.EMAIL,
        ),
    ),
    Spec(
        "fedorov", "Фёдоров Артём Ильич", date(2026, 9, 3), OO, Cat.FAMILY_MEMBER,
        S.DONE, None,
        district=ABATSKY, snils="98765432183", routes=(DocumentStatus.ISSUED,),
        fields=_informed(
            date(2026, 9, 10), number=3, disability_established_on=date(2026, 8, 20),
            route_needed=True, route_sent_on=date(2026, 10, 1),
            route_sent_method=DeliveryMethod.POST, plan_needed=True,
            plan_formed_on=date(2026, 9, 15), plan_sent_method=DeliveryMethod.IN_PERSON,
            plan_completed_on=date(2026, 11, 10),
        ),
    ),
    Spec(
        "zakharova", "Захарова Елена Юрьевна", date(2026, 1, 14), DB, Cat.GROUP_I,
        S.ROUTE_TO_DRAW, date(2026, 2, 28),
        fields=_informed(date(2026, 1, 22), number=1),
    ),
    Spec(
        # the route issued for December's entry does not count for January's
        "zakharova_dec", "Захарова Елена Юрьевна", date(2025, 12, 10), DB, Cat.GROUP_I,
        S.DONE, None, routes=(DocumentStatus.ISSUED,),
        fields=_informed(
            date(2025, 12, 15), route_needed=True, route_sent_on=date(2026, 1, 15),
            plan_needed=False,
        ),
    ),
    Spec(
        "smirnova", "Смирнова Ольга Николаевна", date(2024, 1, 20), LP, Cat.GROUP_II,
        S.ROUTE_TO_DRAW, date(2024, 2, 29),
        fields=_informed(date(2024, 1, 25), number=2, route_needed=True),
    ),
    Spec(
        "orlov", "Орлов Павел Игоревич", date(2026, 10, 7), DB, Cat.GROUP_I,
        S.DONE, None,
        fields=_informed(date(2026, 10, 9), route_needed=False, plan_needed=False),
    ),
    Spec(
        "belova", "Белова Нина Андреевна", date(2026, 8, 5), OO, Cat.GROUP_II,
        S.DONE, None,
        district=TYUMEN, routes=(DocumentStatus.ISSUED,),
        fields=_informed(
            date(2026, 8, 10), route_needed=True, route_sent_on=date(2026, 9, 1),
            route_sent_method=DeliveryMethod.EMAIL,
        ),
    ),
    Spec(
        "elkina_june", "Ёлкина Мария Ивановна", date(2026, 6, 16), DB, Cat.GROUP_I,
        S.PLAN_OPEN, None,
        district=TYUMEN,  # the same person as "elkina"
        fields=_informed(
            date(2026, 6, 18), route_needed=True, route_sent_on=date(2026, 7, 20),
            plan_needed=True,
        ),
    ),
)
# fmt: on
BY_KEY = {spec.key: spec for spec in SPECS}


def _citizen(s: Session, spec: Spec) -> models.Citizen:
    last, first, middle = spec.name.split()
    citizen = models.Citizen(
        last_name=last,
        first_name=first,
        middle_name=middle,
        search_name=search_key(spec.name),  # as the importer and the card keep it
        birth_date=date(1970, 1, 1) + timedelta(days=len(spec.key) * 1000),
        snils=spec.snils,
        phone=spec.phone,
        district=spec.district,
    )
    if spec.rep_phone:
        citizen.representatives.append(
            models.Representative(
                kind=RepresentativeKind.PARENT,
                last_name="Иванова",
                first_name="Ольга",
                phone=spec.rep_phone,
            )
        )
    s.add(citizen)
    return citizen


def _build(s: Session, specs: tuple[Spec, ...]) -> dict[str, int]:
    citizens: dict[str, models.Citizen] = {}
    ids: dict[str, int] = {}
    for spec in specs:
        citizen = citizens.get(spec.name) or _citizen(s, spec)
        citizens[spec.name] = citizen
        entry = models.RegistryEntry(
            citizen=citizen,
            reporting_month=str(Month.of(spec.identified_on)),
            identified_on=spec.identified_on,
            source=spec.source,
            category=spec.category,
            entered_on=spec.entered_on or spec.identified_on,
            **spec.fields,
        )
        s.add(entry)
        s.flush()
        for version, status in enumerate(spec.routes, start=1):
            s.add(
                models.Route(
                    citizen_id=citizen.id, entry_id=entry.id, version=version, status=status
                )
            )
        ids[spec.key] = entry.id
    s.flush()
    return ids


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.session_factory.begin() as s:
        return _build(s, SPECS)


@pytest.fixture
def grid(db: Database, ids: dict[str, int]) -> RegistryGridService:
    return RegistryGridService(db, TODAY)


def _keys(ids: dict[str, int], found: list[int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[i] for i in found]


def _search(
    grid: RegistryGridService, ids: dict[str, int], text: str = "", **flt: Any
) -> list[str]:
    return _keys(ids, grid.search(GridFilter(text=text, **flt)))


def _value(row: GridRow, key: str) -> str:
    return row.values[COLUMN_KEYS.index(key)]


# --- search as you type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [s.key for s in sorted(SPECS, key=lambda s: s.identified_on)]),
        ("ёлкина", ["elkina_june", "elkina"]),
        ("елкина", ["elkina_june", "elkina"]),
        ("ЁЛКИНА", ["elkina_june", "elkina"]),
        ("  Ёлк  ", ["elkina_june", "elkina"]),
        ("семенов", ["semenov"]),
        ("Семёнов", ["semenov"]),  # stored with "е", typed with "ё"
        ("етрович", ["ivanov"]),  # a substring anywhere in the name
        ("ильич", ["fedorov", "sidorov"]),
        ("ильич олег", ["sidorov"]),
        ("артём фёдоров", ["fedorov"]),
        ("Федоров Артем", ["fedorov"]),
        ("артем", ["fedorov", "semenov"]),
        ("ольга", ["smirnova", "kuznetsova"]),
        ("ольга ПАВЛОВНА кузнецова", ["kuznetsova"]),
        ("Зайцев", []),
        ("ольга семенов", []),
    ],
)
def test_search_by_name_words_any_order_any_case_yo_as_e(
    grid: RegistryGridService, ids: dict[str, int], text: str, expected: list[str]
) -> None:
    assert _search(grid, ids, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("112-233-445 95", ["elkina_june", "elkina"]),
        ("112 233 445 95", ["elkina_june", "elkina"]),
        ("11223344595", ["elkina_june", "elkina"]),
        ("22334", ["elkina_june", "elkina"]),  # partial digits
        ("987-654", ["fedorov"]),
        ("555-666-777 50", ["sidorov"]),
        ("123-456-789 64", ["semenov"]),
        ("999-999-999 99", []),
    ],
)
def test_search_by_snils_typed_any_way(
    grid: RegistryGridService, ids: dict[str, int], text: str, expected: list[str]
) -> None:
    assert _search(grid, ids, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("89123456789", ["elkina_june", "elkina"]),
        ("8-912-345-67-89", ["elkina_june", "elkina"]),
        ("8 (912) 345-67-89", ["elkina_june", "elkina"]),
        ("+7 (912) 345-67-89", ["elkina_june", "elkina"]),
        ("+79123456789", ["elkina_june", "elkina"]),
        ("912345", ["elkina_june", "elkina"]),  # partial digits
        ("8912345", ["elkina_june", "elkina"]),
        ("9220001122", ["semenov"]),
        ("8 922 000", ["semenov"]),
        ("5550101", ["sidorov"]),
        # the representative's phone
        ("83452123456", ["ivanov"]),
        ("+7 (3452) 12-34-56", ["ivanov"]),
        ("3452 12-34-56", ["ivanov"]),
        ("8 999 000-00-00", []),
    ],
)
def test_search_by_phone_typed_any_way_and_by_representative_phone(
    grid: RegistryGridService, ids: dict[str, int], text: str, expected: list[str]
) -> None:
    assert _search(grid, ids, text) == expected


def test_search_a_phone_typed_in_groups_is_one_number_not_several(
    grid: RegistryGridService, ids: dict[str, int]
) -> None:
    # Петрова's +7 912 896-73-45 holds "8", "912", "345", "67" and "89" as pieces,
    # but it is not the number the consultant typed.
    assert _search(grid, ids, "8 912 345 67 89") == ["elkina_june", "elkina"]
    assert _search(grid, ids, "+7 912 345 67 89") == ["elkina_june", "elkina"]


@pytest.mark.parametrize(
    "text", ["%%", "__", "%ова", "ив_нов", "ив%", "\\\\", "//", "ив/", "/%", "[а-я]", "ольга %%"]
)
def test_search_like_wildcards_are_literal(
    grid: RegistryGridService, ids: dict[str, int], text: str
) -> None:
    assert _search(grid, ids, text) == []


def test_search_ignores_one_letter_words(grid: RegistryGridService, ids: dict[str, int]) -> None:
    everything = _search(grid, ids)
    assert len(everything) == len(SPECS)
    # one letter (or one wildcard) would match nearly everyone: it waits for the next key
    for text in ("и", "Ё", "%", "_", "7", "/"):
        assert _search(grid, ids, text) == everything, text
    assert _search(grid, ids, "о ольга") == ["smirnova", "kuznetsova"]


def test_search_with_wildcards_finds_a_name_that_really_has_them(db: Database) -> None:
    spec = Spec("odd", "Тест_100% Анна Ивановна", date(2026, 11, 2), DB, Cat.GROUP_I, S.DONE, None)
    plain = Spec(
        "plain", "Тестх1000 Анна Ивановна", date(2026, 11, 2), DB, Cat.GROUP_I, S.DONE, None
    )
    with db.session_factory.begin() as s:
        ids = _build(s, (spec, plain))
    grid = RegistryGridService(db, TODAY)
    assert _search(grid, ids, "тест_") == ["odd"]
    assert _search(grid, ids, "100%") == ["odd"]
    assert _search(grid, ids, "тест") == ["odd", "plain"]


# --- filters --------------------------------------------------------------------------


def _expected(**flt: object) -> set[str]:
    def keep(spec: Spec) -> bool:
        return (
            flt.get("month") in (None, str(Month.of(spec.identified_on)))
            and flt.get("source") in (None, spec.source)
            and flt.get("district") in (None, spec.district)
            and flt.get("category") in (None, spec.category)
            and flt.get("status") in (None, spec.status)
        )

    return {spec.key for spec in SPECS if keep(spec)}


def test_each_filter_alone(grid: RegistryGridService, ids: dict[str, int]) -> None:
    assert set(_search(grid, ids, month="2026-11")) == {"elkina", "semenov", "morozova"}
    assert set(_search(grid, ids, month="2026-10")) == {
        "nikitin",
        "ivanov",
        "sidorov",
        "kuznetsova",
        "orlov",
    }
    assert set(_search(grid, ids, source=LP)) == {"semenov", "kuznetsova", "smirnova"}
    assert set(_search(grid, ids, source=OO)) == {"ivanov", "fedorov", "belova"}
    assert set(_search(grid, ids, district=TOBOLSK)) == {"semenov", "sidorov", "kuznetsova"}
    assert set(_search(grid, ids, category=Cat.CHILD)) == {"ivanov", "kuznetsova"}
    assert set(_search(grid, ids, category=Cat.FAMILY_MEMBER)) == {"fedorov"}
    assert set(_search(grid, ids, status=S.ROUTE_TO_DRAW)) == {
        "ivanov",
        "petrova",
        "zakharova",
        "smirnova",
    }
    # the same, checked against the table for every value of every filter
    months = {str(Month.of(s.identified_on)) for s in SPECS}
    districts = {s.district for s in SPECS if s.district}
    for name, values in (
        ("month", months),
        ("source", set(Source)),
        ("district", districts),
        ("category", set(Cat)),
        ("status", set(EntryStatus)),
    ):
        for value in values:
            assert set(_search(grid, ids, **{name: value})) == _expected(**{name: value}), (
                name,
                value,
            )


def test_filters_combined_and_with_text(grid: RegistryGridService, ids: dict[str, int]) -> None:
    assert _search(grid, ids, month="2026-10", source=DB) == ["orlov", "sidorov", "nikitin"]
    assert _search(grid, ids, month="2026-10", source=DB, status=S.ROUTE_UNSENT) == ["sidorov"]
    assert _search(grid, ids, district=TYUMEN, category=Cat.CHILD) == ["ivanov"]
    assert _search(grid, ids, district=TYUMEN, status=S.INFORMING_OVERDUE) == [
        "morozova",
        "elkina",
    ]
    assert _search(grid, ids, "ольга", month="2026-10") == ["kuznetsova"]
    assert _search(grid, ids, "елкина", status=S.PLAN_OPEN) == ["elkina_june"]
    assert _search(grid, ids, "112 233 445 95", month="2026-11") == ["elkina"]
    assert _search(grid, ids, month="2026-11", status=S.DONE) == []
    assert _search(grid, ids, month="2026-11", source=OO, district=TYUMEN) == []
    everything = {
        "month": "2025-12",
        "source": DB,
        "category": Cat.GROUP_I,
        "status": S.DONE,
        "text": "захарова",
    }
    assert _search(grid, ids, **everything) == ["zakharova_dec"]


# --- status and next due --------------------------------------------------------------


def test_status_of_every_kind_and_the_filter_agree_with_the_row(
    grid: RegistryGridService, ids: dict[str, int]
) -> None:
    rows = grid.rows(list(ids.values()))
    assert {k: rows[i].status for k, i in ids.items()} == {s.key: s.status for s in SPECS}
    assert {s.status for s in SPECS} == set(EntryStatus)  # every kind is here
    for status in EntryStatus:
        found = grid.search(GridFilter(status=status))
        assert set(found) == {i for i, row in rows.items() if row.status is status}
        assert _value(rows[found[0]], "status") == status.label


def test_informing_cutoff_is_the_seventh_working_day_before_today(db: Database) -> None:
    # 11 Nov: due 20 Nov (overdue); 12 Nov: due 23 Nov = today (not yet overdue)
    days = [date(2026, 11, d) for d in (2, 3, 5, 10, 11, 12, 13, 14, 16, 20, 23)]
    specs = tuple(
        Spec(f"p{d.day}", f"Иванов{d.day:02d} Иван Иванович", d, DB, Cat.GROUP_I, S.DONE, None)
        for d in days
    )
    with db.session_factory.begin() as s:
        ids = _build(s, specs)
    rows = RegistryGridService(db, TODAY).rows(list(ids.values()))
    statuses = {k: rows[i].status for k, i in ids.items()}
    overdue = {"p2", "p3", "p5", "p10", "p11"}
    assert {k for k, st_ in statuses.items() if st_ is S.INFORMING_OVERDUE} == overdue
    assert {k for k, st_ in statuses.items() if st_ is S.NOT_INFORMED} == {
        "p12",
        "p13",
        "p14",
        "p16",
        "p20",
        "p23",
    }
    due = {k: rows[i].next_due for k, i in ids.items()}
    assert due["p3"] == date(2026, 11, 13)
    assert due["p11"] == date(2026, 11, 20)
    assert due["p12"] == date(2026, 11, 23)
    assert due["p13"] == due["p14"] == date(2026, 11, 24)
    assert {k for k, i in ids.items() if rows[i].overdue} == overdue


def test_calendar_override_moves_the_informing_cutoff_after_reload(
    db: Database, ids: dict[str, int]
) -> None:
    grid = RegistryGridService(db, TODAY)
    assert grid.rows([ids["elkina"]])[ids["elkina"]].status is S.INFORMING_OVERDUE
    set_override(db, date(2026, 11, 20), False, "региональный выходной")
    grid.reload_calendar()
    row = grid.rows([ids["elkina"]])[ids["elkina"]]
    assert (row.status, row.next_due, row.overdue) == (S.NOT_INFORMED, TODAY, False)
    assert ids["elkina"] not in grid.search(GridFilter(status=S.INFORMING_OVERDUE))
    assert ids["elkina"] in grid.search(GridFilter(status=S.NOT_INFORMED))


def test_next_due_and_overdue_by_hand(grid: RegistryGridService, ids: dict[str, int]) -> None:
    rows = grid.rows(list(ids.values()))
    for spec in SPECS:
        row = rows[ids[spec.key]]
        assert row.next_due == spec.next_due, spec.key
        assert row.overdue is (spec.next_due is not None and spec.next_due < TODAY), spec.key
        shown = "" if spec.next_due is None else spec.next_due.strftime("%d.%m.%Y")
        assert _value(row, "next_due") == shown
    assert _value(rows[ids["smirnova"]], "next_due") == "29.02.2024"
    assert _value(rows[ids["zakharova"]], "next_due") == "28.02.2026"
    assert _value(rows[ids["ivanov"]], "next_due") == "30.11.2026"
    assert _value(rows[ids["morozova"]], "next_due") == "13.11.2026"
    overdue = {k for k, i in ids.items() if rows[i].overdue}
    assert overdue == {"elkina", "morozova", "petrova", "zakharova", "smirnova"}


# --- sorting --------------------------------------------------------------------------


def test_sort_by_every_column_both_ways_same_set_nulls_last(
    grid: RegistryGridService, ids: dict[str, int]
) -> None:
    rows = grid.rows(list(ids.values()))
    everything = set(ids.values())
    for key in COLUMN_KEYS:
        for descending in (False, True):
            found = grid.search(GridFilter(), key, descending)
            assert len(found) == len(everything) and set(found) == everything, key
            shown = [_value(rows[i], key) for i in found]
            blanks = [v == "" for v in shown]
            # every empty (NULL) value after every filled one
            assert blanks == sorted(blanks), (key, descending, shown)
        asc = grid.search(GridFilter(), key)
        desc = grid.search(GridFilter(), key, True)
        filled = [i for i in asc if _value(rows[i], key) != ""]
        # the filled part reverses exactly (ties by id both ways); NULLs by id, last
        assert desc[: len(filled)] == filled[::-1], key
        assert desc[len(filled) :] == asc[len(filled) :][::-1], key


def test_sort_order_by_name_identified_on_next_due_and_status(
    grid: RegistryGridService, ids: dict[str, int]
) -> None:
    def order(key: str, descending: bool = False) -> list[str]:
        return _keys(ids, grid.search(GridFilter(), key, descending))

    # ё sorts as е: Ёлкина between Белова and Захарова; ties (one person, two months) by id
    by_name = [
        "belova",
        "elkina",
        "elkina_june",
        "zakharova",
        "zakharova_dec",
        "ivanov",
        "kuznetsova",
        "morozova",
        "nikitin",
        "orlov",
        "petrova",
        "semenov",
        "sidorov",
        "smirnova",
        "fedorov",
    ]
    assert order("name") == by_name
    assert order("name", True) == by_name[::-1]

    by_identified = [
        "smirnova",
        "zakharova_dec",
        "zakharova",
        "elkina_june",
        "belova",
        "fedorov",
        "petrova",
        "kuznetsova",
        "ivanov",
        "orlov",
        "sidorov",
        "nikitin",
        "morozova",
        "elkina",
        "semenov",
    ]
    assert order("identified_on") == by_identified
    assert order("identified_on", True) == by_identified[::-1]

    by_due = [
        "smirnova",  # 29.02.2024
        "zakharova",  # 28.02.2026
        "petrova",  # 30.10.2026
        "morozova",  # 13.11.2026
        "elkina",  # 20.11.2026
        "semenov",  # 23.11.2026
        "nikitin",  # 24.11.2026
        "ivanov",  # 30.11.2026, then by id
        "sidorov",
    ]
    no_due = ["kuznetsova", "fedorov", "zakharova_dec", "orlov", "belova", "elkina_june"]
    assert order("next_due") == by_due + no_due
    assert order("next_due", True) == by_due[::-1] + no_due[::-1]

    by_status = order("status")
    groups = [BY_KEY[k].status for k in by_status]
    # one block per status, blocks in the same order both ways, ids ascending inside
    blocks = list(dict.fromkeys(groups))
    assert len(blocks) == len(EntryStatus)
    assert groups == sorted(groups, key=blocks.index)
    for status in blocks:
        inside = [ids[k] for k in by_status if BY_KEY[k].status is status]
        assert inside == sorted(inside)
    assert order("status", True) == by_status[::-1]


def test_sort_by_unknown_column_is_an_error(grid: RegistryGridService) -> None:
    with pytest.raises(ValueError, match="unknown column"):
        grid.search(GridFilter(), "surname")
    with pytest.raises(ValueError):
        grid.search(GridFilter(), "id; DROP TABLE citizen")


# --- row values -----------------------------------------------------------------------


def test_row_values_in_column_order(grid: RegistryGridService, ids: dict[str, int]) -> None:
    rows = grid.rows([ids["fedorov"], ids["elkina"], ids["orlov"], ids["ivanov"]])
    fedorov = rows[ids["fedorov"]]
    assert len(fedorov.values) == len(COLUMNS) == len(COLUMN_KEYS)
    birth = (date(1970, 1, 1) + timedelta(days=len("fedorov") * 1000)).strftime("%d.%m.%Y")
    assert dict(zip(COLUMN_KEYS, fedorov.values, strict=True)) == {
        "number": "3",
        "identified_on": "03.09.2026",
        "source": "ОО",
        "name": "Фёдоров Артём Ильич",
        "disability_on": "20.08.2026",
        "category": "член семьи инвалида",
        "informed_on": "10.09.2026",
        "route_needed": "имеется",
        "route_sent_on": "01.10.2026",
        "route_method": "почтовое отправление",
        "plan_needed": "имеется",
        "plan_formed_on": "15.09.2026",
        "plan_method": "лично",
        "plan_completed_on": "10.11.2026",
        "status": "работа завершена",
        "next_due": "",
        "month": "2026-09",
        "snils": "987-654-321 83",
        "birth_date": birth,
        "phone": "",
        "district": ABATSKY,
    }
    assert (fedorov.entry_id, fedorov.status, fedorov.next_due, fedorov.overdue) == (
        ids["fedorov"],
        S.DONE,
        None,
        False,
    )
    elkina = rows[ids["elkina"]]
    assert _value(elkina, "source") == "БД"
    assert _value(elkina, "snils") == "112-233-445 95"
    assert _value(elkina, "phone") == "+79123456789"
    assert _value(elkina, "name") == "Ёлкина Мария Ивановна"
    assert _value(elkina, "status") == "информирование просрочено"
    assert _value(elkina, "informed_on") == _value(elkina, "route_needed") == ""
    assert _value(elkina, "number") == ""
    orlov = rows[ids["orlov"]]
    assert _value(orlov, "route_needed") == _value(orlov, "plan_needed") == "отсутствует"
    assert _value(orlov, "district") == ""
    assert _value(rows[ids["ivanov"]], "source") == "ОО"
    assert _value(rows[ids["ivanov"]], "category") == "ребенок-инвалид"
    # the same citizen behind two entries
    june = grid.rows([ids["elkina_june"]])[ids["elkina_june"]]
    assert june.citizen_id == elkina.citizen_id
    assert _value(grid.rows([ids["semenov"]])[ids["semenov"]], "source") == "ЛП"


def test_rows_missing_ids_are_absent(grid: RegistryGridService, ids: dict[str, int]) -> None:
    missing = max(ids.values()) + 1000
    rows = grid.rows([missing, ids["orlov"], -1])
    assert set(rows) == {ids["orlov"]}
    assert grid.rows([]) == {}
    assert grid.rows([missing]) == {}


def test_rows_in_batches_larger_than_the_sqlite_parameter_limit(db: Database) -> None:
    count = 2 * MAX_BATCH + 200
    with db.session_factory.begin() as s:
        citizens = [
            models.Citizen(
                last_name=f"Фамилия{n:04d}",
                first_name="Имя",
                search_name=search_key(f"Фамилия{n:04d} Имя"),
            )
            for n in range(count)
        ]
        s.add_all(citizens)
        s.add_all(
            models.RegistryEntry(
                citizen=c,
                reporting_month="2026-10",
                identified_on=date(2026, 10, 1 + n % 28),
                source=DB,
                category=Cat.GROUP_I,
                entered_on=date(2026, 10, 1 + n % 28),
                informed_on=date(2026, 11, 2) if n % 2 else None,
            )
            for n, c in enumerate(citizens)
        )
    grid = RegistryGridService(db, TODAY)
    assert grid.total() == count
    found = grid.search(GridFilter(), "name")
    assert len(found) == count
    rows = grid.rows(found + [10**9])
    assert set(rows) == set(found)
    assert [_value(rows[i], "name") for i in found] == [f"Фамилия{n:04d} Имя" for n in range(count)]
    assert {rows[i].status for i in found} == {S.INFORMING_OVERDUE, S.ROUTE_TO_DRAW}
    assert len(grid.search(GridFilter(status=S.ROUTE_TO_DRAW), "next_due", True)) == count // 2


# --- choices and total ----------------------------------------------------------------


def test_choices_and_total(grid: RegistryGridService, ids: dict[str, int]) -> None:
    choices = grid.choices()
    assert choices.months == (
        "2026-11",
        "2026-10",
        "2026-09",
        "2026-08",
        "2026-06",
        "2026-01",
        "2025-12",
        "2024-01",
    )
    # no empty district, each once
    assert choices.districts == (ABATSKY, TOBOLSK, TYUMEN)
    assert grid.total() == len(SPECS) == len(ids)


def test_has_at_least_counts_no_further_than_asked(
    grid: RegistryGridService, ids: dict[str, int]
) -> None:
    assert grid.has_at_least(0) and grid.has_at_least(1)
    assert grid.has_at_least(len(ids))
    assert not grid.has_at_least(len(ids) + 1)


# --- the first rows of a big registry (issue #15) --------------------------------------

FIRST_ROWS_QUERIES: tuple[GridFilter, ...] = (
    GridFilter(),
    GridFilter(text="ольга"),  # two people, three entries
    GridFilter(text="ов"),  # a short, common word
    GridFilter(text="ёлкина"),
    GridFilter(text="ильич олег"),
    GridFilter(text="зайцев"),  # nobody
    GridFilter(text="112 233"),  # digits: СНИЛС and phones
    GridFilter(text="ов", month="2026-11"),
    GridFilter(text="ов", district=TYUMEN),
    GridFilter(text="ов", status=S.NOT_INFORMED),
    GridFilter(source=LP),
)


@pytest.mark.parametrize("walk", [1, 3, 1000])
@pytest.mark.parametrize("count", [1, 2, 5, 100])
@pytest.mark.parametrize(
    ("sort_key", "descending"),
    [("identified_on", True), ("identified_on", False), ("name", False)],
)
def test_first_rows_are_the_start_of_the_whole_list(
    grid: RegistryGridService,
    ids: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    walk: int,
    count: int,
    sort_key: str,
    descending: bool,
) -> None:
    """Whatever path ``first_rows`` takes (the order's index, the walk over the newest
    ``walk`` entries, the whole list for a rare word or a number), what it returns is the
    start of ``search``'s list, no longer than asked, and all of it when it says so."""
    monkeypatch.setattr(registry_grid, "WALK_ENTRIES", walk)
    for flt in FIRST_ROWS_QUERIES:
        whole = grid.search(flt, sort_key, descending)
        first, complete = grid.first_rows(flt, sort_key, descending, count)
        if complete:
            assert first == whole, flt
        else:
            assert len(first) <= count, flt
            assert first == whole[: len(first)], flt


def test_first_rows_of_a_common_word_come_from_the_newest_entries(
    grid: RegistryGridService, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word most people's names hold fills the first rows from the newest entries; the
    older ones come with the whole list (``complete`` is False)."""
    monkeypatch.setattr(registry_grid, "WALK_ENTRIES", 4)
    monkeypatch.setattr(registry_grid, "RARE_SHARE", 0.0)  # whatever the server estimates
    flt = GridFilter(text="ов")
    whole = grid.search(flt, "identified_on", True)
    assert len(whole) > 4
    first, complete = grid.first_rows(flt, "identified_on", True, 2)
    assert (first, complete) == (whole[:2], False)
    # Among the newest four entries fewer match than asked: those, still not complete.
    newest = grid.search(GridFilter(), "identified_on", True)[:4]
    first, complete = grid.first_rows(flt, "identified_on", True, 100)
    assert first == [i for i in whole if i in newest] and not complete
    # Without a word, the order's index: complete when all fit.
    first, complete = grid.first_rows(GridFilter(), "identified_on", True, len(ids))
    assert complete and len(first) == len(ids)


def test_empty_database(db: Database) -> None:
    grid = RegistryGridService(db, TODAY)
    assert grid.total() == 0
    assert grid.search(GridFilter(text="иванов"), "next_due", True) == []
    assert grid.choices().months == grid.choices().districts == ()


def test_choices_step_through_the_index_and_equal_select_distinct(db: Database) -> None:
    """The filter lists come from a recursive query (one index lookup per value): the same
    values as SELECT DISTINCT ... ORDER BY, in its order, over repeats, NULLs and ''."""
    districts = [None, "", "Ярковский район", "г. Тюмень", "Абатский", "г. Тюмень", None, "Я"]
    months = ["2026-10", "2025-01", "2026-10", "2026-02", "2025-01", "2026-12", "2026-02"]
    with db.session_factory.begin() as s:
        citizens = [
            models.Citizen(
                last_name=f"Фамилия{n:02d}",
                first_name="Имя",
                search_name=f"фамилия{n:02d} имя",
                district=districts[n % len(districts)],
            )
            for n in range(40)
        ]
        s.add_all(citizens)
        s.add_all(
            models.RegistryEntry(
                citizen=c,
                reporting_month=months[n % len(months)],
                identified_on=date(2026, 10, 1),
                source=DB,
                category=Cat.GROUP_I,
                entered_on=date(2026, 10, 1),
            )
            for n, c in enumerate(citizens)
        )
    with db.session_factory() as s:
        e, c = models.RegistryEntry, models.Citizen
        by_distinct = s.scalars(select(e.reporting_month).distinct().order_by(e.reporting_month))
        expected_months = tuple(reversed(list(by_distinct)))
        by_distinct = s.scalars(
            select(c.district).where(c.district.is_not(None)).distinct().order_by(c.district)
        )
        expected_districts = tuple(d for d in by_distinct if d)
    choices = RegistryGridService(db, TODAY).choices()
    assert choices.months == expected_months == ("2026-12", "2026-10", "2026-02", "2025-01")
    assert choices.districts == expected_districts
    assert set(choices.districts) == {"Ярковский район", "г. Тюмень", "Абатский", "Я"}


# --- the status rule, SQL against plain Python ----------------------------------------


def _python_status(
    entered_on: date,
    informed_on: date | None,
    route_needed: bool | None,
    route_sent_on: date | None,
    routes: tuple[DocumentStatus, ...],
    plan_needed: bool | None,
    plan_completed_on: date | None,
    today: date,
    cal: WorkCalendar,
) -> tuple[EntryStatus, date | None]:
    """31-р 4.1, 3.3-3.4, 4.3-4.7 as the consultant reads them, written out plainly."""
    if informed_on is None:
        due = informing_due(entered_on, cal)
        return (S.INFORMING_OVERDUE if due < today else S.NOT_INFORMED), due
    if route_needed is not False and route_sent_on is None:
        month = Month.of(entered_on)
        nxt = month.next()
        last = date(nxt.year, nxt.month, min(30, nxt.days))
        issued = DocumentStatus.ISSUED in routes
        return (S.ROUTE_UNSENT if issued else S.ROUTE_TO_DRAW), last
    if plan_needed is True and plan_completed_on is None:
        return S.PLAN_OPEN, None
    return S.DONE, None


_maybe_day = st.none() | st.dates(date(2025, 11, 1), date(2027, 1, 31))
_entries = st.lists(
    st.fixed_dictionaries(
        {
            "entered_on": st.dates(date(2025, 12, 1), date(2026, 12, 10)),
            "informed_on": _maybe_day,
            "route_needed": st.sampled_from([None, True, False]),
            "route_sent_on": _maybe_day,
            "routes": st.lists(st.sampled_from(list(DocumentStatus)), max_size=2).map(tuple),
            "plan_needed": st.sampled_from([None, True, False]),
            "plan_completed_on": _maybe_day,
        }
    ),
    min_size=1,
    max_size=8,
)
# holidays around New Year and 4 November, and ordinary days
_todays = st.sampled_from(
    [date(2026, 1, 12), date(2026, 1, 2), date(2025, 12, 31), date(2026, 11, 5), TODAY]
) | st.dates(date(2025, 12, 15), date(2026, 12, 20))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(entries=_entries, today=_todays)
def test_status_in_sql_equals_the_rule_in_python(
    db: Database, entries: list[dict[str, Any]], today: date
) -> None:
    with db.session_factory.begin() as s:
        for model in (models.Route, models.RegistryEntry, models.Representative, models.Citizen):
            s.execute(delete(model))
        keyed: list[tuple[int, dict[str, Any]]] = []
        for n, fields in enumerate(entries):
            citizen = models.Citizen(
                last_name=f"Гражданин{n}", first_name="Тест", search_name=f"гражданин{n} тест"
            )
            entered_on = fields["entered_on"]
            assert isinstance(entered_on, date)
            entry = models.RegistryEntry(
                citizen=citizen,
                reporting_month=str(Month.of(entered_on)),
                identified_on=entered_on,
                source=DB,
                category=Cat.GROUP_I,
                **{k: v for k, v in fields.items() if k != "routes"},
            )
            s.add(entry)
            s.flush()
            routes = fields["routes"]
            assert isinstance(routes, tuple)
            for version, status in enumerate(routes, start=1):
                s.add(
                    models.Route(
                        citizen_id=citizen.id, entry_id=entry.id, version=version, status=status
                    )
                )
            keyed.append((entry.id, fields))
    grid = RegistryGridService(db, today)
    cal = load_calendar(db)
    rows = grid.rows([i for i, _ in keyed])
    expected: dict[int, EntryStatus] = {}
    for entry_id, fields in keyed:
        status, due = _python_status(**fields, today=today, cal=cal)
        expected[entry_id] = status
        row = rows[entry_id]
        assert (row.status, row.next_due, row.overdue) == (
            status,
            due,
            due is not None and due < today,
        ), fields
    for status in EntryStatus:
        found = set(grid.search(GridFilter(status=status)))
        assert found == {i for i, s in expected.items() if s is status}, status
