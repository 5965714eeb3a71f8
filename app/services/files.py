"""Files a use case writes for the user: whole or not at all, never over the program's own
files, scratch data kept out of the system temp folder, with Russian reasons."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from app.errors import UserError, ValidationError
from app.paths import temp_dir
from db.keystore import keystore_path

Render = Callable[[Path], object]

# Longest file name (not path) the usual file systems take: 255 bytes on ext4/APFS,
# 255 UTF-16 units on NTFS. A Cyrillic name of 130 letters is already 260 bytes.
NAME_MAX = 255
_TEMP_SUFFIX = ".tmp"
_TEMP_RANDOM = 8  # hex digits between a temporary file's prefix and suffix
# tempfile.tempdir is process-wide: one redirection at a time (see _scratch_beside).
_scratch_lock = threading.RLock()


def checked_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """The export format asked for ("PDF", " xlsx"), as one of ``allowed``, or a message."""
    kind = fmt.strip().lower()
    if kind not in allowed:
        raise ValidationError(
            f"Неизвестный формат выгрузки «{fmt}»: возможны {', '.join(allowed)}."
        )
    return kind


def os_reason(path: Path, exc: OSError) -> str:
    """Why the system refused to write ``path``, in words a user can act on (no English)."""
    if exc.errno == errno.ENAMETOOLONG:
        return "слишком длинное имя файла или путь к нему"
    if isinstance(exc, FileNotFoundError) and not path.parent.is_dir():
        return f"папки {path.parent} не существует"
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return "это папка, а не файл"
    if isinstance(exc, FileExistsError):
        return "на этом месте уже есть файл с таким именем"
    if isinstance(exc, NotADirectoryError):
        return f"в пути {path.parent} файл стоит на месте папки"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "на диске не хватает места"
    if exc.errno == errno.EROFS:
        return "диск доступен только для чтения"
    if isinstance(exc, PermissionError):
        if not os.access(path.parent, os.W_OK):
            return f"нет прав на запись в папку {path.parent}"
        return "нет доступа (возможно, файл открыт в другой программе)"
    return f"ошибка ввода-вывода ({exc.strerror or exc})"


def cannot_write(out: Path, exc: OSError) -> UserError:
    """Why ``out`` could not be written, in words a user can act on."""
    return UserError(f"Не удаётся записать файл {out}: {os_reason(out, exc)}.")


# --- what may be written -----------------------------------------------------------------
#
# The database path is an explicit argument of every writer rather than a module-level
# registry that open_database fills: services already hold the Database they export from
# (db.path), the CLI knows --db even for commands that open nothing (demo-extract), and a
# registry would be global state that outlives the database it protects (tests open
# hundreds) and silently protects nothing when someone forgets to fill it. A required
# keyword makes every caller say which database's files are off limits.


def _own_files(database: Path) -> list[tuple[Path, str]]:
    """Files beside ``database`` that belong to it, with how a refusal names each."""
    journal = "это служебный файл базы данных программы"
    return [
        (database, "это файл базы данных программы"),
        *((database.with_name(database.name + tail), journal) for tail in _SQLITE_SIDECARS),
        (keystore_path(database), "это файл ключей базы данных программы"),
    ]


_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def _own_folders(database: Path) -> list[tuple[Path, str]]:
    # Imported here: backups (sign-in, maintenance) writes through this module itself.
    from app.services.backups import backup_folder

    return [
        (backup_folder(database), "папка резервных копий базы данных программы"),
        (temp_dir(database), "папка временных файлов программы"),
    ]


def _real(path: Path) -> str:
    """``path`` with symlinks and ``..`` resolved, in the case the file system compares."""
    return os.path.normcase(os.path.realpath(path))


def _same_file(a: Path, b: Path) -> bool:
    """A hard link or another spelling on a case-insensitive disk of an existing file."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _refuse_own(out: Path, database: Path) -> None:
    real = _real(out)
    for path, what in _own_files(database):
        if real == _real(path) or _same_file(out, path):
            raise UserError(
                f"Не удаётся записать файл {out}: {what}; выберите другое имя или папку."
            )
    for folder, what in _own_folders(database):
        inside = _real(folder)
        if real == inside or real.startswith(inside.rstrip(os.sep) + os.sep):
            raise UserError(f"Не удаётся записать файл {out}: это {what}; выберите другую папку.")


def _name_length(name: str) -> tuple[int, str]:
    if sys.platform == "win32":
        return len(name.encode("utf-16-le")) // 2, "символов"
    return len(os.fsencode(name)), "байт"


