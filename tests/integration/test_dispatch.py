"""Dispatch of routes and plans by post and e-mail (31-р 3.4, 4.6; Appendix 1 cols 9-10, 13)."""

from __future__ import annotations

import email
import socket
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import clock
from app.demo.generator import generate_demo
from app.domain.deadlines import route_dispatch_due
from app.domain.enums import (
    DeliveryMethod,
    DispatchDocument,
    DispatchStatus,
    DocumentStatus,
    PlanStatus,
    TargetCategory,
)
from app.domain.periods import Month
from app.errors import InvalidTrackingNumberError, ValidationError
from app.services import dispatch
from app.services.profile import update_profile
from app.services.settings import save_settings
from app.settings import Settings, SmtpSettings
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

TODAY = date(2026, 11, 23)
GOOD_SPI = "62500011000018"  # check digit verified below


def _demo(db: Database) -> tuple[dispatch.ToSend, ...]:
    generate_demo(db, 200, 7, today=TODAY)
    items = dispatch.to_send(db, TODAY)
    assert items
    return items


def _entry(db: Database, entry_id: int) -> models.RegistryEntry:
    with db.session_factory() as s:
        e = s.get(models.RegistryEntry, entry_id)
        assert e is not None
        s.expunge(e)
        return e


def _pick(items: tuple[dispatch.ToSend, ...], method: DeliveryMethod, plan: bool) -> Any:
    return next(i for i in items if i.method is method and (i.plan_id is not None) is plan)


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_to_send_lists_ready_unsent_routes_with_due_dates(db: Database) -> None:
    items = _demo(db)
    with db.session_factory() as s:
        for item in items:
            entry = s.get(models.RegistryEntry, item.entry_id)
            assert entry is not None
            if item.document is DispatchDocument.PLAN:  # a plan drawn up after the route went
                assert entry.route_sent_on is not None and entry.plan_sent_method is None
                continue
            assert entry.route_sent_on is None
            route = s.get(models.Route, item.route_id)
            assert route is not None and route.status is DocumentStatus.ISSUED
            assert item.due == route_dispatch_due(Month.parse(entry.reporting_month))
            assert item.days_left == (item.due - TODAY).days
            if entry.plan_needed:
                assert item.plan_id is not None
            assert item.method is entry.delivery_method
        sent = s.scalars(
            select(models.RegistryEntry.id).where(models.RegistryEntry.route_sent_on.is_not(None))
        ).all()
    routes_due = {i.entry_id for i in items if i.document is not DispatchDocument.PLAN}
    assert sent and not routes_due & set(sent)
    post = _pick(items, DeliveryMethod.POST, False)
    assert len(post.postcode) == 6 and post.address
    assert _pick(items, DeliveryMethod.EMAIL, False).email


def test_due_date_in_february_and_days_left(db: Database) -> None:
    items = _demo(db)
    entry_id = items[0].entry_id
    for month, today, due, left in (
        ("2027-01", date(2027, 2, 20), date(2027, 2, 28), 8),
        ("2028-01", date(2028, 3, 2), date(2028, 2, 29), -2),
        ("2026-10", TODAY, date(2026, 11, 30), 7),
    ):
        with db.session_factory.begin() as s:
            entry = s.get(models.RegistryEntry, entry_id)
            assert entry is not None
            entry.reporting_month = month
        (found,) = [i for i in dispatch.to_send(db, today) if i.entry_id == entry_id]
        assert (found.due, found.days_left) == (due, left)


def test_child_is_addressed_through_the_representative(db: Database) -> None:
    items = _demo(db)
    child = next(i for i in items if i.to_representative)
    assert child.addressee != child.person
    with db.session_factory() as s:
        entry = s.get(models.RegistryEntry, child.entry_id)
        assert entry is not None and entry.category is TargetCategory.CHILD
        rep = entry.citizen.representatives[0]
        assert child.addressee.startswith(rep.last_name)


