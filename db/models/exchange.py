"""The exchange between providers and the regional centre (issue #11, DESIGN.md §5).

A provider's installation keeps its keys, the centre it pinned, the packages it sent and,
per record, the version it last sent (``sync_ledger``). The centre's keeps every pinned
provider, the packages it received, a mirror of each provider's records as the provider
sent them (``provider_record``: the centre never edits them), the conflicts its packages
raised, and each provider's Appendix 4 rows per half-year.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import InstallationMode
from db.models.base import Base, RecordMixin, StrEnumType, UtcDateTime


class Installation(RecordMixin, Base):
    """This installation: its role, code, name and key pairs (one row)."""

    __tablename__ = "installation"

    mode: Mapped[InstallationMode] = mapped_column(StrEnumType(InstallationMode, 16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(100))
    sign_public: Mapped[str] = mapped_column(String(64))  # Ed25519, base64
    box_public: Mapped[str] = mapped_column(String(64))  # X25519, base64
    # The private keys, sealed (JSON: how they are wrapped, salt, ciphertext); never plain.
    secret_keys: Mapped[str] = mapped_column(Text)
    # Key pairs replaced by ``ic keys rotate`` (JSON list, newest first, each sealed like
    # ``secret_keys``): they sign for a peer that has not pinned the new ones yet, and open
    # what was sealed to them.
    previous_keys: Mapped[str | None] = mapped_column(Text)
    next_sequence: Mapped[int] = mapped_column(Integer, default=1)


class ExchangePeer(RecordMixin, Base):
    """The other side, pinned after its fingerprint was read aloud: the centre (at a
    provider) or each provider (at the centre)."""

    __tablename__ = "exchange_peer"

    mode: Mapped[InstallationMode] = mapped_column(StrEnumType(InstallationMode, 16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(100))
    sign_public: Mapped[str] = mapped_column(String(64))
    box_public: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    retired_keys: Mapped[str | None] = mapped_column(Text)  # JSON list of former sign keys
    # The fingerprint of our keys the peer said (in its last package) it has pinned.
    knows_fingerprint: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    pinned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    last_sha256: Mapped[str | None] = mapped_column(String(64))
    last_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ExchangePackage(RecordMixin, Base):
    """A package made here or taken in here: the exchange's own log."""

    __tablename__ = "exchange_package"

    outgoing: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(8))  # "sync" | "ack"
    package_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    peer_code: Mapped[str] = mapped_column(String(32), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: table -> records
    file_name: Mapped[str | None] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class SyncLedger(Base):
    """At a provider: the version of each record last sent to the centre, and confirmed."""

    __tablename__ = "sync_ledger"

    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), index=True)
    sent_version: Mapped[str] = mapped_column(String(40))
    sent_sequence: Mapped[int] = mapped_column(Integer)
    acked_version: Mapped[str | None] = mapped_column(String(40))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class ProviderRecord(Base):
    """At the centre: one record of one provider, exactly as the provider last sent it."""

    __tablename__ = "provider_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_code: Mapped[str] = mapped_column(String(32))
    table_name: Mapped[str] = mapped_column(String(40))
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[str] = mapped_column(String(40))
    data: Mapped[str | None] = mapped_column(Text)  # JSON; None once deleted (a tombstone)
    package_sequence: Mapped[int] = mapped_column(Integer)
    # People only: what links the same person across providers (DESIGN.md §5).
    snils: Mapped[str | None] = mapped_column(String(14), index=True)
    person_key: Mapped[str | None] = mapped_column(String(300), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("provider_code", "uuid"),
        Index("ix_provider_record_table", "provider_code", "table_name"),
    )


class SyncConflict(RecordMixin, Base):
    """A change made on a version the centre no longer holds: never applied silently."""

    __tablename__ = "sync_conflict"

    provider_code: Mapped[str] = mapped_column(String(32), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    record_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    package_uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    package_sequence: Mapped[int] = mapped_column(Integer)
    held_version: Mapped[str] = mapped_column(String(40))
    held_data: Mapped[str | None] = mapped_column(Text)
    incoming_version: Mapped[str] = mapped_column(String(40))
    incoming_base: Mapped[str | None] = mapped_column(String(40))
    incoming_data: Mapped[str | None] = mapped_column(Text)  # None: the provider deleted it
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)  # open/kept/taken
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ProviderReport(RecordMixin, Base):
    """At the centre: a provider's Appendix 4 row for one half-year, as it computed it."""

    __tablename__ = "provider_report"

    provider_code: Mapped[str] = mapped_column(String(32))
    half: Mapped[str] = mapped_column(String(7))
    provider_name: Mapped[str] = mapped_column(Text)
    cells: Mapped[str] = mapped_column(Text)  # JSON: columns 3-14
    people: Mapped[str] = mapped_column(Text)  # JSON: the people behind columns 3-14
    first_received_on: Mapped[date] = mapped_column(Date)
    package_sequence: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("provider_code", "half"),)
