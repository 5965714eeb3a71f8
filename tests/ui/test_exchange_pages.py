"""The exchange section of the main window (issue #11), on real installations.

Every installation is a real database made by `ic init --role … --code …`; keys are pinned
with the real commands; the windows are driven by pressing their buttons and shortcuts.
Only the operating system's dialogs (file choosers, message boxes, text prompts) answer
from a queue.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.cli import EXIT_OK, main
from app.services import access, backups, centre, exchange, exchange_keys
from app.services.citizens import CitizenForm, load_card, save_citizen
from db.session import Database, open_database
from ui.exchange_pages import CentrePage, ExchangeSetupPage, ProviderExchangePage
from ui.main_window import SECTION_KEYS, MainWindow

USER, PASSWORD = "petrova", "пароль-для-тестов"  # tests/conftest.py's IC_USER/IC_PASSWORD
TODAY = date(2026, 11, 23)  # tests/conftest.py's clock
EXCHANGE = SECTION_KEYS.index("exchange")


# -- real installations -------------------------------------------------------------------


@dataclasses.dataclass
class Site:
    path: Path
    code: str
    name: str
    plain: bool = False

    def open(self) -> Database:
        if self.plain:
            return open_database(self.path)
        return access.sign_in(self.path, USER, PASSWORD)

    def ic(self, *args: object) -> None:
        assert main(["--db", str(self.path), *[str(a) for a in args]]) == EXIT_OK, args

    def fingerprint(self) -> str:
        db = self.open()
        try:
            info = exchange_keys.installation(db)
            assert info is not None
            return info.fingerprint
        finally:
            db.close()


def _site(
    tmp: Path, role: str, code: str, name: str, citizens: int = 0, plain: bool = False
) -> Site:
    site = Site(tmp / f"{code}.sqlite", code, name, plain)
    extra = ["--plain"] if plain else []
    site.ic("init", "--role", role, "--code", code, "--organisation", name, *extra)
    if citizens:
        site.ic("demo", "--citizens", citizens, "--seed", "3")
    return site


def _pin(tmp: Path, hub: Site, provider: Site) -> None:
    hub.ic("keys", "export", "--out", tmp / "centre.ickey")
    provider.ic("keys", "export", "--out", tmp / f"{provider.code}.ickey")
    provider.ic("centre", "pin", tmp / "centre.ickey", "--fingerprint", hub.fingerprint())
    hub.ic(
        "providers", "add", tmp / f"{provider.code}.ickey", "--fingerprint", provider.fingerprint()
    )


def _send(tmp: Path, hub: Site, provider: Site, name: str) -> Path:
    package = tmp / f"{name}.icsync"
    provider.ic("sync", "export", "--out", package)
    hub.ic("sync", "import", package)
    provider.ic("sync", "import", package.with_suffix(".icack"))
    return package


def _edit_first_person(site: Site, **changes: str) -> None:
    db = site.open()
    try:
        with db.engine.connect() as conn:
            citizen_id = conn.exec_driver_sql("SELECT id FROM citizen ORDER BY id LIMIT 1").scalar()
        assert isinstance(citizen_id, int)
        card = load_card(db, citizen_id)
        save_citizen(db, dataclasses.replace(card.form, **changes), citizen_id)
    finally:
        db.close()


@pytest.fixture
def region(tmp_path: Path) -> tuple[Site, Site]:
    """The regional centre RC and a provider P1 with 60 demo citizens, keys pinned both ways."""
    hub = _site(tmp_path, "centre", "RC", "Центр")
    provider = _site(tmp_path, "provider", "P1", "Поставщик № 1", citizens=60)
    _pin(tmp_path, hub, provider)
    return hub, provider


# -- the operating system's dialogs -------------------------------------------------------


class Dialogs:
    """Answers for the file choosers and prompts; what the message boxes said."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.to_save: list[Path] = []
        self.to_open: list[Path] = []
        self.to_type: list[str] = []
        self.offered: list[str] = []  # the file name each save dialog proposed
        self.informed: list[str] = []
        self.warned: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._open)
        monkeypatch.setattr(QInputDialog, "getText", self._text)
        monkeypatch.setattr(QMessageBox, "information", self._information)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _save(self, _parent: QWidget, _title: str, default: str, _filter: str) -> tuple[str, str]:
        self.offered.append(Path(default).name)
        return (str(self.to_save.pop(0)), "") if self.to_save else ("", "")

    def _open(self, _parent: QWidget, _title: str, _folder: str, _filter: str) -> tuple[str, str]:
        return (str(self.to_open.pop(0)), "") if self.to_open else ("", "")

    def _text(self, *_args: Any) -> tuple[str, bool]:
        return (self.to_type.pop(0), True) if self.to_type else ("", False)

    def _information(self, _parent: QWidget, _title: str, text: str, *_: Any) -> Any:
        self.informed.append(text)
        return QMessageBox.StandardButton.Ok

    def _warning(self, _parent: QWidget, _title: str, text: str, *_: Any) -> Any:
        self.warned.append(text)
        return QMessageBox.StandardButton.Ok


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dialogs]:
    answers = Dialogs(monkeypatch)
    yield answers
    assert answers.warned == [], "unexpected error messages"


