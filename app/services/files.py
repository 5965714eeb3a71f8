"""Files a use case writes for the user: whole or not at all, with Russian reasons."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.errors import UserError, ValidationError


def checked_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """The export format asked for ("PDF", " xlsx"), as one of ``allowed``, or a message."""
    kind = fmt.strip().lower()
    if kind not in allowed:
        raise ValidationError(
            f"Неизвестный формат выгрузки «{fmt}»: возможны {', '.join(allowed)}."
        )
    return kind


def cannot_write(out: Path, exc: OSError) -> UserError:
    """Why ``out`` could not be written, in words a user can act on."""
    if isinstance(exc, FileNotFoundError) and not out.parent.is_dir():
        reason = f"папки {out.parent} не существует"
    elif isinstance(exc, IsADirectoryError) or out.is_dir():
        reason = "это папка, а не файл"
    elif isinstance(exc, PermissionError):
        reason = "нет доступа (возможно, файл открыт в другой программе)"
    else:
        reason = exc.strerror or str(exc)
    return UserError(f"Не удаётся записать файл {out}: {reason}.")


def write_atomically(out: Path, render: Callable[[Path], object]) -> Path:
    """Render into a temporary file beside ``out``, then move it into place.

    A failure (disk full, no access, the file open in another program) leaves any earlier
    ``out`` as it was and no temporary file behind.
    """
    out = Path(out).expanduser().absolute()
    if out.is_dir():
        raise UserError(f"Не удаётся записать файл {out}: это папка, а не файл.")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise cannot_write(out, exc) from exc
    os.close(handle)
    temp = Path(temp_name)
    try:
        render(temp)
        os.replace(temp, out)
    except OSError as exc:
        raise cannot_write(out, exc) from exc
    finally:
        temp.unlink(missing_ok=True)
    return out
