"""Individual rehabilitation routes (31-р 3.3, 3.3.1, 3.4, Appendix 2): propose, edit, issue.

A route is proposed from the IPRA: the seven fixed rows of Appendix 2, and for each kind of
measure the IPRA recommends, an organisation offering it in the person's district, else a
regional one. The consultant edits it as a draft; issuing copies the person's fields 1-3
and every organisation's details into the route, so a later change of the person or of the
directory never rewrites a route already sent. Re-issuing makes a new version; the one it
replaces is kept as SUPERSEDED.

The P.S. about the support plan (3.3.1) is printed only when a plan was drawn up: a
proposal marks it when the person has a support plan or the call recorded that one is
needed (4.3, 4.6: the plan goes out with the route); the consultant may change it in the
draft and the draft's value is what gets issued.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.documents.route_form import RouteDocument, RouteDocumentRow
from app.domain.dates import format_date
from app.domain.enums import DeliveryMethod, DispatchStatus, DocumentStatus, MeasureKind
from app.domain.names import document_file_name, full_name
from app.domain.periods import Month
from app.domain.snils import format_snils, normalize_snils
from app.errors import NotFoundError, UserError, ValidationError
from app.services import versions
from app.services.common import audit, current_user
from app.services.files import check_output, write_atomically

# The registry's own search, so that both find the same people (name, СНИЛС, phone).
from app.services.registry_grid import _search_conditions
from app.services.settings import provider_name
from db import models
from db.dialect import lock_tables
from db.session import Database

logger = logging.getLogger(__name__)

# The seven fixed rows of Appendix 2, one per kind of measure.
FIXED_ROWS = len(MeasureKind)  # 7

# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteLineDraft:
    measure_kind: MeasureKind | None  # None for added rows 8, 9, ...
    measure_title: str  # Appendix 2 wording for rows 1-7
    service_name: str
    organisation_id: int | None


@dataclass(frozen=True)
class RouteDraft:
    citizen_id: int
    entry_id: int | None
    route_id: int | None  # the draft being edited, None when proposed fresh
    version: int
    status: str  # "DRAFT" / "ISSUED"
    lines: tuple[RouteLineDraft, ...]
    plan_drawn_up: bool
    # The route's row version as read (issue #15); None for a fresh proposal.
    row_version: int | None = None


@dataclass(frozen=True)
class OrganisationChoice:
    organisation_id: int
    name: str
    district: str | None
    address: str
    phone: str
    hours: str
    email: str
    services: tuple[str, ...]


# --- helpers -----------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _next_version(session: Session, citizen_id: int) -> int:
    """max + 1 of the person's issued routes, under a lock on a server (issue #15)."""
    route = models.Route
    lock_tables(session.connection(), [route.__table__])
    latest = session.scalar(
        select(func.max(route.version)).where(
            route.citizen_id == citizen_id, route.status != DocumentStatus.DRAFT
        )
    )
    return (latest or 0) + 1


def _plan_exists(session: Session, citizen_id: int, entry_id: int | None) -> bool:
    plan = models.SupportPlan
    query = select(plan.id).where(plan.citizen_id == citizen_id)
    if entry_id is not None:
        query = query.where((plan.entry_id == entry_id) | plan.entry_id.is_(None))
    return session.scalar(query.limit(1)) is not None


def _recommended_kinds(session: Session, entry: models.RegistryEntry) -> set[MeasureKind]:
    programme_id = entry.programme_id
    if programme_id is None:
        programme = models.RehabProgramme
        programme_id = session.scalar(
            select(programme.id)
            .where(programme.citizen_id == entry.citizen_id)
            .order_by(programme.issued_on.desc().nulls_last(), programme.id.desc())
            .limit(1)
        )
    if programme_id is None:
        return set()
    measure = models.RehabMeasure
    return set(session.scalars(select(measure.kind).where(measure.programme_id == programme_id)))


def _choices(
    session: Session,
    kind: MeasureKind | None,
    district: str | None,
    *,
    near_only: bool = False,
) -> list[OrganisationChoice]:
    org = models.Organisation
    service = models.OrganisationService
    query = select(org).where(org.archived.is_(False))
    if kind is not None:
        query = query.where(
            org.id.in_(select(service.organisation_id).where(service.measure_kind == kind))
        )
    if near_only:
        query = query.where(org.district.is_(None) | (org.district == district))
    # District first, then the regional ones (district None), then any other district.
    nearness = case(
        (org.district == district, 0) if district is not None else (org.id.is_(None), 0),
        (org.district.is_(None), 1),
        else_=2,
    )
    rank = (nearness, org.district, org.name, org.id)
    organisations = list(session.scalars(query.order_by(*rank)))
    if not organisations:
        return []
    services: dict[int, list[str]] = {}
    service_query = select(service.organisation_id, service.name).where(
        service.organisation_id.in_([o.id for o in organisations])
    )
    if kind is not None:
        service_query = service_query.where(service.measure_kind == kind)
    for organisation_id, name in session.execute(
        service_query.order_by(service.organisation_id, service.position, service.id)
    ):
        services.setdefault(organisation_id, []).append(name)
    return [
        OrganisationChoice(
            organisation_id=o.id,
            name=o.name,
            district=o.district,
            address=o.address or "",
            phone=o.phone or "",
            hours=o.hours or "",
            email=o.email or "",
            services=tuple(services.get(o.id, ())),
        )
        for o in organisations
    ]


