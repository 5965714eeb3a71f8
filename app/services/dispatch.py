"""Sending routes and plans by post or e-mail and marking the registry (31-р 3.4, 4.6).

A route goes to the person (or, for a child, the legal representative) by the 30th of the
month after the reporting month, the plan with it when one was drawn up. By post: one PDF
with, for each person, a covering letter, the route and the plan, then DL envelopes; the
list of registered letters on Russian Post's form 103; the ШПИ from the receipt marks the
letter sent. Each printing is a post batch kept in the database (issue #12) until every
letter of it has its ШПИ: it can be opened on any later day, printed again, or a letter
taken out of it. By e-mail: a
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
from dataclasses import dataclass, replace
from datetime import date
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from enum import StrEnum
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app import clock
from app.documents.post_form import Envelope, Form103, Form103Row, Letter, with_postcode
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
from app.domain.names import full_name, search_key
from app.domain.periods import Month
from app.domain.tracking import normalize_tracking_number
from app.errors import NotFoundError, UserError, ValidationError
from app.services.common import audit, current_user, now_utc
from app.services.files import check_output, write_atomically, write_files
from app.settings import SmtpSettings
from db import models
from db.dialect import lock_tables
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
    batch_number: int | None = None  # printed in this post batch, its ШПИ not entered yet


class SendFilter(StrEnum):
    """What the list to send can be narrowed to (issue #12: search and filters)."""

    ALL = "ALL"
    OVERDUE = "OVERDUE"
    IN_BATCH = "IN_BATCH"
    NOT_IN_BATCH = "NOT_IN_BATCH"
    NO_METHOD = "NO_METHOD"

    @property
    def label(self) -> str:
        return {
            SendFilter.ALL: "все",
            SendFilter.OVERDUE: "срок истёк",
            SendFilter.IN_BATCH: "в почтовой партии, ждут ШПИ",
            SendFilter.NOT_IN_BATCH: "ещё не напечатаны",
            SendFilter.NO_METHOD: "способ не согласован",
        }[self]


def matches(
    item: ToSend,
    text: str = "",
    method: DeliveryMethod | None = None,
    state: SendFilter = SendFilter.ALL,
) -> bool:
    """Whether ``item`` is shown for the search ``text`` (a part of the person's or the
    addressee's name, any case, ё as е; or the entry's number), the ``method`` (None: any)
    and the ``state``."""
    needle = search_key(text)
    if needle and not (
        needle in search_key(item.person)
        or needle in search_key(item.addressee)
        or needle == str(item.entry_id)
    ):
        return False
    if method is not None and item.method is not method:
        return False
    return {
        SendFilter.ALL: True,
        SendFilter.OVERDUE: item.days_left < 0,
        SendFilter.IN_BATCH: item.batch_number is not None,
        SendFilter.NOT_IN_BATCH: item.batch_number is None,
        SendFilter.NO_METHOD: item.method is None,
    }[state]


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
    number: int = 0  # the post batch recorded (form 103's "Список N")

    @property
    def dispatch_ids(self) -> tuple[int, ...]:
        return tuple(i.dispatch_id for i in self.items)


@dataclass(frozen=True)
class BatchSummary:
    """A post batch in the list of batches."""

    number: int
    printed_on: date
    printed_by: str
    letters: int
    awaiting: int  # letters whose ШПИ is not entered yet
    file_name: str

    @property
    def open(self) -> bool:
        return self.awaiting > 0


@dataclass(frozen=True)
class BatchLetter:
    """A letter of a post batch and the state of its ШПИ."""

    dispatch_id: int
    entry_id: int
    addressee: str
    address: str
    postcode: str
    document: DispatchDocument
    status: DispatchStatus
    tracking_number: str  # "" while awaited
    sent_on: date | None

    @property
    def awaiting(self) -> bool:
        return self.status is not DispatchStatus.SENT


@dataclass(frozen=True)
class BatchDetail:
    summary: BatchSummary
    letters: tuple[BatchLetter, ...]

    @property
    def number(self) -> int:
        return self.summary.number


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
    order; then plans drawn up after their route went (``document`` PLAN). A letter printed
    in a post batch and awaiting its ШПИ carries the batch's number."""
    with db.session_factory() as session:
        items = _ready(session, today)
        batches = dict(
            session.execute(
                select(models.Dispatch.entry_id, models.PostBatch.number)
                .join(models.PostBatch, models.PostBatch.id == models.Dispatch.post_batch_id)
                .where(
                    models.Dispatch.method == DeliveryMethod.POST,
                    models.Dispatch.status == DispatchStatus.PREPARED,
                )
            ).all()
        )
        return tuple(
            replace(item, batch_number=batches[item.entry_id]) if item.entry_id in batches else item
            for item in items
        )


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


def _render_post_pdf(
    db: Database,
    items: Sequence[ToSend],
    letters: Sequence[Letter],
    sender: tuple[str, str, str],
    path: Path,
) -> None:
    """Per person the covering letter, the route, the plan; then the DL envelopes.

    Letters and routes are each rendered once for the whole batch (one set of embedded
    fonts; pypdf copies a reader's shared objects once), then interleaved per person with
    the plan, if any. Every part is rendered in memory.
    """
    from pypdf import PdfReader, PdfWriter

    from app.documents.letters_pdf import write_envelopes_pdf, write_letters_pdf
    from app.documents.plan_pdf import write_plan_pdf
    from app.documents.route_pdf import write_routes_pdf_pages
    from app.services.plans import load_plan, plan_header
    from app.services.routes import route_documents

    sender_name, sender_address, sender_postcode = sender
    letters_pdf = BytesIO()
    write_letters_pdf(letters, letters_pdf)
    with_route = [i for i in items if i.document is not DispatchDocument.PLAN]
    routes_pdf = BytesIO()
    route_pages = (
        write_routes_pdf_pages(route_documents(db, [i.route_id for i in with_route]), routes_pdf)
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
            for item, letter in zip(items, letters, strict=True)
        ],
        envelopes_pdf,
    )
    writer.append(envelopes_pdf)
    with path.open("wb") as handle:
        writer.write(handle)
    writer.close()


