"""What is due on a date (app.services.deadlines) over records built by hand on a real file.

Every expected due date below is worked out by hand from the seed clause named
in the test (DESIGN 2, "Deadlines") and the 2025/2026 production calendar:
12-13 June 2025 off; 1-4, 8-11 May off; 1 Nov 2025 (Saturday) working,
3-4 Nov off; 31 Dec 2025 and 1-11 Jan 2026 off. Nothing is computed with the
rules under test.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.cli import main
from app.domain.deadlines import DeadlineKind, DueStatus
from app.domain.enums import (
    ApplicationDecision,
    Callee,
    CallOutcome,
    ProgrammeStatus,
    Source,
    TargetCategory,
    Technology,
)
from app.domain.intake import ServiceBasis
from app.domain.names import search_key
from app.domain.periods import Month
from app.services.calendar import set_override
from app.services.deadlines import ACTIONABLE, DueItem, due_items
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

ALL = tuple(DueStatus)
TYUMEN = timedelta(hours=5)  # local office time is UTC+5

IVANOVA = "Иванова Мария Петровна"
PETROV = "Петров Сергей Алексеевич"
SIDORENKO = "Сидоренко Анна Викторовна"
KUZNETSOV = "Кузнецов Павел Игоревич"
SMIRNOVA = "Смирнова Ольга Николаевна"
FEDOROV = "Фёдоров Артём Ильич"
ZAKHAROVA = "Захарова Елена Юрьевна"


# --- building records ---------------------------------------------------------------


def _citizen(s: Session, name: str) -> models.Citizen:
    last, first, middle = name.split()
    citizen = models.Citizen(
        last_name=last, first_name=first, middle_name=middle, search_name=search_key(name)
    )
    s.add(citizen)
    s.flush()
    return citizen


def _entry(
    s: Session,
    name: str,
    identified_on: date,
    entered_on: date | None = None,
    **fields: object,
) -> models.RegistryEntry:
    entry = models.RegistryEntry(
        citizen=_citizen(s, name),
        reporting_month=str(Month.of(identified_on)),
        identified_on=identified_on,
        source=Source.EXTRACT,
        category=TargetCategory.GROUP_I,
        entered_on=entered_on or identified_on,
        **fields,
    )
    s.add(entry)
    s.flush()
    return entry


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of Tyumen office time, as the UTC value the database keeps."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - TYUMEN


def _call(
    s: Session,
    entry: models.RegistryEntry,
    called_at: datetime,
    outcome: CallOutcome,
    call_back_at: datetime | None = None,
) -> None:
    s.add(
        models.CallAttempt(
            entry=entry,
            called_at=called_at,
            callee=Callee.CITIZEN,
            outcome=outcome,
            call_back_at=call_back_at,
        )
    )
    s.flush()


def _programme(
    s: Session,
    name: str,
    ends_on: date,
    status: ProgrammeStatus = ProgrammeStatus.ACTIVE,
) -> models.ServiceProgramme:
    programme = models.ServiceProgramme(
        citizen_id=_citizen(s, name).id,
        technology=Technology.COURSE,
        status=status,
        starts_on=date(2025, 1, 9),
        ends_on=ends_on,
    )
    s.add(programme)
    s.flush()
    return programme


def _extension(
    s: Session,
    name: str,
    applied_on: date,
    decision: ApplicationDecision = ApplicationDecision.PENDING,
    decided_on: date | None = None,
) -> models.ExtensionApplication:
    application = models.ExtensionApplication(
        programme=_programme(s, name, date(2025, 6, 30)),
        applied_on=applied_on,
        months=3,
        decision=decision,
        decided_on=decided_on,
    )
    s.add(application)
    s.flush()
    return application


def _intake(
    s: Session,
    name: str,
    applied_on: date,
    decision: ApplicationDecision = ApplicationDecision.PENDING,
    surveys: tuple[date | None, ...] = (),
    basis: ServiceBasis | None = ServiceBasis.S3_1,
    technology: Technology | None = None,
) -> models.IntakeApplication:
    # 510-п section 3 subsection 1 by default: a survey act is drawn up (6-р 5, 6).
    application = models.IntakeApplication(
        citizen_id=_citizen(s, name).id,
        applied_on=applied_on,
        basis=basis,
        technology=technology,
        decision=decision,
        decided_on=None if decision is ApplicationDecision.PENDING else applied_on,
        surveys=[models.LivingConditionsSurvey(surveyed_on=day) for day in surveys],
    )
    s.add(application)
    s.flush()
    return application


def _course(s: Session, name: str, days: list[date]) -> models.Course:
    course = models.Course(
        programme=_programme(s, name, date(2025, 12, 31)),
        title="Курсовая комплексная реабилитация",
        starts_on=min(days),
        days=[models.AttendanceDay(day=day) for day in days],
    )
    s.add(course)
    s.flush()
    return course


def _import(s: Session, imported_at: datetime) -> None:
    s.add(
        models.ImportBatch(
            file_name="Выписка ЕИС СЗН.xlsx", sha256="0" * 64, imported_at=imported_at
        )
    )


# --- reading the answer -------------------------------------------------------------


def _dues(items: list[DueItem], kind: DeadlineKind) -> dict[str, tuple[date, DueStatus]]:
    """Person -> (due date, status) of the items of one kind."""
    found = [i for i in items if i.kind is kind]
    result = {i.person: (i.due_on, i.status) for i in found}
    assert len(result) == len(found), f"one item per person expected: {found}"
    return result


def _monthly(
    db: Database, on: date, kind: DeadlineKind, statuses: tuple[DueStatus, ...] = ALL
) -> DueItem | None:
    found = [i for i in due_items(db, on, statuses) if i.kind is kind]
    assert len(found) <= 1
    return found[0] if found else None


# --- 31-р 3.1.1: the monthly extract, by the 10th of the next month -----------------


@pytest.mark.parametrize(
    ("on", "due", "status", "month_title"),
    [
        (date(2025, 7, 8), date(2025, 7, 10), DueStatus.DUE_THIS_WEEK, "июнь 2025"),
        (date(2025, 7, 10), date(2025, 7, 10), DueStatus.DUE_TODAY, "июнь 2025"),
        (date(2025, 7, 11), date(2025, 7, 10), DueStatus.OVERDUE, "июнь 2025"),
        (date(2025, 7, 31), date(2025, 7, 10), DueStatus.OVERDUE, "июнь 2025"),
        # 10 Jan 2026 is a Saturday in the holidays: a calendar date, not moved
        (date(2026, 1, 5), date(2026, 1, 10), DueStatus.DUE_THIS_WEEK, "декабрь 2025"),
    ],
)
def test_extract_import_31r_3_1_1_due_on_the_10th_of_the_next_month(
    db: Database, on: date, due: date, status: DueStatus, month_title: str
) -> None:
    item = _monthly(db, on, DeadlineKind.EXTRACT_IMPORT, ACTIONABLE)
    assert item == DueItem(
        DeadlineKind.EXTRACT_IMPORT,
        due,
        status,
        f"Получить выписку из ЕИС СЗН за {month_title}",
        "",
        "import_batch",
        None,
    )


def test_extract_import_31r_3_1_1_done_in_time_is_not_on_the_list(db: Database) -> None:
    with db.session_factory.begin() as s:
        _import(s, _local(date(2025, 6, 5), 11))  # May's extract: not June's
        _import(s, _local(date(2025, 7, 3), 11))
        _import(s, _local(date(2025, 7, 12), 11))  # a second file later changes nothing
    on = date(2025, 7, 8)
    assert _monthly(db, on, DeadlineKind.EXTRACT_IMPORT, ACTIONABLE) is None
    item = _monthly(db, on, DeadlineKind.EXTRACT_IMPORT)
    assert item is not None
    assert (item.due_on, item.status) == (date(2025, 7, 10), DueStatus.DONE)


def test_extract_import_31r_3_1_1_an_import_of_the_previous_month_does_not_count(
    db: Database,
) -> None:
    with db.session_factory.begin() as s:
        _import(s, _local(date(2025, 6, 30), 17))
    item = _monthly(db, date(2025, 7, 8), DeadlineKind.EXTRACT_IMPORT, ACTIONABLE)
    assert item is not None
    assert (item.due_on, item.status) == (date(2025, 7, 10), DueStatus.DUE_THIS_WEEK)


@pytest.mark.parametrize(
    ("imported_at", "status"),
    [
        (_local(date(2025, 7, 10), 23, 30), DueStatus.DONE),
        # 01:30 on the 11th in Tyumen is still the 10th in UTC: late all the same
        (_local(date(2025, 7, 11), 1, 30), DueStatus.DONE_LATE),
        (_local(date(2025, 7, 11), 9), DueStatus.DONE_LATE),
    ],
)
def test_extract_import_31r_3_1_1_is_judged_by_the_local_date(
    db: Database, imported_at: datetime, status: DueStatus
) -> None:
    with db.session_factory.begin() as s:
        _import(s, imported_at)
    item = _monthly(db, date(2025, 7, 14), DeadlineKind.EXTRACT_IMPORT)
    assert item is not None
    assert (item.due_on, item.status) == (date(2025, 7, 10), status)


def test_extract_import_31r_3_1_1_early_on_the_1st_local_time_counts(db: Database) -> None:
    # 03:00 on 1 July in Tyumen is 30 June in UTC, but it is July's work on June's extract.
    with db.session_factory.begin() as s:
        _import(s, _local(date(2025, 7, 1), 3))
    assert _monthly(db, date(2025, 7, 8), DeadlineKind.EXTRACT_IMPORT, ACTIONABLE) is None


# --- 31-р 3.2: the registry for the month, by the 15th of the next month -----------


@pytest.mark.parametrize(
    ("on", "due", "status", "month_title"),
    [
        (date(2025, 7, 8), date(2025, 7, 15), DueStatus.DUE_THIS_WEEK, "июнь 2025"),
        (date(2025, 7, 15), date(2025, 7, 15), DueStatus.DUE_TODAY, "июнь 2025"),
        (date(2025, 7, 16), date(2025, 7, 15), DueStatus.OVERDUE, "июнь 2025"),
        # 15 Feb 2026 is a Sunday: not moved
        (date(2026, 2, 13), date(2026, 2, 15), DueStatus.DUE_THIS_WEEK, "январь 2026"),
    ],
)
def test_registry_formation_31r_3_2_due_on_the_15th_of_the_next_month(
    db: Database, on: date, due: date, status: DueStatus, month_title: str
) -> None:
    with db.session_factory.begin() as s:
        # another month formed, and this month's row present but not formed yet
        s.add(models.RegistryMonth(month=str(Month.of(on).previous().previous()), formed_on=on))
        s.add(models.RegistryMonth(month=str(Month.of(on).previous()), formed_on=None))
    item = _monthly(db, on, DeadlineKind.REGISTRY_FORMATION, ACTIONABLE)
    assert item == DueItem(
        DeadlineKind.REGISTRY_FORMATION,
        due,
        status,
        f"Сформировать реестр за {month_title}",
        "",
        "registry_month",
        None,
    )


@pytest.mark.parametrize(
    ("formed_on", "status"),
    [
        (date(2025, 7, 14), DueStatus.DONE),
        (date(2025, 7, 15), DueStatus.DONE),  # on the due day is in time
        (date(2025, 7, 16), DueStatus.DONE_LATE),
    ],
)
def test_registry_formation_31r_3_2_formed_is_not_on_the_list(
    db: Database, formed_on: date, status: DueStatus
) -> None:
    with db.session_factory.begin() as s:
        s.add(models.RegistryMonth(month="2025-06", formed_on=formed_on))
    on = date(2025, 7, 17)
    assert _monthly(db, on, DeadlineKind.REGISTRY_FORMATION, ACTIONABLE) is None
    item = _monthly(db, on, DeadlineKind.REGISTRY_FORMATION)
    assert item is not None
    assert (item.due_on, item.status) == (date(2025, 7, 15), status)


# --- 31-р 5.2: the semi-annual report, by the 25th of the month after the half-year --


@pytest.mark.parametrize(
    ("on", "due", "status", "half_title"),
    [
        (date(2025, 7, 8), date(2025, 7, 25), DueStatus.LATER, "1 полугодие 2025 г."),
        (date(2025, 7, 18), date(2025, 7, 25), DueStatus.DUE_THIS_WEEK, "1 полугодие 2025 г."),
        (date(2025, 7, 25), date(2025, 7, 25), DueStatus.DUE_TODAY, "1 полугодие 2025 г."),
        (date(2025, 7, 28), date(2025, 7, 25), DueStatus.OVERDUE, "1 полугодие 2025 г."),
        (date(2025, 12, 30), date(2025, 7, 25), DueStatus.OVERDUE, "1 полугодие 2025 г."),
        (date(2026, 1, 20), date(2026, 1, 25), DueStatus.DUE_THIS_WEEK, "2 полугодие 2025 г."),
        (date(2026, 1, 26), date(2026, 1, 25), DueStatus.OVERDUE, "2 полугодие 2025 г."),
    ],
)
def test_semiannual_report_31r_5_2_due_25_july_and_25_january(
    db: Database, on: date, due: date, status: DueStatus, half_title: str
) -> None:
    with db.session_factory.begin() as s:
        s.add(models.ReportSubmission(period="2024H2", submitted_on=date(2025, 1, 20)))
    item = _monthly(db, on, DeadlineKind.SEMIANNUAL_REPORT)
    assert item == DueItem(
        DeadlineKind.SEMIANNUAL_REPORT,
        due,
        status,
        f"Направить отчёт за {half_title} в региональный центр",
        "",
        "report_submission",
        None,
    )
    listed = _monthly(db, on, DeadlineKind.SEMIANNUAL_REPORT, ACTIONABLE)
    assert (listed is not None) == (status is not DueStatus.LATER)


def test_semiannual_report_31r_5_2_submitted_is_not_on_the_list(db: Database) -> None:
    with db.session_factory.begin() as s:
        s.add(models.ReportSubmission(period="2025H1", submitted_on=date(2025, 7, 22)))
        s.add(models.ReportSubmission(period="2025H1", submitted_on=date(2025, 7, 29)))
    on = date(2025, 7, 30)
    assert _monthly(db, on, DeadlineKind.SEMIANNUAL_REPORT, ACTIONABLE) is None
    item = _monthly(db, on, DeadlineKind.SEMIANNUAL_REPORT)
    assert item is not None
    assert (item.due_on, item.status) == (date(2025, 7, 25), DueStatus.DONE)


# --- 31-р 4.1: phone within 7 working days of the entry -----------------------------


def test_informing_31r_4_1_due_7_working_days_after_entry(db: Database) -> None:
    with db.session_factory.begin() as s:
        overdue = _entry(s, IVANOVA, date(2025, 6, 2))  # Mon -> Wed 11 June
        today = _entry(s, PETROV, date(2025, 6, 9))  # over 12-13 June -> Fri 20 June
        soon = _entry(s, SIDORENKO, date(2025, 6, 5), entered_on=date(2025, 6, 11))
        _entry(s, KUZNETSOV, date(2025, 6, 10), informed_on=date(2025, 6, 16))  # done
        _entry(s, SMIRNOVA, date(2025, 6, 23))  # entered after the day looked at
    items = due_items(db, date(2025, 6, 20))
    assert _dues(items, DeadlineKind.INFORMING) == {
        IVANOVA: (date(2025, 6, 11), DueStatus.OVERDUE),
        PETROV: (date(2025, 6, 20), DueStatus.DUE_TODAY),
        # 11 June -> 16, 17, 18, 19, 20, 23, 24
        SIDORENKO: (date(2025, 6, 24), DueStatus.DUE_THIS_WEEK),
    }
    by_person = {i.person: i for i in items if i.kind is DeadlineKind.INFORMING}
    assert by_person[IVANOVA].entity == "registry_entry"
    assert by_person[IVANOVA].entity_id == overdue.id
    assert by_person[PETROV].entity_id == today.id
    assert by_person[SIDORENKO].entity_id == soon.id
    assert by_person[IVANOVA].title == "Проинформировать по телефону"


def test_informing_31r_4_1_and_dispatch_3_4_done_late_are_listed_as_done_late(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #13: `ic deadlines --all` left out informing done late; every duty of the
    table ends as DONE or DONE_LATE when its act is recorded."""
    with db.session_factory.begin() as s:
        _entry(s, IVANOVA, date(2025, 6, 2), informed_on=date(2025, 6, 16))  # due 11 June
        _entry(s, PETROV, date(2025, 6, 9), informed_on=date(2025, 6, 18))  # due 20 June
        _entry(s, SIDORENKO, date(2025, 5, 5), informed_on=date(2025, 5, 6),
               route_sent_on=date(2025, 7, 2))  # fmt: skip  # route due 30 June
        _entry(s, KUZNETSOV, date(2025, 6, 9), informed_on=date(2025, 7, 1))  # after the day
    on = date(2025, 6, 20)
    every = due_items(db, on, tuple(DueStatus))
    assert _dues(every, DeadlineKind.INFORMING) == {
        IVANOVA: (date(2025, 6, 11), DueStatus.DONE_LATE),
        PETROV: (date(2025, 6, 20), DueStatus.DONE),
        SIDORENKO: (date(2025, 5, 16), DueStatus.DONE),  # 6, 7, (8-11 May) 12-16
        KUZNETSOV: (date(2025, 6, 20), DueStatus.DUE_TODAY),  # informed after 20 June
    }
    later = due_items(db, date(2025, 7, 5), tuple(DueStatus))
    assert _dues(later, DeadlineKind.ROUTE_DISPATCH)[SIDORENKO] == (
        date(2025, 6, 30),
        DueStatus.DONE_LATE,
    )
    # The everyday list leaves the done ones out.
    assert IVANOVA not in _dues(due_items(db, on), DeadlineKind.INFORMING)
    code = main(["--db", db.url or str(db.path), "deadlines", "--all", "--on", "20.06.2025"])
    out = capsys.readouterr().out
    assert code == 0
    line = next(x for x in out.splitlines() if IVANOVA in x and "Проинформирован" in x)
    assert DueStatus.DONE_LATE.label in line and "Проинформирован 16.06.2025" in line


