"""Which database this computer opens when no ``--db`` is given (issue #15).

The choice is per machine, not per database (it says *which* database), so it cannot live in
the database's settings: a small JSON file ``connection.json`` in the data folder
(:func:`app.paths.data_dir`) holds ``{"database": "<postgresql:// URL or file path>"}``.
No file, or ``"database": null``, means the default SQLite file.

The file never holds a password: a URL's password is dropped before writing (the password
lives in the system's credential store, see db/server.py). The file is written atomically
(a temporary file beside it, then ``os.replace``). Whatever is found in it that is not what
we write — not JSON, the wrong types, an oversized file, an unreadable file — is logged and
treated as "not configured", never a crash: the program then opens the default file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from app.paths import data_dir

logger = logging.getLogger(__name__)

FILE_NAME = "connection.json"
# What we write is well under 1 KiB; a file much larger than that is not ours.
MAX_BYTES = 16 * 1024
MAX_TARGET_CHARS = 4096
_KEY = "database"
_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def connection_file() -> Path:
    return data_dir() / FILE_NAME


def _is_url(target: str) -> bool:
    return target.strip().lower().startswith(_SCHEMES)


def _without_password(target: str) -> str:
    """The URL with any password removed; a file path unchanged."""
    if not _is_url(target):
        return target
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(target.strip())
    except ArgumentError as exc:
        raise ValueError("malformed database URL") from exc
    if not url.host or not url.database:
        raise ValueError("database URL without a host or database name")
    if url.password is None:
        return target.strip()
    bare = URL.create(
        drivername=url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return bare.render_as_string(hide_password=False)


def configured_database() -> str | None:
    """The database chosen for this computer: a ``postgresql://`` URL or a file path;
    None when nothing (usable) is configured — the default SQLite file."""
    path = connection_file()
    try:
        if not path.exists():
            return None
        size = path.stat().st_size
        if size > MAX_BYTES:
            logger.warning("%s is %d bytes, not a connection choice; ignored", path, size)
            return None
        raw = path.read_bytes()
    except OSError as exc:
        logger.warning("cannot read %s (%s); the default database is used", path, exc)
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        logger.warning("%s is not valid JSON (%s); the default database is used", path, exc)
        return None
    if not isinstance(data, dict):
        logger.warning("%s holds %s, not an object; ignored", path, type(data).__name__)
        return None
    target = data.get(_KEY)
    if target is None:
        return None
    if not isinstance(target, str):
        logger.warning("%s: %r is %s, not text; ignored", path, _KEY, type(target).__name__)
        return None
    target = target.strip()
    if not target or len(target) > MAX_TARGET_CHARS or "\x00" in target:
        logger.warning("%s: the database entry is empty or unusable; ignored", path)
        return None
    if _is_url(target):
        try:
            clean = _without_password(target)
        except ValueError:
            logger.warning("%s: the database URL is malformed; ignored", path)
            return None
        if clean != target:
            logger.warning("%s holds a password in the URL; it is not used", path)
        return clean
    return target


def save_configured_database(target: str | None) -> None:
    """Store the choice for this computer (None or "": back to the default file).

    A password in a URL is dropped, never written. Raises ``ValueError`` for a malformed
    URL or an oversized target and ``OSError`` when the data folder cannot be written."""
    value: str | None = None
    if target is not None and target.strip():
        if len(target) > MAX_TARGET_CHARS or "\x00" in target:
            raise ValueError("database target too long or not text")
        value = _without_password(target.strip())
    path = connection_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({_KEY: value}, ensure_ascii=False, indent=2) + "\n"
    fd, temp_name = tempfile.mkstemp(prefix=".connection-", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    logger.info("database for this computer set to %s", _shown(value))


def _shown(value: str | None) -> str:
    return "the default file" if value is None else value