def _entry(session: Session, entry_id: int) -> models.RegistryEntry:
    entry = session.get(models.RegistryEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"Запись реестра N {entry_id} не найдена.")
    return entry


def _route(session: Session, route_id: int) -> models.Route:
    route = session.get(models.Route, route_id)
    if route is None:
        raise NotFoundError(f"Маршрут N {route_id} не найден.")
    return route


def _as_draft(route: models.Route) -> RouteDraft:
    by_position = {line.position: line for line in route.lines}
    lines: list[RouteLineDraft] = []
    for kind in MeasureKind:
        line = by_position.get(kind.row_number)
        lines.append(
            RouteLineDraft(
                measure_kind=kind,
                measure_title=kind.route_title,
                service_name=(line.service_name or "") if line else "",
                organisation_id=line.organisation_id if line else None,
            )
        )
    for position in sorted(p for p in by_position if p > FIXED_ROWS):
        line = by_position[position]
        lines.append(
            RouteLineDraft(
                measure_kind=None,
                measure_title=line.measure_title,
                service_name=line.service_name or "",
                organisation_id=line.organisation_id,
            )
        )
    status = route.status if route.status is DocumentStatus.DRAFT else DocumentStatus.ISSUED
    return RouteDraft(
        citizen_id=route.citizen_id,
        entry_id=route.entry_id,
        route_id=route.id,
        version=route.version,
        status=str(status),
        lines=tuple(lines),
        plan_drawn_up=route.plan_drawn_up,
        row_version=route.row_version,
    )


def _normalise_lines(
    lines: Sequence[RouteLineDraft],
) -> list[tuple[int, MeasureKind | None, str, str | None, int | None]]:
    """(position, kind, title, service, organisation) of the rows worth storing.

    Fixed rows go to their row number whatever their order in the draft; added rows follow
    as 8, 9, ... in the order given. Empty rows are not stored: rows 1-7 are printed anyway.
    """
    fixed: dict[MeasureKind, RouteLineDraft] = {}
    extra: list[RouteLineDraft] = []
    for line in lines:
        if line.measure_kind is None:
            extra.append(line)
        elif line.measure_kind in fixed:
            raise ValidationError(
                f"В маршруте дважды указана строка «{line.measure_kind.route_title}»."
            )
        else:
            fixed[line.measure_kind] = line
    rows: list[tuple[int, MeasureKind | None, str, str | None, int | None]] = []
    for kind in MeasureKind:
        given = fixed.get(kind)
        if given is None:
            continue
        service = _clean(given.service_name)
        if service or given.organisation_id is not None:
            rows.append(
                (kind.row_number, kind, kind.route_title, service or None, given.organisation_id)
            )
    position = FIXED_ROWS
    for line in extra:
        title = _clean(line.measure_title)
        service = _clean(line.service_name)
        if not (title or service or line.organisation_id is not None):
            continue
        if not title:
            raise ValidationError(f"В строке {position + 1} маршрута не указан вид мероприятия.")
        position += 1
        rows.append((position, None, title, service or None, line.organisation_id))
    return rows


# --- use cases ---------------------------------------------------------------------------


def organisations_for(
    db: Database, kind: MeasureKind | None, district: str | None
) -> tuple[OrganisationChoice, ...]:
    """Non-archived organisations offering ``kind`` (any, when None): the district's first,
    then the regional ones, then those of other districts."""
    with db.session_factory() as session:
        return tuple(_choices(session, kind, district))


def propose_route(db: Database, entry_id: int) -> RouteDraft:
    """A fresh route for the registry entry: 7 fixed rows filled for the IPRA's kinds."""
    with db.session_factory() as session:
        entry = _entry(session, entry_id)
        citizen = entry.citizen
        recommended = _recommended_kinds(session, entry)
        lines: list[RouteLineDraft] = []
        for kind in MeasureKind:
            organisation_id: int | None = None
            service_name = ""
            if kind in recommended:
                near = _choices(session, kind, citizen.district, near_only=True)
                if near:
                    organisation_id = near[0].organisation_id
                    service_name = near[0].services[0] if near[0].services else ""
            lines.append(RouteLineDraft(kind, kind.route_title, service_name, organisation_id))
        # Appendix 2's P.S.: "не указывается, если Индивидуальный план комплексного
        # сопровождения не составлялся" — a plan only marked as needed is not drawn up
        # (issue #12: the note was printed for plan_needed alone).
        plan = _plan_exists(session, citizen.id, entry.id) or entry.plan_formed_on is not None
        return RouteDraft(
            citizen_id=citizen.id,
            entry_id=entry.id,
            route_id=None,
            version=_next_version(session, citizen.id),
            status=str(DocumentStatus.DRAFT),
            lines=tuple(lines),
            plan_drawn_up=plan,
        )