@pytest.mark.parametrize(
    ("entered_on", "due"),
    [
        (date(2025, 10, 27), date(2025, 11, 6)),  # Saturday 1 Nov counts, 3-4 Nov do not
        (date(2025, 10, 31), date(2025, 11, 12)),
        (date(2025, 11, 1), date(2025, 11, 13)),  # entered on the working Saturday
        (date(2025, 12, 30), date(2026, 1, 20)),  # over 31 Dec and 1-11 Jan
        (date(2025, 12, 31), date(2026, 1, 20)),  # entered on a day off
        (date(2025, 4, 30), date(2025, 5, 15)),  # (1-4 May) 5, 6, 7, (8-11) 12, 13, 14, 15
    ],
)
def test_informing_31r_4_1_follows_the_production_calendar(
    db: Database, entered_on: date, due: date
) -> None:
    with db.session_factory.begin() as s:
        _entry(s, IVANOVA, entered_on)
    assert _dues(due_items(db, due), DeadlineKind.INFORMING) == {
        IVANOVA: (due, DueStatus.DUE_TODAY)
    }
    assert _dues(due_items(db, due + timedelta(days=1)), DeadlineKind.INFORMING) == {
        IVANOVA: (due, DueStatus.OVERDUE)
    }


# --- user overrides of the production calendar move working-day deadlines -----------


