"""Phone numbers in the one stored form the importer and the card share."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.domain.phones import phone_from_digits

TEN = st.text("0123456789", min_size=10, max_size=10)


@given(TEN)
def test_every_way_of_writing_a_full_number_gives_one_form(ten: str) -> None:
    assert (
        phone_from_digits(ten)
        == phone_from_digits("8" + ten)
        == phone_from_digits("7" + ten)
        == "+7" + ten
    )


@given(st.text("0123456789", min_size=0, max_size=16))
def test_other_lengths(digits: str) -> None:
    result = phone_from_digits(digits)
    if 5 <= len(digits) <= 7:
        assert result == digits  # a local landline keeps its digits
    elif len(digits) == 10 or (len(digits) == 11 and digits[0] in "78"):
        assert result is not None and result.startswith("+7") and len(result) == 12
    else:
        assert result is None


def test_non_digits_are_not_a_number() -> None:
    assert phone_from_digits("+79123456789") is None  # callers strip the plus and spaces
    assert phone_from_digits("") is None
