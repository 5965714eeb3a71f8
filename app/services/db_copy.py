"""`ic db copy --from FILE --to postgresql://…`: an installation moves to a server (issue #15).

Everything on the server happens in ONE transaction (PostgreSQL's DDL is transactional):
the empty target is upgraded to the head revision, every table is copied in foreign-key
order in batches (memory bounded by the batch, not the file), the id sequences are moved
past the copied ids, and every table is verified — its row count and a SHA-256 over all its
rows in primary-key order, computed from the values as the program reads them on each side
(:func:`canonical`: dates in UTC, booleans, decimals, JSON with sorted keys, bytes in hex),
so the same data hashes the same on both backends. Only when every table matches is the
transaction committed; any failure (a row the server refuses, a lost connection, a
mismatch) rolls it back and the target is left as empty as it was.

Refused before anything is written: a target that holds data (or another program's
tables), a source that is not a database of ours, or one not at the head revision (it is
opened with the program first, which upgrades it with a backup). An encrypted source is
opened with its key, unwrapped from the signing-in supervisor's password; nothing is
written to the source.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlcipher3
from sqlalchemy import Connection, Table, create_engine, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.domain.enums import UserRole
from app.errors import DatabaseError, UserError
from db import models
from db.dialect import sync_id_sequences
from db.keystore import KeyStore, raw_key_pragma
from db.migrate import (
    SERVER_MIGRATION_LOCK,
    alembic_config,
    current_revision,
    head_revision,
    known_revisions,
)
from db.server import create_server_engine, display_url, parse_url, translate_server
from db.session import Database, SessionFactory, refuse_foreign_file

logger = logging.getLogger(__name__)

BATCH_ROWS = 2000
#: Tables Alembic and SQLite keep for themselves: not data, never copied.
_OWN_TABLES = {"alembic_version"}


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def same(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


@dataclass(frozen=True)
class CopyResult:
    target: str  # the URL without a password
    tables: tuple[TableCopy, ...]
    notes: tuple[str, ...]  # Russian lines: who has a password on the server, who not

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)


class CopyMismatchError(DatabaseError):
    """The server's copy of a table differs from the file's: nothing was committed."""


def copy_database(
    source: Path,
    target: str,
    credentials: tuple[str, str] | None = None,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[str, int], None] | None = None,
) -> CopyResult:
    """Copy the database file ``source`` into the empty server database ``target``.

    ``credentials`` (login, password) open an encrypted ``source``; that supervisor's
    password then signs in on the server too. ``progress(table, rows)`` hears each table
    copied (before the verification and the commit).
    """
    url = parse_url(target)
    where = display_url(url)
    src = _open_source(source, credentials)
    try:
        signed_in = _signed_in_user(src, credentials)
        engine = create_server_engine(url)
        try:
            with engine.connect() as conn:
                try:
                    with conn.begin():
                        result = _copy_in_transaction(
                            src, conn, where, signed_in, credentials, batch_rows, progress
                        )
                except DBAPIError as exc:
                    raise _server_failure(exc, where) from exc
        finally:
            engine.dispose()
    finally:
        src.close()
    logger.info("database %s copied to %s: %d rows", source.name, where, result.rows)
    return result


# -- the source -------------------------------------------------------------------------------


def _open_source(source: Path, credentials: tuple[str, str] | None) -> Database:
    source = source.expanduser()
    if not source.is_file():
        raise UserError(f"--from: файл базы данных не найден: {source}")
    key = None
    if KeyStore.exists(source):
        if credentials is None:
            raise UserError(
                f"Файл {source} зашифрован: для переноса нужен вход руководителя "
                "(IC_USER и IC_PASSWORD)."
            )
        key = KeyStore.load(source).open_with_password(*credentials)
    database = _open_read_only(source, key)
    try:
        revision = current_revision(database.engine)
        if revision is None:
            raise UserError(
                f"Файл {source} не является базой данных программы: в нём нет таблиц программы."
            )
        if revision != head_revision():
            newer = revision not in known_revisions()
            raise UserError(
                f"Файл {source} — база "
                + ("более новой версии программы" if newer else "прежней версии программы")
                + f" (версия схемы {revision}, нужна {head_revision()}). "
                + (
                    "Установите последнюю версию программы."
                    if newer
                    else f"Откройте его программой (например, ic --db {source} check), "
                    "затем повторите перенос."
                )
            )
    except BaseException:
        database.close()
        raise
    return database


def _open_read_only(path: Path, key: bytes | None) -> Database:
    """The file opened read-only (``mode=ro``): not migrated, no pragma written, its bytes
    as they were; another program's file or a file that is no database is refused first."""
    refuse_foreign_file(path.resolve(), key)
    uri = f"{path.resolve().as_uri()}?mode=ro"

    def connect() -> Any:
        raw: Any = (
            sqlcipher3.connect(uri, uri=True, check_same_thread=False)
            if key is not None
            else sqlite3.connect(uri, uri=True, check_same_thread=False)
        )
        if key is not None:
            raw.execute(f'PRAGMA key = "{raw_key_pragma(key)}"')
        return raw

    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)
    factory = SessionFactory(engine, expire_on_commit=False)
    return Database(path=path.resolve(), engine=engine, session_factory=factory, key=key)