def test_calendar_override_day_off_moves_informing_31r_4_1(db: Database) -> None:
    with db.session_factory.begin() as s:
        _entry(s, IVANOVA, date(2025, 6, 2))
    on = date(2025, 6, 11)
    assert _dues(due_items(db, on), DeadlineKind.INFORMING) == {
        IVANOVA: (date(2025, 6, 11), DueStatus.DUE_TODAY)
    }
    set_override(db, date(2025, 6, 10), False, "региональный нерабочий день")
    # 3, 4, 5, 6, 9, (10 off), 11, (12-15 off), 16
    assert _dues(due_items(db, on), DeadlineKind.INFORMING) == {
        IVANOVA: (date(2025, 6, 16), DueStatus.DUE_THIS_WEEK)
    }


def test_calendar_override_beats_the_official_working_saturday_31r_4_1(db: Database) -> None:
    with db.session_factory.begin() as s:
        _entry(s, IVANOVA, date(2025, 10, 27))
    set_override(db, date(2025, 11, 1), False)
    # 28, 29, 30, 31 Oct, (1 Nov now off, 3-4 Nov off), 5, 6, 7
    assert _dues(due_items(db, date(2025, 11, 6)), DeadlineKind.INFORMING) == {
        IVANOVA: (date(2025, 11, 7), DueStatus.DUE_THIS_WEEK)
    }


