"""The database layer on real files: pragmas, migrations, backups, encryption."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from app.errors import DatabaseCorruptError, DatabaseTooNewError
from app.services import maintenance
from db.engine import create_db_engine
from db.migrate import alembic_config, head_revision
from db.models import Base, Citizen, User
from db.session import Database, open_database


def test_engine_sets_wal_foreign_keys_and_busy_timeout(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 5000
    assert db.path.with_name(db.path.name + "-wal").exists()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO representative (citizen_id, kind, last_name, first_name, id, uuid,"
                " created_at, updated_at) VALUES (999, 'PARENT', 'А', 'Б', 1, 'x', '2025-01-01',"
                " '2025-01-01')"
            )
        )


def test_a_failed_unit_of_work_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session_factory.begin() as session:
        session.add(Citizen(last_name="Иванов", first_name="Иван", search_name="иванов иван"))
        session.flush()
        raise RuntimeError("cancelled")
    with db.session_factory() as session:
        assert session.scalars(select(Citizen)).all() == []


def test_upgrade_head_on_empty_file_gives_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == head_revision()


def test_every_revision_upgrades_to_head_without_difference(tmp_path: Path) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [rev.revision for rev in script.walk_revisions()]
    for revision in revisions:
        path = tmp_path / f"at-{revision}.sqlite"
        engine = create_db_engine(path)
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
        engine.dispose()
        database = open_database(path)
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        database.close()


def test_database_newer_than_the_code_is_refused(db_path: Path) -> None:
    open_database(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    with pytest.raises(DatabaseTooNewError, match="более новой версией"):
        open_database(db_path)


def test_file_is_copied_before_an_upgrade(db_path: Path) -> None:
    # A file holding data at an older revision (the first), made before files were marked
    # with our application_id. (A file with tables but no alembic_version is another
    # program's: refused, tests/integration/test_db_robustness.py.)
    engine = create_db_engine(db_path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(text("CREATE TABLE legacy_note (body TEXT)"))
        conn.execute(text("INSERT INTO legacy_note VALUES ('запись')"))
    engine.dispose()
    database = open_database(db_path)
    database.close()
    backups = list((db_path.parent / "backups").iterdir())
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT body FROM legacy_note").fetchall() == [("запись",)]
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


def test_new_file_gets_no_backup(db: Database) -> None:
    assert not (db.path.parent / "backups").exists()


def test_encrypted_database_needs_its_key(db_path: Path) -> None:
    key, other = bytes(range(32)), bytes(32)
    database = open_database(db_path, key=key)
    with database.session_factory.begin() as session:
        session.add(User(full_name="Петрова Анна Сергеевна"))
    database.close()
    assert not db_path.read_bytes().startswith(b"SQLite format 3")

    reopened = open_database(db_path, key=key)
    with reopened.session_factory() as session:
        assert session.scalars(select(User.full_name)).all() == ["Петрова Анна Сергеевна"]
    reopened.close()

    with pytest.raises(DatabaseCorruptError):
        open_database(db_path)
    with pytest.raises(DatabaseCorruptError):
        open_database(db_path, key=other)


def test_check_reports_integrity_revision_and_counts(db: Database) -> None:
    maintenance.initialise(db)
    report = maintenance.check(db)
    assert report.ok
    assert report.integrity == ("ok",)
    assert report.revision == report.head
    assert report.journal_mode == "wal"
    assert dict(report.counts)["Пользователи"] == 1
    assert dict(report.counts)["Граждане"] == 0


def test_the_quick_revision_graph_is_alembics() -> None:
    """db/migrate.py reads revisions from the scripts' own lines to spare every start the
    Alembic import; it must say what Alembic says."""
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config, head_revision, known_revisions

    script = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}


def test_a_database_at_0002_with_records_upgrades_to_0003_keeping_them(tmp_path: Path) -> None:
    """Migration 0003 (issue #11): the exchange tables appear, the directory gains
    ``regional`` (0 for every organisation there was), and no row is lost."""
    from app.demo.generator import generate_demo

    path = tmp_path / "old.sqlite"
    engine = create_db_engine(path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(
            "INSERT INTO organisation (name, department, is_sample, archived, uuid, created_at,"
            " updated_at) VALUES ('ГБУЗ ТО «Больница»', 'HEALTH', 0, 0,"
            " '0123456789abcdef0123456789abcdef', '2026-11-01 05:00:00.000000',"
            " '2026-11-01 05:00:00.000000')"
        )
        before = conn.execute("SELECT count(*) FROM organisation").fetchone()[0]
    database = open_database(path)  # upgrades to the head
    try:
        generate_demo(database, 20, 1)
        with database.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name, regional FROM organisation WHERE uuid = "
                "'0123456789abcdef0123456789abcdef'"
            ).all()
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert [tuple(r) for r in rows] == [("ГБУЗ ТО «Больница»", 0)]
        assert before == 1
        assert {"installation", "exchange_peer", "provider_record", "sync_ledger"} <= tables
    finally:
        database.close()


def test_a_database_at_0005_with_assessments_upgrades_to_0006_keeping_them(tmp_path: Path) -> None:
    """Migration 0006 (issue #13) rebuilds ``disability_assessment`` so that an unknown
    first-time mark or degree can be stored as unknown: every row is kept as it was, and
    ``family_member`` appears."""
    from app.demo.generator import generate_demo

    path = tmp_path / "old.sqlite"
    engine = create_db_engine(path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
    engine.dispose()
    columns = (
        "citizen_id, disability_group, first_time, selfcare_degree, movement_degree, "
        "behaviour_degree"
    )
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO citizen (last_name, first_name, search_name, uuid, created_at, updated_at)"
            " VALUES ('Иванов', 'Иван', 'иванов иван', '0123456789abcdef0123456789abcdef',"
            " '2026-11-01 05:00:00.000000', '2026-11-01 05:00:00.000000')"
        )
        conn.execute(
            f"INSERT INTO disability_assessment ({columns}, mental_disorder, stationary,"
            " veteran_svo, uuid, created_at, updated_at) VALUES (1, 'II', 1, 2, 0, 3, 1, 0, 0,"
            " 'fedcba9876543210fedcba9876543210', '2026-11-01 05:00:00.000000',"
            " '2026-11-01 05:00:00.000000')"
        )
    database = open_database(path)  # upgrades to the head
    try:
        generate_demo(database, 20, 1)
        with database.engine.connect() as conn:
            kept = conn.exec_driver_sql(
                f"SELECT {columns} FROM disability_assessment WHERE citizen_id = 1"
            ).all()
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
            conn.exec_driver_sql(
                "UPDATE disability_assessment SET selfcare_degree = NULL WHERE citizen_id = 1"
            )
        assert [tuple(r) for r in kept] == [(1, "II", 1, 2, 0, 3)]
        assert "family_member" in tables
    finally:
        database.close()


def test_a_database_at_0006_with_an_intake_application_upgrades_to_0007_keeping_it(
    tmp_path: Path,
) -> None:
    """Migration 0007 (issue #13, 6-р): an application keeps every field; one naming a
    technology of 510-п section 3 subsection 3 is under subsection 3 (6-р 5: no survey act),
    one without stays of unknown basis; ``need_criterion`` appears."""
    path = tmp_path / "old.sqlite"
    engine = create_db_engine(path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0006")
    engine.dispose()
    stamp = "'2026-11-01 05:00:00.000000', '2026-11-01 05:00:00.000000'"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO citizen (last_name, first_name, search_name, uuid, created_at, updated_at)"
            " VALUES ('Иванов', 'Иван', 'иванов иван',"
            f" '0123456789abcdef0123456789abcdef', {stamp})"
        )
        for n, technology in ((1, "'HOME_REHAB'"), (2, "NULL")):
            conn.execute(
                "INSERT INTO intake_application (citizen_id, journal_number, applied_on,"
                " technology, decision, decided_on, refusal_reason, note, uuid, created_at,"
                f" updated_at) VALUES (1, '{n}/2026', '2026-11-0{n}', {technology}, 'PENDING',"
                f" NULL, NULL, 'заметка', 'fedcba9876543210fedcba987654321{n}', {stamp})"
            )
        conn.execute(
            "INSERT INTO living_conditions_survey (application_id, surveyed_on, surveyor_name,"
            " uuid, created_at, updated_at) VALUES (2, '2026-11-03', 'Смирнова',"
            f" 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', {stamp})"
        )
    database = open_database(path)  # upgrades to the head
    try:
        with database.engine.connect() as conn:
            kept = conn.exec_driver_sql(
                "SELECT journal_number, applied_on, technology, decision, note, basis"
                " FROM intake_application ORDER BY id"
            ).all()
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert [tuple(r) for r in kept] == [
            ("1/2026", "2026-11-01", "HOME_REHAB", "PENDING", "заметка", "3.3"),
            ("2/2026", "2026-11-02", None, "PENDING", "заметка", None),
        ]
        assert "need_criterion" in tables
        with database.engine.connect() as conn:
            surveys = conn.exec_driver_sql(
                "SELECT application_id, surveyed_on FROM living_conditions_survey"
            ).all()
        assert [tuple(r) for r in surveys] == [(2, "2026-11-03")]
    finally:
        database.close()
