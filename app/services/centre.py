"""The regional centre's side: its providers, conflicts, people across providers and the
consolidated Appendix 4 (issue #11; 31-р 5.2, 5.3)."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from app import clock
from app.documents.report_form import (
    TOTAL_LABEL,
    ConsolidatedReport,
    SemiannualReport,
)
from app.domain.dates import format_date
from app.domain.deadlines import semiannual_report_due
from app.domain.enums import InstallationMode, UserRole
from app.domain.periods import HalfYear
from app.errors import UserError
from app.services import access
from app.services.common import audit, current_user
from app.services.exchange import RECORDS, TABLE_TITLES
from app.services.exchange_keys import require_installation
from app.services.files import check_output, checked_format, write_atomically
from app.services.report import Coverage, coverage_from_columns
from db import models
from db.dialect import json_text
from db.session import Database

logger = logging.getLogger(__name__)

ReportStatus = Literal["on_time", "late", "missing", "expected"]
STATUS_TITLES: dict[str, str] = {
    "on_time": "получен в срок",
    "late": "получен с опозданием",
    "missing": "не получен",
    "expected": "ожидается",
}


def last_completed_half(today: date | None = None) -> HalfYear:
    return HalfYear.of(today or clock.today()).previous()


# --- providers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRow:
    position: int
    code: str
    name: str
    district: str | None
    fingerprint: str
    last_sequence: int
    last_received_at: datetime | None
    half: str
    status: ReportStatus
    status_title: str
    received_on: date | None
    coverage: Coverage | None
    open_conflicts: int


def _report_of(row: models.ProviderReport, half: HalfYear) -> SemiannualReport:
    return SemiannualReport.from_counts(half, row.provider_name, json.loads(row.cells))


def _coverage(row: models.ProviderReport, half: HalfYear) -> Coverage:
    """31-р 5.3 of a provider's report from the people behind its columns."""
    people = [set(column) for column in json.loads(row.people)]
    return coverage_from_columns(str(half), people)


def report_status(received_on: date | None, half: HalfYear, today: date) -> ReportStatus:
    """31-р 5.2: the report is due "до 25 числа месяца, следующего за отчетным периодом"."""
    due = semiannual_report_due(half)
    if received_on is None:
        return "missing" if today > due else "expected"
    return "on_time" if received_on <= due else "late"


def providers(db: Database, half: str | None = None) -> list[ProviderRow]:
    """Every pinned provider with its last package and its report for ``half``."""
    period = HalfYear.parse(half) if half else last_completed_half()
    today = clock.today()
    due = semiannual_report_due(period)
    with db.session_factory() as session:
        require_installation(session, InstallationMode.REGIONAL_CENTRE)
        reports = {
            r.provider_code: r
            for r in session.scalars(
                select(models.ProviderReport).where(models.ProviderReport.half == str(period))
            )
        }
        conflicts = dict(
            session.execute(
                select(models.SyncConflict.provider_code, func.count())
                .where(models.SyncConflict.status == "open")
                .group_by(models.SyncConflict.provider_code)
            ).all()
        )
        rows = []
        for peer in session.scalars(
            select(models.ExchangePeer).order_by(models.ExchangePeer.position)
        ):
            report = reports.get(peer.code)
            received = report.first_received_on if report is not None else None
            status = report_status(received, period, today)
            title = STATUS_TITLES[status]
            if status == "expected":
                title = f"ожидается до {format_date(due)}"
            rows.append(
                ProviderRow(
                    position=peer.position,
                    code=peer.code,
                    name=peer.name,
                    district=peer.district,
                    fingerprint=peer.fingerprint,
                    last_sequence=peer.last_sequence,
                    last_received_at=peer.last_received_at,
                    half=str(period),
                    status=status,
                    status_title=title,
                    received_on=received,
                    coverage=_coverage(report, period) if report else None,
                    open_conflicts=int(conflicts.get(peer.code, 0)),
                )
            )
        return rows


# --- conflicts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDifference:
    field: str
    held: Any
    incoming: Any


@dataclass(frozen=True)
class ConflictView:
    id: int
    provider_code: str
    table_name: str
    table_title: str
    record_uuid: uuid.UUID
    package_sequence: int
    status: str
    deleted_by_provider: bool
    differences: tuple[FieldDifference, ...]
    created_at: datetime
    person: str  # whose record it is: "Фамилия Имя Отчество, дд.мм.гггг", or ""


