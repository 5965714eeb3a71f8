"""Registry grid timings on an existing database: python tests/benchmarks/grid_bench.py DB.

Measured offscreen with the real main window (issue #3 targets on 100k entries):
first paint after open < 300 ms, search keystroke to updated view < 100 ms, sort, peak
memory < 400 MB. Prints one JSON object per line: {"step": ..., "ms": ..., "peak_mib": ...}.

A registry of 20,000 entries or more shows a search's first rows at once and reads the
whole list and the count on a worker once typing pauses (issue #15): "first paint" and
"search keystroke" are what the consultant waits for before seeing rows; "whole list
counted" is until the count under the grid and the scroll bar are whole too. The
keystrokes wait for that before the next one (a person's typing pace), and each sort
waits for its whole list.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.services.calendar import load_calendar  # noqa: E402
from app.services.registry_grid import COLUMN_KEYS  # noqa: E402
from db.session import open_database  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.registry_page import RegistryPage  # noqa: E402

TODAY = date(2026, 11, 23)
SEARCH = "иванова м"  # typed one character at a time, as a consultant would


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(step: str, ms: float) -> None:
    print(json.dumps({"step": step, "ms": round(ms, 1), "peak_mib": round(_peak_mib(), 1)}))
    sys.stdout.flush()


def _paint(app: QApplication, window: MainWindow) -> None:
    """Lay out and paint the visible rows now (what the user sees), then settle events."""
    window.registry_page.view.viewport().repaint()
    app.processEvents()


def _wait_complete(page: RegistryPage) -> None:
    while not page.complete:
        QTest.qWait(2)


def main() -> int:
    db_path = Path(sys.argv[1])
    app = QApplication.instance() or QApplication(sys.argv)
    work = Path(tempfile.mkdtemp(prefix="ic-grid-bench-"))
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)

    started = time.perf_counter()
    db = open_database(db_path)
    load_calendar(db).is_working_day(TODAY)  # holidays.RU's first use costs ~0.2 s per process
    _emit("open database and production calendar", (time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    window = MainWindow(
        db, work / "ic.log", today=TODAY, settings=settings, start_section="registry"
    )
    window.resize(1400, 800)
    window.show()
    _paint(app, window)
    _emit("grid: first paint after open", (time.perf_counter() - started) * 1000)
    page = window.registry_page
    # A big registry shows its first rows at once and reads the whole list on a worker
    # (issue #15): how long until the count and the scroll bar are whole too.
    _wait_complete(page)
    _emit("grid: whole list counted after open", (time.perf_counter() - started) * 1000)
    rows = page.model.rowCount()

    keystrokes = []
    wholes = []
    for char in SEARCH:
        t = time.perf_counter()
        page.search_edit.insert(char)
        _paint(app, window)
        keystrokes.append((time.perf_counter() - t) * 1000)
        _wait_complete(page)  # typing at a person's pace: the worker is done before the next
        wholes.append((time.perf_counter() - t) * 1000)
    _emit(f"grid: search keystroke, worst of {len(SEARCH)}", max(keystrokes))
    _emit(f"grid: search keystroke, mean of {len(SEARCH)}", sum(keystrokes) / len(keystrokes))
    _emit(f"grid: keystroke to whole list counted, worst of {len(SEARCH)}", max(wholes))
    page.search_edit.clear()
    _paint(app, window)
    _wait_complete(page)

    for key in ("name", "next_due", "status", "identified_on"):
        t = time.perf_counter()
        page.view.sortByColumn(COLUMN_KEYS.index(key), Qt.SortOrder.AscendingOrder)
        _paint(app, window)
        _wait_complete(page)
        _emit(f"grid: sort by {key}", (time.perf_counter() - t) * 1000)

    t = time.perf_counter()
    page.view.scrollToBottom()
    _paint(app, window)
    _emit("grid: jump to the last row", (time.perf_counter() - t) * 1000)
    _emit(f"grid: peak memory ({rows} entries)", 0.0)
    task = window._deadline_task
    while task is not None and task.running:
        QTest.qWait(20)
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
