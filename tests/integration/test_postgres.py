"""The database on a PostgreSQL server (issue #15): opening, migrations, refusals.

The tests that need a server take ``postgres_url`` (tests/conftest.py): without
IC_TEST_POSTGRES_URL they are skipped; .ci/run starts a throw-away server and sets it.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from app.errors import DatabaseError, NotOurDatabaseError
from db.migrate import head_revision
from db.models import SERVER_ONLY_INDEXES, AuditEvent, Base, compared_by_autogenerate
from db.server import display_url, is_server_url, keyring_account, parse_url
from db.session import Database, open_database

pytestmark = pytest.mark.db


def test_a_url_selects_the_server_and_a_path_keeps_sqlite() -> None:
    assert is_server_url("postgresql://petrova@server/ic")
    assert is_server_url("postgres://petrova@server:5433/ic?sslmode=verify-full")
    assert not is_server_url("ic.sqlite")
    assert not is_server_url("C:/Users/petrova/postgresql.sqlite")
    url = parse_url("postgresql://petrova:секрет@server:5433/ic?sslmode=verify-full")
    assert url.drivername == "postgresql+psycopg"
    assert url.query["sslmode"] == "verify-full"  # TLS options reach libpq unchanged
    assert display_url(url) == "postgresql://petrova@server:5433/ic"  # no password shown
    assert keyring_account(parse_url("postgresql://petrova@server/ic")) == "petrova@server:5432/ic"


def test_a_url_without_host_or_database_is_refused_in_one_line() -> None:
    with pytest.raises(DatabaseError, match="нет узла или имени базы"):
        open_database("postgresql://petrova@/")


def test_an_unreachable_server_is_one_russian_line() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatabaseError) as caught:
        open_database(f"postgresql://petrova@127.0.0.1:{port}/ic")
    message = str(caught.value)
    assert message.startswith("Не удаётся подключиться к серверу базы данных")
    assert f"postgresql://petrova@127.0.0.1:{port}/ic" in message
    assert "\n" not in message


def test_the_upgrade_of_an_empty_server_database_gives_exactly_the_models(
    empty_server_db: str,
) -> None:
    database = open_database(empty_server_db)
    try:
        assert database.on_server
        with database.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": compared_by_autogenerate}
            )
            assert compare_metadata(context, Base.metadata) == []
            assert context.get_current_revision() == head_revision()
            # The one index SQLite has not (migration 0009): the superuser's server may
            # create pg_trgm, so it is there.
            names = conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'citizen'"
            ).scalars()
            assert set(names) >= SERVER_ONLY_INDEXES
    finally:
        database.close()
    # Opened again: already at the head, nothing to do.
    open_database(empty_server_db).close()


def test_without_the_right_to_create_pg_trgm_the_upgrade_goes_on_without_its_index(
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Migration 0009: a schema owner who may not CREATE in the database (so not create the
    extension pg_trgm) gets every other index and the head revision; the log says why."""
    from app.services.registry_grid import GridFilter, RegistryGridService

    role = f"ic_owner_{uuid.uuid4().hex[:8]}"
    with server_admin(empty_server_db) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"ALTER SCHEMA public OWNER TO {role}")
        extension = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert extension.fetchone() is None
    url = parse_url(empty_server_db).set(username=role, password=None)
    try:
        with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
            database = open_database(url.render_as_string(hide_password=False))
        try:
            with database.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                assert context.get_current_revision() == head_revision()
                names = set(
                    conn.exec_driver_sql(
                        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
                    ).scalars()
                )
                # The upgrade's connection was this role's: no extension, no trigram index,
                # and nothing else missing.
                assert not names & SERVER_ONLY_INDEXES
                assert {
                    "ix_registry_entry_identified_id",
                    "ix_registry_entry_plan_formed_on",
                } <= names
                assert compare_metadata(context, Base.metadata) == []
            assert RegistryGridService(database).search(GridFilter(text="иванова")) == []
        finally:
            database.close()
    finally:
        with server_admin(empty_server_db) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            conn.execute("ALTER SCHEMA public OWNER TO pg_database_owner")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    warnings = [r.getMessage() for r in caplog.records if "trigram" in r.getMessage()]
    assert len(warnings) == 1
    assert "may not create in this database" in warnings[0]


def test_a_server_database_of_another_program_is_refused_unchanged(
    empty_server_db: str, server_admin: Callable[[str], Any]
) -> None:
    with server_admin(empty_server_db) as conn:
        conn.execute("CREATE TABLE invoices (id integer primary key)")
    with pytest.raises(NotOurDatabaseError, match="не является базой программы"):
        open_database(empty_server_db)
    with server_admin(empty_server_db) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [r[0] for r in rows] == ["invoices"]


def test_the_audit_is_append_only_on_both(any_db: Database) -> None:
    from app.services.common import audit

    with any_db.session_factory.begin() as session:
        audit(session, None, "test.event", note="first")
    with any_db.session_factory() as session:
        assert session.scalars(select(AuditEvent.action)).all()[-1] == "test.event"
    with pytest.raises(Exception, match="append-only"), any_db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'edited'"))
    with pytest.raises(Exception, match="append-only"), any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