def changed_parts(before: RouteDraft, now: RouteDraft) -> tuple[str, ...]:
    """What differs between two readings of a route, in Russian (issue #15)."""
    parts: list[str] = []
    if now.status != before.status:
        parts.append("маршрут выдан" if now.status == DocumentStatus.ISSUED else "статус")
    if before.route_id is None and now.route_id is not None:
        parts.append("составлен черновик")
    changed = [
        str(number)
        for number, (a, b) in enumerate(zip(before.lines, now.lines, strict=False), start=1)
        if (a.measure_title, _clean(a.service_name), a.organisation_id)
        != (b.measure_title, _clean(b.service_name), b.organisation_id)
    ]
    if len(before.lines) != len(now.lines):
        parts.append("состав строк")
    if changed:
        parts.append(("строка " if len(changed) == 1 else "строки ") + ", ".join(changed))
    if before.plan_drawn_up != now.plan_drawn_up:
        parts.append("отметка о плане сопровождения")
    return tuple(parts)


def _refusal(session: Session, route: models.Route, loaded: RouteDraft) -> UserError:
    return versions.refusal(
        session,
        route,
        changed_parts(loaded, _as_draft(route)),
        subject="Маршрут",
        again="маршрут",
    )


def _check_loaded(session: Session, citizen_id: int, loaded: RouteDraft) -> None:
    """The form's route as it was when the form was filled, or refuse (issue #15)."""
    if loaded.route_id is not None and loaded.status == DocumentStatus.DRAFT:
        route = _route(session, loaded.route_id)
        if route.row_version != loaded.row_version:
            raise _refusal(session, route, loaded)
        return
    # The form started from a fresh proposal (no draft then): a draft made since is
    # someone else's work, not to be replaced.
    other = session.scalar(
        select(models.Route)
        .where(models.Route.citizen_id == citizen_id, models.Route.status == DocumentStatus.DRAFT)
        .order_by(models.Route.id.desc())
        .limit(1)
    )
    if other is not None:
        raise _refusal(session, other, loaded)


def save_route_draft(db: Database, draft: RouteDraft, today: date) -> int:
    """Store ``draft`` as the citizen's route draft (status DRAFT); returns its id.

    Editing an issued route saves a new draft: the issued one is never rewritten. A citizen
    has at most one draft, which a fresh proposal saved again replaces.
    """
    return save_route(db, draft, today).route_id or 0


def save_route(
    db: Database, draft: RouteDraft, today: date, *, loaded: RouteDraft | None = None
) -> RouteDraft:
    """:func:`save_route_draft` returning the draft as stored (id, row version).

    ``loaded``: the route the form was filled from (``current_route`` or a fresh
    ``propose_route``). If the draft was saved or issued since, or a draft was started
    since a fresh proposal, the save is refused with :class:`StaleEditError` (who, when,
    what) and nothing is written; each save raises the draft's row version by exactly 1.
    """
    try:
        return _save_route(db, draft, today, loaded)
    except StaleDataError:  # both passed the check; the other's UPDATE came first
        seen = loaded or draft
        with db.session_factory() as session:
            route = _route(session, seen.route_id or draft.route_id or 0)
            raise _refusal(session, route, seen) from None


