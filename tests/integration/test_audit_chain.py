"""The audit trail is append-only and hash-chained; `ic check` names the first broken event."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from app.cli import EXIT_OK, EXIT_PROBLEMS, main
from app.services import maintenance
from app.services.common import audit, current_user
from db import models
from db.engine import create_db_engine
from db.migrate import alembic_config
from db.session import Database, open_database


def _events(db: Database, count: int) -> None:
    for n in range(count):
        with db.session_factory.begin() as session:
            user = current_user(session)
            audit(session, user, "test.event", "citizen", None, n=n)
            audit(session, user, "test.second", "citizen", None, n=n)


def _tamper(path: Path, *statements: str) -> None:
    # What someone with the sqlite3 shell would do: drop the guard, then edit.
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for statement in statements:
            conn.execute(statement)


def test_events_chain_and_check_passes(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _events(db, 5)
    with db.session_factory() as session:
        rows = session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id)).all()
    assert len(rows) >= 10
    assert rows[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert maintenance.check(db).audit_problem is None
    db.close()
    assert main(["--db", str(db.path), "check"]) == EXIT_OK
    assert "цепочка событий не нарушена" in capsys.readouterr().out


def test_the_database_refuses_to_update_or_delete_an_event(db: Database) -> None:
    _events(db, 1)
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'x' WHERE id = 1"))
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = 1"))


def test_an_edited_event_is_named_by_check(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _events(db, 3)
    db.close()
    _tamper(db.path, "UPDATE audit_event SET details = '{\"n\": 99}' WHERE id = 3")
    assert main(["--db", str(db.path), "check"]) == EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert "событие журнала № 3" in out and "изменено после записи" in out


def test_a_deleted_event_is_named_by_check(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _events(db, 3)
    db.close()
    _tamper(db.path, "DELETE FROM audit_event WHERE id = 4")
    assert main(["--db", str(db.path), "check"]) == EXIT_PROBLEMS
    assert "перед событием № 5 удалено событий: 1" in capsys.readouterr().out


def test_a_deleted_event_with_renumbered_ids_breaks_the_link(db: Database) -> None:
    _events(db, 3)
    db.close()
    _tamper(
        db.path,
        "DELETE FROM audit_event WHERE id = 4",
        "UPDATE audit_event SET id = id - 1 WHERE id > 4",
    )
    reopened = open_database(db.path)
    problem = maintenance.check(reopened).audit_problem
    reopened.close()
    assert problem is not None and "№ 4" in problem and "не продолжает цепочку" in problem


def test_events_written_before_the_chain_are_chained_by_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = create_db_engine(path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text(
                "INSERT INTO app_user (id, uuid, full_name, active, created_at, updated_at)"
                " VALUES (1, '0123456789abcdef0123456789abcdef', 'Петрова А. А.', 1,"
                " '2026-01-05 04:00:00.000000', '2026-01-05 04:00:00.000000')"
            )
        )
        for n in range(1, 4):
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, uuid, at, action, details, created_by_id,"
                    " created_at, updated_at) VALUES (:id, :uuid, '2026-01-05 04:00:00.000000',"
                    " 'import', '{}', 1, '2026-01-05 04:00:00.000000',"
                    " '2026-01-05 04:00:00.000000')"
                ),
                {"id": n, "uuid": f"{n:032x}"},
            )
    engine.dispose()
    database = open_database(path)
    try:
        assert maintenance.check(database).audit_problem is None
        with database.session_factory() as session:
            user = session.get(models.User, 1)
            assert user is not None and user.role.value == "SUPERVISOR"
        with database.session_factory.begin() as session:
            audit(session, current_user(session), "after.upgrade")
        assert maintenance.check(database).audit_problem is None
    finally:
        database.close()
