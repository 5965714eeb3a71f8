"""`ic demo`: fill a database with realistic generated records in every state.

Generation is deterministic for a seed and a "today". Rows are written with
bulk Core inserts in one transaction (ids assigned here), so 100,000 citizens
take well under a minute on a 2-core machine. Every organisation written here
is marked as a sample (``is_sample``): the application ships no invented
organisations outside demo databases.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from app import clock, reference
from app.demo.people import FakePerson, PeopleGenerator
from app.domain import deadlines
from app.domain.eligibility import EligibilityFacts, assess
from app.domain.enums import (
    ApplicationDecision,
    Callee,
    CallOutcome,
    DeliveryMethod,
    Department,
    DispatchDocument,
    DispatchStatus,
    DocumentStatus,
    MeasureKind,
    PlanStatus,
    ProgrammeStatus,
    ServiceForm,
    Source,
    Technology,
)
from app.domain.intake import ServiceBasis
from app.domain.names import full_name as _full_name
from app.domain.names import search_key
from app.domain.periods import HalfYear, Month
from app.domain.tracking import generate_tracking_number
from app.domain.workdays import WorkCalendar
from app.services.common import current_user
from db import models
from db.dialect import execute_driver, lock_for_new_ids, sync_id_sequences
from db.session import Database

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

HISTORY_MONTHS = 18
CHUNK = 20_000

_QUESTIONS = (
    "Оформление ежемесячной денежной выплаты",
    "Получение путёвки на санаторно-курортное лечение",
    "Устройство ребёнка в детский сад",
    "Организация доступной среды в подъезде (пандус)",
    "Компенсация расходов на оплату жилищно-коммунальных услуг",
    "Получение социального такси",
    "Помощь в трудоустройстве",
    "Оформление парковочного разрешения для инвалида",
    "Психологическая поддержка семьи",
    "Получение бесплатных лекарственных препаратов",
    "Обучение на дому",
    "Посещение занятий адаптивной физкультурой",
)

_SERVICES = {
    MeasureKind.MEDICAL: ("Медицинская реабилитация", "Консультация врача-реабилитолога"),
    MeasureKind.PSYCHO_PEDAGOGICAL: ("Психолого-педагогическая помощь", "Занятия с логопедом"),
    MeasureKind.VOCATIONAL: ("Профессиональная ориентация", "Содействие в трудоустройстве"),
    MeasureKind.SOCIAL: ("Социально-бытовая реабилитация", "Социально-средовая реабилитация"),
    MeasureKind.SPORT: ("Адаптивная физическая культура", "Занятия в спортивной секции"),
    MeasureKind.DEVICES_FEDERAL: ("Обеспечение ТСР за счёт федерального бюджета",),
    MeasureKind.DEVICES_REGIONAL: ("Обеспечение ТСР за счёт регионального бюджета",),
}

_DEPARTMENT_FOR = {
    MeasureKind.MEDICAL: Department.HEALTH,
    MeasureKind.PSYCHO_PEDAGOGICAL: Department.EDUCATION,
    MeasureKind.VOCATIONAL: Department.EMPLOYMENT,
    MeasureKind.SOCIAL: Department.SOCIAL_PROTECTION,
    MeasureKind.SPORT: Department.SPORT,
    MeasureKind.DEVICES_FEDERAL: Department.SOCIAL_FUND,
    MeasureKind.DEVICES_REGIONAL: Department.REGIONAL_DEVICES,
}

_ORG_NAMES = {
    Department.HEALTH: "Образец: больница",
    Department.EDUCATION: "Образец: центр психолого-педагогической помощи",
    Department.EMPLOYMENT: "Образец: центр занятости населения",
    Department.SOCIAL_PROTECTION: "Образец: центр социального обслуживания населения",
    Department.SPORT: "Образец: спортивная школа адаптивного спорта",
    Department.SOCIAL_FUND: "Образец: отделение Социального фонда России",
    Department.REGIONAL_DEVICES: "Образец: пункт выдачи региональных ТСР",
    Department.NGO: "Образец: общественная организация инвалидов",
    Department.CHARITY: "Образец: благотворительный фонд",
}


@dataclass(frozen=True)
class DemoSummary:
    citizens: int
    registry_entries: int
    calls: int
    routes: int
    plans: int
    dispatches: int
    organisations: int
    not_eligible: int


@dataclass
class _Ids:
    """Next free id per table: ids are assigned here so rows can refer to each other."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class _Rows:
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.data.setdefault(table, []).append(row)

    def count(self, table: str) -> int:
        return len(self.data.get(table, []))