def _differences(held: str | None, incoming: str | None) -> tuple[FieldDifference, ...]:
    old = json.loads(held) if held else {}
    new = json.loads(incoming) if incoming else {}
    keys = sorted(set(old) | set(new))
    return tuple(
        FieldDifference(key, old.get(key), new.get(key))
        for key in keys
        if old.get(key) != new.get(key)
    )


def _person_of(session: Session, provider: str, table: str, data: dict[str, Any]) -> str:
    """The person a provider's record belongs to, as the centre holds that person's card."""
    if table == "citizen":
        card = data
    else:
        citizen = data.get("citizen_uuid")
        if not citizen:
            return ""
        try:
            citizen_uuid = uuid.UUID(str(citizen))
        except ValueError:
            return ""
        text = session.scalar(
            select(RECORDS.c.data).where(
                RECORDS.c.provider_code == provider, RECORDS.c.uuid == citizen_uuid
            )
        )
        if not text:
            return ""
        card = json.loads(text)
    name = " ".join(
        str(p)
        for p in (card.get("last_name"), card.get("first_name"), card.get("middle_name"))
        if p
    )
    birth = card.get("birth_date")
    if birth:
        with contextlib.suppress(ValueError):
            name += f", {format_date(date.fromisoformat(str(birth)[:10]))}"
    return name


def conflicts(db: Database, *, open_only: bool = True) -> list[ConflictView]:
    with db.session_factory() as session:
        query = select(models.SyncConflict).order_by(models.SyncConflict.id)
        if open_only:
            query = query.where(models.SyncConflict.status == "open")
        return [
            ConflictView(
                id=c.id,
                provider_code=c.provider_code,
                table_name=c.table_name,
                table_title=TABLE_TITLES.get(c.table_name, c.table_name),
                record_uuid=c.record_uuid,
                package_sequence=c.package_sequence,
                status=c.status,
                deleted_by_provider=c.incoming_data is None,
                differences=_differences(c.held_data, c.incoming_data),
                created_at=c.created_at,
                person=_person_of(
                    session,
                    c.provider_code,
                    c.table_name,
                    json.loads(c.held_data or c.incoming_data or "{}"),
                ),
            )
            for c in session.scalars(query)
        ]


def resolve_conflict(db: Database, conflict_id: int, *, take_package: bool) -> None:
    """Keep the centre's copy, or take the package's; either way audited."""
    access.require(db, UserRole.SUPERVISOR)
    with db.session_factory.begin() as session:
        conflict = session.get(models.SyncConflict, conflict_id)
        if conflict is None:
            raise UserError(f"Конфликт № {conflict_id} не найден.")
        if conflict.status != "open":
            raise UserError(f"Конфликт № {conflict_id} уже разрешён.")
        if take_package:
            session.execute(
                update(RECORDS)
                .where(
                    RECORDS.c.provider_code == conflict.provider_code,
                    RECORDS.c.uuid == conflict.record_uuid,
                )
                .values(
                    version=conflict.incoming_version,
                    data=conflict.incoming_data,
                    package_sequence=conflict.package_sequence,
                    received_at=clock.now_utc(),
                )
            )
        conflict.status = "taken" if take_package else "kept"
        conflict.resolved_at = clock.now_utc()
        audit(
            session,
            current_user(session),
            "exchange.conflict.resolve",
            "sync_conflict",
            str(conflict.uuid),
            provider=conflict.provider_code,
            record=str(conflict.record_uuid),
            decision="взята версия пакета" if take_package else "оставлена версия центра",
        )


# --- people known to two or more providers -----------------------------------------------


@dataclass(frozen=True)
class Sighting:
    provider_code: str
    provider_name: str
    citizen_uuid: str
    identified_on: date | None


@dataclass(frozen=True)
class LinkedPerson:
    linked: bool  # True: the same СНИЛС; False: a candidate (same ФИО + birth date)
    full_name: str
    birth_date: date | None
    snils: str | None
    sightings: tuple[Sighting, ...]  # the first to identify the person first

    @property
    def first(self) -> Sighting:
        return self.sightings[0]


