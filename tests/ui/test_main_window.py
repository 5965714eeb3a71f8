"""The main window on real databases, driven offscreen with pytest-qt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QFormLayout, QWidget
from pytestqt.qtbot import QtBot

from app.demo.generator import generate_demo
from app.domain.deadlines import DueStatus
from app.services import profile
from db.session import Database
from ui.citizen_dialog import CitizenDialog
from ui.main_window import SECTIONS, MainWindow

TODAY = date(2026, 11, 23)


def _rows(form: QFormLayout) -> dict[str, str]:
    rows: dict[str, str] = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
        value = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        rows[label.text()] = value.text()  # type: ignore[attr-defined]
    return rows


def _window(qtbot: QtBot, db: Database, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    _wait_dashboard(qtbot, window)
    return window


def _wait_dashboard(qtbot: QtBot, window: MainWindow) -> None:
    task = window._deadline_task
    assert task is not None  # the window opens on the dashboard and counts at once
    qtbot.waitUntil(lambda: not task.running)


def _kinds(window: MainWindow, status: DueStatus) -> dict[str, int]:
    """Kind of deadline -> how many, as a group of the dashboard shows them."""
    tree = window.deadlines_page.trees[status]
    items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return {item.text(1): int(item.text(0)) for item in items if item is not None}


def test_new_database_opens_on_the_dashboard_with_the_monthly_duties(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    window = _window(qtbot, db, tmp_path)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == [title for _, title in SECTIONS]
    assert window.pages.currentWidget() is window.deadlines_page
    # Nothing imported yet: the October extract is overdue (31-р 3.1.1).
    assert _kinds(window, DueStatus.OVERDUE)["Выгрузка сведений из ЕИС СЗН за месяц"] == 1
    assert "23.11.2026" in window.deadlines_page.heading.text()
    assert window.registry_page.model.rowCount() == 0
    assert window.counts_label.text() == "В реестре: 0 · показано: 0"
    assert str(db.path) in window.path_label.text()

    window.section_actions[0].trigger()  # Ctrl+1: Реестр
    assert window.pages.currentWidget() is window.registry_page
    window.nav.setCurrentRow(3)
    assert window.pages.currentWidget() is window.plans_page
    assert window.plans_page.model.rowCount() == 0
    assert window.plans_page.count_label.text() == "Документов: 0"
    window.nav.setCurrentRow(1)
    assert window.pages.currentWidget() is window.calls_page
    assert window.calls_page.table.rowCount() == 0


def test_refresh_picks_up_new_data_and_items_open_their_card(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    window = _window(qtbot, db, tmp_path)
    generate_demo(db, 200, seed=2, today=TODAY)
    profile.update_profile(db, full_name="Петрова Анна Сергеевна", position="специалист")
    assert window.registry_page.model.rowCount() == 0  # not yet refreshed

    window.refresh_action.trigger()
    _wait_dashboard(qtbot, window)
    overdue = _kinds(window, DueStatus.OVERDUE)
    assert overdue.get("Информирование по телефону", 0) > 0
    assert sum(m.identified for m in window.deadlines_page.chart.flow) > 0
    # 31-р 5.3 for the current half-year, coloured by its level.
    coverage = window.deadlines_page.coverage.text()
    assert "детей-инвалидов целевой категории, выявленных в этом полугодии" in coverage
    assert window.deadlines_page.coverage_level in {"green", "amber", "red"}
    window.nav.setCurrentRow(6)  # Отчеты
    page = window.reports_page
    assert page.table.rowCount() == 14
    assert page.table.item(2, 0).text().startswith("3. Выявление: ВСЕГО")
    assert int(page.table.item(2, 1).text()) >= 0
    assert "Показатель п. 5.3" in page.coverage.text()
    assert "выявленных за полугодие (графы 4 и 6)" in page.coverage.text()
    out = tmp_path / "report.xlsx"
    assert page.export("xlsx", out) == out and out.exists()
    shown = window.registry_page.model.rowCount()
    assert shown > 50
    assert window.counts_label.text() == f"В реестре: {shown} · показано: {shown}"
    window.nav.setCurrentRow(3)
    assert window.plans_page.model.rowCount() > 0
    assert window.user_label.text() == "Специалист: Петрова Анна Сергеевна"

    # Each item opens its person's card.
    tree = window.deadlines_page.trees[DueStatus.OVERDUE]
    group = next(
        tree.topLevelItem(i)
        for i in range(tree.topLevelItemCount())
        if tree.topLevelItem(i).text(1) == "Информирование по телефону"  # type: ignore[union-attr]
    )
    assert group is not None
    child = group.child(0)
    tree.itemActivated.emit(child, 0)
    cards = window.findChildren(CitizenDialog)
    assert len(cards) == 1 and cards[0].title_label.text() == child.text(2)

    # Another day: the dashboard counts again for it.
    window.deadlines_page.date_edit.setDate(QDate(2027, 1, 11))
    window.deadlines_page.refresh_button.click()
    _wait_dashboard(qtbot, window)
    assert "11.01.2027" in window.deadlines_page.heading.text()
    image = window.grab()
    assert not image.isNull() and image.width() >= 600


def test_geometry_and_column_layout_are_remembered(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    generate_demo(db, 60, seed=3, today=TODAY)
    first = _window(qtbot, db, tmp_path)
    first.resize(701, 503)  # the offscreen screen is 800x600: stay inside it
    page = first.registry_page
    header = page.view.horizontalHeader()
    page.column_actions["category"].setChecked(False)
    page.column_actions["snils"].setChecked(True)
    name_column = list(page.column_actions).index("name")
    header.resizeSection(name_column, 321)
    page.view.sortByColumn(name_column, Qt.SortOrder.AscendingOrder)
    first.close()

    second = _window(qtbot, db, tmp_path)
    page2 = second.registry_page
    header2 = page2.view.horizontalHeader()
    category_column = list(page2.column_actions).index("category")
    snils_column = list(page2.column_actions).index("snils")
    assert header2.isSectionHidden(category_column)
    assert not header2.isSectionHidden(snils_column)
    assert not page2.column_actions["category"].isChecked()
    assert header2.sectionSize(name_column) == 321
    assert header2.sortIndicatorSection() == name_column
    assert (second.size().width(), second.size().height()) == (701, 503)


def test_crash_dialog_names_the_log_file_and_shows_the_traceback(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from ui.errors import crash_dialog

    try:
        raise RuntimeError("поломка")
    except RuntimeError as exc:
        box = crash_dialog(None, tmp_path / "ic.log", exc, exc.__traceback__)
    qtbot.addWidget(box)
    assert str(tmp_path / "ic.log") in box.text()
    assert "непредвиденная ошибка" in box.text()
    assert "RuntimeError: поломка" in box.detailedText()
    assert "test_crash_dialog" in box.detailedText()


def test_every_section_fits_an_office_screen_of_1366_by_768(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    """Issue #12: the window's minimum width was 1738 px (the registry's filter bar): it
    could not be shrunk to 1366x768, the commonest office screen."""
    generate_demo(db, 60, seed=3, today=TODAY)
    window = _window(qtbot, db, tmp_path)
    window.show()
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        qtbot.wait(10)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 768, (
            window.nav.item(row).text(),
            hint.width(),
            hint.height(),
        )
    # The registry's filters sit on their own row, under the search box, not over it.
    page = window.registry_page
    window.nav.setCurrentRow(0)
    window.resize(1366, 768)
    qtbot.wait(10)
    search = page.search_edit.geometry()
    month = page.month_combo.geometry()
    assert month.top() >= search.bottom()


def test_a_walk_in_not_entered_says_why_and_is_kept_in_cards_outside_the_registry(
    qtbot: QtBot, db: Database, tmp_path: Path, type_text: Callable[[QWidget, str], None]
) -> None:
    """Issue #12: a walk-in saved with only ФИО and СНИЛС closed with no message and
    disappeared from the grid."""
    from app.domain.enums import Source
    from ui.outside_registry import OutsideRegistryDialog

    window = _window(qtbot, db, tmp_path)
    card = window.new_citizen(Source.WALK_IN)
    type_text(card.edits["last_name"], "Ёлкина")
    type_text(card.edits["first_name"], "Анна")
    qtbot.keyClicks(card.edits["snils"], "112-233-445 95")
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    assert not card.isVisible()
    notice = window.last_notice
    assert notice is not None and notice.isVisible()
    assert "в реестр не внесён: не хватает сведений" in notice.text()
    assert "Карточки вне реестра" in notice.text()
    assert "не хватает сведений" in window.statusBar().currentMessage()
    notice.close()

    window.outside_action.trigger()  # Реестр → Карточки вне реестра…
    dialogs = [d for d in window.findChildren(OutsideRegistryDialog) if d.isVisible()]
    assert len(dialogs) == 1
    listed = dialogs[0]
    rows = [
        [listed.table.item(r, c).text() for c in range(listed.table.columnCount())]
        for r in range(listed.table.rowCount())
    ]
    (elkina,) = [r for r in rows if r[0].startswith("Ёлкина")]
    assert (
        elkina[2] == "11223344595" or elkina[2].replace("-", "").replace(" ", "") == "11223344595"
    )
    assert elkina[4].startswith("не хватает сведений")
    listed.table.selectRow(rows.index(elkina))
    qtbot.keyClick(listed.table, Qt.Key.Key_Return)
    opened = [d for d in window.findChildren(CitizenDialog) if d.isVisible()]
    assert len(opened) == 1 and opened[0].edits["last_name"].text() == "Ёлкина"


def test_a_saved_sort_order_queries_the_registry_once_at_start(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restoring the header re-emits its sort order; that must not run a second search (at
    300,000 people on a server each one costs a tenth of a second of the first paint)."""
    from app.services.registry_grid import RegistryGridService

    generate_demo(db, 60, seed=3, today=TODAY)
    first = _window(qtbot, db, tmp_path)
    name_column = list(first.registry_page.column_actions).index("name")
    first.registry_page.view.sortByColumn(name_column, Qt.SortOrder.DescendingOrder)
    first.close()

    searches: list[tuple[str, bool]] = []
    real_search = RegistryGridService.search

    def counted(self: RegistryGridService, flt: Any, key: str = "identified_on",
                descending: bool = False) -> list[int]:  # fmt: skip
        searches.append((key, descending))
        return real_search(self, flt, key, descending)

    monkeypatch.setattr(RegistryGridService, "search", counted)
    second = _window(qtbot, db, tmp_path)
    assert searches == [("name", True)]
    header = second.registry_page.view.horizontalHeader()
    assert header.sortIndicatorSection() == name_column
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
