"""ШПИ: the 14-digit domestic tracking number and its check digit."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.tracking import (
    generate_tracking_number,
    is_valid_tracking_number,
    normalize_tracking_number,
    tracking_check_digit,
)
from app.errors import InvalidTrackingNumberError


@pytest.mark.parametrize(
    ("first13", "expected"),
    [
        # 6+5+0+0+1+3+5 = 20, x3 = 60; 2+0+0+6+2+4 = 14; 74 -> 10 - 4 = 6
        ("6250000612345", 6),
        # all zeros: sum 0 -> 10 written as 0
        ("0000000000000", 0),
        # 1 in the first position: 3 -> 7
        ("1000000000000", 7),
        # 1 in the second position: 1 -> 9
        ("0100000000000", 9),
        # 1 in the 13th (odd) position: 3 -> 7
        ("0000000000001", 7),
    ],
)
def test_check_digit_cases(first13: str, expected: int) -> None:
    assert tracking_check_digit(first13) == expected


@pytest.mark.parametrize("bad", ["", "625000061234", "62500006123456", "625000061234x"])
def test_check_digit_rejects_non_thirteen_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="thirteen digits"):
        tracking_check_digit(bad)


@pytest.mark.parametrize(
    "text", ["62500006123456", "625000 06 12345 6", " 625000-06-12345-6 ", "6250 0006 1234 56"]
)
def test_normalize_accepts_spaces_and_dashes(text: str) -> None:
    assert normalize_tracking_number(text) == "62500006123456"
    assert is_valid_tracking_number(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "не указан"),
        ("6250000612345", "14 цифр, а в нем 13"),
        ("625000061234567", "14 цифр, а в нем 15"),
        ("62500006I23456", "недопустимые символы: «I»"),
        ("62500006123457", "последняя цифра должна быть 6"),
        ("RA123456785RU", "международный"),
        ("ra 123456785 ru", "международный"),
    ],
)
def test_normalize_rejects_with_russian_message(text: str, fragment: str) -> None:
    with pytest.raises(InvalidTrackingNumberError) as caught:
        normalize_tracking_number(text)
    assert fragment in str(caught.value)
    assert not is_valid_tracking_number(text)


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_exactly_one_check_digit_is_valid(first13: str) -> None:
    valid = [d for d in range(10) if is_valid_tracking_number(f"{first13}{d}")]
    assert valid == [tracking_check_digit(first13)]


@given(
    st.text(alphabet="0123456789", min_size=14, max_size=14),
    st.integers(min_value=0, max_value=13),
    st.integers(min_value=1, max_value=9),
)
def test_single_digit_errors_are_caught(number: str, position: int, shift: int) -> None:
    # Weights 3 and 1 are both prime to 10, so any one wrong digit changes the check.
    first13 = number[:13]
    valid = f"{first13}{tracking_check_digit(first13)}"
    changed = valid[:position] + str((int(valid[position]) + shift) % 10) + valid[position + 1 :]
    assert not is_valid_tracking_number(changed)


@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.integers(min_value=1, max_value=12),
)
def test_generated_numbers_are_valid(seed: int, postcode: str, month: int) -> None:
    number = generate_tracking_number(random.Random(seed), postcode, month)
    assert normalize_tracking_number(number) == number
    assert number[:6] == postcode
    assert number[6:8] == f"{month:02d}"


@pytest.mark.parametrize(("postcode", "month"), [("62500", 6), ("62500a", 6), ("625000", 0)])
def test_generator_rejects_bad_arguments(postcode: str, month: int) -> None:
    with pytest.raises(ValueError):
        generate_tracking_number(random.Random(1), postcode, month)
