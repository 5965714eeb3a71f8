"""Reporting periods: the registry month (31-р 3.2) and the report half-year (31-р 5.2)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Self

from app.errors import InvalidPeriodError

MIN_YEAR = 1900
MAX_YEAR = 9999

MONTH_NAMES = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)

_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_RU_MONTH = re.compile(r"(\d{1,2})\.(\d{4})")
_HALF = re.compile(r"(\d{4})\s*-?\s*H\s*([12])", re.IGNORECASE)


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPeriodError(f"Год {year} вне допустимого диапазона ({text})")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month, the registry's reporting period; ``str`` is ``"2025-06"``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        _check_year(self.year, f"{self.year}-{self.month}")
        if not 1 <= self.month <= 12:
            raise InvalidPeriodError(f"Номер месяца должен быть от 1 до 12, а указано {self.month}")

    @classmethod
    def parse(cls, text: str) -> Self:
        """``"2025-06"`` or ``"06.2025"`` (also one-digit months), else ``InvalidPeriodError``."""
        value = text.strip()
        iso = _ISO_MONTH.fullmatch(value)
        if iso:
            return cls(int(iso.group(1)), int(iso.group(2)))
        russian = _RU_MONTH.fullmatch(value)
        if russian:
            return cls(int(russian.group(2)), int(russian.group(1)))
        raise InvalidPeriodError(
            f"Не удалось распознать месяц «{value}»: ожидается ГГГГ-ММ или ММ.ГГГГ, "
            "например 2025-06 или 06.2025"
        )

    @classmethod
    def of(cls, d: date) -> Self:
        """The month ``d`` falls in."""
        return cls(d.year, d.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        """Number of calendar days in the month."""
        return calendar.monthrange(self.year, self.month)[1]

    def next(self) -> Month:
        if self.month == 12:
            return Month(self.year + 1, 1)
        return Month(self.year, self.month + 1)

    def previous(self) -> Month:
        if self.month == 1:
            return Month(self.year - 1, 12)
        return Month(self.year, self.month - 1)

    def contains(self, d: date) -> bool:
        return d.year == self.year and d.month == self.month

    @property
    def half_year(self) -> HalfYear:
        """The half-year of the semi-annual report this month belongs to."""
        return HalfYear(self.year, 1 if self.month <= 6 else 2)

    @property
    def title(self) -> str:
        """``"июнь 2025"``."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"


@dataclass(frozen=True, order=True, slots=True)
class HalfYear:
    """A half of a calendar year, the period of the semi-annual report; ``str`` is ``"2025H1"``."""

    year: int
    half: int

    def __post_init__(self) -> None:
        _check_year(self.year, f"{self.year}H{self.half}")
        if self.half not in (1, 2):
            raise InvalidPeriodError(f"Полугодие должно быть 1 или 2, а указано {self.half}")

    @classmethod
    def parse(cls, text: str) -> Self:
        """``"2025H1"`` or ``"2025h2"`` (also ``"2025-H1"``); ``InvalidPeriodError`` otherwise."""
        value = text.strip()
        match = _HALF.fullmatch(value)
        if not match:
            raise InvalidPeriodError(
                f"Не удалось распознать полугодие «{value}»: ожидается ГГГГH1 или ГГГГH2, "
                "например 2025H1"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, d: date) -> Self:
        """The half-year ``d`` falls in."""
        return cls(d.year, 1 if d.month <= 6 else 2)

    def __str__(self) -> str:
        return f"{self.year:04d}H{self.half}"

    @property
    def first_month(self) -> Month:
        return Month(self.year, 1 if self.half == 1 else 7)

    @property
    def last_month(self) -> Month:
        return Month(self.year, 6 if self.half == 1 else 12)

    @property
    def first_day(self) -> date:
        return self.first_month.first_day

    @property
    def last_day(self) -> date:
        return self.last_month.last_day

    def months(self) -> tuple[Month, ...]:
        """The six months, in order."""
        start = self.first_month.month
        return tuple(Month(self.year, m) for m in range(start, start + 6))

    def next(self) -> HalfYear:
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)

    def previous(self) -> HalfYear:
        return HalfYear(self.year - 1, 2) if self.half == 1 else HalfYear(self.year, 1)

    def contains(self, d: date) -> bool:
        return self.first_day <= d <= self.last_day

    @property
    def title(self) -> str:
        """``"1 полугодие 2025 г."``."""
        return f"{self.half} полугодие {self.year} г."
