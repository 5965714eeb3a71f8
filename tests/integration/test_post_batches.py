"""Post batches kept across days (issue #12): migration 0004, batches, ШПИ, form 103."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from openpyxl import load_workbook
from sqlalchemy import select

from app import clock
from app.demo.generator import generate_demo
from app.documents.post_form import with_postcode
from app.domain.enums import DeliveryMethod, DispatchStatus
from app.domain.tracking import generate_tracking_number
from app.errors import NotFoundError, UserError, ValidationError
from app.services import audit_log, dispatch
from app.services.profile import update_profile
from app.services.settings import save_settings
from app.settings import Settings
from db import models
from db.engine import create_db_engine
from db.migrate import alembic_config
from db.session import Database, open_database

TODAY = date(2026, 11, 23)
NEXT_DAY = date(2026, 11, 24)
SENDER = Settings(
    provider_name="АСУСОН ТО «Центр Образцовый»",
    provider_address="г. Ялуторовск, ул. Образцовая, д. 1",
    provider_postcode="627010",
)
_RNG = random.Random(12)


def _posts(db: Database) -> list[dispatch.ToSend]:
    generate_demo(db, 200, 7, today=TODAY)
    posts = [
        i
        for i in dispatch.to_send(db, TODAY)
        if i.method is DeliveryMethod.POST and i.address and len(i.postcode) == 6
    ]
    assert len(posts) >= 6, "the seeded demo has letters to post"
    return posts


def _next_day() -> None:
    """The consultant comes back the next morning."""
    clock.set_clock(clock.ticking_from(clock.parse_instant("2026-11-24T09:30:00+05:00")))


def _spi(letter: dispatch.BatchLetter) -> str:
    return generate_tracking_number(_RNG, letter.postcode, NEXT_DAY.month)


def _events(db: Database, action: str) -> list[dict[str, object]]:
    with db.session_factory() as s:
        rows = s.scalars(
            select(models.AuditEvent.details)
            .where(models.AuditEvent.action == action)
            .order_by(models.AuditEvent.id)
        ).all()
    return [json.loads(r or "{}") for r in rows]


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _rows(xlsx: Path) -> list[list[object]]:
    ws = load_workbook(xlsx).active
    assert ws is not None
    return [[c.value for c in row] for row in ws.iter_rows()]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


@pytest.mark.parametrize("target", ["0004", "head"])
def test_a_database_at_0003_with_dispatches_upgrades_keeping_them(
    db: Database, tmp_path: Path, target: str
) -> None:
    """Migration 0004 rebuilds ``dispatch`` in batch mode to add its batch: every row of
    every table of a 0003 file (a whole demo, copied column by column) is there after the
    upgrade, each dispatch as it was, in no batch, and the foreign keys hold. The same up
    to the head revision as the program upgrades a file it opens — every value of every
    row kept (0006 rebuilt plan_question and disability_assessment with foreign keys on:
    their ON DELETE actions deleted every plan_interaction and cleared assessment_id)."""
    generate_demo(db, 60, seed=7, today=TODAY)
    db.close()
    old = tmp_path / "old.sqlite"
    engine = create_db_engine(old)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    engine.dispose()
    with sqlite3.connect(old) as conn:
        conn.execute("ATTACH DATABASE ? AS demo", (str(db.path),))
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('alembic_version', 'sqlite_sequence')"
            )
        ]
        assert "post_batch" not in tables and "dispatch" in tables
        for table in tables:
            names = ", ".join(f'"{c}"' for c in _columns(conn, table))
            conn.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM demo."{table}"')
        old_columns = ", ".join(f'"{c}"' for c in _columns(conn, "dispatch"))
        before = conn.execute(f"SELECT {old_columns} FROM dispatch ORDER BY id").fetchall()
        rows = {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }
        columns = {t: _columns(conn, t) for t in tables}
        conn.commit()
        conn.execute("DETACH DATABASE demo")
    assert len(before) > 20 and rows["registry_entry"] and rows["plan_interaction"]

    if target == "head":
        open_database(old).close()  # upgraded as the program upgrades a file it opens
    else:
        engine = create_db_engine(old)
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, target)
        engine.dispose()
    upgraded = open_database(old, migrate=False)
    try:
        with upgraded.engine.connect() as conn:
            after = conn.exec_driver_sql(f"SELECT {old_columns} FROM dispatch ORDER BY id").all()
            batches = conn.exec_driver_sql(
                "SELECT count(*) FROM dispatch WHERE post_batch_id IS NOT NULL "
                "OR batch_position IS NOT NULL"
            ).scalar_one()
            for table, kept in rows.items():
                names = ", ".join(f'"{c}"' for c in columns[table])
                now = conn.exec_driver_sql(f'SELECT {names} FROM "{table}"').all()
                assert sorted((tuple(r) for r in now), key=repr) == kept, table
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("SELECT count(*) FROM post_batch").scalar_one() == 0
            indexes = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list('dispatch')")}
        assert [tuple(r) for r in after] == before
        assert batches == 0
        assert {"ix_dispatch_post_batch_id", "ix_dispatch_status_sent"} <= indexes
    finally:
        upgraded.close()


# --- batches across days -----------------------------------------------------------------


def test_a_batch_printed_yesterday_takes_its_tracking_numbers_after_a_restart(
    db: Database, db_path: Path, tmp_path: Path
) -> None:
    posts = _posts(db)
    chosen = posts[:3]
    batch = dispatch.prepare_post(db, [i.entry_id for i in chosen], tmp_path / "p.pdf", TODAY)
    assert batch.number == 1
    with db.session_factory() as s:
        printed_by = s.scalars(select(models.User.full_name)).first()
    db.close()

    _next_day()
    reopened = open_database(db_path)  # the program started again the next morning
    try:
        (summary,) = dispatch.post_batches(reopened)
        assert (summary.number, summary.printed_on, summary.letters, summary.awaiting) == (
            1,
            TODAY,
            3,
            3,
        )
        assert summary.printed_by == printed_by and summary.file_name == "p.pdf"
        detail = dispatch.open_post_batch(reopened, 1)
        assert [(x.entry_id, x.addressee) for x in detail.letters] == [
            (i.entry_id, i.addressee) for i in chosen
        ]
        assert all(x.awaiting and x.tracking_number == "" for x in detail.letters)
        waiting = {i.entry_id: i.batch_number for i in dispatch.to_send(reopened, NEXT_DAY)}
        assert [waiting[i.entry_id] for i in chosen] == [1, 1, 1]

        second = detail.letters[1]
        number = _spi(second)
        dispatch.record_tracking(reopened, second.dispatch_id, number, NEXT_DAY)
        detail = dispatch.open_post_batch(reopened, 1)
        assert [x.awaiting for x in detail.letters] == [True, False, True]
        assert detail.letters[1].tracking_number == number
        assert detail.letters[1].sent_on == NEXT_DAY
        assert detail.summary.awaiting == 2
        assert _events(reopened, "dispatch.post.sent")[-1]["batch"] == 1
        assert second.entry_id not in {i.entry_id for i in dispatch.to_send(reopened, NEXT_DAY)}

        # A second batch today; then the old one is the only one awaiting: open ones first.
        other = dispatch.prepare_post(
            reopened, [i.entry_id for i in posts[3:5]], tmp_path / "p2.pdf", NEXT_DAY
        )
        assert other.number == 2
        assert [b.number for b in dispatch.post_batches(reopened)] == [2, 1]  # newest first
        for letter in dispatch.open_post_batch(reopened, 2).letters:
            dispatch.record_tracking(reopened, letter.dispatch_id, _spi(letter), NEXT_DAY)
        batches = dispatch.post_batches(reopened)
        assert [(b.number, b.open) for b in batches] == [(1, True), (2, False)]
    finally:
        reopened.close()


def test_a_letter_taken_out_goes_back_to_the_list_and_into_a_later_batch(
    db: Database, tmp_path: Path
) -> None:
    posts = _posts(db)
    ids = [i.entry_id for i in posts[:3]]
    dispatch.prepare_post(db, ids, tmp_path / "p.pdf", TODAY)
    first, middle, last = dispatch.open_post_batch(db, 1).letters
    dispatch.record_tracking(db, first.dispatch_id, _spi(first), TODAY)

    detail = dispatch.remove_from_batch(db, 1, middle.dispatch_id)
    assert [x.dispatch_id for x in detail.letters] == [first.dispatch_id, last.dispatch_id]
    assert detail.summary.awaiting == 1
    (back,) = [i for i in dispatch.to_send(db, TODAY) if i.entry_id == middle.entry_id]
    assert back.batch_number is None  # to be printed again
    (removed,) = _events(db, "dispatch.post.remove")
    assert removed["batch"] == 1 and removed["entry_id"] == middle.entry_id
    with db.session_factory() as s:
        row = s.get(models.Dispatch, middle.dispatch_id)
        assert row is not None and row.status is DispatchStatus.PREPARED
        assert row.post_batch_id is None and row.batch_position is None

    # A letter sent is not taken out; one of another batch is not found there.
    with pytest.raises(UserError, match="уже отправлено"):
        dispatch.remove_from_batch(db, 1, first.dispatch_id)
    with pytest.raises(NotFoundError, match="нет отправления"):
        dispatch.remove_from_batch(db, 1, middle.dispatch_id)
    with pytest.raises(NotFoundError, match="Почтовая партия N 9 не найдена"):
        dispatch.remove_from_batch(db, 9, last.dispatch_id)
    assert len(_events(db, "dispatch.post.remove")) == 1

    # Printed again: the same dispatch in batch 2; the letter still in batch 1 moves too.
    again = dispatch.prepare_post(db, [middle.entry_id, last.entry_id], tmp_path / "q.pdf", TODAY)
    assert again.number == 2 and again.dispatch_ids == (middle.dispatch_id, last.dispatch_id)
    assert [x.dispatch_id for x in dispatch.open_post_batch(db, 1).letters] == [first.dispatch_id]
    moved = [e for e in _events(db, "dispatch.post.prepare") if e["batch"] == 2]
    assert [e["moved_from"] for e in moved] == [None, 1]


def test_reprint_gives_the_same_letters_dated_as_printed(db: Database, tmp_path: Path) -> None:
    posts = _posts(db)
    save_settings(db, SENDER)
    first = tmp_path / "first.pdf"
    dispatch.prepare_post(db, [i.entry_id for i in posts[:2]], first, TODAY)
    _next_day()
    letter = dispatch.open_post_batch(db, 1).letters[0]
    number = _spi(letter)
    dispatch.record_tracking(db, letter.dispatch_id, number, NEXT_DAY)

    # A wrong second path: nothing is written, nothing recorded.
    out = tmp_path / "again.pdf"
    with pytest.raises(UserError, match="папки"):
        dispatch.reprint_post_batch(db, 1, out, form103=tmp_path / "нет" / "f103.xlsx")
    with pytest.raises(ValidationError, match=r"\.xlsx или \.pdf"):
        dispatch.reprint_post_batch(db, 1, out, form103=tmp_path / "f103.txt")
    assert not out.exists() and _events(db, "dispatch.post.reprint") == []

    path = dispatch.reprint_post_batch(db, 1, out, form103=tmp_path / "f103.xlsx")
    assert path == out
    assert _pdf_text(out) == _pdf_text(first)  # same letters, routes, plans, envelopes
    assert "23.11.2026" in _pdf_text(out)  # the covering letters keep the batch's date
    (event,) = _events(db, "dispatch.post.reprint")
    assert event == {"batch": 1, "file": "again.pdf", "letters": 2, "form103": "f103.xlsx"}
    # The audit window names it in the consultant's words and finds it by them.
    (shown,) = audit_log.list_events(db, audit_log.AuditFilter(text="напечатана снова"))
    assert (shown.action, shown.entity) == ("почтовая партия напечатана снова", "почтовая партия")
    assert "почтовая партия: 1" in shown.details and "список ф. 103: f103.xlsx" in shown.details
    (summary,) = dispatch.post_batches(db)
    assert summary.file_name == "again.pdf"
    rows = _rows(tmp_path / "f103.xlsx")
    heading = next(n for n, r in enumerate(rows) if r[0] == "№ п/п")
    assert [r[3] for r in rows[heading + 2 : heading + 4]] == [number, None]  # ШПИ so far


def test_form_103_xlsx_and_pdf(db: Database, tmp_path: Path) -> None:
    posts = _posts(db)
    save_settings(db, SENDER)
    update_profile(db, full_name="Петрова Анна Ивановна", position="специалист")
    chosen = posts[:3]
    with db.session_factory.begin() as s:  # a name that would be a formula in Excel
        entry = s.get(models.RegistryEntry, chosen[2].entry_id)
        assert entry is not None
        who = entry.citizen.representatives[0] if chosen[2].to_representative else entry.citizen
        who.last_name = "=HYPERLINK(1)"
    hostile = dispatch.to_send(db, TODAY)
    addressees = [next(i.addressee for i in hostile if i.entry_id == c.entry_id) for c in chosen]
    assert addressees[2].startswith("=HYPERLINK(1)")
    dispatch.prepare_post(db, [i.entry_id for i in chosen], tmp_path / "p.pdf", TODAY)
    letter = dispatch.open_post_batch(db, 1).letters[0]
    number = _spi(letter)
    dispatch.record_tracking(db, letter.dispatch_id, number, TODAY)

    xlsx = tmp_path / "f103.xlsx"
    assert dispatch.write_form103(db, 1, xlsx) == 3
    rows = _rows(xlsx)
    texts = [r[0] for r in rows if r[0] is not None]
    assert texts[:8] == [
        "ф. 103",
        "Список N 1 внутренних почтовых отправлений",
        "от 23.11.2026",
        "Вид РПО: письмо",
        "Категория РПО: заказное",
        "Отправитель: АСУСОН ТО «Центр Образцовый»",
        "Адрес отправителя: 627010, г. Ялуторовск, ул. Образцовая, д. 1",
        "Наименование и индекс места приёма: ______________________________",
    ]
    heading = next(n for n, r in enumerate(rows) if r[0] == "№ п/п")
    assert rows[heading] == [
        "№ п/п",
        "Адресат (Ф.И.О.)",
        "Адрес (индекс, адрес)",
        "ШПИ (почтовый идентификатор)",
        "Масса (кг)",
        "Объявленная ценность (руб.)",
        "Сумма наложенного платежа (руб.)",
        "Примечание",
    ]
    assert rows[heading + 1] == list(range(1, 9))
    letters = rows[heading + 2 : heading + 5]
    for n, (row, item, name) in enumerate(zip(letters, chosen, addressees, strict=True), 1):
        assert row[:3] == [n, name, with_postcode(item.address, item.postcode)]
        assert row[2].startswith(item.postcode + ", ")  # type: ignore[union-attr]
        assert row[4:7] == [None, None, None]  # mass, declared value, cash on delivery
    assert [r[3] for r in letters] == [number, None, None]
    tail = [r[0] for r in rows[heading + 5 :] if r[0]]
    assert tail[0] == "Всего отправлений: 3"
    assert tail[1].startswith("Сдал: специалист, Петрова Анна Ивановна ___")  # type: ignore[union-attr]
    assert tail[2].startswith("Принял: ___")  # type: ignore[union-attr]
    ws = load_workbook(xlsx).active
    assert ws is not None
    spi_cell = ws.cell(row=heading + 3, column=4)
    assert spi_cell.data_type == "s" and spi_cell.number_format == "@"
    with zipfile.ZipFile(xlsx) as z:
        sheet = "".join(z.read(n).decode() for n in z.namelist() if "worksheets/" in n)
    assert "<f>" not in sheet and "<f " not in sheet  # the hostile name stays text
    (event,) = [e for e in _events(db, "dispatch.post.list") if e.get("file") == "f103.xlsx"]
    assert event["batch"] == 1 and event["rows"] == 3

    pdf = tmp_path / "f103.pdf"
    assert dispatch.write_form103(db, 1, pdf) == 3
    text = _pdf_text(pdf)
    flat = " ".join(text.split())
    for words in (
        "ф. 103",
        "Список N 1 внутренних почтовых отправлений",
        "от 23.11.2026",
        "Вид РПО: письмо",
        "Категория РПО: заказное",
        "Отправитель: АСУСОН ТО «Центр Образцовый»",
        "Адрес отправителя: 627010, г. Ялуторовск, ул. Образцовая, д. 1",
        "Всего отправлений: 3",
        "Сдал: специалист, Петрова Анна Ивановна",
        "Принял:",
        number,
        "=HYPERLINK(1)",
    ):
        assert words in flat, words
    for heading_word in ("Адресат", "ШПИ", "Масса", "Объявленная", "наложенного", "Примечание"):
        assert heading_word in text
    assert text.count("\f") == 1  # one page for three letters

    with pytest.raises(ValidationError, match=r"\.xlsx или \.pdf"):
        dispatch.write_form103(db, 1, tmp_path / "f103.csv")
    with pytest.raises(NotFoundError):
        dispatch.write_form103(db, 5, tmp_path / "other.xlsx")
    assert not (tmp_path / "f103.csv").exists() and not (tmp_path / "other.xlsx").exists()


def test_the_list_to_send_is_searched_and_filtered(db: Database, tmp_path: Path) -> None:
    posts = _posts(db)
    dispatch.prepare_post(db, [posts[0].entry_id], tmp_path / "p.pdf", TODAY)
    items = dispatch.to_send(db, TODAY)
    target = next(i for i in items if i.entry_id == posts[1].entry_id)
    last_name = target.person.split()[0]
    shown = [i for i in items if dispatch.matches(i, last_name.upper().replace("Е", "Ё"))]
    assert target in shown and all(last_name in (i.person + i.addressee) for i in shown)
    assert [i.entry_id for i in items if dispatch.matches(i, str(target.entry_id))] == [
        target.entry_id
    ]
    emails = [i for i in items if dispatch.matches(i, method=DeliveryMethod.EMAIL)]
    assert emails and all(i.method is DeliveryMethod.EMAIL for i in emails)
    in_batch = [i for i in items if dispatch.matches(i, state=dispatch.SendFilter.IN_BATCH)]
    assert [i.entry_id for i in in_batch] == [posts[0].entry_id]
    overdue = [i for i in items if dispatch.matches(i, state=dispatch.SendFilter.OVERDUE)]
    assert overdue and all(i.days_left < 0 for i in overdue)
    fresh = [i for i in items if dispatch.matches(i, state=dispatch.SendFilter.NOT_IN_BATCH)]
    assert len(fresh) == len(items) - 1
    assert not [i for i in items if dispatch.matches(i, "нет такого человека")]


def test_cli_lists_batches_reprints_writes_form_103_and_takes_a_letter_out(
    db: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    posts = _posts(db)
    base = ["--db", str(db_path), "dispatch"]
    pdf = tmp_path / "post.pdf"
    entries = [a for i in posts[:3] for a in ("--entry", str(i.entry_id))]
    assert main([*base, "post", *entries, "--out", str(pdf), "--today", "23.11.2026"]) == 0
    capsys.readouterr()
    _next_day()
    assert main([*base, "batches"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("N 1\t23.11.2026\tписем 3\tждут ШПИ 3\t")
    assert main([*base, "list", "--state", "in-batch"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 3 and all(
        line.endswith("в почтовой партии N 1, ждёт ШПИ") for line in listed
    )
    name = posts[0].addressee.split()[0].lower()
    assert main([*base, "list", "--search", name]) == 0
    assert posts[0].addressee in capsys.readouterr().out

    # Options that do not go together, and a wrong path: nothing written, nothing recorded.
    again = tmp_path / "again.pdf"
    for argv, words in (
        (["--reprint"], "--out"),
        (["--out", str(again)], "--reprint"),
        (["--remove", "1", "--form103", str(tmp_path / "f.xlsx")], "--remove"),
        (["--reprint", "--out", str(again), "--form103", str(tmp_path / "нет" / "f.xlsx")], "нет"),
        (["--form103", str(tmp_path / "f.doc")], ".xlsx или .pdf"),
        (["--form103", str(db_path)], "базы данных"),
    ):
        assert main([*base, "batch", "1", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1, err
    assert not again.exists() and not (tmp_path / "f.doc").exists()
    assert _events(db, "dispatch.post.reprint") == []

    assert main([*base, "batch", "1", "--reprint", "--out", str(again)]) == 0
    assert again.read_bytes().startswith(b"%PDF")
    form = tmp_path / "f103.pdf"
    assert main([*base, "batch", "1", "--form103", str(form)]) == 0
    assert "Список N 1 внутренних почтовых отправлений" in _pdf_text(form)
    capsys.readouterr()
    with db.session_factory() as s:
        ids = s.scalars(
            select(models.Dispatch.id)
            .where(models.Dispatch.post_batch_id.is_not(None))
            .order_by(models.Dispatch.batch_position)
        ).all()
    assert main([*base, "batch", "1", "--remove", str(ids[1])]) == 0
    out = capsys.readouterr().out
    assert f"Отправление {ids[1]} убрано из почтовой партии N 1." in out
    assert "писем 2, ждут ШПИ 2" in out
    letter = dispatch.open_post_batch(db, 1).letters[0]
    number = _spi(letter)
    assert main([*base, "tracking", str(letter.dispatch_id), number, "--sent", "24.11.2026"]) == 0
    capsys.readouterr()
    assert main([*base, "batch", "1"]) == 0
    out = capsys.readouterr().out
    assert f"ШПИ {number}, отправлено 24.11.2026" in out and "ждёт ШПИ" in out
