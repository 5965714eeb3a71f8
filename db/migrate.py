"""Alembic from code: upgrade at start-up, back the file up first, refuse newer files.

The upgrade also marks the file as ours (``PRAGMA application_id``), so that opening
another program's SQLite file is refused instead of filling it with our tables.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from app import clock
from app.errors import DatabaseTooNewError
from db.engine import for_writing

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: ``PRAGMA application_id`` of our database files: "ICS1" (Integration Consultant, schema 1).
APPLICATION_ID = 0x49435331


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


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
    with for_writing(engine).begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()  # under the lock
        _refuse_unknown(current)
        if current != head:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            logger.info("database %s upgraded from %s to %s", path, current, head)
        _mark_ours(conn)
    return backup


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
