"""The «Маршруты» and «Планы сопровождения» sections and what the window remembers between
runs (issue #12), on a real demo database, driven offscreen with pytest-qt."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.demo.generator import generate_demo
from app.domain.enums import Source
from app.services import plans, routes
from app.services.settings import load_settings, save_settings
from db.session import Database
from ui.main_window import SECTION_KEYS, MainWindow
from ui.plan_dialog import PlanDialog
from ui.route_dialog import RouteDialog

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo_db(db: Database) -> Database:
    generate_demo(db, 160, seed=11, today=TODAY)
    return db


def _open(qtbot: QtBot, db: Database, tmp_path: Path, section: str) -> MainWindow:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    task = window._deadline_task
    if task is not None:
        qtbot.waitUntil(lambda: not task.running)
    window.section_actions[SECTION_KEYS.index(section)].trigger()  # Ctrl+3 / Ctrl+4
    return window


@pytest.fixture
def window(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> Iterator[MainWindow]:
    yield _open(qtbot, demo_db, tmp_path, "routes")


def _column(page: QWidget, title: str) -> list[str]:
    model = page.model  # type: ignore[attr-defined]
    column = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) == title
    )
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_routes_section_lists_the_documents_and_searches_them(
    qtbot: QtBot,
    window: MainWindow,
    demo_db: Database,
    type_text: Callable[[QWidget, str], None],
) -> None:
    page = window.routes_page
    assert window.pages.currentWidget() is page
    everything = routes.list_routes(demo_db)
    assert 0 < page.model.rowCount() == len(everything.rows)
    assert page.count_label.text() == f"Документов: {everything.total}"
    assert _column(page, "Ф.И.О.") == [r.name for r in everything.rows]
    states = set(_column(page, "Состояние"))
    assert "выдан" in states and any(s.startswith("черновик (версия") for s in states)
    assert any(
        s.startswith("почтовое отправление, ") or s.startswith("электронная почта, ")
        for s in _column(page, "Направлен")
    )

    # The surname of a person with a route, typed in capitals with ё as е.
    surname = everything.rows[3].name.split()[0]
    type_text(page.search_edit, surname.upper().replace("Ё", "Е"))
    qtbot.waitUntil(lambda: page.model.rowCount() < len(everything.rows), timeout=3000)
    names = _column(page, "Ф.И.О.")
    assert names and all(surname.lower() in n.lower() for n in names)
    page.search_edit.clear()
    snils = everything.rows[5].snils
    type_text(page.search_edit, snils)
    qtbot.waitUntil(lambda: _column(page, "СНИЛС") == [snils] * page.model.rowCount())
    page.search_edit.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == len(everything.rows))

    # Month and state filter in SQL.
    page.month_combo.setCurrentIndex(1)
    month = page.month_combo.currentText()
    assert set(_column(page, "Месяц реестра")) == {month}
    assert page.model.rowCount() < len(everything.rows)
    page.month_combo.setCurrentIndex(0)
    page.status_combo.setCurrentIndex(page.status_combo.findData("DRAFT"))
    drafts = page.model.rowCount()
    assert 0 < drafts < len(everything.rows)
    assert all(s.startswith("черновик") for s in _column(page, "Состояние"))
    page.month_combo.setCurrentIndex(page.month_combo.findData(page.model.rows[0].month))
    assert 0 < page.model.rowCount() <= drafts
    assert set(_column(page, "Месяц реестра")) == {page.month_combo.currentText()}
    assert all(s.startswith("черновик") for s in _column(page, "Состояние"))
    assert page.count_label.text() == f"Документов: {page.model.rowCount()}"


def test_a_long_list_says_how_many_are_not_shown(
    qtbot: QtBot, window: MainWindow, demo_db: Database
) -> None:
    page = window.routes_page
    page.limit = 5  # 500 in the window: the demo database has fewer routes
    page.refresh()
    total = routes.list_routes(demo_db).total
    assert total > 5
    assert page.model.rowCount() == 5
    assert page.count_label.text() == f"Показаны первые 5 из {total}"


def test_enter_opens_the_route_editor_and_a_double_click_the_plan_editor(
    qtbot: QtBot, window: MainWindow, demo_db: Database
) -> None:
    page = window.routes_page
    page.view.setFocus()
    page.view.setCurrentIndex(page.model.index(2, 0))
    row = page.model.rows[2]
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    dialog = page.last_dialog
    assert isinstance(dialog, RouteDialog) and dialog.isVisible()
    assert dialog.windowTitle() == f"Маршрут: {row.name}"
    assert dialog.draft.citizen_id == row.citizen_id
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    window.section_actions[SECTION_KEYS.index("plans")].trigger()
    plans_page = window.plans_page
    assert window.pages.currentWidget() is plans_page
    assert plans_page.model.rowCount() == len(plans.list_plans(demo_db).rows) > 0
    with qtbot.waitExposed(window):
        window.show()
    rect = plans_page.view.visualRect(plans_page.model.index(1, 0))
    qtbot.mouseClick(plans_page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(plans_page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    plan_dialog = plans_page.last_dialog
    assert isinstance(plan_dialog, PlanDialog) and plan_dialog.isVisible()
    assert plan_dialog.form_value.citizen_id == plans_page.model.rows[1].citizen_id
    qtbot.mouseClick(plan_dialog.close_button, Qt.MouseButton.LeftButton)
    assert not plan_dialog.isVisible()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils needed")
def test_save_pdf_offers_the_last_folder_and_month_print_writes_the_month(
    qtbot: QtBot,
    window: MainWindow,
    demo_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = window.routes_page
    page.status_combo.setCurrentIndex(page.status_combo.findData("ISSUED"))
    row = page.model.rows[0]
    offered: list[str] = []
    folder = tmp_path / "documents"
    folder.mkdir()

    def save_as(_parent: object, _title: str, default: str, _filter: str) -> tuple[str, str]:
        offered.append(default)
        return str(folder / Path(default).name), "PDF (*.pdf)"

    monkeypatch.setattr("ui.document_lists.QFileDialog.getSaveFileName", save_as)
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    out = folder / f"{row.file_stem}.pdf"
    assert offered == [str(Path.home() / f"{row.file_stem}.pdf")]
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert row.name in " ".join(text.split())
    assert page.message.text() == f"PDF сохранен: {out}"

    # The next save dialog opens in that folder; the settings' export folder wins over it.
    page.month_combo.setCurrentIndex(1)
    qtbot.mouseClick(page.month_pdf_button, Qt.MouseButton.LeftButton)
    month = str(page.month_combo.currentData())
    assert offered[1] == str(folder / f"Маршруты {month}.pdf")
    issued = routes.list_routes(demo_db, month=month, status=routes.RouteFilter.ISSUED).total
    month_pdf = folder / f"Маршруты {month}.pdf"
    assert page.message.text() == f"Маршрутов в файле: {issued} — {month_pdf}"
    export = tmp_path / "export"
    export.mkdir()
    save_settings(demo_db, replace(load_settings(demo_db), export_folder=str(export)))
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    assert Path(offered[2]).parent == export


def test_month_filter_and_registry_filters_are_remembered_between_runs(
    qtbot: QtBot, demo_db: Database, tmp_path: Path
) -> None:
    first = _open(qtbot, demo_db, tmp_path, "registry")
    registry = first.registry_page
    registry.month_combo.setCurrentIndex(2)
    registry.source_combo.setCurrentIndex(registry.source_combo.findData(Source.EXTRACT))
    month, shown = registry.month_combo.currentData(), registry.model.rowCount()
    first.section_actions[SECTION_KEYS.index("plans")].trigger()
    plans_page = first.plans_page
    plans_page.status_combo.setCurrentIndex(plans_page.status_combo.findData("OPEN"))
    plan_month = plans_page.model.rows[0].month
    plans_page.month_combo.setCurrentIndex(plans_page.month_combo.findData(plan_month))
    open_plans = plans_page.model.rowCount()
    assert open_plans > 0
    first.close()

    second = _open(qtbot, demo_db, tmp_path, "registry")
    page = second.registry_page
    assert page.month_combo.currentData() == month
    assert page.source_combo.currentText() == Source.EXTRACT.code
    assert page.model.rowCount() == shown
    assert second.counts_label.text().endswith(f"показано: {shown}")
    second.section_actions[SECTION_KEYS.index("plans")].trigger()
    assert second.plans_page.month_combo.currentData() == plan_month
    assert second.plans_page.status_combo.currentText() == "реализуются"
    assert set(_column(second.plans_page, "Состояние")) == {"реализуется"}
    assert second.plans_page.model.rowCount() == open_plans
