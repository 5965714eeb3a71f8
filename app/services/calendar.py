"""The production calendar with the user's overrides from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.domain.workdays import WorkCalendar
from app.errors import NotFoundError
from app.services.common import audit, current_user
from db.models import CalendarOverride
from db.session import Database


@dataclass(frozen=True)
class Override:
    day: date
    is_working: bool
    note: str


def load_calendar(db: Database) -> WorkCalendar:
    """``holidays.RU`` (with the government's transfers) corrected by the user's overrides."""
    with db.session_factory() as session:
        rows = session.execute(select(CalendarOverride.day, CalendarOverride.is_working)).all()
    return WorkCalendar({day: is_working for day, is_working in rows})


def list_overrides(db: Database) -> list[Override]:
    with db.session_factory() as session:
        rows = session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
        return [Override(r.day, r.is_working, r.note or "") for r in rows]


def set_override(db: Database, day: date, is_working: bool, note: str = "") -> Override:
    with db.session_factory.begin() as session:
        user = current_user(session)
        row = session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
        if row is None:
            row = CalendarOverride(day=day, created_by_id=user.id)
            session.add(row)
        row.is_working = is_working
        row.note = note.strip() or None
        row.updated_by_id = user.id
        session.flush()
        audit(
            session,
            user,
            "calendar.override",
            "calendar_override",
            str(row.uuid),
            day=day.isoformat(),
            is_working=is_working,
        )
        return Override(day, is_working, note.strip())


def remove_override(db: Database, day: date) -> None:
    with db.session_factory.begin() as session:
        user = current_user(session)
        row = session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
        if row is None:
            raise NotFoundError(f"Для {day:%d.%m.%Y} нет поправки к производственному календарю.")
        audit(
            session,
            user,
            "calendar.override.remove",
            "calendar_override",
            str(row.uuid),
            day=day.isoformat(),
        )
        session.delete(row)
