"""Sending routes and plans by post or e-mail and marking the registry (31-р 3.4, 4.6).

A route goes to the person (or, for a child, the legal representative) by the 30th of the
month after the reporting month, the plan with it when one was drawn up. By post: one PDF
with, for each person, a covering letter, the route and the plan, then DL envelopes; the
list of registered letters; the ШПИ from the receipt marks the letter sent. By e-mail: a
message with the PDFs attached, sent over SMTP; a failure is recorded per person and only
what the server accepted is marked sent. Each sending fills Appendix 1 columns 9, 10 and
13 and is recorded with its author and an audit event.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.documents.post_form import Envelope, Letter, PostListRow
from app.domain.dates import format_date
from app.domain.deadlines import route_dispatch_due
from app.domain.enums import (
    DeliveryMethod,
    DispatchDocument,
    DispatchStatus,
    DocumentStatus,
    Sex,
    TargetCategory,
)
from app.domain.names import full_name
from app.domain.periods import Month
from app.domain.tracking import normalize_tracking_number
from app.errors import NotFoundError, UserError, ValidationError
from app.services.common import audit, current_user, now_utc
from app.services.files import check_output, write_atomically, write_files
from app.settings import SmtpSettings
from db import models
from db.session import Database

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 20.0  # seconds; an unreachable server fails well before that
ORDER_REFERENCE = (
    "распоряжением Департамента социального развития Тюменской области от 06.07.2022 N 31-р"
)
_POSTCODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")

# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ToSend:
    """A registry entry whose route (and plan) is ready and not yet sent."""

    entry_id: int
    citizen_id: int
    person: str  # the citizen, "Фамилия Имя Отчество"
    addressee: str  # the representative for a child, else the person
    addressee_sex: Sex | None
    to_representative: bool
    method: DeliveryMethod | None  # agreed on the call (4.1); None when not agreed
    address: str
    postcode: str
    email: str
    reporting_month: str
    due: date
    days_left: int  # negative: overdue
    route_id: int  # for a plan sent after its route, the route that already went
    plan_id: int | None
    document: DispatchDocument = DispatchDocument.ROUTE  # PLAN: the route went before


@dataclass(frozen=True)
class PostItem:
    entry_id: int
    dispatch_id: int
    addressee: str
    postcode: str


@dataclass(frozen=True)
class PostBatch:
    path: Path
    items: tuple[PostItem, ...]
    names_declined: bool  # False: petrovich missing, the "Кому" block is in the nominative

    @property
    def dispatch_ids(self) -> tuple[int, ...]:
        return tuple(i.dispatch_id for i in self.items)


@dataclass(frozen=True)
class DispatchRecord:
    dispatch_id: int
    entry_id: int
    method: DeliveryMethod
    status: DispatchStatus
    sent_on: date | None
    tracking_number: str


@dataclass(frozen=True)
class EmailOutcome:
    entry_id: int
    dispatch_id: int
    email: str
    sent: bool
    error: str  # "" when sent


# --- names -------------------------------------------------------------------------------


def _petrovich() -> Any | None:
    """The declension library with its rules read as UTF-8 (its own reader uses the locale's
    encoding, which breaks on a Windows cp1251 machine); None when it is not installed."""
    try:
        from petrovich.main import Petrovich
    except ImportError:  # pragma: no cover - petrovich is a dependency
        return None
    engine = Petrovich.__new__(Petrovich)
    rules = resources.files("petrovich").joinpath("rules", "rules.json")
    engine.data = json.loads(rules.read_text(encoding="utf-8"))
    return engine


def _guess_sex(middle: str | None, sex: Sex | None) -> Sex | None:
    if sex is not None:
        return sex
    tail = (middle or "").strip().lower()
    if tail.endswith(("вна", "чна", "кызы")):
        return Sex.FEMALE
    if tail.endswith(("ич", "оглы")):
        return Sex.MALE
    return None


def dative_name(last: str, first: str, middle: str | None, sex: Sex | None) -> tuple[str, bool]:
    """ "Ивановой Анне Сергеевне" and True, or the nominative and False when it cannot be
    declined (no library, or the sex is unknown)."""
    sex = _guess_sex(middle, sex)
    engine = _petrovich()
    if engine is None or sex is None:
        return full_name(last, first, middle), False
    from petrovich.enums import Case, Gender

    gender = Gender.FEMALE if sex is Sex.FEMALE else Gender.MALE
    parts = [
        engine.lastname(last, Case.DATIVE, gender),
        engine.firstname(first, Case.DATIVE, gender),
        engine.middlename(middle, Case.DATIVE, gender) if middle else "",
    ]
    return full_name(*parts), True


def greeting(first: str, middle: str | None, sex: Sex | None) -> str:
    """ "Уважаемая Анна Сергеевна!" (the greeting keeps the nominative)."""
    sex = _guess_sex(middle, sex)
    if sex is Sex.MALE:
        word = "Уважаемый"
    elif sex is Sex.FEMALE:
        word = "Уважаемая"
    else:
        word = "Уважаемый(ая)"
    return f"{word} {full_name(first, middle or '')}!"


# --- what is to be sent ------------------------------------------------------------------


@dataclass(frozen=True)
class _Addressee:
    last: str
    first: str
    middle: str | None
    sex: Sex | None
    representative: bool


def _addressee(citizen: models.Citizen, entry: models.RegistryEntry) -> _Addressee:
    rep = citizen.representatives[0] if citizen.representatives else None
    if rep is not None and entry.category is TargetCategory.CHILD:
        return _Addressee(rep.last_name, rep.first_name, rep.middle_name, rep.sex, True)
    return _Addressee(
        citizen.last_name, citizen.first_name, citizen.middle_name, citizen.sex, False
    )


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _item(
    entry: models.RegistryEntry,
    citizen: models.Citizen,
    route_id: int,
    plan_id: int | None,
    today: date,
    document: DispatchDocument,
) -> ToSend:
    who = _addressee(citizen, entry)
    rep = citizen.representatives[0] if who.representative else None
    address = _clean(
        entry.delivery_address
        or (rep.address if rep else None)
        or citizen.actual_address
        or citizen.registration_address
    )
    postcode = (rep.postcode if rep else None) or citizen.postcode or ""
    found = _POSTCODE.search(address)
    if found and (not postcode or address.startswith(found[1])):
        postcode = found[1]
    email = _clean(entry.delivery_email or (rep.email if rep else None) or citizen.email)
    due = route_dispatch_due(Month.parse(entry.reporting_month))
    return ToSend(
        entry_id=entry.id,
        citizen_id=citizen.id,
        person=full_name(citizen.last_name, citizen.first_name, citizen.middle_name),
        addressee=full_name(who.last, who.first, who.middle),
        addressee_sex=_guess_sex(who.middle, who.sex),
        to_representative=who.representative,
        method=entry.delivery_method,
        address=address,
        postcode=postcode,
        email=email,
        reporting_month=entry.reporting_month,
        due=due,
        days_left=(due - today).days,
        route_id=route_id,
        plan_id=plan_id,
        document=document,
    )


def _ready(session: Session, today: date, entry_ids: Sequence[int] | None = None) -> list[ToSend]:
    entry, route, plan = models.RegistryEntry, models.Route, models.SupportPlan
    query = (
        select(entry, route.id)
        .join(route, route.entry_id == entry.id)
        .where(
            route.status == DocumentStatus.ISSUED,
            entry.route_sent_on.is_(None),
            entry.route_needed.is_not(False),
        )
        .order_by(entry.reporting_month, entry.number.is_(None), entry.number, entry.id)
    )
    if entry_ids is not None:
        query = query.where(entry.id.in_(list(entry_ids)))
    rows = session.execute(query).all()
    ids = [e.id for e, _ in rows]
    plans: dict[int, int] = {}
    for plan_row in session.execute(
        select(plan.entry_id, plan.id)
        .where(plan.entry_id.in_(ids), plan.drawn_up_on.is_not(None))
        .order_by(plan.drawn_up_on, plan.id)
    ):
        if plan_row[0] is not None:
            plans[plan_row[0]] = plan_row[1]  # the latest plan wins
    result: list[ToSend] = []
    seen: set[int] = set()
    for e, route_id in rows:
        if e.id in seen:
            continue
        seen.add(e.id)
        plan_id = plans.get(e.id)
        if e.plan_needed and plan_id is None:
            continue  # 4.6: the plan goes with the route; wait until it is drawn up
        document = DispatchDocument.ROUTE_AND_PLAN if plan_id else DispatchDocument.ROUTE
        result.append(_item(e, e.citizen, route_id, plan_id, today, document))
    result.extend(_plans_after_route(session, today, entry_ids))
    return result


def _plans_after_route(
    session: Session, today: date, entry_ids: Sequence[int] | None
) -> list[ToSend]:
    """Plans drawn up after the route was sent: column 13 is still empty (4.6)."""
    entry, route, plan = models.RegistryEntry, models.Route, models.SupportPlan
    query = (
        select(entry, route.id, plan.id)
        .join(route, route.entry_id == entry.id)
        .join(plan, plan.entry_id == entry.id)
        .where(
            route.status == DocumentStatus.ISSUED,
            entry.route_sent_on.is_not(None),
            entry.plan_sent_method.is_(None),
            plan.drawn_up_on.is_not(None),
        )
        .order_by(entry.reporting_month, entry.number.is_(None), entry.number, entry.id)
        .order_by(plan.drawn_up_on.desc(), plan.id.desc())
    )
    if entry_ids is not None:
        query = query.where(entry.id.in_(list(entry_ids)))
    result: list[ToSend] = []
    seen: set[int] = set()
    for e, route_id, plan_id in session.execute(query):
        if e.id not in seen:
            seen.add(e.id)
            result.append(_item(e, e.citizen, route_id, plan_id, today, DispatchDocument.PLAN))
    return result


def to_send(db: Database, today: date) -> tuple[ToSend, ...]:
    """Entries whose issued route (and plan, when needed) has not been sent yet, in registry
    order; then plans drawn up after their route went (``document`` PLAN)."""
    with db.session_factory() as session:
        return tuple(_ready(session, today))


def _selected(session: Session, entry_ids: Sequence[int], today: date) -> list[ToSend]:
    found = {t.entry_id: t for t in _ready(session, today, entry_ids)}
    missing = [i for i in entry_ids if i not in found]
    if missing:
        e = session.get(models.RegistryEntry, missing[0])
        if e is None:
            raise NotFoundError(f"Запись реестра N {missing[0]} не найдена.")
        name = full_name(e.citizen.last_name, e.citizen.first_name, e.citizen.middle_name)
        if e.route_sent_on is not None:
            raise UserError(
                f"Маршрут гражданина {name} уже направлен {format_date(e.route_sent_on)}."
            )
        raise UserError(
            f"Маршрут гражданина {name} не готов к отправке: нет выданного маршрута "
            "или не составлен нужный план комплексного сопровождения."
        )
    return [found[i] for i in entry_ids]


# --- documents ---------------------------------------------------------------------------


def _sender(db: Database, session: Session) -> tuple[str, str, str]:
    """The organisation's name, address and postcode from the settings, else the profile."""
    from app.services.settings import load_settings, provider_name

    settings = load_settings(db)
    name = provider_name(db, session)
    address = settings.provider_address
    postcode = settings.provider_postcode
    if not postcode:
        found = _POSTCODE.search(address)
        postcode = found[1] if found else ""
    return _clean(name), _clean(address), postcode