def test_post_batch_letter_route_plan_then_envelopes(db: Database, tmp_path: Path) -> None:
    items = _demo(db)
    save_settings(
        db,
        Settings(
            provider_name="АСУСОН ТО «Центр Образцовый»",
            provider_address="627010, г. Ялуторовск, ул. Образцовая, д. 1",
            provider_postcode="627010",
        ),
    )
    update_profile(db, full_name="Петрова Анна Ивановна", phone="+7 34535 20000")
    with_plan = _pick(items, DeliveryMethod.POST, True)
    without = _pick(items, DeliveryMethod.POST, False)
    out = tmp_path / "post.pdf"
    batch = dispatch.prepare_post(
        db, [with_plan.entry_id, without.entry_id, with_plan.entry_id], out, TODAY
    )
    assert batch.names_declined and len(batch.items) == 2
    pages = _text(out).split("\f")
    kinds = []
    for page in pages:
        if "Уважаем" in page:
            kinds.append("letter")
        elif "Индивидуальный реабилитационный маршрут" in page and "N/N" in page:
            kinds.append("route")
        elif "План комплексного сопровождения получателя услуг" in page:
            kinds.append("plan")
        elif "Кому" in page and "Куда" in page:
            kinds.append("envelope")
    collapsed = [k for n, k in enumerate(kinds) if n == 0 or kinds[n - 1] != k]
    assert collapsed == ["letter", "route", "plan", "letter", "route", "envelope"]
    letter = next(p for p in pages if "Уважаем" in p)
    # "Кому" in the dative: Николаев Григорий Вадимович -> Николаеву Григорию Вадимовичу.
    last, first, middle = with_plan.addressee.split()
    assert with_plan.postcode in letter and "Кому:" in letter
    assert "Уважаем" in letter and f"{first} {middle}!" in letter
    assert with_plan.addressee not in letter  # declined, not nominative
    flat = " ".join(letter.split())
    assert "Центр Образцовый" in flat and "по телефону +7 34535 20000." in flat
    envelopes = [p for p in pages if "Куда" in p]
    assert len(envelopes) == 2
    assert with_plan.postcode in envelopes[0] and without.postcode in envelopes[1]
    assert all("627010" in e and "Центр Образцовый" in e for e in envelopes)
    with db.session_factory() as s:
        rows = [s.get(models.Dispatch, i) for i in batch.dispatch_ids]
        assert all(r is not None and r.status is DispatchStatus.PREPARED for r in rows)
        assert rows[0] is not None and rows[0].plan_id == with_plan.plan_id
        assert rows[0].created_by_id is not None
        actions = s.scalars(select(models.AuditEvent.action)).all()
    assert actions.count("dispatch.post.prepare") == 2
    # Printing again reuses the prepared dispatches.
    again = dispatch.prepare_post(db, [with_plan.entry_id], out, TODAY)
    assert again.dispatch_ids == batch.dispatch_ids[:1]


def test_tracking_number_validated_then_registry_marked(db: Database, tmp_path: Path) -> None:
    items = _demo(db)
    item = _pick(items, DeliveryMethod.POST, True)
    batch = dispatch.prepare_post(db, [item.entry_id], tmp_path / "p.pdf", TODAY)
    (dispatch_id,) = batch.dispatch_ids
    bad = GOOD_SPI[:13] + str((int(GOOD_SPI[13]) + 1) % 10)
    with pytest.raises(InvalidTrackingNumberError, match="контрольная цифра"):
        dispatch.record_tracking(db, dispatch_id, bad, TODAY)
    entry = _entry(db, item.entry_id)
    assert entry.route_sent_on is None and entry.route_sent_method is None
    with db.session_factory() as s:
        d = s.get(models.Dispatch, dispatch_id)
        assert d is not None and d.status is DispatchStatus.PREPARED and d.tracking_number is None

    # Issue #12: a send date that has not come yet, or before the letter was prepared.
    with pytest.raises(ValidationError, match="ещё не наступила"):
        dispatch.record_tracking(db, dispatch_id, GOOD_SPI, date(2026, 12, 15))
    with db.session_factory() as s:
        prepared = s.get(models.Dispatch, dispatch_id)
        assert prepared is not None
        before = clock.local_date(prepared.created_at) - timedelta(days=1)
    with pytest.raises(ValidationError, match="раньше, чем письмо подготовлено"):
        dispatch.record_tracking(db, dispatch_id, GOOD_SPI, before)
    assert _entry(db, item.entry_id).route_sent_on is None

    record = dispatch.record_tracking(db, dispatch_id, "625000 11 00001 8", TODAY)
    assert record.status is DispatchStatus.SENT and record.tracking_number == GOOD_SPI
    entry = _entry(db, item.entry_id)
    assert entry.route_sent_on == TODAY
    assert entry.route_sent_method is DeliveryMethod.POST
    assert entry.plan_sent_method is DeliveryMethod.POST
    assert item.entry_id not in {i.entry_id for i in dispatch.to_send(db, TODAY)}

    out = tmp_path / "list.xlsx"
    assert dispatch.write_post_list(db, batch.dispatch_ids, out) == 1
    ws = load_workbook(out).active
    assert ws is not None
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    heading = next(n for n, row in enumerate(rows) if row[0] == "№ п/п")
    assert rows[heading][1:4] == [
        "Адресат (Ф.И.О.)",
        "Адрес (индекс, адрес)",
        "ШПИ (почтовый идентификатор)",
    ]
    address = (
        item.address
        if item.address.startswith(item.postcode)
        else f"{item.postcode}, {item.address}"
    )
    assert rows[heading + 2][:4] == [1, item.addressee, address, GOOD_SPI]  # form 103


