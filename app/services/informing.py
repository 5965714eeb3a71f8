"""Phone informing (31-р 4.1-4.2, 4.7), the journal of phone services (1.7), the ЕИС list (1.6.1).

Every attempt to phone a person or their representative is kept as a ``CallAttempt``
(1.7); the first successful one marks the registry entry informed (column 7 of
Appendix 1) and records what the family said: the route will be sent and how, and
whether a comprehensive support plan is needed (4.2; "no plan" is recorded too, 4.7).

The office's day is Tyumen's (UTC+5): calls are stored in UTC and dated locally, so a
call at 21:00 UTC belongs to the next local day in the registry, the journal and the list.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, joinedload

from app import clock
from app.documents.journal_form import SERVICE_NAME, EisList, EisRow, Journal, JournalRow
from app.domain.dates import format_date
from app.domain.enums import Callee, CallOutcome, DeliveryMethod
from app.domain.names import full_name
from app.domain.snils import format_snils
from app.errors import NotFoundError, ValidationError
from app.services.common import audit, current_user, now_utc
from app.services.files import checked_format, write_atomically
from app.services.settings import provider_name
from db import models
from db.session import Database

logger = logging.getLogger(__name__)

JournalFormat = Literal["xlsx", "pdf"]
JOURNAL_FORMATS: tuple[JournalFormat, ...] = ("xlsx", "pdf")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE_IN_ADDRESS = re.compile(r"(?<!\d)\d{6}(?!\d)")
# The clock of the consultant's PC and the moment the call window was opened may differ
# by a little; a call "started" further in the future than this is a mistake.
_CLOCK_SLACK = timedelta(minutes=5)


# --- the call window -----------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneNumber:
    """A number the consultant can dial."""

    who: str  # "гражданин" / "представитель: <ФИО> (<kind label>)"
    callee: Callee
    phone: str  # +7XXXXXXXXXX as stored


@dataclass(frozen=True)
class CallContext:
    """What the consultant needs on screen while phoning about one registry entry (4.1)."""

    entry_id: int
    citizen_id: int
    person: str  # full name
    reporting_month: str  # "2025-06"
    phones: tuple[PhoneNumber, ...]  # citizen first, then representatives; only non-empty
    measures: tuple[str, ...]  # IPRA measure kinds, MeasureKind.route_title wording
    organisations: tuple[str, ...]  # directory organisations offering those kinds
    address: str  # actual address (else registration address) for the post
    postcode: str
    email: str  # citizen's e-mail (else representative's)
    informed_on: date | None
    attempts: tuple[str, ...]  # earlier attempts, one line each


@dataclass(frozen=True)
class CallDraft:
    """One call as the consultant filled it in; ``record_call`` keeps it."""

    entry_id: int
    callee: Callee
    phone: str
    started_at: datetime  # aware UTC
    duration_seconds: int
    outcome: CallOutcome
    call_back_at: datetime | None = None  # aware UTC, only for CALL_BACK
    told_measures: bool = False
    told_organisations: bool = False
    told_route: bool = False
    delivery_method: DeliveryMethod | None = None
    delivery_address: str = ""
    delivery_email: str = ""
    plan_needed: bool | None = None
    questions: str = ""  # the family's questions, one per line: the plan's questions (4.3)
    comment: str = ""


@dataclass(frozen=True)
class CallResult:
    call_id: int
    informed_now: bool  # this call set the registry's informing date
    message: str  # Russian, for the status bar


def local_date(moment: datetime) -> date:
    """The organisation's calendar day of an aware moment."""
    return clock.local_date(moment)


def _local_text(moment: datetime) -> str:
    return f"{clock.to_local(moment):%d.%m.%Y %H:%M}"


def _attempt_line(call: models.CallAttempt) -> str:
    line = f"{_local_text(call.called_at)} — {call.outcome.label}"
    if call.outcome is CallOutcome.CALL_BACK and call.call_back_at is not None:
        line += f", перезвонить {_local_text(call.call_back_at)}"
    if call.comment:
        line += f": {call.comment}"
    return line


def _entry(session: Session, entry_id: int) -> models.RegistryEntry:
    entry = session.get(models.RegistryEntry, entry_id)
    if entry is None:
        raise NotFoundError(
            f"Запись реестра № {entry_id} не найдена: она удалена или не синхронизирована."
        )
    return entry