def _form103_writer(out: Path) -> Callable[[Form103, Path], None]:
    """The writer of form 103 for the file's extension: .xlsx or .pdf."""
    from app.documents.form103 import write_form103_pdf, write_form103_xlsx

    suffix = Path(out).suffix.lower()
    if suffix == ".xlsx":
        return write_form103_xlsx
    if suffix == ".pdf":
        return write_form103_pdf
    raise ValidationError(
        f"Список ф. 103: файл {Path(out).name} — укажите файл с расширением .xlsx или .pdf."
    )


def _handed_over_by(user: models.User | None) -> str:
    if user is None:
        return ""
    return ", ".join(p for p in (_clean(user.position), _clean(user.full_name)) if p)


def _form103(
    db: Database,
    session: Session,
    number: int,
    printed_on: date,
    letters: Sequence[tuple[str, str, str, str]],
    printed_by: models.User | None,
) -> Form103:
    """Form 103 of ``letters`` (addressee, address, postcode, ШПИ) in their batch's order."""
    name, address, postcode = _sender(db, session)
    return Form103(
        number=number,
        dated=format_date(printed_on),
        sender_name=name,
        sender_address=with_postcode(address, postcode),
        rows=tuple(
            Form103Row(n, addressee, with_postcode(where, index), spi)
            for n, (addressee, where, index, spi) in enumerate(letters, start=1)
        ),
        handed_over_by=_handed_over_by(printed_by),
    )


def _check_postal(items: Sequence[ToSend]) -> None:
    for item in items:
        if not item.address:
            raise ValidationError(f"Не указан почтовый адрес: {item.addressee}.")
        if not re.fullmatch(r"\d{6}", item.postcode):
            raise ValidationError(
                f"Не указан почтовый индекс (6 цифр) адресата {item.addressee}: "
                "исправьте адрес в карточке гражданина."
            )


