"""The semi-annual report of 31-р 5.2 (Appendix 4) and the route-coverage indicator of 5.3.

Every column of Appendix 4 is one aggregate over the registry (``COUNT(DISTINCT
citizen_id) FILTER``-style sums in SQL); no ORM object is loaded per entry. The reading of
each column is written next to its query; README.md ("Semi-annual report: column
definitions") repeats it for the consultant.

A person is counted once per column however many registry entries (months) they have in
the half-year. "Участник СВО" is the flag ``veteran_svo`` of the disability assessment the
registry entry was made from; "ребенок-инвалид" is an entry of category CHILD. The adult
columns ("имеющие 1/2 группу инвалидности и ограничение ... 2, 3 ст.") are entries of
category GROUP_I or GROUP_II: the registry admits them only with that limitation (31-р
2.1). "ВСЕГО" is everyone of the target category, so it also counts family members
(category FAMILY_MEMBER), who are in none of the three columns that follow it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, join

from app.documents.report_form import SectionCounts, SemiannualReport
from app.domain.dates import format_date
from app.domain.deadlines import DueStatus, due_status, semiannual_report_due
from app.domain.enums import DocumentStatus, TargetCategory
from app.domain.periods import HalfYear
from app.errors import UserError, ValidationError
from app.services.common import audit, current_user
from app.services.files import check_output, checked_format, write_atomically
from app.services.settings import provider_name
from db import models
from db.session import Database

logger = logging.getLogger(__name__)

ExportFormat = Literal["xlsx", "pdf"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("xlsx", "pdf")
Level = Literal["green", "amber", "red", "none"]
LEVEL_TITLES: dict[str, str] = {
    "none": "серый: нет данных (граждане целевой категории не выявлены)",
    "green": "зелёный: показатель качества достигнут (100 %)",
    "amber": "жёлтый: в пределах допустимого отклонения (не ниже 90 %)",
    "red": "красный: ниже допустимого отклонения (менее 90 %)",
}


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """31-р 5.3: of the people of the target category identified in the half-year, the
    share who received a route; target 100 %, tolerated deviation -10 %."""

    half: str
    issued: int  # of ``target``, those who received a route
    target: int  # disabled people and children of the target category identified
    percent: float | None  # None when nobody of the target category was identified
    level: Level
    routes_by: date | None = None  # routes issued up to this day count (None: the half-year)

    @property
    def level_title(self) -> str:
        return LEVEL_TITLES[self.level]


@dataclass(frozen=True)
class ExportResult:
    half: str
    path: Path
    format: str


# --- the columns -------------------------------------------------------------------------


def _half(text: str) -> HalfYear:
    return HalfYear.parse(text)


def _within(column: Any, half: HalfYear) -> ColumnElement[bool]:
    return and_(column >= half.first_day, column <= half.last_day)


def _section(
    session: Session, half: HalfYear, from_clause: Any, where: ColumnElement[bool]
) -> SectionCounts:
    """Four distinct-person counts over ``registry_entry`` rows (``e``) joined as given.

    ВСЕГО: every category (groups I and II, children, family members).
    Adults: categories GROUP_I and GROUP_II (group I/II with a self-care or movement
    limitation of degree II-III; the registry admits no other adult, 31-р 2.1).
    Of them SVO: adults whose registry entry's assessment has ``veteran_svo`` set.
    Children: category CHILD ("ребенок-инвалид").
    """
    e = models.RegistryEntry
    a = models.DisabilityAssessment
    adult = e.category.in_((TargetCategory.GROUP_I, TargetCategory.GROUP_II))
    person = e.citizen_id

    def distinct(condition: ColumnElement[bool] | None) -> Any:
        value = person if condition is None else case((condition, person))
        return func.count(func.distinct(value))

    row = session.execute(
        select(
            distinct(None),
            distinct(adult),
            distinct(and_(adult, a.veteran_svo.is_(True))),
            distinct(e.category == TargetCategory.CHILD),
        )
        .select_from(from_clause)
        .outerjoin(a, a.id == e.assessment_id)
        .where(where)
    ).one()
    return SectionCounts(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def _section_people(
    session: Session, half: HalfYear, from_clause: Any, where: ColumnElement[bool]
) -> list[set[str]]:
    """The people (citizen UUIDs) :func:`_section` counts, column by column: what the
    regional centre needs to count a person reported by two providers once (issue #11)."""
    e = models.RegistryEntry
    a = models.DisabilityAssessment
    c = models.Citizen
    adult = e.category.in_((TargetCategory.GROUP_I, TargetCategory.GROUP_II))
    rows = session.execute(
        select(
            c.uuid, adult, and_(adult, a.veteran_svo.is_(True)), e.category == TargetCategory.CHILD
        )
        .select_from(from_clause)
        .join(c, c.id == e.citizen_id)
        .outerjoin(a, a.id == e.assessment_id)
        .where(where)
    ).all()
    columns: list[set[str]] = [set(), set(), set(), set()]
    for person, is_adult, is_svo, is_child in rows:
        key = str(person)
        columns[0].add(key)
        for column, flag in ((1, is_adult), (2, is_svo), (3, is_child)):
            if flag:
                columns[column].add(key)
    return columns


def _identified_where(half: HalfYear) -> tuple[Any, ColumnElement[bool]]:
    e = models.RegistryEntry
    months = [str(m) for m in half.months()]
    return e, and_(e.reporting_month.in_(months), _within(e.identified_on, half))


def _identified(session: Session, half: HalfYear) -> SectionCounts:
    """Columns 3-6, "Выявление": people whose registry entry was identified in the half-year.

    The date is the entry's identification date (Appendix 1 column 2, the day the data
    arrived): 1 January-30 June for H1, 1 July-31 December for H2, both ends included.
    ``reporting_month`` is the month of that date; filtering on it too uses the index.
    """
    return _section(session, half, *_identified_where(half))


def _routes(session: Session, half: HalfYear) -> SectionCounts:
    """Columns 7-10: people for whom a route was drawn up (issued) in the half-year.

    "Составлен в отчетном периоде" is read as: a route document whose issue date (the day
    it was finalised and numbered, ``route.issued_on``) falls in the half-year, and which
    was issued (status ISSUED, or SUPERSEDED by a later version: it was issued all the
    same). Drafts do not count. The date the route was sent (Appendix 1 column 9) does not
    matter: a route issued on 30 June and posted on 2 July counts in H1. The person's
    category and SVO flag are those of the registry entry the route was drawn up for
    (``route.entry_id``), or, for a route without one, of the person's latest entry.
    Whether that entry was identified in the same half-year does not matter either.
    """
    return _section(session, half, *_routes_where(half))


def _routes_where(half: HalfYear) -> tuple[Any, ColumnElement[bool]]:
    e = models.RegistryEntry
    r = models.Route
    latest_entry = (
        select(func.max(e.id)).where(e.citizen_id == r.citizen_id).correlate(r).scalar_subquery()
    )
    joined = join(r, e, e.id == func.coalesce(r.entry_id, latest_entry))
    return joined, and_(
        r.status.in_((DocumentStatus.ISSUED, DocumentStatus.SUPERSEDED)),
        _within(r.issued_on, half),
    )


def _plans(session: Session, half: HalfYear) -> SectionCounts:
    """Columns 11-14: people for whom a support plan was formed in the half-year.

    The date is Appendix 1 column 12, "Дата формирования индивидуального плана комплексного
    сопровождения" (``registry_entry.plan_formed_on``, set when the plan is drawn up). The
    heading of column 12 omits "1/2 группу инвалидности" that columns 4 and 8 have; the
    registry holds no other adults, so the same adult categories (GROUP_I, GROUP_II) are
    counted.
    """
    return _section(session, half, *_plans_where(half))


def _plans_where(half: HalfYear) -> tuple[Any, ColumnElement[bool]]:
    e = models.RegistryEntry
    return e, _within(e.plan_formed_on, half)


def report_with_people(
    db: Database, session: Session, half: HalfYear
) -> tuple[SemiannualReport, list[set[str]]]:
    """Appendix 4 and, for each of columns 3-14, the people it counts (their UUIDs).

    The counts are those of the people (one query a section instead of two); that they
    equal :func:`semiannual_report`'s is tested on hand-built and demo data.
    """
    people: list[set[str]] = []
    for where in (_identified_where, _routes_where, _plans_where):
        people += _section_people(session, half, *where(half))
    counts = [len(p) for p in people]
    return SemiannualReport.from_counts(half, provider_name(db, session), counts), people


def _read_report(db: Database, session: Session, half: HalfYear) -> SemiannualReport:
    return SemiannualReport(
        half=str(half),
        period_title=half.title,
        first_day=half.first_day,
        last_day=half.last_day,
        provider=provider_name(db, session),
        identified=_identified(session, half),
        routes=_routes(session, half),
        plans=_plans(session, half),
    )


def semiannual_report(db: Database, half: str) -> SemiannualReport:
    """Appendix 4 for ``half`` ("2025H1"); ``InvalidPeriodError`` for unreadable text."""
    period = _half(half)
    with db.session_factory() as session:
        return _read_report(db, session, period)


# --- the indicator of 5.3 ----------------------------------------------------------------


def coverage_of_people(
    half: str, target: set[str], routed: set[str], routes_by: date | None = None
) -> Coverage:
    """31-р 5.3: "Доля инвалидов, детей-инвалидов ..., получивших индивидуальный
    реабилитационный маршрут, от общей численности ... целевой категории" is a share of the
    same people (issue #13): of ``target`` (disabled people and children of the target
    category identified in the half-year, columns 4 + 6), those in ``routed``. It cannot pass
    100 %: a route for someone identified earlier counts for nobody here. Family members are
    in neither: the indicator speaks of "инвалидов, детей-инвалидов". Levels: green at 100 %
    (the quality target), amber from 90 % (the tolerated -10 %), red below; with nobody
    identified there is nothing to measure: percent None, level "none" (shown grey; issue
    #12: "0 из 0 … зелёный" read as an achievement).
    """
    issued = len(target & routed)
    if not target:
        return Coverage(half, 0, 0, None, "none", routes_by)
    level: Level
    if issued >= len(target):  # compared in integers: 90 % exactly is amber
        level = "green"
    elif issued * 10 >= len(target) * 9:
        level = "amber"
    else:
        level = "red"
    return Coverage(half, issued, len(target), issued * 100 / len(target), level, routes_by)


def route_coverage(db: Database, half: str) -> Coverage:
    """31-р 5.3 for ``half`` ("2025H1") on this database: the people of columns 4 and 6 and,
    of them, those with a route issued (or issued and later superseded) by the report's due
    date (31-р 5.2: the 25th of the next month) — a route issued on 10 July for someone
    identified on 28 June counts for H1, where the consultant had the time 3.3 gives."""
    period = _half(half)
    due = semiannual_report_due(period)
    e = models.RegistryEntry
    r = models.Route
    with db.session_factory() as session:
        from_clause, where = _identified_where(period)
        target = {
            str(c)
            for c in session.scalars(
                select(e.citizen_id)
                .select_from(from_clause)
                .where(
                    where,
                    e.category.in_(
                        (TargetCategory.GROUP_I, TargetCategory.GROUP_II, TargetCategory.CHILD)
                    ),
                )
                .distinct()
            )
        }
        routed = {
            str(c)
            for c in session.scalars(
                select(r.citizen_id)
                .where(
                    r.status.in_((DocumentStatus.ISSUED, DocumentStatus.SUPERSEDED)),
                    r.issued_on <= due,
                )
                .distinct()
            )
        }
    return coverage_of_people(str(period), target, routed, due)


def coverage_from_columns(half: str, people: list[set[str]]) -> Coverage:
    """The indicator from the people behind columns 3-14 (a provider's package at the
    centre): columns 4 + 6 and, of them, those in columns 8 + 10 (routes issued within the
    half-year; the package carries no later routes)."""
    target = people[1] | people[3]
    return coverage_of_people(half, target, people[5] | people[7])


# --- export ------------------------------------------------------------------------------


def _render(report: SemiannualReport, fmt: ExportFormat, path: Path) -> None:
    if fmt == "xlsx":
        from app.documents.report_xlsx import write_report_xlsx

        write_report_xlsx(report, path)
    else:
        from app.documents.report_pdf import write_report_pdf

        write_report_pdf(report, path)


def export_semiannual(db: Database, half: str, fmt: str, out: Path) -> ExportResult:
    """Write Appendix 4 for ``half`` to ``out`` as "xlsx" or "pdf" and record who did it.

    The file appears whole or not at all: it is rendered next to ``out`` and moved into
    place.
    """
    kind = checked_format(fmt, EXPORT_FORMATS)
    export_format: ExportFormat = "xlsx" if kind == "xlsx" else "pdf"
    period = _half(half)
    out = check_output(out, db.path)  # before the work: a wrong path is told at once
    with db.session_factory.begin() as session:
        report = _read_report(db, session, period)
        write_atomically(out, lambda path: _render(report, export_format, path), database=db.path)
        audit(
            session,
            current_user(session),
            "report.semiannual.export",
            "report",
            None,
            half=str(period),
            format=export_format,
            path=str(out),
            cells=[c for c in report.cells if isinstance(c, int)],
        )
    logger.info("semi-annual report %s exported as %s to %s", period, kind, out)
    return ExportResult(str(period), out, export_format)


# --- the report sent to the regional centre (31-р 5.2) ------------------------------------


@dataclass(frozen=True)
class Submission:
    """The report for ``half`` marked as sent to the regional centre."""

    half: str
    sent_on: date
    file_name: str
    note: str


@dataclass(frozen=True)
class SubmissionState:
    """Where the 5.2 duty of ``half`` stands on a day: due date, sending, status."""

    half: str
    due_on: date
    submission: Submission | None
    status: DueStatus

    @property
    def text(self) -> str:
        """«Отправлен в центр 20.01.2027 (в срок)» or «Не отмечен ... срок 25.01.2027»."""
        period = HalfYear.parse(self.half).title
        due = format_date(self.due_on)
        sent = self.submission
        if sent is None:
            return (
                f"Отчет за {period} не отмечен отправленным в региональный центр; "
                f"срок — {due} ({self.status.label})."
            )
        late = "в срок" if self.status is DueStatus.DONE else f"позже срока {due}"
        how = f", {sent.note}" if sent.note else ""
        what = f", файл {sent.file_name}" if sent.file_name else ""
        return (
            f"Отчет за {period} отправлен в региональный центр {format_date(sent.sent_on)} "
            f"({late}{what}{how})."
        )


def _submission(session: Session, half: HalfYear) -> Submission | None:
    row = session.scalars(
        select(models.ReportSubmission)
        .where(models.ReportSubmission.period == str(half))
        .order_by(models.ReportSubmission.submitted_on, models.ReportSubmission.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return Submission(str(half), row.submitted_on, row.file_name or "", row.note or "")


def submission_state(db: Database, half: str, on: date) -> SubmissionState:
    """The semi-annual report of ``half`` seen on ``on``: sent (in time or late) or not."""
    period = _half(half)
    due = semiannual_report_due(period)
    with db.session_factory() as session:
        sent = _submission(session, period)
    status = due_status(due, on, sent.sent_on if sent else None)
    return SubmissionState(str(period), due, sent, status)


def mark_report_sent(
    db: Database,
    half: str,
    sent_on: date,
    file: Path | None = None,
    note: str | None = None,
) -> SubmissionState:
    """Record that the report for ``half`` went to the regional centre on ``sent_on``: the
    5.2 duty is then done (in time or late). ``file``: the report file that was sent (its
    name and SHA-256 are kept). A day still to come, a day before the half-year began, an
    unreadable file or a report already marked are refused; nothing is written then."""
    from app import clock
    from app.domain.enums import UserRole
    from app.services import access

    access.require(db, UserRole.SUPERVISOR, UserRole.CONSULTANT)
    period = _half(half)
    today = clock.today()
    if sent_on > today:
        raise ValidationError(
            f"Дата отправки отчета {format_date(sent_on)} ещё не наступила (сегодня "
            f"{format_date(today)}): отметьте отчет в день отправки."
        )
    if sent_on < period.first_day:
        raise ValidationError(
            f"Дата отправки отчета {format_date(sent_on)} раньше начала отчетного периода "
            f"({period.title} начинается {format_date(period.first_day)})."
        )
    file_name = sha256 = None
    if file is not None:
        path = Path(file).expanduser()
        if not path.is_file():
            raise UserError(f"Файл отчета не найден: {path}")
        try:
            sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise UserError(f"Файл отчета {path} не читается: {exc.strerror or exc}") from exc
        file_name = path.name
    text = " ".join((note or "").split()) or None
    with db.session_factory.begin() as session:
        _record_submission(session, period, sent_on, file_name, sha256, text)
    logger.info("semi-annual report %s marked sent on %s", period, sent_on)
    return submission_state(db, str(period), today)


def _record_submission(
    session: Session,
    period: HalfYear,
    sent_on: date,
    file_name: str | None,
    sha256: str | None,
    note: str | None,
) -> models.ReportSubmission:
    earlier = _submission(session, period)
    if earlier is not None:
        raise UserError(
            f"Отчет за {period.title} уже отмечен отправленным в региональный центр "
            f"{format_date(earlier.sent_on)}."
        )
    user = current_user(session)
    row = models.ReportSubmission(
        period=str(period),
        submitted_on=sent_on,
        file_name=file_name,
        sha256=sha256,
        note=note,
        created_by_id=user.id,
        updated_by_id=user.id,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        user,
        "report.semiannual.sent",
        "report_submission",
        str(row.uuid),
        half=str(period),
        sent_on=sent_on.isoformat(),
        file=file_name,
        note=note,
    )
    return row


def record_sent_with_package(
    session: Session, half: HalfYear, sent_on: date, package_file: str, sequence: int
) -> bool:
    """A sync package carrying the report for ``half`` went to the centre: the report is
    sent with it, unless it was marked sent already. True when recorded."""
    if _submission(session, half) is not None:
        return False
    _record_submission(session, half, sent_on, package_file, None, f"с пакетом обмена №{sequence}")
    return True
