"""Intake under 6-р: register an application, the survey, the assessment, the decision.

One use case, one transaction; the rules are in ``app/domain/intake.py``. Each action is
audited here (``intake.*``); updates and deletions are also audited by the session
(app/services/common.py). The duties of 6-р 4 and 6 are read from these records by
``app/services/deadlines.py`` and close when the survey or the decision is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import extract, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app import clock
from app.domain import intake as rules
from app.domain.dates import format_date
from app.domain.deadlines import DueStatus, due_status
from app.domain.enums import ApplicationDecision, Technology
from app.domain.intake import ServiceBasis
from app.domain.names import full_name, search_key
from app.domain.workdays import WorkCalendar
from app.errors import NotFoundError, ValidationError
from app.services.calendar import load_calendar
from app.services.common import audit, current_user
from db import models
from db.dialect import lock_tables
from db.session import Database

if TYPE_CHECKING:
    from app.documents.intake_pdf import JournalSheet

DECISION_LABELS = {
    ApplicationDecision.PENDING: "ожидает решения",
    ApplicationDecision.GRANTED: "признан нуждающимся",
    ApplicationDecision.REFUSED: "отказано",
}
TECHNOLOGY_LABELS = {
    Technology.COURSE: "курсовая комплексная реабилитация",
    Technology.AUTISM_COURSE: "курсовая реабилитация детей-инвалидов с РАС",
    Technology.HOME_REHAB: "технология «Реабилитационный центр на дому»",
    Technology.SUPPORTED_LIVING: "технология «Сопровождаемое проживание»",
}


@dataclass(frozen=True)
class CriterionView:
    criterion: str
    points: int


@dataclass(frozen=True)
class SurveyView:
    id: int
    surveyed_on: date | None
    surveyor: str
    findings: str


@dataclass(frozen=True)
class ApplicationView:
    id: int
    citizen_id: int
    person: str
    birth_date: date | None
    journal_number: str
    applied_on: date
    basis: ServiceBasis | None
    technology: Technology | None
    minor: bool | None
    survey_required: bool
    survey_exemption: str | None  # 6-р 1 or 5, in words
    survey_due: date | None
    survey_status: DueStatus | None
    surveys: tuple[SurveyView, ...]
    decision_due: date | None
    decision_status: DueStatus | None
    decision: ApplicationDecision
    decided_on: date | None
    refusal_reason: str
    criteria: tuple[CriterionView, ...]
    assessed_on: date | None
    commission_recommendation: str
    commission_on: date | None
    factors: tuple[str, ...]  # what 6-р 7.x weighs for this basis
    programme_ids: tuple[int, ...]  # the ИППСУ made after the decision (8 г)
    note: str

    @property
    def total(self) -> int | None:
        return rules.points_total(c.points for c in self.criteria) if self.criteria else None

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]

    @property
    def basis_label(self) -> str:
        return self.basis.label if self.basis else "основание не указано"

    @property
    def surveyed_on(self) -> date | None:
        return next((s.surveyed_on for s in self.surveys if s.surveyed_on), None)


@dataclass(frozen=True)
class ApplicationRow:
    id: int
    citizen_id: int
    person: str
    journal_number: str
    applied_on: date
    basis: ServiceBasis | None
    technology: Technology | None
    survey: str  # the survey act's date, «не составляется», or its due date
    survey_status: DueStatus | None
    decision: ApplicationDecision
    decided_on: date | None
    decision_due: date | None
    decision_status: DueStatus | None
    total: int | None

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]


# --- reading --------------------------------------------------------------------------------


def _application(session: Session, application_id: int) -> models.IntakeApplication:
    found = session.get(models.IntakeApplication, application_id)
    if found is None:
        raise NotFoundError(f"Заявление № {application_id} не найдено.")
    return found


def _citizen(session: Session, citizen_id: int) -> models.Citizen:
    citizen = session.get(models.Citizen, citizen_id)
    if citizen is None:
        raise NotFoundError(f"Гражданин № {citizen_id} не найден.")
    return citizen


def _facts(
    a: models.IntakeApplication, citizen: models.Citizen
) -> tuple[ServiceBasis | None, bool | None]:
    basis = rules.effective_basis(a.basis, a.technology)
    return basis, rules.is_minor(citizen.birth_date, a.applied_on)


def _surveyed_on(a: models.IntakeApplication) -> date | None:
    days = [s.surveyed_on for s in a.surveys if s.surveyed_on is not None]
    return min(days) if days else None


def _statuses(
    a: models.IntakeApplication,
    basis: ServiceBasis | None,
    minor: bool | None,
    cal: WorkCalendar,
    today: date,
) -> tuple[date | None, DueStatus | None, date | None, DueStatus | None]:
    survey_due = decision_due = None
    survey_st = decision_st = None
    if rules.survey_required(basis, minor):
        survey_due = rules.survey_due_on(a.applied_on, cal)
        survey_st = due_status(survey_due, today, _surveyed_on(a))
    if rules.decision_required(basis, minor):
        decision_due = rules.decision_due_on(a.applied_on, cal)
        done = None if a.decision is ApplicationDecision.PENDING else a.decided_on
        decision_st = due_status(decision_due, today, done)
    return survey_due, survey_st, decision_due, decision_st


def _view(session: Session, a: models.IntakeApplication, cal: WorkCalendar) -> ApplicationView:
    citizen = _citizen(session, a.citizen_id)
    basis, minor = _facts(a, citizen)
    survey_due, survey_st, decision_due, decision_st = _statuses(
        a, basis, minor, cal, clock.today()
    )
    programmes = session.scalars(
        select(models.ServiceProgramme.id)
        .where(models.ServiceProgramme.intake_id == a.id)
        .order_by(models.ServiceProgramme.id)
    ).all()
    return ApplicationView(
        id=a.id,
        citizen_id=a.citizen_id,
        person=full_name(citizen.last_name, citizen.first_name, citizen.middle_name),
        birth_date=citizen.birth_date,
        journal_number=a.journal_number or "",
        applied_on=a.applied_on,
        basis=basis,
        technology=a.technology,
        minor=minor,
        survey_required=rules.survey_required(basis, minor),
        survey_exemption=rules.survey_exemption(basis, minor),
        survey_due=survey_due,
        survey_status=survey_st,
        surveys=tuple(
            SurveyView(s.id, s.surveyed_on, s.surveyor_name or "", s.findings or "")
            for s in a.surveys
        ),
        decision_due=decision_due,
        decision_status=decision_st,
        decision=a.decision,
        decided_on=a.decided_on,
        refusal_reason=a.refusal_reason or "",
        criteria=tuple(CriterionView(c.criterion, c.points) for c in a.criteria),
        assessed_on=a.assessed_on,
        commission_recommendation=a.commission_recommendation or "",
        commission_on=a.commission_on,
        factors=rules.assessment_factors(basis, minor),
        programme_ids=tuple(programmes),
        note=a.note or "",
    )


def get_application(db: Database, application_id: int) -> ApplicationView:
    cal = load_calendar(db)
    with db.session_factory() as session:
        return _view(session, _application(session, application_id), cal)


def application_of(db: Database, entity: str, entity_id: int) -> int | None:
    """The application a dashboard item is about (``intake_application``), else ``None``."""
    if entity != "intake_application":
        return None
    with db.session_factory() as session:
        found = session.get(models.IntakeApplication, entity_id)
        return found.id if found else None


FILTER_PENDING = "pending"
FILTER_OVERDUE = "overdue"
FILTER_GRANTED = "granted"
FILTER_REFUSED = "refused"
FILTERS = {
    "": "все",
    FILTER_PENDING: "ожидают решения",
    FILTER_OVERDUE: "со сроком, истекшим без исполнения",
    FILTER_GRANTED: "признаны нуждающимися",
    FILTER_REFUSED: "отказано",
}


def list_applications(
    db: Database,
    search: str = "",
    state: str = "",
    year: int | None = None,
    citizen_id: int | None = None,
) -> list[ApplicationRow]:
    """Applications, newest first; ``search`` by ФИО or journal number, ``state`` one of
    ``FILTERS`` (``overdue``: a survey or decision past its due date and not done)."""
    if state not in FILTERS:
        raise ValidationError(f"Отбор: неизвестное значение «{state}».")
    cal = load_calendar(db)
    today = clock.today()
    with db.session_factory() as session:
        query = (
            select(models.IntakeApplication, models.Citizen)
            .join(models.Citizen, models.Citizen.id == models.IntakeApplication.citizen_id)
            .options(
                selectinload(models.IntakeApplication.surveys),
                selectinload(models.IntakeApplication.criteria),
            )
            .order_by(
                models.IntakeApplication.applied_on.desc(), models.IntakeApplication.id.desc()
            )
        )
        key = search_key(search)
        if key:
            query = query.where(
                or_(
                    models.Citizen.search_name.contains(key),
                    func.lower(models.IntakeApplication.journal_number).contains(key),
                )
            )
        if state in (FILTER_PENDING, FILTER_OVERDUE):
            query = query.where(models.IntakeApplication.decision == ApplicationDecision.PENDING)
        elif state == FILTER_GRANTED:
            query = query.where(models.IntakeApplication.decision == ApplicationDecision.GRANTED)
        elif state == FILTER_REFUSED:
            query = query.where(models.IntakeApplication.decision == ApplicationDecision.REFUSED)
        if year is not None:
            query = query.where(extract("year", models.IntakeApplication.applied_on) == year)
        if citizen_id is not None:
            query = query.where(models.IntakeApplication.citizen_id == citizen_id)
        rows = []
        for a, citizen in session.execute(query).all():
            basis, minor = _facts(a, citizen)
            survey_due, survey_st, decision_due, decision_st = _statuses(
                a, basis, minor, cal, today
            )
            if state == FILTER_OVERDUE and DueStatus.OVERDUE not in (survey_st, decision_st):
                continue
            surveyed = _surveyed_on(a)
            if surveyed is not None:
                survey = format_date(surveyed)
            elif survey_due is not None:
                survey = f"до {format_date(survey_due)}"
            else:
                survey = "не составляется"
            rows.append(
                ApplicationRow(
                    id=a.id,
                    citizen_id=citizen.id,
                    person=full_name(citizen.last_name, citizen.first_name, citizen.middle_name),
                    journal_number=a.journal_number or "",
                    applied_on=a.applied_on,
                    basis=basis,
                    technology=a.technology,
                    survey=survey,
                    survey_status=survey_st,
                    decision=a.decision,
                    decided_on=a.decided_on,
                    decision_due=decision_due,
                    decision_status=decision_st,
                    total=rules.points_total(c.points for c in a.criteria) if a.criteria else None,
                )
            )
        return rows


# --- 3: registration -----------------------------------------------------------------------


def register(
    db: Database,
    citizen_id: int,
    basis: ServiceBasis,
    received_on: date | None = None,
    technology: Technology | None = None,
    note: str = "",
) -> ApplicationView:
    """Register an application in the journal (6-р 3) on the day it was received: the date
    received is the registration date, a day not yet come is refused; the journal number
    is the next of the year. The technologies are those of 510-п section 3 subsection 3."""
    received_on = received_on or clock.today()
    if received_on > clock.today():
        raise ValidationError(
            f"Дата подачи заявления {format_date(received_on)} ещё не наступила: заявление "
            f"регистрируется в день поступления ({rules.CLAUSE_3})."
        )
    if technology is not None and basis is not ServiceBasis.S3_3:
        raise ValidationError(
            "Технология: указывается только для заявлений по разделу 3, подразделу 3 "
            "Постановления N 510-п."
        )
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        _citizen(session, citizen_id)
        # The next number of the year (6-р 3) under a lock on a server: two consultants
        # registering at once never share a number (issue #15).
        lock_tables(session.connection(), [models.IntakeApplication.__table__])
        numbers = session.scalars(
            select(models.IntakeApplication.journal_number).where(
                models.IntakeApplication.journal_number.like(f"%/{received_on.year}")
            )
        ).all()
        sequence = rules.next_journal_sequence(numbers, received_on.year)
        application = models.IntakeApplication(
            citizen_id=citizen_id,
            journal_number=rules.journal_number(sequence, received_on.year),
            applied_on=received_on,
            basis=basis,
            technology=technology,
            decision=ApplicationDecision.PENDING,
            note=note.strip() or None,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        session.add(application)
        session.flush()
        audit(
            session,
            user,
            "intake.register",
            "intake_application",
            str(application.uuid),
            journal_number=application.journal_number,
            received_on=received_on.isoformat(),
            basis=basis.value,
        )
        return _view(session, application, cal)


# --- 6: the survey ----------------------------------------------------------------------------


def record_survey(
    db: Database,
    application_id: int,
    surveyed_on: date,
    surveyor: str,
    findings: str = "",
) -> ApplicationView:
    """The survey act (6-р 6): its date, who surveyed, what was found. Refused where 6-р 5
    draws up no act, on a day not yet come or before the application."""
    surveyor = surveyor.strip()
    if not surveyor:
        raise ValidationError("Кто обследовал: не заполнено.")
    if surveyed_on > clock.today():
        raise ValidationError(f"Дата обследования {format_date(surveyed_on)} ещё не наступила.")
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        application = _application(session, application_id)
        basis, minor = _facts(application, _citizen(session, application.citizen_id))
        exemption = rules.survey_exemption(basis, minor)
        if exemption:
            raise ValidationError(f"Обследование не вносится: {exemption}")
        if surveyed_on < application.applied_on:
            raise ValidationError(
                f"Дата обследования {format_date(surveyed_on)} раньше подачи заявления "
                f"{format_date(application.applied_on)}."
            )
        survey = models.LivingConditionsSurvey(
            surveyed_on=surveyed_on,
            surveyor_name=surveyor,
            findings=findings.strip() or None,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        application.surveys.append(survey)
        session.flush()
        audit(
            session,
            user,
            "intake.survey",
            "intake_application",
            str(application.uuid),
            surveyed_on=surveyed_on.isoformat(),
            late=surveyed_on > rules.survey_due_on(application.applied_on, cal),
        )
        return _view(session, application, cal)


# --- 7: the assessment --------------------------------------------------------------------------


def assess(
    db: Database,
    application_id: int,
    criteria: Sequence[tuple[str, int]],
    assessed_on: date | None = None,
    commission_recommendation: str = "",
    commission_on: date | None = None,
) -> ApplicationView:
    """The assessment: the grounds of the Criteria of individual need with their points
    (7.3 г, for section 3 subsection 3 only; they replace the earlier ones) and the
    Commission's recommendation (7.2 г, 7.3 д)."""
    assessed_on = assessed_on or clock.today()
    for day, what in ((assessed_on, "оценки"), (commission_on, "рекомендации Комиссии")):
        if day is not None and day > clock.today():
            raise ValidationError(f"Дата {what} {format_date(day)} ещё не наступила.")
    for text, points in criteria:
        refusal = rules.criterion_refusal(text, points)
        if refusal:
            raise ValidationError(refusal)
    recommendation = commission_recommendation.strip()
    if commission_on is not None and not recommendation:
        raise ValidationError("Рекомендация Комиссии: не заполнена, а дата указана.")
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        application = _application(session, application_id)
        basis, _minor = _facts(application, _citizen(session, application.citizen_id))
        if criteria and basis is not ServiceBasis.S3_3:
            raise ValidationError(
                "Критерии индивидуальной нуждаемости с баллами применяются к заявлениям по "
                f"разделу 3, подразделу 3 Постановления N 510-п ({rules.CLAUSE_7_3_G})."
            )
        if assessed_on < application.applied_on:
            raise ValidationError(
                f"Дата оценки {format_date(assessed_on)} раньше подачи заявления "
                f"{format_date(application.applied_on)}."
            )
        application.criteria.clear()
        session.flush()
        for position, (text, points) in enumerate(criteria, start=1):
            application.criteria.append(
                models.NeedCriterion(
                    position=position,
                    criterion=text.strip(),
                    points=points,
                    created_by_id=user.id,
                    updated_by_id=user.id,
                )
            )
        application.assessed_on = assessed_on if criteria else None
        application.commission_recommendation = recommendation or None
        application.commission_on = commission_on if recommendation else None
        application.updated_by_id = user.id
        session.flush()
        total = rules.points_total(p for _t, p in criteria)
        audit(
            session,
            user,
            "intake.assess",
            "intake_application",
            str(application.uuid),
            criteria=len(criteria),
            total=total,
            home_rehab_threshold=rules.home_rehab_threshold_met(total),
        )
        return _view(session, application, cal)


