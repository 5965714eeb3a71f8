"""Backups that restore: the first start of a day, before imports and re-forming, on demand.

A backup is a consistent copy of the database file taken while a read transaction pins the
WAL (so no checkpoint rewrites the file under the copy), in ``backups/`` beside the
database. An encrypted database stays encrypted in its backups (the same key), and its key
file is copied beside each backup so that a lost key file can be restored too. Backups are
rotated: the newest of each of the last 7 days, 4 weeks and 12 months are kept, and the
three newest backups of each kind.

A database on a PostgreSQL server (issue #15) is not a file: its backups are the server
administrator's (pg_dump); making or restoring one here is refused in one line.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from app import clock
from app.errors import UserError
from app.services import access
from app.services.common import audit, current_user
from app.services.maintenance import check
from db.engine import translated_errors
from db.keystore import KeyStore, keystore_path
from db.migrate import current_revision, known_revisions
from db.session import Database, open_database

logger = logging.getLogger(__name__)

FOLDER = "backups"
KINDS = {
    "daily": "ежедневная",
    "manual": "по команде",
    "before-import": "перед загрузкой выписки",
    "before-forming": "перед повторным формированием реестра",
    "before-restore": "перед восстановлением",
    "before-migration": "перед обновлением схемы",
}
KEEP_DAYS, KEEP_WEEKS, KEEP_MONTHS = 7, 4, 12
KEEP_PER_KIND = 3  # the newest of each kind too (before an import, a restore, …)
SERVER_BACKUPS = (
    "Резервные копии базы на сервере PostgreSQL делает администратор сервера (pg_dump); "
    "см. раздел «Общая база для нескольких специалистов» в README."
)
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<stamp>\d{8}-\d{6})\.(?P<kind>[a-z-]+)\.sqlite$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime  # aware, the organisation's zone
    kind: str
    size: int

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


def backup_folder(db_path: Path) -> Path:
    return db_path.parent / FOLDER


def list_backups(db_path: Path) -> list[BackupInfo]:
    """Every backup of this database, newest first."""
    folder = backup_folder(db_path)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or match["stem"] != db_path.stem:
            continue
        stamp = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S").replace(tzinfo=clock.time_zone())
        try:
            size = path.stat().st_size
        except FileNotFoundError:  # rotated away by another process meanwhile
            continue
        if size == 0:  # a name reserved by a copy still being made: not a backup yet
            continue
        found.append(BackupInfo(path, stamp, match["kind"], size))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def make_backup(db: Database, kind: str, *, record: bool = True) -> BackupInfo:
    """A consistent copy of the database now, then rotation.

    ``record``: an audit event says so. The copy made before an import is not recorded:
    a cancelled or refused import must leave every table as it was.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown backup kind {kind!r}")
    if db.on_server:
        raise UserError(SERVER_BACKUPS)
    folder = backup_folder(db.path)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Не удаётся создать папку резервных копий {folder}: {exc}") from exc
    now, target = _reserve_name(folder, db.path.stem, kind)
    _remove_stale(folder, reference=target.stat().st_mtime)
    handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    # Closed at once: Windows cannot rename a file that is still open (found under Wine).
    os.close(handle)
    partial = Path(partial_name)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.commit()
    # A read transaction pins the WAL: writers go on appending, but no checkpoint
    # rewrites the main file while it is copied.
    with db.engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
        try:
            shutil.copyfile(db.path, partial)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            target.unlink(missing_ok=True)
            raise UserError(f"Резервная копия не создана ({target.name}): {exc}") from exc
    os.replace(partial, target)  # over the reserved empty file
    if KeyStore.exists(db.path):
        shutil.copyfile(keystore_path(db.path), keystore_path(target))
    # The size now: another process's rotation may remove this copy a moment later.
    made = BackupInfo(target, now, kind, target.stat().st_size)
    if record:
        with db.session_factory.begin() as session:
            audit(session, current_user(session), "backup.create", file=target.name, kind=kind)
    rotate(db.path, keep=target)
    logger.info("backup %s", target.name)
    return made


STALE_SECONDS = 15 * 60  # no copy takes this long: a part older than that was killed


def _remove_stale(folder: Path, reference: float) -> None:
    """Partial copies and reserved names a killed backup left behind (found by kill -9).

    Ages are measured against the file just reserved (the file system's own clock), so a
    copy another process is writing right now is never touched.
    """
    for path in folder.iterdir():
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        stale = reference - info.st_mtime > STALE_SECONDS
        partial = path.name.endswith(".part")
        reserved = path.suffix == ".sqlite" and info.st_size == 0
        if stale and (partial or reserved):
            path.unlink(missing_ok=True)


