"""`ic db copy --from FILE --to postgresql://…` (issue #15): an installation moves to a server
in one transaction, verified table by table; refusals write nothing; a failure leaves the
target empty. Needs a real server (skipped without IC_TEST_POSTGRES_URL)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.errors import DatabaseError
from app.services import db_copy
from db.keystore import KeyStore
from db.migrate import alembic_config, head_revision
from db.models import Base
from db.session import Database, open_database

pytestmark = pytest.mark.db

TEST_USER, TEST_PASSWORD = "petrova", "пароль-для-тестов"  # tests/conftest.py signs in so


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, _out, err = run(capsys, *argv)
    assert code == EXIT_USER_ERROR, err
    assert err.startswith("ошибка: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def demo_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An encrypted SQLite installation made as a consultant makes one: ic init + ic demo."""
    path = tmp_path / "ic.sqlite"
    assert main(["--db", str(path), "init", "--name", "Петрова Анна Сергеевна"]) == EXIT_OK
    assert main(["--db", str(path), "demo", "--citizens", "60", "--seed", "5"]) == EXIT_OK
    capsys.readouterr()
    assert KeyStore.exists(path)
    return path


def open_file(path: Path) -> Database:
    """The encrypted file, read without signing in again (no audit event written)."""
    key = KeyStore.load(path).open_with_password(TEST_USER, TEST_PASSWORD)
    return open_database(path, key, migrate=False)


