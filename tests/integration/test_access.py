"""Encrypted at rest, sign-in, users and roles (issue #10), on real files and the real `ic`."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.domain.enums import UserRole
from app.services import access, maintenance
from app.services.citizens import CitizenForm, save_citizen
from db import models
from db.keystore import KeyStore, SignInPausedError, WrongPasswordError, keystore_path
from db.session import Database, open_database

# The sign-in tests/conftest.py puts in the environment of every test.
TEST_USER = "petrova"
TEST_PASSWORD = "пароль-для-тестов"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def encrypted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "ic.sqlite"
    code, out, err = run(capsys, "--db", str(path), "init", "--name", "Петрова Анна Сергеевна")
    assert code == EXIT_OK, err
    assert "Ключ восстановления" in out
    return path


def _recovery_from(out: str) -> str:
    return next(line.strip() for line in out.splitlines() if line.startswith("    "))


def test_a_new_database_is_encrypted_and_readable_only_by_its_user(encrypted: Path) -> None:
    assert not encrypted.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(encrypted).execute("SELECT * FROM citizen").fetchall()
    for path in (encrypted, keystore_path(encrypted)):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    key_text = keystore_path(encrypted).read_text(encoding="utf-8")
    assert TEST_PASSWORD not in key_text
    database = access.sign_in(encrypted, TEST_USER, TEST_PASSWORD)
    try:
        assert access.role_of(database) is UserRole.SUPERVISOR
        assert database.key is not None and database.key.hex() not in key_text
        assert maintenance.check(database).ok
    finally:
        database.close()


def test_without_credentials_a_command_asks_and_never_opens(
    encrypted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IC_PASSWORD")
    code, _, err = run(capsys, "--db", str(encrypted), "check")
    assert code == EXIT_USER_ERROR
    assert err.strip().splitlines() == [
        "ошибка: Нужен вход в программу: задайте переменные IC_USER и IC_PASSWORD "
        "или запустите команду в терминале."
    ]


def test_wrong_passwords_pause_the_next_try_longer_each_time(
    encrypted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    start = clock.now_utc()
    clock.set_clock(clock.frozen_at(start))
    for _ in range(4):
        with pytest.raises(WrongPasswordError):
            access.sign_in(encrypted, TEST_USER, "не тот пароль")
    with pytest.raises(WrongPasswordError):
        access.sign_in(encrypted, TEST_USER, "не тот пароль")  # the fifth: pause starts
    with pytest.raises(SignInPausedError, match="через 31 с"):
        access.sign_in(encrypted, TEST_USER, TEST_PASSWORD)  # even the right one waits
    clock.set_clock(clock.frozen_at(start + timedelta(seconds=31)))
    with pytest.raises(WrongPasswordError):
        access.sign_in(encrypted, TEST_USER, "снова не тот")
    with pytest.raises(SignInPausedError, match="через 61 с"):
        access.sign_in(encrypted, TEST_USER, TEST_PASSWORD)
    clock.set_clock(clock.frozen_at(start + timedelta(seconds=100)))
    access.sign_in(encrypted, TEST_USER, TEST_PASSWORD).close()
    assert KeyStore.load(encrypted).data["failures"] == {}
    monkeypatch.setenv("IC_PASSWORD", "не тот пароль")
    code, _, err = run(capsys, "--db", str(encrypted), "check")
    assert code == EXIT_USER_ERROR and "Неверное имя пользователя или пароль" in err


def test_users_add_list_disable_and_reset_password(
    encrypted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(encrypted)
    monkeypatch.setenv("IC_NEW_PASSWORD", "пароль-иванова")
    code, out, err = run(capsys, "--db", db, "users", "add", "ivanova", "--name", "Иванова И. И.")
    assert code == EXIT_OK, err
    code, out, _ = run(capsys, "--db", db, "users", "list")
    assert "ivanova" in out and "консультант" in out and "petrova" in out and "руководитель" in out

    key_before = KeyStore.load(encrypted).open_with_password(TEST_USER, TEST_PASSWORD)
    file_before = encrypted.stat().st_ino
    monkeypatch.setenv("IC_NEW_PASSWORD", "новый-пароль-иванова")
    code, _, err = run(capsys, "--db", db, "users", "reset-password", "ivanova")
    assert code == EXIT_OK, err
    with pytest.raises(WrongPasswordError):
        access.sign_in(encrypted, "ivanova", "пароль-иванова")
    # The slot was rewrapped; the database key and file stayed the same.
    key_after = KeyStore.load(encrypted).open_with_password("ivanova", "новый-пароль-иванова")
    assert key_after == key_before and encrypted.stat().st_ino == file_before

    # A consultant cannot manage users.
    monkeypatch.setenv("IC_USER", "ivanova")
    monkeypatch.setenv("IC_PASSWORD", "новый-пароль-иванова")
    code, _, err = run(capsys, "--db", db, "users", "add", "x", "--name", "Икс")
    assert code == EXIT_USER_ERROR and "руководитель" in err

    monkeypatch.setenv("IC_USER", TEST_USER)
    monkeypatch.setenv("IC_PASSWORD", TEST_PASSWORD)
    code, _, err = run(capsys, "--db", db, "users", "disable", "ivanova")
    assert code == EXIT_OK, err
    with pytest.raises(WrongPasswordError):
        access.sign_in(encrypted, "ivanova", "новый-пароль-иванова")
    code, _, err = run(capsys, "--db", db, "users", "disable", TEST_USER)
    assert code == EXIT_USER_ERROR and "самого себя" in err

    database = access.sign_in(encrypted, TEST_USER, TEST_PASSWORD)
    try:
        with database.session_factory() as session:
            actions = session.scalars(select(models.AuditEvent.action)).all()
        assert {"user.add", "user.password", "user.disable", "user.sign_in"} <= set(actions)
        assert maintenance.check(database).audit_problem is None
    finally:
        database.close()


def test_a_read_only_user_looks_but_never_writes(
    encrypted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor = access.sign_in(encrypted, TEST_USER, TEST_PASSWORD)
    access.add_user(supervisor, "viewer", "Смотрящий С. С.", UserRole.READ_ONLY, "пароль-только")
    supervisor.close()
    viewer = access.sign_in(encrypted, "viewer", "пароль-только")
    try:
        form = CitizenForm(last_name="Сидоров", first_name="Пётр", snils="112-233-445 95")
        with pytest.raises(access.PermissionDeniedError, match="только просмотра"):
            save_citizen(viewer, form)
        with viewer.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(models.Citizen)) == 0
        with pytest.raises(access.PermissionDeniedError):
            access.add_user(viewer, "x", "Икс", UserRole.CONSULTANT, "пароль-икса")
    finally:
        viewer.close()


def test_the_recovery_key_sets_a_forgotten_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ic.sqlite"
    sheet = tmp_path / "ключ.pdf"
    code, out, _ = run(capsys, "--db", str(path), "init", "--recovery-sheet", str(sheet))
    assert code == EXIT_OK and sheet.stat().st_size > 1000
    recovery = _recovery_from(out)
    monkeypatch.setenv("IC_NEW_PASSWORD", "вспомнила-пароль")
    typed = recovery.lower().replace("-", " ")  # as typed off the sheet
    code, _, err = run(capsys, "--db", str(path), "users", "recover", TEST_USER, "--key", typed)
    assert code == EXIT_OK, err
    access.sign_in(path, TEST_USER, "вспомнила-пароль").close()
    code, _, err = run(capsys, "--db", str(path), "users", "recover", TEST_USER, "--key", "AAAAA")
    assert code == EXIT_USER_ERROR and "не подходит" in err


def test_db_encrypt_converts_a_plain_database_keeping_every_record(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.demo.generator import generate_demo

    generate_demo(db, 60, seed=3)
    with db.session_factory() as session:
        before = {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in models.Base.metadata.sorted_tables
        }
    db.close()
    assert db.path.read_bytes().startswith(b"SQLite format 3")
    code, out, err = run(capsys, "--db", str(db.path), "db", "encrypt", "--name", "Петрова А. С.")
    assert code == EXIT_OK, err
    assert "зашифрована" in out
    assert not db.path.read_bytes().startswith(b"SQLite format 3")
    assert not db.path.with_name(db.path.name + ".plain").exists()
    with pytest.raises(Exception, match="not a database|не является"):
        open_database(db.path)
    database = access.sign_in(db.path, TEST_USER, TEST_PASSWORD)
    try:
        with database.session_factory() as session:
            after = {
                t.name: session.scalar(select(func.count()).select_from(t))
                for t in models.Base.metadata.sorted_tables
            }
        assert after["citizen"] == before["citizen"] > 0
        assert {k: v for k, v in after.items() if k != "audit_event"} == {
            k: v for k, v in before.items() if k != "audit_event"
        }
        assert maintenance.check(database).ok
    finally:
        database.close()
    code, _, err = run(capsys, "--db", str(db.path), "db", "encrypt")
    assert code == EXIT_USER_ERROR and "уже зашифрована" in err


def test_plain_init_stays_possible_for_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plain.sqlite"
    code, _, _ = run(capsys, "--db", str(path), "init", "--plain")
    assert code == EXIT_OK
    assert path.read_bytes().startswith(b"SQLite format 3")
    assert not keystore_path(path).exists()
    assert os.environ["IC_USER"] == TEST_USER


def test_settings_and_re_forming_a_registry_are_the_supervisors(encrypted: Path) -> None:
    from dataclasses import replace
    from datetime import date

    from app.demo.generator import generate_demo
    from app.domain.periods import Month
    from app.services.registry_month import form_registry
    from app.services.settings import load_settings, save_settings

    supervisor = access.sign_in(encrypted, TEST_USER, TEST_PASSWORD)
    generate_demo(supervisor, 40, seed=4, today=date(2026, 11, 23))  # forms past months
    access.add_user(supervisor, "ivanova", "Иванова И. И.", UserRole.CONSULTANT, "пароль-иванова")
    supervisor.close()
    consultant = access.sign_in(encrypted, "ivanova", "пароль-иванова")
    try:
        with pytest.raises(access.PermissionDeniedError, match="руководитель"):
            save_settings(consultant, replace(load_settings(consultant), auto_lock_minutes=5))
        month = str(Month.of(date(2026, 11, 23)).previous())
        with pytest.raises(access.PermissionDeniedError, match="руководитель"):
            form_registry(consultant, month, today=date(2026, 11, 23))
        assert load_settings(consultant).auto_lock_minutes == 10
    finally:
        consultant.close()
