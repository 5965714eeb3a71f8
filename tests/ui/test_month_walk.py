"""A whole month in the main window at office and Full HD sizes (issue #12, «Done when»).

The walk: an extract imported through the wizard, the informing call, the route issued,
the plan, the post batch printed, its ШПИ typed the next morning in a window started again,
the month's registry (Appendix 1) and the half-year's report (Appendix 4) saved and read
back. Every step presses the window's real buttons and keys and leaves a screenshot in
``tmp_path/"walk"``; with ``IC_SCREENSHOTS=<folder>`` set, also in that folder (that is how
docs/screenshots/ is rebuilt: ``IC_SCREENSHOTS=docs/screenshots pytest
tests/ui/test_month_walk.py``).
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QToolBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app import clock
from app.demo.extract import write_demo_extract
from app.demo.generator import generate_demo
from app.domain.enums import DeliveryMethod
from app.domain.tracking import generate_tracking_number
from app.services import citizens
from app.services.registry_grid import COLUMN_KEYS
from db import models
from db.session import Database, open_database
from ui.call_dialog import CallDialog
from ui.import_wizard import ImportWizard
from ui.main_window import SECTIONS, MainWindow, MonthDialog
from ui.plan_dialog import PlanDialog
from ui.route_dialog import COL_SERVICE, RouteDialog

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
OFFICE = (1366, 768)
FULL_HD = (1920, 1080)


# --- screenshots ---------------------------------------------------------------------------


def _shot(widget: QWidget, folder: Path, name: str, *, docs_scale: float = 1.0) -> Path:
    """Save ``widget`` as ``folder/name.png``; with IC_SCREENSHOTS set, also there (scaled
    by ``docs_scale``: the Full HD pictures are halved to keep the repository small)."""
    QApplication.processEvents()
    image = widget.grab().toImage()
    assert not image.isNull() and image.width() > 100
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert image.save(str(path))
    docs = os.environ.get("IC_SCREENSHOTS")
    if docs:
        Path(docs).mkdir(parents=True, exist_ok=True)
        if docs_scale != 1.0:
            image = image.scaledToWidth(
                round(image.width() * docs_scale), Qt.TransformationMode.SmoothTransformation
            )
        assert image.save(str(Path(docs) / f"{name}.png"))
    return path


def _fits(window: MainWindow, size: tuple[int, int]) -> None:
    """Nothing forced the window beyond ``size``: neither its size nor what it needs."""
    width, height = size
    assert (window.width(), window.height()) == (width, height)
    assert window.frameGeometry().width() <= width + 20  # no frame offscreen; a few px elsewhere
    hint = window.minimumSizeHint()
    assert hint.width() <= width and hint.height() <= height, (hint.width(), hint.height())


def _dialog_fits(dialog: QWidget) -> None:
    """A dialog opened from the window fits a 1366x768 screen less a taskbar of 40 px."""
    least = dialog.minimumSize().expandedTo(dialog.minimumSizeHint())
    assert least.width() <= 1366 and least.height() <= 728, (least.width(), least.height())
    assert dialog.width() <= 1366 and dialog.height() <= 728, (dialog.width(), dialog.height())


# --- driving the window ----------------------------------------------------------------------


def _click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget
    if isinstance(widget, QRadioButton):  # on its circle: a wide button is blank on the right
        qtbot.mouseClick(widget, LEFT, pos=QPoint(8, widget.height() // 2))
        assert widget.isChecked()
    else:
        qtbot.mouseClick(widget, LEFT)


def _keys(widget: QWidget) -> QWindow:
    """Keys through the window, as from the keyboard: Qt 6 matches shortcuts there."""
    handle = widget.windowHandle()
    assert handle is not None
    return handle


def _activate(qtbot: QtBot, widget: QWidget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=5000)


def _shortcut(qtbot: QtBot, widget: QWidget, key: Qt.Key) -> None:
    """Ctrl+``key`` pressed in ``widget``'s window, made the active one first (a dialog
    just closed hands the focus back)."""
    _activate(qtbot, widget)
    qtbot.keyClick(_keys(widget), key, CTRL)


def _open_window(qtbot: QtBot, db: Database, tmp_path: Path, size: tuple[int, int]) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", settings=settings)  # today: the clock's
    qtbot.addWidget(window)
    window.resize(*size)
    with qtbot.waitExposed(window):
        window.show()
    _activate(qtbot, window)
    task = window._deadline_task
    if task is not None:
        qtbot.waitUntil(lambda: not task.running, timeout=20_000)
    return window


def _dialog(window: MainWindow, kind: type[Any]) -> Any:
    (dialog,) = [d for d in window.findChildren(kind) if d.isVisible()]
    return dialog


def _toolbar_button(window: MainWindow, action: Any) -> QWidget:
    (toolbar,) = window.findChildren(QToolBar)
    button = toolbar.widgetForAction(action)
    assert button is not None
    return button


def _answer_month(qtbot: QtBot, month: str) -> list[str]:
    """The next «Отчетный месяц» question is answered with ``month`` and «OK»; returns the
    months it offered."""
    offered: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, MonthDialog):
            QTimer.singleShot(10, answer)
            return
        offered.extend(box.combo.itemData(i) for i in range(box.combo.count()))
        box.combo.setFocus()
        while box.combo.currentData() != month:  # arrow keys, as the consultant would
            qtbot.keyClick(box.combo, Qt.Key.Key_Down)
        buttons = box.findChild(QDialogButtonBox)
        assert buttons is not None
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, LEFT)

    QTimer.singleShot(0, answer)
    return offered


def _save_as(monkeypatch: pytest.MonkeyPatch, path: Path, chosen: str = "") -> list[str]:
    """The system's save dialog answers ``path``; the titles it was asked with are returned."""
    asked: list[str] = []

    def answer(parent: QWidget, title: str, *args: Any, **kwargs: Any) -> tuple[str, str]:
        asked.append(title)
        return str(path), chosen

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return asked


