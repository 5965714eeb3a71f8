"""ШПИ: Russian Post's 14-digit identifier of a domestic registered letter (31-р 3.4)."""

from __future__ import annotations

import random
import re

from app.errors import InvalidTrackingNumberError

TRACKING_NUMBER_LENGTH = 14

_DIGITS = frozenset("0123456789")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
# International (UPU S10) identifiers look like RA123456789RU.
_S10 = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")

# Layout of the 14 digits: 6-digit postcode of the accepting office, 2-digit
# code of the month the barcode was printed, 5-digit serial within that month,
# 1 check digit.
#
# Check digit, verified against two independent public implementations
# (ssvarentsov/TrackValidX, .src/FMain.class, "internal mail ID's from Russia";
# and a Python "контрольный разряд" module, gen_numeric_barcode): the digits in
# the 1st, 3rd, ..., 13th positions are summed and multiplied by 3, the digits
# in the 2nd, 4th, ..., 12th positions are added, and the check digit is
# 10 minus the sum modulo 10, with 10 written as 0.


def tracking_check_digit(first13: str) -> int:
    """The 14th digit of a ШПИ from its first 13; ``ValueError`` if they are not 13 digits."""
    if len(first13) != 13 or not _DIGITS.issuperset(first13):
        raise ValueError(f"expected thirteen digits, got {first13!r}")
    odd = sum(int(ch) for ch in first13[0::2])
    even = sum(int(ch) for ch in first13[1::2])
    return (10 - (odd * 3 + even) % 10) % 10


def normalize_tracking_number(text: str) -> str:
    """The 14 digits of a ШПИ typed with or without spaces, or ``InvalidTrackingNumberError``."""
    digits = "".join(ch for ch in text if not ch.isspace() and ch not in _DASHES)
    shown = text.strip()
    if not digits:
        raise InvalidTrackingNumberError("Почтовый идентификатор (ШПИ) не указан")
    if _S10.fullmatch(digits.upper()):
        raise InvalidTrackingNumberError(
            f"«{shown}» — международный почтовый идентификатор; для письма по России "
            "укажите 14-значный ШПИ из квитанции"
        )
    bad = sorted({ch for ch in digits if ch not in _DIGITS})
    if bad:
        listed = ", ".join(f"«{ch}»" for ch in bad)
        raise InvalidTrackingNumberError(
            f"ШПИ «{shown}» содержит недопустимые символы: {listed}; допускаются только цифры"
        )
    if len(digits) != TRACKING_NUMBER_LENGTH:
        raise InvalidTrackingNumberError(
            f"ШПИ «{shown}» должен состоять из 14 цифр, а в нем {len(digits)}"
        )
    expected = tracking_check_digit(digits[:13])
    if int(digits[13]) != expected:
        raise InvalidTrackingNumberError(
            f"Неверная контрольная цифра ШПИ {digits}: последняя цифра должна быть {expected}; "
            "проверьте номер по квитанции"
        )
    return digits


def is_valid_tracking_number(text: str) -> bool:
    """Whether ``normalize_tracking_number`` would accept ``text``."""
    try:
        normalize_tracking_number(text)
    except InvalidTrackingNumberError:
        return False
    return True


def generate_tracking_number(rng: random.Random, postcode: str, month: int) -> str:
    """A valid ШПИ from ``postcode`` (6 digits) with ``month`` (1-99) as the 2-digit batch code.

    The demo generator passes the calendar month; the real code is Russian
    Post's own month counter, which nothing here needs to reproduce.
    """
    if len(postcode) != 6 or not _DIGITS.issuperset(postcode):
        raise ValueError(f"postcode must be six digits, got {postcode!r}")
    if not 1 <= month <= 99:
        raise ValueError(f"month code must be 1-99, got {month}")
    first13 = f"{postcode}{month:02d}{rng.randint(1, 99_999):05d}"
    return f"{first13}{tracking_check_digit(first13)}"