def _save_route(
    db: Database, draft: RouteDraft, today: date, loaded: RouteDraft | None
) -> RouteDraft:
    rows = _normalise_lines(draft.lines)
    with db.session_factory.begin() as session:
        # The route's version is counted below (max + 1): on a server the lock comes before
        # any write of this unit, or it could deadlock with a package export.
        lock_tables(session.connection(), [models.Route.__table__])
        citizen = session.get(models.Citizen, draft.citizen_id)
        if citizen is None:
            raise NotFoundError(f"Гражданин N {draft.citizen_id} не найден.")
        if draft.entry_id is not None and _entry(session, draft.entry_id).citizen_id != citizen.id:
            raise ValidationError("Запись реестра относится к другому гражданину.")
        organisation_ids = {row[4] for row in rows if row[4] is not None}
        known = set(
            session.scalars(
                select(models.Organisation.id).where(models.Organisation.id.in_(organisation_ids))
            )
        )
        if organisation_ids - known:
            missing = min(organisation_ids - known)
            raise NotFoundError(f"Организация N {missing} не найдена в справочнике.")
        user = current_user(session)
        if loaded is not None:
            _check_loaded(session, citizen.id, loaded)
        route: models.Route | None = None
        if draft.route_id is not None:
            route = _route(session, draft.route_id)
            if route.citizen_id != citizen.id:
                raise ValidationError("Маршрут относится к другому гражданину.")
            if route.status is not DocumentStatus.DRAFT:
                route = None  # an issued route is kept as it is; the edit becomes a new draft
        if route is None:
            route = session.scalar(
                select(models.Route)
                .where(
                    models.Route.citizen_id == citizen.id,
                    models.Route.status == DocumentStatus.DRAFT,
                )
                .order_by(models.Route.id.desc())
                .limit(1)
            )
        created = route is None
        version = _next_version(session, citizen.id)  # a query: before the row is changed
        if route is None:
            route = models.Route(
                citizen_id=citizen.id,
                status=DocumentStatus.DRAFT,
                created_by_id=user.id,
            )
            session.add(route)
        route.entry_id = draft.entry_id
        route.version = version
        route.drawn_up_on = today
        route.plan_drawn_up = draft.plan_drawn_up
        route.updated_by_id = user.id
        if not created:
            versions.touch(route)
        route.lines.clear()
        session.flush()
        for position, kind, title, service, organisation_id in rows:
            route.lines.append(
                models.RouteLine(
                    position=position,
                    measure_kind=kind,
                    measure_title=title,
                    service_name=service,
                    organisation_id=organisation_id,
                    created_by_id=user.id,
                    updated_by_id=user.id,
                )
            )
        session.flush()
        audit(
            session,
            user,
            "route.draft.create" if created else "route.draft.update",
            "route",
            str(route.uuid),
            citizen=str(citizen.uuid),
            lines=len(rows),
        )
        session.flush()
        session.expire(route, ["lines"])
        return _as_draft(route)


def _check_before_issue(session: Session, route: models.Route, citizen: models.Citizen) -> None:
    """Fields 1-4 of Appendix 2 and the informing call, all named at once when missing
    (issue #12: a route was issued for a walk-in with no birth date, address or call)."""
    missing = []
    if not (citizen.last_name or "").strip() or not (citizen.first_name or "").strip():
        missing.append("поле 1 «Ф.И.О. гражданина» (фамилия и имя)")
    if citizen.birth_date is None:
        missing.append("поле 2 «Дата рождения»")
    if not (citizen.actual_address or citizen.registration_address or "").strip():
        missing.append("поле 3 «Адрес фактического проживания»")
    if not any(ln.service_name or ln.organisation_id for ln in route.lines):
        missing.append("поле 4 «Услуги в рамках реализации ИПР(А)»: ни услуги, ни организации")
    if route.entry_id is not None:
        entry = session.get(models.RegistryEntry, route.entry_id)
        called = session.scalar(
            select(func.count(models.CallAttempt.id)).where(
                models.CallAttempt.entry_id == route.entry_id
            )
        )
        if entry is not None and entry.informed_on is None and not called:
            missing.append(
                "информирование по телефону (31-р, п. 4.1): звонков ещё не было — при звонке "
                "согласуется способ направления маршрута"
            )
    if missing:
        raise ValidationError("Маршрут не выдан, не хватает: " + "; ".join(missing) + ".")


def issue_problem(db: Database, route_id: int) -> str | None:
    """Why the draft cannot be issued now (the checks of :func:`issue_route`), or None: the
    window asks «Выдать маршрут?» only when the answer can be carried out."""
    with db.session_factory() as session:
        route = _route(session, route_id)
        if route.status is not DocumentStatus.DRAFT:
            return f"Маршрут N {route_id} уже выдан (версия {route.version})."
        if not route.lines:
            return "В маршруте не заполнена ни одна строка: укажите хотя бы одну услугу."
        citizen = session.get(models.Citizen, route.citizen_id)
        assert citizen is not None
        try:
            _check_before_issue(session, route, citizen)
        except UserError as exc:
            return str(exc)
    return None