# -- the window ---------------------------------------------------------------------------


def _window(qtbot: QtBot, db: Database, tmp_path: Path, name: str) -> MainWindow:
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    task = window._deadline_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running)
    return window


def _press(qtbot: QtBot, window: MainWindow, key: Qt.Key, shift: bool = False) -> None:
    """A shortcut typed on the window (Ctrl, and Shift when asked)."""
    if QApplication.activeWindow() is not window:  # shortcuts go to the active window
        with qtbot.waitActive(window):
            window.activateWindow()
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, key, modifiers)


def _section(qtbot: QtBot, window: MainWindow) -> QWidget:
    """Ctrl+0 opens the exchange section (appended after the nine older ones)."""
    _press(qtbot, window, Qt.Key.Key_0)
    assert window.nav.currentRow() == EXCHANGE
    assert window.pages.currentWidget() is window.exchange_section
    return window.exchange_section.page


def _click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _settle(qtbot: QtBot, page: QWidget) -> None:
    """Until the page's package job and its count of pending changes are done."""

    def idle() -> bool:
        task = getattr(page, "task", None)
        pending = getattr(page, "pending_task", None)
        return (task is None or not task.running) and (pending is None or not pending.running)

    qtbot.waitUntil(idle, timeout=30_000)


def _rows(table: QTableWidget) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]  # type: ignore[union-attr]
        for r in range(table.rowCount())
    ]


def _click_row(qtbot: QtBot, table: QTableWidget, row: int) -> None:
    item = table.item(row, 1)
    assert item is not None
    rect = table.visualItemRect(item)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _click_tab(qtbot: QtBot, page: CentrePage, index: int) -> None:
    bar = page.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert page.tabs.currentIndex() == index