def _documents_line(item: ToSend) -> str:
    if item.document is DispatchDocument.PLAN:
        return "индивидуальный план комплексного сопровождения"
    if item.plan_id is not None:
        return (
            "индивидуальный реабилитационный маршрут и индивидуальный план комплексного "
            "сопровождения"
        )
    return "индивидуальный реабилитационный маршрут"


def _paragraphs(item: ToSend, phone: str | None) -> tuple[str, ...]:
    whose = f"Вашего ребенка {item.person}" if item.to_representative else ""
    what = _documents_line(item)
    first = (
        f"В соответствии с {ORDER_REFERENCE} направляем Вам {what}"
        + (f" {whose}" if whose else "")
        + "."
    )
    second = (
        "В плане указаны организации, в которые мы обратились по Вашим вопросам, "
        "и специалисты, к которым можно обратиться."
        if item.document is DispatchDocument.PLAN
        else "В маршруте указаны рекомендованные индивидуальной программой реабилитации или "
        "абилитации мероприятия и организации, которые их проводят, с адресами, графиком "
        "работы и телефонами."
    )
    third = "По всем вопросам Вы можете обратиться к интеграционному консультанту" + (
        f" по телефону {_clean(phone)}." if _clean(phone) else "."
    )
    return (first, second, third)


