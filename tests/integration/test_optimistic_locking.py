"""Two consultants on one person (issue #15): optimistic locking of the card, the route
draft and the support plan, on SQLite and PostgreSQL.

Two windows are two service calls with their own sessions; the second consultant is a
real account (``access.as_user``), so "who" is read from the database as the program
reads it. Expected messages are written out in full.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.documents.plan_form import QuestionForm
from app.domain.enums import (
    DisabilityGroup,
    DocumentStatus,
    MeasureKind,
    RepresentativeKind,
    Sex,
    Source,
    UserRole,
)
from app.domain.snils import generate_snils
from app.errors import StaleEditError
from app.services import citizens, plans, routes
from app.services.access import as_user
from app.services.citizens import CitizenForm, FamilyMemberForm
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL

TODAY = date(2026, 12, 3)
# 14:05 in Tyumen (UTC+5), when the other consultant saves.
AT_14_05 = datetime(2026, 12, 3, 9, 5, tzinfo=UTC)
TAIL = "Ваши изменения не сохранены — обновите {} и внесите их снова."
PERSON = CitizenForm(
    last_name="Фёдоров",
    first_name="Артём",
    middle_name="Ильич",
    birth_date="14.03.2015",
    sex=Sex.MALE,
    snils="112-233-445 95",
    actual_address="625000, г. Тюмень, ул. Мельникайте, д. 10, кв. 5",
    district="г. Тюмень",
    phone="+79123456789",
    rep_kind=RepresentativeKind.PARENT,
    rep_last_name="Фёдорова",
    rep_first_name="Нина",
    rep_middle_name="Павловна",
    rep_phone="+73452123456",
    group=DisabilityGroup.CHILD,
    established_on="02.11.2026",
    first_time=True,
    measures=(MeasureKind.MEDICAL,),
)


@pytest.fixture(autouse=True)
def _at_14_05(db: Database) -> Iterator[None]:
    # After ``db``: setting up the server's database puts the suite's clock back.
    clock.set_clock(clock.frozen_at(AT_14_05))
    yield


@pytest.fixture
def other(db: Database) -> Database:
    """The same database as a second consultant, Смирнова Ольга Викторовна."""
    with db.session_factory.begin() as session:
        user = models.User(
            full_name="Смирнова Ольга Викторовна", login="smirnova", role=UserRole.CONSULTANT
        )
        session.add(user)
        session.flush()
        user_id = user.id
    return as_user(db, user_id, UserRole.CONSULTANT)


def _person(db: Database) -> tuple[int, int]:
    result = citizens.save_citizen(
        db, PERSON, source=Source.WALK_IN, identified_on=date(2026, 11, 10), today=TODAY
    )
    assert result.entry_id is not None
    return result.citizen_id, result.entry_id


def _version(db: Database, model: type[models.Base], record_id: int) -> int:
    with db.session_factory() as session:
        table = model.__table__
        return int(session.execute(select(table.c.row_version).where(table.c.id == record_id))
                   .scalar_one())  # fmt: skip


def _audit_count(db: Database) -> int:
    with db.session_factory() as session:
        return int(session.scalar(select(func.count(models.AuditEvent.id))) or 0)


# -- the card -----------------------------------------------------------------------------


def test_two_windows_on_one_card_the_second_save_is_refused_with_who_what_when(
    db: Database, other: Database
) -> None:
    citizen_id, _ = _person(db)
    mine = citizens.load_card(db, citizen_id)
    theirs = citizens.load_card(other, citizen_id)
    assert mine.row_version == theirs.row_version == 1

    saved = citizens.save_citizen(
        other,
        dataclasses.replace(
            theirs.form, phone="+7 912 000-11-22", actual_address="г. Тюмень, ул. Новая, д. 1"
        ),
        citizen_id,
        today=TODAY,
        loaded=theirs,
    )
    assert saved.row_version == 2
    events = _audit_count(db)

    with pytest.raises(StaleEditError) as refused:
        citizens.save_citizen(
            db,
            dataclasses.replace(mine.form, note="Просит перезвонить вечером", phone=""),
            citizen_id,
            today=TODAY,
            loaded=mine,
        )

    assert str(refused.value) == (
        "Карточку уже изменил(а) Смирнова О. В. 03.12.2026 в 14:05: адрес проживания, "
        "телефон. " + TAIL.format("карточку")
    )
    assert refused.value.who == "Смирнова О. В."
    assert refused.value.when == "03.12.2026 в 14:05"
    assert refused.value.fields == ("адрес проживания", "телефон")
    # Nothing of the refused save was written: the other consultant's values stand.
    now = citizens.load_card(db, citizen_id)
    assert now.form.phone == "+79120001122"
    assert now.form.actual_address == "г. Тюмень, ул. Новая, д. 1"
    assert now.form.note == ""
    assert now.row_version == 2
    assert _audit_count(db) == events


def test_the_card_saved_again_after_a_refresh_goes_through(db: Database, other: Database) -> None:
    citizen_id, _ = _person(db)
    mine = citizens.load_card(db, citizen_id)
    theirs = citizens.load_card(other, citizen_id)
    citizens.save_citizen(
        other, dataclasses.replace(theirs.form, email="a@b.ru"), citizen_id, loaded=theirs
    )
    with pytest.raises(StaleEditError):
        citizens.save_citizen(db, mine.form, citizen_id, loaded=mine)

    fresh = citizens.load_card(db, citizen_id)
    result = citizens.save_citizen(
        db, dataclasses.replace(fresh.form, note="Дозвонились"), citizen_id, loaded=fresh
    )

    assert result.row_version == 3
    stored = citizens.load_card(db, citizen_id).form
    assert (stored.email, stored.note) == ("a@b.ru", "Дозвонились")


def test_a_change_of_the_representative_family_or_ipra_alone_is_named_too(
    db: Database, other: Database
) -> None:
    citizen_id, _ = _person(db)
    mine = citizens.load_card(db, citizen_id)
    theirs = citizens.load_card(other, citizen_id)
    citizens.save_citizen(
        other,
        dataclasses.replace(
            theirs.form,
            rep_phone="+73452999999",
            family=(FamilyMemberForm("мать", "Фёдорова", "Нина"),),
            measures=(MeasureKind.MEDICAL, MeasureKind.SOCIAL),
        ),
        citizen_id,
        loaded=theirs,
    )

    with pytest.raises(StaleEditError) as refused:
        citizens.save_citizen(db, mine.form, citizen_id, loaded=mine)

    assert refused.value.fields == ("телефон представителя", "мероприятия ИПРА", "члены семьи")


def test_versions_go_up_by_exactly_one_per_save(db: Database) -> None:
    citizen_id, _ = _person(db)
    assert _version(db, models.Citizen, citizen_id) == 1
    steps = (
        lambda f: f,  # saved as it is
        lambda f: dataclasses.replace(f, phone="+79120000000"),  # the row itself
        lambda f: dataclasses.replace(f, rep_phone="+73450000000"),  # the representative only
        lambda f: dataclasses.replace(f, measures=(MeasureKind.SOCIAL,)),  # the IPRA only
        lambda f: dataclasses.replace(f, family=(FamilyMemberForm("отец", "Фёдоров", "Илья"),)),
    )
    for number, step in enumerate(steps, start=2):
        card = citizens.load_card(db, citizen_id)
        result = citizens.save_citizen(db, step(card.form), citizen_id, loaded=card)
        assert result.row_version == number
        assert _version(db, models.Citizen, citizen_id) == number


def test_a_save_without_the_loaded_card_still_bumps_the_version(db: Database) -> None:
    # The command line and older callers pass no card: no check, but the version moves on,
    # so a window that loaded the card before is refused.
    citizen_id, _ = _person(db)
    card = citizens.load_card(db, citizen_id)
    citizens.save_citizen(db, dataclasses.replace(card.form, email="x@y.ru"), citizen_id)
    with pytest.raises(StaleEditError, match="электронная почта"):
        citizens.save_citizen(db, card.form, citizen_id, loaded=card)


def test_an_update_written_in_sql_bumps_the_version_and_refuses_the_stale_card(
    db: Database,
) -> None:
    """The extract import updates people with executemany, not the ORM: the table's
    trigger moves the version on all the same."""
    citizen_id, _ = _person(db)
    card = citizens.load_card(db, citizen_id)
    table = models.Citizen.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == citizen_id).values(phone="+79995554433"))
    assert _version(db, models.Citizen, citizen_id) == 2
    with pytest.raises(StaleEditError) as refused:
        citizens.save_citizen(db, card.form, citizen_id, loaded=card)
    assert refused.value.fields == ("телефон",)
    assert citizens.load_card(db, citizen_id).form.phone == "+79995554433"


def test_a_row_inserted_naming_no_version_or_null_is_at_version_1(db: Database) -> None:
    # The demo's bulk insert names every column, NULL for one it does not fill.
    table = models.Citizen.__table__
    with db.engine.begin() as conn:
        for name, version in (("а", None), ("б", 7)):
            conn.execute(
                table.insert().values(
                    last_name=name, first_name=name, search_name=name, row_version=version,
                    uuid=uuid.uuid4(), created_at=AT_14_05, updated_at=AT_14_05,
                )
            )  # fmt: skip
        rows = conn.execute(
            select(table.c.last_name, table.c.row_version).where(table.c.last_name.in_(["а", "б"]))
        ).all()
    assert sorted(tuple(r) for r in rows) == [("а", 1), ("б", 7)]


def test_an_orm_update_of_a_row_read_before_another_save_is_refused(
    db: Database, other: Database
) -> None:
    """Two saves racing past the service's check: the second UPDATE finds no row at the
    version it read (version_id_col), so it cannot overwrite."""
    citizen_id, _ = _person(db)
    with db.session_factory() as session:
        early = session.get(models.Citizen, citizen_id)
        assert early is not None and early.row_version == 1
        session.commit()  # read in one transaction, written in the next (as a form does)
        card = citizens.load_card(other, citizen_id)
        citizens.save_citizen(
            other, dataclasses.replace(card.form, phone="+79120001122"), citizen_id, loaded=card
        )
        early.phone = "+79000000000"
        with pytest.raises(StaleDataError):
            session.flush()
        session.rollback()
    assert citizens.load_card(db, citizen_id).form.phone == "+79120001122"


# -- the route draft ----------------------------------------------------------------------


def _with_service(draft: routes.RouteDraft, row: int, service: str) -> routes.RouteDraft:
    lines = list(draft.lines)
    lines[row] = dataclasses.replace(lines[row], service_name=service)
    return dataclasses.replace(draft, lines=tuple(lines))


def test_a_stale_route_draft_is_refused_and_the_other_draft_kept(
    db: Database, other: Database
) -> None:
    citizen_id, entry_id = _person(db)
    proposal = routes.propose_route(db, entry_id)
    first = routes.save_route(db, proposal, TODAY, loaded=proposal)
    assert first.route_id is not None and first.row_version == 1

    mine = routes.current_route(db, citizen_id)
    theirs = routes.current_route(other, citizen_id)
    assert mine is not None and theirs is not None
    saved = routes.save_route(
        other, _with_service(theirs, 0, "Консультация невролога"), TODAY, loaded=theirs
    )
    assert saved.row_version == 2 and saved.route_id == first.route_id

    with pytest.raises(StaleEditError) as refused:
        routes.save_route(db, _with_service(mine, 3, "Клуб общения"), TODAY, loaded=mine)

    assert str(refused.value) == (
        "Маршрут уже изменил(а) Смирнова О. В. 03.12.2026 в 14:05: строка 1. "
        + TAIL.format("маршрут")
    )
    stored = routes.current_route(db, citizen_id)
    assert stored is not None and stored.row_version == 2
    assert stored.lines[0].service_name == "Консультация невролога"
    assert stored.lines[3].service_name != "Клуб общения"


def test_a_draft_started_by_someone_else_is_not_replaced_by_a_fresh_proposal(
    db: Database, other: Database
) -> None:
    _, entry_id = _person(db)
    mine = routes.propose_route(db, entry_id)
    theirs = routes.propose_route(other, entry_id)
    made = routes.save_route(other, _with_service(theirs, 1, "Занятия с психологом"), TODAY,
                             loaded=theirs)  # fmt: skip

    with pytest.raises(StaleEditError) as refused:
        routes.save_route(db, mine, TODAY, loaded=mine)

    assert refused.value.fields[0] == "составлен черновик"
    assert "строка 2" in refused.value.fields
    stored = routes.current_route(db, made.citizen_id)
    assert stored is not None and stored.lines[1].service_name == "Занятия с психологом"


def test_route_versions_go_up_by_exactly_one_per_save(db: Database) -> None:
    citizen_id, entry_id = _person(db)
    draft = routes.save_route(db, routes.propose_route(db, entry_id), TODAY)
    assert draft.row_version == 1
    for number in (2, 3, 4):
        draft = routes.save_route(
            db, _with_service(draft, 0, f"Услуга {number}"), TODAY, loaded=draft
        )
        assert draft.row_version == number
        assert _version(db, models.Route, draft.route_id or 0) == number


# -- the support plan ---------------------------------------------------------------------


def test_a_stale_plan_save_is_refused_and_the_other_plan_kept(
    db: Database, other: Database
) -> None:
    citizen_id, entry_id = _person(db)
    start = plans.start_plan(db, entry_id, TODAY)
    first = plans.save_stored_plan(
        db, dataclasses.replace(start, questions=(QuestionForm("Путёвка в санаторий"),)),
        None, TODAY,
    )  # fmt: skip
    assert first.row_version == 1

    mine = plans.current_stored_plan(db, citizen_id)
    theirs = plans.current_stored_plan(other, citizen_id)
    assert mine is not None and theirs is not None
    form = dataclasses.replace(
        theirs.form, questions=(*theirs.form.questions, QuestionForm("Оформление ТСР"))
    )
    saved = plans.save_stored_plan(other, form, theirs.plan_id, TODAY, loaded=theirs)
    assert saved.row_version == 2

    with pytest.raises(StaleEditError) as refused:
        plans.save_stored_plan(
            db,
            dataclasses.replace(mine.form, completed_on="03.12.2026"),
            mine.plan_id,
            TODAY,
            loaded=mine,
        )

    assert str(refused.value) == (
        "План уже изменил(а) Смирнова О. В. 03.12.2026 в 14:05: вопросы. " + TAIL.format("план")
    )
    stored = plans.current_stored_plan(db, citizen_id)
    assert stored is not None and stored.row_version == 2
    assert [q.question for q in stored.form.questions] == [
        "Путёвка в санаторий",
        "Оформление ТСР",
    ]
    assert stored.form.completed_on == ""


def test_plan_versions_go_up_by_exactly_one_per_save(db: Database) -> None:
    _, entry_id = _person(db)
    start = plans.start_plan(db, entry_id, TODAY)
    form = dataclasses.replace(start, questions=(QuestionForm("Вопрос 1"),))
    stored = plans.save_stored_plan(db, form, None, TODAY)
    assert stored.row_version == 1
    for number in (2, 3):
        form = dataclasses.replace(
            stored.form, questions=(*stored.form.questions, QuestionForm(f"Вопрос {number}"))
        )
        stored = plans.save_stored_plan(db, form, stored.plan_id, TODAY, loaded=stored)
        assert stored.row_version == number
        assert _version(db, models.SupportPlan, stored.plan_id or 0) == number


# -- the schema ---------------------------------------------------------------------------


def test_the_versioned_tables_have_their_triggers(db: Database) -> None:
    """A later migration that rebuilds one of these tables in SQLite's batch mode loses its
    trigger: it must make it again (migration 0008)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            names = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).scalars()
        else:
            names = conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            ).scalars()
        found = set(names)
    assert {"citizen_row_version", "route_row_version", "support_plan_row_version"} <= found


