"""Reading and saving the installation's preferences."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from sqlalchemy import select
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
