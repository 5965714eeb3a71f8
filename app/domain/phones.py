"""Phone numbers as the registry keeps them: +7XXXXXXXXXX, or a local landline's digits."""

from __future__ import annotations

LOCAL_DIGITS = range(5, 8)  # a landline of a district without its code, e.g. 2-34-56


def phone_from_digits(digits: str) -> str | None:
    """The stored form of a number given by its digits; None when it is not a phone number.

    8XXXXXXXXXX and 7XXXXXXXXXX (11 digits) and XXXXXXXXXX (10) become +7XXXXXXXXXX; a local
    landline of 5-7 digits is kept as its digits.
    """
    if not digits.isdigit():
        return None
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10:
        return "+7" + digits
    if len(digits) in LOCAL_DIGITS:
        return digits
    return None
