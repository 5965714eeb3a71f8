"""СНИЛС: the 11-digit insurance number that identifies a person (DESIGN 4)."""

from __future__ import annotations

import random

from app.errors import InvalidSnilsError

SNILS_LENGTH = 11

# Numbers up to and including 001-001-998 were issued before the check number
# was introduced: any two check digits are accepted for them.
LAST_UNCHECKED_NUMBER = 1_001_998

_DIGITS = frozenset("0123456789")
# Separators people type or paste: spaces of every kind and dashes of every kind.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")


def snils_checksum(first9: str) -> int:
    """The two-digit check number of a СНИЛС from its first nine digits.

    Each digit is multiplied by its position counted from the right (9 for the
    first digit, 1 for the ninth); a sum below 100 is the check number, 100 and
    101 give 0, a larger sum is taken modulo 101 (and a remainder of 100 gives 0).
    Raises ``ValueError`` when ``first9`` is not nine ASCII digits: that is a
    programming error, user input goes through ``normalize_snils``.
    """
    if len(first9) != 9 or not _DIGITS.issuperset(first9):
        raise ValueError(f"expected nine digits, got {first9!r}")
    total = sum(int(digit) * (9 - index) for index, digit in enumerate(first9))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def format_snils(digits: str) -> str:
    """``"11223344595"`` -> ``"112-233-445 95"``; the check number is not verified here."""
    if len(digits) != SNILS_LENGTH or not _DIGITS.issuperset(digits):
        raise InvalidSnilsError(f"СНИЛС должен состоять из 11 цифр: «{digits}»")
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def normalize_snils(text: str) -> str:
    """The 11 digits of a СНИЛС typed in any usual way, or ``InvalidSnilsError``.

    Spaces and dashes are dropped. Rejected, each with a Russian message naming
    the problem: an empty value, characters other than digits, a length other
    than 11, a wrong check number, and a number whose first nine digits are all
    zero. The last one passes the check-number rule (numbers up to 001-001-998
    have none) but is never issued: extracts use it as a placeholder for
    "unknown", and accepting it would merge every such person into one.
    """
    digits = "".join(ch for ch in text if not ch.isspace() and ch not in _DASHES)
    if not digits:
        raise InvalidSnilsError("СНИЛС не указан")
    bad = sorted({ch for ch in digits if ch not in _DIGITS})
    if bad:
        shown = ", ".join(f"«{ch}»" for ch in bad)
        raise InvalidSnilsError(
            f"СНИЛС «{text.strip()}» содержит недопустимые символы: {shown}; "
            "допускаются только цифры, пробелы и дефисы"
        )
    if len(digits) != SNILS_LENGTH:
        raise InvalidSnilsError(
            f"СНИЛС «{text.strip()}» должен состоять из 11 цифр, а в нем {len(digits)}"
        )
    number = int(digits[:9])
    if number == 0:
        raise InvalidSnilsError(
            f"СНИЛС {format_snils(digits)} не существует: номер состоит из одних нулей"
        )
    if number > LAST_UNCHECKED_NUMBER:
        expected = snils_checksum(digits[:9])
        if int(digits[9:]) != expected:
            raise InvalidSnilsError(
                f"Неверное контрольное число СНИЛС {format_snils(digits)}: "
                f"должно быть {expected:02d}"
            )
    return digits


def is_valid_snils(text: str) -> bool:
    """Whether ``normalize_snils`` would accept ``text``."""
    try:
        normalize_snils(text)
    except InvalidSnilsError:
        return False
    return True


def generate_snils(rng: random.Random) -> str:
    """A random valid СНИЛС above 001-001-998 (so its check number matters), as 11 digits."""
    first9 = f"{rng.randint(LAST_UNCHECKED_NUMBER + 1, 999_999_999):09d}"
    return f"{first9}{snils_checksum(first9):02d}"