def prepare_post(
    db: Database,
    entry_ids: Sequence[int],
    out_pdf: Path,
    today: date,
    *,
    list_xlsx: Path | None = None,
) -> PostBatch:
    """One PDF to print: per person the covering letter, the route, the plan; then the
    envelopes; with ``list_xlsx``, the list of form 103 too (.xlsx, or .pdf by its name).
    Records a post batch (number, date, who printed it) and in it a PREPARED post dispatch
    for each person (reused when printed again: the letter moves to the new batch).

    Both files are checked before either is written, and the batch is recorded only once
    both are written: a wrong path leaves no file and no record. The parts of the PDF are
    rendered in memory, so a killed run leaves no letters in a temporary folder.
    """
    entry_ids = list(dict.fromkeys(entry_ids))  # each person once, in the order given
    if not entry_ids:
        raise ValidationError("Не выбрано ни одного гражданина для отправки почтой.")
    for out in (out_pdf, list_xlsx):  # a wrong path is told before the long render
        if out is not None:
            check_output(out, db.path)
    list_writer = _form103_writer(list_xlsx) if list_xlsx is not None else None
    with db.session_factory() as session:
        items = _selected(session, entry_ids, today)
        _check_postal(items)
        letters = [_letter(db, session, item, today) for item in items]
        sender = _sender(db, session)
        number = _next_batch_number(session)
        form = _form103(
            db,
            session,
            number,
            today,
            [(i.addressee, i.address, i.postcode, "") for i in items],
            current_user(session),
        )

    def render(path: Path) -> None:
        _render_post_pdf(db, items, [letter for letter, _ in letters], sender, path)

    outputs: list[tuple[Path, Callable[[Path], object]]] = [(out_pdf, render)]
    if list_xlsx is not None and list_writer is not None:
        writer = list_writer
        outputs.append((list_xlsx, lambda path: writer(form, path)))
    written = write_files(outputs, database=db.path)
    out = written[0]
    result: list[PostItem] = []
    with db.session_factory.begin() as session:
        user = current_user(session)
        if _next_batch_number(session) != number:
            raise UserError(
                f"Почтовую партию N {number} только что записала другая программа на этой "
                "базе: напечатайте письма ещё раз."
            )
        batch = models.PostBatch(
            number=number,
            printed_on=today,
            file_name=out.name,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        session.add(batch)
        session.flush()
        for position, item in enumerate(items, start=1):
            row = session.scalar(
                select(models.Dispatch).where(
                    models.Dispatch.entry_id == item.entry_id,
                    models.Dispatch.method == DeliveryMethod.POST,
                    models.Dispatch.status == DispatchStatus.PREPARED,
                )
            )
            moved_from: int | None = None
            if row is None:
                row = models.Dispatch(
                    entry_id=item.entry_id,
                    method=DeliveryMethod.POST,
                    status=DispatchStatus.PREPARED,
                    created_by_id=user.id,
                )
                session.add(row)
            elif row.post_batch is not None:
                moved_from = row.post_batch.number
            row.route_id = item.route_id
            row.plan_id = item.plan_id
            row.document = _document_kind(item)
            row.addressee = item.addressee
            row.address = item.address
            row.postcode = item.postcode
            row.tracking_number = None  # given by the post office when the letter is handed in
            row.post_batch = batch
            row.batch_position = position
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
                batch=number,
                moved_from=moved_from,
            )
            result.append(PostItem(item.entry_id, row.id, item.addressee, item.postcode))
        if list_xlsx is not None:
            audit(
                session,
                user,
                "dispatch.post.list",
                "post_batch",
                str(batch.uuid),
                file=written[1].name,
                rows=len(items),
                batch=number,
            )
    logger.info("post batch %d of %d letters written to %s", number, len(result), out)
    return PostBatch(out, tuple(result), all(declined for _, declined in letters), number)


def _next_batch_number(session: Session) -> int:
    """Post batches are numbered max + 1: on a server the count is taken under a lock, so two
    consultants printing at once never get one number (issue #15)."""
    lock_tables(session.connection(), [models.PostBatch.__table__])
    return int(session.scalar(select(func.max(models.PostBatch.number))) or 0) + 1


def write_post_list(db: Database, dispatch_ids: Sequence[int], out_xlsx: Path) -> int:
    """Form 103 of the given post dispatches (with the ШПИ entered so far); returns rows.
    Its number and date are those of their post batch when they are all of one."""
    check_output(out_xlsx, db.path)
    writer = _form103_writer(out_xlsx)
    with db.session_factory.begin() as session:
        letters: list[tuple[str, str, str, str]] = []
        batches: set[int | None] = set()
        for dispatch_id in dispatch_ids:
            d = session.get(models.Dispatch, dispatch_id)
            if d is None:
                raise NotFoundError(f"Отправление N {dispatch_id} не найдено.")
            if d.method is not DeliveryMethod.POST:
                raise ValidationError(f"Отправление N {dispatch_id} — не почтовое.")
            letters.append(
                (d.addressee or "", d.address or "", d.postcode or "", d.tracking_number or "")
            )
            batches.add(d.post_batch_id)
        user = current_user(session)
        batch = session.get(models.PostBatch, next(iter(batches))) if len(batches) == 1 else None
        if batch is not None:
            form = _form103(db, session, batch.number, batch.printed_on, letters, user)
        else:
            form = _form103(db, session, 0, clock.today(), letters, user)
        out = write_atomically(out_xlsx, lambda path: writer(form, path), database=db.path)
        audit(
            session,
            user,
            "dispatch.post.list",
            file=out.name,
            rows=len(letters),
            batch=batch.number if batch is not None else None,
        )
    return len(letters)