def _letter(db: Database, session: Session, item: ToSend, today: date) -> tuple[Letter, bool]:
    entry = session.get(models.RegistryEntry, item.entry_id)
    assert entry is not None
    who = _addressee(entry.citizen, entry)
    dative, declined = dative_name(who.last, who.first, who.middle, who.sex)
    name, address, _ = _sender(db, session)
    user = current_user(session)
    signature = tuple(
        p for p in (_clean(user.position), _clean(user.full_name), _clean(user.phone)) if p
    )
    return (
        Letter(
            sender_name=name,
            sender_address=address,
            recipient_dative=dative,
            recipient_address=item.address,
            postcode=item.postcode,
            greeting=greeting(who.first, who.middle, who.sex),
            paragraphs=_paragraphs(item, user.phone),
            signature=signature,
            dated=format_date(today),
        ),
        declined,
    )


def _document_pdfs(db: Database, item: ToSend) -> list[tuple[str, bytes]]:
    """The route and the plan of ``item`` as PDFs rendered in memory, with the names of
    their attachments (no temporary file with the person's data on disk)."""
    from app.documents.plan_pdf import write_plan_pdf
    from app.documents.route_pdf import write_routes_pdf
    from app.services.plans import load_plan, plan_header
    from app.services.routes import route_documents

    pdfs: list[tuple[str, bytes]] = []
    if item.document is not DispatchDocument.PLAN:
        route = BytesIO()
        write_routes_pdf(route_documents(db, [item.route_id]), route)
        pdfs.append(("Маршрут.pdf", route.getvalue()))
    if item.plan_id is not None:
        plan = BytesIO()
        _, form = load_plan(db, item.plan_id)
        write_plan_pdf(form, plan_header(db, item.plan_id), plan)
        pdfs.append(("План комплексного сопровождения.pdf", plan.getvalue()))
    return pdfs


