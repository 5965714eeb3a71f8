"""Packages between a provider and the regional centre (issue #11, DESIGN.md §5).

Provider: :func:`export_package` writes an ``.icsync`` with every record created or
changed since the centre last confirmed it (all of them with ``full``), keyed by UUID,
each with the version it was changed on (its base), deletions as tombstones, and the
provider's Appendix 4 rows with the people behind every column. :func:`import_ack` takes
the centre's answer: the packages it confirms, the regional directory and calendar.

Centre: :func:`import_package` checks a package completely before writing (pinned sender,
signature before decrypting, recipient, inner header, hashes, format and schema,
sequence), then applies it in one transaction into ``provider_record`` (a mirror of each
provider's records the centre never edits); a change made on a version the centre no
longer holds goes to the conflict queue. It answers with an ``.icack``.

A record's version is the text of its ``updated_at`` as the database holds it.
"""

from __future__ import annotations

import json
import logging
import typing
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from nacl.public import PrivateKey
from sqlalchemy import (
    Column,
    Table,
    delete,
    select,
    update,
)
from sqlalchemy.orm import Session

from app import clock
from app.domain.enums import InstallationMode, UserRole
from app.domain.package import (
    PackageError,
    PackageFile,
    b64,
    file_sha256,
    payload,
    read_header,
    recipient_key,
    unb64,
    verify_signature,
    write_package,
)
from app.domain.periods import HalfYear
from app.errors import UserError
from app.services import access
from app.services.common import audit, current_user
from app.services.exchange_keys import (
    KeyRing,
    accept_new_keys,
    key_ring,
    peer_sign_keys,
    require_installation,
)
from app.services.files import check_output, write_atomically
from db import models
from db.dialect import execute_driver, is_sqlite, lock_tables, retried_on_conflict
from db.migrate import head_revision, known_revisions
from db.session import Database

logger = logging.getLogger(__name__)

# Provider-owned records, parents before children.
SYNC_MODELS: tuple[type[models.Base], ...] = (
    models.Organisation,
    models.OrganisationContact,
    models.OrganisationService,
    models.Citizen,
    models.Representative,
    models.FamilyMember,
    models.DisabilityAssessment,
    models.RehabProgramme,
    models.RehabMeasure,
    models.ImportBatch,
    models.RegistryMonth,
    models.RegistryEntry,
    models.CallAttempt,
    models.Route,
    models.RouteLine,
    models.SupportPlan,
    models.PlanQuestion,
    models.PlanInteraction,
    models.Dispatch,
    models.IntakeApplication,
    models.LivingConditionsSurvey,
    models.NeedCriterion,
    models.ServiceProgramme,
    models.Course,
    models.AttendanceDay,
    models.ExtensionApplication,
    models.ReportSubmission,
)
SYNC_TABLES: dict[str, Table] = {
    m.__tablename__: typing.cast(Table, m.__table__) for m in SYNC_MODELS
}
LEDGER = typing.cast(Table, models.SyncLedger.__table__)
RECORDS = typing.cast(Table, models.ProviderRecord.__table__)


def _table(model: type[models.Base]) -> Table:
    return typing.cast(Table, model.__table__)


# What a unit that numbers packages locks on a server (db/dialect.py lock_tables).
_EXPORT_LOCKED = [
    _table(models.Installation),
    _table(models.ExchangePackage),
    LEDGER,
    *SYNC_TABLES.values(),
]
_IMPORT_LOCKED = [
    _table(models.ExchangePeer),
    _table(models.ExchangePackage),
    RECORDS,
    _table(models.SyncConflict),
    _table(models.ProviderReport),
]
TABLE_TITLES = {
    "organisation": "организации",
    "organisation_contact": "контакты организаций",
    "organisation_service": "услуги организаций",
    "citizen": "граждане",
    "representative": "законные представители",
    "family_member": "члены семей",
    "disability_assessment": "решения МСЭ",
    "rehab_programme": "ИПРА",
    "rehab_measure": "мероприятия ИПРА",
    "import_batch": "загрузки выписок",
    "registry_month": "реестры месяцев",
    "registry_entry": "записи реестра",
    "call_attempt": "звонки",
    "route": "маршруты",
    "route_line": "строки маршрутов",
    "support_plan": "планы сопровождения",
    "plan_question": "вопросы планов",
    "plan_interaction": "взаимодействия по планам",
    "dispatch": "направления документов",
    "intake_application": "заявления",
    "living_conditions_survey": "обследования условий",
    "need_criterion": "критерии нуждаемости",
    "service_programme": "ИППСУ",
    "course": "курсы",
    "attendance_day": "дни посещения",
    "extension_application": "заявления о продлении",
    "report_submission": "отчёты",
}
# row_version (issue #15) is this database's concurrency token, not the person's data.
_SKIP_COLUMNS = {"id", "uuid", "updated_at", "created_by_id", "updated_by_id", "row_version"}
_TOMBSTONE = "x:"
REPORT_HALVES = 4  # the last two years of completed half-years travel in each package
APPLY_BATCH = 2000

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class CancelledError(Exception):
    """The user pressed «Отмена»: nothing was written."""


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sequence: int
    full: bool
    counts: dict[str, int]
    tombstones: int
    reports: int


