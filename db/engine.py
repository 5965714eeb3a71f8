"""Engine factory: WAL, foreign keys, busy timeout; SQLCipher when a key is given."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, QueuePool, create_engine, event
from sqlalchemy.exc import DBAPIError

from app.errors import DatabaseCorruptError, DatabaseError, DatabaseLockedError, DiskFullError

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

# SQLite primary result codes (https://sqlite.org/rescode.html).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


def database_url(path: Path, key: str | None = None) -> str:
    if key is None:
        return f"sqlite:///{path}"
    # The pysqlcipher dialect sends the password as PRAGMA key on every connect.
    return f"sqlite+pysqlcipher://:{quote(key, safe='')}@/{path}"


def create_db_engine(path: Path | str, key: str | None = None, *, echo: bool = False) -> Engine:
    """An engine on the file at ``path``; with ``key`` the file is opened with SQLCipher."""
    path = Path(path)
    # The pysqlcipher dialect defaults to one connection per thread (SingletonThreadPool):
    # a second session inside a first would then share its transaction. A file database
    # gets the same pool as plain SQLite files (QueuePool), each session its own connection.
    engine = create_engine(
        database_url(path, key),
        echo=echo,
        poolclass=QueuePool,
        connect_args={"check_same_thread": False},
    )
    _configure(engine)
    return engine


def _configure(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin, so that
        # DDL and SAVEPOINTs are transactional (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def _error_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def translate(exc: BaseException, path: Path | None = None) -> DatabaseError | None:
    """The user-facing error for a SQLite failure, or None when it is a bug."""
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    code = _error_code(orig)
    text = str(orig).lower()
    where = f" ({path})" if path else ""
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return DatabaseLockedError(
            f"База данных занята другой программой{where}. Закройте другие окна "
            "программы и повторите."
        )
    if code == _SQLITE_FULL or "disk is full" in text:
        return DiskFullError(f"Недостаточно места на диске для базы данных{where}.")
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "not a database" in text or "malformed" in text:
        return DatabaseCorruptError(
            f"Файл базы данных повреждён, не является базой данных программы или "
            f"открыт с неверным ключом{where}."
        )
    if code == _SQLITE_READONLY or "readonly" in text:
        return DatabaseError(f"Нет прав на запись в файл базы данных{where}.")
    if code in (_SQLITE_CANTOPEN, _SQLITE_IOERR) or "unable to open" in text:
        return DatabaseError(f"Не удаётся открыть файл базы данных{where}.")
    return None


@contextmanager
def translated_errors(path: Path | None = None) -> Iterator[None]:
    """Turn SQLite failures the user can act on into ``DatabaseError``; re-raise the rest."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as exc:
        user_error = translate(exc, path)
        if user_error is None:
            raise
        logger.warning("database error: %s", exc)
        raise user_error from exc
