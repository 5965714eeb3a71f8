"""Forming the monthly registry (31-р 3.2) and exporting it as Appendix 1 (XLSX, PDF).

Forming numbers the month's entries 1..N in the chronological order in which the data
arrived and records the day it was done; forming again renumbers, so a person entered
later (a walk-in, an NGO report) takes their place by date. Export reads the same rows
as display strings in the columns and wording of Appendix 1 and writes the file
atomically; every export is recorded, since it carries personal data off the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import clock
from app.documents.registry_form import NEEDED, NOT_NEEDED, RegistryForm, RegistryRow
from app.domain.dates import format_date
from app.domain.enums import DeliveryMethod, UserRole
from app.domain.names import full_name
from app.domain.periods import Month
from app.errors import UserError, ValidationError
from app.services import access, backups
from app.services.common import audit, current_user, now_utc
from app.services.files import check_output, checked_format, write_atomically
from app.services.settings import provider_name
from db import models
from db.dialect import lock_tables
from db.session import Database

logger = logging.getLogger(__name__)

ExportFormat = Literal["xlsx", "pdf"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("xlsx", "pdf")


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormResult:
    """The registry of ``month`` was formed on ``formed_on`` with ``entries`` rows."""

    month: str  # "2025-06"
    formed_on: date
    entries: int
    renumbered: int  # entries whose number was set or changed by this forming


@dataclass(frozen=True)
class ExportResult:
    month: str  # "2025-06"
    path: Path
    format: str
    rows: int
    formed: bool


# --- forming -----------------------------------------------------------------------------


def _month(text: str) -> Month:
    return Month.parse(text)


def _receipt_order(session: Session, month: Month) -> list[tuple[int, int | None, date]]:
    """(id, current number, identified_on) of the month's entries in the order of receipt.

    31-р 3.2: chronological by the date the data arrived; on the same day, whoever was
    entered first, then whoever was recorded first. The order is total, so it is stable.
    """
    entry = models.RegistryEntry
    rows = session.execute(
        select(entry.id, entry.number, entry.identified_on)
        .where(entry.reporting_month == str(month))
        .order_by(entry.identified_on, entry.entered_on, entry.created_at, entry.id)
    ).all()
    return [(row.id, row.number, row.identified_on) for row in rows]


def _already_formed(db: Database, period: Month) -> bool:
    with db.session_factory() as session:
        formed = session.scalar(
            select(models.RegistryMonth.formed_on).where(models.RegistryMonth.month == str(period))
        )
    return formed is not None


class RenumberPrintedError(UserError):
    """Re-forming would change numbers of a registry already printed or exported."""


def _last_export(session: Session, period: Month) -> date | None:
    """When the month's registry was last printed or exported (the audit says), or None."""
    at = session.scalar(
        select(func.max(models.AuditEvent.at)).where(
            models.AuditEvent.action == "registry.export",
            models.AuditEvent.details.like(f'%"month": "{period}"%'),
        )
    )
    return None if at is None else clock.local_date(at)