def issue_route(db: Database, route_id: int, today: date) -> int:
    """Issue the draft: copy fields 1-3, the organisations' details and the developer into
    it; the citizen's earlier issued route becomes SUPERSEDED. Returns the route id."""
    with db.session_factory.begin() as session:
        lock_tables(session.connection(), [models.Route.__table__])  # before any write
        route = _route(session, route_id)
        if route.status is not DocumentStatus.DRAFT:
            raise UserError(
                f"Маршрут N {route_id} уже выдан (версия {route.version}): чтобы изменить его, "
                "сохраните новый черновик и выдайте его."
            )
        if not route.lines:
            raise ValidationError(
                "В маршруте не заполнена ни одна строка: укажите хотя бы одну услугу "
                "или организацию."
            )
        citizen = session.get(models.Citizen, route.citizen_id)
        assert citizen is not None  # the foreign key cascades
        _check_before_issue(session, route, citizen)
        organisations = {
            o.id: o
            for o in session.scalars(
                select(models.Organisation).where(
                    models.Organisation.id.in_(
                        [ln.organisation_id for ln in route.lines if ln.organisation_id]
                    )
                )
            )
        }
        for line in route.lines:
            if line.organisation_id is None:
                continue
            organisation = organisations.get(line.organisation_id)
            if organisation is None:
                raise NotFoundError(
                    f"Организация строки {line.position} маршрута удалена из справочника: "
                    "выберите другую."
                )
            if organisation.archived:
                raise ValidationError(
                    f"Организация «{organisation.name}» (строка {line.position}) в архиве "
                    "справочника: выберите другую."
                )
            line.organisation_name = organisation.name
            line.organisation_address = organisation.address
            line.organisation_email = organisation.email
            line.organisation_hours = organisation.hours
            line.organisation_phone = organisation.phone
        user = current_user(session)
        representative = citizen.representatives[0] if citizen.representatives else None
        route.citizen_name = full_name(citizen.last_name, citizen.first_name, citizen.middle_name)
        route.representative_name = (
            full_name(
                representative.last_name, representative.first_name, representative.middle_name
            )
            if representative
            else None
        )
        route.birth_date = citizen.birth_date
        route.actual_address = citizen.actual_address or citizen.registration_address
        route.developer_name = user.full_name
        route.developer_position = user.position
        # The profile's organisation, else the settings' (issue #12: a second
        # consultant whose profile names no organisation printed none).
        route.developer_organisation = user.organisation or provider_name(db, session)
        route.developer_phone = user.phone
        superseded = list(
            session.scalars(
                select(models.Route).where(
                    models.Route.citizen_id == citizen.id,
                    models.Route.status == DocumentStatus.ISSUED,
                )
            )
        )
        route.version = _next_version(session, citizen.id)
        for old in superseded:
            old.status = DocumentStatus.SUPERSEDED
            old.updated_by_id = user.id
        route.status = DocumentStatus.ISSUED
        route.issued_on = today
        route.drawn_up_on = route.drawn_up_on or today
        route.updated_by_id = user.id
        session.flush()
        audit(
            session,
            user,
            "route.issue",
            "route",
            str(route.uuid),
            citizen=str(citizen.uuid),
            version=route.version,
            superseded=[str(old.uuid) for old in superseded],
        )
        logger.info("route %d issued as version %d", route.id, route.version)
        return route.id


def current_route(db: Database, citizen_id: int) -> RouteDraft | None:
    """The citizen's draft being edited, else their issued route, else None."""
    with db.session_factory() as session:
        route = models.Route
        found = session.scalar(
            select(route)
            .where(
                route.citizen_id == citizen_id,
                route.status.in_((DocumentStatus.DRAFT, DocumentStatus.ISSUED)),
            )
            .order_by((route.status == DocumentStatus.DRAFT).desc(), route.id.desc())
            .limit(1)
        )
        return _as_draft(found) if found is not None else None


# --- the document ------------------------------------------------------------------------


def _join(*parts: str | None) -> str:
    return ", ".join(p for p in (_clean(x) for x in parts) if p)


def _document(
    route: models.Route,
    lines: Iterable[models.RouteLine],
    live: dict[int, models.Organisation],
    citizen: models.Citizen | None,
    representative: models.Representative | None,
    developer: models.User | None,
) -> RouteDocument:
    """The printed strings; a draft shows the person and the directory as they are now."""
    draft = route.status is DocumentStatus.DRAFT
    by_position = {line.position: line for line in lines}
    rows: list[RouteDocumentRow] = []
    positions = [k.row_number for k in MeasureKind] + sorted(
        p for p in by_position if p > FIXED_ROWS
    )
    for position in positions:
        line = by_position.get(position)
        if line is None:
            kind = list(MeasureKind)[position - 1]
            rows.append(RouteDocumentRow(str(position), kind.route_title, "", "", "", "", ""))
            continue
        title = line.measure_kind.route_title if line.measure_kind else line.measure_title
        org = live.get(line.organisation_id) if draft and line.organisation_id else None
        name: str | None
        if org is not None:
            name, address, email = org.name, org.address, org.email
            hours, phone = org.hours, org.phone
        else:
            name, address, email = (
                line.organisation_name,
                line.organisation_address,
                line.organisation_email,
            )
            hours, phone = line.organisation_hours, line.organisation_phone
        rows.append(
            RouteDocumentRow(
                number=str(position),
                measure_title=title,
                service_name=_clean(line.service_name),
                organisation_name=_clean(name),
                address_email=_join(address, email),
                hours=_clean(hours),
                phone=_clean(phone),
            )
        )
    if draft and citizen is not None:
        citizen_name = full_name(citizen.last_name, citizen.first_name, citizen.middle_name)
        representative_name = (
            full_name(
                representative.last_name, representative.first_name, representative.middle_name
            )
            if representative
            else ""
        )
        birth_date = citizen.birth_date
        address = citizen.actual_address or citizen.registration_address
    else:
        citizen_name = route.citizen_name or ""
        representative_name = route.representative_name or ""
        birth_date = route.birth_date
        address = route.actual_address
    if draft and developer is not None:
        developed = _join(
            developer.full_name, developer.position, developer.organisation, developer.phone
        )
    else:
        developed = _join(
            route.developer_name,
            route.developer_position,
            route.developer_organisation,
            route.developer_phone,
        )
    return RouteDocument(
        route_id=route.id,
        status=str(route.status),
        version=route.version,
        issued_on=format_date(route.issued_on),
        citizen_name=_clean(citizen_name),
        representative_name=_clean(representative_name),
        birth_date=format_date(birth_date),
        actual_address=_clean(address),
        rows=tuple(rows),
        plan_drawn_up=route.plan_drawn_up,
        developer=developed,
    )