def _programme(entry: models.RegistryEntry) -> models.RehabProgramme | None:
    if entry.programme is not None:
        return entry.programme
    programmes = entry.citizen.programmes
    return programmes[-1] if programmes else None


def _organisations(
    session: Session, district: str | None, kinds: list[models.RehabMeasure]
) -> tuple[str, ...]:
    """Non-archived organisations offering the IPRA's kinds of measures (4.1, second dash).

    4.1 names organisations "in the Tyumen Region and in the territory where the person
    lives": those of the person's district come first, then those serving the whole
    region (district not set).
    """
    wanted = {m.kind for m in kinds}
    if not wanted:
        return ()
    org = models.Organisation
    service = models.OrganisationService
    where_district: ColumnElement[bool] = org.district.is_(None)
    if district:
        where_district = or_(org.district == district, org.district.is_(None))
    rows = session.execute(
        select(org.id, org.name, org.district)
        .join(service, service.organisation_id == org.id)
        .where(org.archived.is_(False))
        .where(service.measure_kind.in_(wanted))
        .where(where_district)
        .distinct()
        .order_by(org.district.is_(None), org.name, org.id)
    ).all()
    return tuple(row.name for row in rows)


def call_context(db: Database, entry_id: int) -> CallContext:
    """Everything the call window shows for ``entry_id``; ``NotFoundError`` if it is gone."""
    with db.session_factory() as session:
        entry = _entry(session, entry_id)
        citizen = entry.citizen
        phones: list[PhoneNumber] = []
        if citizen.phone and citizen.phone.strip():
            phones.append(PhoneNumber("гражданин", Callee.CITIZEN, citizen.phone.strip()))
        for rep in citizen.representatives:
            if rep.phone and rep.phone.strip():
                name = full_name(rep.last_name, rep.first_name, rep.middle_name)
                phones.append(
                    PhoneNumber(
                        f"представитель: {name} ({rep.kind.label})",
                        Callee.REPRESENTATIVE,
                        rep.phone.strip(),
                    )
                )
        programme = _programme(entry)
        measures = sorted(programme.measures, key=lambda m: m.kind.row_number) if programme else []
        seen: set[str] = set()
        titles: list[str] = []
        for measure in measures:
            if measure.kind.route_title not in seen:
                seen.add(measure.kind.route_title)
                titles.append(measure.kind.route_title)
        email = (citizen.email or "").strip()
        if not email:
            email = next(
                (r.email.strip() for r in citizen.representatives if r.email and r.email.strip()),
                "",
            )
        return CallContext(
            entry_id=entry.id,
            citizen_id=citizen.id,
            person=full_name(citizen.last_name, citizen.first_name, citizen.middle_name),
            reporting_month=entry.reporting_month,
            phones=tuple(phones),
            measures=tuple(titles),
            organisations=_organisations(session, citizen.district, measures),
            address=(citizen.actual_address or citizen.registration_address or "").strip(),
            postcode=(citizen.postcode or "").strip(),
            email=email,
            informed_on=entry.informed_on,
            attempts=tuple(_attempt_line(c) for c in entry.calls),
        )


def _aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def validate_call(draft: CallDraft, now: datetime) -> tuple[str, ...]:
    """Every problem of the draft in Russian, each naming its field; empty = it can be saved."""
    problems: list[str] = []
    if not draft.phone.strip():
        problems.append("Телефон: не выбран номер, по которому звонили.")
    if not _aware(draft.started_at):
        problems.append("Время звонка: не указан часовой пояс (ожидается время UTC).")
    elif draft.started_at > now + _CLOCK_SLACK:
        problems.append(f"Время звонка {_local_text(draft.started_at)} ещё не наступило.")
    if draft.duration_seconds < 0:
        problems.append("Длительность звонка не может быть отрицательной.")
    if draft.outcome is CallOutcome.CALL_BACK:
        if draft.call_back_at is None:
            problems.append("Перезвонить: не указано, когда перезвонить.")
        elif not _aware(draft.call_back_at):
            problems.append("Перезвонить: не указан часовой пояс (ожидается время UTC).")
        elif draft.call_back_at <= now:
            problems.append(
                f"Перезвонить: время {_local_text(draft.call_back_at)} уже прошло, "
                "укажите время в будущем."
            )
    if draft.outcome is CallOutcome.REACHED:
        problems.extend(_reached_problems(draft))
    return tuple(problems)


