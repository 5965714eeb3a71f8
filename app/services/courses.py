"""Semi-stationary courses (510-п subsection 3): programmes, attendance, extensions.

One use case, one transaction; the rules are in ``app/domain/courses.py``. A programme
(ИППСУ) is created with its course: the course runs over the programme's period and is
extended with it (4.4 б, 4.5). Creations and ticks are audited here; updates and
deletions are audited by the session (app/services/common.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app import clock
from app.domain import courses as rules
from app.domain.dates import format_date
from app.domain.deadlines import extension_application_due
from app.domain.enums import ApplicationDecision, ProgrammeStatus, ServiceForm, Technology
from app.domain.names import full_name, search_key
from app.domain.periods import Month
from app.domain.workdays import WorkCalendar
from app.errors import NotFoundError, ValidationError
from app.services.calendar import load_calendar
from app.services.common import audit, current_user
from db import models
from db.session import Database

STATUS_LABELS = {
    ProgrammeStatus.ACTIVE: "действует",
    ProgrammeStatus.FINISHED: "завершена",
    ProgrammeStatus.CANCELLED: "прекращена",
}
DECISION_LABELS = {
    ApplicationDecision.PENDING: "ожидает решения",
    ApplicationDecision.GRANTED: "продлено",
    ApplicationDecision.REFUSED: "отказано",
}
COURSE_TITLES = {
    Technology.COURSE: "Курсовая комплексная реабилитация",
    Technology.AUTISM_COURSE: "Курсовая комплексная реабилитация (РАС)",
    Technology.HOME_REHAB: "Курс реабилитации «Реабилитационный центр на дому»",
    Technology.SUPPORTED_LIVING: "Курс реабилитации «Сопровождаемое проживание»",
}


@dataclass(frozen=True)
class ExtensionView:
    id: int
    received_on: date
    months: int
    decision: ApplicationDecision
    decided_on: date | None
    new_ends_on: date | None
    refusal_reason: str
    ends_on_before: date
    decision_due: date
    late_warning: str | None  # 4.5: received later than 5 working days before the end

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]


@dataclass(frozen=True)
class CourseView:
    programme_id: int
    course_id: int
    citizen_id: int
    person: str
    number: str
    technology: Technology
    service_form: ServiceForm
    form_chosen_on: date | None
    status: ProgrammeStatus
    starts_on: date
    ends_on: date  # the planned end, after any extension
    original_ends_on: date  # the end before the first extension (4.5: at most 3 months on)
    days: tuple[date, ...]
    extensions: tuple[ExtensionView, ...]
    application_due: date  # 4.5: 5 working days before ``ends_on``

    @property
    def technology_label(self) -> str:
        return rules.technology_label(self.technology)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def extension_limit(self) -> date:
        return rules.extension_limit(self.original_ends_on)

    @property
    def pending_extension(self) -> ExtensionView | None:
        return next((e for e in self.extensions if e.decision is ApplicationDecision.PENDING), None)

    def days_in(self, month: Month, cal: WorkCalendar) -> int:
        return rules.working_days_ticked(self.days, month, cal)


@dataclass(frozen=True)
class ProgrammeRow:
    programme_id: int
    citizen_id: int
    person: str
    technology: Technology
    service_form: ServiceForm
    starts_on: date
    ends_on: date
    days_in_month: int
    status: ProgrammeStatus
    pending_extension: bool

    @property
    def technology_label(self) -> str:
        return rules.technology_label(self.technology)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class TickResult:
    view: CourseView
    day: date
    month_count: int  # working days ticked in the day's month, after the change


@dataclass(frozen=True)
class RegisterResult:
    view: CourseView
    application: ExtensionView
    warning: str | None  # 4.5: later than 5 working days before the end


# --- reading --------------------------------------------------------------------------------


def _programme(session: Session, programme_id: int) -> models.ServiceProgramme:
    programme = session.get(models.ServiceProgramme, programme_id)
    if programme is None:
        raise NotFoundError(f"Программа (ИППСУ) № {programme_id} не найдена.")
    return programme


def _course(programme: models.ServiceProgramme) -> models.Course:
    if not programme.courses:
        raise NotFoundError(f"У программы № {programme.id} нет курса.")
    return programme.courses[-1]


def _original_end(programme: models.ServiceProgramme) -> date:
    ends = [e.ends_on_before for e in programme.extensions if e.ends_on_before is not None]
    return min(ends) if ends else programme.ends_on


def _extension_view(e: models.ExtensionApplication, cal: WorkCalendar) -> ExtensionView:
    before = e.ends_on_before or e.programme.ends_on
    return ExtensionView(
        id=e.id,
        received_on=e.applied_on,
        months=e.months,
        decision=e.decision,
        decided_on=e.decided_on,
        new_ends_on=e.new_ends_on,
        refusal_reason=e.refusal_reason or "",
        ends_on_before=before,
        decision_due=rules.decision_due(e.applied_on, cal),
        late_warning=rules.extension_late_warning(e.applied_on, before, cal),
    )


def _view(session: Session, programme: models.ServiceProgramme, cal: WorkCalendar) -> CourseView:
    course = _course(programme)
    citizen = _citizen(session, programme)
    return CourseView(
        programme_id=programme.id,
        course_id=course.id,
        citizen_id=programme.citizen_id,
        person=full_name(citizen.last_name, citizen.first_name, citizen.middle_name),
        number=programme.number or "",
        technology=programme.technology,
        service_form=programme.service_form,
        form_chosen_on=programme.form_chosen_on,
        status=programme.status,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        original_ends_on=_original_end(programme),
        days=tuple(sorted(d.day for d in course.days)),
        extensions=tuple(_extension_view(e, cal) for e in programme.extensions),
        application_due=extension_application_due(programme.ends_on, cal),
    )


def _citizen(session: Session, programme: models.ServiceProgramme) -> models.Citizen:
    citizen = session.get(models.Citizen, programme.citizen_id)
    if citizen is None:
        raise NotFoundError(f"Гражданин № {programme.citizen_id} не найден.")
    return citizen


def get_course(db: Database, programme_id: int) -> CourseView:
    cal = load_calendar(db)
    with db.session_factory() as session:
        return _view(session, _programme(session, programme_id), cal)


def programme_of(db: Database, entity: str, entity_id: int) -> int | None:
    """The programme a dashboard item is about: ``service_programme``, ``course`` or
    ``extension_application`` (the 510-п duties), else ``None``."""
    with db.session_factory() as session:
        if entity == "service_programme":
            found = session.get(models.ServiceProgramme, entity_id)
            return found.id if found else None
        if entity == "course":
            course = session.get(models.Course, entity_id)
            return course.programme_id if course else None
        if entity == "extension_application":
            application = session.get(models.ExtensionApplication, entity_id)
            return application.programme_id if application else None
    return None


def list_programmes(
    db: Database,
    month: Month | None = None,
    search: str = "",
    technology: Technology | None = None,
    status: ProgrammeStatus | None = None,
    pending_only: bool = False,
    citizen_id: int | None = None,
) -> list[ProgrammeRow]:
    """Programmes with their course, filtered; ``month`` (default: this month) counts the
    working days ticked in it (4.4). Sorted by name, then start."""
    cal = load_calendar(db)
    month = month or Month.of(clock.today())
    with db.session_factory() as session:
        query = (
            select(models.ServiceProgramme, models.Citizen)
            .join(models.Citizen, models.Citizen.id == models.ServiceProgramme.citizen_id)
            .options(
                selectinload(models.ServiceProgramme.extensions),
                selectinload(models.ServiceProgramme.courses).selectinload(models.Course.days),
            )
            .order_by(models.Citizen.search_name, models.ServiceProgramme.starts_on)
        )
        key = search_key(search)
        if key:
            query = query.where(
                or_(
                    models.Citizen.search_name.contains(key),
                    func.lower(models.ServiceProgramme.number).contains(key),
                )
            )
        if technology is not None:
            query = query.where(models.ServiceProgramme.technology == technology)
        if status is not None:
            query = query.where(models.ServiceProgramme.status == status)
        if citizen_id is not None:
            query = query.where(models.ServiceProgramme.citizen_id == citizen_id)
        rows = []
        for programme, citizen in session.execute(query).all():
            pending = any(e.decision is ApplicationDecision.PENDING for e in programme.extensions)
            if pending_only and not pending:
                continue
            days = [d.day for c in programme.courses for d in c.days]
            rows.append(
                ProgrammeRow(
                    programme_id=programme.id,
                    citizen_id=citizen.id,
                    person=full_name(citizen.last_name, citizen.first_name, citizen.middle_name),
                    technology=programme.technology,
                    service_form=programme.service_form,
                    starts_on=programme.starts_on,
                    ends_on=programme.ends_on,
                    days_in_month=rules.working_days_ticked(days, month, cal),
                    status=programme.status,
                    pending_extension=pending,
                )
            )
        return rows


# --- programme and course --------------------------------------------------------------------


def create_course(
    db: Database,
    citizen_id: int,
    technology: Technology,
    starts_on: date,
    ends_on: date,
    service_form: ServiceForm = ServiceForm.IN_PERSON,
    form_chosen_on: date | None = None,
    number: str = "",
) -> CourseView:
    """A programme (ИППСУ) and its course for a citizen: technology, start, planned end, form.

    Refused with the clause: a course of 4.4 г not of 3 months, an end before the start,
    the remote format without the written choice or for a technology 1.3 does not name.
    """
    refusal = rules.course_dates_refusal(technology, starts_on, ends_on) or rules.form_refusal(
        technology, service_form, form_chosen_on
    )
    if refusal:
        raise ValidationError(refusal)
    if form_chosen_on is not None and form_chosen_on > clock.today():
        raise ValidationError(
            f"Дата письменного выбора формата {format_date(form_chosen_on)} ещё не наступила."
        )
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        if session.get(models.Citizen, citizen_id) is None:
            raise NotFoundError(f"Гражданин № {citizen_id} не найден.")
        programme = models.ServiceProgramme(
            citizen_id=citizen_id,
            number=number.strip() or None,
            technology=technology,
            status=ProgrammeStatus.ACTIVE,
            issued_on=clock.today(),
            starts_on=starts_on,
            ends_on=ends_on,
            service_form=service_form,
            form_chosen_on=form_chosen_on if service_form is ServiceForm.REMOTE else None,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        programme.courses.append(
            models.Course(
                title=COURSE_TITLES[technology],
                starts_on=starts_on,
                ends_on=ends_on,
                created_by_id=user.id,
                updated_by_id=user.id,
            )
        )
        session.add(programme)
        session.flush()
        audit(
            session,
            user,
            "course.create",
            "service_programme",
            str(programme.uuid),
            technology=technology.value,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
            service_form=service_form.value,
        )
        return _view(session, programme, cal)


def tick(db: Database, programme_id: int, day: date) -> TickResult:
    """Mark ``day`` attended; refused (database unchanged) outside the course, on a day off
    of the production calendar, or as a 13th working day of the month (4.4); a day that
    has not come yet is not attended."""
    if day > clock.today():
        raise ValidationError(
            f"{format_date(day)} ещё не наступил: отмечаются дни, когда гражданин был на курсе."
        )
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        programme = _programme(session, programme_id)
        course = _course(programme)
        ticked = {d.day for d in course.days}
        refusal = rules.tick_refusal(day, ticked, programme.starts_on, programme.ends_on, cal)
        if refusal:
            raise ValidationError(refusal)
        if day not in ticked:
            row = models.AttendanceDay(day=day, created_by_id=user.id, updated_by_id=user.id)
            course.days.append(row)
            session.flush()
            audit(session, user, "course.tick", "course", str(course.uuid), day=day.isoformat())
            ticked.add(day)
        view = _view(session, programme, cal)
        return TickResult(view, day, rules.working_days_ticked(ticked, Month.of(day), cal))


def untick(db: Database, programme_id: int, day: date) -> TickResult:
    """Take back a day marked by mistake (the deletion is audited)."""
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        programme = _programme(session, programme_id)
        course = _course(programme)
        for row in list(course.days):
            if row.day == day:
                course.days.remove(row)
        session.flush()
        ticked = {d.day for d in course.days}
        view = _view(session, programme, cal)
        return TickResult(view, day, rules.working_days_ticked(ticked, Month.of(day), cal))


# --- extension (4.5) ---------------------------------------------------------------------------


def register_extension(
    db: Database, programme_id: int, months: int, received_on: date | None = None
) -> RegisterResult:
    """Register an application to extend the programme, dated the day it was received
    (4.5: "регистрирует заявление ... в день его получения"); a warning when it came later
    than five working days before the end. One application waits for a decision at a time.
    """
    received_on = received_on or clock.today()
    if received_on > clock.today():
        raise ValidationError(
            f"Дата получения заявления {format_date(received_on)} ещё не наступила: "
            "заявление регистрируется в день получения."
        )
    refusal = rules.extension_months_refusal(months)
    if refusal:
        raise ValidationError(refusal)
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        programme = _programme(session, programme_id)
        if programme.status is not ProgrammeStatus.ACTIVE:
            raise ValidationError(
                f"Программа {STATUS_LABELS[programme.status]}: продлевается только действующая."
            )
        if any(e.decision is ApplicationDecision.PENDING for e in programme.extensions):
            raise ValidationError(
                "Заявление о продлении уже ждёт решения: сначала примите решение по нему."
            )
        if received_on > programme.ends_on:
            raise ValidationError(
                f"Программа окончилась {format_date(programme.ends_on)}: заявление о продлении "
                f"подаётся до окончания срока ({rules.CLAUSE_4_5})."
            )
        if programme.ends_on >= rules.extension_limit(_original_end(programme)):
            raise ValidationError(
                f"Срок уже продлён на три месяца — больше продлевать нельзя ({rules.CLAUSE_4_5})."
            )
        application = models.ExtensionApplication(
            applied_on=received_on,
            months=months,
            decision=ApplicationDecision.PENDING,
            ends_on_before=programme.ends_on,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        programme.extensions.append(application)
        session.flush()
        audit(
            session,
            user,
            "extension.register",
            "extension_application",
            str(application.uuid),
            received_on=received_on.isoformat(),
            months=months,
            ends_on=programme.ends_on.isoformat(),
        )
        view = _view(session, programme, cal)
        ext = next(e for e in view.extensions if e.id == application.id)
        return RegisterResult(view, ext, ext.late_warning)


def _pending_application(session: Session, application_id: int) -> models.ExtensionApplication:
    application = session.get(models.ExtensionApplication, application_id)
    if application is None:
        raise NotFoundError(f"Заявление о продлении № {application_id} не найдено.")
    if application.decision is not ApplicationDecision.PENDING:
        raise ValidationError(
            f"По заявлению от {format_date(application.applied_on)} решение уже принято "
            f"({DECISION_LABELS[application.decision]} {format_date(application.decided_on)})."
        )
    return application


def _decision_date(application: models.ExtensionApplication, decided_on: date | None) -> date:
    decided_on = decided_on or clock.today()
    if decided_on > clock.today():
        raise ValidationError(f"Дата решения {format_date(decided_on)} ещё не наступила.")
    if decided_on < application.applied_on:
        raise ValidationError(
            f"Дата решения {format_date(decided_on)} раньше получения заявления "
            f"{format_date(application.applied_on)}."
        )
    return decided_on


def grant_extension(
    db: Database, application_id: int, new_ends_on: date, decided_on: date | None = None
) -> CourseView:
    """Extend the programme and its course to ``new_ends_on``: at most three months beyond
    the programme's first end (4.5), else refused with the clause."""
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        application = _pending_application(session, application_id)
        decided = _decision_date(application, decided_on)
        programme = application.programme
        refusal = rules.extension_refusal(_original_end(programme), programme.ends_on, new_ends_on)
        if refusal:
            raise ValidationError(refusal)
        old_end = programme.ends_on
        application.decision = ApplicationDecision.GRANTED
        application.decided_on = decided
        application.new_ends_on = new_ends_on
        application.updated_by_id = user.id
        programme.ends_on = new_ends_on
        programme.updated_by_id = user.id
        course = _course(programme)
        if course.ends_on is None or course.ends_on == old_end:
            course.ends_on = new_ends_on
        session.flush()
        audit(
            session,
            user,
            "extension.grant",
            "extension_application",
            str(application.uuid),
            decided_on=decided.isoformat(),
            new_ends_on=new_ends_on.isoformat(),
        )
        return _view(session, programme, cal)


