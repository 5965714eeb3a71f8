"""Generated demo data: read back through the ORM, deterministic, every state present."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select

from app.demo.generator import DemoSummary, generate_demo
from app.domain import deadlines as rules
from app.domain.eligibility import EligibilityFacts, assess
from app.domain.enums import (
    CallOutcome,
    DisabilityGroup,
    DispatchStatus,
    DocumentStatus,
    PlanStatus,
    Source,
)
from app.domain.periods import Month
from app.domain.snils import is_valid_snils
from app.reference import district_names
from db import models
from db.session import Database, open_database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

TODAY = date(2026, 11, 23)
CITIZENS = 1500


@contextmanager
def _server_database(server: str) -> Iterator[str]:
    """The URL of a new, empty database on the PostgreSQL server of ``server``, dropped after."""
    import psycopg

    name = f"ic_demo_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(server).set(drivername="postgresql")
    admin = admin_url.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, DemoSummary]]:
    """The demo in a SQLite file, then in a PostgreSQL server database (issue #15)."""
    with ExitStack() as stack:
        if request.param == "postgresql":
            target: Path | str = stack.enter_context(
                _server_database(request.getfixturevalue("postgres_url"))
            )
        else:
            target = tmp_path_factory.mktemp("demo") / "demo.sqlite"
        database = open_database(target)
        stack.callback(database.close)
        summary = generate_demo(database, CITIZENS, seed=11, today=TODAY)
        yield database, summary


def test_every_row_of_every_table_reads_back_through_the_orm(
    demo_db: tuple[Database, DemoSummary],
) -> None:
    db, _ = demo_db
    with db.session_factory() as session:
        for mapper in models.Base.registry.mappers:
            cls = mapper.class_
            rows = session.scalars(select(cls)).all()
            for row in rows[:200]:
                assert isinstance(row.uuid, uuid.UUID), cls
                assert isinstance(row.created_at, datetime), cls
                assert row.created_at.tzinfo is not None, cls
                assert row.created_at.date() <= TODAY, cls


def test_summary_matches_the_tables(demo_db: tuple[Database, DemoSummary]) -> None:
    db, summary = demo_db
    with db.session_factory() as session:

        def count(model: type[models.Base]) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        assert count(models.Citizen) == summary.citizens == CITIZENS
        assert count(models.RegistryEntry) == summary.registry_entries
        assert count(models.CallAttempt) == summary.calls
        assert count(models.Route) == summary.routes
        assert count(models.SupportPlan) == summary.plans
        assert count(models.Dispatch) == summary.dispatches
        assert summary.citizens == summary.registry_entries + summary.not_eligible


def test_people_are_plausible(demo_db: tuple[Database, DemoSummary]) -> None:
    db, _ = demo_db
    known_districts = set(district_names())
    with db.session_factory() as session:
        citizens = session.scalars(select(models.Citizen)).all()
        assert all(c.snils and is_valid_snils(c.snils) for c in citizens)
        assert len({c.snils for c in citizens}) == len(citizens)
        assert {c.district for c in citizens} <= known_districts
        groups = Counter(session.scalars(select(models.DisabilityAssessment.disability_group)))
        children = groups[DisabilityGroup.CHILD] / CITIZENS
        assert 0.10 < children < 0.20  # ~15 % children
        assert session.scalar(select(func.count()).select_from(models.Representative)) > 0
        veterans = session.scalar(
            select(func.count()).where(models.DisabilityAssessment.veteran_svo.is_(True))
        )
        assert veterans and veterans > 0


def test_registry_entries_agree_with_the_eligibility_rule_31r_2_1(
    demo_db: tuple[Database, DemoSummary],
) -> None:
    db, summary = demo_db
    assert 0 < summary.not_eligible < CITIZENS / 2  # most but not all are eligible
    with db.session_factory() as session:
        rows = session.execute(
            select(models.DisabilityAssessment, models.RegistryEntry.id).outerjoin(
                models.RegistryEntry,
                models.RegistryEntry.assessment_id == models.DisabilityAssessment.id,
            )
        ).all()
        for assessment, entry_id in rows:
            verdict = assess(
                EligibilityFacts(
                    group=assessment.disability_group,
                    first_time=assessment.first_time,
                    selfcare_degree=assessment.selfcare_degree,
                    movement_degree=assessment.movement_degree,
                    behaviour_degree=assessment.behaviour_degree,
                    mental_disorder=assessment.mental_disorder,
                    stationary=assessment.stationary,
                )
            )
            assert verdict.eligible == (entry_id is not None)


def test_every_state_is_present(demo_db: tuple[Database, DemoSummary]) -> None:
    db, _ = demo_db
    with db.session_factory() as session:
        sources = set(session.scalars(select(models.RegistryEntry.source)))
        outcomes = set(session.scalars(select(models.CallAttempt.outcome)))
        route_states = set(session.scalars(select(models.Route.status)))
        plan_states = set(session.scalars(select(models.SupportPlan.status)))
        dispatch_states = set(session.scalars(select(models.Dispatch.status)))
    assert sources == set(Source)
    assert {CallOutcome.REACHED, CallOutcome.NO_ANSWER, CallOutcome.CALL_BACK} <= outcomes
    assert route_states >= {DocumentStatus.DRAFT, DocumentStatus.ISSUED}
    assert len(plan_states) >= 2 and plan_states <= set(PlanStatus)
    assert len(dispatch_states) >= 2 and dispatch_states <= set(DispatchStatus)


def test_formed_registries_are_numbered_by_identification_date_31r_3_2(
    demo_db: tuple[Database, DemoSummary],
) -> None:
    db, _ = demo_db
    with db.session_factory() as session:
        months = session.scalars(
            select(models.RegistryMonth).where(models.RegistryMonth.formed_on.is_not(None))
        ).all()
        assert months
        for month in months:
            assert month.formed_on is not None
            assert month.formed_on <= rules.registry_formation_due(Month.parse(month.month))
            entries = session.scalars(
                select(models.RegistryEntry)
                .where(models.RegistryEntry.reporting_month == month.month)
                .order_by(models.RegistryEntry.number)
            ).all()
            assert [e.number for e in entries] == list(range(1, len(entries) + 1))
            days = [e.identified_on for e in entries]
            assert days == sorted(days)
        current = str(Month.of(TODAY))
        unnumbered = session.scalars(
            select(models.RegistryEntry.number).where(
                models.RegistryEntry.reporting_month == current
            )
        ).all()
        assert unnumbered and all(n is None for n in unnumbered)


def test_extract_entries_belong_to_their_months_import_31r_3_1_1(
    demo_db: tuple[Database, DemoSummary],
) -> None:
    db, _ = demo_db
    with db.session_factory() as session:
        batches = session.scalars(select(models.ImportBatch)).all()
        assert batches
        for batch in batches:
            linked = session.scalars(
                select(models.RegistryEntry).where(models.RegistryEntry.import_batch_id == batch.id)
            ).all()
            assert batch.added == len(linked)
            assert batch.rows_total >= batch.added
            assert all(e.source is Source.EXTRACT for e in linked)
            month = Month.parse(linked[0].reporting_month)
            assert batch.imported_at.date() <= rules.extract_import_due(month)
        foreign = session.scalar(
            select(func.count()).where(
                models.RegistryEntry.source != Source.EXTRACT,
                models.RegistryEntry.import_batch_id.is_not(None),
            )
        )
        assert foreign == 0


def test_same_seed_same_people_and_a_second_run_adds_more(tmp_path: Path) -> None:
    def people(db: Database) -> list[tuple[str, str, date]]:
        with db.session_factory() as session:
            return [
                (c.snils or "", c.last_name, c.birth_date)
                for c in session.scalars(select(models.Citizen).order_by(models.Citizen.id))
            ]

    first = open_database(tmp_path / "a.sqlite")
    second = open_database(tmp_path / "b.sqlite")
    try:
        generate_demo(first, 120, seed=5, today=TODAY)
        generate_demo(second, 120, seed=5, today=TODAY)
        assert people(first) == people(second)
        generate_demo(first, 50, seed=6, today=TODAY)
        assert len(people(first)) == 170
    finally:
        first.close()
        second.close()


def test_the_same_seed_writes_the_same_rows_on_sqlite_and_on_a_server(
    tmp_path: Path, postgres_url: str
) -> None:
    """`ic demo` on PostgreSQL: the same people, entries and numbers as in a SQLite file."""

    def rows(db: Database) -> list[tuple[object, ...]]:
        e, c = models.RegistryEntry, models.Citizen
        with db.session_factory() as session:
            return [
                tuple(r)
                for r in session.execute(
                    select(c.uuid, c.snils, c.last_name, c.birth_date, e.uuid, e.number)
                    .join(e, e.citizen_id == c.id, isouter=True)
                    .order_by(c.id, e.id)
                )
            ]

    with _server_database(postgres_url) as url:
        on_file, on_server = open_database(tmp_path / "a.sqlite"), open_database(url)
        try:
            assert generate_demo(on_file, 120, seed=5, today=TODAY) == generate_demo(
                on_server, 120, seed=5, today=TODAY
            )
            assert rows(on_file) == rows(on_server)
        finally:
            on_file.close()
            on_server.close()