def _reached_problems(draft: CallDraft) -> list[str]:
    """31-р 4.1: the three things to tell; 4.2: whether a plan is needed; how to send."""
    problems = []
    if not draft.told_measures:
        problems.append("Не отмечено, что рассказали о рекомендованных мероприятиях ИПРА (п. 4.1).")
    if not draft.told_organisations:
        problems.append(
            "Не отмечено, что рассказали об организациях, предоставляющих услуги (п. 4.1)."
        )
    if not draft.told_route:
        problems.append("Не отмечено, что рассказали о маршруте и его направлении (п. 4.1).")
    if draft.delivery_method is None:
        problems.append("Способ направления маршрута: не выбран (почта или электронная почта).")
    elif draft.delivery_method is DeliveryMethod.POST and not draft.delivery_address.strip():
        problems.append("Адрес для почтового отправления: не указан.")
    elif draft.delivery_method is DeliveryMethod.EMAIL:
        email = draft.delivery_email.strip()
        if not email:
            problems.append("Электронная почта для направления маршрута: не указана.")
        elif not _EMAIL.match(email):
            problems.append(f"Электронная почта: «{email}» не похожа на адрес e-mail.")
    if draft.plan_needed is None:
        problems.append("План комплексного сопровождения: не отмечено, нужен ли он (п. 4.2, 4.7).")
    return problems


def _postal_address(address: str, postcode: str | None) -> str:
    """The address with the citizen's postcode in front when the typed one has none."""
    if postcode and not _POSTCODE_IN_ADDRESS.search(address):
        return f"{postcode}, {address}"
    return address