def _signed_in_user(src: Database, credentials: tuple[str, str] | None) -> int | None:
    """The supervisor who signs in to an encrypted source (None for a plain file)."""
    if src.key is None or credentials is None:
        return None
    login = credentials[0].strip().casefold()
    with src.session_factory() as session:
        user = session.scalar(select(models.User).where(models.User.login == login))
        if user is None or not user.active:
            raise UserError("Пользователь отключён. Обратитесь к руководителю.")
        if user.role is not UserRole.SUPERVISOR:
            raise UserError("Перенести базу на сервер может только руководитель.")
        return user.id


# -- the server, in one transaction -----------------------------------------------------------


def _copy_in_transaction(
    src: Database,
    conn: Connection,
    where: str,
    signed_in: int | None,
    credentials: tuple[str, str] | None,
    batch_rows: int,
    progress: Callable[[str, int], None] | None,
) -> CopyResult:
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SERVER_MIGRATION_LOCK})")
    _refuse_unless_empty(conn, where)
    _upgrade(conn)
    tables = _tables_to_copy(src)
    copied: list[tuple[Table, int, str]] = []
    with src.engine.connect() as source:
        for table in tables:
            rows, digest = _copy_table(source, conn, table, batch_rows)
            copied.append((table, rows, digest))
            if progress is not None:
                progress(table.name, rows)
    sync_id_sequences(conn, [t for t in tables if "id" in t.c and t.c.id.primary_key])
    verified = []
    for table, rows, digest in copied:
        target_rows, target_digest = table_checksum(conn, table)
        verified.append(TableCopy(table.name, rows, target_rows, digest, target_digest))
    different = [t.table for t in verified if not t.same]
    if different:
        raise CopyMismatchError(
            f"Перенос отменён: копия на сервере не совпала с файлом в таблицах "
            f"{', '.join(different)}. База {where} не изменена."
        )
    notes = _after_copy(conn, where, signed_in, credentials)
    return CopyResult(where, tuple(verified), notes)


def _refuse_unless_empty(conn: Connection, where: str) -> None:
    names = sorted(inspect(conn).get_table_names())
    if not names:
        return
    if "alembic_version" not in names:
        raise UserError(
            f"В базе {where} на сервере уже есть чужие таблицы ({', '.join(names[:5])}). "
            "Ничего не записано: переносить можно только в пустую базу."
        )
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if revision is not None and revision not in known_revisions():
        raise UserError(f"База {where} создана более новой версией программы. Ничего не записано.")
    quoted = ", ".join(f'"{n}"' for n in names)
    # Nobody writes into them until this transaction ends (or finds them empty, then full).
    conn.exec_driver_sql(f"LOCK TABLE {quoted} IN EXCLUSIVE MODE")
    for name in names:
        if name in _OWN_TABLES:
            continue
        if conn.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{name}")').scalar():
            raise UserError(
                f"В базе {where} на сервере уже есть данные (таблица {name}). Ничего не "
                "записано: переносить можно только в пустую базу (новую базу создаёт "
                "администратор сервера: CREATE DATABASE)."
            )


def _upgrade(conn: Connection) -> None:
    """The target to the head revision inside the copy's own transaction."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    if MigrationContext.configure(conn).get_current_revision() == head_revision():
        return
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _tables_to_copy(src: Database) -> list[Table]:
    """The program's tables in foreign-key order; the file must hold exactly those."""
    with src.engine.connect() as conn:
        present = {
            n for n in inspect(conn).get_table_names() if not n.startswith("sqlite_")
        } - _OWN_TABLES
    tables = list(models.Base.metadata.sorted_tables)
    expected = {t.name for t in tables}
    missing, extra = sorted(expected - present), sorted(present - expected)
    if missing or extra:
        what = (
            "нет таблиц " + ", ".join(missing) if missing else "лишние таблицы " + ", ".join(extra)
        )
        raise UserError(f"Файл {src.path} не совпадает со схемой программы ({what}).")
    return tables


