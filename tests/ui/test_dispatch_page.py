"""The dispatch section (31-р 3.4, 4.6): post batch, ШПИ, e-mail to a real local server.

Issue #12: a post batch printed one day takes its ШПИ on a later day, after the program was
started again; the list to send has a search box and filters; dates long past read
"просрочено на N дн.". Every step presses the window's real buttons and types with keys.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit, QTableWidget, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app import clock
from app.demo.generator import generate_demo
from app.domain.enums import DeliveryMethod, DispatchStatus
from app.domain.tracking import generate_tracking_number
from app.services.settings import load_settings, save_settings
from app.settings import SmtpSettings
from db import models
from db.session import Database, open_database
from ui.dispatch_page import SPI_COLUMN, DispatchPage

TODAY = date(2026, 11, 23)
NEXT_DAY = date(2026, 11, 24)
LEFT = Qt.MouseButton.LeftButton


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def page(qtbot: QtBot, db: Database) -> DispatchPage:
    generate_demo(db, 200, seed=7, today=TODAY)
    widget = DispatchPage(db, TODAY)
    qtbot.addWidget(widget)
    widget.resize(1150, 660)
    widget.show()
    widget.refresh()  # what the main window does when the section is shown
    return widget


def _save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """The system's save dialog answers ``path``; the titles asked are returned."""
    asked: list[str] = []

    def answer(parent: QWidget, title: str, *args: Any, **kwargs: Any) -> tuple[str, str]:
        asked.append(title)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return asked


def _click_cell(qtbot: QtBot, table: QTableWidget, row: int, column: int) -> None:
    table.scrollToItem(table.item(row, column))
    rect = table.visualItemRect(table.item(row, column))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())


def _tick(qtbot: QtBot, page: DispatchPage, rows: list[int]) -> None:
    """Tick the check boxes of ``rows`` with the mouse."""
    for row in rows:
        cell = page.table.item(row, 0)
        page.table.scrollToItem(cell)
        rect = page.table.visualItemRect(cell)
        qtbot.mouseClick(
            page.table.viewport(), LEFT, pos=QPoint(rect.left() + 13, rect.center().y())
        )
        assert cell.checkState() == Qt.CheckState.Checked, row


def _type_spi(
    qtbot: QtBot, table: QTableWidget, row: int, text: str, *, enter: bool = True
) -> None:
    """Double-click the ШПИ cell, type the number with keys, Enter (or not: the number
    is still in the cell's editor when the button is pressed)."""
    table.scrollToItem(table.item(row, SPI_COLUMN))
    rect = table.visualItemRect(table.item(row, SPI_COLUMN))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), LEFT, pos=rect.center())
    (editor,) = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    qtbot.keyClicks(editor, text)
    if not enter:
        return
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits it on its next turn
    item = table.item(row, SPI_COLUMN)
    assert item is not None
    qtbot.waitUntil(lambda: item.text() == text, timeout=2000)


def _print_batch(
    qtbot: QtBot, page: DispatchPage, monkeypatch: pytest.MonkeyPatch, out: Path, count: int
) -> list[int]:
    """Tick ``count`` post letters with full addresses and press «Напечатать…»."""
    rows = [
        r
        for r, i in enumerate(page.items)
        if i.method is DeliveryMethod.POST and i.address and len(i.postcode) == 6
    ][:count]
    assert len(rows) == count, "the seeded demo has enough letters to post"
    entries = [page.items[r].entry_id for r in rows]
    _tick(qtbot, page, rows)
    _save_as(monkeypatch, out)
    qtbot.mouseClick(page.post_button, LEFT)
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    return entries


def _spi(postcode: str, seed: int) -> str:
    return generate_tracking_number(random.Random(seed), postcode, NEXT_DAY.month)


# --- the list ----------------------------------------------------------------------------


def test_the_list_shows_overdue_dates_and_is_searched_and_filtered(
    page: DispatchPage, qtbot: QtBot, type_text: Callable[[QWidget, str], None]
) -> None:
    assert page.table.rowCount() == len(page.items) == len(page.all_items) > 0
    overdue = [i for i in page.items if i.days_left < 0]
    assert overdue, "the seeded demo has overdue letters"
    row = page.items.index(overdue[0])
    assert page.table.item(row, 1).foreground().color().name() == "#8a1c1c"
    # Issue #12: "просрочено на N дн.", not "осталось −N".
    assert page.table.item(row, 6).text() == f"просрочено на {-overdue[0].days_left} дн."
    assert all("−" not in page.table.item(r, 6).text() for r in range(page.table.rowCount()))

    target = page.items[1]
    word = target.person.split()[0]
    type_text(page.search, word.lower())
    assert 0 < page.table.rowCount() < len(page.all_items)
    names = {
        page.table.item(r, 1).text() + page.table.item(r, 2).text()
        for r in range(page.table.rowCount())
    }
    assert all(word in n for n in names)
    assert "показано" in page.shown.text()
    page.search.selectAll()
    qtbot.keyClick(page.search, Qt.Key.Key_Delete)
    assert page.table.rowCount() == len(page.all_items)

    page.method_filter.setFocus()
    qtbot.keyClick(page.method_filter, Qt.Key.Key_Down)  # «почта»
    assert page.method_filter.currentText() == "почта"
    assert page.items and all(i.method is DeliveryMethod.POST for i in page.items)
    assert {page.table.item(r, 3).text() for r in range(page.table.rowCount())} == {"почта"}
    qtbot.keyClick(page.method_filter, Qt.Key.Key_Down)  # «электронная почта»
    assert page.items and all(i.method is DeliveryMethod.EMAIL for i in page.items)
    qtbot.keyClick(page.method_filter, Qt.Key.Key_Home)
    page.state_filter.setFocus()
    qtbot.keyClick(page.state_filter, Qt.Key.Key_Down)  # «срок истёк»
    assert page.state_filter.currentText() == "срок истёк"
    assert len(page.items) == len(overdue)