def _document_kind(item: ToSend) -> DispatchDocument:
    return item.document


# --- post --------------------------------------------------------------------------------


def prepare_post(
    db: Database,
    entry_ids: Sequence[int],
    out_pdf: Path,
    today: date,
    *,
    list_xlsx: Path | None = None,
) -> PostBatch:
    """One PDF to print: per person the covering letter, the route, the plan; then the
    envelopes; with ``list_xlsx``, the list of registered letters too. Records a PREPARED
    post dispatch for each (reused when printed again).

    Both files are checked before either is written, and the dispatches are recorded only
    once both are written: a wrong path leaves no file and no record. The parts of the PDF
    are rendered in memory, so a killed run leaves no letters in a temporary folder.
    """
    from pypdf import PdfReader, PdfWriter

    from app.documents.letters_pdf import write_envelopes_pdf, write_letters_pdf
    from app.documents.plan_pdf import write_plan_pdf
    from app.documents.post_list_xlsx import write_post_list_xlsx
    from app.documents.route_pdf import write_routes_pdf_pages
    from app.services.plans import load_plan, plan_header
    from app.services.routes import route_documents

    entry_ids = list(dict.fromkeys(entry_ids))  # each person once, in the order given
    if not entry_ids:
        raise ValidationError("Не выбрано ни одного гражданина для отправки почтой.")
    for out in (out_pdf, list_xlsx):  # a wrong path is told before the long render
        if out is not None:
            check_output(out, db.path)
    with db.session_factory() as session:
        items = _selected(session, entry_ids, today)
        for item in items:
            if not item.address:
                raise ValidationError(f"Не указан почтовый адрес: {item.addressee}.")
            if not re.fullmatch(r"\d{6}", item.postcode):
                raise ValidationError(
                    f"Не указан почтовый индекс (6 цифр) адресата {item.addressee}: "
                    "исправьте адрес в карточке гражданина."
                )
        letters = [_letter(db, session, item, today) for item in items]
        sender_name, sender_address, sender_postcode = _sender(db, session)

    def render(path: Path) -> None:
        # Letters and routes each rendered once for the whole batch (one set of embedded
        # fonts; pypdf copies a reader's shared objects once), then interleaved per person
        # with the plan, if any.
        letters_pdf = BytesIO()
        write_letters_pdf([letter for letter, _ in letters], letters_pdf)
        with_route = [i for i in items if i.document is not DispatchDocument.PLAN]
        routes_pdf = BytesIO()
        route_pages = (
            write_routes_pdf_pages(
                route_documents(db, [i.route_id for i in with_route]), routes_pdf
            )
            if with_route
            else []
        )
        first_page: dict[int, tuple[int, int]] = {}
        start = 0
        for item, count in zip(with_route, route_pages, strict=True):
            first_page[item.entry_id] = (start, count)
            start += count
        letter_reader = PdfReader(letters_pdf)
        route_reader = PdfReader(routes_pdf) if with_route else None
        writer = PdfWriter()
        for index, item in enumerate(items):
            writer.add_page(letter_reader.pages[index])
            if route_reader is not None and item.entry_id in first_page:
                begin, count = first_page[item.entry_id]
                for page in range(begin, begin + count):
                    writer.add_page(route_reader.pages[page])
            if item.plan_id is not None:
                plan_pdf = BytesIO()
                _, form = load_plan(db, item.plan_id)
                write_plan_pdf(form, plan_header(db, item.plan_id), plan_pdf)
                writer.append(plan_pdf)
        envelopes_pdf = BytesIO()
        write_envelopes_pdf(
            [
                Envelope(
                    sender_name=sender_name,
                    sender_address=sender_address,
                    sender_postcode=sender_postcode,
                    recipient=letter.recipient_dative,
                    recipient_address=item.address,
                    recipient_postcode=item.postcode,
                )
                for item, (letter, _) in zip(items, letters, strict=True)
            ],
            envelopes_pdf,
        )
        writer.append(envelopes_pdf)
        with path.open("wb") as handle:
            writer.write(handle)
        writer.close()

    outputs: list[tuple[Path, Callable[[Path], object]]] = [(out_pdf, render)]
    if list_xlsx is not None:
        # The list as write_post_list makes it from the dispatches recorded below: a
        # prepared letter has no ШПИ or sending date yet.
        rows = [
            PostListRow(
                number=number,
                addressee=item.addressee,
                address=item.address,
                postcode=item.postcode,
                tracking_number="",
                sent_on="",
            )
            for number, item in enumerate(items, start=1)
        ]
        outputs.append((list_xlsx, lambda path: write_post_list_xlsx(rows, path)))
    written = write_files(outputs, database=db.path)
    out = written[0]
    result: list[PostItem] = []
    with db.session_factory.begin() as session:
        user = current_user(session)
        for item in items:
            row = session.scalar(
                select(models.Dispatch).where(
                    models.Dispatch.entry_id == item.entry_id,
                    models.Dispatch.method == DeliveryMethod.POST,
                    models.Dispatch.status == DispatchStatus.PREPARED,
                )
            )
            if row is None:
                row = models.Dispatch(
                    entry_id=item.entry_id,
                    method=DeliveryMethod.POST,
                    status=DispatchStatus.PREPARED,
                    created_by_id=user.id,
                )
                session.add(row)
            row.route_id = item.route_id
            row.plan_id = item.plan_id
            row.document = _document_kind(item)
            row.addressee = item.addressee
            row.address = item.address
            row.postcode = item.postcode
            row.tracking_number = None  # given by the post office when the letter is handed in
            row.updated_by_id = user.id
            session.flush()
            audit(
                session,
                user,
                "dispatch.post.prepare",
                "dispatch",
                str(row.uuid),
                entry_id=item.entry_id,
                document=str(row.document),
                file=out.name,
            )
            result.append(PostItem(item.entry_id, row.id, item.addressee, item.postcode))
        if list_xlsx is not None:
            audit(session, user, "dispatch.post.list", file=written[1].name, rows=len(items))
    logger.info("post batch of %d letters written to %s", len(result), out)
    return PostBatch(out, tuple(result), all(declined for _, declined in letters))


