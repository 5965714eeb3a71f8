"""Every row of the deadline table (DESIGN 2) and the status of a dated task."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.deadlines import (
    MAX_COURSE_DAYS_PER_MONTH,
    MAX_EXTENSION_MONTHS,
    DeadlineKind,
    DueState,
    DueStatus,
    course_days_by_month,
    course_days_exceeding,
    due_state,
    due_status,
    extension_allowed,
    extension_application_due,
    extension_decision_due,
    extract_import_due,
    informing_due,
    need_decision_due,
    registry_formation_due,
    route_dispatch_due,
    semiannual_report_due,
    survey_due,
)
from app.domain.periods import HalfYear, Month
from app.domain.workdays import WorkCalendar

CAL = WorkCalendar()


# 31-р 3.1.1 and 3.2: the 10th and the 15th of the next month, not moved off days off
@pytest.mark.parametrize(
    ("month", "extract", "registry"),
    [
        (Month(2025, 6), date(2025, 7, 10), date(2025, 7, 15)),
        (Month(2025, 12), date(2026, 1, 10), date(2026, 1, 15)),  # 10 Jan 2026 is a Saturday
        (Month(2026, 1), date(2026, 2, 10), date(2026, 2, 15)),  # 15 Feb 2026 is a Sunday
    ],
)
def test_monthly_import_and_registry(month: Month, extract: date, registry: date) -> None:
    assert extract_import_due(month) == extract
    assert registry_formation_due(month) == registry


# 31-р 3.4, 4.6: the 30th of the next month, the last day of February
@pytest.mark.parametrize(
    ("month", "due"),
    [
        (Month(2025, 1), date(2025, 2, 28)),
        (Month(2027, 1), date(2027, 2, 28)),
        (Month(2028, 1), date(2028, 2, 29)),
        (Month(2025, 2), date(2025, 3, 30)),
        (Month(2025, 6), date(2025, 7, 30)),
        (Month(2025, 7), date(2025, 8, 30)),  # a 31-day month: still the 30th
        (Month(2025, 12), date(2026, 1, 30)),
    ],
)
def test_route_dispatch(month: Month, due: date) -> None:
    assert route_dispatch_due(month) == due


# 31-р 5.2: 25 July and 25 January
def test_semiannual_report() -> None:
    assert semiannual_report_due(HalfYear(2025, 1)) == date(2025, 7, 25)
    assert semiannual_report_due(HalfYear(2025, 2)) == date(2026, 1, 25)


# 31-р 4.1: 7 working days after the entry
@pytest.mark.parametrize(
    ("entered", "due"),
    [
        (date(2025, 6, 2), date(2025, 6, 11)),  # Mon -> Wed of the next week
        (date(2025, 6, 9), date(2025, 6, 20)),  # over 12-13 June
        (date(2025, 12, 30), date(2026, 1, 20)),  # over the New Year holidays
        (date(2025, 12, 31), date(2026, 1, 20)),  # entered on a day off
        (date(2025, 10, 27), date(2025, 11, 6)),  # Saturday 1 Nov counts, 3-4 Nov do not
        (date(2025, 10, 31), date(2025, 11, 12)),
        (date(2025, 11, 1), date(2025, 11, 13)),  # entered on the working Saturday
    ],
)
def test_informing(entered: date, due: date) -> None:
    assert informing_due(entered, CAL) == due


def test_informing_respects_overrides() -> None:
    cal = WorkCalendar({date(2025, 6, 10): False})
    assert informing_due(date(2025, 6, 2), cal) == date(2025, 6, 16)


# 510-п 4.5: apply 5 working days before the end; decision within 5 working days
@pytest.mark.parametrize(
    ("ends", "apply_by"),
    [
        (date(2025, 6, 30), date(2025, 6, 23)),
        (date(2025, 6, 16), date(2025, 6, 5)),  # 12-13 June off
        (date(2026, 1, 15), date(2025, 12, 29)),  # back over the New Year holidays
    ],
)
def test_extension_application(ends: date, apply_by: date) -> None:
    assert extension_application_due(ends, CAL) == apply_by


def test_extension_application_counts_the_working_saturday() -> None:
    # working days before 7 Nov 2025: 6, 5, 1 (Sat), 31 Oct, 30 Oct
    assert extension_application_due(date(2025, 11, 7), CAL) == date(2025, 10, 30)


@pytest.mark.parametrize(
    ("applied", "decision"),
    [
        (date(2025, 6, 2), date(2025, 6, 9)),
        (date(2025, 12, 29), date(2026, 1, 15)),
        (date(2025, 4, 30), date(2025, 5, 13)),
    ],
)
def test_extension_decision(applied: date, decision: date) -> None:
    assert extension_decision_due(applied, CAL) == decision


# 6-р 6 and 4: survey in 2 working days, decision in 5
@pytest.mark.parametrize(
    ("applied", "survey", "decision"),
    [
        (date(2025, 6, 5), date(2025, 6, 9), date(2025, 6, 16)),  # Thu; 12-13 June off
        (date(2025, 10, 30), date(2025, 11, 1), date(2025, 11, 7)),  # the working Saturday
        (date(2026, 12, 29), date(2027, 1, 11), date(2027, 1, 14)),  # 31 Dec off
    ],
)
def test_survey_and_need_decision(applied: date, survey: date, decision: date) -> None:
    assert survey_due(applied, CAL) == survey
    assert need_decision_due(applied, CAL) == decision


# 510-п 4.4: at most 12 working days of a course in a month
def test_course_attendance_limit() -> None:
    june = CAL.working_days_in_range(date(2025, 6, 1), date(2025, 6, 30))
    twelve = june[:12]
    assert course_days_exceeding(twelve, CAL) == []
    assert course_days_exceeding(june[:13], CAL) == [Month(2025, 6)]
    assert MAX_COURSE_DAYS_PER_MONTH == 12


def test_course_days_counting_rules() -> None:
    june = CAL.working_days_in_range(date(2025, 6, 1), date(2025, 6, 30))
    july = CAL.working_days_in_range(date(2025, 7, 1), date(2025, 7, 31))
    days_off = [date(2025, 6, 12), date(2025, 6, 14), date(2025, 6, 15)]
    # twelve working days plus duplicates and days off: still within the limit
    attended = june[:12] + june[:3] + days_off + july[:13]
    assert course_days_by_month(attended, CAL) == {Month(2025, 6): 12, Month(2025, 7): 13}
    assert course_days_exceeding(attended, CAL) == [Month(2025, 7)]
    # a course across two months is judged month by month
    across = june[-8:] + july[:8]
    assert course_days_exceeding(across, CAL) == []
    assert course_days_exceeding([], CAL) == []


def test_course_working_saturday_counts() -> None:
    november = CAL.working_days_in_range(date(2025, 11, 1), date(2025, 11, 30))
    assert november[0] == date(2025, 11, 1)
    assert course_days_by_month(november[:13], CAL) == {Month(2025, 11): 13}


@pytest.mark.parametrize(
    ("months", "allowed"), [(-1, False), (0, False), (1, True), (2, True), (3, True), (4, False)]
)
def test_extension_allowed(months: int, allowed: bool) -> None:
    assert extension_allowed(months) is allowed
    assert MAX_EXTENSION_MONTHS == 3


def test_every_kind_has_a_label_and_a_source() -> None:
    for kind in DeadlineKind:
        assert kind.label and kind.label[0].isupper()
        assert kind.source.split()[0] in {"31-р", "510-п", "6-р"}
    assert DeadlineKind.INFORMING.source == "31-р 4.1"
    assert DeadlineKind.ROUTE_DISPATCH.source == "31-р 3.4, 4.6"
    assert DeadlineKind.COURSE_ATTENDANCE.source == "510-п 4.4"
    assert DeadlineKind.SURVEY.source == "6-р 6"
    assert DeadlineKind.NEED_DECISION.source == "6-р 4"
    assert len(DeadlineKind) == 11


DUE = date(2025, 6, 20)


@pytest.mark.parametrize(
    ("today", "done_on", "status"),
    [
        (date(2025, 6, 21), None, DueStatus.OVERDUE),
        (date(2025, 7, 30), None, DueStatus.OVERDUE),
        (DUE, None, DueStatus.DUE_TODAY),
        (date(2025, 6, 19), None, DueStatus.DUE_THIS_WEEK),
        (date(2025, 6, 13), None, DueStatus.DUE_THIS_WEEK),  # exactly 7 days ahead
        (date(2025, 6, 12), None, DueStatus.LATER),  # 8 days ahead
        (date(2025, 6, 25), date(2025, 6, 20), DueStatus.DONE),  # done on the due day
        (date(2025, 6, 1), date(2025, 6, 1), DueStatus.DONE),  # done early
        (date(2025, 6, 25), date(2025, 6, 21), DueStatus.DONE_LATE),
    ],
)
def test_due_status(today: date, done_on: date | None, status: DueStatus) -> None:
    assert due_status(DUE, today, done_on, CAL) is status
    assert due_status(DUE, today, done_on) is status


def test_status_labels() -> None:
    assert all(status.label for status in DueStatus)
    assert DueStatus.OVERDUE.label == "просрочено"
    assert DueStatus.OVERDUE.is_open and not DueStatus.DONE_LATE.is_open


def test_due_state() -> None:
    state = due_state(DeadlineKind.INFORMING, date(2026, 1, 20), date(2025, 12, 30), None, CAL)
    assert state == DueState(
        kind=DeadlineKind.INFORMING,
        due=date(2026, 1, 20),
        status=DueStatus.LATER,
        done_on=None,
        working_days_left=7,
    )
    assert state.label == "Информирование по телефону"
    assert state.source == "31-р 4.1"
    late = due_state(DeadlineKind.SURVEY, date(2025, 6, 9), date(2025, 6, 11), None, CAL)
    assert late.status is DueStatus.OVERDUE and late.working_days_left == -2


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=-30, max_value=30),
    st.one_of(st.none(), st.integers(min_value=-30, max_value=30)),
)
def test_due_status_is_total_and_consistent(due: date, offset: int, done: int | None) -> None:
    today = due + timedelta(days=offset)
    done_on = None if done is None else due + timedelta(days=done)
    status = due_status(due, today, done_on)
    if done_on is None:
        assert status.is_open
        assert (status is DueStatus.OVERDUE) == (today > due)
    else:
        assert (status is DueStatus.DONE) == (done_on <= due)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_working_day_deadlines_land_on_working_days(d: date) -> None:
    for due in (
        informing_due(d, CAL),
        extension_application_due(d, CAL),
        extension_decision_due(d, CAL),
        survey_due(d, CAL),
        need_decision_due(d, CAL),
    ):
        assert CAL.is_working_day(due)
    assert d < informing_due(d, CAL)
    assert extension_application_due(d, CAL) < d