@dataclass(frozen=True)
class ImportResult:
    provider_code: str
    provider_name: str
    sequence: int
    already: bool
    applied: int
    unchanged: int
    conflicts: int
    deleted: int
    reports: int
    diverged: bool
    ack_path: Path | None

    @property
    def message(self) -> str:
        who = f"{self.provider_name} ({self.provider_code})"
        if self.already:
            return f"Пакет № {self.sequence} от {who} уже загружен, ничего не изменилось."
        text = (
            f"Пакет № {self.sequence} от {who} загружен: записей принято {self.applied}, "
            f"без изменений {self.unchanged}, удалено {self.deleted}, "
            f"в очередь конфликтов {self.conflicts}, строк отчёта {self.reports}."
        )
        if self.diverged:
            text += (
                " Номер пакета повторяет уже загруженный: поставщик, вероятно, восстановил "
                "резервную копию; расхождения — в очереди конфликтов."
            )
        return text


@dataclass(frozen=True)
class AckResult:
    acknowledged_sequence: int | None
    already: bool
    organisations: int
    calendar_days: int

    @property
    def message(self) -> str:
        if self.already:
            return (
                f"Подтверждение пакета № {self.acknowledged_sequence} уже загружено, "
                "ничего не изменилось."
            )
        head = (
            f"Центр подтвердил пакет № {self.acknowledged_sequence}."
            if self.acknowledged_sequence is not None
            else "Справочник центра загружен."
        )
        return (
            f"{head} Организаций регионального справочника: {self.organisations}, "
            f"дней календаря: {self.calendar_days}."
        )


@dataclass(frozen=True)
class PendingCounts:
    """What the next package will hold, by kind."""

    changed: dict[str, int] = field(default_factory=dict)
    tombstones: int = 0

    @property
    def total(self) -> int:
        return sum(self.changed.values()) + self.tombstones


# --- values in and out -------------------------------------------------------------------


def _columns(table: Table) -> tuple[list[Column[Any]], dict[str, Table]]:
    """The columns a package carries, and for each foreign key the table it names."""
    plain: list[Column[Any]] = []
    refs: dict[str, Table] = {}
    for column in table.columns:
        if column.name in _SKIP_COLUMNS:
            continue
        foreign = next(iter(column.foreign_keys), None)
        if foreign is not None:
            target = foreign.column.table
            if target.name in SYNC_TABLES:
                refs[column.name] = target  # travels as the referenced record's UUID
            continue
        plain.append(column)
    return plain, refs


def _select_changed(table: Table, full: bool) -> tuple[str, list[str]]:
    """The SQL of :func:`_changed_rows` and the names of the data columns it returns."""
    plain, refs = _columns(table)
    columns = [f't."{c.name}"' for c in plain]
    names = [c.name for c in plain]
    joins = []
    for i, (name, target) in enumerate(refs.items()):
        columns.append(f"r{i}.uuid")
        names.append(name.removesuffix("_id") + "_uuid")
        joins.append(f'LEFT JOIN "{target.name}" r{i} ON r{i}.id = t."{name}"')
    where = (
        ""
        if full
        else " WHERE l.acked_version IS NULL OR l.acked_version != CAST(t.updated_at AS TEXT)"
    )
    sql = (
        f"SELECT t.uuid, CAST(t.updated_at AS TEXT), l.sent_version, {', '.join(columns)} "
        f'FROM "{table.name}" t {" ".join(joins)} '
        f"LEFT JOIN sync_ledger l ON l.uuid = t.uuid{where} ORDER BY t.id"
    )
    return sql, names


def _changed_rows(
    session: Session, table: Table, full: bool
) -> Iterator[tuple[dict[str, Any], str, str, str | None]]:
    """(data, uuid, version, base) of each record the centre has not confirmed (all with
    ``full``). Values travel as the database stores them (ISO dates, UUIDs as 32 hex
    digits, 0/1): read straight from the driver, 120,000 records in about a second."""
    sql, names = _select_changed(table, full)
    connection = session.connection()
    cursor = connection.exec_driver_sql(sql)
    as_stored = None if is_sqlite(connection) else _as_sqlite_stores
    while rows := cursor.fetchmany(5000):
        for row in rows:
            values = tuple(row) if as_stored is None else tuple(as_stored(v) for v in row)
            yield dict(zip(names, values[3:], strict=True)), values[0], values[1], values[2]


def _as_sqlite_stores(value: Any) -> Any:
    """A value read from PostgreSQL as SQLite stores it (UUIDs as 32 hex digits, dates and
    times as ISO text, 0/1): a package carries the same text from either database."""
    if value is None or isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _tombstones(session: Session, table: Table) -> list[tuple[str, str, str | None]]:
    """(uuid, version, base) of records sent once and deleted since, not yet confirmed."""
    rows = execute_driver(
        session.connection(),
        "SELECT l.uuid, l.sent_version, l.acked_version, l.deleted FROM sync_ledger l "
        f'WHERE l.table_name = ? AND NOT EXISTS (SELECT 1 FROM "{table.name}" t '
        "WHERE t.uuid = l.uuid)",
        (table.name,),
    )
    found = []
    for stored_uuid, sent, acked, deleted in rows:
        record_uuid = _hex(stored_uuid) or str(stored_uuid)
        if deleted:
            if acked == sent:
                continue
            found.append((record_uuid, sent, sent.removeprefix(_TOMBSTONE) or None))
        else:
            found.append((record_uuid, _TOMBSTONE + sent, sent))
    return found


