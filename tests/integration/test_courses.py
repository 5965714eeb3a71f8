"""510-п subsection 3 in the database: courses, attendance (4.4), extensions (4.5), the
refusal notice, the XLSX list and the dashboard duties, on a real SQLite file.

The test clock reads 23.11.2026 (Monday).
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.domain.deadlines import DeadlineKind, DueStatus
from app.domain.enums import ApplicationDecision, ServiceForm, Sex, Technology
from app.domain.names import search_key
from app.domain.periods import Month
from app.errors import ValidationError
from app.services import courses
from app.services.calendar import set_override
from app.services.deadlines import due_items
from db import models
from db.session import Database

ALL = tuple(DueStatus)


def citizen(
    db: Database, last: str = "Иванова", first: str = "Мария", middle: str = "Петровна"
) -> int:
    with db.session_factory.begin() as s:
        person = models.Citizen(
            last_name=last,
            first_name=first,
            middle_name=middle,
            search_name=search_key(f"{last} {first} {middle}"),
            sex=Sex.FEMALE,
            actual_address="г. Ялуторовск, ул. Ленина, д. 5, кв. 2",
            postcode="627010",
        )
        s.add(person)
        s.flush()
        return person.id


def _days(db: Database, programme_id: int) -> list[date]:
    return list(courses.get_course(db, programme_id).days)


def _events(db: Database, action: str) -> list[dict[str, object]]:
    with db.session_factory() as s:
        rows = s.scalars(select(models.AuditEvent).where(models.AuditEvent.action == action))
        return [json.loads(r.details or "{}") for r in rows]


# --- 1.3, 4.4 б/г: creating a course ------------------------------------------------------


def test_course_is_created_with_technology_dates_and_form(db: Database) -> None:
    view = courses.create_course(
        db,
        citizen(db),
        Technology.COURSE,
        date(2026, 10, 1),
        date(2026, 12, 31),
        ServiceForm.REMOTE,
        date(2026, 9, 28),
        number="ИППСУ-17",
    )
    again = courses.get_course(db, view.programme_id)
    assert (again.technology, again.starts_on, again.ends_on) == (
        Technology.COURSE,
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert (again.service_form, again.form_chosen_on, again.number) == (
        ServiceForm.REMOTE,
        date(2026, 9, 28),
        "ИППСУ-17",
    )
    assert again.person == "Иванова Мария Петровна"
    assert _events(db, "course.create")[0]["service_form"] == "REMOTE"


def test_1_3_remote_without_written_choice_is_refused_and_nothing_is_stored(db: Database) -> None:
    person = citizen(db)
    with pytest.raises(ValidationError, match="письменн"):
        courses.create_course(
            db, person, Technology.COURSE, date(2026, 10, 1), date(2026, 12, 31), ServiceForm.REMOTE
        )
    with pytest.raises(ValidationError, match="1.1.1"):
        courses.create_course(
            db,
            person,
            Technology.AUTISM_COURSE,
            date(2026, 10, 1),
            date(2026, 12, 31),
            ServiceForm.REMOTE,
            date(2026, 9, 1),
        )
    assert courses.list_programmes(db) == []


def test_4_4_g_supported_living_course_of_three_months(db: Database) -> None:
    person = citizen(db)
    with pytest.raises(ValidationError, match=r"3 месяца.*4\.4 «г».*31\.12\.2026"):
        courses.create_course(
            db, person, Technology.SUPPORTED_LIVING, date(2026, 10, 1), date(2026, 11, 30)
        )
    view = courses.create_course(
        db, person, Technology.SUPPORTED_LIVING, date(2026, 10, 1), date(2026, 12, 31)
    )
    assert view.ends_on == date(2026, 12, 31)


# --- 4.4: ticking attendance --------------------------------------------------------------


def _course(db: Database, start: date, end: date, tech: Technology = Technology.COURSE) -> int:
    return courses.create_course(db, citizen(db), tech, start, end).programme_id


def test_4_4_thirteenth_working_day_of_a_month_is_refused_with_the_count(db: Database) -> None:
    pid = _course(db, date(2026, 10, 1), date(2026, 12, 31))
    october = [d for d in range(1, 32) if date(2026, 10, d).weekday() < 5]  # 22 working days
    for d in october[:12]:
        result = courses.tick(db, pid, date(2026, 10, d))
    assert result.month_count == 12
    with pytest.raises(ValidationError) as refused:
        courses.tick(db, pid, date(2026, 10, october[12]))
    assert "уже отмечено 12 рабочих дней" in str(refused.value)
    assert "п. 4.4" in str(refused.value)
    assert len(_days(db, pid)) == 12  # database unchanged
    # another month has its own 12
    assert courses.tick(db, pid, date(2026, 11, 2)).month_count == 1
    # taking a day back frees a place
    courses.untick(db, pid, date(2026, 10, october[0]))
    assert courses.tick(db, pid, date(2026, 10, october[12])).month_count == 12
    assert len(_events(db, "course.tick")) == 14
    with db.session_factory() as s:
        deleted = s.scalars(
            select(models.AuditEvent).where(
                models.AuditEvent.action == "record.delete",
                models.AuditEvent.entity == "attendance_day",
            )
        ).all()
    assert len(deleted) == 1


def test_4_4_working_saturday_counts_holiday_and_day_outside_are_refused(db: Database) -> None:
    pid = _course(db, date(2025, 10, 15), date(2025, 11, 30))
    assert courses.tick(db, pid, date(2025, 11, 1)).month_count == 1  # Saturday, working (decree)
    with pytest.raises(ValidationError, match="нерабочий день"):
        courses.tick(db, pid, date(2025, 11, 4))  # National Unity Day
    with pytest.raises(ValidationError, match="нерабочий день"):
        courses.tick(db, pid, date(2025, 11, 3))  # transferred day off
    with pytest.raises(ValidationError, match="вне курса"):
        courses.tick(db, pid, date(2025, 10, 14))
    assert _days(db, pid) == [date(2025, 11, 1)]


def test_4_4_the_users_calendar_correction_is_followed(db: Database) -> None:
    pid = _course(db, date(2026, 10, 1), date(2026, 12, 31))
    set_override(db, date(2026, 10, 5), False, "региональный выходной")
    with pytest.raises(ValidationError, match="нерабочий день"):
        courses.tick(db, pid, date(2026, 10, 5))


def test_a_day_not_yet_come_is_not_ticked(db: Database) -> None:
    pid = _course(db, date(2026, 11, 1), date(2026, 12, 31))
    with pytest.raises(ValidationError, match="ещё не наступил"):
        courses.tick(db, pid, date(2026, 11, 24))


# --- 4.5: extension -------------------------------------------------------------------------


def test_4_5_application_registered_on_the_day_received_with_a_late_warning(db: Database) -> None:
    # ends 27.11.2026: five working days before it is 20.11 (26, 25, 24, 23, 20).
    pid = _course(db, date(2026, 9, 1), date(2026, 11, 27))
    result = courses.register_extension(db, pid, 3)
    assert result.application.received_on == date(2026, 11, 23)  # today: the day received
    assert result.warning is not None
    assert "до 20.11.2026" in result.warning and "п. 4.5" in result.warning
    assert result.application.decision_due == date(2026, 11, 30)  # 24, 25, 26, 27, 30


def test_4_5_application_in_time_has_no_warning_and_a_second_waits(db: Database) -> None:
    pid = _course(db, date(2026, 9, 1), date(2026, 12, 31))
    result = courses.register_extension(db, pid, 2, date(2026, 11, 20))
    assert result.warning is None
    with pytest.raises(ValidationError, match="уже ждёт решения"):
        courses.register_extension(db, pid, 1)
    with pytest.raises(ValidationError, match="не более чем на\\s+три месяца"):
        courses.register_extension(db, _course(db, date(2026, 9, 1), date(2026, 12, 31)), 4)


def test_4_5_extension_beyond_three_months_is_refused_with_the_clause(db: Database) -> None:
    pid = _course(db, date(2026, 9, 1), date(2026, 12, 31))
    app_id = courses.register_extension(db, pid, 3, date(2026, 11, 20)).application.id
    with pytest.raises(
        ValidationError, match=r"не более чем на три месяца.*п\. 4\.5.*31\.03\.2027"
    ):
        courses.grant_extension(db, app_id, date(2027, 4, 1))
    assert courses.get_course(db, pid).ends_on == date(2026, 12, 31)
    view = courses.grant_extension(db, app_id, date(2027, 2, 15))
    assert view.ends_on == date(2027, 2, 15)
    assert view.extensions[0].decision is ApplicationDecision.GRANTED
    # the course was extended with the programme: a day after the old end can be ticked later
    assert view.original_ends_on == date(2026, 12, 31)


def test_4_5_a_second_extension_still_counts_from_the_first_end(db: Database) -> None:
    pid = _course(db, date(2026, 6, 1), date(2026, 11, 30))
    first = courses.register_extension(db, pid, 1, date(2026, 11, 20)).application.id
    courses.grant_extension(db, first, date(2026, 12, 31), date(2026, 11, 23))
    second = courses.register_extension(db, pid, 2).application.id
    with pytest.raises(ValidationError, match="28.02.2027"):
        courses.grant_extension(db, second, date(2027, 3, 1))
    assert courses.grant_extension(db, second, date(2027, 2, 28)).ends_on == date(2027, 2, 28)
    with pytest.raises(ValidationError, match="уже продлён на три месяца"):
        courses.register_extension(db, pid, 1)


def test_4_5_refusal_needs_a_reason_and_the_notice_names_it(db: Database, tmp_path: Path) -> None:
    pid = _course(db, date(2026, 9, 1), date(2026, 12, 31))
    app_id = courses.register_extension(db, pid, 3, date(2026, 11, 20)).application.id
    with pytest.raises(ValidationError, match="Причина отказа"):
        courses.refuse_extension(db, app_id, "  ")
    reason = "ухудшения условий жизнедеятельности не установлено"
    view = courses.refuse_extension(db, app_id, reason)
    assert view.extensions[0].decision is ApplicationDecision.REFUSED
    assert view.ends_on == date(2026, 12, 31)
    pdf = courses.write_refusal_notice(db, app_id, tmp_path / "notice.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Уведомление об отказе в продлении срока" in flat
    assert "Ивановой Марии Петровне" in flat
    assert f"Причина отказа: {reason}" in flat
    assert "от 20.11.2026" in flat and "принято решение от 23.11.2026 об отказе" in flat
    assert "510-п" in flat
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "PTSerif" in fonts and "Helvetica" not in fonts
    assert _events(db, "extension.refuse") and _events(db, "extension.refusal_notice")


def test_decision_cannot_precede_the_application_nor_be_taken_twice(db: Database) -> None:
    pid = _course(db, date(2026, 9, 1), date(2026, 12, 31))
    app_id = courses.register_extension(db, pid, 3, date(2026, 11, 20)).application.id
    with pytest.raises(ValidationError, match="раньше получения"):
        courses.grant_extension(db, app_id, date(2027, 1, 31), date(2026, 11, 19))
    courses.grant_extension(db, app_id, date(2027, 1, 31))
    with pytest.raises(ValidationError, match="решение уже принято"):
        courses.refuse_extension(db, app_id, "причина")


# --- the dashboard duties are created and closed by the acts ------------------------------------


def _duty(db: Database, kind: DeadlineKind, entity_id: int, on: date) -> DueStatus | None:
    for item in due_items(db, on, ALL):
        if item.kind is kind and item.entity_id == entity_id:
            return item.status
    return None


def test_4_5_duties_open_and_close_done_or_late(db: Database) -> None:
    today = date(2026, 11, 23)
    late = _course(db, date(2026, 9, 1), date(2026, 11, 27))  # due 20.11
    in_time = _course(db, date(2026, 9, 1), date(2026, 12, 31))  # due 24.12
    assert _duty(db, DeadlineKind.EXTENSION_APPLICATION, late, today) is DueStatus.OVERDUE
    assert _duty(db, DeadlineKind.EXTENSION_APPLICATION, in_time, today) is DueStatus.LATER
    a_late = courses.register_extension(db, late, 1).application.id
    a_in_time = courses.register_extension(db, in_time, 1).application.id
    assert _duty(db, DeadlineKind.EXTENSION_APPLICATION, late, today) is DueStatus.DONE_LATE
    assert _duty(db, DeadlineKind.EXTENSION_APPLICATION, in_time, today) is DueStatus.DONE
    # the decision duty: due 30.11, open until decided
    assert _duty(db, DeadlineKind.EXTENSION_DECISION, a_late, today) is DueStatus.DUE_THIS_WEEK
    courses.grant_extension(db, a_late, date(2026, 12, 25))
    courses.refuse_extension(db, a_in_time, "нет оснований")
    assert _duty(db, DeadlineKind.EXTENSION_DECISION, a_late, today) is DueStatus.DONE
    assert _duty(db, DeadlineKind.EXTENSION_DECISION, a_in_time, today) is DueStatus.DONE
    # extended to 25.12: a new application duty for the new end (due 18.12), open
    assert _duty(db, DeadlineKind.EXTENSION_APPLICATION, late, today) is DueStatus.LATER
    # a decision after the fifth working day is late
    third = _course(db, date(2026, 6, 1), date(2026, 12, 31))
    a3 = courses.register_extension(db, third, 1, date(2026, 11, 10)).application.id
    courses.grant_extension(db, a3, date(2027, 1, 29), date(2026, 11, 23))  # due 17.11
    assert _duty(db, DeadlineKind.EXTENSION_DECISION, a3, today) is DueStatus.DONE_LATE
    assert courses.programme_of(db, "extension_application", a3) == third
    assert courses.programme_of(db, "service_programme", third) == third


# --- list and export -----------------------------------------------------------------------------


def test_list_filters_and_xlsx_export(db: Database, tmp_path: Path) -> None:
    home = courses.create_course(
        db, citizen(db, "Петров", "Пётр", "Ильич"), Technology.HOME_REHAB,
        date(2026, 11, 2), date(2027, 1, 29),
    ).programme_id  # fmt: skip
    course = _course(db, date(2026, 11, 2), date(2026, 12, 31))
    for d in (2, 3, 5, 6):
        courses.tick(db, home, date(2026, 11, d))
    courses.register_extension(db, course, 2)
    rows = courses.list_programmes(db, Month(2026, 11))
    assert [(r.person, r.days_in_month) for r in rows] == [
        ("Иванова Мария Петровна", 0),
        ("Петров Пётр Ильич", 4),
    ]
    assert [r.person for r in courses.list_programmes(db, search="ПЕТРОВ ПЁ")] == [
        "Петров Пётр Ильич"
    ]
    assert [
        r.programme_id for r in courses.list_programmes(db, technology=Technology.HOME_REHAB)
    ] == [home]
    assert [r.programme_id for r in courses.list_programmes(db, pending_only=True)] == [course]
    assert courses.list_programmes(db, Month(2026, 10))[1].days_in_month == 0
    out = tmp_path / "курсы.xlsx"
    assert courses.export_xlsx(db, out, Month(2026, 11)) == 2
    ws = load_workbook(out)["Курсы"]
    assert "ноябрь 2026" in str(ws["A1"].value)
    assert [c.value for c in ws[5]][:8] == [
        2,
        "Петров Пётр Ильич",
        "Реабилитационный центр на дому (1.5, 4.4 «в»)",
        "очно",
        "02.11.2026",
        "29.01.2027",
        "4",
        "действует",
    ]
    assert ws["I4"].value == "да"


# --- ic courses ------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_courses_list_tick_extend_refuse_notice_export(
    db: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = courses.create_course(
        db, citizen(db), Technology.COURSE, date(2026, 10, 1), date(2026, 11, 27)
    ).programme_id
    base = ("--db", str(db_path), "courses")
    for day in range(1, 17):  # 1-16 Oct 2026: 12 working days
        if date(2026, 10, day).weekday() < 5:
            code, out, err = run(
                capsys, *base, "tick", "--course", str(pid), "--day", f"{day:02}.10.2026"
            )
            assert code == EXIT_OK, err
    assert "16.10.2026 отмечен: Иванова Мария Петровна, за октябрь 2026 12 из 12" in out
    code, out, err = run(capsys, *base, "tick", "--course", str(pid), "--day", "19.10.2026")
    assert code == EXIT_USER_ERROR
    assert err.strip().startswith("ошибка: За октябрь 2026 уже отмечено 12 рабочих дней")
    assert len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, *base, "tick", "--course", str(pid), "--day", "31.02.2026")
    assert code != EXIT_OK and "не существует" in err and "Traceback" not in err

    code, out, _ = run(capsys, *base, "list", "--month", "2026-10")
    assert code == EXIT_OK
    assert f"№ {pid}  Иванова Мария Петровна" in out and "дней: 12 из 12" in out

    code, out, _ = run(capsys, *base, "extend", "--course", str(pid), "--months", "2")
    assert code == EXIT_OK
    assert "решение — до 30.11.2026" in out
    assert "внимание: Заявление получено 23.11.2026, позже срока" in out  # due 20.11
    application = courses.get_course(db, pid).extensions[0].id
    code, _, err = run(
        capsys, *base, "grant", "--application", str(application), "--until", "28.02.2027"
    )
    assert code == EXIT_USER_ERROR and "не более чем на три месяца" in err
    code, out, _ = run(
        capsys,
        *base,
        "refuse",
        "--application",
        str(application),
        "--reason",
        "нет оснований для продления",
    )
    assert code == EXIT_OK
    pdf = tmp_path / "отказ.pdf"
    code, out, _ = run(
        capsys, *base, "notice", "--application", str(application), "--out", str(pdf)
    )
    assert code == EXIT_OK
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Причина отказа: нет оснований для продления" in " ".join(text.split())

    out_xlsx = tmp_path / "курсы.xlsx"
    code, out, _ = run(capsys, *base, "export", "--out", str(out_xlsx), "--month", "2026-10")
    assert code == EXIT_OK and "Записано программ: 1" in out
    ws = load_workbook(out_xlsx)["Курсы"]
    assert ws["B4"].value == "Иванова Мария Петровна" and ws["G4"].value == "12"