# --- post batches (issue #12) ------------------------------------------------------------


def _batch(session: Session, number: int) -> models.PostBatch:
    batch = session.scalar(select(models.PostBatch).where(models.PostBatch.number == number))
    if batch is None:
        raise NotFoundError(f"Почтовая партия N {number} не найдена.")
    return batch


def _batch_letters(session: Session, batch: models.PostBatch) -> list[models.Dispatch]:
    return list(
        session.scalars(
            select(models.Dispatch)
            .where(models.Dispatch.post_batch_id == batch.id)
            .order_by(models.Dispatch.batch_position, models.Dispatch.id)
        )
    )


def _summaries(session: Session, number: int | None = None) -> list[BatchSummary]:
    d, b = models.Dispatch, models.PostBatch
    awaiting = func.count(d.id).filter(d.status != DispatchStatus.SENT)
    query = (
        select(b, models.User.full_name, func.count(d.id), awaiting)
        .outerjoin(d, d.post_batch_id == b.id)
        .outerjoin(models.User, models.User.id == b.created_by_id)
        .group_by(b.id)
        .order_by(case((awaiting > 0, 0), else_=1), b.printed_on.desc(), b.number.desc())
    )
    if number is not None:
        query = query.where(b.number == number)
    return [
        BatchSummary(
            number=batch.number,
            printed_on=batch.printed_on,
            printed_by=who or "",
            letters=int(letters),
            awaiting=int(waiting),
            file_name=batch.file_name or "",
        )
        for batch, who, letters, waiting in session.execute(query)
    ]


def post_batches(db: Database) -> tuple[BatchSummary, ...]:
    """Every post batch kept: the open ones (a letter without its ШПИ) first, then the
    rest, the newest first in each."""
    with db.session_factory() as session:
        return tuple(_summaries(session))


def open_post_batch(db: Database, number: int) -> BatchDetail:
    """A batch with its letters in their printed order, each with its ШПИ or awaiting it;
    a batch printed on any earlier day opens as it was left."""
    with db.session_factory() as session:
        batch = _batch(session, number)
        (summary,) = _summaries(session, batch.number)
        letters = tuple(
            BatchLetter(
                dispatch_id=d.id,
                entry_id=d.entry_id,
                addressee=d.addressee or "",
                address=d.address or "",
                postcode=d.postcode or "",
                document=d.document,
                status=d.status,
                tracking_number=d.tracking_number or "",
                sent_on=d.sent_on,
            )
            for d in _batch_letters(session, batch)
        )
        return BatchDetail(summary, letters)


def _reprint_items(
    session: Session, batch: models.PostBatch, letters: Sequence[models.Dispatch]
) -> list[ToSend]:
    """The batch's letters as printed: the address and addressee recorded at the printing,
    the documents each dispatch holds, dated the day of the batch."""
    items = []
    for d in letters:
        entry = session.get(models.RegistryEntry, d.entry_id)
        assert entry is not None  # a dispatch goes with its entry (ON DELETE CASCADE)
        if d.route_id is None:
            raise UserError(
                f"Письмо {d.addressee}: маршрут, напечатанный в партии N {batch.number}, "
                "удалён; уберите письмо из партии."
            )
        item = _item(entry, entry.citizen, d.route_id, d.plan_id, batch.printed_on, d.document)
        items.append(
            replace(
                item,
                addressee=d.addressee or item.addressee,
                address=d.address or item.address,
                postcode=d.postcode or item.postcode,
            )
        )
    return items


