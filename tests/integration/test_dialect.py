"""db/dialect.py: each function that hides where SQLite and PostgreSQL differ, run on both
(issue #15); without IC_TEST_POSTGRES_URL the [postgresql] cases are skipped."""

from __future__ import annotations

import json
import threading
import time
from datetime import date

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, Table, Text, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from db.dialect import (
    estimated_rows,
    execute_driver,
    is_conflict,
    json_text,
    month_text,
    retried_on_conflict,
)
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)


def _scratch(db: Database) -> Table:
    """A table of this test only (created and dropped in the test)."""
    table = Table(
        "scratch_dialect",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("data", Text),
        Column("day", Date),
    )
    table.metadata.drop_all(db.engine)
    table.metadata.create_all(db.engine)
    return table


def test_json_text_month_text_and_driver_sql_answer_alike(any_db: Database) -> None:
    table = _scratch(any_db)
    rows = [
        {"id": 1, "data": json.dumps({"who": "Ёлкина", "n": 3}), "day": date(2025, 6, 30)},
        {"id": 2, "data": json.dumps({"who": "Ёлкина"}), "day": date(2025, 7, 1)},
        {"id": 3, "data": json.dumps({"other": 1}), "day": date(2025, 7, 31)},
    ]
    try:
        with any_db.engine.begin() as conn:
            conn.execute(insert(table), rows)
            who = json_text(table.c.data, "who")
            grouped = conn.execute(
                select(who, func.count()).group_by(who).order_by(func.count())
            ).all()
            assert [tuple(r) for r in grouped] == [(None, 1), ("Ёлкина", 2)]
            assert (
                conn.execute(
                    select(json_text(table.c.data, "n")).where(table.c.id == 1)
                ).scalar_one()
                == "3"
            )
            months = conn.execute(
                select(month_text(table.c.day), func.count())
                .group_by(month_text(table.c.day))
                .order_by(month_text(table.c.day))
            ).all()
            assert [tuple(r) for r in months] == [("2025-06", 1), ("2025-07", 2)]
            found = execute_driver(
                conn, "SELECT id FROM scratch_dialect WHERE id > ? ORDER BY id", (1,)
            ).all()
            assert [r[0] for r in found] == [2, 3]
    finally:
        table.metadata.drop_all(any_db.engine)


def test_a_json_key_that_is_not_a_plain_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a JSON key"):
        json_text(Column("data", Text), "a'; DROP TABLE citizen; --")


def test_estimated_rows_from_the_server_statistics_none_on_sqlite(any_db: Database) -> None:
    """The planner's estimate the registry grid asks before walking the newest entries:
    on the server, after ANALYZE, close to the truth for a common and a rare value."""
    table = _scratch(any_db)
    rows = [{"id": i, "data": "иванова" if i % 10 == 0 else "петрова"} for i in range(1, 2001)]
    try:
        with any_db.engine.begin() as conn:
            conn.execute(insert(table), rows)
        with any_db.engine.connect() as conn:
            common = select(table.c.id).where(table.c.data.contains("петр"))
            rare = select(table.c.id).where(table.c.data.contains("иван"))
            if any_db.engine.dialect.name == "sqlite":
                assert estimated_rows(conn, common) is None
                return
            conn.exec_driver_sql("ANALYZE scratch_dialect")
            everyone = estimated_rows(conn, select(table.c.id))
            assert everyone == pytest.approx(2000, rel=0.1)
            assert estimated_rows(conn, common) == pytest.approx(1800, rel=0.2)
            assert estimated_rows(conn, rare) == pytest.approx(200, rel=0.5)
    finally:
        table.metadata.drop_all(any_db.engine)


def test_a_unit_the_server_refuses_for_a_deadlock_runs_again(postgres_db: Database) -> None:
    """Two real transactions each wait for the other's row; PostgreSQL breaks the deadlock by
    refusing the one that waited first (here ``second``'s first attempt). It runs again once
    the other has committed, and both units' changes are kept."""
    table = _scratch(postgres_db)
    try:
        with postgres_db.engine.begin() as conn:
            conn.execute(insert(table), [{"id": 1, "data": "a"}, {"id": 2, "data": "b"}])
        holds_1 = threading.Event()
        second_waits = threading.Event()
        attempts: list[int] = []
        committed: list[str] = []

        def first() -> None:
            with postgres_db.engine.begin() as conn:
                # The server looks for a deadlock once per wait, after deadlock_timeout: first
                # looks late, second (waiting first, 1 s) finds the cycle and is refused.
                conn.exec_driver_sql("SET LOCAL deadlock_timeout = '10s'")
                conn.execute(update(table).where(table.c.id == 1).values(data="first"))
                holds_1.set()
                second_waits.wait(10)
                time.sleep(0.3)  # second is waiting for row 1 by now
                conn.execute(update(table).where(table.c.id == 2).values(data="first"))
            committed.append("first")

        def second() -> None:
            attempts.append(len(attempts) + 1)
            with postgres_db.engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL deadlock_timeout = '1s'")
                conn.execute(update(table).where(table.c.id == 2).values(data="second"))
                if len(attempts) == 1:
                    holds_1.wait(10)
                    second_waits.set()
                conn.execute(update(table).where(table.c.id == 1).values(data="second"))

        other = threading.Thread(target=first)
        other.start()
        holds_1.wait(10)
        retried_on_conflict(second)
        other.join(30)
        assert attempts == [1, 2] and committed == ["first"]
        with postgres_db.engine.connect() as conn:
            rows = dict(conn.execute(select(table.c.id, table.c.data)).all())
        assert rows == {1: "second", 2: "second"}  # second ran again after first committed
    finally:
        table.metadata.drop_all(postgres_db.engine)


def test_only_a_conflict_is_run_again(any_db: Database) -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        with any_db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT * FROM no_such_table")

    with pytest.raises(DBAPIError) as raised:
        retried_on_conflict(broken)
    assert calls == [1] and not is_conflict(raised.value)
