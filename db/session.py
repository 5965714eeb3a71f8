"""Opening a database: engine, migrations, session factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DatabaseError
from db.engine import create_db_engine, translated_errors
from db.migrate import upgrade

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    """An open database file: what services need to start a unit of work."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_database(path: Path | str, key: str | None = None, *, migrate: bool = True) -> Database:
    """Open (creating if needed) and upgrade the database at ``path``."""
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise DatabaseError(f"Указан каталог, а не файл базы данных: {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"Не удаётся создать каталог для базы данных {path.parent}: {exc}"
        ) from exc
    engine = create_db_engine(path, key)
    try:
        with translated_errors(path):
            if migrate:
                upgrade(engine, path)
    except BaseException:
        engine.dispose()
        raise
    factory = sessionmaker(engine, expire_on_commit=False)
    logger.info("database opened: %s", path)
    return Database(path=path, engine=engine, session_factory=factory)
