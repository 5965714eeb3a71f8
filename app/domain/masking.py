"""Personal data kept out of places that are not encrypted: the log file, audit values.

The log is a plain text file in the user's folder, so what the program writes there is
masked: СНИЛС and phone numbers entirely, people's names (two or more capitalised Cyrillic
words in a row, as in «Иванов Иван Иванович» or a file name «Маршрут_Иванов_И_И») down
to their first letters. Audit events keep changed values, but a СНИЛС only as its last
two digits.
"""

from __future__ import annotations

import re

_SNILS = re.compile(r"(?<!\d)\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
_WORD = r"[А-ЯЁ][а-яё]*(?:-[А-ЯЁ][а-яё]*)?\.?"
_NAME = re.compile(rf"(?<![А-Яа-яЁё]){_WORD}(?:[ _]{_WORD})+(?![А-Яа-яЁё])")


def _initials(match: re.Match[str]) -> str:
    words = re.split(r"([ _])", match.group(0))
    return "".join(w if w in (" ", "_") else f"{w[0]}." for w in words)


def mask_text(text: str) -> str:
    """The text with СНИЛС, phone numbers and names masked."""
    text = _SNILS.sub("[СНИЛС]", text)
    text = _PHONE.sub("[телефон]", text)
    return _NAME.sub(_initials, text)


def mask_snils(value: object) -> object:
    """A СНИЛС as «***-***-*** 45» (its checksum digits), other values unchanged."""
    if isinstance(value, str):
        digits = re.sub(r"\D", "", value)
        if len(digits) == 11:
            return f"***-***-*** {digits[-2:]}"
    return value
