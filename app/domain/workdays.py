"""The Russian production calendar: working days with the yearly transfers and user overrides."""

from __future__ import annotations

import calendar
import threading
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from holidays import country_holidays

# Working days decide the deadlines of 31-р 4.1, 510-п 4.4-4.5 and 6-р 4, 6.
# holidays.RU carries the yearly decrees that move days off (2025: 2 May,
# 8 May, 13 June, 3 Nov, 31 Dec off and Saturday 1 Nov working; 2026: 9 Jan and
# 31 Dec off) as substituted days off plus `weekend_workdays`; workalendar's
# Russia calendar does not, so it is not used (DESIGN 2, "Deadlines").


@dataclass(frozen=True, slots=True)
class _Year:
    """One year, precomputed: a working-day flag per day and running counts."""

    first_ordinal: int
    flags: bytes  # flags[i] == 1 when the i-th day of the year is a working day
    prefix: tuple[int, ...]  # prefix[i] = working days among the first i days
    ordinals: tuple[int, ...]  # ordinals of the working days, ascending

    @property
    def total(self) -> int:
        return len(self.ordinals)


class WorkCalendar:
    """Working days of the Russian five-day week.

    The official calendar is ``holidays.RU``: weekends and public holidays are
    days off, transferred days off are days off, and its ``weekend_workdays``
    (transferred working Saturdays) are working days. ``overrides`` beats both:
    ``True`` makes a date a working day, ``False`` a day off (a regional day off,
    a decree the installed ``holidays`` does not know yet).

    Years are computed lazily, once, on first use; lookups are then a few
    index operations, fast enough for bulk deadline computation.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    @property
    def overrides(self) -> Mapping[date, bool]:
        """A copy of the user's overrides this calendar was built with."""
        return dict(self._overrides)

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                cached = self._compute_year(year)
                self._years[year] = cached
            return cached

    def _compute_year(self, year: int) -> _Year:
        official = country_holidays("RU", years=year)
        working_weekends = {d for d in official.weekend_workdays if d.year == year}
        first = date(year, 1, 1)
        length = 366 if calendar.isleap(year) else 365
        flags = bytearray(length)
        for index in range(length):
            day = first + timedelta(days=index)
            override = self._overrides.get(day)
            if override is not None:
                working = override
            elif day in working_weekends:
                working = True
            else:
                working = day.weekday() < 5 and day not in official
            flags[index] = 1 if working else 0
        prefix = [0] * (length + 1)
        for index, flag in enumerate(flags):
            prefix[index + 1] = prefix[index] + flag
        start = first.toordinal()
        ordinals = tuple(start + index for index, flag in enumerate(flags) if flag)
        return _Year(start, bytes(flags), tuple(prefix), ordinals)

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day (overrides first, then the official calendar)."""
        year = self._year(d.year)
        return year.flags[d.toordinal() - year.first_ordinal] == 1

    def add_working_days(self, d: date, n: int) -> date:
        """Move by ``n`` working days from ``d``.

        ``n > 0``: the n-th working day after ``d`` (``d`` itself never counts,
        as a period "within n working days of an event" starts the next day).
        ``n == 0``: ``d`` when it is a working day, else the next working day.
        ``n < 0``: the |n|-th working day before ``d`` (``d`` never counts), as
        in "five working days before the programme ends" (510-п 4.5).
        """
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        year_no = d.year
        year = self._year(year_no)
        index = d.toordinal() - year.first_ordinal
        if n > 0:
            # 0-based position, in this year's list, of the wanted working day
            position = year.prefix[index + 1] + n - 1
            while position >= year.total:
                position -= year.total
                year_no += 1
                year = self._year(year_no)
            return date.fromordinal(year.ordinals[position])
        position = year.prefix[index] + n
        while position < 0:
            year_no -= 1
            year = self._year(year_no)
            position += year.total
        return date.fromordinal(year.ordinals[position])

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        return self.add_working_days(d, -1)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in the half-open interval ``(a, b]`` when ``a <= b``.

        When ``b < a`` the result is negative: minus the working days in
        ``(b, a]``. So ``working_days_between(d, add_working_days(d, n)) == n`` for a working
        day ``d`` and any ``n``, and the result for ``a == b`` is 0.
        """
        if b < a:
            return -self.working_days_between(b, a)
        full_years = sum(self._year(y).total for y in range(a.year, b.year))
        return full_years + self._count_through(b) - self._count_through(a)

    def _count_through(self, d: date) -> int:
        """Working days from 1 January of ``d.year`` through ``d``, inclusive."""
        year = self._year(d.year)
        return year.prefix[d.toordinal() - year.first_ordinal + 1]

    def working_days_in_month(self, year: int, month: int) -> int:
        """How many working days ``month`` of ``year`` has."""
        data = self._year(year)
        start = date(year, month, 1).toordinal() - data.first_ordinal
        end = start + calendar.monthrange(year, month)[1]
        return data.prefix[end] - data.prefix[start]

    def working_days_in_range(self, first: date, last: date) -> list[date]:
        """The working days of the closed interval ``[first, last]``, in order."""
        if last < first:
            return []
        result: list[date] = []
        for year_no in range(first.year, last.year + 1):
            data = self._year(year_no)
            lo = bisect_right(data.ordinals, first.toordinal() - 1)
            hi = bisect_right(data.ordinals, last.toordinal())
            result.extend(date.fromordinal(o) for o in data.ordinals[lo:hi])
        return result