# --- 4, 8: the decision -------------------------------------------------------------------------


def decide(
    db: Database,
    application_id: int,
    decision: ApplicationDecision,
    reason: str = "",
    decided_on: date | None = None,
) -> ApplicationView:
    """Recognise the citizen as needing social services or refuse with the ground (6-р 8 б,
    в), within 5 working days (4; a later decision is recorded and shows as late)."""
    decided_on = decided_on or clock.today()
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        user = current_user(session)
        application = _application(session, application_id)
        if application.decision is not ApplicationDecision.PENDING:
            raise ValidationError(
                f"По заявлению № {application.journal_number or application.id} решение уже "
                f"принято: {DECISION_LABELS[application.decision]} "
                f"{format_date(application.decided_on)}."
            )
        basis, minor = _facts(application, _citizen(session, application.citizen_id))
        criteria = application.criteria
        refusal = rules.decision_refusal(
            decision,
            applied_on=application.applied_on,
            decided_on=decided_on,
            today=clock.today(),
            basis=basis,
            minor=minor,
            surveyed=_surveyed_on(application) is not None,
            technology=application.technology,
            total=rules.points_total(c.points for c in criteria) if criteria else None,
            reason=reason,
        )
        if refusal:
            raise ValidationError(refusal)
        application.decision = decision
        application.decided_on = decided_on
        application.refusal_reason = (
            reason.strip() if decision is ApplicationDecision.REFUSED else None
        )
        application.updated_by_id = user.id
        session.flush()
        audit(
            session,
            user,
            "intake.decide",
            "intake_application",
            str(application.uuid),
            decision=decision.value,
            decided_on=decided_on.isoformat(),
            late=decided_on > rules.decision_due_on(application.applied_on, cal),
        )
        return _view(session, application, cal)


