"""Opening a database: engine, migrations, session factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DatabaseError
from app.paths import clear_temp_dir
from db.engine import create_db_engine, translated_errors
from db.keystore import raw_key_pragma
from db.migrate import upgrade

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    """An open database file: what services need to start a unit of work."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]
    # Who signed in (None: an unencrypted database of the one local profile) and the
    # SQLCipher key in memory (None: not encrypted); app.services.access sets both.
    user_id: int | None = None
    key: bytes | None = None

    @property
    def encrypted(self) -> bool:
        return self.key is not None

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
    """
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise DatabaseError(f"Указан каталог, а не файл базы данных: {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"Не удаётся создать каталог для базы данных {path.parent}: {exc}"
        ) from exc
    clear_temp_dir(path)  # export scratch files a killed run left (app/services/files.py)
    engine = create_db_engine(path, raw_key_pragma(key) if key is not None else None)
    try:
        with translated_errors(path):
            if migrate:
                upgrade(engine, path)
    except BaseException:
        engine.dispose()
        raise
    factory = sessionmaker(engine, expire_on_commit=False, info={"user_id": user_id})
    logger.info("database opened: %s", path.name)
    return Database(path=path, engine=engine, session_factory=factory, user_id=user_id, key=key)