def every_row(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows in primary-key order, as the program reads them."""
    with database.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def server_tables(server_admin: Callable[[str], Any], url: str) -> dict[str, int]:
    """Table -> row count of the server database (empty dict: no tables at all)."""
    with server_admin(url) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_demo_installation_moves_to_the_server_unchanged(
    demo_file: Path, empty_server_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = open_file(demo_file)
    try:
        before = every_row(source)
    finally:
        source.close()
    for table in (
        "citizen",
        "call_attempt",
        "route",
        "support_plan",
        "dispatch",
        "import_batch",
        "registry_entry",
    ):
        assert before[table], f"the demo made no {table}"

    code, out, err = run(capsys, "db", "copy", "--from", str(demo_file), "--to", empty_server_db)
    assert code == EXIT_OK, err
    # The per-table table: every table, the file's count = the server's, checksum equal.
    lines = {line.split()[0]: line.split() for line in out.splitlines()[2:] if line.strip()}
    for table, rows in before.items():
        cells = lines[table]
        assert cells[1] == cells[2] == str(len(rows)), cells
        assert cells[-1] == "совпадает"
    assert f"Всего строк: {sum(len(r) for r in before.values())}" in out
    assert "Вход на сервере: «petrova» с тем же паролем" in out

    # The server holds exactly the file's rows, read independently of the copy's checksums
    # (the copy adds one audit event, «database.copy», and the supervisor's password hash).
    server = open_database(empty_server_db)
    try:
        after = every_row(server)
        with server.engine.connect() as conn:
            actions = conn.execute(text("SELECT action FROM audit_event ORDER BY id")).scalars()
            assert list(actions)[-1] == "database.copy"
    finally:
        server.close()
    for table, rows in before.items():
        if table == "audit_event" or table == "setting":
            assert after[table][: len(rows)] == rows and len(after[table]) == len(rows) + 1
        else:
            assert after[table] == rows, table

    # Opened with the program on both: the same registry, the audit chain intact.
    code, file_out, err = run(capsys, "--db", str(demo_file), "check")
    assert code == EXIT_OK, err
    code, server_out, err = run(capsys, "--db", empty_server_db, "check")
    assert code == EXIT_OK, server_out + err
    registry = re.compile(r"^\s+Записи реестра\s+(\d+)$", re.MULTILINE)
    file_count, server_count = registry.search(file_out), registry.search(server_out)
    assert file_count and server_count
    assert file_count[1] == server_count[1] == str(len(before["registry_entry"]))
    assert "Журнал действий: цепочка событий не нарушена" in server_out
    # The sequences were moved past the copied ids: new rows get new ids.
    code, out, err = run(
        capsys, "--db", empty_server_db, "workdays", "override", "02.12.2026", "--day-off"
    )
    assert code == EXIT_OK, err


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(
    demo_file: Path,
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "--db", empty_server_db, "init", "--name", "Иванова Ольга")[0] == EXIT_OK
    before = server_tables(server_admin, empty_server_db)
    assert before["app_user"] == 1
    err = one_line_error(capsys, "db", "copy", "--from", str(demo_file), "--to", empty_server_db)
    assert "уже есть данные" in err and "Ничего не записано" in err
    assert server_tables(server_admin, empty_server_db) == before


def test_a_target_with_another_programs_tables_is_refused(
    demo_file: Path,
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with server_admin(empty_server_db) as conn:
        conn.execute("CREATE TABLE invoices (id integer primary key)")
    err = one_line_error(capsys, "db", "copy", "--from", str(demo_file), "--to", empty_server_db)
    assert "чужие таблицы (invoices)" in err
    assert server_tables(server_admin, empty_server_db) == {"invoices": 0}


def test_a_bad_source_is_refused_and_nothing_is_written(
    tmp_path: Path,
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = one_line_error(
        capsys, "db", "copy", "--from", str(tmp_path / "нет.sqlite"), "--to", empty_server_db
    )
    assert "файл базы данных не найден" in err

    text_file = tmp_path / "заметки.sqlite"
    text_file.write_text("это не база данных\n" * 20, encoding="utf-8")
    one_line_error(capsys, "db", "copy", "--from", str(text_file), "--to", empty_server_db)
    assert text_file.read_text(encoding="utf-8") == "это не база данных\n" * 20

    # A file of the previous version: opened with the program first (it upgrades it).
    older = str(
        ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    )
    old_file = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{old_file}")
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, older)
    finally:
        engine.dispose()
    digest = file_digest(old_file)
    err = one_line_error(capsys, "db", "copy", "--from", str(old_file), "--to", empty_server_db)
    assert f"версия схемы {older}, нужна {head_revision()}" in err
    assert f"ic --db {old_file} check" in err
    assert file_digest(old_file) == digest

    err = one_line_error(capsys, "db", "copy", "--from", str(old_file), "--to", str(old_file))
    assert "--to: нужен адрес базы на сервере" in err
    assert server_tables(server_admin, empty_server_db) == {}


def test_a_failure_in_the_middle_leaves_the_target_empty(
    demo_file: Path,
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # SQLite does not enforce VARCHAR lengths; PostgreSQL refuses the row. The dispatches
    # come late in foreign-key order: most tables are already copied when it fails.
    source = open_file(demo_file)
    try:
        with source.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE dispatch SET postcode = '62701099' "
                    "WHERE id = (SELECT max(id) FROM dispatch)"
                )
            )
    finally:
        source.close()
    copied: list[str] = []
    with pytest.raises(DatabaseError) as caught:
        db_copy.copy_database(
            demo_file,
            empty_server_db,
            (TEST_USER, TEST_PASSWORD),
            batch_rows=7,
            progress=lambda table, rows: copied.append(table),
        )
    assert "Перенос прерван" in str(caught.value) and "осталась пустой" in str(caught.value)
    assert {"citizen", "registry_entry", "route", "call_attempt"} <= set(copied)
    assert "dispatch" not in copied
    assert server_tables(server_admin, empty_server_db) == {}  # not even the schema

    err = one_line_error(capsys, "db", "copy", "--from", str(demo_file), "--to", empty_server_db)
    assert "value too long" in err
    assert server_tables(server_admin, empty_server_db) == {}


def test_an_unencrypted_file_moves_and_ic_init_then_names_its_supervisor(
    tmp_path: Path,
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "plain.sqlite"
    assert main(["--db", str(path), "init", "--plain", "--name", "Сидорова Ольга"]) == EXIT_OK
    assert not KeyStore.exists(path)
    monkeypatch.delenv("IC_USER")  # a plain file asks nobody to sign in
    code, out, err = run(capsys, "db", "copy", "--from", str(path), "--to", empty_server_db)
    assert code == EXIT_OK, err
    shown = empty_server_db.replace("postgresql+psycopg://", "postgresql://")
    assert f"назначьте руководителя для входа: ic --db {shown} init" in out
    with server_admin(empty_server_db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM setting WHERE key LIKE 'signin.%'").fetchone()[0]
            == 0
        )
    monkeypatch.setenv("IC_USER", TEST_USER)
    code, out, err = run(capsys, "--db", empty_server_db, "init")
    assert code == EXIT_OK, err
    assert "Профиль специалиста: Сидорова Ольга" in out  # the file's profile, now supervisor
    code, out, _ = run(capsys, "--db", empty_server_db, "users", "list")
    assert out.split() == ["petrova", "руководитель", "Сидорова", "Ольга"]
    monkeypatch.setenv("IC_PASSWORD", "не-тот-пароль")
    err = one_line_error(capsys, "--db", empty_server_db, "check")
    assert "Неверное имя пользователя или пароль" in err
