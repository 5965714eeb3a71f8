"""dd.mm.yyyy in and out: round trip for every date, a Russian error for everything else."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.dates import format_date, parse_date
from app.errors import ValidationError


@given(st.dates(min_value=date(1000, 1, 1)))
def test_format_then_parse_gives_the_same_date(day: date) -> None:
    assert parse_date(format_date(day)) == day
    assert parse_date(day.isoformat()) == day


@given(st.text(max_size=20))
def test_any_text_is_a_date_or_a_russian_error(text: str) -> None:
    try:
        parsed = parse_date(text, "дата рождения")
    except ValidationError as exc:
        assert str(exc).startswith("Дата рождения: ")
    else:
        assert isinstance(parsed, date)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.6.2025", date(2025, 6, 5)),
        (" 05/06/2025 ", date(2025, 6, 5)),
        ("2025-6-5", date(2025, 6, 5)),
    ],
)
def test_spellings_consultants_use(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("29.02.2025", "не существует"),
        ("32.01.2025", "не существует"),
        ("июнь", "не является датой"),
    ],
)
def test_impossible_dates_are_named(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_date(text)


def test_no_date_prints_as_empty() -> None:
    assert format_date(None) == ""