ROUNDS = 6


def test_two_fresh_route_drafts_saved_at_the_same_instant_one_is_kept(
    db: Database, other: Database, at_once: Callable[..., list[Any]]
) -> None:
    """Two consultants save a fresh route of one person at the same instant, ROUNDS times
    over: each time one draft is kept and the other save is refused, never two drafts (the
    route table's lock comes before the check)."""
    rng = random.Random(15)
    for round_ in range(ROUNDS):
        form = dataclasses.replace(PERSON, snils=generate_snils(rng), last_name=f"Фёдоров{round_}")
        result = citizens.save_citizen(
            db, form, source=Source.WALK_IN, identified_on=date(2026, 11, 10), today=TODAY
        )
        assert result.entry_id is not None
        # Both open the person's route (no draft yet) and press «Сохранить» at one instant.
        proposals = [(who, routes.propose_route(who, result.entry_id)) for who in (db, other)]
        outcomes = at_once(
            *(lambda w=w, p=p: routes.save_route(w, p, TODAY, loaded=p) for w, p in proposals)
        )
        saved = [o.route_id for o in outcomes if isinstance(o, routes.RouteDraft)]
        refused = [o for o in outcomes if isinstance(o, StaleEditError)]
        assert len(saved) == 1 and len(refused) == 1, (round_, outcomes)
        with db.session_factory() as session:
            drafts = session.scalars(
                select(models.Route.id).where(
                    models.Route.citizen_id == result.citizen_id,
                    models.Route.status == DocumentStatus.DRAFT,
                )
            ).all()
        assert list(drafts) == saved
