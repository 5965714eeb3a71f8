"""What is due or overdue on a date: every row of DESIGN.md's deadline table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app import clock
from app.domain import deadlines as rules
from app.domain.dates import format_date
from app.domain.deadlines import DeadlineKind, DueStatus, due_status
from app.domain.enums import ApplicationDecision, CallOutcome, ProgrammeStatus
from app.domain.names import full_name
from app.domain.periods import HalfYear, Month
from app.domain.workdays import WorkCalendar
from app.services.calendar import load_calendar
from app.services.settings import installed_on
from db import models
from db.session import Database

# Statuses that belong on a to-do list; DONE and LATER are left out unless asked for.
ACTIONABLE = (DueStatus.OVERDUE, DueStatus.DUE_TODAY, DueStatus.DUE_THIS_WEEK)


@dataclass(frozen=True)
class DueItem:
    kind: DeadlineKind
    due_on: date
    status: DueStatus
    title: str  # what is to be done, in Russian
    person: str  # whose record, or "" for the provider's monthly duties
    entity: str  # table of the record the item opens ("registry_entry", ...)
    entity_id: int | None

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "kind_title": self.kind.label,
            "source": self.kind.source,
            "due_on": self.due_on.isoformat(),
            "status": self.status.value,
            "status_title": self.status.label,
            "title": self.title,
            "person": self.person,
            "entity": self.entity,
            "entity_id": self.entity_id,
        }


def due_items(
    db: Database, on: date, statuses: tuple[DueStatus, ...] = ACTIONABLE
) -> list[DueItem]:
    """Everything due on ``on`` with one of ``statuses``, most urgent first.

    The provider's periodic duties (extract, registry, semi-annual report) that fell due
    before the program was installed are not listed (issue #12: a new database showed the
    report for a half-year long gone as overdue); each person's duties follow their record.
    """
    cal = load_calendar(db)
    items: list[DueItem] = []
    with db.session_factory() as session:
        installed = installed_on(session) or clock.today()
        items.extend(i for i in _monthly_duties(session, on, cal) if i.due_on >= installed)
        # Done duties of people are read only when asked for (`ic deadlines --all`): on a
        # database of 100,000 people they are most of the rows.
        done = DueStatus.DONE in statuses or DueStatus.DONE_LATE in statuses
        items.extend(_informing(session, on, cal, done))
        items.extend(_route_dispatch(session, on, cal, done))
        items.extend(_call_backs(session, on, cal))
        items.extend(_extensions(session, on, cal))
        items.extend(_intake(session, on, cal))
        items.extend(_attendance(session, on, cal))
    order = {s: i for i, s in enumerate(DueStatus)}
    items = [i for i in items if i.status in statuses]
    items.sort(key=lambda i: (order[i.status], i.due_on, i.kind.value, i.person))
    return items


def _name(row: object) -> str:
    return full_name(row.last_name, row.first_name, row.middle_name)  # type: ignore[attr-defined]


def _monthly_duties(session: Session, on: date, cal: WorkCalendar) -> list[DueItem]:
    items = []
    reporting = Month.of(on).previous()
    # 31-р 3.1.1: the extract for the reporting month is taken by the 10th of the next one.
    # Imports are judged by the office's local day, not the UTC one: 01:00 on the 11th
    # in Tyumen is late although it is still the 10th in UTC.
    next_first = reporting.next().first_day
    local_midnight = clock.start_of_day_utc(next_first)
    imported = session.scalar(
        select(func.min(models.ImportBatch.imported_at)).where(
            models.ImportBatch.imported_at >= local_midnight
        )
    )
    imported_on = clock.local_date(imported) if imported else None
    due = rules.extract_import_due(reporting)
    items.append(
        DueItem(
            DeadlineKind.EXTRACT_IMPORT,
            due,
            due_status(due, on, imported_on, cal),
            f"Получить выписку из ЕИС СЗН за {reporting.title}",
            "",
            "import_batch",
            None,
        )
    )
    # 31-р 3.2: the registry for the month is formed by the 15th of the next one.
    formed = session.scalar(
        select(models.RegistryMonth.formed_on).where(models.RegistryMonth.month == str(reporting))
    )
    due = rules.registry_formation_due(reporting)
    items.append(
        DueItem(
            DeadlineKind.REGISTRY_FORMATION,
            due,
            due_status(due, on, formed, cal),
            f"Сформировать реестр за {reporting.title}",
            "",
            "registry_month",
            None,
        )
    )
    # 31-р 5.2: the report for the half-year just ended, by the 25th of the next month.
    half = HalfYear.of(on)
    previous = half.previous()
    submitted = session.scalar(
        select(func.min(models.ReportSubmission.submitted_on)).where(
            models.ReportSubmission.period == str(previous)
        )
    )
    due = rules.semiannual_report_due(previous)
    items.append(
        DueItem(
            DeadlineKind.SEMIANNUAL_REPORT,
            due,
            due_status(due, on, submitted, cal),
            f"Направить отчёт за {previous.title} в региональный центр",
            "",
            "report_submission",
            None,
        )
    )
    return items


def _done_by(done_on: date | None, on: date) -> date | None:
    """The day a duty was done, as seen on ``on`` (done later: not yet done then)."""
    return done_on if done_on is not None and done_on <= on else None


def _informing(session: Session, on: date, cal: WorkCalendar, done: bool = False) -> list[DueItem]:
    """31-р 4.1: phone within 7 working days of entering the person in the registry;
    with ``done``, the informed people too, DONE or DONE_LATE by the day of the call."""
    e = models.RegistryEntry
    query = (
        select(
            e.id,
            e.entered_on,
            e.informed_on,
            models.Citizen.last_name,
            models.Citizen.first_name,
            models.Citizen.middle_name,
        )
        .join(models.Citizen, models.Citizen.id == e.citizen_id)
        .where(e.entered_on <= on)
    )
    if not done:
        query = query.where(e.informed_on.is_(None))
    items = []
    for row in session.execute(query).all():
        due = rules.informing_due(row.entered_on, cal)
        informed = _done_by(row.informed_on, on)
        items.append(
            DueItem(
                DeadlineKind.INFORMING,
                due,
                due_status(due, on, informed, cal),
                "Проинформировать по телефону"
                if informed is None
                else f"Проинформирован {format_date(informed)}",
                _name(row),
                "registry_entry",
                row.id,
            )
        )
    return items


def _route_dispatch(
    session: Session, on: date, cal: WorkCalendar, done: bool = False
) -> list[DueItem]:
    """31-р 3.4, 4.6: route (and plan) sent by the 30th of the month after the reporting one;
    with ``done``, the routes sent too, DONE or DONE_LATE by the day sent."""
    e = models.RegistryEntry
    query = (
        select(
            e.id,
            e.reporting_month,
            e.route_sent_on,
            models.Citizen.last_name,
            models.Citizen.first_name,
            models.Citizen.middle_name,
        )
        .join(models.Citizen, models.Citizen.id == e.citizen_id)
        .where(e.route_needed.is_not(False))
        .where(e.identified_on <= on)
    )
    if not done:
        query = query.where(e.route_sent_on.is_(None))
    items = []
    for row in session.execute(query).all():
        due = rules.route_dispatch_due(Month.parse(row.reporting_month))
        sent = _done_by(row.route_sent_on, on)
        items.append(
            DueItem(
                DeadlineKind.ROUTE_DISPATCH,
                due,
                due_status(due, on, sent, cal),
                "Направить маршрут (и план) гражданину"
                if sent is None
                else f"Маршрут направлен {format_date(sent)}",
                _name(row),
                "registry_entry",
                row.id,
            )
        )
    return items


def _call_backs(session: Session, on: date, cal: WorkCalendar) -> list[DueItem]:
    """Call-backs promised on the phone, for people not yet informed."""
    latest = (
        select(
            models.CallAttempt.entry_id,
            func.max(models.CallAttempt.called_at).label("last_at"),
        )
        .group_by(models.CallAttempt.entry_id)
        .subquery()
    )
    rows = session.execute(
        select(
            models.CallAttempt.entry_id,
            models.CallAttempt.call_back_at,
            models.Citizen.last_name,
            models.Citizen.first_name,
            models.Citizen.middle_name,
        )
        .join(
            latest,
            and_(
                latest.c.entry_id == models.CallAttempt.entry_id,
                latest.c.last_at == models.CallAttempt.called_at,
            ),
        )
        .join(models.RegistryEntry, models.RegistryEntry.id == models.CallAttempt.entry_id)
        .join(models.Citizen, models.Citizen.id == models.RegistryEntry.citizen_id)
        .where(models.CallAttempt.outcome == CallOutcome.CALL_BACK)
        .where(models.CallAttempt.call_back_at.is_not(None))
        .where(models.RegistryEntry.informed_on.is_(None))
    ).all()
    items = []
    for row in rows:
        local = clock.to_local(row.call_back_at)
        due = local.date()
        items.append(
            DueItem(
                DeadlineKind.CALL_BACK,
                due,
                due_status(due, on, None, cal),
                f"Перезвонить {local:%d.%m.%Y %H:%M}",
                _name(row),
                "registry_entry",
                row.entry_id,
            )
        )
    return items


def _extensions(session: Session, on: date, cal: WorkCalendar) -> list[DueItem]:
    """510-п 4.5: apply 5 working days before the programme ends; decision in 5 working days.

    The application duty is done (DONE/DONE_LATE) on the day an application for the
    programme's present end was received; none is due once the term has been extended by
    the three months 4.5 allows. The decision duty is done on the day of the decision.
    """
    from app.domain.courses import extension_limit

    items = []
    applications = session.execute(
        select(
            models.ExtensionApplication.id,
            models.ExtensionApplication.programme_id,
            models.ExtensionApplication.applied_on,
            models.ExtensionApplication.ends_on_before,
            models.ExtensionApplication.decided_on,
            models.ExtensionApplication.decision,
            models.Citizen.last_name,
            models.Citizen.first_name,
            models.Citizen.middle_name,
        )
        .join(
            models.ServiceProgramme,
            models.ServiceProgramme.id == models.ExtensionApplication.programme_id,
        )
        .join(models.Citizen, models.Citizen.id == models.ServiceProgramme.citizen_id)
    ).all()
    by_programme: dict[int, list[Any]] = {}
    for a in applications:
        by_programme.setdefault(a.programme_id, []).append(a)
    rows = session.execute(
        select(
            models.ServiceProgramme.id,
            models.ServiceProgramme.ends_on,
            models.Citizen.last_name,
            models.Citizen.first_name,
            models.Citizen.middle_name,
        )
        .join(models.Citizen, models.Citizen.id == models.ServiceProgramme.citizen_id)
        .where(models.ServiceProgramme.status == ProgrammeStatus.ACTIVE)
        .where(models.ServiceProgramme.ends_on >= on)
    ).all()
    for row in rows:
        own = by_programme.get(row.id, [])
        # An application without the end it asked for (made before issue #13) is for the
        # present end.
        for_this_end = [a.applied_on for a in own if a.ends_on_before in (None, row.ends_on)]
        firsts = [a.ends_on_before for a in own if a.ends_on_before is not None]
        if not for_this_end and firsts and row.ends_on >= extension_limit(min(firsts)):
            continue  # extended by the whole three months: no further application
        due = rules.extension_application_due(row.ends_on, cal)
        done_on = min(for_this_end) if for_this_end else None
        items.append(
            DueItem(
                DeadlineKind.EXTENSION_APPLICATION,
                due,
                due_status(due, on, done_on, cal),
                f"Подать заявление о продлении ИППСУ (окончание {row.ends_on:%d.%m.%Y}), "
                "если продление нужно",
                _name(row),
                "service_programme",
                row.id,
            )
        )
    for a in applications:
        due = rules.extension_decision_due(a.applied_on, cal)
        done_on = None if a.decision == ApplicationDecision.PENDING else a.decided_on
        items.append(
            DueItem(
                DeadlineKind.EXTENSION_DECISION,
                due,
                due_status(due, on, done_on, cal),
                "Решение о продлении срока предоставления услуг",
                _name(a),
                "extension_application",
                a.id,
            )
        )
    return items


def _intake(session: Session, on: date, cal: WorkCalendar) -> list[DueItem]:
    """6-р 6: survey within 2 working days; 6-р 4: decision within 5 working days.

    No survey duty where 6-р 5 (second paragraph) draws up no survey act (510-п section 2
    subsection 2, section 3 subsections 3, 4) and no 6-р duty at all where 6-р 1 sends the
    assessment to order 4-р (app/domain/intake.py). A duty is done (DONE/DONE_LATE) on the
    day of the survey act or of the decision.
    """
    from app.domain import intake as intake_rules

    surveyed = (
        select(
            models.LivingConditionsSurvey.application_id,
            func.min(models.LivingConditionsSurvey.surveyed_on).label("surveyed_on"),
        )
        .where(models.LivingConditionsSurvey.surveyed_on.is_not(None))
        .group_by(models.LivingConditionsSurvey.application_id)
        .subquery()
    )
    rows = session.execute(
        select(
            models.IntakeApplication.id,
            models.IntakeApplication.applied_on,
            models.IntakeApplication.basis,
            models.IntakeApplication.technology,
            models.IntakeApplication.decision,
            models.IntakeApplication.decided_on,
            surveyed.c.surveyed_on,
            models.Citizen.birth_date,
            models.Citizen.last_name,
            models.Citizen.first_name,
            models.Citizen.middle_name,
        )
        .join(models.Citizen, models.Citizen.id == models.IntakeApplication.citizen_id)
        .outerjoin(surveyed, surveyed.c.application_id == models.IntakeApplication.id)
        .where(models.IntakeApplication.applied_on <= on)
    ).all()
    items = []
    for row in rows:
        basis = intake_rules.effective_basis(row.basis, row.technology)
        minor = intake_rules.is_minor(row.birth_date, row.applied_on)
        if intake_rules.survey_required(basis, minor):
            due = rules.survey_due(row.applied_on, cal)
            items.append(
                DueItem(
                    DeadlineKind.SURVEY,
                    due,
                    due_status(due, on, row.surveyed_on, cal),
                    "Обследовать условия жизнедеятельности (акт обследования)",
                    _name(row),
                    "intake_application",
                    row.id,
                )
            )
        if intake_rules.decision_required(basis, minor):
            due = rules.need_decision_due(row.applied_on, cal)
            done_on = None if row.decision == ApplicationDecision.PENDING else row.decided_on
            items.append(
                DueItem(
                    DeadlineKind.NEED_DECISION,
                    due,
                    due_status(due, on, done_on, cal),
                    "Решение о признании нуждающимся в социальном обслуживании",
                    _name(row),
                    "intake_application",
                    row.id,
                )
            )
    return items


def _attendance(session: Session, on: date, cal: WorkCalendar) -> list[DueItem]:
    """510-п 4.4: at most 12 working days of a course in any month (this month and last)."""
    first = Month.of(on).previous().first_day
    rows = session.execute(
        select(
            models.Course.id,
            models.AttendanceDay.day,
            models.Citizen.last_name,
            models.Citizen.first_name,
            models.Citizen.middle_name,
        )
        .join(models.AttendanceDay, models.AttendanceDay.course_id == models.Course.id)
        .join(models.ServiceProgramme, models.ServiceProgramme.id == models.Course.programme_id)
        .join(models.Citizen, models.Citizen.id == models.ServiceProgramme.citizen_id)
        .where(models.AttendanceDay.day >= first, models.AttendanceDay.day <= on)
    ).all()
    by_course: dict[int, tuple[str, list[date]]] = {}
    for row in rows:
        by_course.setdefault(row.id, (_name(row), []))[1].append(row.day)
    items = []
    for course_id, (person, days) in by_course.items():
        for month in rules.course_days_exceeding(days, cal):
            items.append(
                DueItem(
                    DeadlineKind.COURSE_ATTENDANCE,
                    month.last_day,
                    DueStatus.OVERDUE,
                    f"Курс превышает {rules.MAX_COURSE_DAYS_PER_MONTH} рабочих дней "
                    f"за {month.title}",
                    person,
                    "course",
                    course_id,
                )
            )
    return items