def reprint_post_batch(
    db: Database, number: int, out_pdf: Path, *, form103: Path | None = None
) -> Path:
    """Print a batch again, the same letters in the same order dated the day of the batch:
    letters, routes, plans and envelopes; with ``form103``, its list (.xlsx or .pdf) with
    the ШПИ entered so far. Both paths are checked before anything is written; audited as
    a print."""
    for out in (out_pdf, form103):
        if out is not None:
            check_output(out, db.path)
    list_writer = _form103_writer(form103) if form103 is not None else None
    with db.session_factory() as session:
        batch = _batch(session, number)
        rows = _batch_letters(session, batch)
        if not rows:
            raise ValidationError(f"В почтовой партии N {number} не осталось писем.")
        items = _reprint_items(session, batch, rows)
        letters = [_letter(db, session, item, batch.printed_on)[0] for item in items]
        sender = _sender(db, session)
        form = _form103(
            db,
            session,
            batch.number,
            batch.printed_on,
            [
                (i.addressee, i.address, i.postcode, d.tracking_number or "")
                for i, d in zip(items, rows, strict=True)
            ],
            session.get(models.User, batch.created_by_id) if batch.created_by_id else None,
        )

    outputs: list[tuple[Path, Callable[[Path], object]]] = [
        (out_pdf, lambda path: _render_post_pdf(db, items, letters, sender, path))
    ]
    if form103 is not None and list_writer is not None:
        writer = list_writer
        outputs.append((form103, lambda path: writer(form, path)))
    written = write_files(outputs, database=db.path)
    with db.session_factory.begin() as session:
        user = current_user(session)
        batch = _batch(session, number)
        batch.file_name = written[0].name
        batch.updated_by_id = user.id
        audit(
            session,
            user,
            "dispatch.post.reprint",
            "post_batch",
            str(batch.uuid),
            batch=number,
            file=written[0].name,
            letters=len(items),
            form103=written[1].name if form103 is not None else None,
        )
    logger.info("post batch %d printed again to %s", number, written[0])
    return written[0]


def write_form103(db: Database, number: int, out: Path) -> int:
    """The batch's list of form 103 (.xlsx or .pdf by the file's name) with the ШПИ entered
    so far; returns the letters listed."""
    check_output(out, db.path)
    writer = _form103_writer(out)
    with db.session_factory.begin() as session:
        batch = _batch(session, number)
        rows = _batch_letters(session, batch)
        if not rows:
            raise ValidationError(f"В почтовой партии N {number} не осталось писем.")
        printed_by = session.get(models.User, batch.created_by_id) if batch.created_by_id else None
        form = _form103(
            db,
            session,
            batch.number,
            batch.printed_on,
            [
                (d.addressee or "", d.address or "", d.postcode or "", d.tracking_number or "")
                for d in rows
            ],
            printed_by,
        )
        written = write_atomically(out, lambda path: writer(form, path), database=db.path)
        audit(
            session,
            current_user(session),
            "dispatch.post.list",
            "post_batch",
            str(batch.uuid),
            file=written.name,
            rows=len(rows),
            batch=number,
        )
    return len(rows)


def remove_from_batch(db: Database, number: int, dispatch_id: int) -> BatchDetail:
    """Take a letter out of its batch (not handed in, returned by the post office before
    acceptance...): it is to be sent again, printed in a later batch. A letter with its ШПИ
    was sent and stays."""
    with db.session_factory.begin() as session:
        batch = _batch(session, number)
        d = session.get(models.Dispatch, dispatch_id)
        if d is None or d.post_batch_id != batch.id:
            raise NotFoundError(f"В почтовой партии N {number} нет отправления N {dispatch_id}.")
        if d.status is DispatchStatus.SENT:
            raise UserError(
                f"Письмо {d.addressee} уже отправлено {format_date(d.sent_on)} "
                f"(ШПИ {d.tracking_number}): из партии его не убрать."
            )
        user = current_user(session)
        d.post_batch = None
        d.batch_position = None
        d.tracking_number = None
        d.updated_by_id = user.id
        audit(
            session,
            user,
            "dispatch.post.remove",
            "dispatch",
            str(d.uuid),
            entry_id=d.entry_id,
            batch=number,
        )
    logger.info("dispatch %d taken out of post batch %d", dispatch_id, number)
    return open_post_batch(db, number)


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
            batch=d.post_batch.number if d.post_batch is not None else None,
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
