"""The audit trail for a supervisor: filtered, newest first, exported to XLSX (issue #10)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import or_, select

from app import clock
from app.documents.audit_xlsx import AuditRow, write_audit_xlsx
from app.domain.dates import format_date
from app.domain.enums import UserRole
from app.services import access
from app.services.common import audit, current_user
from app.services.files import write_atomically
from db import models
from db.session import Database

MAX_ROWS = 5000
ACTION_LABELS = {
    "database.init": "создание базы данных",
    "database.encrypt": "шифрование базы данных",
    "user.add": "добавлен пользователь",
    "user.disable": "пользователь отключён",
    "user.password": "смена пароля",
    "user.recovered": "пароль задан по ключу восстановления",
    "user.sign_in": "вход в программу",
    "user.unlock": "разблокировка после простоя",
    "record.update": "изменение записи",
    "record.delete": "удаление записи",
    "backup.create": "резервная копия",
    "backup.restore": "восстановление из копии",
    "recovery.replace": "новый ключ восстановления",
    "audit.export": "выгрузка журнала действий",
}


FIELD_LABELS = {
    "last_name": "фамилия",
    "first_name": "имя",
    "middle_name": "отчество",
    "birth_date": "дата рождения",
    "snils": "СНИЛС",
    "phone": "телефон",
    "email": "эл. почта",
    "registration_address": "адрес регистрации",
    "actual_address": "адрес проживания",
    "postcode": "индекс",
    "district": "муниципальное образование",
    "note": "примечание",
    "number": "номер в реестре",
    "informed_on": "дата информирования",
    "active": "действует",
    "role": "роль",
}


@dataclass(frozen=True)
class AuditFilter:
    start: date | None = None
    end: date | None = None
    login: str = ""  # "" = everyone
    text: str = ""  # in the action, the record kind or the details


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def users(db: Database) -> list[tuple[str, str]]:
    """(login, full name) of everyone who can appear in the trail."""
    return [(u.login, u.full_name) for u in access.list_users(db)]


def list_events(db: Database, chosen: AuditFilter, limit: int = MAX_ROWS) -> list[AuditRow]:
    access.require(db, UserRole.SUPERVISOR)
    event, user = models.AuditEvent, models.User
    query = (
        select(event, user.full_name, user.login)
        .outerjoin(user, user.id == event.created_by_id)
        .order_by(event.id.desc())
        .limit(limit)
    )
    if chosen.start is not None:
        query = query.where(event.at >= clock.start_of_day_utc(chosen.start))
    if chosen.end is not None:
        query = query.where(event.at < clock.start_of_day_utc(chosen.end + timedelta(days=1)))
    if chosen.login:
        query = query.where(user.login == chosen.login)
    if chosen.text.strip():
        pattern = f"%{chosen.text.strip()}%"
        query = query.where(
            or_(event.action.like(pattern), event.entity.like(pattern), event.details.like(pattern))
        )
    with db.session_factory() as session:
        rows = session.execute(query).all()
    return [
        AuditRow(
            number=str(e.id),
            at=f"{clock.to_local(e.at):%d.%m.%Y %H:%M:%S}",
            user=name or login or "",
            action=action_label(e.action),
            entity=e.entity or "",
            details=_details_text(e.details),
        )
        for e, name, login in rows
    ]


def _details_text(details: str | None) -> str:
    if not details:
        return ""
    try:
        data = json.loads(details)
    except ValueError:
        return details
    if isinstance(data, dict) and isinstance(data.get("changes"), list):
        return "; ".join(
            f"{FIELD_LABELS.get(str(c.get('field')), c.get('field'))}: "
            f"{_value(c.get('old'))} → {_value(c.get('new'))}"
            for c in data["changes"]
            if isinstance(c, dict)
        )
    if isinstance(data, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in data.items())
    return str(data)


def _value(value: object) -> str:
    return "—" if value in (None, "") else str(value)


def export_events(db: Database, chosen: AuditFilter, out: Path) -> int:
    rows = list_events(db, chosen, limit=1_000_000)
    period = (
        f"за период с {format_date(chosen.start) or 'начала'} "
        f"по {format_date(chosen.end) or format_date(clock.today())}"
    )
    write_atomically(out, lambda temp: write_audit_xlsx(rows, period, temp), database=db.path)
    with db.session_factory.begin() as session:
        audit(session, current_user(session), "audit.export", file=out.name, rows=len(rows))
    return len(rows)
