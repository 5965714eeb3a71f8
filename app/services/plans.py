"""The individual plan of comprehensive support (31-р 4.3-4.6, Appendix 3).

The plan starts from the questions the family raised on the calls (4.3); the consultant
then records each organisation contacted on their behalf, with whom and when (4.5).
Organisation details are copied into the plan, so a later edit of the directory does not
rewrite it. The registry's plan columns (11, 12, 14) follow the plan (4.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.documents.plan_form import InteractionForm, PlanForm, PlanHeader, QuestionForm
from app.domain.dates import format_date, parse_date
from app.domain.enums import PlanStatus
from app.domain.names import document_file_name, full_name
from app.domain.periods import Month
from app.domain.snils import format_snils, normalize_snils
from app.errors import NotFoundError, UserError, ValidationError
from app.services import versions
from app.services.common import audit, current_user
from app.services.files import check_output, write_atomically
from app.services.registry_grid import _search_conditions
from app.services.routes import LIST_LIMIT, dispatches_of, first_ids, sent_text
from app.services.settings import provider_name
from db import models
from db.session import Database

# -- starting and reading -----------------------------------------------------------------


def _questions_of_calls(session: Session, entry_id: int) -> tuple[QuestionForm, ...]:
    texts = session.scalars(
        select(models.CallAttempt.questions)
        .where(models.CallAttempt.entry_id == entry_id)
        .order_by(models.CallAttempt.called_at, models.CallAttempt.id)
    ).all()
    seen: set[str] = set()
    questions: list[QuestionForm] = []
    for text in texts:
        for line in (text or "").splitlines():
            question = " ".join(line.split()).lstrip("-•*").strip()
            key = question.casefold()
            if question and key not in seen:
                seen.add(key)
                questions.append(QuestionForm(question))
    return tuple(questions)


def start_plan(db: Database, entry_id: int, today: date) -> PlanForm:
    """A new plan for the registry entry: questions from its calls, one per line (4.3)."""
    with db.session_factory() as session:
        entry = session.get(models.RegistryEntry, entry_id)
        if entry is None:
            raise NotFoundError("Запись реестра не найдена.")
        return PlanForm(
            citizen_id=entry.citizen_id,
            entry_id=entry.id,
            drawn_up_on=format_date(today),
            questions=_questions_of_calls(session, entry.id),
        )


def _form_of(plan: models.SupportPlan) -> PlanForm:
    return PlanForm(
        citizen_id=plan.citizen_id,
        entry_id=plan.entry_id,
        drawn_up_on=format_date(plan.drawn_up_on),
        completed_on=format_date(plan.completed_on),
        questions=tuple(
            QuestionForm(
                question=q.question,
                note=q.note or "",
                family_member_id=q.family_member_id,
                about=_member_title(q.family_member),
                interactions=tuple(
                    InteractionForm(
                        organisation_id=i.organisation_id,
                        organisation_name=i.organisation_name or "",
                        website=i.organisation_website or "",
                        email=i.organisation_email or "",
                        location=i.organisation_location or "",
                        hours=i.organisation_hours or "",
                        specialist_name=i.specialist_name or "",
                        specialist_position=i.specialist_position or "",
                        specialist_contacts=i.specialist_contacts or "",
                        interacted_on=format_date(i.interacted_on),
                        note=i.note or "",
                    )
                    for i in _interactions_in_order(q)
                ),
            )
            for q in plan.questions
        ),
    )


def _member_title(member: models.FamilyMember | None) -> str:
    if member is None:
        return ""
    name = full_name(member.last_name, member.first_name, member.middle_name)
    return f"{member.relation} — {name}"


def _interactions_in_order(question: models.PlanQuestion) -> list[models.PlanInteraction]:
    # The relationship orders by date; undated ones keep their place after the dated.
    return sorted(
        question.interactions,
        key=lambda i: (i.interacted_on is None, i.interacted_on or date.min, i.id),
    )


def load_plan(db: Database, plan_id: int) -> tuple[int, PlanForm]:
    with db.session_factory() as session:
        plan = session.get(models.SupportPlan, plan_id)
        if plan is None:
            raise NotFoundError("План комплексного сопровождения не найден.")
        return plan.id, _form_of(plan)


@dataclass(frozen=True)
class StoredPlan:
    """A plan as a form was filled from it (issue #15): ``plan_id`` None and
    ``row_version`` 0 for a plan not saved yet."""

    plan_id: int | None
    row_version: int
    form: PlanForm


def current_stored_plan(db: Database, citizen_id: int) -> StoredPlan | None:
    """:func:`current_plan` with the plan's row version, read together."""
    with db.session_factory() as session:
        plan = _latest_plan(session, citizen_id)
        return StoredPlan(plan.id, plan.row_version, _form_of(plan)) if plan else None


def _latest_plan(session: Session, citizen_id: int) -> models.SupportPlan | None:
    return session.scalar(
        select(models.SupportPlan)
        .where(models.SupportPlan.citizen_id == citizen_id)
        .order_by(models.SupportPlan.drawn_up_on.desc().nulls_last(), models.SupportPlan.id.desc())
        .limit(1)
    )


def current_plan(db: Database, citizen_id: int) -> tuple[int, PlanForm] | None:
    """The person's latest plan (by date drawn up), or None when there is none."""
    with db.session_factory() as session:
        plan = _latest_plan(session, citizen_id)
        return (plan.id, _form_of(plan)) if plan is not None else None


def plan_header(db: Database, plan_id: int) -> PlanHeader:
    with db.session_factory() as session:
        plan = session.get(models.SupportPlan, plan_id)
        if plan is None:
            raise NotFoundError("План комплексного сопровождения не найден.")
        return _header_of(plan)


def _header_of(plan: models.SupportPlan) -> PlanHeader:
    parts = [
        plan.developer_name,
        plan.developer_position,
        plan.developer_organisation,
        plan.developer_phone,
    ]
    return PlanHeader(
        person_name=plan.person_name or "",
        category=plan.category or "",
        address=plan.address or "",
        phone=plan.phone or "",
        developer=", ".join(p for p in parts if p),
    )


# -- checking -----------------------------------------------------------------------------


def _date_problem(text: str, what: str, today: date, problems: list[str]) -> date | None:
    if not text.strip():
        return None
    try:
        value = parse_date(text, what)
    except ValidationError as exc:
        problems.append(str(exc))
        return None
    if value > today:
        problems.append(f"{what.capitalize()}: {format_date(value)} ещё не наступила.")
        return None
    return value


def validate_plan(form: PlanForm, today: date) -> tuple[str, ...]:
    """Every problem of the plan in Russian, each naming its field; empty when it can be saved."""
    problems: list[str] = []
    if not form.drawn_up_on.strip():
        problems.append("Дата составления плана не указана.")
    drawn = _date_problem(form.drawn_up_on, "дата составления плана", today, problems)
    completed = _date_problem(form.completed_on, "дата окончания реализации плана", today, problems)
    if drawn and completed and completed < drawn:
        problems.append(
            f"Дата окончания реализации плана {format_date(completed)} раньше даты его "
            f"составления {format_date(drawn)}."
        )
    if not form.questions:
        problems.append("В плане нет ни одного вопроса, интересующего гражданина.")
    for n, question in enumerate(form.questions, start=1):
        if not question.question.strip():
            problems.append(f"Вопрос {n}: текст вопроса не указан.")
        for m, item in enumerate(question.interactions, start=1):
            where = f"Вопрос {n}, взаимодействие {m}"
            if item.organisation_id is None and not item.organisation_name.strip():
                problems.append(f"{where}: наименование организации не указано.")
            on = _date_problem(item.interacted_on, f"{where}: дата взаимодействия", today, problems)
            if on and drawn and on < drawn:
                problems.append(
                    f"{where}: дата взаимодействия {format_date(on)} раньше даты составления "
                    f"плана {format_date(drawn)}."
                )
            if completed and on and on > completed:
                problems.append(
                    f"{where}: дата взаимодействия {format_date(on)} позже окончания "
                    f"реализации плана {format_date(completed)}."
                )
    return tuple(problems)


# -- saving -------------------------------------------------------------------------------


def _opt(text: str) -> str | None:
    return text.strip() or None


def _person_header(
    session: Session, citizen: models.Citizen, entry: models.RegistryEntry | None
) -> tuple[str, str, str, str]:
    """Header of Appendix 3: name (with the representative), category, address, phone."""
    name = full_name(citizen.last_name, citizen.first_name, citizen.middle_name)
    rep = citizen.representatives[0] if citizen.representatives else None
    phone = citizen.phone or ""
    if rep is not None:
        rep_name = full_name(rep.last_name, rep.first_name, rep.middle_name)
        name = f"{name} (законный (уполномоченный) представитель: {rep_name})"
        if rep.phone and rep.phone != phone:
            phone = f"{phone}, {rep.phone}" if phone else rep.phone
    if entry is None:
        entry = session.scalar(
            select(models.RegistryEntry)
            .where(models.RegistryEntry.citizen_id == citizen.id)
            .order_by(models.RegistryEntry.identified_on.desc(), models.RegistryEntry.id.desc())
            .limit(1)
        )
    category = entry.category.label if entry is not None else ""
    address = citizen.actual_address or citizen.registration_address or ""
    return name, category, address, phone


def _copy_interaction(
    session: Session, item: InteractionForm, user_id: int
) -> models.PlanInteraction:
    """Fields left empty in the form are copied from the directory when it is linked."""
    org = (
        session.get(models.Organisation, item.organisation_id)
        if item.organisation_id is not None
        else None
    )
    if item.organisation_id is not None and org is None:
        raise NotFoundError(
            f"Организация «{item.organisation_name}» не найдена в справочнике: выберите её заново."
        )

    def pick(typed: str, from_directory: str | None) -> str | None:
        return typed.strip() or (from_directory or "").strip() or None

    contacts = ""
    if org is not None and not item.specialist_contacts.strip() and item.specialist_name.strip():
        # The specialist chosen from the organisation's contacts brings their phone/e-mail.
        for contact in org.contacts:
            if contact.full_name == item.specialist_name.strip():
                contacts = ", ".join(p for p in (contact.phone, contact.email) if p)
                break
    return models.PlanInteraction(
        organisation_id=item.organisation_id,
        organisation_name=pick(item.organisation_name, org.name if org else None),
        organisation_website=pick(item.website, org.website if org else None),
        organisation_email=pick(item.email, org.email if org else None),
        organisation_location=pick(item.location, org.address if org else None),
        organisation_hours=pick(item.hours, org.hours if org else None),
        specialist_name=_opt(item.specialist_name),
        specialist_position=_opt(item.specialist_position),
        specialist_contacts=pick(item.specialist_contacts, contacts),
        interacted_on=parse_date(item.interacted_on) if item.interacted_on.strip() else None,
        note=_opt(item.note),
        created_by_id=user_id,
        updated_by_id=user_id,
    )


def changed_parts(before: PlanForm, now: PlanForm) -> tuple[str, ...]:
    """What differs between two readings of a plan, in Russian (issue #15)."""
    parts = []
    if before.drawn_up_on != now.drawn_up_on:
        parts.append("дата формирования плана")
    if before.completed_on != now.completed_on:
        parts.append("дата окончания реализации")

    def asked(form: PlanForm) -> list[tuple[str, str, int | None]]:
        return [(q.question.strip(), q.note.strip(), q.family_member_id) for q in form.questions]

    if asked(before) != asked(now):
        parts.append("вопросы")

    def contacts(form: PlanForm) -> list[InteractionForm]:
        return [i for q in form.questions for i in q.interactions]

    if contacts(before) != contacts(now):
        parts.append("взаимодействия с организациями")
    return tuple(parts)


def _refusal(session: Session, plan: models.SupportPlan, loaded: StoredPlan) -> UserError:
    return versions.refusal(
        session,
        plan,
        changed_parts(loaded.form, _form_of(plan)),
        subject="План",
        again="план",
    )


def save_plan(
    db: Database,
    form: PlanForm,
    plan_id: int | None,
    today: date,
    *,
    loaded: StoredPlan | None = None,
) -> int:
    """Create (``plan_id`` None) or rewrite the plan; the registry's plan columns follow it.

    The header (person, category, address, phone) is taken from the card on every save
    while the plan is being kept; "План разработал" is the profile of whoever first saved
    it. A plan with a completion date is COMPLETED.

    ``loaded``: the plan as the form was filled from it; a plan saved since by someone else
    is not rewritten (:class:`StaleEditError`, nothing written).
    """
    return save_stored_plan(db, form, plan_id, today, loaded=loaded).plan_id or 0


def save_stored_plan(
    db: Database,
    form: PlanForm,
    plan_id: int | None,
    today: date,
    *,
    loaded: StoredPlan | None = None,
) -> StoredPlan:
    """:func:`save_plan` returning the plan as stored: what the next save of the same
    form is checked against. Each save raises the plan's row version by exactly 1."""
    try:
        return _save_plan(db, form, plan_id, today, loaded)
    except StaleDataError:  # both passed the check; the other's UPDATE came first
        seen = loaded or StoredPlan(plan_id, 0, form)
        with db.session_factory() as session:
            plan = session.get(models.SupportPlan, plan_id)
            if plan is None:
                raise NotFoundError("План комплексного сопровождения не найден.") from None
            raise _refusal(session, plan, seen) from None


def _save_plan(
    db: Database, form: PlanForm, plan_id: int | None, today: date, loaded: StoredPlan | None
) -> StoredPlan:
    problems = validate_plan(form, today)
    if problems:
        raise ValidationError(" ".join(problems))
    drawn = parse_date(form.drawn_up_on)
    completed = parse_date(form.completed_on) if form.completed_on.strip() else None
    with db.session_factory.begin() as session:
        user = current_user(session)
        citizen = session.get(models.Citizen, form.citizen_id)
        if citizen is None:
            raise NotFoundError("Гражданин не найден: запись удалена.")
        entry = session.get(models.RegistryEntry, form.entry_id) if form.entry_id else None
        if form.entry_id is not None and entry is None:
            raise NotFoundError("Запись реестра, к которой относится план, не найдена.")
        if entry is not None and entry.citizen_id != citizen.id:
            raise UserError("Запись реестра относится к другому гражданину.")
        created = plan_id is None
        # Queries (which flush what is pending): before the plan is added or changed, so
        # that a save is one INSERT or one UPDATE (its row version + 1).
        header = _person_header(session, citizen, entry)
        if plan_id is None:
            plan = models.SupportPlan(
                citizen_id=citizen.id,
                status=PlanStatus.OPEN,
                developer_name=user.full_name,
                developer_position=user.position,
                developer_organisation=user.organisation or provider_name(db, session),
                developer_phone=user.phone,
                created_by_id=user.id,
            )
            session.add(plan)
        else:
            found = session.get(models.SupportPlan, plan_id)
            if found is None:
                raise NotFoundError("План комплексного сопровождения не найден.")
            if found.citizen_id != citizen.id:
                raise UserError("План относится к другому гражданину.")
            if loaded is not None and found.row_version != loaded.row_version:
                raise _refusal(session, found, loaded)
            plan = found
        old_entry_id = plan.entry_id
        plan.entry_id = entry.id if entry is not None else None
        plan.drawn_up_on = drawn
        plan.completed_on = completed
        plan.status = PlanStatus.COMPLETED if completed else PlanStatus.OPEN
        plan.person_name, plan.category, plan.address, plan.phone = header
        plan.updated_by_id = user.id
        if not created:
            versions.touch(plan)
        plan.questions.clear()
        session.flush()  # the plan's one UPDATE (its row version + 1)
        family = {m.id for m in citizen.family}
        for position, question in enumerate(form.questions, start=1):
            member_id = question.family_member_id
            if member_id is not None and member_id not in family:
                raise UserError(
                    f"Вопрос {position} относится к члену семьи, которого нет в карточке "
                    "гражданина: выберите его заново."
                )
            row = models.PlanQuestion(
                position=position,
                question=question.question.strip(),
                note=_opt(question.note),
                family_member_id=member_id,
                created_by_id=user.id,
                updated_by_id=user.id,
            )
            plan.questions.append(row)
            for item in question.interactions:
                row.interactions.append(_copy_interaction(session, item, user.id))
        session.flush()
        if entry is not None:
            entry.plan_needed = True
            entry.plan_formed_on = drawn
            entry.plan_completed_on = completed
            entry.updated_by_id = user.id
        if old_entry_id is not None and old_entry_id != plan.entry_id:
            # The plan moved to another entry: the old one no longer shows it.
            old = session.get(models.RegistryEntry, old_entry_id)
            if old is not None:
                old.plan_formed_on = None
                old.plan_completed_on = None
        audit(
            session,
            user,
            "plan.create" if created else "plan.update",
            "support_plan",
            str(plan.uuid),
            questions=len(form.questions),
            completed=format_date(completed),
        )
        session.flush()
        session.expire(plan, ["questions"])
        return StoredPlan(plan.id, plan.row_version, _form_of(plan))


# -- printing -----------------------------------------------------------------------------


def export_plan_pdf(db: Database, plan_id: int, out: Path) -> None:
    """Write the plan as the form of Appendix 3 to ``out`` (whole or not at all)."""
    from app.documents.plan_pdf import write_plan_pdf

    out = check_output(out, db.path)  # before the work: a wrong path is told at once
    with db.session_factory.begin() as session:
        plan = session.get(models.SupportPlan, plan_id)
        if plan is None:
            raise NotFoundError("План комплексного сопровождения не найден.")
        form = _form_of(plan)
        header = _header_of(plan)
        write_atomically(out, lambda path: write_plan_pdf(form, header, path), database=db.path)
        audit(
            session,
            current_user(session),
            "plan.export",
            "support_plan",
            str(plan.uuid),
            file=out.name,
        )


def plan_of_snils(db: Database, snils: str) -> int:
    """The id of the current plan of the person with this СНИЛС (for ``ic plan pdf``)."""
    digits = normalize_snils(snils)
    with db.session_factory() as session:
        citizen_id = session.scalar(select(models.Citizen.id).where(models.Citizen.snils == digits))
    if citizen_id is None:
        raise NotFoundError(f"Гражданин со СНИЛС {format_snils(digits)} не найден.")
    found = current_plan(db, citizen_id)
    if found is None:
        raise NotFoundError(
            f"У гражданина со СНИЛС {format_snils(digits)} нет плана комплексного сопровождения."
        )
    return found[0]


# -- the plans section: every plan, searched and filtered in SQL (issue #12) ---------------


class PlanFilter(StrEnum):
    """What the plans section can show besides everything."""

    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    UNSENT = "UNSENT"

    @property
    def label(self) -> str:
        return {
            PlanFilter.OPEN: "реализуются",
            PlanFilter.COMPLETED: "реализованы",
            PlanFilter.UNSENT: "не направлены",
        }[self]


@dataclass(frozen=True)
class PlanRow:
    """One support plan as the plans section lists it."""

    plan_id: int
    citizen_id: int
    entry_id: int | None
    name: str
    snils: str  # "112-233-445 95", as the registry shows it; "" when unknown
    month: str  # reporting month of the registry entry; "" without an entry
    number: int | None  # the entry's number in the month's registry, once formed
    status: str  # PlanStatus value
    drawn_up_on: date | None
    completed_on: date | None
    sent: str  # "почтовое отправление, 05.12.2026", "" when not sent
    file_stem: str  # «План_Иванов_И_И_2026-11»

    @property
    def status_label(self) -> str:
        # The date of completion has a column of its own.
        return "реализован" if self.status == PlanStatus.COMPLETED else "реализуется"


@dataclass(frozen=True)
class PlanList:
    rows: tuple[PlanRow, ...]  # the first ``limit`` matches in display order
    total: int  # every match


def list_plans(
    db: Database,
    search: str = "",
    month: str | None = None,
    status: PlanFilter | None = None,
    *,
    limit: int = LIST_LIMIT,
) -> PlanList:
    """Plans of every person, the latest drawn up first; ``search`` finds the name (any
    case, ё as е) or the СНИЛС as the registry's search does."""
    p = models.SupportPlan
    e = models.RegistryEntry
    c = models.Citizen
    where: list[Any] = []
    if month:
        # Through the month's index, not a join of every document to its entry.
        in_month = select(e.id).where(e.reporting_month == str(Month.parse(month)))
        where.append(p.entry_id.in_(in_month))
    if status is PlanFilter.UNSENT:
        where.append(p.entry_id.in_(select(e.id).where(e.plan_sent_method.is_(None))))
    elif status is not None:
        where.append(p.status == PlanStatus(status.value))
    conditions = _search_conditions(search)
    if conditions:
        where.append(p.citizen_id.in_(select(c.id).where(*conditions)))
    ordered = select(p.id).where(*where)
    ordered = ordered.order_by(p.drawn_up_on.desc().nulls_last(), p.id.desc())
    with db.session_factory() as session:
        ids, total = first_ids(session, ordered, where, select(func.count(p.id)), limit)
        found = {
            row.id: row
            for row in session.execute(
                select(
                    p.id,
                    p.citizen_id,
                    p.entry_id,
                    p.status,
                    p.drawn_up_on,
                    p.completed_on,
                    e.reporting_month,
                    e.number,
                    e.plan_sent_method,
                    c.last_name,
                    c.first_name,
                    c.middle_name,
                    c.snils,
                )
                .join(c, c.id == p.citizen_id)
                .outerjoin(e, e.id == p.entry_id)
                .where(p.id.in_(ids))
            )
        }
        rows = [found[i] for i in ids]
        sent = dispatches_of(session, models.Dispatch.plan_id, (row.entry_id for row in rows), ids)
    result = []
    for row in rows:
        method, on, prepared = sent.get(row.id, (None, None, False))
        if method is None:
            method = row.plan_sent_method  # column 13 of the registry has no date
        month_text = row.reporting_month or f"{row.drawn_up_on or ''}"[:7]
        result.append(
            PlanRow(
                plan_id=row.id,
                citizen_id=row.citizen_id,
                entry_id=row.entry_id,
                name=full_name(row.last_name, row.first_name, row.middle_name),
                snils=format_snils(row.snils) if row.snils else "",
                month=row.reporting_month or "",
                number=row.number,
                status=str(row.status),
                drawn_up_on=row.drawn_up_on,
                completed_on=row.completed_on,
                sent=sent_text(method, on, prepared),
                file_stem=document_file_name(
                    "План", row.last_name, row.first_name, row.middle_name, month_text
                ),
            )
        )
    return PlanList(tuple(result), total)


def plan_pdf_bytes(db: Database, plan_id: int) -> bytes:
    """The plan as Appendix 3, in memory: for the print preview, never a temporary file."""
    from app.documents.plan_pdf import write_plan_pdf

    _, form = load_plan(db, plan_id)
    header = plan_header(db, plan_id)
    buffer = BytesIO()
    write_plan_pdf(form, header, buffer)
    return buffer.getvalue()


def record_plan_printed(db: Database, plan_id: int, printer: str, pages: int) -> None:
    """The audit's «печать плана сопровождения» for a plan sent to a printer."""
    with db.session_factory.begin() as session:
        plan = session.get(models.SupportPlan, plan_id)
        if plan is None:
            raise NotFoundError("План комплексного сопровождения не найден.")
        audit(
            session,
            current_user(session),
            "plan.export",
            "support_plan",
            str(plan.uuid),
            printer=printer,
            pages=pages,
        )
