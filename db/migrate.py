"""Alembic from code: upgrade at start-up, back the file up first, refuse newer files."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from app import clock
from app.errors import DatabaseTooNewError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


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
    its schema is changed, so a failed upgrade loses nothing.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    if current is not None and current not in known_revisions():
        raise DatabaseTooNewError(
            "База данных создана более новой версией программы "
            f"(версия схемы {current}). Установите последнюю версию программы."
        )
    backup = None
    if path is not None and not is_empty(engine):
        backup = backup_file(engine, path, "before-migration")
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    logger.info("database %s upgraded from %s to %s", path, current, head)
    return backup


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