def generate_demo(
    db: Database,
    citizens: int,
    seed: int,
    today: date | None = None,
    progress: Progress | None = None,
    calendar: WorkCalendar | None = None,
) -> DemoSummary:
    """Add ``citizens`` generated people with their history to the database."""
    today = today or clock.today()
    cal = calendar or WorkCalendar()
    rng = random.Random(seed)
    generator = PeopleGenerator(seed=seed, today=today)
    with db.session_factory.begin() as session:
        user = current_user(session)
        user_id = user.id
        conn = session.connection()
        # Ids are assigned here: no other writer inserts meanwhile (on a server: a lock).
        tables = models.Base.metadata.sorted_tables
        lock_for_new_ids(conn, tables)
        ids = _Ids({t.name: _next_id(conn, t) for t in tables})
        builder = _Builder(rng, cal, today, user_id, ids)
        # Documents name their developer as printed (DESIGN.md: the local profile).
        builder.developer = {
            "developer_name": user.full_name,
            "developer_position": user.position,
            "developer_organisation": user.organisation,
            "developer_phone": user.phone,
        }
        builder.organisations(conn)
        first_month = Month.of(today)
        for _ in range(HISTORY_MONTHS - 1):
            first_month = first_month.previous()
        written = 0
        for start in range(0, citizens, CHUNK):
            batch = min(CHUNK, citizens - start)
            for person in generator.people(batch, (first_month.first_day, today)):
                builder.person(person)
            builder.flush(conn)
            written += batch
            if progress:
                progress(written, citizens)
        builder.registry_months(conn, first_month)
        sync_id_sequences(conn, tables)
        return builder.summary()