def _identified_dates(session: Session) -> dict[tuple[str, str], date]:
    """(provider, citizen uuid) -> the earliest identification date of its entries."""
    data = RECORDS.c.data
    rows = session.execute(
        select(
            RECORDS.c.provider_code,
            json_text(data, "citizen_uuid"),
            func.min(json_text(data, "identified_on")),
        )
        .where(RECORDS.c.table_name == "registry_entry", data.is_not(None))
        .group_by(RECORDS.c.provider_code, json_text(data, "citizen_uuid"))
    ).all()
    found = {}
    for provider, citizen, day in rows:
        if citizen and day:
            try:
                found[(provider, uuid.UUID(str(citizen)).hex)] = date.fromisoformat(str(day)[:10])
            except ValueError:
                continue
    return found


def people_across_providers(db: Database) -> list[LinkedPerson]:
    """People known to two or more providers: linked by СНИЛС, or candidates for review
    (the same normalised ФИО and birth date where a СНИЛС is missing). Never merged."""
    with db.session_factory() as session:
        require_installation(session, InstallationMode.REGIONAL_CENTRE)
        names = dict(
            session.execute(select(models.ExchangePeer.code, models.ExchangePeer.name)).all()
        )
        citizens = RECORDS.c
        base = select(
            citizens.provider_code,
            citizens.uuid,
            citizens.snils,
            citizens.person_key,
            citizens.data,
        ).where(citizens.table_name == "citizen", citizens.data.is_not(None))
        by_snils = (
            select(citizens.snils)
            .where(citizens.table_name == "citizen", citizens.snils.is_not(None))
            .group_by(citizens.snils)
            .having(func.count(func.distinct(citizens.provider_code)) > 1)
        )
        by_key = (
            select(citizens.person_key)
            .where(citizens.table_name == "citizen", citizens.person_key.is_not(None))
            .group_by(citizens.person_key)
            .having(func.count(func.distinct(citizens.provider_code)) > 1)
            .having(func.sum(case((citizens.snils.is_(None), 1), else_=0)) > 0)
        )
        linked_rows = list(session.execute(base.where(citizens.snils.in_(by_snils))).all())
        candidate_rows = list(session.execute(base.where(citizens.person_key.in_(by_key))).all())
        identified = _identified_dates(session)

    def group(rows: list[Any], key_index: int, linked: bool) -> list[LinkedPerson]:
        groups: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            groups[row[key_index]].append(row)
        people = []
        for members in groups.values():
            sightings = sorted(
                (
                    Sighting(
                        m.provider_code,
                        names.get(m.provider_code, m.provider_code),
                        str(m.uuid),
                        identified.get((m.provider_code, m.uuid.hex)),
                    )
                    for m in members
                ),
                key=lambda s: (s.identified_on or date.max, s.provider_code),
            )
            if len({s.provider_code for s in sightings}) < 2:
                continue
            data = json.loads(members[0].data)
            birth = data.get("birth_date")
            people.append(
                LinkedPerson(
                    linked=linked,
                    full_name=" ".join(
                        p
                        for p in (
                            data.get("last_name"),
                            data.get("first_name"),
                            data.get("middle_name"),
                        )
                        if p
                    ),
                    birth_date=date.fromisoformat(birth) if birth else None,
                    snils=members[0].snils if linked else None,
                    sightings=tuple(sightings),
                )
            )
        return people

    found = group(linked_rows, 2, True) + group(candidate_rows, 3, False)
    return sorted(found, key=lambda p: (not p.linked, p.full_name, p.birth_date or date.min))


def export_people_across_providers(db: Database, out: Path) -> Path:
    from app.documents.duplicates_xlsx import DuplicateRow, write_duplicates_xlsx

    out = check_output(out, db.path)
    checked_format(out.suffix.lstrip(".").lower() or "xlsx", ("xlsx",))
    rows = [
        DuplicateRow(
            kind="один СНИЛС" if p.linked else "кандидат: ФИО и дата рождения",
            full_name=p.full_name,
            birth_date=format_date(p.birth_date),
            snils=p.snils or "",
            providers="; ".join(
                f"{s.provider_name} ({s.provider_code}), "
                f"выявлен {format_date(s.identified_on) or '—'}"
                for s in p.sightings
            ),
            first=f"{p.first.provider_name}, {format_date(p.first.identified_on) or '—'}",
        )
        for p in people_across_providers(db)
    ]
    write_atomically(out, lambda temp: write_duplicates_xlsx(rows, temp), database=db.path)
    with db.session_factory.begin() as session:
        audit(
            session,
            current_user(session),
            "exchange.duplicates.export",
            path=str(out),
            people=len(rows),
        )
    return out