def link_programme(db: Database, application_id: int, programme_id: int) -> ApplicationView:
    """The ИППСУ drawn up after recognition (6-р 8 г) is linked to its application."""
    cal = load_calendar(db)
    with db.session_factory.begin() as session:
        application = _application(session, application_id)
        if application.decision is not ApplicationDecision.GRANTED:
            raise ValidationError(
                "ИППСУ составляется после признания гражданина нуждающимся (6-р, п. 8 «г»)."
            )
        programme = session.get(models.ServiceProgramme, programme_id)
        if programme is None:
            raise NotFoundError(f"Программа (ИППСУ) № {programme_id} не найдена.")
        if programme.citizen_id != application.citizen_id:
            raise ValidationError("Программа (ИППСУ) другого гражданина.")
        programme.intake_id = application.id
        session.flush()
        return _view(session, application, cal)


# --- documents ------------------------------------------------------------------------------------


def write_notice(db: Database, application_id: int, path: Path) -> Path:
    """The notice to the applicant of the decision (8 б, в): recognised, or refused with its
    ground, as an A4 PDF; its printing is audited."""
    from app.documents.intake_pdf import DecisionNotice, write_decision_notice_pdf
    from app.services.dispatch import dative_name, greeting
    from app.services.profile import get_profile
    from app.services.settings import load_settings

    settings = load_settings(db)
    signer = get_profile(db)
    with db.session_factory() as session:
        application = _application(session, application_id)
        if application.decision is ApplicationDecision.PENDING or application.decided_on is None:
            raise ValidationError(
                "Уведомление печатается после решения: по заявлению решение ещё не принято."
            )
        citizen = _citizen(session, application.citizen_id)
        dative, _declined = dative_name(
            citizen.last_name, citizen.first_name, citizen.middle_name, citizen.sex
        )
        basis = rules.effective_basis(application.basis, application.technology)
        service = basis.label if basis else ""
        if application.technology is not None:
            service = f"{service}, {TECHNOLOGY_LABELS[application.technology]}"
        notice = DecisionNotice(
            sender_name=settings.provider_name,
            sender_address=settings.provider_address,
            recipient_dative=dative,
            recipient_address=citizen.actual_address or citizen.registration_address or "",
            postcode=citizen.postcode or "",
            greeting=greeting(citizen.first_name, citizen.middle_name, citizen.sex),
            journal_number=application.journal_number or "",
            applied_on=application.applied_on,
            decided_on=application.decided_on,
            granted=application.decision is ApplicationDecision.GRANTED,
            service=service,
            reason=application.refusal_reason or "",
            signer_name=signer.full_name,
            signer_position=signer.position,
        )
        uuid = str(application.uuid)
    write_decision_notice_pdf(notice, path)
    with db.session_factory.begin() as session:
        audit(
            session,
            current_user(session),
            "intake.notice",
            "intake_application",
            uuid,
            file=path.name,
        )
    return path