def _documents(session: Session, routes: Sequence[models.Route]) -> list[RouteDocument]:
    """Documents of ``routes`` in their order, loading lines in one query."""
    if not routes:
        return []
    line = models.RouteLine
    lines: dict[int, list[models.RouteLine]] = {}
    ids = [r.id for r in routes]
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for row in session.scalars(select(line).where(line.route_id.in_(chunk))):
            lines.setdefault(row.route_id, []).append(row)
    live: dict[int, models.Organisation] = {}
    developer: models.User | None = None
    drafts = [r for r in routes if r.status is DocumentStatus.DRAFT]
    if drafts:
        wanted = {
            ln.organisation_id
            for r in drafts
            for ln in lines.get(r.id, [])
            if ln.organisation_id is not None
        }
        live = {
            o.id: o
            for o in session.scalars(
                select(models.Organisation).where(models.Organisation.id.in_(wanted))
            )
        }
        developer = current_user(session)
    draft_ids = {r.id for r in drafts}
    result: list[RouteDocument] = []
    for r in routes:
        citizen = session.get(models.Citizen, r.citizen_id) if r.id in draft_ids else None
        representative = (
            citizen.representatives[0] if citizen is not None and citizen.representatives else None
        )
        result.append(_document(r, lines.get(r.id, []), live, citizen, representative, developer))
    return result


def route_document(db: Database, route_id: int) -> RouteDocument:
    """Everything the PDF of Appendix 2 prints for the route, as strings."""
    with db.session_factory.begin() as session:
        return _documents(session, [_route(session, route_id)])[0]


def route_documents(db: Database, route_ids: Sequence[int]) -> tuple[RouteDocument, ...]:
    """Documents of several routes in the order given (batch printing), in one read."""
    with db.session_factory.begin() as session:
        found = {
            r.id: r
            for start in range(0, len(route_ids), 500)
            for r in session.scalars(
                select(models.Route).where(models.Route.id.in_(route_ids[start : start + 500]))
            )
        }
        missing = [i for i in route_ids if i not in found]
        if missing:
            raise NotFoundError(f"Маршрут N {missing[0]} не найден.")
        return tuple(_documents(session, [found[i] for i in route_ids]))


def _routes_of_citizen(session: Session, snils_text: str) -> list[models.Route]:
    snils = normalize_snils(snils_text)
    citizen = session.scalar(select(models.Citizen).where(models.Citizen.snils == snils))
    if citizen is None:
        raise NotFoundError(f"Гражданин со СНИЛС {snils_text.strip()} не найден.")
    route = models.Route
    issued = session.scalar(
        select(route)
        .where(route.citizen_id == citizen.id, route.status == DocumentStatus.ISSUED)
        .order_by(route.version.desc(), route.id.desc())
        .limit(1)
    )
    if issued is None:
        name = full_name(citizen.last_name, citizen.first_name, citizen.middle_name)
        raise UserError(f"У гражданина {name} нет выданного маршрута.")
    return [issued]


def _routes_of_month(session: Session, month_text: str) -> list[models.Route]:
    period = Month.parse(month_text)
    entry = models.RegistryEntry
    route = models.Route
    routes = list(
        session.scalars(
            select(route)
            .join(entry, entry.id == route.entry_id)
            .where(entry.reporting_month == str(period), route.status == DocumentStatus.ISSUED)
            .order_by(
                entry.number.is_(None),
                entry.number,
                entry.identified_on,
                entry.entered_on,
                entry.id,
                route.id,
            )
        )
    )
    if not routes:
        raise UserError(f"В реестре за {period.title} нет выданных маршрутов.")
    return routes