def test_calendar_override_working_saturday_brings_informing_closer_31r_4_1(
    db: Database,
) -> None:
    with db.session_factory.begin() as s:
        _entry(s, IVANOVA, date(2025, 6, 9))
    set_override(db, date(2025, 6, 14), True, "рабочая суббота")
    # 10, 11, 14 (Sat, working), 16, 17, 18, 19
    assert _dues(due_items(db, date(2025, 6, 20)), DeadlineKind.INFORMING) == {
        IVANOVA: (date(2025, 6, 19), DueStatus.OVERDUE)
    }


def test_calendar_override_moves_extension_application_back_510p_4_5(db: Database) -> None:
    with db.session_factory.begin() as s:
        _programme(s, IVANOVA, date(2025, 6, 30))
    on = date(2025, 6, 20)
    assert _dues(due_items(db, on), DeadlineKind.EXTENSION_APPLICATION) == {
        IVANOVA: (date(2025, 6, 23), DueStatus.DUE_THIS_WEEK)
    }
    set_override(db, date(2025, 6, 25), False)
    # before 30 June: 27, 26, (25 off), 24, 23, 20
    assert _dues(due_items(db, on), DeadlineKind.EXTENSION_APPLICATION) == {
        IVANOVA: (date(2025, 6, 20), DueStatus.DUE_TODAY)
    }


