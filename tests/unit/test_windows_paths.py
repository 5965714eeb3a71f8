"""Windows paths on any machine (issue #14): where the data lives under %LOCALAPPDATA%, and
files written under names in Russian with spaces, as Windows users name them."""

from __future__ import annotations

import sys
from pathlib import Path, PureWindowsPath

import platformdirs
import platformdirs.windows
import pytest

from app.errors import UserError
from app.paths import HOME_ENV, data_dir, default_database_path, log_dir
from app.services.files import check_output, write_atomically, write_files

LOCALAPPDATA = r"C:\Users\Анна Петрова\AppData\Local"


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """platformdirs' own Windows rules, its folder taken from its documented override
    (WIN_PD_OVERRIDE_LOCAL_APPDATA) instead of asking Windows."""
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", LOCALAPPDATA)
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)


def test_the_data_folder_is_under_localappdata(on_windows: None) -> None:
    data = PureWindowsPath(LOCALAPPDATA) / "IntegrationConsultant" / "IntegrationConsultant"
    assert PureWindowsPath(str(data_dir())) == data
    assert PureWindowsPath(str(default_database_path())) == data / "integration-consultant.sqlite"
    assert PureWindowsPath(str(log_dir())) == data / "Logs"
    # What the installers' uninstallers leave in place (installer/ic.nsi, installer/ic.iss).
    assert data.parent == PureWindowsPath(LOCALAPPDATA) / "IntegrationConsultant"


def test_ic_home_still_wins_on_windows(on_windows: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(Path("D:/Проверка")))
    assert data_dir() == Path("D:/Проверка")


def test_a_file_named_in_russian_with_spaces_is_written_whole(tmp_path: Path) -> None:
    folder = tmp_path / "Мои документы" / "Отчёты консультанта"
    folder.mkdir(parents=True)
    database = tmp_path / "Данные консультанта" / "integration-consultant.sqlite"
    database.parent.mkdir()
    database.write_bytes(b"SQLite format 3\x00")
    out = folder / "Маршрут Ёлкиной А. П. (версия 2) 2026-11.pdf"
    written = write_atomically(
        out, lambda p: p.write_bytes(b"%PDF-1.4 \xd0\x81"), database=database
    )
    assert written == out and out.read_bytes() == b"%PDF-1.4 \xd0\x81"
    assert [f.name for f in folder.iterdir()] == [out.name]  # no temporary file left
    # Two at once, one in a second folder with spaces.
    other = tmp_path / "Мои документы" / "Письма гражданам"
    other.mkdir()
    outs = [other / "Письмо Иванову И. И..txt", folder / "Конверт DL № 1.txt"]
    done = write_files(
        [(p, lambda f, t=p.stem: f.write_text(t, encoding="utf-8")) for p in outs],
        database=database,
    )
    assert [p.read_text(encoding="utf-8") for p in done] == [p.stem for p in outs]


def test_the_database_folder_with_spaces_still_guards_its_own_files(tmp_path: Path) -> None:
    database = tmp_path / "Данные консультанта" / "integration-consultant.sqlite"
    database.parent.mkdir()
    database.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(UserError, match="выберите другое имя или папку"):
        check_output(database, database)
    with pytest.raises(UserError, match="выберите другую папку"):
        check_output(database.parent / "backups" / "копия.pdf", database)


def test_a_long_russian_name_is_measured_as_the_file_system_does(tmp_path: Path) -> None:
    # 200 Cyrillic letters: 200 UTF-16 characters on NTFS (limit 255), 400 UTF-8 bytes on
    # Linux file systems (limit 255 bytes).
    name = "Я" * 196 + ".pdf"
    if sys.platform == "win32":
        assert check_output(tmp_path / name, None) == tmp_path / name
    else:
        with pytest.raises(UserError, match=r"слишком длинное имя файла \(396 байт при допуст"):
            check_output(tmp_path / name, None)