def _click_cell(
    qtbot: QtBot, table: QTableWidget, row: int, column: int, *, double: bool = False
) -> None:
    item = table.item(row, column)
    assert item is not None
    table.scrollToItem(item)
    centre = table.visualItemRect(item).center()
    qtbot.mouseClick(table.viewport(), LEFT, pos=centre)
    if double:
        qtbot.mouseDClick(table.viewport(), LEFT, pos=centre)


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _sheet_texts(path: Path) -> list[list[str]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]


# --- 1. the whole month ---------------------------------------------------------------------


def test_a_whole_month_in_the_window_at_1366_by_768(
    qtbot: QtBot,
    db: Database,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    type_text: Callable[[QWidget, str], None],
    unsaved_box: Any,
) -> None:
    walk = tmp_path / "walk"
    today = clock.today()
    assert today == date(2026, 11, 23)
    window = _open_window(qtbot, db, tmp_path, OFFICE)
    _fits(window, OFFICE)

    # a. The month's extract (received in November up to today) through the wizard, Ctrl+I.
    extract = write_demo_extract(tmp_path / "Выписка ноябрь.xlsx", 20, seed=12, month=(2026, 11))
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(extract.path), "Выписка (*.xlsx)")
    )
    _shortcut(qtbot, window, Qt.Key.Key_I)
    wizard = _dialog(window, ImportWizard)
    (browse,) = [b for b in wizard.findChildren(QPushButton) if b.text() == "Выбрать…"]
    _click(qtbot, browse)
    assert wizard.path_edit.text() == str(extract.path)
    _click(qtbot, wizard.next_button)  # «Проверить файл >»
    qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: wizard.next_button.isEnabled(), timeout=20_000)
    assert wizard.problems_table.rowCount() == len(extract.bad_rows)  # the planted mistakes
    _dialog_fits(wizard)
    _shot(wizard, walk, "month_walk_01_import_check")
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as imported:
        _click(qtbot, wizard.next_button)  # «Загрузить»
    added = imported.args[0].added
    assert added >= 5  # the rest: mistakes and people outside the category
    _click(qtbot, wizard.close_button)
    qtbot.waitUntil(lambda: not wizard.isVisible())
    _shortcut(qtbot, window, Qt.Key.Key_1)  # «Реестр»
    page = window.registry_page
    assert window.pages.currentWidget() is page
    assert page.model.rowCount() == added
    _fits(window, OFFICE)
    _shot(window, walk, "month_walk_01_import")

    # b. A person with a phone, found by the search box and clicked; Ctrl+T, the call.
    phone_col, name_col = COLUMN_KEYS.index("phone"), COLUMN_KEYS.index("name")
    rows = [page.model.grid_row(r) for r in range(page.model.rowCount())]
    person = next(r for r in rows if r.values[phone_col])
    name = person.values[name_col]
    type_text(page.search_edit, name)
    assert page.model.rowCount() == 1
    centre = page.view.visualRect(page.model.index(0, name_col)).center()
    qtbot.mouseClick(page.view.viewport(), LEFT, pos=centre)
    assert page.selected_entry_id() == person.entry_id
    _shortcut(qtbot, window, Qt.Key.Key_T)
    call = _dialog(window, CallDialog)
    _activate(qtbot, call)
    qtbot.keyClick(_keys(call), Qt.Key.Key_F2)  # the call starts
    qtbot.keyClick(_keys(call), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # дозвонились
    for box in (call.told_measures, call.told_organisations, call.told_route):
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Space)
        assert box.isChecked()
    _click(qtbot, call.method_buttons[DeliveryMethod.POST])
    assert call.address_edit.text()  # the address of the extract, confirmed on the phone
    _click(qtbot, call.plan_yes)
    type_text(call.questions_edit, "Оформить парковочное место")
    _dialog_fits(call)
    _shot(call, walk, "month_walk_02_call_dialog")
    qtbot.keyClick(_keys(call), Qt.Key.Key_Return, CTRL)
    assert call.call_result is not None, call.problems_label.text()
    assert call.call_result.informed_now
    qtbot.waitUntil(lambda: not call.isVisible())
    _fits(window, OFFICE)
    _shot(window, walk, "month_walk_02_call")

    # c. Ctrl+M: the route; a service typed in the first row, «Выдать маршрут», «Выдать».
    _shortcut(qtbot, window, Qt.Key.Key_M)
    route = _dialog(window, RouteDialog)
    assert route.table.rowCount() >= 7
    _click_cell(qtbot, route.table, 0, COL_SERVICE, double=True)
    (editor,) = [e for e in route.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    type_text(editor, "Медицинская реабилитация")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    cell = route.table.item(0, COL_SERVICE)
    qtbot.waitUntil(lambda: cell.text() == "Медицинская реабилитация", timeout=2000)
    _dialog_fits(route)
    _shot(route, walk, "month_walk_03_route_dialog")
    unsaved_box.next("Выдать", name="confirm_issue")
    with qtbot.waitSignal(route.issued):
        _click(qtbot, route.issue_button)
    assert unsaved_box.asked[-1].startswith(f"Выдать маршрут: {name}?")
    qtbot.waitUntil(lambda: not route.isVisible())
    _fits(window, OFFICE)
    _shot(window, walk, "month_walk_03_route")

    # d. Ctrl+L: the plan; the family's question came from the call; one more typed.
    _shortcut(qtbot, window, Qt.Key.Key_L)
    plan = _dialog(window, PlanDialog)
    questions = [plan.question_list.item(i).text() for i in range(plan.question_list.count())]
    assert questions == ["Оформить парковочное место"]
    _click(qtbot, plan.add_question_button)
    type_text(plan.question_edit, "Путёвка в санаторий")
    _dialog_fits(plan)
    _shot(plan, walk, "month_walk_04_plan_dialog")
    with qtbot.waitSignal(plan.saved):
        _click(qtbot, plan.save_button)
    _click(qtbot, plan.close_button)
    qtbot.waitUntil(lambda: not plan.isVisible())
    with db.session_factory() as session:
        entry = session.get(models.RegistryEntry, person.entry_id)
        assert entry is not None
        assert entry.informed_on == today and entry.plan_formed_on == today
    _fits(window, OFFICE)
    _shot(window, walk, "month_walk_04_plan")

    # e. «Отправка документов»: «Отметить почтовые», the batch printed to a PDF.
    _shortcut(qtbot, window, Qt.Key.Key_5)
    dispatch = window.dispatch_page
    assert window.pages.currentWidget() is dispatch
    assert [i.entry_id for i in dispatch.items] == [person.entry_id]
    _click(qtbot, dispatch.select_post)
    assert dispatch.checked(DeliveryMethod.POST) == [person.entry_id]
    letters = tmp_path / "Почта 23.11.2026.pdf"
    _save_as(monkeypatch, letters)
    _click(qtbot, dispatch.post_button)
    qtbot.waitUntil(lambda: not dispatch.busy, timeout=60_000)
    assert "Почтовая партия № 1: писем 1" in dispatch.message.text()
    text = _pdf_text(letters)
    surname = name.split()[0]
    assert surname in text or surname.upper() in text.upper()
    _fits(window, OFFICE)
    _shot(window, walk, "month_walk_05_post_batch")
    window.close()
    db.close()

    # f. The next morning the program is started again: the batch takes its ШПИ.
    clock.set_clock(clock.ticking_from(clock.parse_instant("2026-11-24T09:30:00+05:00")))
    next_day = clock.today()
    assert next_day == today + timedelta(days=1)
    reopened = open_database(db_path)
    try:
        window = _open_window(qtbot, reopened, tmp_path, OFFICE)
        _fits(window, OFFICE)  # the size was remembered
        _shortcut(qtbot, window, Qt.Key.Key_5)
        dispatch = window.dispatch_page
        assert dispatch.tabs.tabText(1) == "Почтовые партии (писем ждут ШПИ: 1)"
        bar = dispatch.tabs.tabBar()
        qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(1).center())
        _click_cell(qtbot, dispatch.batches_table, 0, 1)
        assert dispatch.detail is not None and dispatch.detail.number == 1
        (letter,) = dispatch.detail.letters
        assert dispatch.sent_on.text() == "24.11.2026"
        spi = generate_tracking_number(random.Random(3), letter.postcode, next_day.month)
        _click_cell(qtbot, dispatch.batch_table, 0, 2, double=True)
        (editor,) = [
            e for e in dispatch.batch_table.viewport().findChildren(QLineEdit) if e.isVisible()
        ]
        qtbot.keyClicks(editor, spi)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        spi_cell = dispatch.batch_table.item(0, 2)
        qtbot.waitUntil(lambda: spi_cell.text() == spi, timeout=2000)
        _click(qtbot, dispatch.tracking_button)
        assert "Отмечено отправленными: 1." in dispatch.message.text()
        assert dispatch.batch_table.item(0, 3).text() == "отправлено 24.11.2026"
        _fits(window, OFFICE)
        _shot(window, walk, "month_walk_06_tracking_next_day")

        # The registry's columns 9-10: sent on the 24th, by post.
        _shortcut(qtbot, window, Qt.Key.Key_1)
        page = window.registry_page
        type_text(page.search_edit, name)
        assert page.model.rowCount() == 1
        values = page.model.grid_row(0).values
        assert values[COLUMN_KEYS.index("route_sent_on")] == "24.11.2026"
        assert values[COLUMN_KEYS.index("route_method")].startswith("почт")
        card = citizens.load_card(reopened, person.citizen_id)
        assert " ".join(p for p in (card.form.last_name, card.form.first_name) if p) in name

        # g. «Реестр»: the month formed (toolbar) and Appendix 1 saved as XLSX (Ctrl+P).
        offered = _answer_month(qtbot, "2026-11")
        _click(qtbot, _toolbar_button(window, window.form_action))
        assert "2026-11" in offered
        assert "сформирован 24.11.2026" in window.statusBar().currentMessage()
        registry_xlsx = tmp_path / "Реестр 2026-11.xlsx"
        asked = _save_as(monkeypatch, registry_xlsx, "Книга Excel (*.xlsx)")
        _answer_month(qtbot, "2026-11")
        _shortcut(qtbot, window, Qt.Key.Key_P)
        qtbot.waitUntil(lambda: window.last_export is not None, timeout=30_000)
        assert asked == ["Сохранить реестр"]
        assert window.last_export is not None and window.last_export.path == registry_xlsx
        rows_out = _sheet_texts(registry_xlsx)
        entries = [r for r in rows_out if r[0].isdigit() and "." in r[1]]
        assert [r[0] for r in entries] == [str(n) for n in range(1, added + 1)]  # 31-р 3.2
        (line,) = [r for r in entries if r[3] == name]
        # Columns 7-10: informed on the 23rd; the route sent by post on the 24th.
        assert line[6:10] == ["23.11.2026", "имеется", "24.11.2026", "почтовое отправление"]
        page.search_edit.clear()
        _fits(window, OFFICE)
        _shot(window, walk, "month_walk_07_registry")

        # h. «Отчеты»: Appendix 4 for the second half of 2026 as XLSX.
        _shortcut(qtbot, window, Qt.Key.Key_7)
        reports = window.reports_page
        assert window.pages.currentWidget() is reports
        assert reports.half() == "2026H2"
        report_xlsx = tmp_path / "Отчет 2026H2.xlsx"
        _save_as(monkeypatch, report_xlsx)
        _click(qtbot, reports.xlsx_button)
        assert reports.message.text() == f"Отчет сохранен: {report_xlsx}"
        texts = [c for r in _sheet_texts(report_xlsx) for c in r if c]
        assert any("КЦСОН Ялуторовского района" in c for c in texts)
        # Identified in the half-year: the month's people; one route, one plan.
        shown = {
            reports.table.item(r, 0).text(): reports.table.item(r, 1).text() for r in range(14)
        }
        assert shown["3. Выявление: ВСЕГО:"] == str(added)
        assert shown["7. Составление индивидуального реабилитационного маршрута: ВСЕГО:"] == "1"
        assert shown["11. Составление плана комплексного сопровождения: ВСЕГО:"] == "1"
        assert str(added) in texts
        _fits(window, OFFICE)
        _shot(window, walk, "month_walk_08_report")
        assert len(list(walk.glob("month_walk_*.png"))) == 12
        window.close()
    finally:
        reopened.close()