def _journal(db: Database, year: int) -> tuple[JournalSheet, int]:
    from app.documents.intake_pdf import JournalSheet
    from app.services.settings import load_settings

    settings = load_settings(db)
    with db.session_factory() as session:
        query = (
            select(models.IntakeApplication, models.Citizen)
            .join(models.Citizen, models.Citizen.id == models.IntakeApplication.citizen_id)
            .options(selectinload(models.IntakeApplication.surveys))
            .where(extract("year", models.IntakeApplication.applied_on) == year)
            .order_by(models.IntakeApplication.applied_on, models.IntakeApplication.id)
        )
        rows = []
        for n, (a, c) in enumerate(session.execute(query).all(), start=1):
            basis, minor = _facts(a, c)
            surveyed = _surveyed_on(a)
            if surveyed is not None:
                survey = format_date(surveyed)
            else:
                survey = (
                    "по распоряжению N 4-р (п. 1)"
                    if rules.assessed_under_order_4r(basis, minor)
                    else "не составляется (п. 5)"
                    if not rules.survey_required(basis, minor)
                    else "нет"
                )
            decided = a.decision is not ApplicationDecision.PENDING
            rows.append(
                (
                    str(n),
                    a.journal_number or "",
                    format_date(a.applied_on),
                    full_name(c.last_name, c.first_name, c.middle_name),
                    format_date(c.birth_date) if c.birth_date else "",
                    c.actual_address or c.registration_address or "",
                    basis.label if basis else "",
                    survey,
                    DECISION_LABELS[a.decision],
                    format_date(a.decided_on) if decided and a.decided_on else "",
                    a.refusal_reason or "",
                )
            )
    sheet = JournalSheet(settings.provider_name, f"за {year} год", tuple(rows))
    return sheet, len(rows)


def export_journal(db: Database, path: Path, year: int | None = None) -> int:
    """The journal of applications and decisions (6-р 3) of ``year`` (this year by
    default) as XLSX or PDF by the file's extension; returns the rows written."""
    from app.documents.intake_pdf import write_journal_pdf, write_journal_xlsx

    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise ValidationError(f"Файл журнала {path.name}: нужно расширение .xlsx или .pdf.")
    year = year or clock.today().year
    sheet, count = _journal(db, year)
    if suffix == ".xlsx":
        write_journal_xlsx(sheet, path)
    else:
        write_journal_pdf(sheet, path)
    with db.session_factory.begin() as session:
        audit(
            session,
            current_user(session),
            "intake.journal",
            None,
            None,
            file=path.name,
            year=year,
            rows=count,
        )
    return count
