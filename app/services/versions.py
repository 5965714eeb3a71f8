"""Optimistic locking (issue #15): a form saves the row version it loaded; a row saved by
someone else meanwhile refuses the save with who, when and what.

The version is ``row_version`` of the card, route and plan (migration 0008); the ORM checks
and bumps it on every UPDATE (``version_id_col``), so two saves racing past the check in
their own transactions still cannot both write: the second UPDATE finds no row at the
version it read and raises ``StaleDataError``, which the services turn into the same
refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app import clock
from app.errors import StaleEditError
from db import models

SOMEONE = "другой пользователь"


def short_name(full_name: str) -> str:
    """ "Петрова Анна Сергеевна" -> "Петрова А. С." (a surname alone stays as it is)."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip()
    return " ".join([parts[0], *(f"{p[0].upper()}." for p in parts[1:3])])


def moment_text(moment: datetime | None) -> str:
    """ "03.12.2026 в 14:05" on the organisation's clock."""
    if moment is None:
        return ""
    local = clock.to_local(moment)
    return f"{local:%d.%m.%Y} в {local:%H:%M}"


def author_of(session: Session, user_id: int | None) -> str:
    user = session.get(models.User, user_id) if user_id is not None else None
    return short_name(user.full_name) if user is not None and user.full_name else SOMEONE


def unique(labels: Iterable[str]) -> tuple[str, ...]:
    """The labels in their first order, each once."""
    return tuple(dict.fromkeys(labels))


def refusal(
    session: Session,
    record: models.Citizen | models.Route | models.SupportPlan,
    fields: tuple[str, ...],
    *,
    subject: str,
    again: str,
) -> StaleEditError:
    """The refusal for a form whose ``record`` was saved by someone else after it loaded.

    ``subject``: «Карточку», «Маршрут», «План»; ``again``: what to refresh («карточку»).
    """
    who = author_of(session, record.updated_by_id)
    when = moment_text(record.updated_at)
    changed = f": {', '.join(fields)}" if fields else " (поля те же)"
    message = (
        f"{subject} уже изменил(а) {who} {when}{changed}. Ваши изменения не сохранены — "
        f"обновите {again} и внесите их снова."
    )
    return StaleEditError(message, who=who, when=when, fields=fields)


def touch(record: models.Citizen | models.Route | models.SupportPlan) -> None:
    """This save is one UPDATE of the record, whatever else it changes (children only, or
    nothing): the version goes up by exactly 1 and ``updated_at`` says when."""
    record.updated_at = clock.now_utc()
    flag_modified(record, "updated_at")