def record_call(db: Database, draft: CallDraft, now: datetime | None = None) -> CallResult:
    """Keep one call attempt (1.7) and, if it reached the family, mark the entry informed.

    The first successful call (REACHED) dates the informing (Appendix 1 column 7, the
    Tyumen day of the call), sets the route as needed (col. 8: every informed person gets
    a route, 3.3), records whether a plan is needed (col. 11; "not needed" is kept as
    False, 4.7) and how the route will be sent. A later successful call keeps the date
    but may change how and where to send, and the plan answer while no plan is formed.

    Reading of 31-р for REFUSED ("отказ от разговора"): 4.1 defines informing as telling
    the three things by phone and 4.7 records "сведения об информировании"; a person who
    would not talk was told nothing, so the attempt is kept (1.7) but the entry stays not
    informed and the 7-working-day duty of 4.1 stays open (another call, the
    representative, or a letter). The same holds for every outcome other than REACHED.

    Raises ``ValidationError`` with the problems of ``validate_call`` and
    ``NotFoundError`` when the registry entry does not exist.
    """
    now = now or now_utc()
    problems = validate_call(draft, now)
    if problems:
        raise ValidationError(" ".join(problems))
    with db.session_factory.begin() as session:
        entry = _entry(session, draft.entry_id)
        user = current_user(session)
        reached = draft.outcome is CallOutcome.REACHED
        call_back = draft.call_back_at if draft.outcome is CallOutcome.CALL_BACK else None
        address = draft.delivery_address.strip()
        if reached and draft.delivery_method is DeliveryMethod.POST:
            address = _postal_address(address, entry.citizen.postcode)
        call = models.CallAttempt(
            entry_id=entry.id,
            called_at=draft.started_at.astimezone(UTC),
            duration_seconds=draft.duration_seconds,
            callee=draft.callee,
            phone=draft.phone.strip(),
            outcome=draft.outcome,
            call_back_at=call_back.astimezone(UTC) if call_back else None,
            told_measures=reached and draft.told_measures,
            told_organisations=reached and draft.told_organisations,
            told_route=reached and draft.told_route,
            delivery_method=draft.delivery_method if reached else None,
            delivery_address=(address or None) if reached else None,
            delivery_email=(draft.delivery_email.strip() or None) if reached else None,
            plan_needed=draft.plan_needed if reached else None,
            questions=(draft.questions.strip() or None) if reached else None,
            comment=draft.comment.strip() or None,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        session.add(call)
        informed_now = False
        if reached:
            informed_now = _apply_to_entry(entry, call, local_date(draft.started_at))
            entry.updated_by_id = user.id
        session.flush()
        audit(
            session,
            user,
            "informing.call",
            "call_attempt",
            str(call.uuid),
            entry=str(entry.uuid),
            outcome=draft.outcome.value,
            callee=draft.callee.value,
            informed_now=informed_now,
        )
        message = _message(call, entry.informed_on, informed_now)
        call_id = call.id
    logger.info("call %d on entry %d: %s", call_id, draft.entry_id, draft.outcome.value)
    return CallResult(call_id, informed_now, message)


def _apply_to_entry(entry: models.RegistryEntry, call: models.CallAttempt, on: date) -> bool:
    """Copy a successful call into the registry entry; True if it dated the informing."""
    informed_now = entry.informed_on is None or on < entry.informed_on
    if informed_now:
        # A call recorded late but made before the one that dated the informing is the
        # first successful call: the date is that of the earliest one.
        entry.informed_on = on
        entry.route_needed = True
    if informed_now or entry.plan_formed_on is None:
        entry.plan_needed = call.plan_needed
    entry.delivery_method = call.delivery_method
    entry.delivery_address = call.delivery_address
    entry.delivery_email = call.delivery_email
    return informed_now


def _message(call: models.CallAttempt, informed_on: date | None, informed_now: bool) -> str:
    text = f"Звонок записан: {call.outcome.label}"
    if call.outcome is CallOutcome.REACHED:
        if informed_now:
            text += f"; дата информирования {format_date(informed_on)}"
        else:
            text += f"; гражданин уже проинформирован {format_date(informed_on)}"
        if call.delivery_method is not None:
            text += f"; маршрут: {call.delivery_method.label}"
        text += "; план: " + ("нужен" if call.plan_needed else "не нужен")
    elif call.call_back_at is not None:
        text += f" {_local_text(call.call_back_at)}"
    return text + "."


# --- the journal of 1.7 and the list for the regional system (1.6.1) -----------------------


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants bounding the Tyumen local days ``start``..``end`` inclusive."""
    if end < start:
        raise ValidationError(
            f"Период: дата окончания {format_date(end)} раньше даты начала {format_date(start)}."
        )
    low = clock.start_of_day_utc(start)
    high = clock.start_of_day_utc(end + timedelta(days=1))
    return low, high


def _result_text(call: models.CallAttempt) -> str:
    text = call.outcome.label
    if call.outcome is CallOutcome.CALL_BACK and call.call_back_at is not None:
        text += f" {_local_text(call.call_back_at)}"
    if call.callee is Callee.REPRESENTATIVE:
        text += " (представитель)"
    if call.comment:
        text += f": {call.comment}"
    return text


def _journal(db: Database, session: Session, start: date, end: date) -> Journal:
    low, high = _period_bounds(start, end)
    call = models.CallAttempt
    citizen = models.Citizen
    rows = session.execute(
        select(
            call, citizen.last_name, citizen.first_name, citizen.middle_name, models.User.full_name
        )
        .join(models.RegistryEntry, models.RegistryEntry.id == call.entry_id)
        .join(citizen, citizen.id == models.RegistryEntry.citizen_id)
        .outerjoin(models.User, models.User.id == call.created_by_id)
        .where(call.called_at >= low, call.called_at < high)
        .order_by(call.called_at, call.id)
    ).all()
    result = []
    for n, (c, last, first, middle, specialist) in enumerate(rows, start=1):
        local = clock.to_local(c.called_at)
        result.append(
            JournalRow(
                number=str(n),
                date=f"{local:%d.%m.%Y}",
                time=f"{local:%H:%M}",
                person=full_name(last, first, middle),
                phone=c.phone or "",
                service=SERVICE_NAME,
                result=_result_text(c),
                specialist=specialist or "",
            )
        )
    return Journal(start, end, provider_name(db, session), tuple(result))


def journal_rows(db: Database, start: date, end: date) -> tuple[JournalRow, ...]:
    """Every call made on the Tyumen days ``start``..``end``, in time order (1.7)."""
    with db.session_factory.begin() as session:
        return _journal(db, session, start, end).rows


def _eis_comment(calls: list[models.CallAttempt]) -> str:
    reached = next((c for c in calls if c.outcome is CallOutcome.REACHED), None)
    parts = []
    if reached is None:
        outcomes = ", ".join(dict.fromkeys(c.outcome.label for c in calls))
        parts.append(f"Не проинформирован(а): {outcomes}.")
    else:
        whom = "законный представитель" if reached.callee is Callee.REPRESENTATIVE else "гражданин"
        parts.append(
            f"Проинформирован(а) по телефону ({whom}) о рекомендованных мероприятиях ИПРА, "
            "об организациях, предоставляющих реабилитационные услуги, о разработке и "
            "направлении индивидуального реабилитационного маршрута."
        )
        if reached.delivery_method is not None:
            parts.append(f"Способ направления маршрута: {reached.delivery_method.label}.")
        if reached.plan_needed is not None:
            need = "имеется" if reached.plan_needed else "отсутствует"
            parts.append(f"Необходимость в плане комплексного сопровождения {need}.")
    parts.extend(
        c.comment.strip().rstrip(".") + "." for c in calls if c.comment and c.comment.strip()
    )
    return " ".join(parts)


def _eis(db: Database, session: Session, start: date, end: date) -> EisList:
    low, high = _period_bounds(start, end)
    call = models.CallAttempt
    calls = session.scalars(
        select(call)
        .options(joinedload(call.entry).joinedload(models.RegistryEntry.citizen))
        .where(call.called_at >= low, call.called_at < high)
        .order_by(call.called_at, call.id)
    ).all()
    by_entry: dict[int, list[models.CallAttempt]] = {}
    for c in calls:
        by_entry.setdefault(c.entry_id, []).append(c)
    rows = []
    for n, entry_calls in enumerate(by_entry.values(), start=1):
        citizen = entry_calls[0].entry.citizen
        reached = next((c for c in entry_calls if c.outcome is CallOutcome.REACHED), None)
        dates = ", ".join(f"{clock.to_local(c.called_at):%d.%m.%Y}" for c in entry_calls)
        rows.append(
            EisRow(
                number=str(n),
                person=full_name(citizen.last_name, citizen.first_name, citizen.middle_name),
                snils=format_snils(citizen.snils) if citizen.snils else "",
                consulted_on=format_date(local_date(reached.called_at)) if reached else "",
                calls=f"{len(entry_calls)} ({dates})",
                comment=_eis_comment(entry_calls),
            )
        )
    return EisList(start, end, provider_name(db, session), tuple(rows))


def eis_rows(db: Database, start: date, end: date) -> tuple[EisRow, ...]:
    """One row per registry entry phoned on the Tyumen days ``start``..``end`` (1.6.1)."""
    with db.session_factory.begin() as session:
        return _eis(db, session, start, end).rows


def export_journal(db: Database, start: date, end: date, fmt: str, out: Path) -> int:
    """Write the journal of 1.7 for ``start``..``end`` as "xlsx" or "pdf"; rows written."""
    kind = checked_format(fmt, JOURNAL_FORMATS)
    from app.documents import journal as documents

    with db.session_factory.begin() as session:
        journal = _journal(db, session, start, end)
        if kind == "xlsx":
            path = write_atomically(
                out, lambda p: documents.write_journal_xlsx(journal, p), database=db.path
            )
        else:
            path = write_atomically(
                out, lambda p: documents.write_journal_pdf(journal, p), database=db.path
            )
        audit(
            session,
            current_user(session),
            "informing.journal_export",
            start=start.isoformat(),
            end=end.isoformat(),
            format=kind,
            path=str(path),
            rows=len(journal.rows),
        )
    logger.info("journal %s..%s exported to %s (%d rows)", start, end, path, len(journal.rows))
    return len(journal.rows)


def export_eis_list(db: Database, start: date, end: date, out: Path, fmt: str = "xlsx") -> int:
    """Write the list for the regional system (1.6.1) for ``start``..``end``; rows written.

    ``fmt`` is "xlsx" (to copy from) or "pdf" (to print), as for the journal.
    """
    from app.documents import journal as documents

    kind = checked_format(fmt, JOURNAL_FORMATS)
    writer = documents.write_eis_xlsx if kind == "xlsx" else documents.write_eis_pdf
    with db.session_factory.begin() as session:
        eis = _eis(db, session, start, end)
        path = write_atomically(out, lambda p: writer(eis, p), database=db.path)
        audit(
            session,
            current_user(session),
            "informing.eis_export",
            start=start.isoformat(),
            end=end.isoformat(),
            path=str(path),
            rows=len(eis.rows),
        )
    logger.info("ЕИС list %s..%s exported to %s (%d rows)", start, end, path, len(eis.rows))
    return len(eis.rows)