def write_post_list(db: Database, dispatch_ids: Sequence[int], out_xlsx: Path) -> int:
    """The list of registered letters (№, addressee, address, postcode, ШПИ); returns rows."""
    from app.documents.post_list_xlsx import write_post_list_xlsx

    with db.session_factory.begin() as session:
        rows: list[PostListRow] = []
        for number, dispatch_id in enumerate(dispatch_ids, start=1):
            d = session.get(models.Dispatch, dispatch_id)
            if d is None:
                raise NotFoundError(f"Отправление N {dispatch_id} не найдено.")
            if d.method is not DeliveryMethod.POST:
                raise ValidationError(f"Отправление N {dispatch_id} — не почтовое.")
            rows.append(
                PostListRow(
                    number=number,
                    addressee=d.addressee or "",
                    address=d.address or "",
                    postcode=d.postcode or "",
                    tracking_number=d.tracking_number or "",
                    sent_on=format_date(d.sent_on),
                )
            )
        out = write_atomically(
            out_xlsx, lambda path: write_post_list_xlsx(rows, path), database=db.path
        )
        audit(session, current_user(session), "dispatch.post.list", file=out.name, rows=len(rows))
    return len(rows)


def _mark_registry(session: Session, d: models.Dispatch, sent_on: date, user_id: int) -> None:
    entry = session.get(models.RegistryEntry, d.entry_id)
    assert entry is not None
    if d.document is not DispatchDocument.PLAN:  # a plan sent later leaves 9-10 as they are
        entry.route_sent_on = sent_on  # column 9
        entry.route_sent_method = d.method  # column 10
    if d.plan_id is not None:
        entry.plan_sent_method = d.method  # column 13
    entry.updated_by_id = user_id


