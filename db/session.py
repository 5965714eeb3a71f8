"""Opening a database: engine, migrations, session factory."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DatabaseError, NotOurDatabaseError
from app.paths import clear_temp_dir
from db.engine import BUSY_MESSAGE as BUSY_MESSAGE
from db.engine import WRITE_LOCK, create_db_engine, translate, translated_errors
from db.engine import busy_listener as busy_listener
from db.keystore import raw_key_pragma
from db.migrate import APPLICATION_ID, known_revisions, upgrade
from db.server import (
    SERVER_ERRORS,
    create_server_engine,
    display_url,
    is_server_url,
    local_anchor,
    parse_url,
    translate_server,
)

logger = logging.getLogger(__name__)

APP_NAME = "Интеграционный консультант"


class SessionFactory(sessionmaker[Session]):
    """``factory()``: a read session. ``factory.begin()``: a unit of work that commits.

    A unit of work takes the database's write lock when its transaction begins
    (BEGIN IMMEDIATE, db/engine.py), so another process writing meanwhile makes it wait
    instead of failing halfway. ``writer()`` is the same for a unit that decides itself
    whether to commit or roll back (an import's dry run).
    """

    def writer(self) -> Session:
        return self(execution_options={WRITE_LOCK: True})

    def begin(self) -> AbstractContextManager[Session]:
        return _unit_of_work(self.writer())


@contextmanager
def _unit_of_work(session: Session) -> Iterator[Session]:
    with session, session.begin():
        yield session


@dataclass(frozen=True)
class Database:
    """An open database file: what services need to start a unit of work."""

    path: Path
    engine: Engine
    session_factory: SessionFactory
    # Who signed in (None: an unencrypted database of the one local profile) and the
    # SQLCipher key in memory (None: not encrypted); app.services.access sets both.
    user_id: int | None = None
    key: bytes | None = None
    # A shared PostgreSQL server (issue #15): its URL without the password; ``path`` is
    # then only a local anchor (db/server.py local_anchor), no file of the database.
    url: str | None = None

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    @property
    def on_server(self) -> bool:
        return self.url is not None

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    path: Path | str,
    key: bytes | None = None,
    *,
    migrate: bool = True,
    user_id: int | None = None,
) -> Database:
    """Open (creating if needed) and upgrade the database at ``path``.

    ``key`` is the raw 32-byte SQLCipher key (db/keystore.py unwraps it from a password).
    A file that is not ours is refused before anything is written to it or beside it.
    A ``postgresql://`` URL opens a shared server database instead (:func:`open_server`).
    """
    if is_server_url(path):
        if key is not None:
            raise DatabaseError(
                "Шифрование ключом SQLCipher относится только к файлу базы; данные на "
                "сервере защищает сам сервер (TLS, права доступа)."
            )
        return open_server(str(path), migrate=migrate, user_id=user_id)
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise DatabaseError(f"Указан каталог, а не файл базы данных: {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"Не удаётся создать каталог для базы данных {path.parent}: {exc}"
        ) from exc
    refuse_foreign_file(path, key)
    clear_temp_dir(path)  # export scratch files a killed run left (app/services/files.py)
    engine = create_db_engine(path, raw_key_pragma(key) if key is not None else None)
    try:
        with translated_errors(path):
            if migrate:
                upgrade(engine, path)
    except BaseException:
        engine.dispose()
        raise
    factory = SessionFactory(engine, expire_on_commit=False, info={"user_id": user_id})
    logger.info("database opened: %s", path.name)
    return Database(path=path, engine=engine, session_factory=factory, user_id=user_id, key=key)


def open_server(target: str, *, migrate: bool = True, user_id: int | None = None) -> Database:
    """Connect to a PostgreSQL database and upgrade its schema (an empty database gets it).

    A database that holds tables but not ours is refused before anything is written.
    A server that cannot be reached, a wrong password or a missing database: one Russian
    line (``DatabaseError``), never a traceback.
    """
    from app.paths import data_dir

    url = parse_url(target)
    engine = create_server_engine(url)
    try:
        with translated_server_errors(url):
            refuse_foreign_server(engine, display_url(url))
            if migrate:
                upgrade(engine, None)
    except BaseException:
        engine.dispose()
        raise
    anchor = local_anchor(url, data_dir())
    factory = SessionFactory(engine, expire_on_commit=False, info={"user_id": user_id})
    logger.info("server database opened: %s", display_url(url))
    return Database(
        path=anchor,
        engine=engine,
        session_factory=factory,
        user_id=user_id,
        url=display_url(url),
    )


@contextmanager
def translated_server_errors(url: Any = None) -> Iterator[None]:
    try:
        yield
    except SERVER_ERRORS as exc:
        user_error = translate_server(exc, url)
        if user_error is None:
            raise
        logger.warning("server database error: %s", str(exc).splitlines()[0])
        raise user_error from exc


def refuse_foreign_server(engine: Engine, where: str) -> None:
    """``NotOurDatabaseError`` unless the server database is empty or holds our schema at a
    revision we know (a newer one is refused by the upgrade with its own message)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        revisions: set[str] = set()
        if "alembic_version" in tables:
            revisions = {
                str(r[0]) for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            }
    if not tables or revisions:
        return
    logger.warning("refused server database %s: %d tables, no alembic_version", where, len(tables))
    raise NotOurDatabaseError(
        f"База данных {where} на сервере не является базой программы «{APP_NAME}»: в ней "
        "уже есть чужие таблицы. Ничего не изменено; укажите пустую базу или базу программы."
    )


def refuse_foreign_file(path: Path, key: bytes | None = None) -> None:
    """Raise ``NotOurDatabaseError`` unless ``path`` is missing or may become our database.

    Ours: ``PRAGMA application_id`` is ours (set when the schema is created), or it is 0
    and the file holds our ``alembic_version`` at a revision we know (made before the id
    was set; the upgrade sets it), or it is an SQLite file without any table. Anything
    else belongs to another program: it is read through a read-only connection and left
    as it was. A file that is not SQLite at all (or the wrong key) fails with SQLite's own
    "not a database", translated.
    """
    if not path.exists():
        return
    if path.stat().st_size == 0 and not _has_content(path.with_name(path.name + "-wal")):
        # A zero-byte file is refused as well, ``ic init`` included: it is what a copy or
        # download that did not finish, or a cloud folder's not-yet-synced placeholder,
        # leaves. Making a new, empty database in its place would hide the missing data
        # (and a sync would send the empty one over the real one). Deleting the file is a
        # step the consultant takes knowingly; then `ic init` or the window creates the base.
        raise NotOurDatabaseError(
            f"Файл базы данных пуст (0 байт): {path}. Возможно, его копирование или "
            "загрузка не завершились. Если нужна новая база, удалите этот пустой файл, "
            "и программа создаст её заново."
        )
    header = _header(path) if key is None else b""
    if header[68:72] == APPLICATION_ID.to_bytes(4, "big"):
        return
    with translated_errors(path):
        application_id, tables, revisions = _identity(path, key, header)
    if application_id == APPLICATION_ID:
        return
    if application_id == 0 and not tables:
        return
    if application_id == 0 and revisions and revisions <= known_revisions():
        return
    logger.warning(
        "refused %s: application_id %#x, %d tables, alembic %s",
        path.name,
        application_id,
        len(tables),
        sorted(revisions),
    )
    raise NotOurDatabaseError(
        f"Файл {path} не является базой данных программы «{APP_NAME}». "
        "Файл не изменён; укажите файл базы программы."
    )


def _has_content(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def _header(path: Path) -> bytes:
    """The 100-byte header of a plain SQLite file (b"" for anything else)."""
    with path.open("rb") as handle:
        header = handle.read(100)
    return header if len(header) == 100 and header.startswith(b"SQLite format 3\0") else b""


def _identity(path: Path, key: bytes | None, header: bytes) -> tuple[int, set[str], set[str]]:
    """The file's application_id, table names and alembic revisions, read without writing."""
    # mode=ro: SQLite opens the file read-only, so it neither rolls back another program's
    # hot journal nor checkpoints its WAL into the file when the connection closes. A WAL
    # file closed cleanly (no -wal beside it) is read as immutable: a reader would otherwise
    # create -wal and -shm files beside another program's file and leave them there.
    wal_mode = header[18:19] == b"\x02"
    idle = wal_mode and not path.with_name(path.name + "-wal").exists()
    uri = f"{path.as_uri()}?{'immutable=1' if idle else 'mode=ro'}"
    raw: Any = (
        sqlcipher3.connect(uri, uri=True) if key is not None else sqlite3.connect(uri, uri=True)
    )
    with closing(raw) as conn:
        if key is not None:
            conn.execute(f'PRAGMA key = "{raw_key_pragma(key)}"')
        application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        tables = {
            str(row[0])
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        revisions: set[str] = set()
        if "alembic_version" in tables:
            revisions = {
                str(row[0]) for row in conn.execute("SELECT version_num FROM alembic_version")
            }
    return application_id, tables, revisions


def user_error_for(exc: BaseException) -> DatabaseError | None:
    """The Russian message for a database failure a user can act on (disk full, read-only,
    locked, damaged), or None for a bug; for the window's exception hook."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError | sqlite3.Error):
        return None
    return translate(exc) or translate_server(exc)
