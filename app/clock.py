"""The one "now" of the application: an aware UTC instant, and dates in the organisation's zone.

Nothing else reads the machine's clock (a test walks the sources to keep it so). Tests and
demos inject another source with :func:`set_clock`, or start every process of a run at one
instant with the ``IC_NOW`` environment variable (an ISO instant; the clock ticks from there).
Every stored timestamp is an aware UTC instant; every date a person sees is derived from it
in the organisation's time zone (default Asia/Yekaterinburg, Tyumen's zone), read with
``zoneinfo`` and the ``tzdata`` package so that it works on Windows too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Yekaterinburg"
ENV_NOW = "IC_NOW"

Source = Callable[[], datetime]


def _system_now() -> datetime:
    return datetime.now(UTC)


def ticking_from(start: datetime) -> Source:
    """A clock that reads ``start`` now and advances with real elapsed time."""
    if start.tzinfo is None:
        raise ValueError("the start of a clock must be an aware instant")
    origin = time.monotonic()
    start = start.astimezone(UTC)
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def frozen_at(moment: datetime) -> Source:
    """A clock that always reads ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("a frozen clock needs an aware instant")
    moment = moment.astimezone(UTC)
    return lambda: moment


def parse_instant(text: str) -> datetime:
    """An ISO instant; without an offset it is read in the organisation's zone."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=time_zone())
    return moment.astimezone(UTC)


def _source_from_environment() -> Source:
    text = os.environ.get(ENV_NOW, "").strip()
    return ticking_from(parse_instant(text)) if text else _system_now


_zone: ZoneInfo = ZoneInfo(DEFAULT_TIME_ZONE)
_source: Source = _source_from_environment()


def set_clock(source: Source | None) -> None:
    """Replace the clock (``None``: the machine's clock, or ``IC_NOW`` when set)."""
    global _source
    _source = source if source is not None else _source_from_environment()


def time_zone() -> ZoneInfo:
    return _zone


def set_time_zone(name: str) -> None:
    """The organisation's zone by its IANA name; an unknown name raises ``ValueError``."""
    global _zone
    try:
        _zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def now_utc() -> datetime:
    """The present instant, aware, in UTC."""
    return _source().astimezone(UTC)


def now_local() -> datetime:
    """The present instant on the organisation's wall clock (aware)."""
    return now_utc().astimezone(_zone)


def today() -> date:
    """The organisation's date now."""
    return now_local().date()


def to_local(moment: datetime) -> datetime:
    """An aware instant on the organisation's wall clock; naive values are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone)


def local_date(moment: datetime) -> date:
    """The organisation's date at an instant."""
    return to_local(moment).date()


def start_of_day_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in the organisation's zone."""
    return datetime(day.year, day.month, day.day, tzinfo=_zone).astimezone(UTC)


def local_to_utc(wall: datetime) -> datetime:
    """A naive wall-clock time in the organisation's zone as an aware UTC instant."""
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    return wall.replace(tzinfo=_zone).astimezone(UTC)
