"""A package or acknowledgement opened from the file manager (issue #14).

The installer registers .icsync and .icack: Windows starts the program with the file as its
only argument (`ic FILE.icsync`). The window opens with the file loaded in the exchange
section, exactly as when it is dropped on the window. Real installations made with `ic init`,
keys pinned and packages written with the real commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

import ui.app
from app.cli import EXIT_OK, main
from app.services import access, exchange_keys
from db.session import Database
from ui.exchange_pages import CentrePage, ProviderExchangePage
from ui.main_window import SECTION_KEYS, MainWindow

USER, PASSWORD = "petrova", "пароль-для-тестов"  # tests/conftest.py's IC_USER/IC_PASSWORD


def _ic(db: Path, *args: object) -> None:
    assert main(["--db", str(db), *[str(a) for a in args]]) == EXIT_OK, args


def _fingerprint(db_path: Path) -> str:
    db = access.sign_in(db_path, USER, PASSWORD)
    try:
        info = exchange_keys.installation(db)
        assert info is not None
        return info.fingerprint
    finally:
        db.close()


@pytest.fixture
def sent(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(centre database, provider database, the provider's package in a folder named in
    Russian with spaces, as Explorer passes it)."""
    hub, provider = tmp_path / "RC.sqlite", tmp_path / "P1.sqlite"
    _ic(hub, "init", "--role", "centre", "--code", "RC", "--organisation", "Центр")
    _ic(provider, "init", "--role", "provider", "--code", "P1", "--organisation", "Поставщик")
    _ic(provider, "demo", "--citizens", 8, "--seed", 3)
    _ic(hub, "keys", "export", "--out", tmp_path / "centre.ickey")
    _ic(provider, "keys", "export", "--out", tmp_path / "P1.ickey")
    _ic(provider, "centre", "pin", tmp_path / "centre.ickey", "--fingerprint", _fingerprint(hub))
    fingerprint = _fingerprint(provider)
    _ic(hub, "providers", "add", tmp_path / "P1.ickey", "--fingerprint", fingerprint)
    package = tmp_path / "Почта от поставщика" / "Пакет P1 № 1.icsync"
    package.parent.mkdir()
    _ic(provider, "sync", "export", "--out", package)
    return hub, provider, package


@pytest.fixture
def informed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the message boxes said (the operating system's dialogs answer at once)."""
    said: list[str] = []

    def information(_parent: QWidget, _title: str, text: str, *_: Any) -> Any:
        said.append(text)
        return QMessageBox.StandardButton.Ok

    def warning(_parent: QWidget, _title: str, text: str, *_: Any) -> Any:
        raise AssertionError(f"unexpected warning: {text}")

    monkeypatch.setattr(QMessageBox, "information", information)
    monkeypatch.setattr(QMessageBox, "warning", warning)
    return said


def _started_with(qtbot: QtBot, db: Database, tmp_path: Path, file: Path) -> MainWindow:
    """The window as ui.app.run starts it for `ic FILE`."""
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", settings=settings, open_file=file)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _idle(qtbot: QtBot, window: MainWindow) -> None:
    page = window.exchange_section.page
    for name in ("task", "pending_task"):
        task = getattr(page, name, None)
        if task is not None:
            qtbot.waitUntil(lambda t=task: not t.running, timeout=30_000)
    deadlines = window._deadline_task
    if deadlines is not None:
        qtbot.waitUntil(lambda: not deadlines.running, timeout=30_000)


def test_ic_with_only_an_exchange_file_starts_the_window_with_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[tuple[Path, Path | None]] = []

    def run(db_path: Path, _log: Path, open_file: Path | None = None) -> int:
        started.append((db_path, open_file))
        return 0

    monkeypatch.setattr(ui.app, "run", run)
    package = tmp_path / "Пакет P1 № 1.ICSYNC"  # Explorer keeps the name's own case
    ack = tmp_path / "P1 № 1.icack"
    assert main([str(package)]) == 0
    assert main([str(ack)]) == 0
    assert main([]) == 0
    assert [f for _, f in started] == [package, ack, None]
    # Anything else is a command as before: the file alone is not read as one.
    with pytest.raises(SystemExit):
        main([str(tmp_path / "выписка.xlsx")])


def test_a_package_opened_with_the_program_is_loaded_at_the_centre(
    qtbot: QtBot, sent: tuple[Path, Path, Path], tmp_path: Path, informed: list[str]
) -> None:
    hub, _provider, package = sent
    db = access.sign_in(hub, USER, PASSWORD)
    window = _started_with(qtbot, db, tmp_path, package)
    qtbot.waitUntil(lambda: len(informed) == 1, timeout=30_000)
    _idle(qtbot, window)
    assert window.nav.currentRow() == SECTION_KEYS.index("exchange")
    assert window.pages.currentWidget() is window.exchange_section
    page = window.exchange_section.page
    assert isinstance(page, CentrePage)
    (shown,) = informed
    assert shown.startswith("Пакет № 1 от Поставщик (P1) загружен: записей принято")
    ack = package.with_suffix(".icack")
    assert ack.is_file()
    assert f"Подтверждение для поставщика записано: {ack}" in shown
    assert page.message.text() == shown
    assert page.provider_table.item(0, 5).text() == "1"  # type: ignore[union-attr]
    window.close()
    db.close()


def test_an_acknowledgement_opened_with_the_program_confirms_the_package(
    qtbot: QtBot, sent: tuple[Path, Path, Path], tmp_path: Path, informed: list[str]
) -> None:
    hub, provider, package = sent
    _ic(hub, "sync", "import", package)
    ack = package.with_suffix(".icack")
    db = access.sign_in(provider, USER, PASSWORD)
    window = _started_with(qtbot, db, tmp_path, ack)
    page = window.exchange_section.page
    assert isinstance(page, ProviderExchangePage)
    qtbot.waitUntil(lambda: page.message.text() != "", timeout=30_000)
    _idle(qtbot, window)
    assert window.pages.currentWidget() is window.exchange_section
    assert page.message.text().startswith("Центр подтвердил пакет № 1.")
    assert informed == []
    window.close()
    db.close()


def test_a_file_of_the_other_side_says_where_it_belongs(
    qtbot: QtBot, sent: tuple[Path, Path, Path], tmp_path: Path, informed: list[str]
) -> None:
    _hub, provider, package = sent
    db = access.sign_in(provider, USER, PASSWORD)
    window = _started_with(qtbot, db, tmp_path, package)
    qtbot.waitUntil(lambda: len(informed) == 1, timeout=30_000)
    _idle(qtbot, window)
    assert window.pages.currentWidget() is window.exchange_section
    assert informed == [
        f"{package.name} — пакет поставщика: он загружается в региональном центре. "
        "Здесь загружается подтверждение центра (.icack)."
    ]
    window.close()
    db.close()