def _sql_value(value: Any, stamps: dict[datetime, str] | None = None) -> Any:
    """The value as SQLAlchemy's SQLite types store it (checked by the demo's tests)."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool or kind is float:
        return value
    if isinstance(value, StrEnum):
        return value.value
    if kind is datetime:
        text = stamps.get(value) if stamps is not None else None
        if text is None:
            text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if stamps is not None:
                stamps[value] = text
        return text
    if kind is date:
        return value.isoformat()
    if kind is uuid.UUID:
        return value.hex
    raise TypeError(f"no SQLite form for {kind.__name__}")


def _bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    # Straight to the driver: SQLAlchemy's per-value processing would double the run time
    # at 100,000 citizens. _sql_value writes exactly what the column types would (on
    # PostgreSQL the same text, which the server reads into its column types). A column
    # no row names and the database fills in itself (server_default) is left out.
    names = [
        c.name
        for c in table.columns
        if c.server_default is None or any(c.name in row for row in rows)
    ]
    columns = ", ".join(f'"{name}"' for name in names)
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(names))})'
    stamps: dict[datetime, str] = {}
    execute_driver(
        conn, sql, [tuple([_sql_value(row.get(name), stamps) for name in names]) for row in rows]
    )


# RFC 4122 version 4: version nibble 4, variant bits 10; written as the 32 hex digits the
# Uuid column stores, which is what uuid.UUID(int=bits, version=4).hex gives.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def _uuid4_hex(bits: int) -> str:
    return f"{bits & _UUID_CLEAR | _UUID_SET:032x}"


def _next_id(conn: Connection, table: Table) -> int:
    if "id" not in table.c:
        return 1
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    # Local office hours stored as UTC.
    return clock.local_to_utc(datetime.combine(day, time(hour, minute)))


class _Builder:
    def __init__(
        self, rng: random.Random, cal: WorkCalendar, today: date, user_id: int, ids: _Ids
    ) -> None:
        self.rng = rng
        self.cal = cal
        self.today = today
        self.user_id = user_id
        self.ids = ids
        self.rows = _Rows()
        self.totals: dict[str, int] = {}
        self.not_eligible = 0
        self.orgs_by_kind: dict[tuple[str | None, MeasureKind], list[dict[str, Any]]] = {}
        self.other_orgs: list[dict[str, Any]] = []
        self.months_seen: set[str] = set()
        self.stamp = _at(today, 9)
        self.developer: dict[str, Any] = {}

    # -- common columns -------------------------------------------------------------------

    def _record(self, table: str, created: datetime | None = None, **values: Any) -> dict[str, Any]:
        when = created or self.stamp
        row = {
            "id": self.ids.take(table),
            "uuid": _uuid4_hex(self.rng.getrandbits(128)),
            "created_at": when,
            "updated_at": when,
            "created_by_id": self.user_id,
            "updated_by_id": self.user_id,
            **values,
        }
        self.rows.add(table, row)
        return row

    def flush(self, conn: Connection) -> None:
        for table in models.Base.metadata.sorted_tables:
            rows = self.rows.data.get(table.name)
            if rows:
                _bulk_insert(conn, table, rows)
                self.totals[table.name] = self.totals.get(table.name, 0) + len(rows)
        self.rows = _Rows()

    def summary(self) -> DemoSummary:
        t = self.totals
        return DemoSummary(
            citizens=t.get("citizen", 0),
            registry_entries=t.get("registry_entry", 0),
            calls=t.get("call_attempt", 0),
            routes=t.get("route", 0),
            plans=t.get("support_plan", 0),
            dispatches=t.get("dispatch", 0),
            organisations=t.get("organisation", 0),
            not_eligible=self.not_eligible,
        )

    # -- sample directory -----------------------------------------------------------------

    def organisations(self, conn: Connection) -> None:
        districts: list[str | None] = [None, *reference.district_names()]
        for district in districts:
            for kind in MeasureKind:
                if district is not None and kind in (
                    MeasureKind.DEVICES_FEDERAL,
                    MeasureKind.DEVICES_REGIONAL,
                ):
                    continue  # assistive devices are issued by regional offices
                self._organisation(district, _DEPARTMENT_FOR[kind], (kind,))
        for department in (Department.NGO, Department.CHARITY):
            self.other_orgs.append(self._organisation(None, department, ()))
        self.flush(conn)

    def _organisation(
        self, district: str | None, department: Department, kinds: Iterable[MeasureKind]
    ) -> dict[str, Any]:
        where = district or "Тюменская область"
        d = reference.find_district(district) if district else None
        town = d.centre if d else "г. Тюмень"
        postcode = d.postcode if d else "625000"
        number = self.rng.randint(1, 99)
        org = self._record(
            "organisation",
            name=f"{_ORG_NAMES[department]} ({where})",
            short_name=None,
            department=department,
            district=district,
            address=f"{postcode}, {town}, ул. Образцовая, д. {number}",
            postcode=postcode,
            email=f"demo{self.ids.next['organisation']}@example.org",
            website="https://example.org",
            hours="пн-пт 8:00-17:00, обед 12:00-13:00",
            phone=f"+7 3452 {self.rng.randint(200000, 699999)}",
            note="Образец для демонстрационной базы, не настоящая организация",
            is_sample=True,
            archived=False,
            regional=False,
        )
        self._record(
            "organisation_contact",
            organisation_id=org["id"],
            full_name="Иванова Мария Петровна",
            position="специалист",
            phone=org["phone"],
            email=org["email"],
        )
        for position, kind in enumerate(kinds):
            for name in _SERVICES[kind]:
                self._record(
                    "organisation_service",
                    organisation_id=org["id"],
                    measure_kind=kind,
                    name=name,
                    position=position,
                )
            self.orgs_by_kind.setdefault((district, kind), []).append(org)
        return org

    def _org_for(self, district: str | None, kind: MeasureKind) -> dict[str, Any]:
        options = self.orgs_by_kind.get((district, kind)) or self.orgs_by_kind[(None, kind)]
        return options[0]

    # -- one person and their history --------------------------------------------------------

    def person(self, p: FakePerson) -> None:
        created = _at(p.received_on, 9)
        citizen = self._record(
            "citizen",
            created,
            last_name=p.last_name,
            first_name=p.first_name,
            middle_name=p.middle_name,
            search_name=search_key(_full_name(p.last_name, p.first_name, p.middle_name)),
            birth_date=p.birth_date,
            sex=p.sex,
            snils=p.snils,
            registration_address=p.registration_address,
            actual_address=p.actual_address,
            postcode=p.postcode,
            district=p.district,
            phone=p.phone,
            email=p.email,
            note=None,
        )
        representative = None
        if p.representative is not None:
            r = p.representative
            representative = self._record(
                "representative",
                created,
                citizen_id=citizen["id"],
                kind=r.kind,
                last_name=r.last_name,
                first_name=r.first_name,
                middle_name=r.middle_name,
                sex=r.sex,
                phone=r.phone,
                email=None,
                address=p.actual_address,
                postcode=p.postcode,
                authority_document=None,
            )
        assessment = self._record(
            "disability_assessment",
            created,
            citizen_id=citizen["id"],
            disability_group=p.group,
            established_on=p.disability_established_on,
            first_time=p.first_time,
            review_on=None,
            selfcare_degree=p.selfcare_degree,
            movement_degree=p.movement_degree,
            behaviour_degree=p.behaviour_degree,
            mental_disorder=p.mental_disorder,
            stationary=p.stationary,
            veteran_svo=p.veteran_svo,
        )
        programme = self._record(
            "rehab_programme",
            created,
            citizen_id=citizen["id"],
            assessment_id=assessment["id"],
            number=p.ipra_number,
            issued_on=p.ipra_date,
            valid_until=None,
        )
        for position, kind in enumerate(p.measures):
            self._record(
                "rehab_measure",
                created,
                programme_id=programme["id"],
                kind=kind,
                note=None,
                position=position,
            )
        verdict = assess(
            EligibilityFacts(
                group=p.group,
                first_time=p.first_time,
                selfcare_degree=p.selfcare_degree,
                movement_degree=p.movement_degree,
                behaviour_degree=p.behaviour_degree,
                mental_disorder=p.mental_disorder,
                stationary=p.stationary,
            )
        )
        if not verdict.eligible or verdict.category is None:
            self.not_eligible += 1
            return
        self._entry(
            p,
            citizen,
            representative,
            assessment,
            programme,
            verdict.category,
            "\n".join(verdict.reasons),
        )
        if self.rng.random() < 0.02:
            self._social_services(citizen, p.received_on)

    def _entry(
        self,
        p: FakePerson,
        citizen: dict[str, Any],
        representative: dict[str, Any] | None,
        assessment: dict[str, Any],
        programme: dict[str, Any],
        category: Any,
        reasons: str,
    ) -> None:
        rng = self.rng
        received = p.received_on
        month = Month.of(received)
        self.months_seen.add(str(month))
        source = rng.choices((Source.EXTRACT, Source.WALK_IN, Source.NGO), weights=(85, 10, 5))[0]
        entered = (
            received
            if source is not Source.EXTRACT
            else min(self.cal.add_working_days(received, rng.choice((0, 0, 1, 2))), self.today)
        )
        entry = self._record(
            "registry_entry",
            _at(entered, 9),
            citizen_id=citizen["id"],
            assessment_id=assessment["id"],
            programme_id=programme["id"],
            import_batch_id=None,
            reporting_month=str(month),
            number=None,
            identified_on=received,
            source=source,
            disability_established_on=p.disability_established_on,
            category=category,
            eligibility_reasons=reasons,
            entered_on=entered,
            informed_on=None,
            route_needed=None,
            route_sent_on=None,
            route_sent_method=None,
            plan_needed=None,
            plan_formed_on=None,
            plan_sent_method=None,
            plan_completed_on=None,
            delivery_method=None,
            delivery_address=None,
            delivery_email=None,
            eis_recorded_on=None,
            note=None,
        )
        # Informing (31-р 4.1): most within 7 working days, some late, some not yet.
        due = deadlines.informing_due(entered, self.cal)
        roll = rng.random()
        if roll < 0.80:
            informed = self.cal.add_working_days(entered, rng.randint(1, 7))
        elif roll < 0.90:
            informed = self.cal.add_working_days(due, rng.randint(1, 10))
        else:
            informed = None  # never reached yet: overdue once the due date has passed
        if informed is not None and informed > self.today:
            informed = None
        callee_phone = (representative or citizen)["phone"]
        callee = Callee.REPRESENTATIVE if representative else Callee.CITIZEN
        failures = rng.choice((0, 0, 0, 1, 1, 2))
        call_day = entered
        for _ in range(failures):
            call_day = min(self.cal.add_working_days(call_day, 1), self.today)
            outcome = rng.choice((CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.CALL_BACK))
            self._call(entry, call_day, callee, callee_phone, outcome, None)
        if informed is None:
            if rng.random() < 0.3:
                self._call(
                    entry,
                    min(self.cal.add_working_days(entered, 1), self.today),
                    callee,
                    callee_phone,
                    CallOutcome.CALL_BACK,
                    None,
                )
            return
        informed = max(informed, call_day)
        method = DeliveryMethod.EMAIL if p.email and rng.random() < 0.5 else DeliveryMethod.POST
        plan_needed = rng.random() < 0.3
        route_needed = rng.random() > 0.03
        self._call(
            entry,
            informed,
            callee,
            callee_phone,
            CallOutcome.REACHED,
            (method, plan_needed, p.actual_address, p.email),
        )
        entry.update(
            informed_on=informed,
            route_needed=route_needed,
            plan_needed=plan_needed,
            delivery_method=method,
            delivery_address=p.actual_address if method is DeliveryMethod.POST else None,
            delivery_email=p.email if method is DeliveryMethod.EMAIL else None,
            eis_recorded_on=informed if rng.random() < 0.9 else None,
        )
        if not route_needed:
            return
        # Route (31-р 3.3) and plan (4.3): drawn up within a few weeks of informing.
        drawn = self.cal.add_working_days(informed, rng.randint(1, 10))
        if drawn > self.today:
            return
        plan = None
        if plan_needed:
            plan = self._plan(p, citizen, entry, drawn, category)
        # Dispatch (3.4, 4.6): by the 30th of the month after the reporting month.
        send_due = deadlines.route_dispatch_due(month)
        roll = rng.random()
        sent: date | None
        if roll < 0.85:
            sent = min(self.cal.add_working_days(drawn, rng.randint(0, 5)), send_due)
            sent = max(sent, drawn)
        elif roll < 0.93:
            sent = send_due + timedelta(days=rng.randint(1, 20))
        else:
            sent = None
        if sent is not None and sent > self.today:
            sent = None
        # A route not sent yet is often still a draft being completed.
        draft = sent is None and rng.random() < 0.5
        route = self._route(p, citizen, representative, entry, drawn, plan is not None, draft)
        if sent is not None:
            self._dispatch(p, entry, route, plan, method, sent)

    def _call(
        self,
        entry: dict[str, Any],
        day: date,
        callee: Callee,
        phone: str | None,
        outcome: CallOutcome,
        agreed: tuple[DeliveryMethod, bool, str | None, str | None] | None,
    ) -> None:
        at = _at(day, self.rng.randint(9, 16), self.rng.randint(0, 59))
        reached = outcome is CallOutcome.REACHED
        method, plan_needed, address, email = agreed or (None, None, None, None)
        self._record(
            "call_attempt",
            at,
            entry_id=entry["id"],
            called_at=at,
            duration_seconds=self.rng.randint(180, 900) if reached else self.rng.randint(5, 40),
            callee=callee,
            phone=phone,
            outcome=outcome,
            call_back_at=_at(self.cal.add_working_days(day, 1), 11)
            if outcome is CallOutcome.CALL_BACK
            else None,
            told_measures=reached,
            told_organisations=reached,
            told_route=reached,
            delivery_method=method,
            delivery_address=address if method is DeliveryMethod.POST else None,
            delivery_email=email if method is DeliveryMethod.EMAIL else None,
            plan_needed=plan_needed,
            questions=None,
            comment="Проинформирован(а) по вопросам ИПРА" if reached else None,
        )

    def _route(
        self,
        p: FakePerson,
        citizen: dict[str, Any],
        representative: dict[str, Any] | None,
        entry: dict[str, Any],
        drawn: date,
        plan_drawn_up: bool,
        draft: bool = False,
    ) -> dict[str, Any]:
        route = self._record(
            "route",
            _at(drawn, 12),
            citizen_id=citizen["id"],
            entry_id=entry["id"],
            version=1,
            status=DocumentStatus.DRAFT if draft else DocumentStatus.ISSUED,
            drawn_up_on=drawn,
            issued_on=None if draft else drawn,
            citizen_name=_full_name(p.last_name, p.first_name, p.middle_name),
            representative_name=_full_name(
                representative["last_name"],
                representative["first_name"],
                representative["middle_name"],
            )
            if representative
            else None,
            birth_date=p.birth_date,
            actual_address=p.actual_address,
            plan_drawn_up=plan_drawn_up,
            **self.developer,
        )
        for kind in sorted(p.measures, key=lambda k: k.row_number):
            org = self._org_for(p.district, kind)
            self._record(
                "route_line",
                _at(drawn, 12),
                route_id=route["id"],
                position=kind.row_number,
                measure_kind=kind,
                measure_title=kind.route_title,
                service_name=_SERVICES[kind][0],
                organisation_id=org["id"],
                organisation_name=org["name"],
                organisation_address=org["address"],
                organisation_email=org["email"],
                organisation_hours=org["hours"],
                organisation_phone=org["phone"],
            )
        return route

    def _plan(
        self,
        p: FakePerson,
        citizen: dict[str, Any],
        entry: dict[str, Any],
        drawn: date,
        category: Any,
    ) -> dict[str, Any]:
        completed = self.cal.add_working_days(drawn, self.rng.randint(10, 60))
        done = completed <= self.today
        plan = self._record(
            "support_plan",
            _at(drawn, 13),
            citizen_id=citizen["id"],
            entry_id=entry["id"],
            status=PlanStatus.COMPLETED if done else PlanStatus.OPEN,
            drawn_up_on=drawn,
            completed_on=completed if done else None,
            person_name=_full_name(p.last_name, p.first_name, p.middle_name),
            category=category.label,
            address=p.actual_address,
            phone=p.phone,
            **self.developer,
        )
        entry["plan_formed_on"] = drawn
        if done:
            entry["plan_completed_on"] = completed
        for position, question in enumerate(self.rng.sample(_QUESTIONS, self.rng.randint(1, 3))):
            q = self._record(
                "plan_question",
                _at(drawn, 13),
                plan_id=plan["id"],
                position=position + 1,
                question=question,
                note=None,
            )
            org = self.rng.choice(self.other_orgs)
            when = min(self.cal.add_working_days(drawn, self.rng.randint(1, 10)), self.today)
            self._record(
                "plan_interaction",
                _at(when, 14),
                question_id=q["id"],
                organisation_id=org["id"],
                organisation_name=org["name"],
                organisation_website=org["website"],
                organisation_email=org["email"],
                organisation_location=org["address"],
                organisation_hours=org["hours"],
                specialist_name="Иванова Мария Петровна",
                specialist_position="специалист",
                specialist_contacts=org["phone"],
                interacted_on=when,
                note=None,
            )
        return plan

    def _dispatch(
        self,
        p: FakePerson,
        entry: dict[str, Any],
        route: dict[str, Any],
        plan: dict[str, Any] | None,
        method: DeliveryMethod,
        sent: date,
    ) -> None:
        post = method is DeliveryMethod.POST
        roll = self.rng.random()

        def record(status: DispatchStatus, error: str | None = None) -> None:
            self._record(
                "dispatch",
                _at(sent, 15),
                entry_id=entry["id"],
                route_id=route["id"],
                plan_id=plan["id"] if plan else None,
                document=DispatchDocument.ROUTE_AND_PLAN if plan else DispatchDocument.ROUTE,
                method=method,
                status=status,
                sent_on=sent if status is DispatchStatus.SENT else None,
                addressee=route["representative_name"] or route["citizen_name"],
                address=p.actual_address if post else None,
                postcode=p.postcode if post else None,
                tracking_number=generate_tracking_number(self.rng, "625000", sent.month)
                if post
                else None,
                email=None if post else p.email,
                error=error,
            )

        if post and roll < 0.04:
            record(DispatchStatus.PREPARED)  # envelope printed, not yet at the post office
            return
        if not post and roll < 0.05:
            # The first attempt bounced; the consultant sent it again the same day.
            record(DispatchStatus.FAILED, "Почтовый сервер не принял письмо: ящик переполнен")
        record(DispatchStatus.SENT)
        entry.update(route_sent_on=sent, route_sent_method=method)
        if plan is not None:
            entry["plan_sent_method"] = method

    def _social_services(self, citizen: dict[str, Any], received: date) -> None:
        """An intake (6-р) and a semi-stationary programme (510-п) in some state."""
        rng = self.rng
        applied = min(received + timedelta(days=rng.randint(20, 90)), self.today)
        surveyed = self.cal.add_working_days(applied, rng.randint(1, 3))
        decided = self.cal.add_working_days(applied, rng.randint(3, 6))
        intake = self._record(
            "intake_application",
            _at(applied, 10),
            citizen_id=citizen["id"],
            journal_number=str(rng.randint(1, 999)),
            applied_on=applied,
            basis=ServiceBasis.S3_3,  # 510-п section 3 subsection 3
            technology=Technology.HOME_REHAB,
            decision=ApplicationDecision.GRANTED
            if decided <= self.today
            else ApplicationDecision.PENDING,
            decided_on=decided if decided <= self.today else None,
            refusal_reason=None,
            note=None,
        )
        if surveyed <= self.today:
            # 6-р 5 (second paragraph): no survey act is drawn up for 510-п section 3
            # subsection 3, which home rehabilitation is. The two draws the act's record made
            # (its score, its UUID) are kept, so every seed still makes the same demo.
            rng.randint(6, 16)
            rng.getrandbits(128)
        if decided > self.today:
            return
        starts = self.cal.add_working_days(decided, 5)
        ends = starts + timedelta(days=rng.choice((90, 180)))
        programme = self._record(
            "service_programme",
            _at(decided, 12),
            citizen_id=citizen["id"],
            intake_id=intake["id"],
            number=f"ИППСУ-{rng.randint(1000, 9999)}",
            technology=Technology.HOME_REHAB,
            status=ProgrammeStatus.ACTIVE if ends >= self.today else ProgrammeStatus.FINISHED,
            issued_on=decided,
            starts_on=starts,
            ends_on=ends,
            note=None,
            service_form=ServiceForm.IN_PERSON,
            form_chosen_on=None,
        )
        if starts > self.today:
            return
        course = self._record(
            "course",
            _at(starts, 9),
            programme_id=programme["id"],
            title="Курс реабилитации на дому",
            starts_on=starts,
            ends_on=None,
        )
        day, attended = starts, 0
        while day <= min(self.today, starts + timedelta(days=27)) and attended < 12:
            if self.cal.is_working_day(day) and rng.random() < 0.7:
                self._record("attendance_day", _at(day, 9), course_id=course["id"], day=day)
                attended += 1
            day += timedelta(days=1)

    def _import_batch(self, month: Month) -> None:
        """The month's extract, taken in the first days of the next month (31-р 3.1.1)."""
        due = deadlines.extract_import_due(month)
        if due >= self.today and self.rng.random() < 0.5:
            return  # not taken yet: the dashboard shows it due
        day = self.cal.add_working_days(month.next().first_day, self.rng.randint(0, 4))
        day = min(day, due, self.today)
        file_name = f"Выписка ЕИС СЗН {month}.xlsx"
        self._record(
            "import_batch",
            _at(day, 11),
            file_name=file_name,
            sha256=f"{self.rng.getrandbits(256):064x}",
            imported_at=_at(day, 11, self.rng.randint(0, 59)),
            received_on=day,
            mapping_name=None,
            rows_total=0,
            added=0,
            updated=self.rng.randint(0, 3),
            not_eligible=self.rng.randint(5, 40),
            rejected=self.rng.randint(0, 3),
            problems=None,
        )

    def _report_submissions(self, first: Month) -> None:
        """Half-years already ended have their report sent by the 25th (31-р 5.2)."""
        half = HalfYear.of(first.first_day)
        current = HalfYear.of(self.today)
        while half < current:
            due = deadlines.semiannual_report_due(half)
            if due < self.today or self.rng.random() < 0.5:
                sent = min(due - timedelta(days=self.rng.randint(0, 6)), self.today)
                self._record(
                    "report_submission",
                    _at(sent, 15),
                    period=str(half),
                    submitted_on=sent,
                    file_name=f"Отчёт {half}.xlsx",
                    sha256=f"{self.rng.getrandbits(256):064x}",
                    note=None,
                )
            half = half.next()

    def registry_months(self, conn: Connection, first: Month) -> None:
        """Months before the current one have their registry formed by the 15th (31-р 3.2)."""
        current = Month.of(self.today)
        existing = set(conn.execute(select(models.RegistryMonth.month)).scalars())
        month = first
        while month < current:
            due = deadlines.registry_formation_due(month)
            if str(month) not in existing and (due < self.today or self.rng.random() < 0.5):
                formed = min(due - timedelta(days=self.rng.randint(0, 4)), self.today)
                self._record("registry_month", _at(formed, 10), month=str(month), formed_on=formed)
            self._import_batch(month)
            month = month.next()
        self._report_submissions(first)
        self.flush(conn)
        # Entries from the extract belong to the batch of their reporting month (31-р 3.1.1).
        conn.execute(
            text(
                "UPDATE registry_entry SET import_batch_id = ("
                " SELECT b.id FROM import_batch b"
                " WHERE b.file_name ="
                "  'Выписка ЕИС СЗН ' || registry_entry.reporting_month || '.xlsx')"
                " WHERE source = :source AND import_batch_id IS NULL"
            ),
            {"source": Source.EXTRACT.value},
        )
        conn.execute(
            text(
                "UPDATE import_batch SET"
                " added = (SELECT count(*) FROM registry_entry e"
                "  WHERE e.import_batch_id = import_batch.id),"
                " rows_total = (SELECT count(*) FROM registry_entry e"
                "  WHERE e.import_batch_id = import_batch.id) + not_eligible + rejected"
                " WHERE file_name LIKE 'Выписка ЕИС СЗН %'"
            )
        )
        # A formed registry numbers its entries by the date the data arrived (31-р 3.2).
        conn.execute(
            text(
                "UPDATE registry_entry SET number = ranked.rn FROM ("
                " SELECT e.id, ROW_NUMBER() OVER ("
                "  PARTITION BY e.reporting_month ORDER BY e.identified_on, e.id) AS rn"
                " FROM registry_entry e JOIN registry_month m ON m.month = e.reporting_month"
                " WHERE m.formed_on IS NOT NULL) AS ranked"
                " WHERE registry_entry.id = ranked.id"
            )
        )