# --- provider: what the next package holds -----------------------------------------------


def pending(db: Database) -> PendingCounts:
    """Counts by kind of what the next (incremental) package will carry."""
    changed: dict[str, int] = {}
    tombstones = 0
    with db.session_factory() as session:
        for name, table in SYNC_TABLES.items():
            if name == "organisation":
                rows = sum(
                    1
                    for data, *_ in _changed_rows(session, table, False)
                    if not data.get("regional")
                )
            else:
                rows = sum(1 for _ in _changed_rows(session, table, False))
            if rows:
                changed[name] = rows
            tombstones += len(_tombstones(session, table))
    return PendingCounts(changed, tombstones)


def _report_lines(db: Database, session: Session) -> list[dict[str, Any]]:
    """The provider's Appendix 4 rows with the people behind each column (31-р 5.2)."""
    from app.services.report import report_with_people

    today = clock.today()
    half = HalfYear.of(today).previous()
    lines = []
    identity: dict[str, str] | None = None
    for _ in range(REPORT_HALVES):
        report, people = report_with_people(db, session, half)
        cells = [c for c in report.cells[2:] if isinstance(c, int)]
        if any(cells):
            if identity is None:
                identity = _identities(session)
            lines.append(
                {
                    "report": {
                        "half": str(half),
                        "provider": report.provider,
                        "cells": cells,
                        "people": [sorted(identity.get(p, p) for p in column) for column in people],
                    }
                }
            )
        half = half.previous()
    return lines


def _report_went(session: Session, reports: list[dict[str, Any]], name: str, seq: int) -> None:
    """The report of the half-year just ended travels in the package: it is sent to the
    centre (31-р 5.2), unless already marked so. Earlier half-years carried again are
    not: they were due long before and sent then. After the ledger, so the new
    submission goes in the next package."""
    from app.services.report import record_sent_with_package

    latest = HalfYear.of(clock.today()).previous()
    if any(line["report"]["half"] == str(latest) for line in reports):
        record_sent_with_package(session, latest, clock.today(), name, seq)


def _identities(session: Session) -> dict[str, str]:
    """Citizen UUID (as the report gives it) -> "snils:<11 digits>" for people with a СНИЛС:
    the centre counts a person reported by two providers once (DESIGN.md §5) without looking
    anything up; people without one travel as their UUID."""
    found = {}
    for record, snils in session.execute(
        select(models.Citizen.uuid, models.Citizen.snils).where(models.Citizen.snils.is_not(None))
    ):
        digits = "".join(ch for ch in str(snils) if ch.isdigit())
        if digits:
            found[str(record)] = f"snils:{digits}"
    return found


# --- provider: export --------------------------------------------------------------------


