"""A shared PostgreSQL server as the database (issue #15); SQLite stays the default.

``--db postgresql://user@host[:port]/dbname[?sslmode=verify-full&sslrootcert=...]`` selects
the server through SQLAlchemy's ``psycopg`` (v3) driver. The password is never typed into
the URL in everyday use: when the URL carries none, the system's credential store
(Windows Credential Manager, through ``keyring``) is asked for it under
:data:`KEYRING_SERVICE` and the account ``user@host:port/dbname``. TLS options in the URL's
query (``sslmode``, ``sslrootcert``, ``sslcert``, ``sslkey``) go to libpq unchanged.

What only a file has (pragmas, WAL, SQLCipher, ``application_id``, file backups) does not
apply here; db/session.py and db/migrate.py ask :func:`is_server_url` / the dialect.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from app.errors import DatabaseError, DatabaseLockedError

logger = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
DRIVER = "postgresql+psycopg"
KEYRING_SERVICE = "IntegrationConsultant database"
CONNECT_TIMEOUT_S = 10
DEFAULT_PORT = 5432


def is_server_url(target: object) -> bool:
    """True for a PostgreSQL URL; a file path (or nothing) means SQLite."""
    return isinstance(target, str) and target.strip().lower().startswith(SCHEMES)


def parse_url(target: str) -> URL:
    """The URL with the psycopg driver; a Russian message for a malformed one."""
    text = target.strip()
    if text.lower().startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise DatabaseError(f"Адрес сервера базы данных указан неверно: {target}") from exc
    if not url.host or not url.database:
        raise DatabaseError(
            f"В адресе сервера базы данных нет узла или имени базы: {display_url(url)}. "
            "Пример: postgresql://petrova@server/ic"
        )
    return url.set(drivername=DRIVER)


def display_url(url: URL | str) -> str:
    """``postgresql://user@host:port/dbname`` without the password, for messages and logs."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "(неверный адрес)"
    user = f"{url.username}@" if url.username else ""
    port = f":{url.port}" if url.port else ""
    return f"postgresql://{user}{url.host}{port}/{url.database}"


def keyring_account(url: URL) -> str:
    return f"{url.username or ''}@{url.host}:{url.port or DEFAULT_PORT}/{url.database}"


def stored_password(url: URL) -> str | None:
    """The server password kept in the system's credential store, if any."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, keyring_account(url))
    except Exception as exc:  # no backend, a locked store: go on without a password
        logger.info("no server password from the credential store: %s", exc)
        return None


def create_server_engine(target: str | URL, *, echo: bool = False) -> Engine:
    url = parse_url(target) if isinstance(target, str) else target
    if url.password is None:
        password = stored_password(url)
        if password:
            url = url.set(password=password)
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,  # a server restarted overnight: reconnect, not an error
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "integration-consultant",
        },
    )


def local_anchor(url: URL, home: Path) -> Path:
    """A local path standing for the server database: its scratch folder for exports
    (``<anchor>.tmp``) and the name files written beside "the database" are checked
    against. Nothing is stored in it."""
    name = re.sub(r"[^\w.-]+", "_", f"{url.host}_{url.port or DEFAULT_PORT}_{url.database}")
    return home / "servers" / f"{name}.pg"


_PSYCOPG_ERRORS: tuple[type[Exception], ...]
try:
    import psycopg

    _PSYCOPG_ERRORS = (psycopg.Error,)
except ImportError:  # pragma: no cover - a dependency; the SQLite path works without it
    _PSYCOPG_ERRORS = ()

SERVER_ERRORS: tuple[type[Exception], ...] = (DBAPIError, *_PSYCOPG_ERRORS)


def _tls_reason(text: str) -> str:
    """What libpq said about TLS (sslmode=verify-full, issue #15), in the user's words."""
    if "does not match host name" in text:
        return (
            "имя сервера в адресе не совпадает с именем в его сертификате. Укажите сервер "
            "так, как он назван в сертификате (например, полное имя вместо IP-адреса)."
        )
    if "root certificate file" in text and "does not exist" in text:
        return (
            "файл корневого сертификата (sslrootcert) не найден. Укажите его в «Настройки → "
            "База данных»."
        )
    if "certificate verify failed" in text or "self-signed" in text or "unknown ca" in text:
        return (
            "сертификат сервера не подписан указанным корневым сертификатом (sslrootcert). "
            "Возьмите корневой сертификат у администратора сервера."
        )
    if "does not support ssl" in text or "server does not support" in text:
        return "сервер не поддерживает TLS, а sslmode требует его. Обратитесь к администратору."
    return (
        "сертификат сервера не подтверждён или сервер не поддерживает TLS. "
        "Проверьте параметры sslmode и sslrootcert."
    )


def translate_server(exc: BaseException, url: URL | str | None = None) -> DatabaseError | None:
    """The Russian message for a server failure the user can act on, or None for a bug."""
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    if _PSYCOPG_ERRORS and not isinstance(orig, _PSYCOPG_ERRORS):
        return None
    text = str(orig).lower()
    where = display_url(url) if url is not None else "сервер базы данных"
    state = getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(
        orig, "sqlstate", None
    )
    if (
        "password authentication failed" in text
        or "no password supplied" in text
        or (state == "28P01")
    ):
        return DatabaseError(
            f"Сервер базы данных {where} не принял имя пользователя или пароль. "
            "Проверьте их в «Настройки → База данных»."
        )
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return DatabaseError(
            f"На сервере нет базы данных {where}. Проверьте имя базы или попросите "
            "администратора создать её."
        )
    if "certificate" in text or "ssl" in text:
        return DatabaseError(
            f"Не удалось установить защищённое соединение с сервером {where}: {_tls_reason(text)}"
        )
    if state in ("40P01", "55P03", "40001"):
        return DatabaseLockedError(
            f"Запись на сервере {where} столкнулась с работой другого специалиста; "
            "изменения не сохранены. Повторите действие."
        )
    if isinstance(orig, _PSYCOPG_ERRORS) and type(orig).__name__ == "OperationalError":
        return DatabaseError(
            f"Не удаётся подключиться к серверу базы данных {where}: сервер недоступен. "
            "Проверьте адрес и порт, подключение к сети и что сервер PostgreSQL запущен."
        )
    return None
