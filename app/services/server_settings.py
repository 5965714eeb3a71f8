"""Настройки → База данных (issue #15): which database this computer opens, and the check
that a PostgreSQL server can be reached before the choice is saved.

The choice itself is :mod:`app.connection` (a JSON file in the data folder, no password).
The server password goes to the system's credential store (Windows Credential Manager,
through ``keyring``) under db/server.py's :data:`~db.server.KEYRING_SERVICE` and
:func:`~db.server.keyring_account` — where :func:`db.server.create_server_engine` looks
for it when the program starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import URL
from sqlalchemy.exc import SQLAlchemyError

from app import connection
from app.errors import UserError, ValidationError
from app.services.credentials import use_credential_store
from db import server
from db.migrate import head_revision, known_revisions

logger = logging.getLogger(__name__)

#: libpq's sslmode values offered in the window, with their Russian titles.
SSL_MODES: tuple[tuple[str, str], ...] = (
    ("disable", "без шифрования (disable)"),
    ("prefer", "шифрование, если сервер умеет (prefer)"),
    ("require", "только с шифрованием (require)"),
    ("verify-full", "шифрование и проверка сертификата (verify-full)"),
)
DEFAULT_SSL_MODE = "prefer"
_MODES = {mode for mode, _title in SSL_MODES}

_T = TypeVar("_T")
_FAILURES: tuple[type[BaseException], ...] = (SQLAlchemyError, *server.SERVER_ERRORS)


@dataclass(frozen=True)
class ServerChoice:
    """A PostgreSQL server as typed in the window."""

    host: str
    database: str
    user: str
    port: int = server.DEFAULT_PORT
    sslmode: str = DEFAULT_SSL_MODE
    sslrootcert: str = ""


@dataclass(frozen=True)
class DatabaseChoice:
    """What this computer opens: ``server`` None means the file (``file`` None: the
    default file in the data folder)."""

    server: ServerChoice | None = None
    file: str | None = None


def is_server_target(target: object) -> bool:
    """True for a PostgreSQL URL; a file path (or nothing) means the SQLite file."""
    return server.is_server_url(target)


def shown_url(url: str) -> str:
    """The server database's address without a password, for the window."""
    return server.display_url(url)


def server_url(choice: ServerChoice) -> URL:
    """The URL for ``choice`` (never with a password); a Russian line naming the field for
    what is missing or wrong."""
    host = choice.host.strip()
    database = choice.database.strip()
    user = choice.user.strip()
    if not host:
        raise ValidationError("Сервер: укажите имя или адрес сервера PostgreSQL.")
    if any(c.isspace() for c in host) or "/" in host or "@" in host:
        raise ValidationError(f"Сервер: «{host}» не похоже на имя или адрес компьютера.")
    if not 1 <= choice.port <= 65535:
        raise ValidationError(f"Порт: {choice.port} — номер порта от 1 до 65535.")
    if not database:
        raise ValidationError("База данных: укажите имя базы на сервере.")
    if not user:
        raise ValidationError("Пользователь: укажите имя пользователя сервера.")
    if choice.sslmode not in _MODES:
        raise ValidationError(f"Защита соединения: неизвестный режим «{choice.sslmode}».")
    query: dict[str, str] = {}
    if choice.sslmode != DEFAULT_SSL_MODE:
        query["sslmode"] = choice.sslmode
    root = choice.sslrootcert.strip()
    if choice.sslmode == "verify-full":
        if not root:
            raise ValidationError(
                "Корневой сертификат: для проверки сертификата сервера (verify-full) "
                "укажите файл корневого сертификата (.pem или .crt)."
            )
        query["sslrootcert"] = root
    return URL.create(
        server.DRIVER, username=user, host=host, port=choice.port, database=database, query=query
    )