# --- 2. every section at both sizes ---------------------------------------------------------


@pytest.mark.parametrize("size", [OFFICE, FULL_HD], ids=["1366x768", "1920x1080"])
def test_every_section_renders_at_office_and_full_hd_sizes(
    qtbot: QtBot, db: Database, tmp_path: Path, size: tuple[int, int]
) -> None:
    generate_demo(db, 200, seed=12, today=clock.today())
    window = _open_window(qtbot, db, tmp_path, size)
    label = f"{size[0]}x{size[1]}"
    for row, (key, _title) in enumerate(SECTIONS):
        item = window.nav.item(row)
        assert item is not None
        window.nav.scrollToItem(item)
        qtbot.mouseClick(window.nav.viewport(), LEFT, pos=window.nav.visualItemRect(item).center())
        assert window.nav.currentRow() == row
        qtbot.waitUntil(lambda: window.pages.currentIndex() == row)  # noqa: B023
        task = window._deadline_task
        if task is not None:
            qtbot.waitUntil(lambda: not task.running, timeout=20_000)  # noqa: B023
        _fits(window, size)
        _shot(
            window,
            tmp_path / "sections",
            f"{label}_{key}",
            docs_scale=0.5 if size == FULL_HD else 1.0,
        )
        page = window.pages.currentWidget()
        if key == "registry":
            # Appendix 1's fourteen columns and the two working ones are wider than either
            # screen: the grid scrolls sideways, the name and the state stay in view.
            view = window.registry_page.view
            for column in ("number", "name", "status", "next_due"):
                x = view.columnViewportPosition(COLUMN_KEYS.index(column))
                assert 0 <= x < view.viewport().width(), (label, column, x)
        elif size == FULL_HD:
            # Full HD: no list of any other section needs a scroll bar sideways.
            for area in page.findChildren(QAbstractScrollArea):
                if area.isVisible() and area.width() > 300:
                    bar = area.horizontalScrollBar()
                    assert not bar.isVisible(), (key, type(area).__name__, bar.maximum())
