"""Reporting months and half-years: parsing, bounds, titles."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.periods import HalfYear, Month
from app.errors import InvalidPeriodError


@pytest.mark.parametrize("text", ["2025-06", "06.2025", "2025-6", "6.2025", " 2025-06 "])
def test_month_parse(text: str) -> None:
    assert Month.parse(text) == Month(2025, 6)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Не удалось распознать месяц"),
        ("2025/06", "ГГГГ-ММ или ММ.ГГГГ"),
        ("июнь 2025", "Не удалось распознать месяц"),
        ("2025-13", "от 1 до 12, а указано 13"),
        ("00.2025", "от 1 до 12, а указано 0"),
        ("0999-01", "Год 999"),
        ("25-06", "Не удалось распознать месяц"),
    ],
)
def test_month_parse_rejects(text: str, fragment: str) -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        Month.parse(text)
    assert fragment in str(caught.value)


def test_month_basics() -> None:
    june = Month(2025, 6)
    assert str(june) == "2025-06"
    assert june.first_day == date(2025, 6, 1)
    assert june.last_day == date(2025, 6, 30)
    assert june.title == "июнь 2025"
    assert june.next() == Month(2025, 7)
    assert june.previous() == Month(2025, 5)
    assert Month(2025, 12).next() == Month(2026, 1)
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2028, 2).last_day == date(2028, 2, 29)
    assert Month(2025, 2).days == 28
    assert Month.of(date(2025, 6, 30)) == june
    assert june.half_year == HalfYear(2025, 1)
    assert Month(2025, 7).half_year == HalfYear(2025, 2)
    assert Month(2024, 12) < Month(2025, 1) < Month(2025, 2)
    assert Month(2025, 1).title == "январь 2025"
    assert Month(2025, 12).title == "декабрь 2025"


def test_month_constructor_validates() -> None:
    with pytest.raises(InvalidPeriodError):
        Month(2025, 0)
    with pytest.raises(InvalidPeriodError, match="Год 10000"):
        Month(9999, 12).next()
    with pytest.raises(InvalidPeriodError, match="Год 1899"):
        Month(1900, 1).previous()


@pytest.mark.parametrize("text", ["2025H1", "2025h1", " 2025H1 ", "2025-H1"])
def test_half_parse(text: str) -> None:
    assert HalfYear.parse(text) == HalfYear(2025, 1)


@pytest.mark.parametrize("text", ["", "2025H3", "2025H0", "H1 2025", "2025", "2025-06"])
def test_half_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidPeriodError, match="полугодие|Полугодие"):
        HalfYear.parse(text)


def test_half_basics() -> None:
    h1, h2 = HalfYear(2025, 1), HalfYear(2025, 2)
    assert str(h1) == "2025H1" and str(h2) == "2025H2"
    assert h1.first_day == date(2025, 1, 1) and h1.last_day == date(2025, 6, 30)
    assert h2.first_day == date(2025, 7, 1) and h2.last_day == date(2025, 12, 31)
    assert h1.months() == tuple(Month(2025, m) for m in range(1, 7))
    assert h2.months() == tuple(Month(2025, m) for m in range(7, 13))
    assert h1.title == "1 полугодие 2025 г."
    assert h2.title == "2 полугодие 2025 г."
    assert h1.next() == h2 and h2.next() == HalfYear(2026, 1)
    assert h1.previous() == HalfYear(2024, 2) and h2.previous() == h1
    assert HalfYear.of(date(2025, 6, 30)) == h1
    assert HalfYear.of(date(2025, 7, 1)) == h2
    assert h1 < h2 < HalfYear(2026, 1)


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31))
months = st.builds(Month, st.integers(1900, 9999), st.integers(1, 12))
halves = st.builds(HalfYear, st.integers(1900, 9999), st.integers(1, 2))


@given(months)
def test_month_round_trip(month: Month) -> None:
    assert Month.parse(str(month)) == month
    assert Month.parse(f"{month.month:02d}.{month.year}") == month


@given(halves)
def test_half_round_trip(half: HalfYear) -> None:
    assert HalfYear.parse(str(half)) == half
    assert HalfYear.parse(str(half).lower()) == half


@given(dates)
def test_month_of_contains(d: date) -> None:
    month = Month.of(d)
    assert month.first_day <= d <= month.last_day
    assert month.contains(d)
    assert month.first_day.day == 1
    if month < Month(9999, 12):
        assert month.next().first_day.toordinal() == month.last_day.toordinal() + 1


@given(dates)
def test_half_of_contains(d: date) -> None:
    half = HalfYear.of(d)
    assert half.first_day <= d <= half.last_day
    assert half.contains(d)
    assert Month.of(d) in half.months()
    assert Month.of(d).half_year == half


@given(months)
def test_next_previous_inverse(month: Month) -> None:
    if month < Month(9999, 12):
        assert month.next().previous() == month
    if month > Month(1900, 1):
        assert month.previous().next() == month