# --- 31-р 3.4, 4.6: route and plan sent by the 30th of the next month ---------------


def test_route_dispatch_31r_3_4_due_on_the_30th_of_the_next_month(db: Database) -> None:
    with db.session_factory.begin() as s:
        overdue = _entry(s, IVANOVA, date(2025, 5, 20), informed_on=date(2025, 5, 26))
        _entry(s, PETROV, date(2025, 6, 5), route_needed=True)
        _entry(s, SIDORENKO, date(2025, 7, 2))  # July's: due 30 Aug, later
        _entry(s, KUZNETSOV, date(2025, 6, 6), route_sent_on=date(2025, 7, 10))  # done
        _entry(s, SMIRNOVA, date(2025, 6, 9), route_needed=False)  # refused the route
    on = date(2025, 7, 30)
    items = due_items(db, on)
    assert _dues(items, DeadlineKind.ROUTE_DISPATCH) == {
        IVANOVA: (date(2025, 6, 30), DueStatus.OVERDUE),
        PETROV: (date(2025, 7, 30), DueStatus.DUE_TODAY),
    }
    item = next(i for i in items if i.kind is DeadlineKind.ROUTE_DISPATCH)
    assert (item.entity, item.entity_id) == ("registry_entry", overdue.id)
    assert item.title == "Направить маршрут (и план) гражданину"
    # July has 31 days, August too: the 30th all the same, not the last day
    assert _dues(due_items(db, on, ALL), DeadlineKind.ROUTE_DISPATCH)[SIDORENKO] == (
        date(2025, 8, 30),
        DueStatus.LATER,
    )


@pytest.mark.parametrize(
    ("identified_on", "on", "due", "status"),
    [
        (date(2025, 1, 20), date(2025, 2, 24), date(2025, 2, 28), DueStatus.DUE_THIS_WEEK),
        (date(2025, 1, 20), date(2025, 2, 28), date(2025, 2, 28), DueStatus.DUE_TODAY),
        (date(2025, 1, 20), date(2025, 3, 1), date(2025, 2, 28), DueStatus.OVERDUE),
        (date(2028, 1, 31), date(2028, 2, 29), date(2028, 2, 29), DueStatus.DUE_TODAY),
        (date(2028, 1, 31), date(2028, 3, 1), date(2028, 2, 29), DueStatus.OVERDUE),
    ],
)
def test_route_dispatch_31r_3_4_for_january_is_due_on_the_last_day_of_february(
    db: Database, identified_on: date, on: date, due: date, status: DueStatus
) -> None:
    with db.session_factory.begin() as s:
        _entry(s, IVANOVA, identified_on)
    assert _dues(due_items(db, on), DeadlineKind.ROUTE_DISPATCH) == {IVANOVA: (due, status)}


# --- call-backs agreed on the phone (31-р 4.1) -------------------------------------


def test_call_back_31r_4_1_due_on_the_agreed_day_in_local_time(db: Database) -> None:
    with db.session_factory.begin() as s:
        today = _entry(s, IVANOVA, date(2025, 6, 9))
        _call(s, today, _local(date(2025, 6, 10), 10), CallOutcome.NO_ANSWER)
        _call(
            s,
            today,
            _local(date(2025, 6, 11), 15),
            CallOutcome.CALL_BACK,
            _local(date(2025, 6, 18), 9, 30),
        )
        missed = _entry(s, PETROV, date(2025, 6, 9))
        _call(
            s,
            missed,
            _local(date(2025, 6, 11), 16),
            CallOutcome.CALL_BACK,
            _local(date(2025, 6, 16), 17),
        )
        # the call-back was made and reached the person: nothing left to call back
        reached = _entry(s, SIDORENKO, date(2025, 6, 9))
        _call(
            s,
            reached,
            _local(date(2025, 6, 10), 11),
            CallOutcome.CALL_BACK,
            _local(date(2025, 6, 16), 11),
        )
        _call(s, reached, _local(date(2025, 6, 16), 11, 5), CallOutcome.BUSY)
        informed = _entry(s, KUZNETSOV, date(2025, 6, 9), informed_on=date(2025, 6, 17))
        _call(
            s,
            informed,
            _local(date(2025, 6, 11), 12),
            CallOutcome.CALL_BACK,
            _local(date(2025, 6, 18), 12),
        )
    items = due_items(db, date(2025, 6, 18))
    assert _dues(items, DeadlineKind.CALL_BACK) == {
        IVANOVA: (date(2025, 6, 18), DueStatus.DUE_TODAY),
        PETROV: (date(2025, 6, 16), DueStatus.OVERDUE),
    }
    item = next(i for i in items if i.kind is DeadlineKind.CALL_BACK and i.person == IVANOVA)
    assert item.title == "Перезвонить 18.06.2025 09:30"
    assert (item.entity, item.entity_id) == ("registry_entry", today.id)


