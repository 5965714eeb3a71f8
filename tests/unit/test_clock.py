"""The one injectable "now": nothing but app/clock.py reads the machine's clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import clock

ROOT = Path(__file__).resolve().parents[2]
# Calls that read the wall clock: (object name, attribute).
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("QDate", "currentDate"),
    ("QDateTime", "currentDateTime"),
    ("QDateTime", "currentDateTimeUtc"),
    ("QDateTime", "currentSecsSinceEpoch"),
    ("QDateTime", "currentMSecsSinceEpoch"),
}
ALLOWED = {"app/clock.py"}


def _clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in CLOCK_READS
        ):
            found.append(
                f"{path.relative_to(ROOT)}:{node.lineno} {node.func.value.id}.{node.func.attr}()"
            )
    return found


def test_only_the_clock_module_reads_the_machine_clock() -> None:
    offenders = []
    for folder in ("app", "db", "ui", "scripts", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if str(path.relative_to(ROOT)) in ALLOWED or "benchmarks" in path.parts:
                continue
            offenders.extend(_clock_reads(path))
    assert offenders == []


def test_the_test_clock_is_set_whatever_day_the_suite_runs() -> None:
    assert clock.today() == date(2026, 11, 23)
    assert clock.now_local().hour == 10


def test_a_frozen_clock_reads_one_instant_and_today_is_the_organisations_day() -> None:
    # 20:30 UTC on 30.11 is already 01:30 on 01.12 in Tyumen (UTC+5).
    clock.set_clock(clock.frozen_at(datetime(2026, 11, 30, 20, 30, tzinfo=UTC)))
    assert clock.now_utc() == datetime(2026, 11, 30, 20, 30, tzinfo=UTC)
    assert clock.today() == date(2026, 12, 1)
    clock.set_time_zone("Europe/Moscow")
    assert clock.today() == date(2026, 11, 30)


def test_a_ticking_clock_advances() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    source = clock.ticking_from(start)
    first = source()
    assert start <= first <= start + timedelta(seconds=5)
    assert source() >= first


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        clock.frozen_at(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        clock.set_time_zone("Нет/Такой")


def test_a_process_the_tests_start_sees_the_same_day() -> None:
    # IC_NOW is set by the test fixture and inherited by child processes.
    out = subprocess.run(
        [sys.executable, "-c", "from app import clock; print(clock.today().isoformat())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert out.stdout.strip() == "2026-11-23"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_local_midnight_round_trip(wall: datetime) -> None:
    # start_of_day_utc is the first instant whose local date is that day.
    day = wall.date()
    start = clock.start_of_day_utc(day)
    assert clock.local_date(start) == day
    assert clock.local_date(start - timedelta(microseconds=1)) == day - timedelta(days=1)
    assert clock.local_date(clock.local_to_utc(wall)) == day
