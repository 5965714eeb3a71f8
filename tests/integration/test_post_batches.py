"""Post batches kept across days (issue #12): migration 0004, batches, ШПИ, form 103."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from alembic import command

from app.demo.generator import generate_demo
from db.engine import create_db_engine
from db.migrate import alembic_config
from db.session import Database, open_database

TODAY = date(2026, 11, 23)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def test_a_database_at_0003_with_dispatches_upgrades_to_0004_keeping_them(
    db: Database, tmp_path: Path
) -> None:
    """Migration 0004 rebuilds ``dispatch`` in batch mode to add its batch: every row of
    every table of a 0003 file (a whole demo, copied column by column) is there after the
    upgrade, each dispatch as it was, in no batch, and the foreign keys hold."""
    generate_demo(db, 60, seed=7, today=TODAY)
    db.close()
    old = tmp_path / "old.sqlite"
    engine = create_db_engine(old)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    engine.dispose()
    with sqlite3.connect(old) as conn:
        conn.execute("ATTACH DATABASE ? AS demo", (str(db.path),))
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('alembic_version', 'sqlite_sequence')"
            )
        ]
        assert "post_batch" not in tables and "dispatch" in tables
        for table in tables:
            names = ", ".join(f'"{c}"' for c in _columns(conn, table))
            conn.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM demo."{table}"')
        old_columns = ", ".join(f'"{c}"' for c in _columns(conn, "dispatch"))
        before = conn.execute(f"SELECT {old_columns} FROM dispatch ORDER BY id").fetchall()
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        conn.commit()
        conn.execute("DETACH DATABASE demo")
    assert len(before) > 20 and counts["registry_entry"] > 0

    upgraded = open_database(old)  # 0003 -> head
    try:
        with upgraded.engine.connect() as conn:
            after = conn.exec_driver_sql(f"SELECT {old_columns} FROM dispatch ORDER BY id").all()
            batches = conn.exec_driver_sql(
                "SELECT count(*) FROM dispatch WHERE post_batch_id IS NOT NULL "
                "OR batch_position IS NOT NULL"
            ).scalar_one()
            for table, count in counts.items():
                assert conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar() == count
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("SELECT count(*) FROM post_batch").scalar_one() == 0
            indexes = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list('dispatch')")}
        assert [tuple(r) for r in after] == before
        assert batches == 0
        assert {"ix_dispatch_post_batch_id", "ix_dispatch_status_sent"} <= indexes
    finally:
        upgraded.close()
