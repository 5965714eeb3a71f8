"""Files written for the user appear whole or not at all, with a reason a user can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import UserError
from app.services.files import write_atomically


def test_written_whole_and_returned(tmp_path: Path) -> None:
    out = write_atomically(tmp_path / "a.txt", lambda p: p.write_text("новое", encoding="utf-8"))
    assert out.read_text(encoding="utf-8") == "новое"
    assert [f.name for f in tmp_path.iterdir()] == ["a.txt"]


def test_a_failed_render_keeps_the_earlier_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    out.write_text("старое", encoding="utf-8")

    def broken(path: Path) -> None:
        path.write_text("половина", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(UserError, match="Не удаётся записать файл .*a.txt"):
        write_atomically(out, broken)
    assert out.read_text(encoding="utf-8") == "старое"
    assert [f.name for f in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "это папка, а не файл"), ("missing/a.txt", "не существует")],
)
def test_a_folder_or_missing_folder_is_named(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(UserError, match=reason):
        write_atomically(tmp_path / name, lambda p: p.write_text("x", encoding="utf-8"))