def _drop(window: MainWindow, path: Path) -> bool:
    """Drag a file from the file manager onto the window and let go; True if accepted."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    centre_point = QPointF(window.rect().center())
    enter = QDragEnterEvent(
        centre_point,
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(
        centre_point,
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    return True


# -- the tests ----------------------------------------------------------------------------


def test_a_database_not_set_up_for_the_exchange_says_how_to_set_it_up(
    qtbot: QtBot, db: Database, tmp_path: Path, dialogs: Dialogs
) -> None:
    window = _window(qtbot, db, tmp_path, "plain")
    assert window.nav.item(EXCHANGE).text() == "Обмен с центром"
    page = _section(qtbot, window)
    assert isinstance(page, ExchangeSetupPage)
    hint = page.text.text()
    assert "не настроена для обмена" in hint
    assert "ic init --role provider|centre --code КОД --organisation НАИМЕНОВАНИЕ" in hint
    assert str(db.path) in hint
    # Файл → «Загрузить пакет…» says the same instead of asking for a file.
    _press(qtbot, window, Qt.Key.Key_O, shift=True)
    assert dialogs.informed == [hint]
    # The older sections keep their shortcuts.
    _press(qtbot, window, Qt.Key.Key_1)
    assert window.pages.currentWidget() is window.registry_page
    _press(qtbot, window, Qt.Key.Key_9)
    assert window.pages.currentWidget() is window.settings_page
    assert window.section_actions[EXCHANGE].shortcut().toString() == "Ctrl+0"


def test_provider_sends_a_package_the_centre_loads_it_and_confirms(
    qtbot: QtBot, region: tuple[Site, Site], tmp_path: Path, dialogs: Dialogs
) -> None:
    hub, provider = region
    provider_db = provider.open()
    window = _window(qtbot, provider_db, tmp_path, "provider")
    page = _section(qtbot, window)
    assert isinstance(page, ProviderExchangePage)
    assert window.nav.item(EXCHANGE).text() == "Обмен с центром"
    _settle(qtbot, page)
    assert page.code_label.text() == "P1"
    assert page.fingerprint_label.text() == provider.fingerprint()
    assert page.centre_name.text() == "Центр" and page.centre_code.text() == "RC"
    assert page.centre_fingerprint.text() == hub.fingerprint()
    assert not page.pin_button.isVisible()
    # The demo's 60 people and their records wait for the first package.
    counts = page.pending_counts()
    assert counts["Граждане"] == 60
    assert counts["Записи реестра"] > 0 and counts["Звонки"] > 0
    assert "Удаления" not in counts
    assert page.history.rowCount() == 0

    package = tmp_path / "out" / "P1-1.icsync"
    package.parent.mkdir()
    dialogs.to_save.append(package)
    _click(qtbot, page.export_button)
    _settle(qtbot, page)
    assert dialogs.offered == ["P1-23.11.2026.icsync"]
    assert package.exists()
    assert "Пакет № 1 записан" in page.message.text()
    (sent,) = _rows(page.history)
    assert sent[:4] == ["в центр", "пакет", "1", "23.11.2026 10:00"]
    assert int(sent[4]) > 60 and sent[5:] == ["нет", "P1-1.icsync"]

    # At the centre: «Поставщики», the package loaded, its acknowledgement written.
    hub_db = hub.open()
    centre_window = _window(qtbot, hub_db, tmp_path, "centre")
    centre_page = _section(qtbot, centre_window)
    assert isinstance(centre_page, CentrePage)
    assert centre_window.nav.item(EXCHANGE).text() == "Поставщики"
    assert centre_window.section_actions[EXCHANGE].text() == "Поставщики"
    before = _rows(centre_page.provider_table)
    assert [r[:3] for r in before] == [["1", "P1", "Поставщик № 1"]]
    assert before[0][4] == provider.fingerprint() and before[0][5] == "—"
    assert before[0][7] == "не получен"  # 31-р 5.2: the 1st half's report was due 25.07.2026
    dialogs.to_open.append(package)
    _click(qtbot, centre_page.import_button)
    _settle(qtbot, centre_page)
    ack = package.with_suffix(".icack")
    assert ack.exists()
    (shown,) = dialogs.informed
    assert shown.startswith("Пакет № 1 от Поставщик № 1 (P1) загружен: записей принято")
    assert f"Подтверждение для поставщика записано: {ack}" in shown
    after = _rows(centre_page.provider_table)[0]
    assert after[5] == "1" and after[6] == "23.11.2026"
    assert after[7] == "получен с опозданием"
    assert after[8].endswith(" %") and "," in after[8]  # the 31-р 5.3 indicator, 12,3 %
    assert after[9] == "0"

    # Back at the provider: the acknowledgement confirms package № 1.
    dialogs.to_open.append(ack)
    _click(qtbot, page.ack_button)
    _settle(qtbot, page)
    assert page.message.text().startswith("Центр подтвердил пакет № 1.")
    history = _rows(page.history)
    assert [r[:3] for r in history] == [
        ["из центра", "подтверждение", "1"],
        ["в центр", "пакет", "1"],
    ]
    assert history[1][5] == "23.11.2026"
    assert page.pending is not None and page.pending.total == 0
    assert "Изменений нет" in page.pending_total.text()
    window.close()
    centre_window.close()
    provider_db.close()
    hub_db.close()


def test_a_cancelled_package_leaves_nothing_written(
    qtbot: QtBot,
    region: tuple[Site, Site],
    tmp_path: Path,
    dialogs: Dialogs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hub, provider = region
    real_export = exchange.export_package

    def export_after_cancel(db: Database, out: Path, **options: Any) -> Any:
        # The real export, started once «Отменить» is pressed (a package of 60 people
        # would otherwise be written before anyone could press it).
        cancelled: Callable[[], bool] = options["cancelled"]
        deadline = time.monotonic() + 20
        while not cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)
        return real_export(db, out, **options)

    monkeypatch.setattr(exchange, "export_package", export_after_cancel)
    provider_db = provider.open()
    window = _window(qtbot, provider_db, tmp_path, "provider")
    page = _section(qtbot, window)
    assert isinstance(page, ProviderExchangePage)
    _settle(qtbot, page)
    package = tmp_path / "P1-1.icsync"
    dialogs.to_save.append(package)
    _click(qtbot, page.export_button)
    progress = page.findChild(QProgressDialog)
    assert isinstance(progress, QProgressDialog)
    qtbot.waitUntil(progress.isVisible, timeout=5_000)
    cancel = progress.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Отменить"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    _settle(qtbot, page)
    assert page.message.text() == "Отменено: ничего не записано."
    assert not package.exists() and list(tmp_path.glob("*.icsync*")) == []
    assert page.history.rowCount() == 0

    # The number was not used up: the next package is № 1.
    monkeypatch.setattr(exchange, "export_package", real_export)
    dialogs.to_save.append(package)
    _click(qtbot, page.export_button)
    _settle(qtbot, page)
    assert package.exists() and "Пакет № 1 записан" in page.message.text()
    window.close()
    provider_db.close()


def test_a_conflict_is_shown_field_by_field_and_the_package_version_taken(
    qtbot: QtBot, region: tuple[Site, Site], tmp_path: Path, dialogs: Dialogs
) -> None:
    hub, provider = region
    # The provider restores yesterday's backup after its edit reached the centre, then
    # edits the same person again: the centre holds a version the package does not know.
    _send(tmp_path, hub, provider, "P1-1")
    db = provider.open()
    try:
        yesterday = backups.make_backup(db, "manual")
    finally:
        db.close()
    _edit_first_person(provider, note="версия центра", phone="+7 912 000-00-01")
    _send(tmp_path, hub, provider, "P1-2")
    provider.ic("restore", yesterday.path)
    _edit_first_person(provider, note="правка после восстановления", phone="+7 912 555-44-33")
    package = tmp_path / "P1-2-again.icsync"
    provider.ic("sync", "export", "--out", package)

    hub_db = hub.open()
    window = _window(qtbot, hub_db, tmp_path, "centre")
    page = _section(qtbot, window)
    assert isinstance(page, CentrePage)
    _press(qtbot, window, Qt.Key.Key_1)  # the consultant is elsewhere when the file arrives
    assert _drop(window, package)  # dragged from the file manager onto the window
    assert window.pages.currentWidget() is window.exchange_section
    _settle(qtbot, page)
    (shown,) = dialogs.informed
    assert "в очередь конфликтов 1" in shown and "на вкладке «Конфликты»" in shown
    assert _rows(page.provider_table)[0][9] == "1"

    _click_tab(qtbot, page, 1)
    assert page.tabs.tabText(1) == "Конфликты (1)"
    (row,) = _rows(page.conflict_table)
    assert row[1:5] == ["Поставщик № 1", "граждане", "изменена на устаревшей версии", "2"]
    _click_row(qtbot, page.conflict_table, 0)
    differences = {r[0]: (r[1], r[2]) for r in _rows(page.difference_table)}
    assert differences == {
        "Примечание": ("версия центра", "правка после восстановления"),
        "Телефон": ("+7 912 000-00-01", "+7 912 555-44-33"),
    }
    assert "Конфликт №" in page.conflict_label.text()
    assert "Гражданин: <b>" in page.conflict_label.text()  # whose card, not a UUID

    _click(qtbot, page.take_button)
    assert page.conflict_table.rowCount() == 0
    assert page.tabs.tabText(1) == "Конфликты"
    assert "разрешён: взята версия из пакета" in page.message.text()
    assert not page.take_button.isEnabled()
    (resolved,) = centre.conflicts(hub_db, open_only=False)
    assert resolved.status == "taken"
    _click_tab(qtbot, page, 0)
    assert _rows(page.provider_table)[0][9] == "0"
    window.close()
    hub_db.close()


def test_a_person_known_to_two_providers_is_listed_and_exported(
    qtbot: QtBot, tmp_path: Path, dialogs: Dialogs
) -> None:
    hub = _site(tmp_path, "centre", "RC", "Центр")
    providers = [_site(tmp_path, "provider", f"P{n}", f"Поставщик № {n}") for n in (1, 2)]
    same = CitizenForm(
        last_name="Ёлкина",
        first_name="Анна",
        middle_name="Петровна",
        birth_date="01.02.1980",
        snils="112-233-445 95",
    )
    for provider in providers:
        _pin(tmp_path, hub, provider)
        db = provider.open()
        try:
            save_citizen(db, same)
        finally:
            db.close()
        _send(tmp_path, hub, provider, f"{provider.code}-1")

    hub_db = hub.open()
    window = _window(qtbot, hub_db, tmp_path, "centre")
    page = _section(qtbot, window)
    assert isinstance(page, CentrePage)
    assert [r[1] for r in _rows(page.provider_table)] == ["P1", "P2"]
    _click_tab(qtbot, page, 2)
    assert _rows(page.people_table) == [
        [
            "один СНИЛС",
            "Ёлкина Анна Петровна",
            "01.02.1980",
            "112-233-445 95",
            "Поставщик № 1; Поставщик № 2",
            "—",  # neither has a registry entry with the date of identification
        ]
    ]
    out = tmp_path / "Совпадения.xlsx"
    dialogs.to_save.append(out)
    _click(qtbot, page.people_export_button)
    assert dialogs.offered == ["Совпадения граждан.xlsx"]
    sheet = load_workbook(out).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert any(row[4] == "11223344595" and "Поставщик № 2" in str(row[5]) for row in values)
    window.close()
    hub_db.close()


def test_keys_are_pinned_from_the_pages_and_a_plain_base_asks_for_its_passphrase(
    qtbot: QtBot, tmp_path: Path, dialogs: Dialogs
) -> None:
    hub = _site(tmp_path, "centre", "RC", "Центр")
    provider = _site(tmp_path, "provider", "P1", "Поставщик № 1", plain=True)
    hub_db = hub.open()
    centre_window = _window(qtbot, hub_db, tmp_path, "centre")
    centre_page = _section(qtbot, centre_window)
    assert isinstance(centre_page, CentrePage)
    assert centre_page.provider_table.rowCount() == 0
    assert "Поставщиков пока нет" in centre_page.summary_label.text()
    centre_keys = tmp_path / "centre.ickey"
    dialogs.to_save.append(centre_keys)
    _click(qtbot, centre_page.keys_button)
    assert dialogs.offered == ["RC.ickey"] and centre_keys.exists()
    assert hub.fingerprint() in centre_page.message.text()

    provider_db = provider.open()
    window = _window(qtbot, provider_db, tmp_path, "provider")
    page = _section(qtbot, window)
    assert isinstance(page, ProviderExchangePage)
    _settle(qtbot, page)
    assert page.centre_missing.isVisible() and not page.export_button.isEnabled()
    # A wrong fingerprint pins nothing and says why.
    dialogs.to_open.append(centre_keys)
    dialogs.to_type.append("12345 67890")
    _click(qtbot, page.pin_button)
    (refused,) = dialogs.warned
    assert refused.startswith("Отпечаток не совпадает")
    dialogs.warned.clear()
    assert page.centre_missing.isVisible()
    dialogs.to_open.append(centre_keys)
    dialogs.to_type.append(hub.fingerprint().replace(" ", "-"))
    _click(qtbot, page.pin_button)
    assert page.centre_name.text() == "Центр" and not page.centre_missing.isVisible()
    provider_keys = tmp_path / "P1.ickey"
    dialogs.to_save.append(provider_keys)
    _click(qtbot, page.keys_button)
    assert provider_keys.exists()

    dialogs.to_open.append(provider_keys)
    dialogs.to_type.append(provider.fingerprint())
    _click(qtbot, centre_page.add_button)
    assert [r[1:3] for r in _rows(centre_page.provider_table)] == [["P1", "Поставщик № 1"]]

    # The plain base's keys are sealed with a passphrase: asked before the package.
    package = tmp_path / "P1-1.icsync"
    dialogs.to_save.append(package)
    dialogs.to_type.append(PASSWORD)
    _click(qtbot, page.export_button)
    _settle(qtbot, page)
    assert package.exists() and dialogs.to_type == []
    # At the centre Файл → «Загрузить пакет…» (Ctrl+Shift+O) asks for a .icsync.
    dialogs.to_open.append(package)
    _press(qtbot, centre_window, Qt.Key.Key_O, shift=True)
    _settle(qtbot, centre_page)
    assert dialogs.informed and dialogs.informed[-1].startswith("Пакет № 1 от Поставщик № 1")
    assert _rows(centre_page.provider_table)[0][5] == "1"
    # The consolidated Appendix 4: the format follows the chosen file's extension.
    report = tmp_path / "Сводный.pdf"
    dialogs.to_save.append(report)
    _click(qtbot, centre_page.report_button)
    assert report.read_bytes().startswith(b"%PDF")
    assert dialogs.offered[-1] == "Сводный отчёт за 1 полугодие 2026.xlsx"
    # A provider's package dropped on a provider's window is refused with the reason.
    dialogs.informed.clear()
    assert _drop(window, package)
    assert "загружается в региональном центре" in dialogs.informed[0]
    window.close()
    centre_window.close()
    provider_db.close()
    hub_db.close()


def test_the_window_ignores_other_dropped_files(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    window = _window(qtbot, db, tmp_path, "plain")
    other = tmp_path / "выписка.xlsx"
    other.write_bytes(b"")
    assert not _drop(window, other)
    assert window.pages.currentWidget() is not window.exchange_section