def test_call_back_31r_4_1_just_after_local_midnight_is_the_local_day(db: Database) -> None:
    with db.session_factory.begin() as s:
        entry = _entry(s, IVANOVA, date(2025, 6, 9))
        # 00:30 on 19 June in Tyumen is 18 June in UTC
        _call(
            s,
            entry,
            _local(date(2025, 6, 11), 15),
            CallOutcome.CALL_BACK,
            _local(date(2025, 6, 19), 0, 30),
        )
    items = due_items(db, date(2025, 6, 18))
    assert _dues(items, DeadlineKind.CALL_BACK) == {
        IVANOVA: (date(2025, 6, 19), DueStatus.DUE_THIS_WEEK)
    }


# --- 510-п 4.5: extension applied for 5 working days before the end ----------------


def test_extension_application_510p_4_5_due_5_working_days_before_the_end(
    db: Database,
) -> None:
    with db.session_factory.begin() as s:
        soon = _programme(s, IVANOVA, date(2025, 6, 30))  # 27, 26, 25, 24, 23
        _programme(s, PETROV, date(2025, 6, 23))  # 20, 19, 18, 17, 16
        _programme(s, SIDORENKO, date(2025, 6, 27))  # 26, 25, 24, 23, 20
        applied = _programme(s, KUZNETSOV, date(2025, 6, 30))  # done: applied
        s.add(
            models.ExtensionApplication(
                programme=applied,
                applied_on=date(2025, 6, 19),
                months=2,
                decision=ApplicationDecision.PENDING,
            )
        )
        _programme(s, SMIRNOVA, date(2025, 6, 30), ProgrammeStatus.FINISHED)
        _programme(s, FEDOROV, date(2025, 6, 19))  # already ended
        _programme(s, ZAKHAROVA, date(2025, 8, 29))  # 22-28 Aug: later
    items = due_items(db, date(2025, 6, 20))
    assert _dues(items, DeadlineKind.EXTENSION_APPLICATION) == {
        IVANOVA: (date(2025, 6, 23), DueStatus.DUE_THIS_WEEK),
        PETROV: (date(2025, 6, 16), DueStatus.OVERDUE),
        SIDORENKO: (date(2025, 6, 20), DueStatus.DUE_TODAY),
    }
    item = next(i for i in items if i.person == IVANOVA)
    assert (item.entity, item.entity_id) == ("service_programme", soon.id)
    assert item.title == (
        "Подать заявление о продлении ИППСУ (окончание 30.06.2025), если продление нужно"
    )
    assert _dues(due_items(db, date(2025, 6, 20), ALL), DeadlineKind.EXTENSION_APPLICATION)[
        ZAKHAROVA
    ] == (date(2025, 8, 22), DueStatus.LATER)


def test_extension_application_510p_4_5_back_over_holidays(db: Database) -> None:
    with db.session_factory.begin() as s:
        _programme(s, IVANOVA, date(2025, 6, 16))  # 11, 10, 9, 6, 5 (12-13 June off)
        _programme(s, PETROV, date(2026, 1, 15))  # 14, 13, 12, (31 Dec-11 Jan off) 30, 29 Dec
        _programme(s, SIDORENKO, date(2025, 11, 7))  # 6, 5, 1 Nov (Sat), 31, 30 Oct
    assert _dues(due_items(db, date(2025, 6, 5)), DeadlineKind.EXTENSION_APPLICATION) == {
        IVANOVA: (date(2025, 6, 5), DueStatus.DUE_TODAY)
    }
    assert _dues(due_items(db, date(2025, 10, 30)), DeadlineKind.EXTENSION_APPLICATION) == {
        SIDORENKO: (date(2025, 10, 30), DueStatus.DUE_TODAY)
    }
    assert _dues(due_items(db, date(2025, 12, 29)), DeadlineKind.EXTENSION_APPLICATION) == {
        PETROV: (date(2025, 12, 29), DueStatus.DUE_TODAY)
    }


# --- 510-п 4.5: decision on an extension within 5 working days ---------------------


def test_extension_decision_510p_4_5_due_5_working_days_after_application(
    db: Database,
) -> None:
    with db.session_factory.begin() as s:
        today = _extension(s, IVANOVA, date(2025, 4, 30))  # (1-4 May) 5, 6, 7, (8-11) 12, 13
        _extension(s, PETROV, date(2025, 4, 28))  # 29, 30, 5, 6, 7 May
        _extension(s, SIDORENKO, date(2025, 5, 7))  # 12, 13, 14, 15, 16
        _extension(s, KUZNETSOV, date(2025, 5, 5), ApplicationDecision.GRANTED, date(2025, 5, 7))
        _extension(s, SMIRNOVA, date(2025, 5, 5), ApplicationDecision.REFUSED, date(2025, 5, 12))
    items = due_items(db, date(2025, 5, 13))
    assert _dues(items, DeadlineKind.EXTENSION_DECISION) == {
        IVANOVA: (date(2025, 5, 13), DueStatus.DUE_TODAY),
        PETROV: (date(2025, 5, 7), DueStatus.OVERDUE),
        SIDORENKO: (date(2025, 5, 16), DueStatus.DUE_THIS_WEEK),
    }
    item = next(i for i in items if i.person == IVANOVA)
    assert (item.entity, item.entity_id) == ("extension_application", today.id)
    assert item.title == "Решение о продлении срока предоставления услуг"


# --- 6-р 6 and 6-р 4: survey within 2, decision within 5 working days ---------------


