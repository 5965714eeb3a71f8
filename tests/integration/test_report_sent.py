"""Issue #12: «отправлен в центр» closes the duty of 31-р 5.2 (the semi-annual report by
the 25th of the month after the half-year): by hand, from the command line, and when a
sync package carries the report to the regional centre."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app import clock
from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.domain.deadlines import DeadlineKind, DueStatus
from app.errors import UserError
from app.services import access, exchange_keys
from app.services.deadlines import due_items
from app.services.report import export_semiannual, mark_report_sent, submission_state
from db import models
from db.session import Database

TODAY = date(2026, 11, 23)  # tests/conftest.py's TEST_NOW
ALL = tuple(DueStatus)


def _report_duty(db: Database, on: date) -> tuple[date, DueStatus, str]:
    (item,) = [i for i in due_items(db, on, ALL) if i.kind is DeadlineKind.SEMIANNUAL_REPORT]
    return item.due_on, item.status, item.title


def _submissions(db: Database) -> list[tuple[str, date, str | None, str | None, str | None]]:
    with db.session_factory() as s:
        rows = s.scalars(select(models.ReportSubmission).order_by(models.ReportSubmission.id))
        return [(r.period, r.submitted_on, r.file_name, r.sha256, r.note) for r in rows]


def _audited(db: Database, action: str) -> list[dict[str, object]]:
    with db.session_factory() as s:
        rows = s.scalars(select(models.AuditEvent).where(models.AuditEvent.action == action))
        return [json.loads(r.details or "{}") for r in rows]


def test_marked_late_the_duty_is_done_late_and_leaves_the_list(
    db: Database, tmp_path: Path
) -> None:
    assert _report_duty(db, TODAY)[:2] == (date(2026, 7, 25), DueStatus.OVERDUE)
    out = export_semiannual(db, "2026H1", "xlsx", tmp_path / "Отчет 2026H1.xlsx").path
    state = mark_report_sent(db, "2026H1", date(2026, 11, 20), out, "  письмом   № 12 ")
    assert state.status is DueStatus.DONE_LATE
    assert state.text == (
        "Отчет за 1 полугодие 2026 г. отправлен в региональный центр 20.11.2026 (позже срока "
        "25.07.2026, файл Отчет 2026H1.xlsx, письмом № 12)."
    )
    assert _report_duty(db, TODAY)[:2] == (date(2026, 7, 25), DueStatus.DONE_LATE)
    assert all(i.kind is not DeadlineKind.SEMIANNUAL_REPORT for i in due_items(db, TODAY))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert _submissions(db) == [
        ("2026H1", date(2026, 11, 20), "Отчет 2026H1.xlsx", digest, "письмом № 12")
    ]
    assert _audited(db, "report.semiannual.sent") == [
        {
            "half": "2026H1",
            "sent_on": "2026-11-20",
            "file": "Отчет 2026H1.xlsx",
            "note": "письмом № 12",
        }
    ]


def test_marked_in_time_the_duty_is_done(db: Database) -> None:
    clock.set_clock(clock.ticking_from(clock.parse_instant("2027-01-20T15:00:00+05:00")))
    state = mark_report_sent(db, "2026H2", date(2027, 1, 20))
    assert (state.due_on, state.status) == (date(2027, 1, 25), DueStatus.DONE)
    assert state.text == (
        "Отчет за 2 полугодие 2026 г. отправлен в региональный центр 20.01.2027 (в срок)."
    )
    assert _report_duty(db, date(2027, 1, 26))[:2] == (date(2027, 1, 25), DueStatus.DONE)


@pytest.mark.parametrize(
    ("half", "sent_on", "file", "message"),
    [
        ("2026H1", date(2026, 11, 24), None, "Дата отправки отчета 24.11.2026 ещё не наступила"),
        ("2026H2", date(2026, 6, 30), None, "раньше начала отчетного периода"),
        ("2026H1", date(2026, 11, 20), "нет.xlsx", "Файл отчета не найден"),
        ("2026H3", date(2026, 11, 20), None, "Не удалось распознать полугодие"),
    ],
)
def test_a_bad_mark_is_refused_and_nothing_written(
    db: Database, tmp_path: Path, half: str, sent_on: date, file: str | None, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        mark_report_sent(db, half, sent_on, tmp_path / file if file else None)
    assert _submissions(db) == []
    assert _audited(db, "report.semiannual.sent") == []


def test_a_report_is_marked_once(db: Database) -> None:
    mark_report_sent(db, "2026H1", date(2026, 7, 21))
    with pytest.raises(UserError, match="уже отмечен отправленным в региональный центр 21.07"):
        mark_report_sent(db, "2026H1", date(2026, 11, 20))
    assert [s[1] for s in _submissions(db)] == [date(2026, 7, 21)]
    assert submission_state(db, "2026H1", TODAY).status is DueStatus.DONE


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_marks_the_report_sent(
    db: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--db", str(db_path))
    report = tmp_path / "r.xlsx"
    code, _, err = _run(
        capsys, *base, "report", "semiannual", "--half", "2026H1", "--format", "xlsx",
        "--out", str(report),
    )  # fmt: skip
    assert code == EXIT_OK, err
    code, _, err = _run(capsys, *base, "report", "sent", "--half", "2026H1", "--on", "01.12.2026")
    assert code == EXIT_USER_ERROR and "ещё не наступила" in err and err.count("\n") == 1
    code, out, err = _run(
        capsys, *base, "report", "sent", "--half", "2026h1", "--on", "20.11.2026",
        "--file", str(report),
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert out.startswith("Отчет за 1 полугодие 2026 г. отправлен в региональный центр 20.11.2026")
    code, out, _ = _run(capsys, *base, "deadlines", "--on", "2026-11-23", "--json", "--all")
    (duty,) = [i for i in json.loads(out)["items"] if i["kind"] == "SEMIANNUAL_REPORT"]
    assert duty["status"] == "DONE_LATE"
    # Without --on: today.
    code, out, _ = _run(capsys, *base, "report", "sent", "--half", "2025H2")
    assert code == EXIT_OK and "отправлен в региональный центр 23.11.2026" in out


# --- a sync package carries the report -------------------------------------------------------

USER, PASSWORD = "petrova", "пароль-для-тестов"  # tests/conftest.py's IC_USER/IC_PASSWORD


@dataclasses.dataclass
class _Site:
    path: Path

    def ic(self, *args: object) -> int:
        return main(["--db", str(self.path), *[str(a) for a in args]])

    def open(self) -> Database:
        return access.sign_in(self.path, USER, PASSWORD)

    def fingerprint(self) -> str:
        db = self.open()
        try:
            info = exchange_keys.installation(db)
            assert info is not None
            return info.fingerprint
        finally:
            db.close()


def test_a_package_carrying_the_report_sends_it(tmp_path: Path) -> None:
    hub = _Site(tmp_path / "RC.sqlite")
    assert hub.ic("init", "--role", "centre", "--code", "RC", "--organisation", "Центр") == 0
    provider = _Site(tmp_path / "P1.sqlite")
    assert provider.ic("init", "--role", "provider", "--code", "P1", "--organisation", "П1") == 0
    # Data of the first half-year of 2026, generated as it stood on 20.06.2026: no report
    # for it was sent yet.
    assert provider.ic("demo", "--citizens", "80", "--seed", "5", "--today", "20.06.2026") == 0
    assert hub.ic("keys", "export", "--out", tmp_path / "centre.ickey") == 0
    assert provider.ic("keys", "export", "--out", tmp_path / "P1.ickey") == 0
    hub_print, provider_print = hub.fingerprint(), provider.fingerprint()
    assert provider.ic("centre", "pin", tmp_path / "centre.ickey", "--fingerprint", hub_print) == 0
    assert hub.ic("providers", "add", tmp_path / "P1.ickey", "--fingerprint", provider_print) == 0
    db = provider.open()
    try:
        assert submission_state(db, "2026H1", TODAY).submission is None
    finally:
        db.close()

    assert provider.ic("sync", "export", "--out", tmp_path / "P1-1.icsync") == 0
    db = provider.open()
    try:
        state = submission_state(db, "2026H1", TODAY)
        assert state.submission is not None
        assert (state.submission.sent_on, state.submission.file_name) == (TODAY, "P1-1.icsync")
        assert state.submission.note == "с пакетом обмена №1"
        assert state.status is DueStatus.DONE_LATE  # due 25.07.2026
        assert _report_duty(db, TODAY)[1] is DueStatus.DONE_LATE
    finally:
        db.close()

    # The next package carries the report again: nothing more is recorded, and the
    # submission itself travels to the centre with it.
    assert provider.ic("sync", "export", "--out", tmp_path / "P1-2.icsync") == 0
    db = provider.open()
    try:
        assert [s[4] for s in _submissions(db) if s[0] == "2026H1"] == ["с пакетом обмена №1"]
    finally:
        db.close()
    assert hub.ic("sync", "import", tmp_path / "P1-1.icsync", "--ack-out", tmp_path / "a1") == 0
    assert hub.ic("sync", "import", tmp_path / "P1-2.icsync", "--ack-out", tmp_path / "a2") == 0
    centre = hub.open()
    try:
        with centre.session_factory() as s:
            carried = s.scalars(
                select(models.ProviderRecord.data).where(
                    models.ProviderRecord.table_name == "report_submission"
                )
            ).all()
        notes = [json.loads(row).get("note") for row in carried if row]
        assert "с пакетом обмена №1" in notes
    finally:
        centre.close()