def _record(d: models.Dispatch) -> DispatchRecord:
    return DispatchRecord(d.id, d.entry_id, d.method, d.status, d.sent_on, d.tracking_number or "")


def record_tracking(
    db: Database, dispatch_id: int, tracking_number: str, sent_on: date
) -> DispatchRecord:
    """The ШПИ from the post office's receipt: the letter is sent, the registry marked."""
    digits = normalize_tracking_number(tracking_number)
    with db.session_factory.begin() as session:
        d = session.get(models.Dispatch, dispatch_id)
        if d is None:
            raise NotFoundError(f"Отправление N {dispatch_id} не найдено.")
        if d.method is not DeliveryMethod.POST:
            raise ValidationError("ШПИ указывается только для почтового отправления.")
        _check_sent_on(d, sent_on)
        if d.status is DispatchStatus.SENT:
            raise UserError(
                f"Письмо {d.addressee} уже отмечено отправленным {format_date(d.sent_on)} "
                f"(ШПИ {d.tracking_number})."
            )
        other = session.scalar(
            select(models.Dispatch).where(
                models.Dispatch.tracking_number == digits, models.Dispatch.id != d.id
            )
        )
        if other is not None:
            raise ValidationError(f"ШПИ {digits} уже указан для письма {other.addressee}.")
        user = current_user(session)
        d.tracking_number = digits
        d.status = DispatchStatus.SENT
        d.sent_on = sent_on
        d.error = None
        d.updated_by_id = user.id
        _mark_registry(session, d, sent_on, user.id)
        audit(
            session,
            user,
            "dispatch.post.sent",
            "dispatch",
            str(d.uuid),
            entry_id=d.entry_id,
            tracking_number=digits,
            sent_on=sent_on.isoformat(),
        )
        return _record(d)