def _intake_cases(db: Database) -> dict[str, int]:
    with db.session_factory.begin() as s:
        ids = {
            IVANOVA: _intake(s, IVANOVA, date(2025, 6, 11)).id,
            PETROV: _intake(s, PETROV, date(2025, 6, 9)).id,
            SIDORENKO: _intake(s, SIDORENKO, date(2025, 6, 10), surveys=(date(2025, 6, 11),)).id,
            KUZNETSOV: _intake(
                s,
                KUZNETSOV,
                date(2025, 6, 5),
                ApplicationDecision.GRANTED,
                surveys=(date(2025, 6, 6),),
            ).id,
            # a survey planned but not carried out yet does not count
            SMIRNOVA: _intake(s, SMIRNOVA, date(2025, 6, 16), surveys=(None,)).id,
        }
    return ids


def test_survey_6r_6_due_2_working_days_after_application(db: Database) -> None:
    ids = _intake_cases(db)
    items = due_items(db, date(2025, 6, 17))
    assert _dues(items, DeadlineKind.SURVEY) == {
        IVANOVA: (date(2025, 6, 17), DueStatus.DUE_TODAY),  # (12-15 off) 16, 17
        PETROV: (date(2025, 6, 11), DueStatus.OVERDUE),  # 10, 11
        SMIRNOVA: (date(2025, 6, 18), DueStatus.DUE_THIS_WEEK),  # 17, 18
    }
    item = next(i for i in items if i.kind is DeadlineKind.SURVEY and i.person == IVANOVA)
    assert (item.entity, item.entity_id) == ("intake_application", ids[IVANOVA])
    assert item.title == "Обследовать условия жизнедеятельности (акт обследования)"


def test_need_decision_6r_4_due_5_working_days_after_application(db: Database) -> None:
    ids = _intake_cases(db)
    items = due_items(db, date(2025, 6, 18))
    assert _dues(items, DeadlineKind.NEED_DECISION) == {
        IVANOVA: (date(2025, 6, 20), DueStatus.DUE_THIS_WEEK),  # 16, 17, 18, 19, 20
        PETROV: (date(2025, 6, 18), DueStatus.DUE_TODAY),  # 10, 11, 16, 17, 18
        SIDORENKO: (date(2025, 6, 19), DueStatus.DUE_THIS_WEEK),  # 11, 16, 17, 18, 19
        SMIRNOVA: (date(2025, 6, 23), DueStatus.DUE_THIS_WEEK),  # 17, 18, 19, 20, 23
        # Кузнецов: decided, not listed
    }
    assert _dues(due_items(db, date(2025, 6, 24)), DeadlineKind.NEED_DECISION) == {
        IVANOVA: (date(2025, 6, 20), DueStatus.OVERDUE),
        PETROV: (date(2025, 6, 18), DueStatus.OVERDUE),
        SIDORENKO: (date(2025, 6, 19), DueStatus.OVERDUE),
        SMIRNOVA: (date(2025, 6, 23), DueStatus.OVERDUE),
    }
    item = next(i for i in items if i.kind is DeadlineKind.NEED_DECISION and i.person == PETROV)
    assert (item.entity, item.entity_id) == ("intake_application", ids[PETROV])
    assert item.title == "Решение о признании нуждающимся в социальном обслуживании"


def test_survey_6r_5_no_survey_duty_under_510p_2_2_3_3_3_4_but_a_decision_duty(
    db: Database,
) -> None:
    """6-р 5, second paragraph: "Акт обследования ... в отношении категорий граждан,
    указанных в подразделе 2 раздела 2; подразделах 3, 4 раздела 3 ... не составляется"."""
    with db.session_factory.begin() as s:
        _intake(s, IVANOVA, date(2025, 6, 11), basis=ServiceBasis.S2_2)
        _intake(s, PETROV, date(2025, 6, 11), basis=ServiceBasis.S3_4)
        # recorded before the basis was kept: a subsection-3 technology is subsection 3
        _intake(s, SIDORENKO, date(2025, 6, 11), basis=None, technology=Technology.HOME_REHAB)
        _intake(s, SMIRNOVA, date(2025, 6, 11), basis=ServiceBasis.S3_3)
    items = due_items(db, date(2025, 6, 17), ALL)
    assert _dues(items, DeadlineKind.SURVEY) == {}
    assert set(_dues(items, DeadlineKind.NEED_DECISION)) == {IVANOVA, PETROV, SIDORENKO, SMIRNOVA}


def test_6r_duties_close_done_or_done_late_when_recorded(db: Database) -> None:
    with db.session_factory.begin() as s:
        on_time = _intake(s, IVANOVA, date(2025, 6, 11), surveys=(date(2025, 6, 17),))
        on_time.decision, on_time.decided_on = ApplicationDecision.GRANTED, date(2025, 6, 20)
        late = _intake(s, PETROV, date(2025, 6, 11), surveys=(date(2025, 6, 18),))
        late.decision, late.decided_on = ApplicationDecision.REFUSED, date(2025, 6, 23)
    items = due_items(db, date(2025, 6, 30), ALL)
    assert _dues(items, DeadlineKind.SURVEY) == {
        IVANOVA: (date(2025, 6, 17), DueStatus.DONE),
        PETROV: (date(2025, 6, 17), DueStatus.DONE_LATE),
    }
    assert _dues(items, DeadlineKind.NEED_DECISION) == {
        IVANOVA: (date(2025, 6, 20), DueStatus.DONE),
        PETROV: (date(2025, 6, 20), DueStatus.DONE_LATE),
    }
    assert _dues(due_items(db, date(2025, 6, 30)), DeadlineKind.SURVEY) == {}


# --- 510-п 4.4: at most 12 working days of a course in a month ----------------------

