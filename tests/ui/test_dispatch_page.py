"""The dispatch section (31-р 3.4, 4.6): post batch, ШПИ, e-mail to a real local server."""

from __future__ import annotations

import random
import socket
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.demo.generator import generate_demo
from app.domain.enums import DeliveryMethod
from app.domain.tracking import generate_tracking_number
from app.services.settings import load_settings, save_settings
from app.settings import SmtpSettings
from db import models
from db.session import Database
from ui.dispatch_page import DispatchPage

TODAY = date(2026, 11, 23)


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
    widget.refresh()
    return widget


def test_post_batch_then_tracking_numbers_mark_the_registry(
    page: DispatchPage, db: Database, tmp_path: Path
) -> None:
    assert page.table.rowCount() == len(page.items) > 0
    overdue = [i for i in page.items if i.days_left < 0]
    if overdue:  # overdue rows stand out
        row = page.items.index(overdue[0])
        assert page.table.item(row, 1).foreground().color().name() == "#8a1c1c"
        # Issue #12: "просрочено на N дн.", not "осталось −N".
        days = page.table.item(row, 6).text()
        assert days == f"просрочено на {-overdue[0].days_left} дн.", days
    assert overdue, "the seeded demo has overdue letters"
    assert all("−" not in page.table.item(r, 6).text() for r in range(page.table.rowCount()))
    page.check_method(DeliveryMethod.POST)
    chosen = page.checked(DeliveryMethod.POST)
    ready = [i for i in page.items if i.entry_id in chosen and i.postcode and i.address][:3]
    for row, item in enumerate(page.items):  # keep three with full addresses
        cell = page.table.item(row, 0)
        assert cell is not None
        cell.setCheckState(Qt.CheckState.Checked if item in ready else Qt.CheckState.Unchecked)
    assert len(ready) == 3  # the seeded demo has enough letters to post
    batch = page.prepare_post(tmp_path / "post.pdf")
    assert batch is not None and len(batch.items) == len(ready)
    assert (tmp_path / "post.pdf").read_bytes().startswith(b"%PDF")
    assert page.write_list(tmp_path / "list.xlsx") == len(ready)

    rng = random.Random(3)
    first = batch.items[0]
    page.batch_table.setItem(0, 2, QTableWidgetItem("12345678901234"))  # bad check digit
    good = generate_tracking_number(rng, first.postcode or "625000", TODAY.month)
    page.batch_table.setItem(1, 2, QTableWidgetItem(good))
    assert page.record_tracking() == 1
    assert first.addressee in page.message.text()  # the bad number is named, not recorded
    with db.session_factory() as session:
        entry = session.get(models.RegistryEntry, first.entry_id)
        assert entry is not None and entry.route_sent_on is None
        sent = session.get(models.RegistryEntry, batch.items[1].entry_id)
        assert sent is not None
        assert sent.route_sent_on == TODAY  # Appendix 1 columns 9-10
        assert sent.route_sent_method is DeliveryMethod.POST
    assert all(i.entry_id != batch.items[1].entry_id for i in page.items)  # it went


def test_the_window_never_writes_over_the_database(
    page: DispatchPage, db: Database, db_path: Path, tmp_path: Path
) -> None:
    page.check_method(DeliveryMethod.POST)
    with db.session_factory() as session:
        dispatches = len(session.scalars(select(models.Dispatch.id)).all())
    assert page.prepare_post(db_path) is None
    assert "это файл базы данных программы" in page.message.text()
    assert db_path.read_bytes().startswith(b"SQLite format 3")
    with db.session_factory() as session:
        assert len(session.scalars(select(models.Dispatch.id)).all()) == dispatches
    assert page.prepare_post(tmp_path / "post.pdf") is not None
    wal = db_path.with_name(db_path.name + "-wal")
    assert page.write_list(wal) is None
    assert "служебный файл базы данных" in page.message.text()
    assert not wal.exists() or not wal.read_bytes().startswith(b"PK")


def test_email_to_a_local_server_and_a_failure_stays_for_retry(
    page: DispatchPage, db: Database
) -> None:
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    settings = load_settings(db)
    unreachable = SmtpSettings(host="127.0.0.1", port=port, security="none", sender="ic@ex.org")
    save_settings(db, replace(settings, smtp=unreachable))
    emails = [i for i in page.items if i.method is DeliveryMethod.EMAIL and i.email][:2]
    assert emails
    for row, item in enumerate(page.items):
        cell = page.table.item(row, 0)
        assert cell is not None
        cell.setCheckState(Qt.CheckState.Checked if item in emails else Qt.CheckState.Unchecked)

    outcomes = page.send_email()  # nobody listens yet: every one fails, none is marked
    assert outcomes and not any(o.sent for o in outcomes)
    assert "Не отправлено" in page.message.text()
    assert {i.entry_id for i in emails} <= {i.entry_id for i in page.items}

    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        page.check_method(DeliveryMethod.EMAIL)
        for row, item in enumerate(page.items):
            cell = page.table.item(row, 0)
            assert cell is not None
            mark = Qt.CheckState.Checked if item in emails else Qt.CheckState.Unchecked
            cell.setCheckState(mark)
        outcomes = page.send_email()
    finally:
        controller.stop()
    assert outcomes and all(o.sent for o in outcomes)
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
