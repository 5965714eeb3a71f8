"""Users, settings, audit trail, calendar overrides and sync state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import SyncDirection, UserRole
from db.models.base import Base, RecordMixin, StrEnumType, UtcDateTime


class User(RecordMixin, Base):
    """A consultant; until sign-in exists, the one local profile is the author of everything."""

    __tablename__ = "app_user"

    full_name: Mapped[str] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(300))
    organisation: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    login: Mapped[str | None] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[UserRole] = mapped_column(
        StrEnumType(UserRole), default=UserRole.CONSULTANT, server_default=UserRole.CONSULTANT.value
    )


class Setting(RecordMixin, Base):
    """A preference: a key and its JSON value (defaults live in app/settings.py)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), unique=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEvent(RecordMixin, Base):
    """Who changed or exported what, and when; append-only and hash-chained.

    ``hash`` is SHA-256 over the previous event's hash and this event's content
    (app/services/common.py ``audit_hash``); UPDATE and DELETE are refused by triggers
    (migration 0002), and `ic check` walks the chain.
    """

    __tablename__ = "audit_event"

    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_uuid: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_uuid"),)


class CalendarOverride(RecordMixin, Base):
    """A user's correction of the production calendar (a regional day off, a late decree)."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, unique=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class SyncState(RecordMixin, Base):
    """The last sync package exported to, or imported from, a peer (DESIGN.md §5)."""

    __tablename__ = "sync_state"

    direction: Mapped[SyncDirection] = mapped_column(StrEnumType(SyncDirection, 8))
    peer_code: Mapped[str] = mapped_column(String(64))
    peer_name: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    last_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    peer_public_key: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("direction", "peer_code"),)


class ReportSubmission(RecordMixin, Base):
    """A semi-annual report (31-р 5.2) as sent to the regional centre."""

    __tablename__ = "report_submission"

    period: Mapped[str] = mapped_column(String(7), index=True)  # "2025H1"
    submitted_on: Mapped[date] = mapped_column(Date)
    file_name: Mapped[str | None] = mapped_column(String(260))
    sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
