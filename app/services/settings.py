"""Reading and saving the installation's preferences."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.enums import InstallationMode, UserRole
from app.services.common import PROFILE_KEY, audit, current_user
from app.settings import Settings, SmtpSettings
from db.models import Setting, User
from db.session import Database

logger = logging.getLogger(__name__)

_PREFIX = "pref."


def load_settings(db: Database) -> Settings:
    with db.session_factory() as session:
        rows = session.scalars(select(Setting).where(Setting.key.startswith(_PREFIX))).all()
        stored = {row.key.removeprefix(_PREFIX): json.loads(row.value) for row in rows}
    return _from_stored(stored)


def provider_name(db: Database, session: Session) -> str:
    """The organisation printed on forms: the settings' name, else the profile's; may be ""."""
    name = load_settings(db).provider_name.strip()
    if name:
        return name
    # Read only: a missing profile is not created just to print a heading.
    setting = session.scalar(select(Setting.value).where(Setting.key == PROFILE_KEY))
    user = session.get(User, int(setting)) if setting and setting.isdigit() else None
    return (user.organisation or "").strip() if user is not None else ""


def _from_stored(stored: dict[str, Any]) -> Settings:
    defaults = Settings()
    values: dict[str, Any] = {}
    for name in Settings.field_names():
        if name not in stored:
            continue
        value = stored[name]
        try:
            if name == "mode":
                value = InstallationMode(value)
            elif name == "smtp":
                known = {f.name for f in dataclasses.fields(SmtpSettings)}
                value = SmtpSettings(**{k: v for k, v in value.items() if k in known})
            elif not isinstance(value, type(getattr(defaults, name))):
                raise TypeError(name)
        except (ValueError, TypeError, AttributeError):
            # Written by a newer version or by hand: keep the default, never fail to start.
            logger.warning("setting %s has an unusable stored value; default used", name)
            continue
        values[name] = value
    return dataclasses.replace(defaults, **values)


def save_settings(db: Database, settings: Settings) -> None:
    """Installation-wide preferences are the supervisor's to change (issue #10)."""
    from app.services import access

    access.require(db, UserRole.SUPERVISOR)
    data = dataclasses.asdict(settings)
    with db.session_factory.begin() as session:
        user = current_user(session)
        existing = {
            row.key: row
            for row in session.scalars(select(Setting).where(Setting.key.startswith(_PREFIX)))
        }
        for name, value in data.items():
            text = json.dumps(value, ensure_ascii=False)
            row = existing.get(_PREFIX + name)
            if row is None:
                session.add(
                    Setting(
                        key=_PREFIX + name, value=text, created_by_id=user.id, updated_by_id=user.id
                    )
                )
            elif row.value != text:
                row.value = text
                row.updated_by_id = user.id
        audit(session, user, "settings.update")


# --- the settings page (issue #12) ---------------------------------------------------------

TIME_ZONES: tuple[tuple[str, str], ...] = (
    ("Asia/Yekaterinburg", "Тюмень, Екатеринбург (МСК+2, UTC+5)"),
    ("Europe/Moscow", "Москва (МСК, UTC+3)"),
    ("Asia/Omsk", "Омск (МСК+3, UTC+6)"),
    ("Europe/Samara", "Самара (МСК+1, UTC+4)"),
)


def check_settings(settings: Settings) -> tuple[tuple[str, str], ...]:
    """(field, Russian problem) for what cannot be saved."""
    import re
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from app.domain.phones import phones_in_text

    problems: list[tuple[str, str]] = []
    if settings.provider_postcode.strip() and not re.fullmatch(
        r"\d{6}", settings.provider_postcode.strip()
    ):
        problems.append(("provider_postcode", "Почтовый индекс — шесть цифр"))
    if settings.provider_phone.strip() and not phones_in_text(settings.provider_phone):
        problems.append(
            ("provider_phone", "Телефон организации: нужен полный номер с кодом города")
        )
    email = settings.provider_email.strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        problems.append(("provider_email", f"Электронная почта организации: «{email}» не адрес"))
    try:
        ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(("time_zone", f"Часовой пояс «{settings.time_zone}» неизвестен"))
    if not 0 <= settings.auto_lock_minutes <= 240:
        problems.append(("auto_lock_minutes", "Блокировка: от 0 до 240 минут"))
    if not 1 <= settings.smtp.port <= 65535:
        problems.append(("smtp", "Порт почтового сервера: от 1 до 65535"))
    return tuple(problems)


def save_settings_page(db: Database, settings: Settings) -> None:
    """Check, then save the installation's settings and apply the time zone at once."""
    from app import clock
    from app.errors import ValidationError

    problems = check_settings(settings)
    if problems:
        raise ValidationError("; ".join(message for _, message in problems))
    save_settings(db, settings)
    clock.set_time_zone(settings.time_zone)