def _check_sent_on(d: models.Dispatch, sent_on: date) -> None:
    """A letter is sent on a day that has come, and not before it was prepared (issue #12:
    a ШПИ dated 15.12.2026 was accepted on 02.12.2026 and printed in Appendix 1)."""
    today = clock.today()
    if sent_on > today:
        raise ValidationError(
            f"Дата отправки {format_date(sent_on)} ещё не наступила (сегодня "
            f"{format_date(today)}): отметьте письмо в день отправки."
        )
    prepared = clock.local_date(d.created_at)
    if sent_on < prepared:
        raise ValidationError(
            f"Дата отправки {format_date(sent_on)} раньше, чем письмо подготовлено "
            f"({format_date(prepared)})."
        )


def record_sent(db: Database, dispatch_id: int, sent_on: date) -> DispatchRecord:
    """An e-mail sent by hand from a saved .eml: mark it sent and the registry."""
    with db.session_factory.begin() as session:
        d = session.get(models.Dispatch, dispatch_id)
        if d is None:
            raise NotFoundError(f"Отправление N {dispatch_id} не найдено.")
        _check_sent_on(d, sent_on)
        if d.method is not DeliveryMethod.EMAIL:
            raise ValidationError(
                "Почтовое отправление отмечается отправленным по ШПИ из квитанции."
            )
        if d.status is DispatchStatus.SENT:
            raise UserError(f"Письмо уже отмечено отправленным {format_date(d.sent_on)}.")
        user = current_user(session)
        d.status = DispatchStatus.SENT
        d.sent_on = sent_on
        d.error = None
        d.updated_by_id = user.id
        _mark_registry(session, d, sent_on, user.id)
        audit(session, user, "dispatch.email.sent", "dispatch", str(d.uuid), manual=True)
        return _record(d)


# --- e-mail ------------------------------------------------------------------------------


def _subject(item: ToSend) -> str:
    if item.document is DispatchDocument.PLAN:
        return "Индивидуальный план комплексного сопровождения"
    if item.plan_id is not None:
        return "Индивидуальный реабилитационный маршрут и план комплексного сопровождения"
    return "Индивидуальный реабилитационный маршрут"


def _message(db: Database, item: ToSend, sender: str, today: date) -> EmailMessage:
    if not item.email or "@" not in item.email:
        raise ValidationError(f"Не указан адрес электронной почты: {item.addressee}.")
    if not sender or "@" not in sender:
        raise ValidationError(
            "Не указан адрес отправителя электронной почты: заполните его в настройках."
        )
    with db.session_factory() as session:
        entry = session.get(models.RegistryEntry, item.entry_id)
        assert entry is not None
        who = _addressee(entry.citizen, entry)
        organisation, _, _ = _sender(db, session)
        user = current_user(session)
        hello = greeting(who.first, who.middle, who.sex)
        phone = user.phone
        signature = [p for p in (user.full_name, user.position, organisation, user.phone) if p]
    message = EmailMessage()
    message["Subject"] = _subject(item)
    message["From"] = formataddr((organisation, sender)) if organisation else sender
    message["To"] = formataddr((item.addressee, item.email))
    message["Date"] = format_datetime(now_utc())
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    body = [hello, "", *_paragraphs(item, phone), "", "С уважением,", *signature]
    message.set_content("\n".join(body))
    for name, pdf in _document_pdfs(db, item):
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return message


def _connect(smtp: SmtpSettings, password: str) -> smtplib.SMTP:
    if not smtp.host:
        raise ValidationError("Не указан сервер исходящей почты (SMTP): заполните настройки.")
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT)
    try:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.login:
            client.login(smtp.login, password)
    except BaseException:
        client.close()  # connected but refused: do not leave the socket open
        raise
    return client


