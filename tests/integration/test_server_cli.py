"""The `ic` command line on a PostgreSQL server (issue #15): --db URL end to end, sign-in
with the users and roles of issue #10, `ic check`, backups refused, the everyday role.

Every test needs a real server (``postgres_url`` / ``empty_server_db``, tests/conftest.py):
without IC_TEST_POSTGRES_URL they are skipped; .ci/run starts a throw-away one.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from app import clock
from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.services import access
from db.keystore import SignInPausedError, WrongPasswordError
from db.migrate import alembic_config, head_revision
from db.server import parse_url
from db.session import open_database

TEST_USER, TEST_PASSWORD = "petrova", "пароль-для-тестов"  # tests/conftest.py signs in so

pytestmark = pytest.mark.db

NAME = "Петрова Анна Сергеевна"
ORGANISATION = "АУСОН ТО «КЦСОН Ялуторовского района»"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, _out, err = run(capsys, *argv)
    assert code == EXIT_USER_ERROR, err
    assert err.startswith("ошибка: "), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def scalar(server_admin: Callable[[str], Any], url: str, sql: str) -> Any:
    with server_admin(url) as conn:
        return conn.execute(sql).fetchone()[0]


def check_counts(out: str) -> dict[str, int]:
    """`ic check`'s count lines: label -> number."""
    counts = {}
    for line in out.splitlines():
        if line.startswith("  ") and line.split()[-1].isdigit():
            label, _, number = line.strip().rpartition(" ")
            counts[label.strip()] = int(number)
    return counts


