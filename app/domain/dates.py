"""Dates as consultants write them: dd.mm.yyyy in and out (ISO accepted too)."""

from __future__ import annotations

import re
from datetime import date, datetime

from app.errors import ValidationError

_DMY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(text: str, what: str = "дата") -> date:
    """Parse "05.06.2025" or "2025-06-05"; a Russian message names ``what`` on failure."""
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            raise ValidationError(
                f"{what.capitalize()}: «{text}» не является датой (ожидается ДД.ММ.ГГГГ)."
            )
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(
            f"{what.capitalize()}: даты «{text.strip()}» не существует."
        ) from None


def format_date(value: date | datetime | None) -> str:
    """dd.mm.yyyy, or an empty string for no date."""
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y")
