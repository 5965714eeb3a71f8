"""Phone informing (31-р 4.1-4.2, 4.7), the journal of 1.7 and the ЕИС list of 1.6.1.

Real SQLite files; times are given in UTC and checked as Tyumen local (UTC+5) by hand.
PDFs are read back with poppler's pdftotext.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.documents.journal_form import SERVICE_NAME
from app.domain.enums import (
    Callee,
    CallOutcome,
    DeliveryMethod,
    Department,
    DisabilityGroup,
    MeasureKind,
    RepresentativeKind,
    Sex,
    Source,
)
from app.errors import NotFoundError, ValidationError
from app.services import profile
from app.services.citizens import CitizenForm, save_citizen
from app.services.informing import (
    CallDraft,
    call_context,
    eis_rows,
    export_eis_list,
    export_journal,
    journal_rows,
    record_call,
    validate_call,
)
from db import models
from db.session import Database

TODAY = date(2025, 6, 5)
NOW = datetime(2025, 6, 5, 10, 0, tzinfo=UTC)  # 15:00 in Tyumen
SPECIALIST = "Петрова Ольга Сергеевна"
PERSON = "Фёдоров Артём Ильич"
FEDOROV = CitizenForm(
    last_name="Фёдоров",
    first_name="Артём",
    middle_name="Ильич",
    birth_date="14.03.1985",
    sex=Sex.MALE,
    snils="112-233-445 95",
    registration_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
    actual_address="г. Тюмень, ул. Мельникайте, д. 10, кв. 5",
    postcode="625000",
    district="г. Тюмень",
    phone="+79123456789",
    email="fedorov@example.ru",
    group=DisabilityGroup.GROUP_I,
    established_on="02.05.2025",
    first_time=True,
    selfcare_degree=2,
    movement_degree=1,
    behaviour_degree=0,
    ipra_number="1234.5.72/2025",
    ipra_issued_on="05.05.2025",
    measures=(MeasureKind.SOCIAL, MeasureKind.MEDICAL),
    rep_kind=RepresentativeKind.GUARDIAN,
    rep_last_name="Фёдорова",
    rep_first_name="Нина",
    rep_middle_name="Павловна",
    rep_phone="+73452123456",
    rep_email="nina@example.ru",
)


def enter(db: Database, form: CitizenForm = FEDOROV) -> int:
    result = save_citizen(db, form, source=Source.WALK_IN, identified_on=TODAY, today=TODAY)
    assert result.entry_id is not None, result.message
    return result.entry_id


def reached(entry_id: int, started_at: datetime = NOW, **changes: object) -> CallDraft:
    """A complete successful call: everything of 4.1 told, the plan answered (4.2)."""
    draft = CallDraft(
        entry_id=entry_id,
        callee=Callee.CITIZEN,
        phone="+79123456789",
        started_at=started_at,
        duration_seconds=240,
        outcome=CallOutcome.REACHED,
        told_measures=True,
        told_organisations=True,
        told_route=True,
        delivery_method=DeliveryMethod.POST,
        delivery_address="г. Тюмень, ул. Мельникайте, д. 10, кв. 5",
        plan_needed=False,
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def attempt(
    entry_id: int, outcome: CallOutcome, started_at: datetime, **changes: object
) -> CallDraft:
    draft = CallDraft(
        entry_id=entry_id,
        callee=Callee.CITIZEN,
        phone="+79123456789",
        started_at=started_at,
        duration_seconds=0,
        outcome=outcome,
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def entry_of(db: Database, entry_id: int) -> models.RegistryEntry:
    with db.session_factory() as session:
        entry = session.get(models.RegistryEntry, entry_id)
        assert entry is not None
        session.expunge(entry)
        return entry


def add_organisation(
    db: Database, name: str, district: str | None, kind: MeasureKind, archived: bool = False
) -> None:
    with db.session_factory.begin() as session:
        org = models.Organisation(
            name=name, department=Department.SOCIAL_PROTECTION, district=district, archived=archived
        )
        org.services.append(models.OrganisationService(measure_kind=kind, name="услуга"))
        session.add(org)


# --- the call window's context ----------------------------------------------------------


def test_context_lists_phones_measures_organisations_and_where_to_send(db: Database) -> None:
    entry_id = enter(db)
    add_organisation(db, "Областная больница", None, MeasureKind.MEDICAL)
    add_organisation(db, "КЦСОН г. Тюмени", "г. Тюмень", MeasureKind.SOCIAL)
    add_organisation(db, "КЦСОН Ишима", "г. Ишим", MeasureKind.SOCIAL)  # another district
    add_organisation(db, "Закрытый центр", "г. Тюмень", MeasureKind.SOCIAL, archived=True)
    add_organisation(db, "Спортшкола", "г. Тюмень", MeasureKind.SPORT)  # not in the IPRA

    context = call_context(db, entry_id)

    assert context.entry_id == entry_id
    assert context.person == PERSON
    assert context.reporting_month == "2025-06"
    assert [(p.who, p.callee, p.phone) for p in context.phones] == [
        ("гражданин", Callee.CITIZEN, "+79123456789"),
        (
            "представитель: Фёдорова Нина Павловна (опекун (попечитель))",
            Callee.REPRESENTATIVE,
            "+73452123456",
        ),
    ]
    # 4.1, first dash: in the wording of Appendix 2, in its row order.
    assert context.measures == (
        "Мероприятия медицинской реабилитации или абилитации",
        "Мероприятия социальной реабилитации или абилитации",
    )
    # 4.1, second dash: the person's district first, then the whole region.
    assert context.organisations == ("КЦСОН г. Тюмени", "Областная больница")
    assert context.address == "г. Тюмень, ул. Мельникайте, д. 10, кв. 5"
    assert context.postcode == "625000"
    assert context.email == "fedorov@example.ru"
    assert context.informed_on is None
    assert context.attempts == ()


def test_context_falls_back_to_registration_address_and_representatives_email(
    db: Database,
) -> None:
    entry_id = enter(db, replace(FEDOROV, actual_address="", email="", phone=""))
    context = call_context(db, entry_id)
    assert context.address == "г. Тюмень, ул. Республики, д. 1, кв. 2"
    assert context.email == "nina@example.ru"
    assert [p.callee for p in context.phones] == [Callee.REPRESENTATIVE]  # only non-empty


def test_context_of_a_missing_entry_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="не найдена"):
        call_context(db, 999)


# --- checking a draft (4.1, 4.2) --------------------------------------------------------


def test_a_complete_successful_call_has_no_problems() -> None:
    assert validate_call(reached(1), NOW) == ()
    assert validate_call(reached(1, delivery_method=DeliveryMethod.EMAIL,
                                 delivery_email="a@b.ru"), NOW) == ()  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"told_measures": False}, "мероприятиях ИПРА (п. 4.1)"),
        ({"told_organisations": False}, "об организациях"),
        ({"told_route": False}, "о маршруте"),
        ({"delivery_method": None}, "Способ направления маршрута: не выбран"),
        ({"delivery_address": "  "}, "Адрес для почтового отправления: не указан"),
        (
            {"delivery_method": DeliveryMethod.EMAIL, "delivery_email": ""},
            "Электронная почта для направления маршрута: не указана",
        ),
        (
            {"delivery_method": DeliveryMethod.EMAIL, "delivery_email": "fedorov.example.ru"},
            "«fedorov.example.ru» не похожа на адрес e-mail",
        ),
        ({"plan_needed": None}, "нужен ли он (п. 4.2, 4.7)"),
        ({"phone": ""}, "Телефон: не выбран номер"),
        ({"started_at": NOW + timedelta(hours=1)}, "ещё не наступило"),
        ({"duration_seconds": -1}, "Длительность"),
    ],
)
def test_each_missing_item_of_a_successful_call_is_a_problem_4_1_4_2(
    changes: dict[str, object], expected: str
) -> None:
    problems = validate_call(reached(1, **changes), NOW)
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_an_unsuccessful_call_needs_no_checklist() -> None:
    for outcome in (CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.REFUSED):
        assert validate_call(attempt(1, outcome, NOW), NOW) == ()


def test_call_back_needs_a_time_in_the_future() -> None:
    missing = validate_call(attempt(1, CallOutcome.CALL_BACK, NOW), NOW)
    assert missing == ("Перезвонить: не указано, когда перезвонить.",)
    past = validate_call(
        attempt(1, CallOutcome.CALL_BACK, NOW, call_back_at=NOW - timedelta(minutes=1)), NOW
    )
    assert len(past) == 1 and "05.06.2025 14:59 уже прошло" in past[0]
    later = attempt(1, CallOutcome.CALL_BACK, NOW, call_back_at=NOW + timedelta(hours=3))
    assert validate_call(later, NOW) == ()


def test_a_call_back_in_the_past_is_refused_and_nothing_is_written(db: Database) -> None:
    entry_id = enter(db)
    draft = attempt(entry_id, CallOutcome.CALL_BACK, NOW, call_back_at=NOW - timedelta(hours=1))
    with pytest.raises(ValidationError, match="уже прошло"):
        record_call(db, draft, NOW)
    with db.session_factory() as session:
        assert session.scalars(select(models.CallAttempt)).all() == []


def test_a_draft_for_a_missing_entry_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        record_call(db, reached(999), NOW)


# --- recording calls (1.7, 4.1, 4.7) ----------------------------------------------------


def test_first_successful_call_informs_and_records_route_plan_and_delivery_4_7(
    db: Database,
) -> None:
    entry_id = enter(db)
    result = record_call(db, reached(entry_id, questions="Путёвка в санаторий"), NOW)

    assert result.informed_now
    assert "05.06.2025" in result.message and "не нужен" in result.message
    entry = entry_of(db, entry_id)
    assert entry.informed_on == date(2025, 6, 5)
    assert entry.route_needed is True
    assert entry.plan_needed is False  # 4.7: "no plan needed" is recorded, not left empty
    assert entry.delivery_method is DeliveryMethod.POST
    # The citizen's postcode goes in front of an address typed without one.
    assert entry.delivery_address == "625000, г. Тюмень, ул. Мельникайте, д. 10, кв. 5"
    with db.session_factory() as session:
        call = session.get(models.CallAttempt, result.call_id)
        assert call is not None
        assert call.called_at == NOW
        assert (call.told_measures, call.told_organisations, call.told_route) == (True,) * 3
        assert call.questions == "Путёвка в санаторий"
        assert call.duration_seconds == 240
        assert call.created_by_id is not None


def test_a_call_at_21_utc_informs_on_the_next_local_day(db: Database) -> None:
    entry_id = enter(db)
    late = datetime(2025, 6, 5, 21, 0, tzinfo=UTC)  # 02:00 on 6 June in Tyumen
    record_call(db, reached(entry_id, late), late + timedelta(minutes=10))
    assert entry_of(db, entry_id).informed_on == date(2025, 6, 6)


def test_a_second_successful_call_keeps_the_date_but_updates_delivery(db: Database) -> None:
    entry_id = enter(db)
    record_call(db, reached(entry_id, plan_needed=True), NOW)
    later = NOW + timedelta(days=3)
    second = reached(
        entry_id,
        later,
        delivery_method=DeliveryMethod.EMAIL,
        delivery_address="",
        delivery_email="new@example.ru",
        plan_needed=True,
    )
    result = record_call(db, second, later)

    assert not result.informed_now
    assert "уже проинформирован 05.06.2025" in result.message
    entry = entry_of(db, entry_id)
    assert entry.informed_on == date(2025, 6, 5)
    assert entry.delivery_method is DeliveryMethod.EMAIL
    assert entry.delivery_email == "new@example.ru"
    assert entry.plan_needed is True


def test_unsuccessful_attempts_are_kept_and_listed_1_7(db: Database) -> None:
    entry_id = enter(db)
    first = datetime(2025, 6, 5, 4, 0, tzinfo=UTC)
    record_call(db, attempt(entry_id, CallOutcome.NO_ANSWER, first), NOW)
    record_call(
        db,
        attempt(entry_id, CallOutcome.BUSY, first + timedelta(minutes=30), comment="короткие"),
        NOW,
    )
    call_back = datetime(2025, 6, 6, 6, 0, tzinfo=UTC)
    result = record_call(
        db,
        attempt(entry_id, CallOutcome.CALL_BACK, NOW, call_back_at=call_back, comment="на работе"),
        NOW,
    )
    assert not result.informed_now
    assert "перезвонить 06.06.2025 11:00" in result.message

    context = call_context(db, entry_id)
    assert context.attempts == (
        "05.06.2025 09:00 — не отвечает",
        "05.06.2025 09:30 — занято: короткие",
        "05.06.2025 15:00 — перезвонить, перезвонить 06.06.2025 11:00: на работе",
    )
    assert context.informed_on is None
    assert entry_of(db, entry_id).informed_on is None


def test_a_refusal_is_kept_but_does_not_inform(db: Database) -> None:
    # Our reading of 4.1/4.7: informing is telling the three things of 4.1; a person who
    # refused to talk was told nothing, so the entry stays not informed (col. 7 empty).
    entry_id = enter(db)
    result = record_call(
        db, attempt(entry_id, CallOutcome.REFUSED, NOW, comment="не хочет говорить"), NOW
    )
    assert not result.informed_now
    entry = entry_of(db, entry_id)
    assert entry.informed_on is None
    assert entry.route_needed is None and entry.plan_needed is None
    assert call_context(db, entry_id).attempts == (
        "05.06.2025 15:00 — отказ от разговора: не хочет говорить",
    )


def test_each_call_is_audited(db: Database) -> None:
    entry_id = enter(db)
    record_call(db, attempt(entry_id, CallOutcome.NO_ANSWER, NOW), NOW)
    record_call(db, reached(entry_id), NOW)
    with db.session_factory() as session:
        events = session.scalars(
            select(models.AuditEvent)
            .where(models.AuditEvent.action == "informing.call")
            .order_by(models.AuditEvent.id)
        ).all()
        details = [json.loads(e.details or "{}") for e in events]
    assert [(d["outcome"], d["informed_now"]) for d in details] == [
        ("NO_ANSWER", False),
        ("REACHED", True),
    ]


# --- the journal (1.7) and the ЕИС list (1.6.1) -----------------------------------------


def _history(db: Database) -> tuple[int, int]:
    """Two people phoned around the turn of 5/6 June (Tyumen time)."""
    profile.update_profile(
        db, full_name=SPECIALIST, position="специалист", organisation="КЦСОН г. Тюмени",
        phone="", email="",
    )  # fmt: skip
    fedorov = enter(db)
    ivanova = enter(
        db,
        replace(
            FEDOROV, last_name="Иванова", first_name="Мария", middle_name="Петровна",
            sex=Sex.FEMALE, snils="", phone="+79990001122",
        ),
    )  # fmt: skip
    # 4 June 18:59 UTC = 4 June 23:59 local: before the period.
    record_call(db, attempt(fedorov, CallOutcome.NO_ANSWER, datetime(2025, 6, 4, 18, 59,
                                                                     tzinfo=UTC)), NOW)  # fmt: skip
    # 4 June 19:00 UTC = 5 June 00:00 local: inside.
    record_call(db, attempt(fedorov, CallOutcome.BUSY, datetime(2025, 6, 4, 19, 0, tzinfo=UTC),
                            comment="занято"), NOW)  # fmt: skip
    record_call(db, reached(fedorov, NOW), NOW)
    record_call(db, attempt(ivanova, CallOutcome.NO_ANSWER, NOW + timedelta(minutes=5),
                            phone="+79990001122"), NOW + timedelta(minutes=10))  # fmt: skip
    # 5 June 19:30 UTC = 6 June 00:30 local: after a period ending on 5 June.
    late = datetime(2025, 6, 5, 19, 30, tzinfo=UTC)
    record_call(db, attempt(ivanova, CallOutcome.NO_ANSWER, late, phone="+79990001122"),
                late)  # fmt: skip
    return fedorov, ivanova


EXPECTED_JOURNAL = [
    ["1", "05.06.2025", "00:00", PERSON, "+79123456789", SERVICE_NAME, "занято: занято",
     SPECIALIST],
    ["2", "05.06.2025", "15:00", PERSON, "+79123456789", SERVICE_NAME, "дозвонились",
     SPECIALIST],
    ["3", "05.06.2025", "15:05", "Иванова Мария Петровна", "+79990001122", SERVICE_NAME,
     "не отвечает", SPECIALIST],
]  # fmt: skip


def test_journal_rows_cover_the_local_days_of_the_period(db: Database) -> None:
    _history(db)
    rows = journal_rows(db, date(2025, 6, 5), date(2025, 6, 5))
    assert [list(r.cells) for r in rows] == EXPECTED_JOURNAL
    assert len(journal_rows(db, date(2025, 6, 4), date(2025, 6, 6))) == 5
    with pytest.raises(ValidationError, match="раньше даты начала"):
        journal_rows(db, date(2025, 6, 6), date(2025, 6, 5))


def test_journal_result_names_the_representative_and_the_call_back_time(db: Database) -> None:
    entry_id = enter(db)
    call_back = datetime(2025, 6, 6, 6, 0, tzinfo=UTC)
    draft = attempt(
        entry_id,
        CallOutcome.CALL_BACK,
        NOW,
        callee=Callee.REPRESENTATIVE,
        phone="+73452123456",
        call_back_at=call_back,
        comment="опекун на работе",
    )
    record_call(db, draft, NOW)
    (row,) = journal_rows(db, TODAY, TODAY)
    assert row.phone == "+73452123456"
    assert row.result == "перезвонить 06.06.2025 11:00 (представитель): опекун на работе"


def test_journal_xlsx_reads_back(db: Database, tmp_path: Path) -> None:
    _history(db)
    out = tmp_path / "journal.xlsx"
    assert export_journal(db, date(2025, 6, 5), date(2025, 6, 5), "xlsx", out) == 3
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    values = [
        [("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)
    ]
    assert values[0][0].startswith("Журнал учета предоставления срочных социальных услуг")
    header = values.index(
        ["№ п/п", "Дата", "Время", "Ф.И.О. получателя", "Телефон", "Услуга", "Результат",
         "Специалист"]
    )  # fmt: skip
    assert values[header + 1 :] == EXPECTED_JOURNAL
    assert any("за период с 05.06.2025 по 05.06.2025" in row[0] for row in values[:header])
    with db.session_factory() as session:
        action = session.scalar(
            select(models.AuditEvent.action).where(
                models.AuditEvent.action == "informing.journal_export"
            )
        )
    assert action == "informing.journal_export"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_journal_pdf_is_a4_landscape_with_embedded_fonts(db: Database, tmp_path: Path) -> None:
    _history(db)
    out = tmp_path / "journal.pdf"
    assert export_journal(db, date(2025, 6, 5), date(2025, 6, 5), "PDF", out) == 3
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for word in ("№ п/п", "Ф.И.О. получателя", "Специалист", "Результат", "за период с"):
        assert word in text
    assert text.count(PERSON) == 2
    assert text.count("Иванова Мария Петровна") == 1
    assert text.count(SPECIALIST) == 3
    assert "04.06.2025" not in text and "06.06.2025" not in text
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "841.89 x 595.27" in info  # A4 landscape
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    lines = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert lines and all(" yes " in line for line in lines)  # every font embedded
    assert all("PT" in line for line in lines)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_journal_pdf_repeats_the_heading_on_each_page(db: Database, tmp_path: Path) -> None:
    entry_id = enter(db)
    for n in range(80):
        started = NOW - timedelta(minutes=n)
        record_call(db, attempt(entry_id, CallOutcome.NO_ANSWER, started), NOW)
    out = tmp_path / "journal.pdf"
    export_journal(db, TODAY, TODAY, "pdf", out)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    assert all("Ф.И.О. получателя" in page for page in pages)


def test_eis_list_has_one_row_per_entry_with_dates_and_count_1_6_1(
    db: Database, tmp_path: Path
) -> None:
    _history(db)
    rows = eis_rows(db, date(2025, 6, 5), date(2025, 6, 5))
    assert [(r.number, r.person, r.snils, r.consulted_on, r.calls) for r in rows] == [
        ("1", PERSON, "112-233-445 95", "05.06.2025", "2 (05.06.2025, 05.06.2025)"),
        ("2", "Иванова Мария Петровна", "", "", "1 (05.06.2025)"),
    ]
    assert "Проинформирован(а) по телефону (гражданин)" in rows[0].comment
    assert "почтовое отправление" in rows[0].comment
    assert "плане комплексного сопровождения отсутствует" in rows[0].comment
    assert rows[1].comment == "Не проинформирован(а): не отвечает."

    out = tmp_path / "eis.xlsx"
    assert export_eis_list(db, date(2025, 6, 5), date(2025, 6, 5), out) == 2
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    values = [
        [("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)
    ]
    header = values.index(
        ["№ п/п", "Ф.И.О.", "СНИЛС", "Дата консультирования посредством телефонной связи",
         "Периодичность телефонных звонков", "Комментарий"]
    )  # fmt: skip
    body = values[header + 1 :]
    assert [row[:5] for row in body] == [
        ["1", PERSON, "112-233-445 95", "05.06.2025", "2 (05.06.2025, 05.06.2025)"],
        ["2", "Иванова Мария Петровна", "", "", "1 (05.06.2025)"],
    ]
    assert any(SERVICE_NAME in row[0] for row in values[:header])


# --- the command line -------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_journal_export_and_eis_list(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(db)
    path = str(db.path)
    db.close()
    out = tmp_path / "j.xlsx"
    code, stdout, _ = _cli(capsys, "--db", path, "journal", "export", "--from", "05.06.2025",
                           "--to", "2025-06-05", "--format", "xlsx", "--out", str(out))  # fmt: skip
    assert code == EXIT_OK
    assert "строк 3" in stdout and out.is_file()
    pdf = tmp_path / "j.pdf"
    code, stdout, _ = _cli(capsys, "--db", path, "journal", "export", "--from", "04.06.2025",
                           "--to", "06.06.2025", "--format", "pdf", "--out", str(pdf))  # fmt: skip
    assert code == EXIT_OK and "строк 5" in stdout and pdf.is_file()
    eis = tmp_path / "eis.xlsx"
    code, stdout, _ = _cli(capsys, "--db", path, "eis-list", "--from", "05.06.2025", "--to",
                           "05.06.2025", "--out", str(eis))  # fmt: skip
    assert code == EXIT_OK and "записей 2" in stdout and eis.is_file()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["journal", "export", "--from", "31.02.2025", "--to", "01.03.2025", "--format", "xlsx",
          "--out", "x.xlsx"], "не существует"),
        (["journal", "export", "--from", "01.06.2025", "--to", "вчера", "--format", "xlsx",
          "--out", "x.xlsx"], "не является датой"),
        (["journal", "export", "--from", "01.06.2025", "--to", "30.06.2025", "--format", "doc",
          "--out", "x.doc"], "неизвестное значение"),
        (["journal", "export", "--from", "30.06.2025", "--to", "01.06.2025", "--format", "pdf",
          "--out", "x.pdf"], "раньше --from"),
        (["journal", "export", "--from", "01.06.2025", "--to", "30.06.2025", "--out", "x.pdf"],
         "не указано: --format"),
        (["eis-list", "--from", "1.6", "--to", "30.06.2025", "--out", "x.xlsx"],
         "не является датой"),
        (["eis-list", "--from", "30.06.2025", "--to", "01.06.2025", "--out", "x.xlsx"],
         "раньше --from"),
    ],
)  # fmt: skip
def test_cli_bad_arguments_are_one_line_errors(
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    path = str(db.path)
    db.close()
    argv = [str(tmp_path / a) if a.startswith("x.") else a for a in argv]
    code, _, err = _cli(capsys, "--db", path, *argv)
    assert code == EXIT_USER_ERROR
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ошибка: "), err
    assert expected in err
    assert not list(tmp_path.glob("x.*"))


def test_cli_missing_database_and_missing_folder(
    tmp_path: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.sqlite"
    code, _, err = _cli(capsys, "--db", str(missing), "eis-list", "--from", "01.06.2025",
                        "--to", "30.06.2025", "--out", str(tmp_path / "e.xlsx"))  # fmt: skip
    assert code == EXIT_USER_ERROR and "не найден" in err and not missing.exists()
    path = str(db.path)
    db.close()
    code, _, err = _cli(capsys, "--db", path, "journal", "export", "--from", "01.06.2025",
                        "--to", "30.06.2025", "--format", "xlsx",
                        "--out", str(tmp_path / "no" / "j.xlsx"))  # fmt: skip
    assert code == EXIT_USER_ERROR
    assert len(err.strip().splitlines()) == 1 and "не существует" in err


def test_eis_list_prints_as_pdf_too_1_6_1(db: Database, tmp_path: Path) -> None:
    # 1.6.1: the same list on paper, for the specialist entering it in the regional system.
    _history(db)
    out = tmp_path / "eis.pdf"
    assert export_eis_list(db, date(2025, 6, 5), date(2025, 6, 5), out, "pdf") == 2
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert PERSON.split()[0] in text and "Иванова" in text
    assert "2 (05.06.2025, 05.06.2025)" in text
    with pytest.raises(ValidationError):
        export_eis_list(db, date(2025, 6, 5), date(2025, 6, 5), tmp_path / "eis.doc", "doc")