# --- post batches across days ------------------------------------------------------------


def test_yesterdays_batch_takes_its_tracking_numbers_in_a_new_window(
    qtbot: QtBot, db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #12: after a restart «Последняя почтовая партия» was empty and yesterday's
    ШПИ could not be entered."""
    generate_demo(db, 200, seed=7, today=TODAY)
    first = DispatchPage(db, clock.today())
    qtbot.addWidget(first)
    first.resize(1150, 660)
    first.show()
    first.refresh()
    entries = _print_batch(qtbot, first, monkeypatch, tmp_path / "post.pdf", 3)
    assert (tmp_path / "post.pdf").read_bytes().startswith(b"%PDF")
    assert first.tabs.currentIndex() == 1 and first.batch_table.rowCount() == 3
    assert "Почтовая партия № 1: писем 3" in first.message.text()
    first.close()
    db.close()

    clock.set_clock(clock.ticking_from(clock.parse_instant("2026-11-24T09:30:00+05:00")))
    reopened = open_database(db_path)  # the program started again the next morning
    try:
        page = DispatchPage(reopened, clock.today())
        qtbot.addWidget(page)
        page.resize(1150, 660)
        page.show()
        page.refresh()
        assert page.tabs.tabText(1) == "Почтовые партии (писем ждут ШПИ: 3)"
        bar = page.tabs.tabBar()
        qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(1).center())
        assert page.tabs.currentIndex() == 1
        cells = [page.batches_table.item(0, c).text() for c in range(4)]
        assert cells == ["1", "23.11.2026", "3", "3"]
        _click_cell(qtbot, page.batches_table, 0, 1)
        assert page.detail is not None and page.detail.number == 1
        assert page.batch_table.rowCount() == 3
        assert "Партия № 1 от 23.11.2026" in page.batch_title.text()
        assert page.sent_on.text() == "24.11.2026"

        letters = page.detail.letters
        assert [x.entry_id for x in letters] == entries
        good = [_spi(letters[0].postcode, 1), _spi(letters[2].postcode, 2)]
        bad = good[0][:13] + str((int(good[0][13]) + 1) % 10)  # a wrong check digit
        _type_spi(qtbot, page.batch_table, 0, good[0])
        _type_spi(qtbot, page.batch_table, 1, bad)
        _type_spi(qtbot, page.batch_table, 2, good[1], enter=False)
        qtbot.mouseClick(page.tracking_button, LEFT)

        assert "Отмечено отправленными: 2." in page.message.text()
        assert letters[1].addressee in page.message.text()  # the wrong number is named
        assert "контрольная цифра" in page.message.text()
        states = [page.batch_table.item(r, 3).text() for r in range(3)]
        assert states == ["отправлено 24.11.2026", "ждёт ШПИ", "отправлено 24.11.2026"]
        refused = page.batch_table.item(1, SPI_COLUMN)
        assert refused.text() == bad  # left, in red, to be corrected
        assert refused.foreground().color().name() == "#8a1c1c"
        assert page.batches_table.item(0, 3).text() == "1"
        assert page.tabs.tabText(1) == "Почтовые партии (писем ждут ШПИ: 1)"
        with reopened.session_factory() as s:
            for letter, number in ((letters[0], good[0]), (letters[2], good[1])):
                d = s.get(models.Dispatch, letter.dispatch_id)
                assert d is not None and d.status is DispatchStatus.SENT
                assert (d.tracking_number, d.sent_on) == (number, NEXT_DAY)
                entry = s.get(models.RegistryEntry, letter.entry_id)
                assert entry is not None and entry.route_sent_on == NEXT_DAY  # column 9
                assert entry.route_sent_method is DeliveryMethod.POST  # column 10
            waiting = s.get(models.Dispatch, letters[1].dispatch_id)
            assert waiting is not None and waiting.status is DispatchStatus.PREPARED
        still = {i.entry_id for i in page.all_items}
        assert letters[1].entry_id in still
        assert letters[0].entry_id not in still and letters[2].entry_id not in still
    finally:
        reopened.close()


def test_a_batch_is_printed_again_gives_form_103_and_loses_a_letter(
    page: DispatchPage, db: Database, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = _print_batch(qtbot, page, monkeypatch, tmp_path / "post.pdf", 3)
    assert page.detail is not None and page.detail.number == 1

    asked = _save_as(monkeypatch, tmp_path / "again.pdf")
    qtbot.mouseClick(page.reprint_button, LEFT)
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert asked == ["Напечатать партию снова"]
    assert (tmp_path / "again.pdf").read_bytes().startswith(b"%PDF")
    assert "Партия № 1 напечатана снова" in page.message.text()

    _save_as(monkeypatch, tmp_path / "f103.xlsx")
    qtbot.mouseClick(page.form103_button, LEFT)
    assert "Список ф. 103 партии № 1: писем 3" in page.message.text()
    ws = load_workbook(tmp_path / "f103.xlsx").active
    assert ws is not None
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[1][0] == "Список N 1 внутренних почтовых отправлений"
    assert "Всего отправлений: 3" in [r[0] for r in rows]

    middle = page.detail.letters[1]
    _click_cell(qtbot, page.batch_table, 1, 0)
    qtbot.mouseClick(page.remove_button, LEFT)
    assert f"Письмо {middle.addressee} убрано из партии № 1" in page.message.text()
    assert page.batch_table.rowCount() == 2
    assert [x.entry_id for x in page.detail.letters] == [entries[0], entries[2]]
    (back,) = [i for i in page.all_items if i.entry_id == middle.entry_id]
    assert back.batch_number is None
    with db.session_factory() as s:
        actions = s.scalars(select(models.AuditEvent.action)).all()
    assert actions.count("dispatch.post.reprint") == 1
    assert actions.count("dispatch.post.remove") == 1


def test_the_window_never_writes_over_the_database(
    page: DispatchPage,
    db: Database,
    db_path: Path,
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with db.session_factory() as session:
        dispatches = len(session.scalars(select(models.Dispatch.id)).all())
    _print_batch(qtbot, page, monkeypatch, db_path, 2)
    assert "это файл базы данных программы" in page.message.text()
    assert db_path.read_bytes().startswith(b"SQLite format 3")
    with db.session_factory() as session:
        assert len(session.scalars(select(models.Dispatch.id)).all()) == dispatches
        assert session.scalars(select(models.PostBatch.id)).all() == []
    _save_as(monkeypatch, tmp_path / "post.pdf")
    qtbot.mouseClick(page.post_button, LEFT)  # the same ticks, a good file
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert page.detail is not None and page.detail.number == 1
    wal = db_path.with_name(db_path.name + "-wal")
    _save_as(monkeypatch, wal)
    qtbot.mouseClick(page.form103_button, LEFT)
    assert "служебный файл базы данных" in page.message.text()
    assert not wal.exists() or not wal.read_bytes().startswith(b"PK")


def test_email_to_a_local_server_and_a_failure_stays_for_retry(
    page: DispatchPage, db: Database, qtbot: QtBot
) -> None:
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    settings = load_settings(db)
    unreachable = SmtpSettings(host="127.0.0.1", port=port, security="none", sender="ic@ex.org")
    save_settings(db, replace(settings, smtp=unreachable))
    rows = [r for r, i in enumerate(page.items) if i.method is DeliveryMethod.EMAIL and i.email]
    emails = [page.items[r] for r in rows[:2]]
    assert emails
    _tick(qtbot, page, rows[:2])

    qtbot.mouseClick(page.email_button, LEFT)  # nobody listens yet: every one fails
    assert "Не отправлено" in page.message.text()
    assert {i.entry_id for i in emails} <= {i.entry_id for i in page.items}

    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        qtbot.mouseClick(page.email_button, LEFT)  # the ticks stayed
    finally:
        controller.stop()
    assert page.message.text().startswith(f"Отправлено писем: {len(emails)}.")
    assert len(inbox.messages) == len(emails)
    assert all(
        any(a.get_filename() == "Маршрут.pdf" for a in m.iter_attachments()) for m in inbox.messages
    )
    with db.session_factory() as session:
        marked = session.scalars(
            select(models.RegistryEntry).where(
                models.RegistryEntry.id.in_([i.entry_id for i in emails])
            )
        ).all()
        assert all(e.route_sent_method is DeliveryMethod.EMAIL for e in marked)
    assert not {i.entry_id for i in emails} & {i.entry_id for i in page.items}


def test_both_tabs_fit_the_window(
    page: DispatchPage, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both tabs fit the 1366x768 window's page (about 1150x660): nothing needs a scroll
    bar sideways, the batch's buttons are on screen."""
    _print_batch(qtbot, page, monkeypatch, tmp_path / "post.pdf", 3)
    assert page.minimumSizeHint().width() <= 1150
    for tab in (0, 1):
        page.tabs.setCurrentIndex(tab)
        qtbot.wait(10)
        page.grab().save(str(tmp_path / f"dispatch-{tab}.png"))
    for button in (page.tracking_button, page.reprint_button, page.remove_button):
        assert button.isVisible() and page.rect().contains(
            button.mapTo(page, button.rect().bottomRight())
        )
    assert not page.batch_table.horizontalScrollBar().isVisible()
