"""510-п subsection 3: the date rules of courses (4.4) and extensions (4.5), from the text.

Each test name carries its clause. The calendar is the production calendar (holidays.RU
with the government's transfers), never a list of holidays written here.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain import courses as rules
from app.domain.enums import ServiceForm, Technology
from app.domain.periods import Month
from app.domain.workdays import WorkCalendar

CAL = WorkCalendar()
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


# --- 4.4: "не более 12 рабочих дней в течение месяца" -------------------------------------


@settings(deadline=None)
@given(st.lists(st.dates(date(2025, 10, 1), date(2025, 11, 30)), min_size=1, max_size=120))
def test_4_4_ticking_never_gives_a_month_more_than_12_working_days(attempts: list[date]) -> None:
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    ticked: set[date] = set()
    for day in attempts:
        before = rules.working_days_ticked(ticked, Month.of(day), CAL)
        refusal = rules.tick_refusal(day, ticked, start, end, CAL)
        if refusal is None:
            ticked.add(day)
        elif CAL.is_working_day(day) and day not in ticked:
            # a working day in the course is refused only by the 13th day of its month
            assert before == 12
            assert "не более 12 рабочих дней" in refusal and "п. 4.4" in refusal
    for month in {Month.of(d) for d in ticked}:
        assert rules.working_days_ticked(ticked, month, CAL) <= 12
    assert all(CAL.is_working_day(d) for d in ticked)


@settings(deadline=None)
@given(DAYS)
def test_4_4_a_month_takes_exactly_12_working_days_when_it_has_them(day: date) -> None:
    month = Month.of(day)
    ticked: set[date] = set()
    for d in CAL.working_days_in_range(month.first_day, month.last_day):
        if rules.tick_refusal(d, ticked, month.first_day, month.last_day, CAL) is None:
            ticked.add(d)
    assert len(ticked) == min(12, CAL.working_days_in_month(month.year, month.month))


def test_4_4_a_working_saturday_counts_and_a_holiday_does_not() -> None:
    start, end = date(2025, 10, 1), date(2025, 11, 30)
    # Saturday 1 Nov 2025 is a working day by the transfer decree; 3 and 4 Nov are off.
    assert rules.tick_refusal(date(2025, 11, 1), set(), start, end, CAL) is None
    for holiday in (date(2025, 11, 3), date(2025, 11, 4)):
        refusal = rules.tick_refusal(holiday, set(), start, end, CAL)
        assert refusal is not None and "нерабочий день" in refusal and "п. 4.4" in refusal
    assert (
        rules.working_days_ticked({date(2025, 11, 1), date(2025, 11, 2)}, Month(2025, 11), CAL) == 1
    )


def test_4_4_a_user_correction_of_the_calendar_is_followed() -> None:
    regional_day_off = date(2025, 11, 5)
    cal = WorkCalendar({regional_day_off: False})
    assert (
        rules.tick_refusal(regional_day_off, set(), date(2025, 11, 1), date(2025, 11, 30), CAL)
        is None
    )
    assert rules.tick_refusal(regional_day_off, set(), date(2025, 11, 1), date(2025, 11, 30), cal)


@settings(deadline=None)
@given(DAYS, DAYS, DAYS)
def test_4_4_a_day_outside_the_course_is_refused(day: date, a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    assume(day < start or day > end)
    refusal = rules.tick_refusal(day, set(), start, end, CAL)
    assert refusal is not None and "вне курса" in refusal


# --- 4.4 б, г: course lengths -----------------------------------------------------------------


@settings(deadline=None)
@given(DAYS)
def test_4_4_g_course_of_supported_living_is_three_months(start: date) -> None:
    end = rules.supported_living_course_end(start)
    assert 88 <= (end - start).days + 1 <= 92
    assert rules.course_dates_refusal(Technology.SUPPORTED_LIVING, start, end) is None
    for other in (end - timedelta(days=1), end + timedelta(days=1)):
        refusal = rules.course_dates_refusal(Technology.SUPPORTED_LIVING, start, other)
        assert refusal is not None and "3 месяца" in refusal and "4.4 «г»" in refusal
    if start.day <= 28:  # the day after the course is the start's day three months on
        nxt = end + timedelta(days=1)
        assert (
            nxt.day == start.day
            and (nxt.year * 12 + nxt.month) - (start.year * 12 + start.month) == 3
        )


@settings(deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=400))
def test_4_4_b_course_of_children_with_autism_is_the_programme_period(
    start: date, days: int
) -> None:
    # "Курс равен периоду действия индивидуальной программы": any programme period is a course.
    end = start + timedelta(days=days)
    assert rules.course_dates_refusal(Technology.AUTISM_COURSE, start, end) is None
    assert rules.course_dates_refusal(Technology.AUTISM_COURSE, end + timedelta(days=1), end)


# --- 1.3: remote format by written choice -----------------------------------------------------


def test_1_3_remote_needs_the_written_choice_and_a_citizen_of_1_1_1() -> None:
    assert rules.form_refusal(Technology.COURSE, ServiceForm.IN_PERSON, None) is None
    assert rules.form_refusal(Technology.COURSE, ServiceForm.REMOTE, date(2025, 3, 3)) is None
    no_paper = rules.form_refusal(Technology.HOME_REHAB, ServiceForm.REMOTE, None)
    assert no_paper is not None and "письменн" in no_paper and "п. 1.3" in no_paper
    for technology in (Technology.AUTISM_COURSE, Technology.SUPPORTED_LIVING):
        refusal = rules.form_refusal(technology, ServiceForm.REMOTE, date(2025, 3, 3))
        assert refusal is not None and "1.1.1" in refusal


# --- 4.5: "не позднее пяти рабочих дней до окончания срока" ---------------------------------


@settings(deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=40))
def test_4_5_application_is_late_exactly_when_fewer_than_5_working_days_remain(
    end: date, back: int
) -> None:
    received = end - timedelta(days=back)
    remaining = CAL.working_days_in_range(received, end - timedelta(days=1))
    assert rules.extension_application_late(received, end, CAL) == (len(remaining) < 5)
    warning = rules.extension_late_warning(received, end, CAL)
    assert (warning is not None) == (len(remaining) < 5)
    if warning:
        assert "п. 4.5" in warning and "в день получения" in warning


def test_4_5_application_due_over_the_new_year_holidays() -> None:
    # Programme ends 15.01.2026: 14, 13, 12 Jan, (31 Dec-11 Jan off), 30, 29 Dec.
    assert not rules.extension_application_late(date(2025, 12, 29), date(2026, 1, 15), CAL)
    assert rules.extension_application_late(date(2025, 12, 30), date(2026, 1, 15), CAL)


# --- 4.5: "не более чем на три месяца" --------------------------------------------------------


@settings(deadline=None)
@given(DAYS)
def test_4_5_extension_of_at_most_three_months(original: date) -> None:
    limit = rules.extension_limit(original)
    assert 89 <= (limit - original).days <= 92
    assert rules.extension_refusal(original, original, limit) is None
    beyond = rules.extension_refusal(original, original, limit + timedelta(days=1))
    assert beyond is not None and "не более чем на три месяца" in beyond and "п. 4.5" in beyond
    # a second extension still counts from the first end
    middle = original + timedelta(days=30)
    assert rules.extension_refusal(original, middle, limit) is None
    assert rules.extension_refusal(original, middle, limit + timedelta(days=1))
    assert rules.extension_refusal(original, middle, middle)


@pytest.mark.parametrize("months", [0, 4, 12])
def test_4_5_proposed_term_beyond_three_months_is_refused(months: int) -> None:
    refusal = rules.extension_months_refusal(months)
    assert refusal is not None and "п. 4.5" in refusal
    assert all(rules.extension_months_refusal(m) is None for m in (1, 2, 3))


# --- 4.5: decision "в течение пяти рабочих дней со дня получения заявления" ------------------


@settings(deadline=None)
@given(DAYS)
def test_4_5_decision_due_on_the_fifth_working_day_after_receipt(received: date) -> None:
    due = rules.decision_due(received, CAL)
    between = CAL.working_days_in_range(received + timedelta(days=1), due)
    assert len(between) == 5 and CAL.is_working_day(due)
    assert not rules.decision_late(received, due, CAL)
    assert rules.decision_late(received, due + timedelta(days=1), CAL)


def test_add_months_keeps_to_the_month_end() -> None:
    assert rules.add_months(date(2025, 5, 31), 3) == date(2025, 8, 31)
    assert rules.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert rules.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert rules.add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
