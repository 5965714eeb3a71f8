"""The deadline dashboard: what each item opens, and the monthly flow of the registry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.periods import Month
from db import models
from db.dialect import month_text
from db.session import Database


@dataclass(frozen=True)
class MonthFlow:
    """One month of 31-р work: identified (col. 2), informed (col. 7), route sent (col. 9)."""

    month: str  # "2025-06"
    identified: int
    informed: int
    route_sent: int


def citizen_of_item(db: Database, entity: str, entity_id: int | None) -> int | None:
    """The person whose card a deadline item opens; None for the provider's own duties."""
    if entity_id is None:
        return None
    with db.session_factory() as session:
        return _citizen_of(session, entity, entity_id)


def _citizen_of(session: Session, entity: str, entity_id: int) -> int | None:
    programme = models.ServiceProgramme
    queries = {
        "registry_entry": select(models.RegistryEntry.citizen_id).where(
            models.RegistryEntry.id == entity_id
        ),
        "intake_application": select(models.IntakeApplication.citizen_id).where(
            models.IntakeApplication.id == entity_id
        ),
        "service_programme": select(programme.citizen_id).where(programme.id == entity_id),
        "extension_application": select(programme.citizen_id)
        .join(
            models.ExtensionApplication,
            models.ExtensionApplication.programme_id == programme.id,
        )
        .where(models.ExtensionApplication.id == entity_id),
        "course": select(programme.citizen_id)
        .join(models.Course, models.Course.programme_id == programme.id)
        .where(models.Course.id == entity_id),
    }
    query = queries.get(entity)
    if query is None:
        return None
    value = session.scalar(query)
    return int(value) if value is not None else None


def monthly_flow(db: Database, last: Month, months: int = 12) -> tuple[MonthFlow, ...]:
    """People identified, informed and sent a route in each of the ``months`` up to ``last``."""
    first = last
    for _ in range(months - 1):
        first = first.previous()
    e = models.RegistryEntry
    start, end = first.first_day, last.last_day

    def by_month(column: object) -> dict[str, int]:
        key = month_text(column)
        with db.session_factory() as session:
            rows = session.execute(
                select(key, func.count())
                .where(column.between(start, end))  # type: ignore[attr-defined]
                .group_by(key)
            ).all()
        return {str(k): int(n) for k, n in rows}

    identified = by_month(e.identified_on)
    informed = by_month(e.informed_on)
    sent = by_month(e.route_sent_on)
    result = []
    month = first
    for _ in range(months):
        key = str(month)
        result.append(
            MonthFlow(key, identified.get(key, 0), informed.get(key, 0), sent.get(key, 0))
        )
        month = month.next()
    return tuple(result)
