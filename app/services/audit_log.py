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
from app.services.backups import KINDS
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
    "calendar.override": "поправка производственного календаря",
    "calendar.override.remove": "поправка календаря убрана",
    "citizen.create": "новая карточка гражданина",
    "citizen.update": "карточка гражданина сохранена",
    "directory.export": "выгрузка справочника организаций",
    "directory.import": "загрузка справочника организаций",
    "dispatch.email.eml": "письмо сохранено (.eml)",
    "dispatch.email.failed": "письмо не отправлено",
    "dispatch.email.sent": "письмо отправлено",
    "dispatch.post.list": "список заказных писем (ф. 103)",
    "dispatch.post.prepare": "почтовая партия напечатана",
    "dispatch.post.reprint": "почтовая партия напечатана снова",
    "dispatch.post.remove": "письмо убрано из почтовой партии",
    "dispatch.post.sent": "ШПИ внесён, письмо отправлено",
    "extract.import": "загрузка выписки",
    "extract.report.export": "отчёт о загрузке выписки",
    "informing.call": "звонок",
    "informing.eis_export": "выгрузка списка для ЕИС СЗН",
    "informing.journal_export": "выгрузка журнала услуг",
    "organisation.archive": "организация в архиве",
    "organisation.create": "новая организация",
    "organisation.restore": "организация из архива",
    "organisation.update": "организация изменена",
    "plan.create": "новый план сопровождения",
    "plan.export": "печать плана сопровождения",
    "plan.update": "план сопровождения изменён",
    "profile.update": "профиль специалиста изменён",
    "registry.add": "внесён в реестр",
    "registry.export": "печать и выгрузка реестра",
    "registry.form": "реестр сформирован",
    "report.semiannual.export": "выгрузка полугодового отчёта",
    "route.draft.create": "черновик маршрута",
    "route.draft.update": "черновик маршрута изменён",
    "route.export": "печать маршрута",
    "route.issue": "маршрут выдан",
    "settings.update": "настройки изменены",
    "exchange.setup": "установка настроена для обмена",
    "exchange.keys.export": "выгрузка открытых ключей",
    "exchange.peer.pin": "ключи закреплены по отпечатку",
    "exchange.keys.rotate": "новые ключи обмена",
    "exchange.directory.export": "региональный справочник для поставщиков",
    "exchange.peer.rotate": "другая сторона сменила ключи",
    "exchange.export": "пакет для центра",
    "exchange.import": "пакет поставщика загружен",
    "exchange.ack": "подтверждение центра загружено",
    "exchange.conflict.resolve": "конфликт разрешён",
    "exchange.duplicates.export": "список совпадений граждан",
    "report.consolidated.export": "выгрузка сводного отчёта",
}
ENTITY_LABELS = {
    "app_user": "пользователь",
    "citizen": "гражданин",
    "representative": "представитель",
    "family_member": "член семьи",
    "registry_entry": "запись реестра",
    "registry_month": "реестр за месяц",
    "call_attempt": "звонок",
    "route": "маршрут",
    "support_plan": "план сопровождения",
    "dispatch": "направление документа",
    "post_batch": "почтовая партия",
    "organisation": "организация",
    "import_batch": "загрузка выписки",
    "setting": "настройка",
    "calendar_override": "поправка календаря",
    "rehab_programme": "ИПРА",
    "disability_assessment": "решение МСЭ",
    "installation": "установка",
    "exchange_peer": "другая сторона обмена",
    "exchange_package": "пакет обмена",
    "sync_conflict": "конфликт",
}
DETAIL_LABELS = {
    "file": "файл",
    "kind": "вид",
    "login": "имя пользователя",
    "role": "роль",
    "encrypted": "зашифрована",
    "rows": "строк",
    "month": "месяц",
    "entries": "записей",
    "added": "добавлено",
    "rejected": "отклонено",
    "code": "код",
    "fingerprint": "отпечаток",
    "sequence": "номер пакета",
    "full": "полный",
    "records": "записей",
    "path": "файл",
    "provider": "поставщик",
    "applied": "принято",
    "conflicts": "конфликтов",
    "acknowledged": "подтверждён пакет",
    "organisations": "организаций",
    "decision": "решение",
    "record": "запись",
    "people": "граждан",
    "half": "полугодие",
    "format": "формат",
    "providers": "поставщиков",
    "mode": "роль",
    "numbers": "номера реестра",
    "renumbered": "перенумеровано",
    "formed": "сформирован",
    "formed_on": "дата формирования",
    "previous": "прежний отпечаток",
    "batch": "почтовая партия",
    "moved_from": "из почтовой партии",
    "letters": "писем",
    "form103": "список ф. 103",
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
        # The consultant searches what the window shows: Russian labels of actions and
        # records (the codes stay searchable too), and the details' own words.
        needle = chosen.text.strip()
        pattern = f"%{needle}%"
        actions = _codes_labelled(ACTION_LABELS, needle)
        entities = _codes_labelled(ENTITY_LABELS, needle)
        fields = _codes_labelled(FIELD_LABELS, needle) | _codes_labelled(DETAIL_LABELS, needle)
        query = query.where(
            or_(
                event.action.like(pattern),
                event.entity.like(pattern),
                event.details.like(pattern),
                event.action.in_(actions),
                event.entity.in_(entities),
                *(event.details.like(f'%"{code}"%') for code in sorted(fields)),
            )
        )
    with db.session_factory() as session:
        rows = session.execute(query).all()
    return [
        AuditRow(
            number=str(e.id),
            at=f"{clock.to_local(e.at):%d.%m.%Y %H:%M:%S}",
            user=name or login or "",
            action=action_label(e.action),
            entity=ENTITY_LABELS.get(e.entity or "", e.entity or ""),
            details=_details_text(e.details),
        )
        for e, name, login in rows
    ]


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def _codes_labelled(labels: dict[str, str], needle: str) -> set[str]:
    """The codes whose Russian label contains ``needle`` (any case, ё as е)."""
    wanted = _fold(needle)
    return {code for code, label in labels.items() if wanted in _fold(label)}


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
        return "; ".join(
            f"{DETAIL_LABELS.get(k, k)}: "
            + (
                f"{len(v)} записей"  # a printed registry's numbers: kept, not spelled out
                if isinstance(v, list) and len(v) > 10
                else _value(KINDS.get(v, v) if k == "kind" else v)
            )
            for k, v in data.items()
        )
    return str(data)


def _value(value: object) -> str:
    if value in (None, ""):
        return "—"
    if value is True or value is False:
        return "да" if value else "нет"
    if isinstance(value, str) and value in UserRole.__members__:
        return UserRole[value].label
    return str(value)


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