def check_output(out: Path, database: Path | None, *, make_folder: bool = False) -> Path:
    """``out`` as an absolute path if a file may be written there, else a UserError naming
    it: a name the file system takes, a folder that exists (``make_folder``: is made) and
    can be written, and not one of ``database``'s own files (the database, its journals,
    its key file, its backups)."""
    out = Path(out).expanduser().absolute()
    length, unit = _name_length(out.name)
    if length > NAME_MAX:
        raise UserError(
            f"Не удаётся записать файл {out}: слишком длинное имя файла ({length} {unit} "
            f"при допустимых {NAME_MAX}); сократите его."
        )
    if database is not None:
        _refuse_own(out, Path(database).expanduser().absolute())
    if out.is_dir():
        raise UserError(f"Не удаётся записать файл {out}: это папка, а не файл.")
    folder = out.parent
    if make_folder and not folder.is_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"Не удаётся создать папку {folder}: {os_reason(folder, exc)}."
            ) from exc
    if not folder.is_dir():
        if folder.exists():
            raise UserError(f"Не удаётся записать файл {out}: {folder} — это файл, а не папка.")
        raise UserError(f"Не удаётся записать файл {out}: папки {folder} не существует.")
    if not os.access(folder, os.W_OK):
        raise UserError(f"Не удаётся записать файл {out}: нет прав на запись в папку {folder}.")
    return out


# --- writing -----------------------------------------------------------------------------


def _temp_prefix(out: Path) -> str:
    """How the temporary files of ``out`` begin: hidden, named after it while that fits."""
    prefix = f".{out.name}."
    if len(os.fsencode(prefix)) + _TEMP_RANDOM + len(_TEMP_SUFFIX) > NAME_MAX:
        prefix = f".{hashlib.sha256(os.fsencode(out.name)).hexdigest()[:16]}."
    return prefix


def _remove_stale_temps(out: Path) -> None:
    """Temporary files of ``out`` left by a write that was killed before it could clean up."""
    pattern = re.compile(
        re.escape(_temp_prefix(out)) + f"[0-9a-f]{{{_TEMP_RANDOM}}}" + re.escape(_TEMP_SUFFIX)
    )
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            with suppress(OSError):
                os.unlink(entry.path)


def _new_temp(out: Path) -> Path:
    prefix = _temp_prefix(out)
    while True:
        temp = out.with_name(f"{prefix}{secrets.token_hex(_TEMP_RANDOM // 2)}{_TEMP_SUFFIX}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            os.close(os.open(temp, flags, 0o600))
        except FileExistsError:
            continue
        return temp


@contextmanager
def _scratch_beside(database: Path | None) -> Iterator[None]:
    """Library temporary files go to the database's private folder while rendering.

    openpyxl writes each sheet (names, addresses) to a file in the system temp folder before
    zipping it, and a killed process leaves it there; it asks ``tempfile`` for the folder, so
    ``tempfile.tempdir`` is pointed at :func:`app.paths.temp_dir` (mode 0700, emptied when a
    database is opened) for the duration, under a lock since the setting is process-wide.
    """
    if database is None or not Path(database).expanduser().absolute().parent.is_dir():
        # No data folder yet (`ic demo-extract` before any database): no personal data
        # exists to protect, and the library's own temp folder is used.
        yield
        return
    folder = temp_dir(Path(database).expanduser().absolute())
    with _scratch_lock:
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            folder.chmod(0o700)
        except OSError as exc:
            raise UserError(
                f"Не удаётся создать папку временных файлов {folder}: {os_reason(folder, exc)}."
            ) from exc
        saved = tempfile.tempdir
        tempfile.tempdir = str(folder)
        try:
            yield
        finally:
            tempfile.tempdir = saved
            with suppress(OSError):
                folder.rmdir()  # only when empty: a finished write leaves nothing behind


def write_files(outputs: Sequence[tuple[Path, Render]], *, database: Path | None) -> list[Path]:
    """Write several files, each whole or not at all, all checked before any is written.

    Every ``out`` is checked (:func:`check_output`) and given a temporary file beside it
    before the first render, so a wrong second path leaves the first file unwritten too;
    each render fills its temporary file, and only when all succeeded are they moved into
    place. A failure (disk full, no access, the file open in another program) leaves any
    earlier files as they were and no temporary file behind; ones a killed write left are
    removed the next time the same file is written.
    """
    targets = [check_output(out, database) for out, _ in outputs]
    seen: set[str] = set()
    for out in targets:
        if _real(out) in seen:
            raise UserError(f"Не удаётся записать файл {out}: он указан дважды.")
        seen.add(_real(out))
    temps: list[Path] = []
    try:
        for out in targets:
            _remove_stale_temps(out)
            try:
                temps.append(_new_temp(out))
            except OSError as exc:
                raise cannot_write(out, exc) from exc
        with _scratch_beside(database):
            for out, temp, (_, render) in zip(targets, temps, outputs, strict=True):
                try:
                    render(temp)
                except OSError as exc:
                    raise cannot_write(out, exc) from exc
        for out, temp in zip(targets, temps, strict=True):
            try:
                os.replace(temp, out)
            except OSError as exc:
                raise cannot_write(out, exc) from exc
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
    return targets


def write_atomically(out: Path, render: Render, *, database: Path | None) -> Path:
    """Render into a temporary file beside ``out``, then move it into place.

    ``database`` is the open database whose files ``out`` must not be (None: nothing to
    protect, e.g. a file written with no database open). See :func:`write_files`.
    """
    (written,) = write_files([(out, render)], database=database)
    return written