# --- the consolidated Appendix 4 ---------------------------------------------------------

COUNTING_RULE = (
    "Гражданин, сведения о котором представили несколько поставщиков (один и тот же СНИЛС), "
    "в строке «{total}» учтён один раз; в строках поставщиков — у каждого, кто его учёл."
)


def consolidated_report(db: Database, half: str) -> ConsolidatedReport:
    """31-р Appendix 4 for the region: each provider's row as that provider computed it,
    in the order of the provider list, a total with people counted once, the 31-р 5.3
    indicator per provider and for the region, and the providers with no report."""
    period = HalfYear.parse(half)
    with db.session_factory() as session:
        own = require_installation(session, InstallationMode.REGIONAL_CENTRE)
        peers = list(
            session.scalars(select(models.ExchangePeer).order_by(models.ExchangePeer.position))
        )
        reports = {
            r.provider_code: r
            for r in session.scalars(
                select(models.ProviderReport).where(models.ProviderReport.half == str(period))
            )
        }
    rows: list[tuple[int | str, ...]] = []
    columns: list[set[str]] = [set() for _ in range(12)]
    plain_sum = [0] * 12
    notes: list[str] = []
    indicators: list[str] = []
    missing: list[str] = []
    for peer in peers:
        report = reports.get(peer.code)
        if report is None:
            missing.append(f"{peer.name} ({peer.code})")
            continue
        cells = [int(c) for c in json.loads(report.cells)]
        rows.append((len(rows) + 1, report.provider_name or peer.name, *cells))
        for i, people in enumerate(json.loads(report.people)):
            # A person with a СНИЛС travels as "snils:…" (the same person whichever
            # provider counted them), one without as that provider's record.
            columns[i].update(p if p.startswith("snils:") else f"{peer.code}:{p}" for p in people)
        plain_sum = [a + b for a, b in zip(plain_sum, cells, strict=True)]
        coverage = _coverage(report, period)
        indicators.append(f"{report.provider_name or peer.name} — {_coverage_text(coverage)}")
    totals = [len(c) for c in columns]
    region = coverage_from_columns(str(period), columns)

    notes.append(COUNTING_RULE.format(total=TOTAL_LABEL))
    counted_twice = sum(plain_sum) - sum(totals)
    if counted_twice:
        notes.append(
            f"Сумма строк поставщиков больше итога на {counted_twice}: "
            "столько раз граждане учтены повторно у разных поставщиков."
        )
    notes.append(f"Показатель 31-р п. 5.3 по региону — {_coverage_text(region)}.")
    notes += [f"Показатель 31-р п. 5.3: {line}." for line in indicators]
    if missing:
        notes.append("Не представили отчёт за период: " + "; ".join(missing) + ".")
    return ConsolidatedReport(
        half=str(period),
        period_title=period.title,
        first_day=period.first_day,
        last_day=period.last_day,
        centre=own.name,
        rows=tuple(rows),
        total=("", TOTAL_LABEL, *totals),
        notes=tuple(notes),
        missing=tuple(missing),
    )


def _coverage_text(coverage: Coverage) -> str:
    if coverage.percent is None:
        return "целевая категория не выявлена"
    percent = f"{coverage.percent:.1f}".replace(".", ",")
    return f"{percent} % ({coverage.issued} из {coverage.target}), {coverage.level_title}"


def export_consolidated(db: Database, half: str, fmt: str, out: Path) -> Path:
    kind = checked_format(fmt, ("xlsx", "pdf"))
    out = check_output(out, db.path)
    report = consolidated_report(db, half)

    def render(temp: Path) -> None:
        if kind == "xlsx":
            from app.documents.report_xlsx import write_consolidated_xlsx

            write_consolidated_xlsx(report, temp)
        else:
            from app.documents.report_pdf import write_consolidated_pdf

            write_consolidated_pdf(report, temp)

    write_atomically(out, render, database=db.path)
    with db.session_factory.begin() as session:
        audit(
            session,
            current_user(session),
            "report.consolidated.export",
            half=report.half,
            format=kind,
            path=str(out),
            providers=len(report.rows),
        )
    return out
