"""db/dialect.py: each function that hides where SQLite and PostgreSQL differ, run on both
(issue #15); without IC_TEST_POSTGRES_URL the [postgresql] cases are skipped."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, Table, Text, func, insert, select

from db.dialect import estimated_rows, execute_driver, json_text, month_text
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
