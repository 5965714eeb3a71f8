"""Typed preferences with their defaults in one place; stored as JSON in the database."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from app.domain.enums import InstallationMode


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    security: str = "starttls"  # "tls", "starttls" or "none"
    login: str = ""
    sender: str = ""


@dataclass(frozen=True)
class Settings:
    """Installation-wide preferences (window geometry lives in QSettings, not here)."""

    mode: InstallationMode = InstallationMode.PROVIDER
    provider_name: str = ""
    provider_code: str = ""
    provider_district: str = ""
    provider_address: str = ""
    provider_postcode: str = ""
    provider_short_name: str = ""
    provider_phone: str = ""
    provider_email: str = ""
    regional_centre_name: str = (
        'АУТО "Региональный центр сопровождения и комплексной реабилитации инвалидов"'
    )
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # Minutes without keyboard or mouse before the window locks (0: never), issue #10.
    auto_lock_minutes: int = 10
    # The organisation's time zone: every date a person sees (issue #12); IANA name.
    time_zone: str = "Asia/Yekaterinburg"
    # Where save dialogs open ("" — the user's home folder).
    export_folder: str = ""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))
