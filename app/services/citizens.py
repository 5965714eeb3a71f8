"""The citizen card: load, check as typed, screen (31-р 2.1), find duplicates, save."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.domain.dates import format_date, parse_date
from app.domain.eligibility import EligibilityFacts, Verdict, assess
from app.domain.enums import (
    DisabilityGroup,
    MeasureKind,
    RepresentativeKind,
    Sex,
    Source,
)
from app.domain.names import full_name, search_key
from app.domain.periods import Month
from app.domain.phones import PhoneError, russian_phone
from app.domain.snils import format_snils, normalize_snils
from app.errors import InvalidSnilsError, NotFoundError, UserError, ValidationError
from app.reference import find_district
from app.services import versions
from app.services.common import audit, current_user
from db import models
from db.session import Database

_PHONE_NOISE = re.compile(r"[\s()\-.]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^\d{6}$")
# A similar name (typo, ё/е, a changed letter) with the same birth date: ask before adding.
SIMILAR_NAME_RATIO = 0.8


@dataclass(frozen=True)
class FamilyMemberForm:
    """A member of the participant's family as the card's table shows it (31-р 2.1 "а также
    члены их семей"); ``member_id`` is None for a row not saved yet."""

    relation: str = ""
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: str = ""
    phone: str = ""
    email: str = ""
    note: str = ""
    member_id: int | None = None

    @property
    def title(self) -> str:
        """ "мать — Иванова Анна Петровна" as plans and lists name the member."""
        name = full_name(self.last_name.strip(), self.first_name.strip(), _opt(self.middle_name))
        return f"{self.relation.strip()} — {name}" if self.relation.strip() else name


#: What the card's «Кем приходится» offers; any other word may be typed.
FAMILY_RELATIONS = (
    "мать",
    "отец",
    "супруг",
    "супруга",
    "сын",
    "дочь",
    "брат",
    "сестра",
    "бабушка",
    "дедушка",
    "внук",
    "внучка",
    "опекун",
)
MAX_FAMILY = 20


@dataclass(frozen=True)
class CitizenForm:
    """What the card shows and the consultant types: text as typed, choices typed."""

    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: str = ""
    sex: Sex | None = None
    snils: str = ""
    registration_address: str = ""
    actual_address: str = ""
    postcode: str = ""
    district: str = ""
    phone: str = ""
    email: str = ""
    note: str = ""
    # The legal representative (parent, guardian, authorised person).
    rep_kind: RepresentativeKind | None = None
    rep_last_name: str = ""
    rep_first_name: str = ""
    rep_middle_name: str = ""
    rep_phone: str = ""
    rep_email: str = ""
    rep_address: str = ""
    # The disability assessment (МСЭ).
    group: DisabilityGroup | None = None
    established_on: str = ""
    first_time: bool | None = None
    review_on: str = ""
    selfcare_degree: int | None = None
    movement_degree: int | None = None
    behaviour_degree: int | None = None
    mental_disorder: bool = False
    stationary: bool = False
    veteran_svo: bool = False
    # The IPRA and the kinds of measures it recommends.
    ipra_number: str = ""
    ipra_issued_on: str = ""
    ipra_valid_until: str = ""
    measures: tuple[MeasureKind, ...] = ()
    # Family members (31-р 2.1; Appendix 3 "и членов его семьи"): not registry entries.
    family: tuple[FamilyMemberForm, ...] = ()


@dataclass(frozen=True)
class FieldProblem:
    field: str  # CitizenForm attribute
    message: str  # Russian, names the field


@dataclass(frozen=True)
class PersonRef:
    citizen_id: int
    name: str
    birth_date: date | None
    snils: str | None

    @property
    def description(self) -> str:
        parts = [self.name]
        if self.birth_date:
            parts.append(f"дата рождения {format_date(self.birth_date)}")
        if self.snils:
            parts.append(f"СНИЛС {format_snils(self.snils)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class DuplicateCheck:
    same_snils: PersonRef | None = None
    similar: tuple[PersonRef, ...] = ()


@dataclass(frozen=True)
class HistoryItem:
    on: str  # dd.mm.yyyy (and time for calls)
    text: str


@dataclass(frozen=True)
class CitizenHistory:
    entries: tuple[HistoryItem, ...] = ()
    calls: tuple[HistoryItem, ...] = ()
    routes: tuple[HistoryItem, ...] = ()
    plans: tuple[HistoryItem, ...] = ()
    dispatches: tuple[HistoryItem, ...] = ()


@dataclass(frozen=True)
class CitizenCard:
    citizen_id: int
    form: CitizenForm
    history: CitizenHistory = field(default_factory=CitizenHistory)
    latest_entry_id: int | None = None  # the newest registry entry: what a call is about
    # The person's row version when the card was read (issue #15): a save carrying it is
    # refused if someone saved the person since.
    row_version: int = 0


@dataclass(frozen=True)
class SaveResult:
    citizen_id: int
    created: bool
    entry_id: int | None  # the registry entry added by this save, if any
    verdict: Verdict
    message: str  # Russian summary for the status bar
    row_version: int = 0  # the person's row version after this save


# -- checking as typed --------------------------------------------------------------------


def normalise_phone(text: str) -> str:
    """+7XXXXXXXXXX for a full Russian number typed any usual way; other text is returned
    trimmed (validation says what is wrong with it)."""
    stripped = text.strip()
    try:
        return russian_phone(stripped) if stripped else ""
    except PhoneError:
        return stripped


def _phone_problem(text: str, what: str) -> str | None:
    if not text.strip():
        return None
    try:
        russian_phone(text)
    except PhoneError as exc:
        return f"{what}: {exc}"
    return None


def _date_or_problem(
    text: str, what: str, today: date, problems: list[FieldProblem], name: str
) -> date | None:
    if not text.strip():
        return None
    try:
        value = parse_date(text, what)
    except ValidationError as exc:
        problems.append(FieldProblem(name, str(exc)))
        return None
    if value > today and name != "review_on" and name != "ipra_valid_until":
        problems.append(
            FieldProblem(name, f"{what.capitalize()} {format_date(value)} ещё не наступила")
        )
        return None
    if value.year < 1900:
        problems.append(
            FieldProblem(name, f"{what.capitalize()} {format_date(value)} слишком ранняя")
        )
        return None
    return value


def validate(form: CitizenForm, today: date) -> tuple[FieldProblem, ...]:
    """Every problem of the form, each naming its field; empty when the card can be saved."""
    problems: list[FieldProblem] = []
    if not form.last_name.strip():
        problems.append(FieldProblem("last_name", "Фамилия не указана"))
    if not form.first_name.strip():
        problems.append(FieldProblem("first_name", "Имя не указано"))
    if form.snils.strip():
        try:
            normalize_snils(form.snils)
        except InvalidSnilsError as exc:
            problems.append(FieldProblem("snils", str(exc)))
    birth = _date_or_problem(form.birth_date, "дата рождения", today, problems, "birth_date")
    established = _date_or_problem(
        form.established_on, "дата установления инвалидности", today, problems, "established_on"
    )
    review = _date_or_problem(
        form.review_on, "дата очередного освидетельствования", today, problems, "review_on"
    )
    issued = _date_or_problem(form.ipra_issued_on, "дата ИПРА", today, problems, "ipra_issued_on")
    valid_until = _date_or_problem(
        form.ipra_valid_until, "срок действия ИПРА", today, problems, "ipra_valid_until"
    )
    if birth and established and established < birth:
        problems.append(
            FieldProblem(
                "established_on",
                f"Инвалидность установлена {format_date(established)}, раньше рождения "
                f"({format_date(birth)})",
            )
        )
    if birth and issued and issued < birth:
        problems.append(
            FieldProblem("ipra_issued_on", f"ИПРА выдана {format_date(issued)}, раньше рождения")
        )
    if established and review and review < established:
        problems.append(
            FieldProblem(
                "review_on", "Очередное освидетельствование раньше установления инвалидности"
            )
        )
    if issued and valid_until and valid_until < issued:
        problems.append(FieldProblem("ipra_valid_until", "ИПРА действует до даты раньше её выдачи"))
    for name, what in (("phone", "Телефон"), ("rep_phone", "Телефон представителя")):
        problem = _phone_problem(getattr(form, name), what)
        if problem:
            problems.append(FieldProblem(name, problem))
    for name, what in (("email", "Электронная почта"), ("rep_email", "Почта представителя")):
        value = getattr(form, name).strip()
        if value and not _EMAIL.match(value):
            problems.append(FieldProblem(name, f"{what}: «{value}» не похожа на адрес e-mail"))
    problems.extend(_family_problems(form.family, today))
    if form.postcode.strip() and not _POSTCODE.match(form.postcode.strip()):
        problems.append(FieldProblem("postcode", "Почтовый индекс — шесть цифр"))
    rep_named = form.rep_last_name.strip() or form.rep_first_name.strip()
    rep_any = (
        rep_named or form.rep_phone.strip() or form.rep_email.strip() or form.rep_address.strip()
    )
    if rep_any and not (form.rep_last_name.strip() and form.rep_first_name.strip()):
        problems.append(FieldProblem("rep_last_name", "Укажите фамилию и имя представителя"))
    if rep_any and form.rep_kind is None:
        problems.append(FieldProblem("rep_kind", "Укажите, кем приходится представитель"))
    if form.group is None and (form.established_on.strip() or form.first_time is not None):
        problems.append(FieldProblem("group", "Укажите группу инвалидности"))
    # An unknown first-time mark or degree is not a problem of the form: it is stored as
    # unknown and 31-р 2.1 keeps the person out of the registry naming it, exactly as the
    # import does with the same facts (issue #13; DESIGN §2). The card used to refuse to
    # save until a degree was given while the extract read the empty cell as 0.
    return tuple(problems)


def _family_problems(family: tuple[FamilyMemberForm, ...], today: date) -> list[FieldProblem]:
    """Each problem of the family table names the member's row: «Член семьи 2: …»."""
    problems: list[FieldProblem] = []
    if len(family) > MAX_FAMILY:
        problems.append(FieldProblem("family", f"Членов семьи больше {MAX_FAMILY}"))
    for number, member in enumerate(family, start=1):
        row = f"Член семьи {number}"
        if not member.relation.strip():
            problems.append(FieldProblem("family", f"{row}: укажите, кем приходится"))
        if not member.last_name.strip() or not member.first_name.strip():
            problems.append(FieldProblem("family", f"{row}: укажите фамилию и имя"))
        found: list[FieldProblem] = []
        _date_or_problem(member.birth_date, "дата рождения", today, found, "family")
        problems.extend(FieldProblem("family", f"{row}: {p.message}") for p in found)
        phone = _phone_problem(member.phone, "телефон")
        if phone:
            problems.append(FieldProblem("family", f"{row}: {phone}"))
        email = member.email.strip()
        if email and not _EMAIL.match(email):
            problems.append(FieldProblem("family", f"{row}: «{email}» не похожа на адрес e-mail"))
    return problems


def verdict(form: CitizenForm) -> Verdict:
    """31-р 2.1 on what the card says right now."""
    return assess(
        EligibilityFacts(
            group=form.group,
            first_time=form.first_time,
            selfcare_degree=form.selfcare_degree,
            movement_degree=form.movement_degree,
            behaviour_degree=form.behaviour_degree,
            mental_disorder=form.mental_disorder,
            stationary=form.stationary,
        )
    )


def _opt(text: str) -> str | None:
    return text.strip() or None


def _opt_date(text: str) -> date | None:
    return parse_date(text) if text.strip() else None


# -- reading ------------------------------------------------------------------------------


def _latest(items: list[Any]) -> Any:
    return items[-1] if items else None


def _form_of(citizen: models.Citizen) -> CitizenForm:
    rep = citizen.representatives[0] if citizen.representatives else None
    assessment: models.DisabilityAssessment | None = _latest(citizen.assessments)
    programme: models.RehabProgramme | None = _latest(citizen.programmes)
    form = CitizenForm(
        last_name=citizen.last_name,
        first_name=citizen.first_name,
        middle_name=citizen.middle_name or "",
        birth_date=format_date(citizen.birth_date),
        sex=citizen.sex,
        snils=format_snils(citizen.snils) if citizen.snils else "",
        registration_address=citizen.registration_address or "",
        actual_address=citizen.actual_address or "",
        postcode=citizen.postcode or "",
        district=citizen.district or "",
        phone=citizen.phone or "",
        email=citizen.email or "",
        note=citizen.note or "",
    )
    if citizen.family:
        form = replace(
            form,
            family=tuple(
                FamilyMemberForm(
                    relation=m.relation,
                    last_name=m.last_name,
                    first_name=m.first_name,
                    middle_name=m.middle_name or "",
                    birth_date=format_date(m.birth_date),
                    phone=m.phone or "",
                    email=m.email or "",
                    note=m.note or "",
                    member_id=m.id,
                )
                for m in citizen.family
            ),
        )
    if rep is not None:
        form = replace(
            form,
            rep_kind=rep.kind,
            rep_last_name=rep.last_name,
            rep_first_name=rep.first_name,
            rep_middle_name=rep.middle_name or "",
            rep_phone=rep.phone or "",
            rep_email=rep.email or "",
            rep_address=rep.address or "",
        )
    if assessment is not None:
        form = replace(
            form,
            group=assessment.disability_group,
            established_on=format_date(assessment.established_on),
            first_time=assessment.first_time,
            review_on=format_date(assessment.review_on),
            selfcare_degree=assessment.selfcare_degree,
            movement_degree=assessment.movement_degree,
            behaviour_degree=assessment.behaviour_degree,
            mental_disorder=assessment.mental_disorder,
            stationary=assessment.stationary,
            veteran_svo=assessment.veteran_svo,
        )
    if programme is not None:
        form = replace(
            form,
            ipra_number=programme.number or "",
            ipra_issued_on=format_date(programme.issued_on),
            ipra_valid_until=format_date(programme.valid_until),
            measures=tuple(m.kind for m in programme.measures),
        )
    return form


def _history(session: Session, citizen_id: int) -> CitizenHistory:
    entries = session.scalars(
        select(models.RegistryEntry)
        .where(models.RegistryEntry.citizen_id == citizen_id)
        .order_by(models.RegistryEntry.identified_on)
    ).all()
    entry_items = []
    for e in entries:
        number = f" № {e.number}" if e.number else ""
        informed = f", проинформирован {format_date(e.informed_on)}" if e.informed_on else ""
        entry_items.append(
            HistoryItem(
                format_date(e.identified_on),
                f"Реестр за {Month.parse(e.reporting_month).title}{number}: {e.source.code}, "
                f"{e.category.label}{informed}",
            )
        )
    entry_ids = [e.id for e in entries]
    calls = session.scalars(
        select(models.CallAttempt)
        .where(models.CallAttempt.entry_id.in_(entry_ids))
        .order_by(models.CallAttempt.called_at)
    ).all()
    call_items = [
        HistoryItem(
            f"{clock.to_local(c.called_at):%d.%m.%Y %H:%M}",
            f"Звонок ({'представителю' if c.callee.value == 'REPRESENTATIVE' else 'гражданину'}"
            f"{', ' + c.phone if c.phone else ''}): {c.outcome.label}"
            + (f". {c.comment}" if c.comment else ""),
        )
        for c in calls
    ]
    routes = session.scalars(
        select(models.Route)
        .where(models.Route.citizen_id == citizen_id)
        .order_by(models.Route.version)
    ).all()
    route_items = [
        HistoryItem(
            format_date(r.issued_on or r.drawn_up_on),
            f"Маршрут, версия {r.version}: {_DOC_STATUS.get(r.status.value, r.status.value)}",
        )
        for r in routes
    ]
    plans = session.scalars(
        select(models.SupportPlan)
        .where(models.SupportPlan.citizen_id == citizen_id)
        .order_by(models.SupportPlan.drawn_up_on)
    ).all()
    plan_items = [
        HistoryItem(
            format_date(p.drawn_up_on),
            "План комплексного сопровождения: "
            + (f"реализован {format_date(p.completed_on)}" if p.completed_on else "реализуется"),
        )
        for p in plans
    ]
    dispatches = session.scalars(
        select(models.Dispatch)
        .where(models.Dispatch.entry_id.in_(entry_ids))
        .order_by(models.Dispatch.sent_on)
    ).all()
    dispatch_items = [
        HistoryItem(
            format_date(d.sent_on),
            f"{_DISPATCH_DOC.get(d.document.value, d.document.value)}: {d.method.label}, "
            f"{_DISPATCH_STATUS.get(d.status.value, d.status.value)}"
            + (f", ШПИ {d.tracking_number}" if d.tracking_number else "")
            + (f", {d.email}" if d.email else ""),
        )
        for d in dispatches
    ]
    return CitizenHistory(
        tuple(entry_items),
        tuple(call_items),
        tuple(route_items),
        tuple(plan_items),
        tuple(dispatch_items),
    )


_DOC_STATUS = {"DRAFT": "черновик", "ISSUED": "выдан", "SUPERSEDED": "заменен новой версией"}
_DISPATCH_DOC = {"ROUTE": "Маршрут", "PLAN": "План", "ROUTE_AND_PLAN": "Маршрут и план"}
_DISPATCH_STATUS = {"PREPARED": "подготовлено", "SENT": "отправлено", "FAILED": "не доставлено"}


def load_card(db: Database, citizen_id: int) -> CitizenCard:
    with db.session_factory() as session:
        citizen = session.get(models.Citizen, citizen_id)
        if citizen is None:
            raise NotFoundError("Гражданин не найден: запись удалена или не синхронизирована.")
        latest = session.scalar(
            select(models.RegistryEntry.id)
            .where(models.RegistryEntry.citizen_id == citizen_id)
            .order_by(models.RegistryEntry.identified_on.desc(), models.RegistryEntry.id.desc())
            .limit(1)
        )
        return CitizenCard(
            citizen_id,
            _form_of(citizen),
            _history(session, citizen_id),
            latest,
            citizen.row_version,
        )


def citizen_of_entry(db: Database, entry_id: int) -> int:
    with db.session_factory() as session:
        citizen_id = session.scalar(
            select(models.RegistryEntry.citizen_id).where(models.RegistryEntry.id == entry_id)
        )
    if citizen_id is None:
        raise NotFoundError("Запись реестра не найдена.")
    return int(citizen_id)


# -- duplicates ---------------------------------------------------------------------------


def _ref(c: models.Citizen) -> PersonRef:
    return PersonRef(
        c.id, full_name(c.last_name, c.first_name, c.middle_name), c.birth_date, c.snils
    )


def find_duplicates(
    db: Database, form: CitizenForm, exclude_id: int | None = None
) -> DuplicateCheck:
    """The person with the same СНИЛС, and people with a similar name born the same day."""
    same: PersonRef | None = None
    similar: list[PersonRef] = []
    with db.session_factory() as session:
        if form.snils.strip():
            try:
                digits = normalize_snils(form.snils)
            except InvalidSnilsError:
                digits = ""
            if digits:
                found = session.scalar(select(models.Citizen).where(models.Citizen.snils == digits))
                if found is not None and found.id != exclude_id:
                    same = _ref(found)
        birth = None
        if form.birth_date.strip():
            try:
                birth = parse_date(form.birth_date)
            except ValidationError:
                birth = None
        key = search_key(full_name(form.last_name, form.first_name, form.middle_name))
        if birth is not None and key:
            candidates = session.scalars(
                select(models.Citizen).where(models.Citizen.birth_date == birth)
            ).all()
            for c in candidates:
                if c.id == exclude_id or (same is not None and c.id == same.citizen_id):
                    continue
                ratio = difflib.SequenceMatcher(None, key, c.search_name).ratio()
                if ratio >= SIMILAR_NAME_RATIO:
                    similar.append(_ref(c))
    return DuplicateCheck(same, tuple(similar))


# -- two consultants on one card (issue #15) --------------------------------------------

#: The card's fields as a refusal names them; fields of one block share a name.
FIELD_NAMES = {
    "last_name": "фамилия",
    "first_name": "имя",
    "middle_name": "отчество",
    "birth_date": "дата рождения",
    "sex": "пол",
    "snils": "СНИЛС",
    "registration_address": "адрес регистрации",
    "actual_address": "адрес проживания",
    "postcode": "почтовый индекс",
    "district": "муниципальное образование",
    "phone": "телефон",
    "email": "электронная почта",
    "note": "примечание",
    "rep_kind": "представитель",
    "rep_last_name": "представитель",
    "rep_first_name": "представитель",
    "rep_middle_name": "представитель",
    "rep_phone": "телефон представителя",
    "rep_email": "почта представителя",
    "rep_address": "адрес представителя",
    "group": "группа инвалидности",
    "established_on": "дата установления инвалидности",
    "first_time": "впервые или повторно",
    "review_on": "дата очередного освидетельствования",
    "selfcare_degree": "степени ограничения",
    "movement_degree": "степени ограничения",
    "behaviour_degree": "степени ограничения",
    "mental_disorder": "психическое расстройство",
    "stationary": "стационарное учреждение",
    "veteran_svo": "участник СВО",
    "ipra_number": "ИПРА",
    "ipra_issued_on": "ИПРА",
    "ipra_valid_until": "ИПРА",
    "measures": "мероприятия ИПРА",
    "family": "члены семьи",
}


def changed_fields(before: CitizenForm, now: CitizenForm) -> tuple[str, ...]:
    """The Russian names of the card's fields that differ between two readings."""
    return versions.unique(
        FIELD_NAMES.get(f.name, f.name)
        for f in fields(CitizenForm)
        if getattr(before, f.name) != getattr(now, f.name)
    )


def _refusal(session: Session, citizen: models.Citizen, loaded: CitizenCard | None) -> UserError:
    return versions.refusal(
        session,
        citizen,
        changed_fields(loaded.form, _form_of(citizen)) if loaded is not None else (),
        subject="Карточку",
        again="карточку",
    )


def _refusal_after_race(db: Database, citizen_id: int, loaded: CitizenCard | None) -> UserError:
    """Both saves passed the check; the other's UPDATE came first (StaleDataError)."""
    with db.session_factory() as session:
        citizen = session.get(models.Citizen, citizen_id)
        if citizen is None:
            return NotFoundError("Гражданин не найден: запись удалена.")
        return _refusal(session, citizen, loaded)


# -- saving -------------------------------------------------------------------------------


def _apply(session: Session, citizen: models.Citizen, form: CitizenForm, user_id: int) -> None:
    citizen.last_name = form.last_name.strip()
    citizen.first_name = form.first_name.strip()
    citizen.middle_name = _opt(form.middle_name)
    citizen.search_name = search_key(
        full_name(citizen.last_name, citizen.first_name, citizen.middle_name)
    )
    citizen.birth_date = _opt_date(form.birth_date)
    citizen.sex = form.sex
    citizen.snils = normalize_snils(form.snils) if form.snils.strip() else None
    citizen.registration_address = _opt(form.registration_address)
    citizen.actual_address = _opt(form.actual_address)
    citizen.postcode = _opt(form.postcode)
    district = find_district(form.district) if form.district.strip() else None
    citizen.district = district.name if district is not None else _opt(form.district)
    citizen.phone = normalise_phone(form.phone) or None
    citizen.email = _opt(form.email)
    citizen.note = _opt(form.note)
    citizen.updated_by_id = user_id

    author = {"created_by_id": user_id, "updated_by_id": user_id}
    has_rep = bool(form.rep_last_name.strip() and form.rep_first_name.strip() and form.rep_kind)
    rep = citizen.representatives[0] if citizen.representatives else None
    if has_rep:
        assert form.rep_kind is not None
        if rep is None:
            rep = models.Representative(kind=form.rep_kind, last_name="", first_name="", **author)
            citizen.representatives.append(rep)
        rep.kind = form.rep_kind
        rep.last_name = form.rep_last_name.strip()
        rep.first_name = form.rep_first_name.strip()
        rep.middle_name = _opt(form.rep_middle_name)
        rep.phone = normalise_phone(form.rep_phone) or None
        rep.email = _opt(form.rep_email)
        rep.address = _opt(form.rep_address)
        rep.updated_by_id = user_id
    elif rep is not None:
        citizen.representatives.remove(rep)

    _apply_family(citizen, form.family, user_id)

    assessment: models.DisabilityAssessment | None = _latest(citizen.assessments)
    if form.group is not None:
        if assessment is None:
            assessment = models.DisabilityAssessment(
                disability_group=form.group, first_time=False, **author
            )
            citizen.assessments.append(assessment)
        assessment.disability_group = form.group
        assessment.established_on = _opt_date(form.established_on)
        assessment.first_time = form.first_time
        assessment.review_on = _opt_date(form.review_on)
        # Stored as entered: an unknown degree stays unknown (DESIGN §2), so the card and
        # the import judge 31-р 2.1 on the same facts.
        assessment.selfcare_degree = form.selfcare_degree
        assessment.movement_degree = form.movement_degree
        assessment.behaviour_degree = form.behaviour_degree
        assessment.mental_disorder = form.mental_disorder
        assessment.stationary = form.stationary
        assessment.veteran_svo = form.veteran_svo
        assessment.updated_by_id = user_id

    programme: models.RehabProgramme | None = _latest(citizen.programmes)
    wants_programme = bool(form.ipra_number.strip() or form.ipra_issued_on.strip() or form.measures)
    if wants_programme:
        if programme is None:
            programme = models.RehabProgramme(assessment=assessment, **author)
            citizen.programmes.append(programme)
        programme.number = _opt(form.ipra_number)
        programme.issued_on = _opt_date(form.ipra_issued_on)
        programme.valid_until = _opt_date(form.ipra_valid_until)
        programme.updated_by_id = user_id
        current = [m.kind for m in programme.measures]
        if current != list(form.measures):
            programme.measures.clear()
            session.flush()
            for position, kind in enumerate(form.measures):
                programme.measures.append(
                    models.RehabMeasure(kind=kind, position=position, **author)
                )


def _apply_family(
    citizen: models.Citizen, family: tuple[FamilyMemberForm, ...], user_id: int
) -> None:
    """The card's family table onto the records: rows kept by id, new ones added, the rest
    taken out (a delete-orphan, audited as a deletion)."""
    existing = {m.id: m for m in citizen.family}
    kept: list[models.FamilyMember] = []
    for row in family:
        member = existing.get(row.member_id) if row.member_id is not None else None
        if member is None:
            member = models.FamilyMember(
                relation="", last_name="", first_name="", created_by_id=user_id
            )
        values = {
            "relation": row.relation.strip(),
            "last_name": row.last_name.strip(),
            "first_name": row.first_name.strip(),
            "middle_name": _opt(row.middle_name),
            "birth_date": _opt_date(row.birth_date),
            "phone": normalise_phone(row.phone) or None,
            "email": _opt(row.email),
            "note": _opt(row.note),
        }
        if any(getattr(member, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(member, key, value)
            member.updated_by_id = user_id
        kept.append(member)
    if kept != list(citizen.family):
        citizen.family = kept


def save_citizen(
    db: Database,
    form: CitizenForm,
    citizen_id: int | None = None,
    *,
    source: Source | None = None,
    identified_on: date | None = None,
    today: date | None = None,
    loaded: CitizenCard | None = None,
) -> SaveResult:
    """Create or update the person; a new walk-in (ЛП) or NGO report (ОО) enters the registry.

    31-р 3.1.2-3.1.3: people who come in person or are reported by an organisation
    of disabled people are identified on the day the information arrived; if the
    31-р 2.1 verdict is "eligible" they go into the registry of that month.

    ``loaded``: the card the form was filled from (issue #15). When the person was saved
    since (another window, another consultant, an import), the save is refused with
    :class:`StaleEditError` naming who, when and which fields, and nothing is written.
    Every save of an existing person raises its row version by exactly 1.
    """
    today = today or clock.today()
    problems = validate(form, today)
    if problems:
        raise ValidationError("; ".join(p.message for p in problems))
    try:
        return _save(db, form, citizen_id, source, identified_on, today, loaded)
    except StaleDataError:
        assert citizen_id is not None  # only an UPDATE can be stale
        raise _refusal_after_race(db, citizen_id, loaded) from None


def _save(
    db: Database,
    form: CitizenForm,
    citizen_id: int | None,
    source: Source | None,
    identified_on: date | None,
    today: date,
    loaded: CitizenCard | None,
) -> SaveResult:
    result_verdict = verdict(form)
    with db.session_factory.begin() as session:
        user = current_user(session)
        snils = normalize_snils(form.snils) if form.snils.strip() else None
        if snils is not None:
            other = session.scalar(select(models.Citizen.id).where(models.Citizen.snils == snils))
            if other is not None and other != citizen_id:
                raise UserError(
                    f"Гражданин со СНИЛС {format_snils(snils)} уже есть в базе: "
                    "откройте его карточку."
                )
        created = citizen_id is None
        if citizen_id is None:
            citizen = models.Citizen(
                last_name="",
                first_name="",
                search_name="",
                created_by_id=user.id,
                updated_by_id=user.id,
            )
            session.add(citizen)
        else:
            found = session.get(models.Citizen, citizen_id)
            if found is None:
                raise NotFoundError("Гражданин не найден: запись удалена.")
            if loaded is not None and found.row_version != loaded.row_version:
                raise _refusal(session, found, loaded)
            citizen = found
            versions.touch(citizen)  # before _apply, whose flush may write the row
        _apply(session, citizen, form, user.id)
        session.flush()
        audit(
            session,
            user,
            "citizen.create" if created else "citizen.update",
            "citizen",
            str(citizen.uuid),
        )
        entry_id = None
        message = "Карточка сохранена."
        if source is not None:
            entry_id, message = _enter(
                session, citizen, source, identified_on or today, today, result_verdict, user
            )
        return SaveResult(
            citizen.id, created, entry_id, result_verdict, message, citizen.row_version
        )


def not_entered_message(result_verdict: Verdict) -> str:
    """Why a saved card is not in the registry (issue #12: a walk-in saved with only ФИО and
    СНИЛС closed without a word and was nowhere to be found)."""
    where = " Карточка — в списке «Реестр → Карточки вне реестра»."
    if result_verdict.missing:
        return (
            "Карточка сохранена; в реестр не внесён: не хватает сведений — "
            + "; ".join(result_verdict.missing)
            + " (31-р, п. 2.1)."
            + where
        )
    return (
        "Карточка сохранена; в реестр гражданин не внесен: не входит в целевую категорию "
        "(31-р, п. 2.1)." + where
    )


@dataclass(frozen=True)
class OutsideRow:
    """A person with a card but no registry entry, and why."""

    citizen_id: int
    name: str
    birth_date: str  # dd.mm.yyyy or ""
    snils: str
    created_on: str  # dd.mm.yyyy
    missing: tuple[str, ...]  # facts to complete before 31-р 2.1 can say yes
    reasons: str  # the verdict's reasons

    @property
    def why(self) -> str:
        if self.missing:
            return "не хватает сведений: " + "; ".join(self.missing)
        return "не входит в целевую категорию: " + self.reasons


OUTSIDE_LIMIT = 2000


def outside_registry(db: Database, limit: int = OUTSIDE_LIMIT) -> list[OutsideRow]:
    """People with a card and no registry entry, newest first: cards to complete."""
    c, e = models.Citizen, models.RegistryEntry
    query = (
        select(c)
        .where(~select(e.id).where(e.citizen_id == c.id).exists())
        .options(
            selectinload(c.representatives),
            selectinload(c.assessments),
            selectinload(c.programmes).selectinload(models.RehabProgramme.measures),
        )
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(limit)
    )
    rows = []
    with db.session_factory() as session:
        for citizen in session.scalars(query):
            form = _form_of(citizen)
            result = verdict(form)
            rows.append(
                OutsideRow(
                    citizen_id=citizen.id,
                    name=_full_name(form),
                    birth_date=format_date(citizen.birth_date),
                    snils=_snils_text(citizen.snils),
                    created_on=format_date(clock.local_date(citizen.created_at)),
                    missing=result.missing,
                    reasons=result.explanation,
                )
            )
    return rows


def _snils_text(snils: str | None) -> str:
    from app.domain.snils import format_snils

    digits = "".join(ch for ch in snils or "" if ch.isdigit())
    return format_snils(digits) if len(digits) == 11 else (snils or "")


def _full_name(form: CitizenForm) -> str:
    return " ".join(p for p in (form.last_name, form.first_name, form.middle_name) if p)


def _enter(
    session: Session,
    citizen: models.Citizen,
    source: Source,
    identified_on: date,
    today: date,
    result_verdict: Verdict,
    user: models.User,
) -> tuple[int | None, str]:
    if not result_verdict.eligible or result_verdict.category is None:
        return None, not_entered_message(result_verdict)
    month = str(Month.of(identified_on))
    existing = session.scalar(
        select(func.count(models.RegistryEntry.id)).where(
            models.RegistryEntry.citizen_id == citizen.id,
            models.RegistryEntry.reporting_month == month,
        )
    )
    if existing:
        return (
            None,
            f"Карточка сохранена; гражданин уже есть в реестре за {Month.parse(month).title}.",
        )
    assessment: models.DisabilityAssessment | None = _latest(citizen.assessments)
    programme: models.RehabProgramme | None = _latest(citizen.programmes)
    entry = models.RegistryEntry(
        citizen=citizen,
        assessment=assessment,
        programme=programme,
        reporting_month=month,
        identified_on=identified_on,
        source=source,
        disability_established_on=assessment.established_on if assessment else None,
        category=result_verdict.category,
        eligibility_reasons="\n".join(result_verdict.reasons),
        entered_on=today,
        created_by_id=user.id,
        updated_by_id=user.id,
    )
    session.add(entry)
    session.flush()
    audit(
        session,
        user,
        "registry.add",
        "registry_entry",
        str(entry.uuid),
        source=source.code,
        month=month,
    )
    return entry.id, (
        f"Гражданин внесен в реестр за {Month.parse(month).title} (источник {source.code})."
    )


def add_to_registry(
    db: Database,
    citizen_id: int,
    source: Source,
    identified_on: date,
    today: date | None = None,
) -> SaveResult:
    """Enter a person already in the database (e.g. found by СНИЛС) in the month's registry."""
    card = load_card(db, citizen_id)
    today = today or clock.today()
    result_verdict = verdict(card.form)
    with db.session_factory.begin() as session:
        user = current_user(session)
        citizen = session.get(models.Citizen, citizen_id)
        assert citizen is not None
        entry_id, message = _enter(
            session, citizen, source, identified_on, today, result_verdict, user
        )
    return SaveResult(citizen_id, False, entry_id, result_verdict, message)