def apply_time_zone(db: Database) -> None:
    """Every "today" and every date shown in the organisation's zone from the settings
    (issue #12); an unusable stored name keeps the default."""
    from app import clock

    name = load_settings(db).time_zone
    try:
        clock.set_time_zone(name)
    except ValueError:  # a bad stored name must never stop the program
        logger.warning("time zone %r unusable; default kept", name)


# --- first start and the details documents print (issue #12) ------------------------------

DocumentKind = Literal["route", "letters", "report"]

#: What each document prints from the settings (31-р Appendix 2 "Маршрут разработал (Ф.И.О.,
#: должность специалиста, наименование организации, контактный телефон)"; Appendix 4
#: column 2 "Наименование организации социального обслуживания"; the covering letter and
#: the DL envelope: the sender's name, address and postcode, signed with the position, name
#: and phone of the consultant).
_REQUIRED: dict[DocumentKind, tuple[str, ...]] = {
    "route": ("full_name", "position", "organisation", "phone"),
    "letters": ("full_name", "position", "organisation", "address", "postcode", "phone"),
    "report": ("organisation",),
}
_DETAIL_TITLES = {
    "full_name": "Ф.И.О. специалиста",
    "position": "должность специалиста",
    "phone": "телефон специалиста",
    "organisation": "наименование организации",
    "address": "адрес организации",
    "postcode": "почтовый индекс организации",
}
_REFUSED_ACTIONS: dict[DocumentKind, str] = {
    "route": "Нельзя выдать маршрут",
    "letters": "Нельзя напечатать письма",
    "report": "Нельзя выгрузить отчёт (приложение 4)",
}


def _profile_user(db: Database, session: Session) -> User | None:
    """The user whose profile documents print, read without creating one."""
    if db.user_id is not None:
        return session.get(User, db.user_id)
    setting = session.scalar(select(Setting.value).where(Setting.key == PROFILE_KEY))
    if setting is not None and setting.isdigit():
        found = session.get(User, int(setting))
        if found is not None:
            return found
    return session.scalar(select(User).where(User.active.is_(True)).order_by(User.id))


def needs_first_start(db: Database) -> bool:
    """The window opens the short setup instead of the dashboard while the organisation
    has no name: a database just made, or one whose setup was put off."""
    with db.session_factory() as session:
        return not provider_name(db, session)


def missing_document_details(db: Database, document: DocumentKind = "route") -> tuple[str, ...]:
    """What ``document`` would print blank, in Russian («Ф.И.О. специалиста», ...);
    empty when it may be issued. The default profile name counts as not filled in."""
    import re

    from app.services.common import DEFAULT_PROFILE_NAME

    settings = load_settings(db)
    with db.session_factory() as session:
        user = _profile_user(db, session)
        organisation = provider_name(db, session)
        name = (user.full_name if user is not None else "").strip()
        values = {
            "full_name": "" if name == DEFAULT_PROFILE_NAME else name,
            "position": (user.position or "") if user is not None else "",
            "phone": (user.phone or "") if user is not None else "",
        }
    address = settings.provider_address.strip()
    values["organisation"] = organisation
    values["address"] = address
    values["postcode"] = settings.provider_postcode.strip() or (
        found[0] if (found := re.search(r"(?<!\d)\d{6}(?!\d)", address)) else ""
    )
    return tuple(_DETAIL_TITLES[key] for key in _REQUIRED[document] if not values[key].strip())


def document_refusal(db: Database, document: DocumentKind) -> str | None:
    """«Нельзя выдать маршрут: в настройках не заполнены ...» or None when nothing is
    missing."""
    missing = missing_document_details(db, document)
    if not missing:
        return None
    verb = "не заполнены" if len(missing) > 1 else "не заполнено"
    return f"{_REFUSED_ACTIONS[document]}: в настройках {verb}: {', '.join(missing)}."


def installed_on(session: Session) -> date | None:
    """The day the program began to be used here: its first user, its first audited action
    or its first extract import, whichever came first (an import is never earlier than
    the installation; one generated with past dates, as the demonstration data are, dates
    the use back). None for a database nothing was ever written to."""
    from app import clock
    from db.models import AuditEvent, ImportBatch

    stamps = [
        session.scalar(select(func.min(User.created_at))),
        session.scalar(select(func.min(AuditEvent.at))),
        session.scalar(select(func.min(ImportBatch.imported_at))),
    ]
    known = [s for s in stamps if s is not None]
    return clock.local_date(min(known)) if known else None


def installation_date(db: Database) -> date:
    """:func:`installed_on`, or today for a database nothing was written to yet."""
    from app import clock

    with db.session_factory() as session:
        return installed_on(session) or clock.today()