def export_route_pdf(
    db: Database,
    out: Path,
    *,
    citizen_snils: str | None = None,
    month: str | None = None,
    route_id: int | None = None,
) -> int:
    """Write routes as Appendix 2 to ``out``: the person's issued route, every issued route
    of the month's registry in registry order, or one route by id, in one file. Returns
    routes written."""
    if sum(x is not None for x in (citizen_snils, month, route_id)) != 1:
        raise ValidationError("Укажите либо СНИЛС гражданина, либо отчётный месяц.")
    out = check_output(out, db.path)  # before the work: a wrong path is told at once
    from app.documents.route_pdf import write_routes_pdf

    with db.session_factory.begin() as session:
        if route_id is not None:
            routes = [_route(session, route_id)]
        elif citizen_snils is not None:
            routes = _routes_of_citizen(session, citizen_snils)
        else:
            assert month is not None
            routes = _routes_of_month(session, month)
        documents = _documents(session, routes)
        write_atomically(out, lambda path: write_routes_pdf(documents, path), database=db.path)
        audit(
            session,
            current_user(session),
            "route.export",
            "route",
            str(routes[0].uuid) if len(routes) == 1 else None,
            path=str(out),
            routes=len(routes),
            month=month,
        )
    logger.info("%d routes written to %s", len(documents), out)
    return len(documents)


# --- the routes section: every route, searched and filtered in SQL (issue #12) ------------

#: Rows a list shows at most; the rest are counted ("показаны первые 500 из N").
LIST_LIMIT = 500


class RouteFilter(StrEnum):
    """What the routes section can show besides everything."""

    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    UNSENT = "UNSENT"
    SUPERSEDED = "SUPERSEDED"

    @property
    def label(self) -> str:
        return {
            RouteFilter.DRAFT: "черновики",
            RouteFilter.ISSUED: "выданные (действующие)",
            RouteFilter.UNSENT: "выданные, не направленные",
            RouteFilter.SUPERSEDED: "прежние версии",
        }[self]


@dataclass(frozen=True)
class RouteRow:
    """One route as the routes section lists it."""

    route_id: int
    citizen_id: int
    entry_id: int | None
    name: str
    snils: str  # "112-233-445 95", as the registry shows it; "" when unknown
    month: str  # reporting month of the registry entry, "2026-11"; "" without an entry
    number: int | None  # the entry's number in the month's registry, once formed
    version: int
    status: str  # DocumentStatus value
    drawn_up_on: date | None
    issued_on: date | None
    sent: str  # "электронная почта, 05.12.2026", "" when not sent
    file_stem: str  # «Маршрут_Иванов_И_И_2026-11»

    @property
    def status_label(self) -> str:
        return route_status_label(self.status, self.version)


@dataclass(frozen=True)
class RouteList:
    rows: tuple[RouteRow, ...]  # the first ``limit`` matches in display order
    total: int  # every match


def route_status_label(status: str, version: int) -> str:
    """«черновик (версия 2)», «выдан», «выдан, версия 2», «заменён (версия 1)»."""
    if status == DocumentStatus.DRAFT:
        return f"черновик (версия {version})"
    if status == DocumentStatus.SUPERSEDED:
        return f"заменён (версия {version})"
    return "выдан" if version <= 1 else f"выдан, версия {version}"


def sent_text(method: DeliveryMethod | None, on: date | None, prepared: bool = False) -> str:
    if method is None:
        return ""
    if prepared:
        return f"подготовлено: {method.label}"
    return f"{method.label}, {format_date(on)}" if on else method.label


def dispatches_of(
    session: Session, column: Any, entry_ids: Iterable[int | None], doc_ids: Iterable[int]
) -> dict[int, tuple[DeliveryMethod, date | None, bool]]:
    """Document id -> (method, sent on, only prepared) of its latest dispatch: a sent one
    wins over an envelope only prepared; a failed e-mail is not a dispatch. Looked up by
    the entries' index (the document columns of ``dispatch`` have none)."""
    d = models.Dispatch
    wanted = set(doc_ids)
    entries = sorted({i for i in entry_ids if i is not None})
    found: dict[int, tuple[DeliveryMethod, date | None, bool]] = {}
    for start in range(0, len(entries), LIST_LIMIT):
        rows = session.execute(
            select(column, d.method, d.status, d.sent_on, d.id).where(
                d.entry_id.in_(entries[start : start + LIST_LIMIT])
            )
        )
        # The status is filtered here: with it in SQL, SQLite scans the status index.
        for doc_id, method, status, sent_on, _ in sorted(rows, key=lambda row: row[4]):
            if doc_id not in wanted or status not in (
                DispatchStatus.SENT,
                DispatchStatus.PREPARED,
            ):
                continue
            prepared = status is DispatchStatus.PREPARED
            if prepared and doc_id in found and not found[doc_id][2]:
                continue  # already sent: a later envelope does not undo it
            found[doc_id] = (method, sent_on, prepared)
    return found