def _ordered(table: Table, batch: int) -> Any:
    """Every row in primary-key order, streamed ``batch`` at a time (a server-side cursor on
    PostgreSQL): memory holds one batch, not the table."""
    return (
        select(table)
        .order_by(*table.primary_key.columns)
        .execution_options(stream_results=True, yield_per=batch)
    )


def _copy_table(
    source: Connection, target: Connection, table: Table, batch: int
) -> tuple[int, str]:
    """Rows of ``table`` from the file to the server, ``batch`` at a time; their count and
    checksum as read from the file."""
    digest = hashlib.sha256()
    rows = 0
    result = source.execute(_ordered(table, batch))
    names = [c.name for c in table.columns]
    for part in result.partitions(batch):
        chunk = [dict(zip(names, row, strict=True)) for row in part]
        for values in chunk:
            _feed(digest, (values[n] for n in names))
        target.execute(table.insert(), chunk)
        rows += len(chunk)
    return rows, digest.hexdigest()


def table_checksum(conn: Connection, table: Table, batch: int = BATCH_ROWS) -> tuple[int, str]:
    """(rows, SHA-256 of every row in primary-key order), the values as the program reads
    them: the same data gives the same sum on SQLite and on PostgreSQL."""
    digest = hashlib.sha256()
    rows = 0
    result = conn.execute(_ordered(table, batch))
    for part in result.partitions(batch):
        for row in part:
            _feed(digest, row)
            rows += 1
    return rows, digest.hexdigest()


def _feed(digest: Any, values: Iterable[Any]) -> None:
    digest.update(json.dumps([canonical(v) for v in values], ensure_ascii=False).encode())
    digest.update(b"\n")


def canonical(value: Any) -> Any:
    """One spelling per value, whichever database it was read from."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, Decimal):
        return ["dec", format(value.normalize(), "f")]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return ["datetime", moment.isoformat()]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, time):
        return ["time", value.isoformat()]
    if isinstance(value, UUID):
        return ["uuid", value.hex]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["bytes", bytes(value).hex()]
    if isinstance(value, dict):
        return {"json": {str(k): canonical(v) for k, v in sorted(value.items())}}
    if isinstance(value, list | tuple):
        return ["list", [canonical(v) for v in value]]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def _after_copy(
    conn: Connection, where: str, signed_in: int | None, credentials: tuple[str, str] | None
) -> tuple[str, ...]:
    """The copying supervisor's password on the server, an audit event, and what the
    other users need (their passwords were key slots of the file: a hash cannot be made
    of a password nobody typed)."""
    from app.services import access
    from app.services.common import audit

    notes: list[str] = []
    with Session(bind=conn, info={"user_id": signed_in}) as session:
        me = session.get(models.User, signed_in) if signed_in is not None else None
        if me is not None and credentials is not None:
            access.set_server_password(session, me, credentials[1])
            notes.append(f"Вход на сервере: «{me.login}» с тем же паролем, что и в файле.")
        audit(session, me, "database.copy", server=where)
        others = session.scalars(
            select(models.User.login).where(
                models.User.login.is_not(None),
                models.User.active.is_(True),
                models.User.id != (signed_in or 0),
            )
        ).all()
        session.flush()
    if others:
        notes.append(
            "Пароли остальных пользователей на сервер не переносятся; задайте их: "
            + "; ".join(f"ic --db {where} users reset-password {login}" for login in others)
        )
    if signed_in is None:
        notes.append(
            f"Файл не был зашифрован: назначьте руководителя для входа: ic --db {where} init"
        )
    return tuple(notes)


def _server_failure(exc: DBAPIError, where: str) -> UserError:
    known = translate_server(exc, where)
    if known is not None:
        return known
    orig = exc.orig if exc.orig is not None else exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if getattr(orig, "sqlstate", None) == "42501":
        return DatabaseError(
            f"У учётной записи нет прав создавать таблицы в базе {where}: переносит "
            "владелец базы (адрес с его именем). Ничего не записано."
        )
    return DatabaseError(
        f"Перенос прерван, сервер отклонил данные: {first}. База {where} осталась пустой."
    )