def form_registry(
    db: Database, month: str, today: date | None = None, *, renumber_printed: bool = False
) -> FormResult:
    """Number the month's entries 1..N by receipt and record the forming date; one transaction.

    Raises ``InvalidPeriodError`` for unreadable month text and ``UserError`` when the month
    has no entries or ``today`` is earlier than the last receipt date.
    """
    period = _month(month)
    formed_on = today or clock.today()
    if _already_formed(db, period):
        # Re-forming renumbers a registry that may have been printed: the supervisor's
        # decision (issue #10), and the state before is kept.
        access.require(db, UserRole.SUPERVISOR)
        # A server database is backed up by its administrator (pg_dump), not copied here.
        if not db.on_server:
            backups.make_backup(db, "before-forming")
    with db.session_factory.begin() as session:
        # Numbering 1..N reads the entries, then writes their numbers: nobody may enter,
        # change or number entries in between (on a server another consultant could).
        lock_tables(
            session.connection(), [models.RegistryEntry.__table__, models.RegistryMonth.__table__]
        )
        order = _receipt_order(session, period)
        if not order:
            raise UserError(
                f"За {period.title} ({period}) в реестре нет ни одной записи: формировать "
                "нечего. Сначала загрузите выписку или внесите граждан."
            )
        last_receipt = max(identified for _, _, identified in order)
        if formed_on < last_receipt:
            raise ValidationError(
                f"Дата формирования реестра за {period.title} ({format_date(formed_on)}) "
                f"раньше даты поступления сведений ({format_date(last_receipt)})."
            )
        user = current_user(session)
        stamp = now_utc()
        changes = [
            {"id": entry_id, "number": n, "updated_at": stamp, "updated_by_id": user.id}
            for n, (entry_id, number, _) in enumerate(order, start=1)
            if number != n
        ]
        # Entries that had a number and would get another (a first number changes nothing
        # printed: an unformed registry prints its rows in this same order).
        renumbered = [
            (number, n)
            for n, (_, number, _) in enumerate(order, start=1)
            if number is not None and number != n
        ]
        printed = _last_export(session, period) if renumbered else None
        if printed is not None and not renumber_printed:
            was, becomes = renumbered[0]
            raise RenumberPrintedError(
                f"Реестр за {period.title} уже напечатан или выгружен ({format_date(printed)}): "
                f"повторное формирование изменит номера {len(renumbered)} записей (например, "
                f"№ {was} станет № {becomes}). Номера напечатанного реестра сохранены в "
                "журнале действий. Сформировать заново?"
            )
        if changes:
            # ORM bulk UPDATE by primary key: one executemany, no objects loaded.
            session.execute(update(models.RegistryEntry), changes)
        registry_month = session.scalar(
            select(models.RegistryMonth).where(models.RegistryMonth.month == str(period))
        )
        if registry_month is None:
            registry_month = models.RegistryMonth(month=str(period), created_by_id=user.id)
            session.add(registry_month)
        registry_month.formed_on = formed_on
        registry_month.updated_by_id = user.id
        session.flush()
        audit(
            session,
            user,
            "registry.form",
            "registry_month",
            str(registry_month.uuid),
            month=str(period),
            formed_on=formed_on.isoformat(),
            entries=len(order),
            renumbered=len(changes),
        )
    logger.info("registry %s formed on %s: %d entries", period, formed_on, len(order))
    return FormResult(str(period), formed_on, len(order), len(changes))


# --- the rows of Appendix 1 -------------------------------------------------------------


def _needed(value: bool | None) -> str:
    if value is None:
        return ""
    return NEEDED if value else NOT_NEEDED


def _method(value: DeliveryMethod | None) -> str:
    return value.label if value is not None else ""