def _smtp_error(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "Сервер почты не принял имя пользователя или пароль."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return (
            "Сервер почты не поддерживает выбранный способ защиты соединения или входа "
            f"(проверьте настройки SMTP): {exc}"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "Сервер почты отказался принять письмо для этого адреса."
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"Сервер почты ответил ошибкой {exc.smtp_code}: {text}"
    if isinstance(exc, ssl.SSLError):
        return f"Не удалось установить защищённое соединение с сервером почты: {exc}"
    if isinstance(exc, OSError | smtplib.SMTPException):
        return f"Нет связи с сервером почты: {exc}"
    return str(exc)


def _record_email(
    db: Database, item: ToSend, sent_on: date | None, error: str, status: DispatchStatus
) -> int:
    with db.session_factory.begin() as session:
        user = current_user(session)
        d = models.Dispatch(
            entry_id=item.entry_id,
            route_id=item.route_id,
            plan_id=item.plan_id,
            document=_document_kind(item),
            method=DeliveryMethod.EMAIL,
            status=status,
            sent_on=sent_on,
            addressee=item.addressee,
            email=item.email,
            error=error or None,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        session.add(d)
        session.flush()
        if status is DispatchStatus.SENT:
            assert sent_on is not None
            _mark_registry(session, d, sent_on, user.id)
        action = {
            DispatchStatus.SENT: "dispatch.email.sent",
            DispatchStatus.FAILED: "dispatch.email.failed",
            DispatchStatus.PREPARED: "dispatch.email.eml",
        }[status]
        audit(
            session,
            user,
            action,
            "dispatch",
            str(d.uuid),
            entry_id=item.entry_id,
            email=item.email,
            error=error or None,
        )
        return d.id


def send_email(
    db: Database,
    entry_ids: Sequence[int],
    smtp: SmtpSettings,
    today: date,
    *,
    password: str = "",
) -> tuple[EmailOutcome, ...]:
    """Send each person's route (and plan) as PDF attachments. Each outcome is recorded
    as its own dispatch (SENT or FAILED with the reason); only a message the server
    accepted marks the registry. Sending again retries the ones that failed."""
    entry_ids = list(dict.fromkeys(entry_ids))
    if not entry_ids:
        raise ValidationError("Не выбрано ни одного гражданина для отправки по электронной почте.")
    with db.session_factory() as session:
        items = _selected(session, entry_ids, today)
    outcomes: list[EmailOutcome] = []
    messages: list[tuple[ToSend, EmailMessage]] = []
    for item in items:
        messages.append((item, _message(db, item, smtp.sender, today)))
    client: smtplib.SMTP | None = None
    connect_error = ""
    try:
        client = _connect(smtp, password)
    except (OSError, smtplib.SMTPException) as exc:
        connect_error = _smtp_error(exc)
        logger.warning("SMTP connection to %s:%s failed: %s", smtp.host, smtp.port, exc)
    try:
        for item, message in messages:
            error = connect_error
            if client is not None:
                try:
                    client.send_message(message)
                except (OSError, smtplib.SMTPException) as exc:
                    error = _smtp_error(exc)
                    logger.warning("e-mail to entry %d failed: %s", item.entry_id, exc)
            if error:
                dispatch_id = _record_email(db, item, None, error, DispatchStatus.FAILED)
            else:
                dispatch_id = _record_email(db, item, today, "", DispatchStatus.SENT)
            outcomes.append(EmailOutcome(item.entry_id, dispatch_id, item.email, not error, error))
    finally:
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
    return tuple(outcomes)


def save_eml(
    db: Database,
    entry_id: int,
    out_dir: Path,
    today: date,
    smtp: SmtpSettings | None = None,
) -> Path:
    """A ready message (.eml) to send from any mail program when there is no connection;
    recorded as a PREPARED e-mail dispatch (``record_sent`` marks it sent)."""
    from app.services.settings import load_settings

    sender = (smtp or load_settings(db).smtp).sender
    with db.session_factory() as session:
        (item,) = _selected(session, [entry_id], today)
    out_dir = Path(out_dir).expanduser().absolute()
    if not out_dir.is_dir():
        raise UserError(f"Папки {out_dir} не существует.")
    message = _message(db, item, sender, today)
    # At most 100 letters of the name: the file name stays within 255 bytes.
    safe = re.sub(r"[^\w .-]+", "_", item.person)[:100].strip() or f"entry-{entry_id}"
    out = out_dir / f"Маршрут {safe}.eml"
    out = write_atomically(out, lambda path: path.write_bytes(bytes(message)), database=db.path)
    _record_email(db, item, None, "", DispatchStatus.PREPARED)
    return out