def first_ids(
    session: Session, stmt: Any, where: Sequence[Any], count_all: Any, limit: int
) -> tuple[list[int], int]:
    """The first ``limit`` ids of the ordered ``stmt`` and how many match in all: counted
    on the table alone when nothing filters, else in the same pass (count() over ())."""
    if not where:
        total = int(session.scalar(count_all) or 0)
        return list(session.scalars(stmt.limit(limit))), total
    rows = session.execute(stmt.add_columns(func.count().over()).limit(limit)).all()
    return [row[0] for row in rows], (int(rows[0][1]) if rows else 0)


def list_routes(
    db: Database,
    search: str = "",
    month: str | None = None,
    status: RouteFilter | None = None,
    *,
    limit: int = LIST_LIMIT,
) -> RouteList:
    """Routes of every person, the latest issued or drawn up first; ``search`` finds the
    name (any case, ё as е) or the СНИЛС as the registry's search does."""
    r = models.Route
    e = models.RegistryEntry
    c = models.Citizen
    where: list[Any] = []
    if month:
        # Through the month's index, not a join of every document to its entry.
        in_month = select(e.id).where(e.reporting_month == str(Month.parse(month)))
        where.append(r.entry_id.in_(in_month))
    if status is RouteFilter.UNSENT:
        unsent = select(e.id).where(e.route_sent_on.is_(None))
        where += [r.status == DocumentStatus.ISSUED, r.entry_id.in_(unsent)]
    elif status is not None:
        where.append(r.status == DocumentStatus(status.value))
    conditions = _search_conditions(search)
    if conditions:
        where.append(r.citizen_id.in_(select(c.id).where(*conditions)))
    ordered = select(r.id).where(*where)
    ordered = ordered.order_by(func.coalesce(r.issued_on, r.drawn_up_on).desc(), r.id.desc())
    with db.session_factory() as session:
        ids, total = first_ids(session, ordered, where, select(func.count(r.id)), limit)
        found = {
            row.id: row
            for row in session.execute(
                select(
                    r.id,
                    r.citizen_id,
                    r.entry_id,
                    r.version,
                    r.status,
                    r.drawn_up_on,
                    r.issued_on,
                    e.reporting_month,
                    e.number,
                    e.route_sent_on,
                    e.route_sent_method,
                    c.last_name,
                    c.first_name,
                    c.middle_name,
                    c.snils,
                )
                .join(c, c.id == r.citizen_id)
                .outerjoin(e, e.id == r.entry_id)
                .where(r.id.in_(ids))
            )
        }
        rows = [found[i] for i in ids]
        sent = dispatches_of(session, models.Dispatch.route_id, (row.entry_id for row in rows), ids)
    result = []
    for row in rows:
        method, on, prepared = sent.get(row.id, (None, None, False))
        if method is None and row.status is DocumentStatus.ISSUED:
            # Columns 9-10 of the registry, for a route marked sent without a dispatch.
            method, on = row.route_sent_method, row.route_sent_on
        month_text = row.reporting_month or f"{row.issued_on or row.drawn_up_on or ''}"[:7]
        result.append(
            RouteRow(
                route_id=row.id,
                citizen_id=row.citizen_id,
                entry_id=row.entry_id,
                name=full_name(row.last_name, row.first_name, row.middle_name),
                snils=format_snils(row.snils) if row.snils else "",
                month=row.reporting_month or "",
                number=row.number,
                version=row.version,
                status=str(row.status),
                drawn_up_on=row.drawn_up_on,
                issued_on=row.issued_on,
                sent=sent_text(method, on, prepared),
                file_stem=document_file_name(
                    "Маршрут", row.last_name, row.first_name, row.middle_name, month_text
                ),
            )
        )
    return RouteList(tuple(result), total)


def route_pdf_bytes(db: Database, route_id: int) -> bytes:
    """The route as Appendix 2, in memory: for the print preview, never a temporary file."""
    from app.documents.route_pdf import write_routes_pdf

    documents = route_documents(db, [route_id])
    buffer = BytesIO()
    write_routes_pdf(documents, buffer)
    return buffer.getvalue()


def record_route_printed(db: Database, route_id: int, printer: str, pages: int) -> None:
    """The audit's «печать маршрута» for a route sent to a printer."""
    with db.session_factory.begin() as session:
        route = _route(session, route_id)
        audit(
            session,
            current_user(session),
            "route.export",
            "route",
            str(route.uuid),
            printer=printer,
            pages=pages,
        )
