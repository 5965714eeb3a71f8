"""Shared fixtures: a fresh migrated SQLite file per test; Qt on the offscreen platform."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app import clock  # noqa: E402
from db.session import Database, open_database  # noqa: E402

#: The instant every test starts at (10:00 in Tyumen), whatever day the suite runs on.
#: The clock ticks from there, so order and durations still work; tests that need another
#: day pass it explicitly or set their own clock.
TEST_NOW = "2026-11-23T10:00:00+05:00"
TEST_USER = "petrova"
TEST_PASSWORD = "пароль-для-тестов"
# Session fixtures (the migrated template) run before the per-test clock below.
clock.set_clock(clock.ticking_from(clock.parse_instant(TEST_NOW)))


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never touch the real user's data folder from a test.
    monkeypatch.setenv("IC_HOME", str(tmp_path_factory.mktemp("ic-home")))


@pytest.fixture(autouse=True)
def _test_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The one injectable "now" (app.clock), here and in every process a test starts.
    monkeypatch.setenv(clock.ENV_NOW, TEST_NOW)
    # Sign-in for every `ic` a test runs (a new database's first user, the supervisor).
    monkeypatch.setenv("IC_USER", TEST_USER)
    monkeypatch.setenv("IC_PASSWORD", TEST_PASSWORD)
    clock.set_clock(clock.ticking_from(clock.parse_instant(TEST_NOW)))
    clock.set_time_zone(clock.DEFAULT_TIME_ZONE)
    yield
    clock.set_clock(None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ic.sqlite"


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the head revision, migrated once per test session."""
    path = tmp_path_factory.mktemp("template") / "ic.sqlite"
    open_database(path).close()
    assert not path.with_name("ic.sqlite-wal").exists()  # closed cleanly: one file to copy
    return path


#: When the database of the fixture ``db`` was installed: before every date the suite works
#: with, so the provider's duties of those dates are the program's (issue #12).
TEST_INSTALLED = "2024-01-09T10:00:00+05:00"
TEST_PROFILE = {
    "full_name": "Петрова Анна Сергеевна",
    "position": "специалист по социальной работе",
    "phone": "+7 (34535) 2-22-22",
}
TEST_ORGANISATION = {
    "provider_name": "АУСОН ТО «КЦСОН Ялуторовского района»",
    "provider_address": "Тюменская область, г. Ялуторовск, ул. Революции, д. 1",
    "provider_postcode": "627010",
    "provider_phone": "+7 (34535) 2-22-22",
    "provider_email": "kcson@example.org",
}


@pytest.fixture(scope="session")
def _set_up_template(_migrated_template: Path) -> Path:
    """The template with the consultant's profile and the organisation filled in, as the
    first start leaves them: documents may be issued (issue #12)."""
    path = _migrated_template.with_name("set-up.sqlite")
    shutil.copyfile(_migrated_template, path)
    _set_up(path)
    assert not path.with_name("set-up.sqlite-wal").exists()  # closed cleanly: one file
    return path


def _set_up(target: Path | str) -> None:
    """Open ``target`` (a file or a server URL) on TEST_INSTALLED and fill in the profile
    and the organisation."""
    import dataclasses

    from app.services import profile
    from app.services.settings import load_settings, save_settings

    clock.set_clock(clock.ticking_from(clock.parse_instant(TEST_INSTALLED)))
    try:
        database = open_database(target)
        try:
            profile.update_profile(
                database, organisation=TEST_ORGANISATION["provider_name"], **TEST_PROFILE
            )
            save_settings(
                database, dataclasses.replace(load_settings(database), **TEST_ORGANISATION)
            )
        finally:
            database.close()
    finally:
        clock.set_clock(clock.ticking_from(clock.parse_instant(TEST_NOW)))


