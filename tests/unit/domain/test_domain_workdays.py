"""The production calendar: official 2025 and 2026 calendars, transfers, overrides, arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.workdays import WorkCalendar

CAL = WorkCalendar()

# Working days per month of the official production calendars (five-day week),
# after the Government's decrees on transferring days off in 2025 and 2026
# (the latter signed 24.09.2025; published quarters 55/62/66/64, 247 a year).
OFFICIAL_2025 = [17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22]
OFFICIAL_2026 = [15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22]


@pytest.mark.parametrize(
    ("year", "expected"), [(2025, OFFICIAL_2025), (2026, OFFICIAL_2026)], ids=["2025", "2026"]
)
def test_official_months(year: int, expected: list[int]) -> None:
    assert [CAL.working_days_in_month(year, m) for m in range(1, 13)] == expected
    assert sum(expected) == 247


@pytest.mark.parametrize(
    "day",
    [
        # 2025 transfers: days off moved from weekends
        date(2025, 5, 2),
        date(2025, 5, 8),
        date(2025, 6, 13),
        date(2025, 11, 3),
        date(2025, 12, 31),
        # 2025 holidays on weekdays
        date(2025, 1, 1),
        date(2025, 1, 7),
        date(2025, 1, 8),
        date(2025, 5, 1),
        date(2025, 5, 9),
        date(2025, 6, 12),
        date(2025, 11, 4),
        # 2026 transfers and observed holidays
        date(2026, 1, 9),
        date(2026, 12, 31),
        date(2026, 1, 2),
        date(2026, 1, 8),
        date(2026, 2, 23),
        date(2026, 3, 9),
        date(2026, 5, 1),
        date(2026, 5, 11),
        date(2026, 6, 12),
        date(2026, 11, 4),
    ],
)
def test_days_off(day: date) -> None:
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 11, 1),  # the transferred working Saturday of 2025
        date(2025, 1, 9),  # first working day after the New Year holidays
        date(2025, 12, 30),
        date(2026, 1, 12),  # first working day of 2026
        date(2026, 12, 30),
        date(2026, 4, 30),
        date(2026, 11, 3),
    ],
)
def test_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


def test_ordinary_weekend_is_off() -> None:
    assert not CAL.is_working_day(date(2025, 11, 2))  # Sunday after the working Saturday
    assert not CAL.is_working_day(date(2026, 3, 7))


def test_overrides_beat_the_official_calendar() -> None:
    regional_day_off = date(2025, 6, 10)
    extra_working_saturday = date(2025, 6, 14)
    cancelled_working_saturday = date(2025, 11, 1)
    cal = WorkCalendar(
        {
            regional_day_off: False,
            extra_working_saturday: True,
            cancelled_working_saturday: False,
            date(2025, 6, 12): True,  # a public holiday made working
        }
    )
    assert not cal.is_working_day(regional_day_off)
    assert cal.is_working_day(extra_working_saturday)
    assert not cal.is_working_day(cancelled_working_saturday)
    assert cal.is_working_day(date(2025, 6, 12))
    assert cal.working_days_in_month(2025, 6) == OFFICIAL_2025[5] - 1 + 1 + 1
    assert cal.working_days_in_month(2025, 11) == OFFICIAL_2025[10] - 1
    # the official calendar is untouched
    assert CAL.is_working_day(regional_day_off)


def test_overrides_are_copied() -> None:
    overrides = {date(2025, 6, 10): False}
    cal = WorkCalendar(overrides)
    overrides[date(2025, 6, 11)] = False
    assert cal.is_working_day(date(2025, 6, 11))
    assert dict(cal.overrides) == {date(2025, 6, 10): False}


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 4, 30), 1, date(2025, 5, 5)),  # over 1-4 May
        (date(2025, 4, 30), 3, date(2025, 5, 7)),
        (date(2025, 4, 30), 4, date(2025, 5, 12)),  # 8-11 May off
        (date(2025, 10, 31), 1, date(2025, 11, 1)),  # the working Saturday
        (date(2025, 10, 31), 2, date(2025, 11, 5)),  # 2-4 Nov off
        (date(2025, 12, 30), 1, date(2026, 1, 12)),  # 31 Dec to 11 Jan off
        (date(2025, 12, 29), 0, date(2025, 12, 29)),  # working: itself
        (date(2026, 1, 1), 0, date(2026, 1, 12)),  # day off: the next working day
        (date(2026, 1, 12), -1, date(2025, 12, 30)),
        (date(2025, 11, 5), -1, date(2025, 11, 1)),
        (date(2025, 11, 5), -2, date(2025, 10, 31)),
        (date(2025, 5, 12), -4, date(2025, 4, 30)),
        (date(2025, 5, 10), -1, date(2025, 5, 7)),  # from a day off backwards
        (date(2025, 1, 1), 247, date(2025, 12, 30)),  # every working day of 2025
        (date(2025, 1, 1), 248, date(2026, 1, 12)),
        (date(2026, 1, 1), -247, date(2025, 1, 9)),
        (date(2026, 1, 1), -248, date(2024, 12, 28)),  # a working Saturday of 2024
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


def test_next_and_previous_working_day() -> None:
    assert CAL.next_working_day(date(2025, 12, 30)) == date(2026, 1, 12)
    assert CAL.next_working_day(date(2025, 12, 29)) == date(2025, 12, 30)
    assert CAL.previous_working_day(date(2026, 1, 12)) == date(2025, 12, 30)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2025, 5, 5), date(2025, 5, 5), 0),
        (date(2025, 4, 30), date(2025, 5, 5), 1),
        (date(2025, 5, 5), date(2025, 4, 30), -1),
        (date(2024, 12, 31), date(2025, 12, 31), 247),
        (date(2024, 12, 31), date(2026, 12, 31), 494),
        (date(2026, 12, 31), date(2024, 12, 31), -494),
        (date(2025, 10, 31), date(2025, 11, 2), 1),  # the Saturday counts
    ],
)
def test_working_days_between(a: date, b: date, expected: int) -> None:
    assert CAL.working_days_between(a, b) == expected


def test_working_days_in_range() -> None:
    days = CAL.working_days_in_range(date(2025, 12, 29), date(2026, 1, 13))
    assert days == [date(2025, 12, 29), date(2025, 12, 30), date(2026, 1, 12), date(2026, 1, 13)]
    assert CAL.working_days_in_range(date(2026, 1, 13), date(2026, 1, 12)) == []


def test_many_lookups_are_cheap() -> None:
    # 100,000 lookups over two cached years: a smoke test, not a timed assertion.
    start = date(2025, 1, 1)
    days = [start + timedelta(days=i % 730) for i in range(100_000)]
    working = sum(CAL.is_working_day(d) for d in days)
    assert working > 0


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
steps = st.integers(min_value=-400, max_value=400)


@given(days, steps)
def test_result_is_a_working_day(d: date, n: int) -> None:
    assert CAL.is_working_day(CAL.add_working_days(d, n))


@given(days, steps)
def test_direction(d: date, n: int) -> None:
    result = CAL.add_working_days(d, n)
    if n > 0:
        assert result > d
    elif n < 0:
        assert result < d
    else:
        assert result >= d


@given(days, steps)
def test_between_inverts_add_for_working_days(d: date, n: int) -> None:
    working = CAL.add_working_days(d, 0)
    assert CAL.working_days_between(working, CAL.add_working_days(working, n)) == n


@given(days, steps)
def test_negative_n_is_the_inverse(d: date, n: int) -> None:
    working = CAL.add_working_days(d, 0)
    assert CAL.add_working_days(CAL.add_working_days(working, n), -n) == working


@given(days, days, steps)
def test_monotone_in_the_date(d1: date, d2: date, n: int) -> None:
    lo, hi = min(d1, d2), max(d1, d2)
    assert CAL.add_working_days(lo, n) <= CAL.add_working_days(hi, n)


@given(days, steps, steps)
def test_monotone_in_n(d: date, n1: int, n2: int) -> None:
    lo, hi = min(n1, n2), max(n1, n2)
    assert CAL.add_working_days(d, lo) <= CAL.add_working_days(d, hi)


@given(days, days)
def test_between_is_antisymmetric_and_counts(a: date, b: date) -> None:
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    if a <= b and (b - a).days <= 60:
        naive = sum(CAL.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))
        assert CAL.working_days_between(a, b) == naive


@given(days)
def test_next_working_day_skips_only_days_off(d: date) -> None:
    nxt = CAL.next_working_day(d)
    assert nxt > d and CAL.is_working_day(nxt)
    assert all(not CAL.is_working_day(d + timedelta(days=i)) for i in range(1, (nxt - d).days))