# --- e-mail against a real local SMTP server -------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Any:
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    inbox = _Inbox()
    port = _free_port()
    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            inbox,
            SmtpSettings(host="127.0.0.1", port=port, security="none", sender="ic@example.org"),
        )
    finally:
        controller.stop()


def test_email_sent_with_pdf_attachments(db: Database, smtp_server: Any) -> None:
    inbox, smtp = smtp_server
    items = _demo(db)
    item = _pick(items, DeliveryMethod.EMAIL, True)
    (outcome,) = dispatch.send_email(db, [item.entry_id], smtp, TODAY)
    assert outcome.sent and outcome.error == ""
    ((rcpts, message),) = inbox.messages
    assert rcpts == [item.email]
    assert message["Subject"].startswith("Индивидуальный реабилитационный маршрут и план")
    assert item.email in message["To"]
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [
        "Маршрут.pdf",
        "План комплексного сопровождения.pdf",
    ]
    assert all(a.get_content().startswith(b"%PDF") for a in attachments)
    body = message.get_body(("plain",))
    assert body is not None and "31-р" in body.get_content()
    entry = _entry(db, item.entry_id)
    assert entry.route_sent_on == TODAY
    assert entry.route_sent_method is DeliveryMethod.EMAIL
    assert entry.plan_sent_method is DeliveryMethod.EMAIL


def test_unreachable_server_fails_then_retry_succeeds(db: Database, smtp_server: Any) -> None:
    inbox, smtp = smtp_server
    items = _demo(db)
    item = _pick(items, DeliveryMethod.EMAIL, False)
    dead = replace(smtp, port=_free_port())
    (failed,) = dispatch.send_email(db, [item.entry_id], dead, TODAY)
    assert not failed.sent and "Нет связи с сервером почты" in failed.error
    entry = _entry(db, item.entry_id)
    assert entry.route_sent_on is None and entry.route_sent_method is None
    with db.session_factory() as s:
        d = s.get(models.Dispatch, failed.dispatch_id)
        assert d is not None and d.status is DispatchStatus.FAILED and d.error == failed.error
    assert item.entry_id in {i.entry_id for i in dispatch.to_send(db, TODAY)}
    assert inbox.messages == []

    (retried,) = dispatch.send_email(db, [item.entry_id], smtp, TODAY)
    assert retried.sent and len(inbox.messages) == 1
    entry = _entry(db, item.entry_id)
    assert entry.route_sent_on == TODAY and entry.route_sent_method is DeliveryMethod.EMAIL
    assert entry.plan_sent_method is None  # no plan went


def test_eml_written_when_offline(db: Database, tmp_path: Path) -> None:
    items = _demo(db)
    item = _pick(items, DeliveryMethod.EMAIL, True)
    smtp = SmtpSettings(sender="ic@example.org")
    path = dispatch.save_eml(db, item.entry_id, tmp_path, TODAY, smtp)
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert (
        item.email in message["To"]
        and message["From"].endswith("<ic@example.org>")
        or (message["From"] == "ic@example.org")
    )
    names = [a.get_filename() for a in message.iter_attachments()]
    assert names == ["Маршрут.pdf", "План комплексного сопровождения.pdf"]
    entry = _entry(db, item.entry_id)
    assert entry.route_sent_on is None  # not sent until the consultant says so
    with db.session_factory() as s:
        d = s.scalars(
            select(models.Dispatch).where(
                models.Dispatch.entry_id == item.entry_id,
                models.Dispatch.status == DispatchStatus.PREPARED,
            )
        ).one()
        dispatch_id = d.id
    dispatch.record_sent(db, dispatch_id, TODAY)
    assert _entry(db, item.entry_id).route_sent_method is DeliveryMethod.EMAIL