def _reserve_name(folder: Path, stem: str, kind: str) -> tuple[datetime, Path]:
    """A name no other backup has, taken atomically: two processes (or two backups in one
    second) never write one file. The next free second's name when this one is taken."""
    now = clock.now_local()
    while True:
        target = folder / f"{stem}.{now:%Y%m%d-%H%M%S}.{kind}.sqlite"
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            now += timedelta(seconds=1)
            continue
        return now, target


def backup_at_start(db: Database) -> BackupInfo | None:
    """The first start of the day makes the day's backup (a server's are the server's)."""
    if db.on_server:
        return None
    today = clock.today()
    if any(b.taken_at.date() == today for b in list_backups(db.path)):
        return None
    return make_backup(db, "daily")


def rotate(db_path: Path, keep: Path | None = None) -> list[Path]:
    """Remove backups no rule keeps (never ``keep``, the one just made); returns them."""
    backups = list_backups(db_path)  # newest first
    kept: set[Path] = {keep} if keep is not None else set()
    for period, count in ((_day, KEEP_DAYS), (_week, KEEP_WEEKS), (_month, KEEP_MONTHS)):
        seen: list[object] = []
        for backup in backups:
            key = period(backup.taken_at.date())
            if key not in seen:
                seen.append(key)
                if len(seen) > count:
                    break
                kept.add(backup.path)
    per_kind: dict[str, int] = {}
    for backup in backups:
        per_kind[backup.kind] = per_kind.get(backup.kind, 0) + 1
        if per_kind[backup.kind] <= KEEP_PER_KIND:
            kept.add(backup.path)
    removed = []
    for backup in backups:
        if backup.path not in kept:
            backup.path.unlink(missing_ok=True)
            keystore_path(backup.path).unlink(missing_ok=True)
            removed.append(backup.path)
    return removed


def _day(day: date) -> object:
    return day


def _week(day: date) -> object:
    return day.isocalendar()[:2]


def _month(day: date) -> object:
    return (day.year, day.month)


def restore(
    db_path: Path,
    backup: Path,
    login: str | None,
    password: str | None,
    *,
    key: bytes | None = None,
) -> Path:
    """Replace the database with ``backup``; the current file is kept aside first.

    The backup is verified before anything moves: it opens (with the key its own key file,
    or the current one, unwraps from the password), passes SQLite's integrity check and
    has a schema this version knows. Returns the path the current file was kept at.
    """
    backup = backup.expanduser().resolve()
    if not backup.is_file():
        raise UserError(f"Резервная копия не найдена: {backup}")
    owner = backup if KeyStore.exists(backup) else db_path if KeyStore.exists(db_path) else None
    if owner is not None and key is None:
        if not login or not password:
            raise UserError("Для восстановления зашифрованной копии нужен вход в программу.")
        key = KeyStore.load(owner).open_with_password(login, password)
    _verify(backup, key)

    partial = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, partial)  # first: rotation below may remove ``backup`` itself
    backup_keys = keystore_path(backup).read_bytes() if KeyStore.exists(backup) else None
    aside = None
    if db_path.exists():
        current = open_database(db_path, key) if key is not None else open_database(db_path)
        try:
            aside = make_backup(current, "before-restore").path
        finally:
            current.close()
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    os.replace(partial, db_path)
    if backup_keys is not None and not KeyStore.exists(db_path):
        keystore_path(db_path).write_bytes(backup_keys)
    restored = (
        access.sign_in(db_path, login, password)
        if key is not None and login and password
        else open_database(db_path, key)
    )
    try:
        with restored.session_factory.begin() as session:
            audit(session, current_user(session), "backup.restore", file=backup.name)
        report = check(restored)
    finally:
        restored.close()
    if not report.ok:
        raise UserError(
            f"База восстановлена из {backup.name}, но проверка нашла нарушения: ic check. "
            f"Прежний файл: {aside}"
        )
    return aside or backup


def _verify(backup: Path, key: bytes | None) -> None:
    probe = backup.with_name(backup.name + ".verify")
    shutil.copyfile(backup, probe)  # never open (and so never migrate) the backup itself
    try:
        database = open_database(probe, key, migrate=False)
        try:
            with translated_errors(probe), database.engine.connect() as conn:
                integrity = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            revision = current_revision(database.engine)
        finally:
            database.close()
    except UserError as exc:
        raise UserError(f"Резервная копия {backup.name} не открывается: {exc}") from exc
    finally:
        for suffix in ("", "-wal", "-shm"):
            probe.with_name(probe.name + suffix).unlink(missing_ok=True)
    if integrity != ["ok"]:
        raise UserError(f"Резервная копия {backup.name} повреждена: {integrity[0]}")
    if revision not in known_revisions():
        raise UserError(f"Резервная копия {backup.name} от неизвестной версии программы.")
