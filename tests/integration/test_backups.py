"""Backups that restore (issue #10): made, listed, rotated, encrypted, and restored by kind."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select

from app import clock
from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.services import access, backups
from app.services.citizens import CitizenForm, save_citizen
from db import models
from db.engine import create_db_engine
from db.keystore import keystore_path
from db.migrate import alembic_config
from db.session import Database, open_database

USER, PASSWORD = "petrova", "пароль-для-тестов"  # tests/conftest.py's IC_USER/IC_PASSWORD


def _people(db: Database) -> int:
    with db.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(models.Citizen)) or 0)


def _add_person(db: Database, last_name: str) -> None:
    save_citizen(db, CitizenForm(last_name=last_name, first_name="Анна"))


@pytest.fixture
def encrypted(tmp_path: Path) -> Path:
    path = tmp_path / "ic.sqlite"
    access.create_database(path, USER, PASSWORD, "Петрова А. С.").database.close()
    return path


def test_backup_now_list_and_restore_on_an_encrypted_database(
    encrypted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = access.sign_in(encrypted, USER, PASSWORD)
    _add_person(db, "Первая")
    db.close()
    assert main(["--db", str(encrypted), "backup", "now"]) == EXIT_OK
    made = backups.list_backups(encrypted)
    assert [b.kind for b in made] == ["manual"]
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(made[0].path).execute("SELECT * FROM citizen").fetchall()
    assert keystore_path(made[0].path).exists()
    capsys.readouterr()
    assert main(["--db", str(encrypted), "backup", "list"]) == EXIT_OK
    assert "по команде" in capsys.readouterr().out

    db = access.sign_in(encrypted, USER, PASSWORD)
    _add_person(db, "Вторая")
    assert _people(db) == 2
    db.close()
    assert main(["--db", str(encrypted), "restore", str(made[0].path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "восстановлена" in out and "Прежнее состояние" in out
    db = access.sign_in(encrypted, USER, PASSWORD)
    try:
        assert _people(db) == 1
    finally:
        db.close()
    kinds = {b.kind for b in backups.list_backups(encrypted)}
    assert kinds == {"manual", "before-restore"}
    # ...and the state before the restore comes back from its own backup.
    aside = next(b for b in backups.list_backups(encrypted) if b.kind == "before-restore")
    assert main(["--db", str(encrypted), "restore", str(aside.path)]) == EXIT_OK
    db = access.sign_in(encrypted, USER, PASSWORD)
    try:
        assert _people(db) == 2
    finally:
        db.close()


def test_the_days_first_start_backup_and_rotation(db: Database) -> None:
    start = datetime(2026, 1, 1, 5, 0, tzinfo=UTC)
    for day in range(400):
        clock.set_clock(clock.frozen_at(start + timedelta(days=day)))
        assert backups.backup_at_start(db) is not None
        assert backups.backup_at_start(db) is None  # once a day
    kept = backups.list_backups(db.path)
    days = {b.taken_at.date() for b in kept}
    last = (start + timedelta(days=399)).date()
    assert {last - timedelta(days=n) for n in range(7)} <= days
    assert len(kept) <= 7 + 4 + 12
    assert len({(d.year, d.month) for d in days}) == 12
    assert all(b.kind == "daily" for b in kept)
    _add_person(db, "После")
    db.close()
    backups.restore(db.path, kept[-1].path, None, None)
    reopened = open_database(db.path)
    try:
        assert _people(reopened) == 0
    finally:
        reopened.close()


def test_a_backup_made_before_a_migration_restores(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = create_db_engine(path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    engine.dispose()
    database = open_database(path)  # upgrades, backing up first
    _add_person(database, "Новая")
    database.close()
    (before,) = [b for b in backups.list_backups(path) if b.kind == "before-migration"]
    backups.restore(path, before.path, None, None)
    reopened = open_database(path)
    try:
        assert _people(reopened) == 0
    finally:
        reopened.close()


def test_a_damaged_backup_is_refused_and_nothing_changes(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_person(db, "Осталась")
    made = backups.make_backup(db, "manual")
    db.close()
    data = made.path.read_bytes()
    made.path.write_bytes(data[: len(data) // 3] + b"\xff" * 4096)
    before = db.path.read_bytes()
    assert main(["--db", str(db.path), "restore", str(made.path)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith("ошибка: Резервная копия") and "Traceback" not in err
    assert db.path.read_bytes() == before


def test_re_forming_a_month_backs_up_first_and_the_backup_restores_the_numbers(
    db: Database,
) -> None:
    from datetime import date

    from app.demo.generator import generate_demo
    from app.domain.periods import Month
    from app.services.registry_month import form_registry

    generate_demo(db, 80, seed=2, today=date(2026, 11, 23))  # forms the past months
    month = str(Month.of(date(2026, 11, 23)).previous())
    with db.session_factory() as session:
        formed = session.scalar(
            select(models.RegistryMonth).where(models.RegistryMonth.month == month)
        )
        assert formed is not None and formed.formed_on is not None
        numbers = {
            r.id: r.number
            for r in session.execute(select(models.RegistryEntry.id, models.RegistryEntry.number))
        }
    form_registry(db, month, today=date(2026, 11, 23))
    (made,) = backups.list_backups(db.path)
    assert made.kind == "before-forming"
    db.close()
    backups.restore(db.path, made.path, None, None)
    reopened = open_database(db.path)
    try:
        with reopened.session_factory() as session:
            restored = {
                row.id: row.number
                for row in session.execute(
                    select(models.RegistryEntry.id, models.RegistryEntry.number)
                )
            }
        assert restored == numbers
    finally:
        reopened.close()


def test_an_import_into_a_database_with_people_backs_up_first(db: Database, tmp_path: Path) -> None:
    from datetime import date

    from app.demo.extract import write_demo_extract
    from app.services.extract_import import import_extract

    first, second = tmp_path / "october.xlsx", tmp_path / "november.xlsx"
    write_demo_extract(first, rows=40, seed=1, today=date(2026, 11, 23), month=(2026, 9))
    write_demo_extract(second, rows=40, seed=2, today=date(2026, 11, 23), month=(2026, 10))
    import_extract(db, first, today=date(2026, 11, 23))
    assert backups.list_backups(db.path) == []  # nothing to keep yet
    import_extract(db, second, dry_run=True, today=date(2026, 11, 23))
    assert backups.list_backups(db.path) == []  # a check writes nothing
    people = _people(db)
    import_extract(db, second, today=date(2026, 11, 23))
    (made,) = backups.list_backups(db.path)
    assert made.kind == "before-import" and _people(db) > people
    db.close()
    backups.restore(db.path, made.path, None, None)
    reopened = open_database(db.path)
    try:
        assert _people(reopened) == people
    finally:
        reopened.close()


def test_what_a_killed_backup_left_is_removed_by_the_next_one(db: Database) -> None:
    import os

    folder = backups.backup_folder(db.path)
    folder.mkdir()
    part = folder / ".ic.20261101-100000.before-forming.sqlite.abcd.part"
    reserved = folder / "ic.20261101-100000.before-forming.sqlite"
    fresh = folder / ".ic.20261123-100000.manual.sqlite.efgh.part"  # another process, now
    for path in (part, reserved, fresh):
        path.write_bytes(b"" if path is reserved else b"half a copy")
    old = reserved.stat().st_mtime - 3600
    os.utime(part, (old, old))
    os.utime(reserved, (old, old))
    backups.make_backup(db, "manual")
    assert not part.exists() and not reserved.exists()
    assert fresh.exists()


def test_a_copy_another_process_is_still_making_is_neither_listed_nor_rotated(
    db: Database,
) -> None:
    """CI failure of 03.12.2026: two importing processes, one's rotation took the other's
    copy between its rename and its stat (FileNotFoundError). A name reserved by a copy
    in progress (an empty file) is not a backup: not listed, not counted, not removed."""
    folder = backups.backup_folder(db.path)
    folder.mkdir()
    in_progress = folder / "ic.20261101-100000.before-import.sqlite"
    in_progress.touch()
    start = clock.now_utc()
    for second in range(made_count := backups.KEEP_PER_KIND + 2):
        clock.set_clock(clock.frozen_at(start + timedelta(seconds=second)))
        made = backups.make_backup(db, "before-import", record=False)
        assert made.size > 0 and made.path.exists()
    listed = backups.list_backups(db.path)
    assert in_progress not in {b.path for b in listed}
    assert in_progress.exists()  # the other process renames its copy over it
    assert len(listed) == backups.KEEP_PER_KIND < made_count