def test_cli_lists_prints_and_marks(
    db: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    items = _demo(db)
    item = _pick(items, DeliveryMethod.POST, False)
    base = ["--db", db.url or str(db_path), "dispatch"]
    assert main([*base, "list", "--today", "23.11.2026"]) == 0
    assert item.addressee in capsys.readouterr().out
    out = tmp_path / "post.pdf"
    args = ["post", "--entry", str(item.entry_id), "--out", str(out), "--today", "23.11.2026"]
    assert main([*base, *args, "--list", str(tmp_path / "list.xlsx")]) == 0
    assert out.exists() and (tmp_path / "list.xlsx").exists()
    with db.session_factory() as s:
        dispatch_id = s.scalars(
            select(models.Dispatch.id).where(
                models.Dispatch.entry_id == item.entry_id,
                models.Dispatch.status == DispatchStatus.PREPARED,
            )
        ).one()
    assert main([*base, "tracking", str(dispatch_id), "62500011000017"]) == 2
    assert "контрольная цифра" in capsys.readouterr().err
    assert main([*base, "tracking", str(dispatch_id), GOOD_SPI, "--sent", "23.11.2026"]) == 0
    assert _entry(db, item.entry_id).route_sent_on == TODAY


def test_starttls_refused_is_a_failure_per_person(db: Database, smtp_server: Any) -> None:
    inbox, smtp = smtp_server
    items = _demo(db)
    chosen = [i for i in items if i.method is DeliveryMethod.EMAIL][:2]
    outcomes = dispatch.send_email(
        db, [i.entry_id for i in chosen], replace(smtp, security="starttls"), TODAY
    )
    assert [o.entry_id for o in outcomes] == [i.entry_id for i in chosen]
    assert all(not o.sent and "способ защиты" in o.error for o in outcomes)
    assert inbox.messages == []
    for item in chosen:
        assert _entry(db, item.entry_id).route_sent_on is None
    with db.session_factory() as s:
        failed = s.scalars(
            select(models.AuditEvent.action).where(
                models.AuditEvent.action == "dispatch.email.failed"
            )
        ).all()
    assert len(failed) == len(chosen)


def test_plan_drawn_up_after_the_route_went_is_sent_alone(
    db: Database, smtp_server: Any, tmp_path: Path
) -> None:
    inbox, smtp = smtp_server
    items = _demo(db)
    item = _pick(items, DeliveryMethod.EMAIL, False)
    (first,) = dispatch.send_email(db, [item.entry_id], smtp, TODAY)
    assert first.sent and _entry(db, item.entry_id).plan_sent_method is None
    with db.session_factory.begin() as s:
        entry = s.get(models.RegistryEntry, item.entry_id)
        assert entry is not None
        s.add(
            models.SupportPlan(
                citizen_id=entry.citizen_id,
                entry_id=entry.id,
                status=PlanStatus.OPEN,
                drawn_up_on=date(2026, 11, 25),
                person_name=item.person,
            )
        )
    later = date(2026, 11, 26)
    (plan_only,) = [i for i in dispatch.to_send(db, later) if i.entry_id == item.entry_id]
    assert plan_only.document is DispatchDocument.PLAN and plan_only.plan_id is not None
    (second,) = dispatch.send_email(db, [item.entry_id], smtp, later)
    assert second.sent
    message = inbox.messages[-1][1]
    assert message["Subject"] == "Индивидуальный план комплексного сопровождения"
    names = [a.get_filename() for a in message.iter_attachments()]
    assert names == ["План комплексного сопровождения.pdf"]
    entry_after = _entry(db, item.entry_id)
    assert entry_after.route_sent_on == TODAY  # column 9 keeps the route's date
    assert entry_after.plan_sent_method is DeliveryMethod.EMAIL
    assert item.entry_id not in {i.entry_id for i in dispatch.to_send(db, later)}