# The working days of June 2025: 2-6, 9-11, 16-20, 23-27, 30 (12-13 June off).
JUNE_WORKING = [
    date(2025, 6, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30)
]
MAY_WORKING = [
    date(2025, 5, d) for d in (5, 6, 7, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30)
]
APRIL_WORKING = [date(2025, 4, d) for d in (1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17)]


def test_course_attendance_510p_4_4_more_than_12_working_days_in_a_month(
    db: Database,
) -> None:
    with db.session_factory.begin() as s:
        over = _course(s, IVANOVA, JUNE_WORKING[:13])
        # 12 working days, plus a Saturday and the 12 June holiday, which are not working days
        _course(s, PETROV, [*JUNE_WORKING[:12], date(2025, 6, 12), date(2025, 6, 14)])
        _course(s, SIDORENKO, MAY_WORKING[:13])  # last month is still looked at
        _course(s, KUZNETSOV, APRIL_WORKING)  # two months back: no longer listed
        _course(s, SMIRNOVA, MAY_WORKING[-7:] + JUNE_WORKING[:7])  # 7 + 7 over two months
    items = due_items(db, date(2025, 6, 25))
    assert _dues(items, DeadlineKind.COURSE_ATTENDANCE) == {
        IVANOVA: (date(2025, 6, 30), DueStatus.OVERDUE),
        SIDORENKO: (date(2025, 5, 31), DueStatus.OVERDUE),
    }
    item = next(i for i in items if i.person == IVANOVA)
    assert (item.entity, item.entity_id) == ("course", over.id)
    assert item.title == "Курс превышает 12 рабочих дней за июнь 2025"


def test_calendar_override_working_saturday_counts_towards_course_510p_4_4(
    db: Database,
) -> None:
    with db.session_factory.begin() as s:
        _course(s, PETROV, [*JUNE_WORKING[:12], date(2025, 6, 14)])
    on = date(2025, 6, 25)
    assert _dues(due_items(db, on), DeadlineKind.COURSE_ATTENDANCE) == {}
    set_override(db, date(2025, 6, 14), True, "рабочая суббота")
    assert _dues(due_items(db, on), DeadlineKind.COURSE_ATTENDANCE) == {
        PETROV: (date(2025, 6, 30), DueStatus.OVERDUE)
    }


# --- the list as a whole -----------------------------------------------------------


def _mixed(db: Database) -> None:
    with db.session_factory.begin() as s:
        _entry(s, IVANOVA, date(2025, 7, 3))  # informing 4, 7, 8, 9, 10, 11, 14
        _entry(s, PETROV, date(2025, 5, 15), informed_on=date(2025, 5, 20))  # route: 30 June
        _extension(s, SIDORENKO, date(2025, 7, 8))  # decision 9, 10, 11, 14, 15


def test_the_list_is_most_urgent_first_and_leaves_later_out(db: Database) -> None:
    _mixed(db)
    items = due_items(db, date(2025, 7, 14))
    assert [(i.kind, i.due_on, i.status, i.person) for i in items] == [
        (DeadlineKind.ROUTE_DISPATCH, date(2025, 6, 30), DueStatus.OVERDUE, PETROV),
        (DeadlineKind.EXTRACT_IMPORT, date(2025, 7, 10), DueStatus.OVERDUE, ""),
        (DeadlineKind.INFORMING, date(2025, 7, 14), DueStatus.DUE_TODAY, IVANOVA),
        (DeadlineKind.EXTENSION_DECISION, date(2025, 7, 15), DueStatus.DUE_THIS_WEEK, SIDORENKO),
        (DeadlineKind.REGISTRY_FORMATION, date(2025, 7, 15), DueStatus.DUE_THIS_WEEK, ""),
    ]
    assert due_items(db, date(2025, 7, 14), ACTIONABLE) == items
    everything = due_items(db, date(2025, 7, 14), ALL)
    later = [(i.kind, i.due_on) for i in everything if i.status is DueStatus.LATER]
    assert sorted(later) == sorted(
        [
            (DeadlineKind.ROUTE_DISPATCH, date(2025, 8, 30)),  # Иванова, July's entry
            (DeadlineKind.SEMIANNUAL_REPORT, date(2025, 7, 25)),
            # Сидоренко's programme ends 30 June: gone; its application is pending
        ]
    )


def test_due_item_as_json_is_serialisable_with_russian_titles(db: Database) -> None:
    _mixed(db)
    items = due_items(db, date(2025, 7, 14), ALL)
    text = json.dumps([i.as_json() for i in items], ensure_ascii=False)
    assert "Информирование по телефону" in text  # not \u-escaped
    assert json.loads(text) == [i.as_json() for i in items]
    informing = next(i for i in items if i.kind is DeadlineKind.INFORMING)
    assert json.loads(json.dumps(informing.as_json())) == {
        "kind": "INFORMING",
        "kind_title": "Информирование по телефону",
        "source": "31-р 4.1",
        "due_on": "2025-07-14",
        "status": "DUE_TODAY",
        "status_title": "срок сегодня",
        "title": "Проинформировать по телефону",
        "person": IVANOVA,
        "entity": "registry_entry",
        "entity_id": informing.entity_id,
    }
    assert isinstance(informing.entity_id, int)
    report = next(i for i in items if i.kind is DeadlineKind.SEMIANNUAL_REPORT)
    assert report.as_json()["title"] == (
        "Направить отчёт за 1 полугодие 2025 г. в региональный центр"
    )
    assert report.as_json()["entity_id"] is None