def url_text(choice: ServerChoice) -> str:
    """``postgresql://user@host:port/db[?sslmode=…]``: what ``--db`` and connection.json take."""
    url = server_url(choice).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def choice_from_target(target: str | None) -> DatabaseChoice:
    """The stored target as the window's fields; a URL that cannot be read is the file."""
    if target is None:
        return DatabaseChoice()
    if not server.is_server_url(target):
        return DatabaseChoice(file=target)
    try:
        url = server.parse_url(target)
    except UserError:
        logger.warning("the configured server address cannot be read; shown as the file")
        return DatabaseChoice()
    query = {k: v if isinstance(v, str) else v[0] for k, v in url.query.items()}
    mode = query.get("sslmode", DEFAULT_SSL_MODE)
    return DatabaseChoice(
        server=ServerChoice(
            host=url.host or "",
            database=url.database or "",
            user=url.username or "",
            port=url.port or server.DEFAULT_PORT,
            sslmode=mode if mode in _MODES else DEFAULT_SSL_MODE,
            sslrootcert=query.get("sslrootcert", ""),
        )
    )


def current_choice() -> DatabaseChoice:
    """What this computer opens when started without ``--db``."""
    return choice_from_target(connection.configured_database())


def _store(what: str, call: Callable[[Any], _T]) -> _T:
    return use_credential_store(f"Пароль сервера {what}", call)


def has_stored_password(choice: ServerChoice) -> bool:
    account = server.keyring_account(server_url(choice))
    found = _store("не прочитан", lambda k: k.get_password(server.KEYRING_SERVICE, account))
    return bool(found)


def save_server(choice: ServerChoice, password: str = "") -> str:
    """Store the server as this computer's database; a typed password goes to the
    credential store (an empty one keeps what is stored). Returns the Russian line to show."""
    url = server_url(choice)
    text = url_text(choice)
    if password:
        account = server.keyring_account(url)
        _store(
            "не сохранён",
            lambda k: k.set_password(server.KEYRING_SERVICE, account, password),
        )
    _save_target(text)
    return (
        f"Выбран сервер {server.display_url(url)}. Программа подключится к нему при "
        "следующем запуске — закройте её и откройте снова."
    )


def save_file_default() -> str:
    """Back to the database file on this computer."""
    _save_target(None)
    return (
        "Выбран файл базы на этом компьютере. Он откроется при следующем запуске "
        "программы — закройте её и откройте снова."
    )


def _save_target(target: str | None) -> None:
    try:
        connection.save_configured_database(target)
    except ValueError as exc:
        raise ValidationError(f"Адрес сервера указан неверно: {exc}.") from None
    except OSError as exc:
        raise UserError(
            f"Выбор базы не сохранён: не удаётся записать файл {connection.connection_file()} "
            f"({exc.strerror or exc})."
        ) from None


def check_connection(choice: ServerChoice, password: str = "") -> str:
    """Connect to the server as the program would (typed password, else the stored one) and
    say in Russian what was found; a failure is a ``UserError`` of one line. Slow (a
    network round trip, up to db/server.py's ``CONNECT_TIMEOUT_S``): call it off the UI thread."""
    url = server_url(choice)
    if password:
        url = url.set(password=password)
    engine = server.create_server_engine(url)
    where = server.display_url(url)
    try:
        with engine.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar() or "?")
            has_schema = conn.exec_driver_sql(
                "SELECT to_regclass('alembic_version') IS NOT NULL"
            ).scalar()
            revision = (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                if has_schema
                else None
            )
            tables = conn.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            ).scalar()
    except _FAILURES as exc:
        translated = server.translate_server(exc, url)
        if translated is not None:
            raise UserError(str(translated)) from None
        raise UserError(f"Не удалось подключиться к {where}: {_one_line(exc)}") from None
    finally:
        engine.dispose()
    found = f"Подключение к {where} установлено: PostgreSQL {version.split()[0]}"
    if revision is None and not tables:
        return f"{found}; база пуста — при первом запуске программа создаст в ней свои таблицы."
    if revision is None:
        return (
            f"{found}, но в базе чужие таблицы ({tables}): программа не будет с ней работать. "
            "Укажите пустую базу или базу программы."
        )
    head = head_revision()
    if revision == head:
        return f"{found}; версия схемы базы {revision} — текущая."
    if revision in known_revisions():
        return (
            f"{found}; версия схемы базы {revision}, будет обновлена до {head} при "
            "первом запуске программы."
        )
    return (
        f"{found}; версия схемы базы {revision} новее этой программы ({head}): обновите программу."
    )


def _one_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__