def export_package(
    db: Database,
    out: Path,
    *,
    full: bool = False,
    passphrase: str | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ExportResult:
    """Write the next package for the centre to ``out`` (``.icsync``); on a server, run
    again when another consultant's unit deadlocked with it (one transaction)."""
    access.require(db, UserRole.SUPERVISOR, UserRole.CONSULTANT)
    out = check_output(out, db.path)
    return retried_on_conflict(
        lambda: _export_package(db, out, full, passphrase, progress, cancelled)
    )


def _export_package(
    db: Database,
    out: Path,
    full: bool,
    passphrase: str | None,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> ExportResult:
    with db.session_factory.begin() as session:
        # One package at a time, and no record changes while it is written: the sequence
        # is read and moved on, and the ledger marks as sent what the package holds.
        lock_tables(session.connection(), _EXPORT_LOCKED)
        own = require_installation(session, InstallationMode.PROVIDER)
        centre = session.scalar(select(models.ExchangePeer))
        if centre is None:
            raise UserError(
                "Ключи регионального центра не закреплены: ic centre pin ФАЙЛ --fingerprint ЦИФРЫ"
            )
        ring = key_ring(db, own, passphrase)
        keys, new_keys = ring.signer_for(centre)
        sequence = own.next_sequence
        previous = session.scalar(
            select(models.ExchangePackage)
            .where(models.ExchangePackage.outgoing.is_(True), models.ExchangePackage.kind == "sync")
            .order_by(models.ExchangePackage.sequence.desc())
            .limit(1)
        )
        last_ack = session.scalar(
            select(models.ExchangePackage.sequence)
            .where(
                models.ExchangePackage.outgoing.is_(True),
                models.ExchangePackage.acknowledged_at.is_not(None),
            )
            .order_by(models.ExchangePackage.sequence.desc())
            .limit(1)
        )
        package_uuid = uuid.uuid4()
        header = {
            "package_uuid": str(package_uuid),
            "sender": own.code,
            "sender_name": own.name,
            "sender_sign_public": b64(keys.sign_public),
            "recipient": centre.code,
            "recipient_fingerprint": centre.fingerprint,
            "sequence": sequence,
            "previous_sha256": previous.sha256 if previous is not None else None,
            "last_ack_seen": last_ack,
            "schema": head_revision(),
            "full": full,
            "made_at": clock.now_utc().isoformat(),
        }
        if new_keys is not None:
            header["new_keys"] = new_keys
        sent: list[tuple[str, str, str, bool]] = []
        tombstone_count = 0
        reports = _report_lines(db, session)
        total_tables = len(SYNC_TABLES)

        def lines(emit: Callable[[dict[str, Any]], None]) -> None:
            nonlocal tombstone_count
            for done, (name, table) in enumerate(SYNC_TABLES.items()):
                if cancelled is not None and cancelled():
                    raise CancelledError
                for data, record_uuid, version, base in _changed_rows(session, table, full):
                    if name == "organisation" and data.get("regional"):
                        continue  # the centre's own directory does not travel back
                    emit({"t": name, "u": record_uuid, "v": version, "b": base, "d": data})
                for record_uuid, version, base in _tombstones(session, table):
                    emit({"t": name, "u": record_uuid, "v": version, "b": base, "x": True})
                    sent.append((record_uuid, name, version, True))
                    tombstone_count += 1
                if progress is not None:
                    progress(done + 1, total_tables + 1)
            for line in reports:
                emit(line)

        def render(temp: Path) -> None:
            nonlocal header
            header, sha = write_package(temp, "sync", header, lines, keys, unb64(centre.box_public))
            header["file_sha256"] = sha

        write_atomically(out, render, database=db.path)
        for table in SYNC_TABLES.values():
            _remember_table(session, table, full, sequence)
        _remember_sent(session, sent, sequence)
        own.next_sequence = sequence + 1
        _report_went(session, reports, out.name, sequence)
        counts = dict(header["counts"])
        session.add(
            models.ExchangePackage(
                outgoing=True,
                kind="sync",
                package_uuid=package_uuid,
                peer_code=centre.code,
                sequence=sequence,
                sha256=header["file_sha256"],
                full=full,
                counts=json.dumps(counts, ensure_ascii=False),
                file_name=out.name,
                made_at=clock.now_utc(),
            )
        )
        audit(
            session,
            current_user(session),
            "exchange.export",
            "exchange_package",
            str(package_uuid),
            sequence=sequence,
            full=full,
            records=sum(counts.values()),
            path=str(out),
        )
    if progress is not None:
        progress(total_tables + 1, total_tables + 1)
    logger.info("package %s exported: %s", sequence, counts)
    return ExportResult(out, sequence, full, counts, tombstone_count, len(reports))


def _remember_table(session: Session, table: Table, full: bool, sequence: int) -> None:
    """The ledger for the records of ``table`` just sent, in one statement: the same
    selection as :func:`_changed_rows` (the write lock is held, nothing changed since)."""
    where = (
        "TRUE"
        if full
        else "(l.acked_version IS NULL OR l.acked_version != CAST(t.updated_at AS TEXT))"
    )
    # A version sent before and sent again unchanged keeps its ledger row as it is.
    where += " AND (l.sent_version IS NULL OR l.sent_version != CAST(t.updated_at AS TEXT))"
    if table.name == "organisation":
        where += " AND NOT coalesce(t.regional, FALSE)"
    execute_driver(
        session.connection(),
        "INSERT INTO sync_ledger (uuid, table_name, sent_version, sent_sequence, deleted) "
        "SELECT t.uuid, CAST(? AS TEXT), CAST(t.updated_at AS TEXT), ?, FALSE "
        f'FROM "{table.name}" t '
        f"LEFT JOIN sync_ledger l ON l.uuid = t.uuid WHERE {where} "
        "ORDER BY t.uuid "  # in key order: the ledger's index grows at its end, a third faster
        "ON CONFLICT (uuid) DO UPDATE SET sent_version = excluded.sent_version, "
        "sent_sequence = excluded.sent_sequence, deleted = FALSE",
        (table.name, sequence),
    )


def _remember_sent(session: Session, sent: list[tuple[str, str, str, bool]], sequence: int) -> None:
    """The ledger of the tombstones sent in package ``sequence`` (a record's confirmed
    version stays until the centre's acknowledgement)."""
    if not sent:
        return
    execute_driver(
        session.connection(),
        "INSERT INTO sync_ledger (uuid, table_name, sent_version, sent_sequence, deleted) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET "
        "sent_version = excluded.sent_version, sent_sequence = excluded.sent_sequence, "
        "deleted = excluded.deleted",
        [(u, table, version, sequence, deleted) for u, table, version, deleted in sent],
    )


# --- checks common to both directions -----------------------------------------------------


def _checked(
    db: Database,
    session: Session,
    path: Path,
    kind: str,
    passphrase: str | None,
) -> tuple[PackageFile, models.ExchangePeer, KeyRing, PrivateKey, int]:
    """Every check before anything is written: returns the package, its sender, our keys
    and the number of payload lines. The order is the issue's."""
    own = require_installation(session)
    package = read_header(path, kind)
    header = package.header
    name = path.name
    sender_code = header.get("sender")
    peer = (
        session.scalar(select(models.ExchangePeer).where(models.ExchangePeer.code == sender_code))
        if isinstance(sender_code, str)
        else None
    )
    if peer is None:
        raise PackageError(
            f"{name}: отправитель «{sender_code}» не закреплён в этой установке — "
            "сначала закрепите его ключи по отпечатку."
        )
    claimed = header.get("sender_sign_public")
    known = peer_sign_keys(peer)
    if isinstance(claimed, str) and claimed not in {b64(k) for k in known}:
        raise PackageError(
            f"{name}: подписан не тем ключом, что закреплён за {peer.code} ({peer.name}, "
            f"отпечаток {peer.fingerprint}) — возможно, под этим кодом работает другая установка."
        )
    verify_signature(package, known)
    if header.get("recipient") != own.code:
        raise PackageError(
            f"{name}: {package.title} адресован установке «{header.get('recipient')}», "
            f"а эта — {own.code}."
        )
    ring = key_ring(db, own, passphrase)
    box = recipient_key(package, tuple(k.box for k in ring.all))
    inner: dict[str, Any] | None = None
    lines = 0
    for obj in payload(package, box):
        if "header" in obj:
            inner = obj["header"]
        else:
            if inner is not None or not _well_formed(obj, kind):
                raise PackageError(f"{name}: содержимое повреждено, {package.title} не принят.")
            lines += 1
    outer = {k: v for k, v in header.items() if k not in ("plaintext_sha256",)}
    if inner != outer:
        raise PackageError(f"{name}: заголовок снаружи и внутри пакета не совпадают.")
    if header.get("format") != 1:
        raise PackageError(
            f"{name}: формат {header.get('format')} не поддерживается этой версией программы."
        )
    schema = header.get("schema")
    if schema not in known_revisions():
        raise PackageError(
            f"{name}: {package.title} сделан более новой версией программы (схема {schema}); "
            "обновите программу."
        )
    return package, peer, ring, box, lines


def _well_formed(obj: dict[str, Any], kind: str) -> bool:
    """A payload line has the shape its kind allows (values are checked when applied)."""
    if "report" in obj:
        return kind == "sync" and isinstance(obj["report"], dict)
    if "calendar" in obj:
        return kind == "ack" and isinstance(obj["calendar"], dict)
    if obj.get("t") not in SYNC_TABLES or not isinstance(obj.get("v"), str):
        return False
    if not (obj.get("b") is None or isinstance(obj.get("b"), str)):
        return False
    try:
        uuid.UUID(str(obj.get("u")))
    except ValueError:
        return False
    return bool(obj.get("x")) or isinstance(obj.get("d"), dict)


def import_package(
    db: Database,
    path: Path,
    *,
    ack_out: Path | None = None,
    passphrase: str | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportResult:
    """Check and apply a provider's package; write the acknowledgement to ``ack_out``
    (default: beside the package, ``<name>.icack``)."""
    access.require(db, UserRole.SUPERVISOR, UserRole.CONSULTANT)
    path = Path(path)
    if ack_out is None:
        ack_out = path.with_suffix(".icack")
    ack_out = check_output(ack_out, db.path)
    with db.session_factory.begin() as session:
        # One package at a time: a provider's last sequence is read and moved on.
        lock_tables(session.connection(), _IMPORT_LOCKED)
        own = require_installation(session, InstallationMode.REGIONAL_CENTRE)
        package, peer, ring, box, total = _checked(db, session, path, "sync", passphrase)
        header = package.header
        package_uuid = uuid.UUID(str(header["package_uuid"]))
        sequence = int(header["sequence"])
        seen = session.scalar(
            select(models.ExchangePackage).where(
                models.ExchangePackage.package_uuid == package_uuid
            )
        )
        file_sha = file_sha256(path)
        if seen is not None:
            result = ImportResult(peer.code, peer.name, sequence, True, 0, 0, 0, 0, 0, False, None)
        else:
            diverged = sequence <= peer.last_sequence or (
                sequence == peer.last_sequence + 1
                and peer.last_sha256 is not None
                and header.get("previous_sha256") != peer.last_sha256
            )
            if sequence > peer.last_sequence + 1 and not header.get("full"):
                raise PackageError(
                    f"{path.name}: не хватает пакета № {peer.last_sequence + 1} от {peer.name}: "
                    "загрузите его сначала."
                )
            result = _apply(session, package, peer, box, total, diverged, progress, cancelled)
            accept_new_keys(session, peer, header)
            session.add(
                models.ExchangePackage(
                    outgoing=False,
                    kind="sync",
                    package_uuid=package_uuid,
                    peer_code=peer.code,
                    sequence=sequence,
                    sha256=file_sha,
                    full=bool(header.get("full")),
                    counts=json.dumps(header.get("counts", {}), ensure_ascii=False),
                    file_name=path.name,
                    made_at=_parse_instant(header.get("made_at")),
                    note="номер повторяет уже загруженный" if diverged else None,
                )
            )
            peer.last_sequence = max(peer.last_sequence, sequence)
            peer.last_sha256 = file_sha
            peer.last_received_at = clock.now_utc()
            if peer.name != header.get("sender_name") and isinstance(
                header.get("sender_name"), str
            ):
                peer.name = str(header["sender_name"])
            audit(
                session,
                current_user(session),
                "exchange.import",
                "exchange_package",
                str(package_uuid),
                provider=peer.code,
                sequence=sequence,
                applied=result.applied,
                conflicts=result.conflicts,
                file=path.name,
            )
        _write_ack(db, session, own, ring, peer, ack_out, (package_uuid, sequence))
    logger.info("package %s from %s imported", sequence, peer.code)
    return ImportResult(**{**result.__dict__, "ack_path": ack_out})


def _write_ack(
    db: Database,
    session: Session,
    own: models.Installation,
    ring: KeyRing,
    peer: models.ExchangePeer,
    out: Path,
    acknowledges: tuple[uuid.UUID, int] | None,
) -> None:
    """An acknowledgement for ``peer`` (of a package, or None: the directory alone),
    carrying the regional directory and calendar overrides."""
    keys, new_keys = ring.signer_for(peer)
    header: dict[str, Any] = {
        "package_uuid": str(uuid.uuid4()),
        "sender": own.code,
        "sender_name": own.name,
        "sender_sign_public": b64(keys.sign_public),
        "recipient": peer.code,
        "recipient_fingerprint": peer.fingerprint,
        "sequence": acknowledges[1] if acknowledges else 0,
        "acknowledges": str(acknowledges[0]) if acknowledges else None,
        "acknowledged_sequence": acknowledges[1] if acknowledges else None,
        "schema": head_revision(),
        "made_at": clock.now_utc().isoformat(),
    }
    if new_keys is not None:
        header["new_keys"] = new_keys
    directory = _directory_lines(session)
    recipient_box = unb64(peer.box_public)

    def render(temp: Path) -> None:
        write_package(temp, "ack", header, _emitting(directory), keys, recipient_box)

    write_atomically(out, render, database=db.path)


def export_directory(
    db: Database, out: Path, provider: str | None = None, *, passphrase: str | None = None
) -> list[Path]:
    """At the centre: the regional directory and calendar for one provider (``out`` a
    file) or for every provider (``out`` a folder, one ``<code>.icack`` each)."""
    access.require(db, UserRole.SUPERVISOR, UserRole.CONSULTANT)
    written: list[Path] = []
    with db.session_factory.begin() as session:
        own = require_installation(session, InstallationMode.REGIONAL_CENTRE)
        ring = key_ring(db, own, passphrase)
        query = select(models.ExchangePeer).order_by(models.ExchangePeer.position)
        if provider is not None:
            query = query.where(models.ExchangePeer.code == provider)
        peers = list(session.scalars(query))
        if not peers:
            raise UserError(
                f"Поставщик с кодом «{provider}» не закреплён."
                if provider is not None
                else "Поставщиков пока нет."
            )
        if provider is None:
            folder = check_output(Path(out) / "x.icack", db.path, make_folder=True).parent
            targets = [(peer, folder / f"{peer.code}.icack") for peer in peers]
        else:
            targets = [(peers[0], check_output(out, db.path))]
        for peer, target in targets:
            _write_ack(db, session, own, ring, peer, target, None)
            written.append(target)
        audit(
            session,
            current_user(session),
            "exchange.directory.export",
            providers=len(written),
            path=str(out),
        )
    return written


def _emitting(lines: list[dict[str, Any]]) -> Callable[[Callable[[dict[str, Any]], None]], None]:
    def emit_all(emit: Callable[[dict[str, Any]], None]) -> None:
        for line in lines:
            emit(line)

    return emit_all


def _parse_instant(text: Any) -> datetime:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return clock.now_utc()
    return value if value.tzinfo is not None else clock.now_utc()


def _apply(
    session: Session,
    package: PackageFile,
    peer: models.ExchangePeer,
    box: PrivateKey,
    total: int,
    diverged: bool,
    progress: Progress | None,
    cancelled: Cancelled | None = None,
) -> ImportResult:
    """Apply a checked package: new records in, changes made on the version the centre
    holds applied, the rest to the conflict queue. Straight to the driver (the mirror has
    no ORM behaviour to run): 10,000 people with their histories in a few seconds."""
    header = package.header
    sequence = int(header["sequence"])
    package_uuid = uuid.UUID(str(header["package_uuid"]))
    conn = session.connection()
    held: dict[str, str] = {
        _hex(record) or str(record): version
        for record, version in execute_driver(
            conn, "SELECT uuid, version FROM provider_record WHERE provider_code = ?", (peer.code,)
        )
    }
    now = clock.now_utc().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    applied = unchanged = conflicts = deleted = reports = 0
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []

    def flush() -> None:
        if inserts:
            execute_driver(
                conn,
                "INSERT INTO provider_record (provider_code, table_name, uuid, version, data, "
                "package_sequence, snils, person_key, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
            inserts.clear()
        if updates:
            execute_driver(
                conn,
                "UPDATE provider_record SET version = ?, data = ?, package_sequence = ?, "
                "snils = ?, person_key = ?, received_at = ? "
                "WHERE provider_code = ? AND uuid = ?",
                updates,
            )
            updates.clear()

    done = 0
    for obj in payload(package, box):
        if "header" in obj:
            continue
        done += 1
        if done % 2000 == 0:
            if cancelled is not None and cancelled():
                raise CancelledError  # the transaction rolls back: nothing was written
            if progress is not None:
                progress(done, total)
        if "report" in obj:
            flush()
            _store_report(session, peer, obj["report"], sequence)
            reports += 1
            continue
        table = str(obj["t"])
        record = uuid.UUID(str(obj["u"])).hex
        version = str(obj["v"])
        base = obj.get("b")
        tombstone = bool(obj.get("x"))
        data = None if tombstone else obj.get("d")
        data_text = None if data is None else orjson.dumps(data).decode("utf-8")
        current = held.get(record)
        snils, key = _person(table, data)
        if current is None:
            if tombstone:
                unchanged += 1
                continue
            inserts.append(
                (peer.code, table, record, version, data_text, sequence, snils, key, now)
            )
            held[record] = version
            applied += 1
        elif current == version:
            unchanged += 1
        elif base == current:
            updates.append((version, data_text, sequence, snils, key, now, peer.code, record))
            held[record] = version
            if tombstone:
                deleted += 1
            else:
                applied += 1
        else:
            flush()
            held_data = execute_driver(
                conn,
                "SELECT data FROM provider_record WHERE provider_code = ? AND uuid = ?",
                (peer.code, record),
            ).scalar()
            session.add(
                models.SyncConflict(
                    provider_code=peer.code,
                    table_name=table,
                    record_uuid=uuid.UUID(record),
                    package_uuid=package_uuid,
                    package_sequence=sequence,
                    held_version=current,
                    held_data=held_data,
                    incoming_version=version,
                    incoming_base=base,
                    incoming_data=data_text,
                    status="open",
                )
            )
            conflicts += 1
        if len(inserts) + len(updates) >= APPLY_BATCH:
            flush()
    flush()
    if progress is not None:
        progress(total, total)
    return ImportResult(
        peer.code,
        peer.name,
        sequence,
        False,
        applied,
        unchanged,
        conflicts,
        deleted,
        reports,
        diverged,
        None,
    )


def person_key(
    last: str | None, first: str | None, middle: str | None, birth: str | None
) -> str | None:
    """Normalised ФИО + birth date: case, ё/е, hyphens and spaces do not matter."""
    if not last or not birth:
        return None
    parts = " ".join(p for p in (last, first or "", middle or "") if p)
    normal = " ".join(parts.lower().replace("ё", "е").replace("-", " ").split())
    return f"{normal}|{birth}"


def _person(table: str, data: Any) -> tuple[str | None, str | None]:
    if table != "citizen" or not isinstance(data, dict):
        return None, None
    snils = data.get("snils")
    digits = "".join(ch for ch in str(snils) if ch.isdigit()) if snils else ""
    return (
        digits or None,
        person_key(
            data.get("last_name"),
            data.get("first_name"),
            data.get("middle_name"),
            data.get("birth_date"),
        ),
    )


def _store_report(session: Session, peer: models.ExchangePeer, report: Any, sequence: int) -> None:
    try:
        half = str(HalfYear.parse(str(report["half"])))
        cells = [int(c) for c in report["cells"]]
        people = [[str(p) for p in column] for column in report["people"]]
        if len(cells) != 12 or len(people) != 12:
            raise ValueError("12 columns")
    except (KeyError, TypeError, ValueError, UserError):
        raise PackageError("Строка отчёта в пакете повреждена.") from None
    row = session.scalar(
        select(models.ProviderReport).where(
            models.ProviderReport.provider_code == peer.code, models.ProviderReport.half == half
        )
    )
    if row is None:
        row = models.ProviderReport(
            provider_code=peer.code, half=half, first_received_on=clock.today()
        )
        session.add(row)
    row.provider_name = str(report.get("provider") or peer.name)
    row.cells = json.dumps(cells)
    row.people = json.dumps(people)
    row.package_sequence = sequence


def _directory_lines(session: Session) -> list[dict[str, Any]]:
    """The centre's regional directory and calendar overrides, for its acknowledgements."""
    lines: list[dict[str, Any]] = []
    sent: set[str] = set()
    for name in ("organisation", "organisation_contact", "organisation_service"):
        for data, record_uuid, version, _base in _changed_rows(session, SYNC_TABLES[name], True):
            if name == "organisation":
                if data.get("is_sample"):
                    continue
                sent.add(record_uuid)
            elif data.get("organisation_uuid") not in sent:
                continue
            lines.append({"t": name, "u": record_uuid, "v": version, "d": data})
    overrides = models.CalendarOverride.__table__
    for day, working, note in session.execute(
        select(overrides.c.day, overrides.c.is_working, overrides.c.note).order_by(overrides.c.day)
    ):
        lines.append({"calendar": {"day": day.isoformat(), "working": bool(working), "note": note}})
    return lines


# --- provider: the centre's acknowledgement ----------------------------------------------


def import_ack(db: Database, path: Path, *, passphrase: str | None = None) -> AckResult:
    """Take the centre's ``.icack``: mark the confirmed packages and merge the regional
    directory (read-only here) and calendar overrides. Local organisations are untouched;
    an organisation the centre archived is archived here, never deleted."""
    access.require(db, UserRole.SUPERVISOR, UserRole.CONSULTANT)
    path = Path(path)
    with db.session_factory.begin() as session:
        # Not while a package is written: the ledger it confirms is the one it reads.
        lock_tables(session.connection(), [_table(models.ExchangePackage), LEDGER])
        require_installation(session, InstallationMode.PROVIDER)
        package, peer, _ring, box, _total = _checked(db, session, path, "ack", passphrase)
        header = package.header
        ack_uuid = uuid.UUID(str(header["package_uuid"]))
        acked_uuid = header.get("acknowledges")
        acked_sequence = header.get("acknowledged_sequence")
        if session.scalar(
            select(models.ExchangePackage.id).where(models.ExchangePackage.package_uuid == ack_uuid)
        ):
            return AckResult(acked_sequence, True, 0, 0)
        sent = None
        if acked_uuid is not None:
            sent = session.scalar(
                select(models.ExchangePackage).where(
                    models.ExchangePackage.package_uuid == uuid.UUID(str(acked_uuid)),
                    models.ExchangePackage.outgoing.is_(True),
                )
            )
            if sent is None:
                raise PackageError(
                    f"{path.name}: подтверждает пакет, которого эта установка не отправляла "
                    f"(№ {acked_sequence})."
                )
            now = clock.now_utc()
            for earlier in session.scalars(
                select(models.ExchangePackage).where(
                    models.ExchangePackage.outgoing.is_(True),
                    models.ExchangePackage.kind == "sync",
                    models.ExchangePackage.sequence <= sent.sequence,
                    models.ExchangePackage.acknowledged_at.is_(None),
                )
            ):
                earlier.acknowledged_at = now
            ledger = LEDGER
            session.execute(
                update(ledger)
                .where(ledger.c.sent_sequence <= sent.sequence)
                .values(acked_version=ledger.c.sent_version)
            )
            session.execute(
                delete(ledger).where(
                    ledger.c.deleted.is_(True), ledger.c.acked_version == ledger.c.sent_version
                )
            )
        organisations, days = _merge_directory(session, package, box)
        accept_new_keys(session, peer, header)
        session.add(
            models.ExchangePackage(
                outgoing=False,
                kind="ack",
                package_uuid=ack_uuid,
                peer_code=peer.code,
                sequence=int(acked_sequence or 0),
                sha256=file_sha256(path),
                counts=json.dumps(header.get("counts", {}), ensure_ascii=False),
                file_name=path.name,
                made_at=_parse_instant(header.get("made_at")),
            )
        )
        audit(
            session,
            current_user(session),
            "exchange.ack",
            "exchange_package",
            str(ack_uuid),
            acknowledged=acked_sequence,
            organisations=organisations,
            file=path.name,
        )
    return AckResult(acked_sequence, False, organisations, days)


def _merge_directory(session: Session, package: PackageFile, box: PrivateKey) -> tuple[int, int]:
    """Upsert the regional organisations by UUID (marked regional); calendar by day."""
    org_ids = {
        u.hex: i
        for u, i in session.execute(select(models.Organisation.uuid, models.Organisation.id))
    }
    organisations = days = 0
    for obj in payload(package, box):
        if "calendar" in obj:
            entry = obj["calendar"]
            try:
                day = date.fromisoformat(str(entry["day"]))
            except (KeyError, ValueError, TypeError):
                raise PackageError(f"{package.path.name}: день календаря повреждён.") from None
            row = session.scalar(
                select(models.CalendarOverride).where(models.CalendarOverride.day == day)
            )
            if row is None:
                row = models.CalendarOverride(day=day)
                session.add(row)
            row.is_working = bool(entry.get("working"))
            row.note = entry.get("note")
            days += 1
            continue
        table = obj.get("t")
        data = obj.get("d")
        if table not in (
            "organisation",
            "organisation_contact",
            "organisation_service",
        ) or not isinstance(data, dict):
            continue
        record_uuid = uuid.UUID(str(obj["u"]))
        model: Any = {
            "organisation": models.Organisation,
            "organisation_contact": models.OrganisationContact,
            "organisation_service": models.OrganisationService,
        }[table]
        row = session.scalar(select(model).where(model.uuid == record_uuid))
        if row is not None and table == "organisation" and not row.regional:
            continue  # the same UUID made locally: never overwritten
        if row is None:
            row = model(uuid=record_uuid)
            session.add(row)
        allowed = {c.name for c in _columns(SYNC_TABLES[table])[0]} - {"created_at"}
        for key, value in data.items():
            if key in allowed:
                column = SYNC_TABLES[table].c[key]
                setattr(row, key, _python_value(column, value))
        if table == "organisation":
            row.regional = True
            row.is_sample = False
            organisations += 1
        else:
            parent = org_ids.get(_hex(data.get("organisation_uuid")) or "")
            if parent is None:
                session.expunge(row) if row in session.new else None
                continue
            row.organisation_id = parent
        session.flush()
        if table == "organisation":
            org_ids[record_uuid.hex] = row.id
    return organisations, days


def _hex(value: Any) -> str | None:
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        return None


def _python_value(column: Column[Any], value: Any) -> Any:
    """A JSON value back into what the column's Python type expects."""
    if value is None:
        return None
    try:
        python_type: Any = column.type.python_type
    except NotImplementedError:
        python_type = None
    if python_type is date:
        return date.fromisoformat(str(value)[:10])
    if python_type is datetime:
        moment = datetime.fromisoformat(str(value))
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if python_type is bool:
        return bool(value)
    enum_class = getattr(column.type, "enum_class", None)
    if enum_class is not None:
        return enum_class(value)
    return value


# --- history for the window --------------------------------------------------------------


@dataclass(frozen=True)
class PackageLogRow:
    outgoing: bool
    kind: str
    sequence: int
    peer_code: str
    made_at: datetime
    processed_at: datetime
    records: int
    file_name: str | None
    acknowledged_at: datetime | None
    note: str | None
    full: bool = False


def package_log(db: Database, limit: int = 200) -> list[PackageLogRow]:
    with db.session_factory() as session:
        rows = session.scalars(
            select(models.ExchangePackage).order_by(models.ExchangePackage.id.desc()).limit(limit)
        )
        return [
            PackageLogRow(
                r.outgoing,
                r.kind,
                r.sequence,
                r.peer_code,
                r.made_at,
                r.created_at,
                sum(json.loads(r.counts or "{}").values()),
                r.file_name,
                r.acknowledged_at,
                r.note,
                r.full,
            )
            for r in rows
        ]
