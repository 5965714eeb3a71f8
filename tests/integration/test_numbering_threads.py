"""Numbers a service counts as max + 1 stay unique with two writers at once (issue #15):
on a server each count is taken under a table lock (db.dialect.lock_tables); on SQLite the
unit of work already holds the write lock. Two threads, each with its own connection of the
pool, register applications in the 6-р journal (3) at the same time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from app.domain.enums import Sex
from app.domain.intake import ServiceBasis
from app.domain.names import search_key
from app.services import intake
from db import models
from db.session import Database

pytestmark = pytest.mark.db

PER_THREAD = 15


def citizen(db: Database, last: str) -> int:
    with db.session_factory.begin() as s:
        person = models.Citizen(
            last_name=last,
            first_name="Мария",
            middle_name="Петровна",
            search_name=search_key(f"{last} Мария Петровна"),
            sex=Sex.FEMALE,
            birth_date=date(1970, 5, 1),
            actual_address="г. Ялуторовск, ул. Ленина, д. 5, кв. 2",
            postcode="627010",
        )
        s.add(person)
        s.flush()
        return person.id


def test_6r_3_journal_numbers_stay_unique_with_two_writers_at_once(
    any_db: Database, at_once: Callable[..., list[Any]]
) -> None:
    people = [citizen(any_db, f"Петрова{i}") for i in range(2)]

    def write(person: int) -> list[str]:
        return [
            intake.register(any_db, person, ServiceBasis.S3_1, date(2026, 11, 20)).journal_number
            for _ in range(PER_THREAD)
        ]

    outcomes = at_once(*(lambda p=p: write(p) for p in people))
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert not failures, failures
    numbers = [n for outcome in outcomes for n in outcome]
    assert sorted(numbers, key=lambda n: int(n.split("/")[0])) == [
        f"{n}/2026" for n in range(1, 2 * PER_THREAD + 1)
    ]
