"""СНИЛС: normalisation, check number, formatting and the demo generator."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.snils import (
    LAST_UNCHECKED_NUMBER,
    format_snils,
    generate_snils,
    is_valid_snils,
    normalize_snils,
    snils_checksum,
)
from app.errors import InvalidSnilsError, ValidationError


def reference_checksum(first9: str) -> int:
    """The rule as the Pension Fund states it, written independently of the module."""
    total = sum(int(d) * w for d, w in zip(first9, range(9, 0, -1), strict=True))
    while total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


@pytest.mark.parametrize(
    ("first9", "expected"),
    [
        ("112233445", 95),  # the textbook example
        ("141008407", 99),  # sum 99: the sum itself
        ("026002389", 0),  # sum 100
        ("030214884", 0),  # sum 101
        ("110767574", 49),  # sum 150: 150 % 101
        ("543546368", 0),  # sum 201: 201 % 101 == 100 -> 0
        ("578899234", 0),  # sum 302: 302 % 101 == 100 -> 0
    ],
)
def test_checksum_cases(first9: str, expected: int) -> None:
    assert snils_checksum(first9) == expected


@pytest.mark.parametrize("bad", ["", "12345678", "1234567890", "12345678a"])
def test_checksum_rejects_non_nine_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="nine digits"):
        snils_checksum(bad)


@pytest.mark.parametrize(
    "text",
    [
        "112-233-445 95",
        "11223344595",
        "112 233 445 95",
        " 112-233-445-95 ",
        "112\u00a0233\u00a0445\u00a095",
        "112–233–445 95",
    ],
)
def test_normalize_accepts_usual_spellings(text: str) -> None:
    assert normalize_snils(text) == "11223344595"


def test_format() -> None:
    assert format_snils("11223344595") == "112-233-445 95"


@pytest.mark.parametrize("bad", ["1122334459", "112233445955", "abc"])
def test_format_rejects_non_eleven_digits(bad: str) -> None:
    with pytest.raises(InvalidSnilsError):
        format_snils(bad)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "не указан"),
        ("   ", "не указан"),
        ("112-233-445", "11 цифр, а в нем 9"),
        ("112-233-445 955", "11 цифр, а в нем 12"),
        ("112-233-445 9O", "недопустимые символы: «O»"),
        ("112/233/445 95", "«/»"),
        ("112-233-445 96", "Неверное контрольное число СНИЛС 112-233-445 96: должно быть 95"),
        ("000-000-000 00", "из одних нулей"),
        ("000 000 000 57", "из одних нулей"),
    ],
)
def test_normalize_rejects_with_russian_message(text: str, fragment: str) -> None:
    with pytest.raises(InvalidSnilsError) as caught:
        normalize_snils(text)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValidationError)
    assert not is_valid_snils(text)


def test_arabic_indic_digits_are_not_digits() -> None:
    with pytest.raises(InvalidSnilsError, match="недопустимые символы"):
        normalize_snils("١١٢٢٣٣٤٤٥٩٥")


@pytest.mark.parametrize("text", ["001-001-998 00", "001-001-998 57", "000-000-001 99"])
def test_old_numbers_have_no_check_number(text: str) -> None:
    assert is_valid_snils(text)


def test_check_number_applies_from_001_001_999() -> None:
    first9 = "001001999"
    good = f"{first9}{snils_checksum(first9):02d}"
    bad = f"{first9}{(snils_checksum(first9) + 1) % 100:02d}"
    assert is_valid_snils(good)
    assert not is_valid_snils(bad)


@given(st.integers(min_value=LAST_UNCHECKED_NUMBER + 1, max_value=999_999_999))
def test_checksum_matches_reference(number: int) -> None:
    first9 = f"{number:09d}"
    assert snils_checksum(first9) == reference_checksum(first9)
    assert 0 <= snils_checksum(first9) <= 99


@given(
    st.integers(min_value=LAST_UNCHECKED_NUMBER + 1, max_value=999_999_999),
    st.integers(min_value=1, max_value=99),
)
def test_any_other_check_number_is_rejected(number: int, shift: int) -> None:
    first9 = f"{number:09d}"
    wrong = (snils_checksum(first9) + shift) % 100
    assert not is_valid_snils(f"{first9}{wrong:02d}")


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_generated_numbers_are_valid_and_checked(seed: int) -> None:
    digits = generate_snils(random.Random(seed))
    assert len(digits) == 11 and digits.isascii() and digits.isdigit()
    assert int(digits[:9]) > LAST_UNCHECKED_NUMBER
    assert normalize_snils(digits) == digits
    assert normalize_snils(format_snils(digits)) == digits


def test_generator_is_reproducible() -> None:
    assert generate_snils(random.Random(7)) == generate_snils(random.Random(7))