def test_init_import_check_and_users_on_a_server_url(
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = empty_server_db
    shown = url.replace("postgresql+psycopg://", "postgresql://")
    code, out, err = run(
        capsys, "--db", url, "init", "--name", NAME, "--organisation", ORGANISATION
    )
    assert code == EXIT_OK, err
    assert f"База данных {shown}: схема актуальна, вход по паролям включён." in out
    # The first user is the supervisor, with a password hash on the server, no key file.
    assert scalar(server_admin, url, "SELECT role FROM app_user WHERE login = 'petrova'") == (
        "SUPERVISOR"
    )
    assert scalar(server_admin, url, "SELECT count(*) FROM setting WHERE key LIKE 'signin.%'") == 1
    assert not list(tmp_path.glob("**/*.keys"))

    extract = tmp_path / "выписка.xlsx"
    assert run(capsys, "demo-extract", "--rows", "40", "--seed", "2", "--out", str(extract))[0] == 0
    code, out, err = run(capsys, "--db", url, "import-extract", str(extract))
    assert code == EXIT_OK, err
    assert out.startswith("Выписка загружена: выписка.xlsx, строк 40")
    people = scalar(server_admin, url, "SELECT count(*) FROM citizen")
    entries = scalar(server_admin, url, "SELECT count(*) FROM registry_entry")
    assert people > 0 and entries > 0

    code, out, err = run(capsys, "--db", url, "check")
    assert code == EXIT_OK, out + err
    assert f"База данных: {shown}" in out
    assert "Целостность: в порядке" in out
    assert "Нарушения внешних ключей: 0" in out
    assert f"Версия схемы: {head_revision()} (последняя {head_revision()}) — актуальна" in out
    assert "Сервер: PostgreSQL " in out
    assert "Журнал действий: цепочка событий не нарушена" in out
    counts = check_counts(out)
    assert counts["Граждане"] == people and counts["Записи реестра"] == entries
    code, out, err = run(capsys, "--db", url, "deadlines", "--on", "23.11.2026")
    assert code == EXIT_OK, err
    assert out.startswith("Сроки на 23.11.2026: всего ")
    code, out, err = run(capsys, "--db", url, "report", "kpi", "--half", "2026H2")
    assert code == EXIT_OK, err
    assert f"целевая категория: {entries}" in out
    report = tmp_path / "отчёт.xlsx"
    code, out, err = run(
        capsys, "--db", url, "report", "semiannual", "--half", "2026H2", "--format", "xlsx",
        "--out", str(report),
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert report.stat().st_size > 0

    # Users and roles of issue #10, on the server.
    monkeypatch.setenv("IC_NEW_PASSWORD", "пароль-иванова")
    code, out, err = run(
        capsys,
        "--db",
        url,
        "users",
        "add",
        "ivanov",
        "--name",
        "Иванов Иван",
        "--role",
        "read-only",
    )
    assert code == EXIT_OK, err
    code, out, _ = run(capsys, "--db", url, "users", "list")
    assert any(
        line.split()[0] == "ivanov" and "только просмотр" in line for line in out.splitlines()
    ), out
    monkeypatch.setenv("IC_USER", "ivanov")
    monkeypatch.setenv("IC_PASSWORD", "пароль-иванова")
    code, out, err = run(capsys, "--db", url, "check")  # signs in as ivanov and reads
    assert code == EXIT_OK, err
    err = one_line_error(capsys, "--db", url, "users", "add", "sidorov", "--name", "Сидоров")
    assert "только пользователь с ролью" in err
    err = one_line_error(capsys, "--db", url, "workdays", "override", "01.12.2026", "--day-off")
    assert "право только просмотра" in err
    assert scalar(server_admin, url, "SELECT count(*) FROM calendar_override") == 0
    signed_in = scalar(
        server_admin,
        url,
        "SELECT count(*) FROM audit_event e JOIN app_user u ON u.id = e.created_by_id "
        "WHERE e.action = 'user.sign_in' AND u.login = 'ivanov'",
    )
    assert signed_in == 3

    # A wrong password opens nothing.
    monkeypatch.setenv("IC_PASSWORD", "не-тот-пароль")
    err = one_line_error(capsys, "--db", url, "check")
    assert "Неверное имя пользователя или пароль" in err

    monkeypatch.setenv("IC_USER", TEST_USER)
    monkeypatch.setenv("IC_PASSWORD", TEST_PASSWORD)
    code, out, err = run(capsys, "--db", url, "init")
    assert code == EXIT_OK, err
    assert "уже существовала" in out
    # No recovery key on a server: a forgotten password is reset by the supervisor.
    err = one_line_error(capsys, "--db", url, "users", "recover", "ivanov", "--key", "X")
    assert "reset-password" in err
    monkeypatch.setenv("IC_NEW_PASSWORD", "новый-пароль-иванова")
    assert run(capsys, "--db", url, "users", "reset-password", "ivanov")[0] == EXIT_OK
    monkeypatch.setenv("IC_USER", "ivanov")
    monkeypatch.setenv("IC_PASSWORD", "новый-пароль-иванова")
    assert run(capsys, "--db", url, "users", "list")[0] == EXIT_OK


def test_backups_of_a_server_database_are_the_administrators(
    empty_server_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = empty_server_db
    assert run(capsys, "--db", url, "init", "--name", NAME)[0] == EXIT_OK
    for argv in (("backup", "now"), ("backup", "list"), ("restore", str(tmp_path / "x.sqlite"))):
        err = one_line_error(capsys, "--db", url, *argv)
        assert "pg_dump" in err
        assert "«Общая база для нескольких специалистов»" in err
    assert not list(tmp_path.iterdir())


def test_a_missing_database_or_an_unreachable_server_is_one_line(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = parse_url(postgres_url).set(database=f"nosuch_{uuid.uuid4().hex[:8]}")
    err = one_line_error(capsys, "--db", missing.render_as_string(hide_password=False), "check")
    assert "На сервере нет базы данных" in err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = one_line_error(capsys, "--db", f"postgresql://petrova@127.0.0.1:{port}/ic", "check")
    assert "Не удаётся подключиться к серверу базы данных" in err


# --- the everyday role: data yes, schema no ---------------------------------------------------


@pytest.fixture
def app_role(empty_server_db: str, server_admin: Callable[[str], Any]) -> Iterator[tuple[str, str]]:
    """A login role of the server (no rights yet) and the URL of ``empty_server_db`` as it."""
    role = f"ic_app_{uuid.uuid4().hex[:8]}"
    with server_admin(empty_server_db) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    try:
        app_url = parse_url(empty_server_db).set(username=role, password=None)
        yield role, app_url.render_as_string(hide_password=False)
    finally:
        with server_admin(empty_server_db) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            conn.execute(f"DROP OWNED BY {role}")  # its grants here and on the database
            conn.execute(f"DROP ROLE {role}")


def test_the_everyday_role_works_with_data_but_cannot_change_the_schema(
    empty_server_db: str,
    app_role: tuple[str, str],
    server_admin: Callable[[str], Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import psycopg

    owner_url = empty_server_db
    role, app_url = app_role
    assert run(capsys, "--db", owner_url, "init", "--name", NAME)[0] == EXIT_OK
    # Before the grant the role can do nothing: one line, no traceback.
    one_line_error(capsys, "--db", app_url, "check")

    code, out, err = run(capsys, "--db", owner_url, "db", "grant", "--to", role)
    assert code == EXIT_OK, err
    assert f"Роли «{role}» даны права" in out

    extract = tmp_path / "выписка.xlsx"
    assert run(capsys, "demo-extract", "--rows", "30", "--seed", "4", "--out", str(extract))[0] == 0
    code, out, err = run(capsys, "--db", app_url, "import-extract", str(extract))
    assert code == EXIT_OK, err
    assert "Выписка загружена" in out
    code, out, err = run(capsys, "--db", app_url, "workdays", "override", "01.12.2026", "--day-off")
    assert code == EXIT_OK, err
    code, out, err = run(capsys, "--db", app_url, "check")
    assert code == EXIT_OK, out + err
    people = scalar(server_admin, owner_url, "SELECT count(*) FROM citizen")
    assert people > 0 and check_counts(out)["Граждане"] == people
    author = scalar(
        server_admin,
        owner_url,
        "SELECT u.login FROM calendar_override c JOIN app_user u ON u.id = c.created_by_id",
    )
    assert author == TEST_USER  # signed in on the server through the everyday role

    with psycopg.connect(
        parse_url(app_url).set(drivername="postgresql").render_as_string(hide_password=False),
        autocommit=True,
    ) as conn:
        assert conn.execute("SELECT count(*) FROM citizen").fetchone()[0] == people
        for sql in (
            "CREATE TABLE scratch (id integer)",
            "ALTER TABLE citizen ADD COLUMN nickname text",
            "DROP TABLE calendar_override",
            "DELETE FROM audit_event",
            "UPDATE alembic_version SET version_num = 'x'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
    assert scalar(server_admin, owner_url, "SELECT version_num FROM alembic_version") == (
        head_revision()
    )

    # Granting to the owner itself, or to a role that is not there: one line each.
    err = one_line_error(capsys, "--db", owner_url, "db", "grant", "--to", "nobody_such_role")
    assert "Роли «nobody_such_role» на сервере нет" in err
    err = one_line_error(capsys, "--db", app_url, "db", "grant", "--to", role)
    assert "владелец" in err


def test_the_everyday_role_is_told_to_ask_for_the_upgrade(
    empty_server_db: str,
    app_role: tuple[str, str],
    server_admin: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.services.server_roles import grant_statements

    owner_url = empty_server_db
    role, app_url = app_role
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
    older = str(previous.down_revision)
    engine = create_engine(parse_url(owner_url))
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, older)  # the database as the previous version left it
            dbname = conn.exec_driver_sql("SELECT current_database()").scalar()
            for statement in grant_statements(role, str(dbname)):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()

    err = one_line_error(capsys, "--db", app_url, "check")
    assert f"требует обновления схемы (версия {older}, нужна {head_revision()})" in err
    assert "ic --db <адрес владельца базы> check" in err
    assert scalar(server_admin, owner_url, "SELECT version_num FROM alembic_version") == older

    code, out, err = run(capsys, "--db", owner_url, "check")  # the owner upgrades
    assert code == EXIT_OK, out + err
    assert scalar(server_admin, owner_url, "SELECT version_num FROM alembic_version") == (
        head_revision()
    )
    code, out, err = run(capsys, "--db", app_url, "check")  # new tables too (default rights)
    assert code == EXIT_OK, out + err


def test_without_db_the_command_line_opens_this_computers_chosen_database(
    empty_server_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.connection import save_configured_database

    assert run(capsys, "--db", empty_server_db, "init", "--name", NAME)[0] == EXIT_OK
    save_configured_database(empty_server_db)  # «Настройки → База данных» on this computer
    code, out, err = run(capsys, "check")
    assert code == EXIT_OK, out + err
    assert "База данных: postgresql://" in out and "Сервер: PostgreSQL" in out
    save_configured_database(None)  # back to the default file, which does not exist yet
    err = one_line_error(capsys, "check")
    assert "Файл базы данных не найден" in err


def test_wrong_passwords_on_a_server_pause_the_next_try_from_any_computer(
    empty_server_db: str,
    server_admin: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the file's key store does (issue #10): five wrong passwords, then 30 s, then 60 s;
    the count is kept in the server's database, so another computer waits too, and the
    right password clears it. Another login is not paused."""
    url = empty_server_db
    assert run(capsys, "--db", url, "init", "--name", NAME)[0] == EXIT_OK
    monkeypatch.setenv("IC_NEW_PASSWORD", "пароль-иванова")
    assert run(capsys, "--db", url, "users", "add", "ivanova", "--name", "Иванова И. И.")[0] == 0
    start = clock.now_utc()
    clock.set_clock(clock.frozen_at(start))

    def sign_in(login: str, password: str) -> None:
        access.sign_in_on_server(open_database(url), login, password).close()

    for _ in range(5):
        with pytest.raises(WrongPasswordError):
            sign_in(TEST_USER, "не тот пароль")
    with pytest.raises(SignInPausedError, match="через 31 с"):
        sign_in(TEST_USER, TEST_PASSWORD)  # even the right one waits
    # Another computer: the `ic` command, through the same server.
    monkeypatch.setenv("IC_PASSWORD", TEST_PASSWORD)
    err = one_line_error(capsys, "--db", url, "check")
    assert "Слишком много неверных попыток входа. Повторите через 31 с." in err
    sign_in("ivanova", "пароль-иванова")  # another login is not paused
    clock.set_clock(clock.frozen_at(start + timedelta(seconds=31)))
    with pytest.raises(WrongPasswordError):
        sign_in(TEST_USER, "снова не тот")
    with pytest.raises(SignInPausedError, match="через 61 с"):
        sign_in(TEST_USER, TEST_PASSWORD)
    failed = "SELECT value FROM setting WHERE key = 'failed-signin.petrova'"
    assert '"count": 6' in scalar(server_admin, url, failed)
    clock.set_clock(clock.frozen_at(start + timedelta(seconds=100)))
    sign_in(TEST_USER, TEST_PASSWORD)
    assert scalar(server_admin, url, "SELECT count(*) FROM setting WHERE key LIKE 'failed-%'") == 0
    # Nobody's change: the counting left no line in the audit.
    audit = "SELECT count(*) FROM audit_event WHERE entity = 'setting'"
    assert scalar(server_admin, url, audit) == 0