def refuse_extension(
    db: Database, application_id: int, reason: str, decided_on: date | None = None
) -> CourseView:
    """Refuse the extension; the reason is required, as the notice names it (4.5)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            "Причина отказа: не заполнена — уведомление об отказе указывает причину "
            f"({rules.CLAUSE_4_5})."
        )
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        application = _pending_application(session, application_id)
        decided = _decision_date(application, decided_on)
        application.decision = ApplicationDecision.REFUSED
        application.decided_on = decided
        application.refusal_reason = reason
        application.updated_by_id = user.id
        session.flush()
        audit(
            session,
            user,
            "extension.refuse",
            "extension_application",
            str(application.uuid),
            decided_on=decided.isoformat(),
        )
        return _view(session, application.programme, cal)


# --- documents -------------------------------------------------------------------------------


def write_refusal_notice(db: Database, application_id: int, path: Path) -> Path:
    """The notice to the citizen of the refusal to extend, with its reason (4.5), as a PDF."""
    from app.documents.extension_notice_pdf import RefusalNotice, write_refusal_notice_pdf
    from app.services.dispatch import dative_name, greeting
    from app.services.profile import get_profile
    from app.services.settings import load_settings

    settings = load_settings(db)
    signer = get_profile(db)
    with db.session_factory() as session:
        application = session.get(models.ExtensionApplication, application_id)
        if application is None:
            raise NotFoundError(f"Заявление о продлении № {application_id} не найдено.")
        if application.decision is not ApplicationDecision.REFUSED:
            raise ValidationError(
                "Уведомление об отказе печатается только по заявлению, в продлении по "
                "которому отказано."
            )
        programme = application.programme
        citizen = _citizen(session, programme)
        dative, _declined = dative_name(
            citizen.last_name, citizen.first_name, citizen.middle_name, citizen.sex
        )
        address = citizen.actual_address or citizen.registration_address or ""
        notice = RefusalNotice(
            sender_name=settings.provider_name,
            sender_address=settings.provider_address,
            recipient_dative=dative,
            recipient_address=address,
            postcode=citizen.postcode or "",
            greeting=greeting(citizen.first_name, citizen.middle_name, citizen.sex),
            received_on=application.applied_on,
            decided_on=application.decided_on or clock.today(),
            programme_number=programme.number or "",
            ends_on=application.ends_on_before or programme.ends_on,
            reason=application.refusal_reason or "",
            signer_name=signer.full_name,
            signer_position=signer.position,
        )
    write_refusal_notice_pdf(notice, path)
    with db.session_factory.begin() as session:
        user = current_user(session)
        found = session.get(models.ExtensionApplication, application_id)
        audit(
            session,
            user,
            "extension.refusal_notice",
            "extension_application",
            str(found.uuid) if found else None,
            file=path.name,
        )
    return path


def export_xlsx(db: Database, path: Path, month: Month | None = None) -> int:
    """The programmes with their courses as XLSX (sheet «Курсы»); returns the rows written."""
    from app.documents.courses_xlsx import write_courses_xlsx

    month = month or Month.of(clock.today())
    rows = list_programmes(db, month)
    printed = [
        (
            r.person,
            r.technology_label,
            r.service_form.label,
            format_date(r.starts_on),
            format_date(r.ends_on),
            str(r.days_in_month),
            r.status_label,
            "да" if r.pending_extension else "",
        )
        for r in rows
    ]
    write_courses_xlsx(printed, month, path)
    return len(rows)


@dataclass(frozen=True)
class PersonChoice:
    citizen_id: int
    name: str
    birth_date: date | None


def find_citizens(db: Database, text: str, limit: int = 20) -> list[PersonChoice]:
    """Citizens whose name contains ``text`` (search as you type), for a new course."""
    key = search_key(text)
    if not key:
        return []
    with db.session_factory() as session:
        rows = session.scalars(
            select(models.Citizen)
            .where(models.Citizen.search_name.contains(key))
            .order_by(models.Citizen.search_name)
            .limit(limit)
        ).all()
        return [
            PersonChoice(c.id, full_name(c.last_name, c.first_name, c.middle_name), c.birth_date)
            for c in rows
        ]
