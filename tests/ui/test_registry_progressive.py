"""A big registry's grid (issue #15): the first rows at once, the whole list and the count
from a worker — driven by the keys and clicks of a consultant, on a real SQLite file.

The demo registry here holds a few hundred entries; the page is told that this is big
(``progressive_from``) and to show ten rows first (``head_rows``), so every step of the
progressive path runs as it does at 300,000 people.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.demo.generator import generate_demo
from app.domain.enums import Source, TargetCategory
from app.domain.names import search_key
from app.services.registry_grid import GridFilter
from db import models
from db.session import Database
from ui.main_window import MainWindow
from ui.registry_page import RegistryPage

TODAY = date(2026, 11, 23)
HEAD = 10


@pytest.fixture
def big_window(qtbot: QtBot, db: Database, tmp_path: Path) -> Iterator[MainWindow]:
    generate_demo(db, 300, seed=5, today=TODAY)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings,
                     start_section="registry")  # fmt: skip
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    page = win.registry_page
    page.progressive_from = 1
    page.head_rows = HEAD
    yield win
    page.wait()
    task = win._deadline_task
    if task is not None:
        qtbot.waitUntil(lambda: not task.running)


def _type(edit: QLineEdit, text: str) -> None:
    """Type character by character (QTest cannot synthesise Cyrillic key presses)."""
    edit.setFocus()
    for char in text:
        edit.insert(char)


def _whole(page: RegistryPage, text: str = "") -> list[int]:
    return page._service.search(GridFilter(text=text), "identified_on", True)


def test_f5_shows_the_first_rows_then_the_whole_list_and_the_count(
    qtbot: QtBot, big_window: MainWindow
) -> None:
    page = big_window.registry_page
    whole = _whole(page)
    assert len(whole) > HEAD
    qtbot.keyClick(big_window, Qt.Key.Key_F5)
    # At once: the newest ten, the count still on its way.
    assert not page.complete
    assert page.model.ids == whole[:HEAD]
    assert page.count_label.text().startswith(f"Показаны первые {HEAD} записей")
    assert big_window.counts_label.text() == "В реестре: … · показано: …"
    assert page.selected_entry_id() == whole[0]
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    assert page.model.ids == whole
    assert page.count_label.text() == f"Показано записей: {len(whole)} из {len(whole)}"
    assert big_window.counts_label.text() == f"В реестре: {len(whole)} · показано: {len(whole)}"
    assert page.selected_entry_id() == whole[0]


def test_typing_shows_matches_among_the_newest_then_every_match(
    qtbot: QtBot, big_window: MainWindow
) -> None:
    page = big_window.registry_page
    qtbot.keyClick(big_window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    total = page.model.rowCount()
    whole = _whole(page, "ов")
    assert HEAD < len(whole) < total
    _type(page.search_edit, "ов")
    assert not page.complete
    assert page.model.ids == whole[:HEAD]
    assert big_window.counts_label.text() == f"В реестре: {total} · показано: …"
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    assert page.model.ids == whole
    assert page.count_label.text() == f"Показано записей: {len(whole)} из {total}"
    assert big_window.counts_label.text() == f"В реестре: {total} · показано: {len(whole)}"


def test_the_entry_picked_beyond_the_first_rows_stays_picked_while_typing(
    qtbot: QtBot, big_window: MainWindow
) -> None:
    page = big_window.registry_page
    _type(page.search_edit, "ов")
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    # A row past the first ten whose name holds «ов» and a letter after it, clicked.
    row, letter = next(
        (r, found.group(1))
        for r in range(HEAD, page.model.rowCount())
        if (found := re.search(r"ов(\w)", page.model.grid_row(r).values[3].lower()))
    )
    index = page.model.index(row, page.view.horizontalHeader().logicalIndex(0))
    page.view.scrollTo(index)
    qtbot.mouseClick(
        page.view.viewport(), Qt.MouseButton.LeftButton, pos=page.view.visualRect(index).center()
    )
    picked = page.selected_entry_id()
    assert picked == page.model.ids[row]
    _type(page.search_edit, letter)  # «ов» + that letter: the entry still matches
    narrowed = page.search_edit.text()
    assert picked in _whole(page, narrowed)
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    assert page.model.ids == _whole(page, narrowed)
    assert page.selected_entry_id() == picked


def test_only_the_last_search_typed_fast_is_shown(qtbot: QtBot, big_window: MainWindow) -> None:
    page = big_window.registry_page
    _type(page.search_edit, "ов")
    _type(page.search_edit, "а")  # before the first whole list was asked for
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    assert page.model.ids == _whole(page, "ова")
    page.search_edit.clear()  # the clear button's work: the newest rows first again
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    assert page.model.ids == _whole(page)


def test_closing_while_the_whole_list_is_read_waits_for_it(
    qtbot: QtBot, big_window: MainWindow
) -> None:
    page = big_window.registry_page
    _type(page.search_edit, "ов")
    assert not page.complete
    qtbot.wait(200)  # the worker has started (REST_DELAY_MS)
    task = page._rest_task
    assert task is not None  # the whole list is being read
    big_window.close()  # joins the worker before the database may close
    assert task._runner.ended.is_set()


def test_an_entry_added_meanwhile_by_someone_else_is_in_the_whole_list(
    qtbot: QtBot, big_window: MainWindow, db: Database
) -> None:
    """The first rows were read before another consultant entered a person identified
    today; the whole list, read after, is not a continuation of them: it replaces them."""
    page = big_window.registry_page
    _type(page.search_edit, "ов")
    first = page.model.ids
    assert len(first) == HEAD
    with db.session_factory.begin() as session:  # another consultant's write
        citizen = models.Citizen(
            last_name="Соколова", first_name="Анна", middle_name="Петровна",
            search_name=search_key("Соколова Анна Петровна"), birth_date=date(1980, 1, 2),
        )  # fmt: skip
        entry = models.RegistryEntry(
            citizen=citizen, reporting_month="2026-11", identified_on=TODAY,
            source=Source.WALK_IN, category=TargetCategory.GROUP_I, entered_on=TODAY,
        )  # fmt: skip
        session.add(entry)
        session.flush()
        added = entry.id
    qtbot.waitUntil(lambda: page.complete, timeout=10_000)
    whole = _whole(page, "ов")
    assert whole[0] == added  # the newest entry now
    assert page.model.ids == whole
    assert page.model.ids[: len(first)] != first
