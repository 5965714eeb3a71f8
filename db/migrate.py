"""Alembic from code: upgrade at start-up, back the file up first, refuse newer files.

The upgrade also marks the file as ours (``PRAGMA application_id``), so that opening
another program's SQLite file is refused instead of filling it with our tables.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError

from app import clock
from app.errors import DatabaseTooNewError
from db.engine import for_writing

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: ``PRAGMA application_id`` of our database files: "ICS1" (Integration Consultant, schema 1).
APPLICATION_ID = 0x49435331


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


_REVISION = re.compile(r"^revision: str = '(?P<rev>[^']+)'", re.MULTILINE)
_DOWN = re.compile(r"^down_revision: str \| None = (?:'(?P<rev>[^']+)'|None)", re.MULTILINE)


@functools.cache
def _revision_graph() -> tuple[frozenset[str], str]:
    """Every revision of the migration scripts and the head, read from the scripts' own
    ``revision``/``down_revision`` lines: opening a database at the head revision (every
    start of every command) then needs no Alembic import (about 0.3 s). A test checks this
    against Alembic's ScriptDirectory."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found["rev"])
        down = _DOWN.search(source)
        if down is not None and down["rev"]:
            parents.add(down["rev"])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migration scripts have {len(heads)} heads: {sorted(heads)}")
    return frozenset(revisions), next(iter(heads))


def head_revision() -> str:
    return _revision_graph()[1]


def known_revisions() -> set[str]:
    return set(_revision_graph()[0])


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database (Alembic's ``alembic_version``), or None."""
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


def upgrade(engine: Engine, path: Path | None) -> Path | None:
    """Bring the database to the head revision; return the backup made, if any.

    A file whose revision this version does not know was written by a newer
    version: refuse it rather than guess. An existing file is copied before
    its schema is changed, so a failed upgrade loses nothing. Two programs
    opening a new file at once: the second waits for the first's write lock,
    then finds the schema in place.
    """
    if engine.dialect.name != "sqlite":
        _upgrade_server(engine)
        return None
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        if application_id(engine) != APPLICATION_ID:  # made before the id was set
            with for_writing(engine).begin() as conn:
                _mark_ours(conn)
        return None
    _refuse_unknown(current)
    backup = None
    if path is not None and not is_empty(engine):
        backup = backup_file(engine, path, "before-migration")
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with for_writing(engine).connect() as conn:
        # SQLite's own procedure for schema changes (lang_altertable.html): foreign keys off
        # while tables are rebuilt, checked afterwards. With them on, dropping the old copy
        # of a rebuilt table runs its ON DELETE actions: rebuilding plan_question (0006)
        # deleted every plan_interaction, and rebuilding disability_assessment cleared the
        # assessment of every registry entry. The pragma is ignored inside a transaction,
        # so it is set on the driver's connection before the transaction begins.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                current = MigrationContext.configure(conn).get_current_revision()  # locked
                _refuse_unknown(current)
                if current != head:
                    config = alembic_config()
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:  # rolled back: the file stays at its old revision
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
                    logger.info("database %s upgraded from %s to %s", path, current, head)
                _mark_ours(conn)
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
    return backup


#: The advisory lock two programs take before upgrading one server database ("IC15").
SERVER_MIGRATION_LOCK = 0x49433135


def _upgrade_server(engine: Engine) -> None:
    """PostgreSQL: the whole upgrade in one transaction (DDL is transactional there), under
    an advisory lock so that two consultants starting at once do not both migrate. No file
    to back up: the server's own backups (pg_dump) are the administrator's."""
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    _refuse_unknown(current)
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SERVER_MIGRATION_LOCK})")
        current = MigrationContext.configure(conn).get_current_revision()  # under the lock
        _refuse_unknown(current)
        if current != head:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            logger.info("server database upgraded from %s to %s", current, head)


def application_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA application_id").scalar_one())


def _mark_ours(conn: Connection) -> None:
    conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def _refuse_unknown(current: str | None) -> None:
    if current is not None and current not in known_revisions():
        raise DatabaseTooNewError(
            "База данных создана более новой версией программы "
            f"(версия схемы {current}). Установите последнюю версию программы."
        )


def backup_file(engine: Engine, path: Path, label: str) -> Path:
    """Copy the database file (WAL checkpointed first) into ``backups/`` beside it.

    Named as app/services/backups.py names its backups (``stem.YYYYmmdd-HHMMSS.kind.sqlite``),
    so that `ic backup list` and `ic restore` see it; the key file goes beside it.
    """
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    folder = path.parent / "backups"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = clock.now_local().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}.{stamp}.{label}.sqlite"
    shutil.copyfile(path, target)
    keys = path.with_name(path.name + ".keys")
    if keys.exists():
        shutil.copyfile(keys, target.with_name(target.name + ".keys"))
    logger.info("database copied to %s", target)
    return target