def _read_form(db: Database, session: Session, period: Month) -> RegistryForm:
    formed_on = session.scalar(
        select(models.RegistryMonth.formed_on).where(models.RegistryMonth.month == str(period))
    )
    formed = formed_on is not None
    entry = models.RegistryEntry
    citizen = models.Citizen
    query = (
        select(
            entry.id,
            entry.number,
            entry.identified_on,
            entry.source,
            citizen.last_name,
            citizen.first_name,
            citizen.middle_name,
            entry.disability_established_on,
            entry.category,
            entry.informed_on,
            entry.route_needed,
            entry.route_sent_on,
            entry.route_sent_method,
            entry.plan_needed,
            entry.plan_formed_on,
            entry.plan_sent_method,
            entry.plan_completed_on,
        )
        .join(citizen, citizen.id == entry.citizen_id)
        .where(entry.reporting_month == str(period))
    )
    receipt = (entry.identified_on, entry.entered_on, entry.created_at, entry.id)
    if formed:
        # As formed; people entered since then follow, by receipt, without a number yet.
        query = query.order_by(entry.number.is_(None), entry.number, *receipt)
    else:
        query = query.order_by(*receipt)
    rows: list[RegistryRow] = []
    unnumbered = 0
    for position, r in enumerate(session.execute(query), start=1):
        if formed:
            number = str(r.number) if r.number is not None else ""
            unnumbered += r.number is None
        else:
            number = str(position)
        rows.append(
            RegistryRow(
                entry_id=r.id,
                number=number,
                identified_on=format_date(r.identified_on),
                source=r.source.code,
                citizen=full_name(r.last_name, r.first_name, r.middle_name),
                disability_established_on=format_date(r.disability_established_on),
                category=r.category.label,
                informed_on=format_date(r.informed_on),
                route_needed=_needed(r.route_needed),
                route_sent_on=format_date(r.route_sent_on),
                route_sent_method=_method(r.route_sent_method),
                plan_needed=_needed(r.plan_needed),
                plan_formed_on=format_date(r.plan_formed_on),
                plan_sent_method=_method(r.plan_sent_method),
                plan_completed_on=format_date(r.plan_completed_on),
            )
        )
    return RegistryForm(
        month=str(period),
        month_title=period.title,
        formed=formed,
        formed_on=formed_on,
        provider=provider_name(db, session),
        rows=tuple(rows),
        unnumbered=unnumbered,
    )


def registry_rows(db: Database, month: str) -> RegistryForm:
    """The month's registry as Appendix 1 prints it; works before forming (``formed`` False)."""
    period = _month(month)
    with db.session_factory() as session:
        return _read_form(db, session, period)


# --- export ------------------------------------------------------------------------------


def _render(form: RegistryForm, fmt: ExportFormat, path: Path) -> None:
    if fmt == "xlsx":
        from app.documents.registry_xlsx import write_registry_xlsx

        write_registry_xlsx(form, path)
    else:
        from app.documents.registry_pdf import write_registry_pdf

        write_registry_pdf(form, path)


def _printed_numbers(session: Session, period: Month) -> list[list[object]]:
    """[number, entry UUID] of the month's numbered entries, in number order."""
    e = models.RegistryEntry
    return [
        [number, str(entry_uuid)]
        for number, entry_uuid in session.execute(
            select(e.number, e.uuid)
            .where(e.reporting_month == str(period), e.number.is_not(None))
            .order_by(e.number)
        )
    ]


def export_registry(db: Database, month: str, fmt: str, out: Path) -> ExportResult:
    """Write Appendix 1 for ``month`` to ``out`` as "xlsx" or "pdf" and record who did it.

    The file appears whole or not at all: it is rendered next to ``out`` and moved into
    place. Works before the month is formed (rows numbered by receipt, ``formed`` False).
    """
    kind = checked_format(fmt, EXPORT_FORMATS)
    export_format: ExportFormat = "xlsx" if kind == "xlsx" else "pdf"
    period = _month(month)
    out = check_output(out, db.path)  # before the work: a wrong path is told at once
    with db.session_factory.begin() as session:
        form = _read_form(db, session, period)
        write_atomically(out, lambda path: _render(form, export_format, path), database=db.path)
        user = current_user(session)
        registry_month_uuid = session.scalar(
            select(models.RegistryMonth.uuid).where(models.RegistryMonth.month == str(period))
        )
        audit(
            session,
            user,
            "registry.export",
            "registry_month",
            str(registry_month_uuid) if registry_month_uuid is not None else None,
            month=str(period),
            format=export_format,
            path=str(out),
            rows=len(form.rows),
            formed=form.formed,
            # The numbers as printed (issue #12): a later re-forming may change them.
            numbers=_printed_numbers(session, period),
        )
    logger.info("registry %s exported as %s to %s (%d rows)", period, kind, out, len(form.rows))
    return ExportResult(str(period), out, export_format, len(form.rows), form.formed)
