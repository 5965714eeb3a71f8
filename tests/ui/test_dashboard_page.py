"""The dashboard around calendar edges, on hand-built entries with known due dates."""

from __future__ import annotations

from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from app.domain.deadlines import DueStatus
from app.domain.enums import DisabilityGroup, Source
from app.services import citizens
from app.services.citizens import CitizenForm
from app.services.deadlines import due_items
from db import models
from db.session import Database
from ui.dashboard_page import DashboardPage

INFORMING = "Информирование по телефону"
ROUTE = "Направление маршрута и плана"


def _entry(db: Database, last: str, entered: date) -> None:
    form = CitizenForm(
        last_name=last,
        first_name="Анна",
        birth_date="01.02.1970",
        group=DisabilityGroup.GROUP_II,
        first_time=True,
        selfcare_degree=2,
        movement_degree=2,
    )
    result = citizens.save_citizen(
        db, form, source=Source.WALK_IN, identified_on=entered, today=entered
    )
    assert result.entry_id is not None
    with db.session_factory.begin() as session:
        entry = session.get(models.RegistryEntry, result.entry_id)
        assert entry is not None
        entry.entered_on = entered


def _groups(qtbot: QtBot, db: Database, on: date) -> dict[DueStatus, dict[str, list[str]]]:
    page = DashboardPage(on)
    qtbot.addWidget(page)
    page.show_items(on, due_items(db, on))
    result: dict[DueStatus, dict[str, list[str]]] = {}
    for status, tree in page.trees.items():
        kinds: dict[str, list[str]] = {}
        for i in range(tree.topLevelItemCount()):
            top = tree.topLevelItem(i)
            assert top is not None
            kinds[top.text(1)] = [top.child(c).text(2) for c in range(top.childCount())]
        result[status] = kinds
    return result


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (date(2026, 1, 16), DueStatus.DUE_THIS_WEEK),
        (date(2026, 1, 19), DueStatus.DUE_TODAY),
        (date(2026, 1, 20), DueStatus.OVERDUE),
    ],
)
def test_informing_across_the_new_year_holidays_4_1(
    qtbot: QtBot, db: Database, on: date, status: DueStatus
) -> None:
    # Entered Monday 29.12.2025: 30.12 is the 1st working day; 31.12.2025 and 1-11.01.2026
    # are off (9.01 moved from a Saturday); 12-16.01 are days 2-6; Monday 19.01 is day 7.
    _entry(db, "Январская", date(2025, 12, 29))
    groups = _groups(qtbot, db, on)
    assert groups[status][INFORMING] == ["Январская Анна"]
    others = [s for s in groups if s is not status]
    assert all(INFORMING not in groups[s] for s in others)


def test_a_transferred_working_saturday_counts_4_1(qtbot: QtBot, db: Database) -> None:
    # Entered Wednesday 29.10.2025: 30.10, 31.10, Saturday 1.11 (a working day by the
    # 2025 transfer), then 3-4.11 off, 5, 6, 7 and Monday 10.11 is the 7th working day.
    _entry(db, "Ноябрьская", date(2025, 10, 29))
    assert _groups(qtbot, db, date(2025, 11, 10))[DueStatus.DUE_TODAY][INFORMING] == [
        "Ноябрьская Анна"
    ]
    assert INFORMING in _groups(qtbot, db, date(2025, 11, 11))[DueStatus.OVERDUE]


def test_route_for_january_is_due_on_the_last_day_of_february_3_4(
    qtbot: QtBot, db: Database
) -> None:
    # "До 30 числа месяца, следующего за отчетным": February has none, so 28.02.2026.
    _entry(db, "Февральская", date(2026, 1, 20))
    with db.session_factory.begin() as session:
        entry = session.query(models.RegistryEntry).one()
        entry.informed_on = date(2026, 1, 21)
        entry.route_needed = True
    assert _groups(qtbot, db, date(2026, 2, 28))[DueStatus.DUE_TODAY][ROUTE] == ["Февральская Анна"]
    assert _groups(qtbot, db, date(2026, 2, 23))[DueStatus.DUE_THIS_WEEK][ROUTE] == [
        "Февральская Анна"
    ]
    assert _groups(qtbot, db, date(2026, 3, 1))[DueStatus.OVERDUE][ROUTE] == ["Февральская Анна"]
