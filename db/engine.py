"""Engine factory: WAL, foreign keys, busy timeout; SQLCipher when a key is given.

Reads begin with a deferred ``BEGIN`` and never wait: under WAL a reader sees the last
committed state while a writer works. A write unit (an engine or session with the
``WRITE_LOCK`` execution option, see db/session.py) begins with ``BEGIN IMMEDIATE``, so it
takes the write lock before it reads anything. A deferred transaction that reads and then
writes cannot wait for the lock: SQLite answers SQLITE_BUSY at once (the busy timeout does
not apply to a read transaction upgrading, and its snapshot may be stale anyway). While
another process holds the lock, a write waits up to ``WRITE_WAIT_SECONDS`` and says so once
through the thread's busy listener, then gives up with ``DatabaseLockedError``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlcipher3
from sqlalchemy import Connection, Engine, QueuePool, create_engine, event
from sqlalchemy.exc import DBAPIError

from app.errors import DatabaseCorruptError, DatabaseError, DatabaseLockedError, DiskFullError

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# A write waits this long without a word (another process's short write, a sign-in's audit
# event), then says the database is busy and goes on waiting up to WRITE_WAIT_SECONDS.
QUIET_WAIT_MS = 250
WRITE_WAIT_SECONDS = 60.0
_WAIT_SLICE_MS = 1000
#: The execution option that makes a connection's transactions begin with BEGIN IMMEDIATE.
WRITE_LOCK = "ic_write_lock"
#: Shown (CLI: on stderr, once; the window: in the progress dialog) while a write waits.
BUSY_MESSAGE = "База занята другим процессом, ожидание…"

#: The exceptions a SQLite failure arrives as: wrapped by SQLAlchemy, or raw from a driver.
SQLITE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, sqlite3.Error, sqlcipher3.Error)

# listener(True) when a write on this thread starts waiting for the lock, (False) when done.
BusyListener = Callable[[bool], None]
_listeners = threading.local()

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
    _configure(engine, path)
    return engine


def for_writing(engine: Engine) -> Engine:
    """The same engine (and pool) whose transactions take the write lock when they begin."""
    return engine.execution_options(**{WRITE_LOCK: True})


@contextmanager
def busy_listener(listener: BusyListener) -> Iterator[None]:
    """While inside, writes on this thread that wait for another process tell ``listener``."""
    previous: BusyListener | None = getattr(_listeners, "current", None)
    _listeners.current = listener
    try:
        yield
    finally:
        _listeners.current = previous


def _tell_busy(waiting: bool) -> None:
    listener: BusyListener | None = getattr(_listeners, "current", None)
    if listener is not None:
        listener(waiting)


def _configure(engine: Engine, path: Path) -> None:
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
            # 32 MiB of page cache (the default is 2 MiB): large imports and exchange
            # packages touch indexes keyed by random UUIDs, and with SQLCipher every page
            # read again from disk is decrypted again.
            cursor.execute("PRAGMA cache_size = -32768")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_LOCK):
            _begin_immediate(conn, path)
        else:
            conn.exec_driver_sql("BEGIN")


def _begin_immediate(conn: Connection, path: Path) -> None:
    """``BEGIN IMMEDIATE``, waiting (bounded) while another connection holds the write lock."""
    raw: Any = conn.connection.driver_connection
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    waiting = False
    raw.execute(f"PRAGMA busy_timeout = {QUIET_WAIT_MS}")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except (sqlite3.Error, sqlcipher3.Error) as exc:
                if not _is_busy(exc):
                    user_error = translate(exc, path)
                    if user_error is None:
                        raise
                    raise user_error from exc
                left = deadline - time.monotonic()
                if left <= 0:
                    logger.warning("database busy for %.0f s: write given up", WRITE_WAIT_SECONDS)
                    raise DatabaseLockedError(
                        f"База данных занята другим процессом дольше {WRITE_WAIT_SECONDS:.0f} с "
                        f"({path}); изменения не сохранены. Дождитесь, когда он закончит работу "
                        "(или закройте другие окна программы), и повторите."
                    ) from exc
                if not waiting:
                    waiting = True
                    logger.info("database busy: waiting for another process's write")
                    _tell_busy(True)
                raw.execute(f"PRAGMA busy_timeout = {min(_WAIT_SLICE_MS, int(left * 1000) + 1)}")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if waiting:
            _tell_busy(False)


def _is_busy(exc: BaseException) -> bool:
    code = _error_code(exc)
    if code is not None:
        return code == _SQLITE_BUSY
    return "database is locked" in str(exc).lower()  # sqlcipher3 gives no error code


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
        return DiskFullError(
            f"Недостаточно места на диске для базы данных{where}: изменения не сохранены. "
            "Освободите место на диске и повторите."
        )
    # Text that is not UTF-8 where the program wrote UTF-8: bytes of the file overwritten.
    damaged = "could not decode to utf-8" in text
    if (
        code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
        or "not a database" in text
        or "malformed" in text
        or damaged
    ):
        return DatabaseCorruptError(
            f"Файл базы данных повреждён, не является базой данных программы или "
            f"открыт с неверным ключом{where}."
        )
    if code == _SQLITE_READONLY or "readonly" in text:
        return DatabaseError(
            f"Файл базы данных доступен только для чтения{where}: изменения не сохранены. "
            "Снимите с файла запрет записи (атрибут «Только чтение») или скопируйте базу "
            "в папку с правом записи."
        )
    if code in (_SQLITE_CANTOPEN, _SQLITE_IOERR) or "unable to open" in text:
        if path is not None and path.parent.is_dir() and not os.access(path.parent, os.W_OK):
            # A WAL database needs its -wal and -shm files beside it: a read-only folder
            # (a CD, a read-only share) cannot open it at all.
            return DatabaseError(
                f"Папка базы данных {path.parent} доступна только для чтения: программе "
                "нужна запись в неё. Скопируйте базу в папку с правом записи."
            )
        return DatabaseError(f"Не удаётся открыть файл базы данных{where}.")
    return None


@contextmanager
def translated_errors(path: Path | None = None) -> Iterator[None]:
    """Turn SQLite failures the user can act on into ``DatabaseError``; re-raise the rest."""
    try:
        yield
    except SQLITE_ERRORS as exc:
        user_error = translate(exc, path)
        if user_error is None:
            raise
        logger.warning("database error: %s", exc)
        raise user_error from exc