@pytest.fixture
def db(request: pytest.FixtureRequest, db_path: Path, _set_up_template: Path) -> Iterator[Database]:
    """A fresh migrated file per test: the template copied (15 ms) instead of migrated (250);
    profile and organisation filled in, installed on TEST_INSTALLED. A test marked ``db``
    gets it twice: this file, then a PostgreSQL server database (``postgres_db``)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        yield request.getfixturevalue("postgres_db")
        return
    shutil.copyfile(_set_up_template, db_path)
    database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def empty_db(db_path: Path, _migrated_template: Path) -> Iterator[Database]:
    """A database just created: nothing set up, nothing written (the first start)."""
    shutil.copyfile(_migrated_template, db_path)
    database = open_database(db_path)
    yield database
    database.close()


# --- both databases: SQLite files and a PostgreSQL server (issue #15) ---------------------

#: A PostgreSQL server for the tests marked ``db``: a URL whose user may create databases
#: (.ci/run starts a throw-away one with scripts/pg_test_server.sh). Unset: those tests run
#: on SQLite only and their PostgreSQL cases are skipped.
POSTGRES_ENV = "IC_TEST_POSTGRES_URL"


def _server_admin(url: str) -> Any:
    """An autocommit psycopg connection to the server of ``url`` (CREATE/DROP DATABASE)."""
    import psycopg

    from db.server import parse_url

    plain = parse_url(url).set(drivername="postgresql")
    return psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)


def _server_database(url: str, name: str) -> str:
    from db.server import parse_url

    return parse_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set: no PostgreSQL server for this run")
    return url


SNAPSHOT_SCHEMA = "ic_snapshot"


@pytest.fixture(scope="session")
def _postgres_shared(postgres_url: str) -> Iterator[tuple[str, str]]:
    """One server database per session, migrated to the head and set up as ``db``'s file,
    with a copy of every table in the schema ``ic_snapshot``; yields (URL, reset SQL).

    A new database per test (CREATE DATABASE ... TEMPLATE) costs 0.7 s and TRUNCATE of
    every table 0.4 s; deleting the few rows and copying the snapshot back, with triggers
    and foreign keys off (session_replication_role = replica), about 30 ms."""
    name = f"ic_shared_{uuid.uuid4().hex[:12]}"
    with _server_admin(postgres_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _server_database(postgres_url, name)
    try:
        _set_up(url)
        with _server_admin(url) as conn:
            tables = [
                str(r[0])
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ]
            serials = {
                (str(r[0]), str(r[1]))
                for r in conn.execute(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'"
                )
            }
            conn.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
            for table in tables:
                conn.execute(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table}" AS TABLE public."{table}"')
        reset = ["SET LOCAL session_replication_role = replica"]
        for table in tables:
            reset.append(f'DELETE FROM public."{table}"')
            reset.append(f'INSERT INTO public."{table}" SELECT * FROM {SNAPSHOT_SCHEMA}."{table}"')
        for table, column in sorted(serials):
            reset.append(
                f"SELECT setval(pg_get_serial_sequence('public.\"{table}\"', '{column}'), "
                f'(SELECT coalesce(max("{column}"), 0) + 1 FROM public."{table}"), false)'
            )
        yield url, ";\n".join(reset)
    finally:
        with _server_admin(postgres_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_db(_postgres_shared: tuple[str, str]) -> Iterator[Database]:
    """The session's server database put back as ``db``'s file is (profile and organisation
    filled in, nothing else), opened for one test."""
    url, reset = _postgres_shared
    with _server_admin(url) as conn:
        # A connection a previous test left open (a grid, a worker) must not hold locks.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with conn.transaction():
            conn.execute(reset)
    database = open_database(url)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def empty_server_db(postgres_url: str) -> Iterator[str]:
    """The URL of a new, empty database on the server (dropped afterwards)."""
    name = f"ic_empty_{uuid.uuid4().hex[:12]}"
    with _server_admin(postgres_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _server_database(postgres_url, name)
    finally:
        with _server_admin(postgres_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server_admin() -> Any:
    """``server_admin(url)``: an autocommit psycopg connection to the server database."""
    return _server_admin


DATABASE_KINDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``db`` that uses ``db`` (itself or through its fixtures) runs on both
    kinds of database: ``[sqlite]`` and ``[postgresql]`` (skipped without a server)."""
    if "db" in metafunc.fixturenames and metafunc.definition.get_closest_marker("db"):
        metafunc.parametrize("db", DATABASE_KINDS, indirect=True)


@pytest.fixture(params=DATABASE_KINDS)
def any_db(request: pytest.FixtureRequest) -> Database:
    """The ``db`` fixture on each kind of database, for a test not marked ``db``: a SQLite
    file, then a PostgreSQL server database (skipped without IC_TEST_POSTGRES_URL)."""
    fixture = "db" if request.param == "sqlite" else "postgres_db"
    database: Database = request.getfixturevalue(fixture)
    return database


# --- e-mail: the system's credential store and a server that asks for a password --------


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    """An in-memory ``keyring`` backend standing in for the operating system's credential
    store (Windows Credential Manager) — not for our database; yields what it holds."""
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    held: dict[tuple[str, str], str] = {}

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def set_password(self, service: str, username: str, password: str) -> None:
            held[(service, username)] = password

        def get_password(self, service: str, username: str) -> str | None:
            return held.get((service, username))

        def delete_password(self, service: str, username: str) -> None:
            if held.pop((service, username), None) is None:
                raise PasswordDeleteError("no such password")

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        yield held
    finally:
        keyring.set_keyring(previous)


SMTP_LOGIN = "kcson"
SMTP_PASSWORD = "s3cret-Pa55"  # smtplib sends AUTH in ASCII


@pytest.fixture
def smtp_with_login() -> Iterator[tuple[list[Any], list[tuple[str, str]], int]]:
    """A local SMTP server (aiosmtpd) that takes ``SMTP_LOGIN``/``SMTP_PASSWORD`` only:
    yields (messages received, logins tried, port)."""
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    received: list[Any] = []
    tried: list[tuple[str, str]] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            import email
            from email import policy

            received.append(email.message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        # handled=False: the server answers «535» itself.
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = (v.decode() if isinstance(v, bytes) else str(v) for v in data)
        tried.append((login, password))
        ok = (login, password) == (SMTP_LOGIN, SMTP_PASSWORD)
        return AuthResult(success=ok, handled=False)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(
        Inbox(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,  # a test server without a certificate; AUTH offered
    )
    controller.start()
    try:
        yield received, tried, port
    finally:
        controller.stop()


# --- two writers at one instant ------------------------------------------------------------


def _run_at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Each call on its own thread, all released together; what each returned or raised
    (an exception is returned, not lost in its thread), in the order given."""
    start = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            start.wait()
            outcomes[index] = calls[index]()
        except BaseException as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.fixture
def at_once() -> Callable[..., list[Any]]:
    """``at_once(call, call, ...)``: the calls on threads released at one instant (each with
    its own connection of the pool); returns what each returned or raised."""
    return _run_at_once
