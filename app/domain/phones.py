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


class PhoneError(ValueError):
    """Not a full Russian phone number; the message says why, in Russian."""


def russian_phone(text: str) -> str:
    """+7XXXXXXXXXX for a full Russian number typed any usual way (8 …, +7 …, brackets,
    dashes, spaces), checked against the numbering plan by ``phonenumbers``; else
    ``PhoneError`` with the reason (issue #12: «8 912 123» was stored as «8912123», an
    organisation's «123» accepted)."""
    import phonenumbers

    stripped = text.strip()
    digits = "".join(ch for ch in stripped if ch.isdigit())
    national = digits[1:] if len(digits) == 11 and digits[0] in "78" else digits
    if len(national) < 10:
        raise PhoneError(
            f"номер «{stripped}» неполный: {len(national)} {_digits_word(len(national))}, "
            "а нужно 10 — с кодом города "
            "или оператора, например +7 3452 12-34-56 или +7 912 345-67-89"
        )
    try:
        number = phonenumbers.parse(stripped, "RU")
    except phonenumbers.NumberParseException:
        raise PhoneError(f"«{stripped}» не похож на номер телефона") from None
    if (
        len(national) > 10
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "RU"
    ):
        raise PhoneError(f"номера «{stripped}» в России нет: проверьте код города или оператора")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_in_text(text: str) -> list[str]:
    """The full Russian numbers in a free text such as an organisation's «+7 3452 22-22-22,
    доб. 123; 8 800 …» (each as +7XXXXXXXXXX); empty when there is none."""
    import phonenumbers

    return [
        phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        for match in phonenumbers.PhoneNumberMatcher(text, "RU")
        if phonenumbers.region_code_for_number(match.number) == "RU"
    ]


def _digits_word(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return "цифра"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "цифры"
    return "цифр"
