"""Issue #12: a route is not issued and Appendix 4 is not saved while the consultant's or
the organisation's details they print are blank; the message opens «Настройки»."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QTableWidgetItem, QWidget
from pytestqt.qtbot import QtBot

from app.domain.enums import (
    Callee,
    CallOutcome,
    DeliveryMethod,
    DisabilityGroup,
    MeasureKind,
    Source,
)
from app.services import citizens, informing, routes
from app.services.citizens import CitizenForm
from app.services.informing import CallDraft
from db.session import Database
from ui.main_window import MainWindow
from ui.profile_guard import BOX_NAME, OPEN_SETTINGS
from ui.route_dialog import COL_SERVICE, RouteDialog

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)


def _click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _window(qtbot: QtBot, db: Database, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.show()
    task = window._deadline_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running)
    return window


def _informed_entry(db: Database) -> int:
    """A person whose route may be issued: in the registry and informed (31-р 4.1)."""
    form = CitizenForm(
        last_name="Соколова",
        first_name="Анна",
        middle_name="Петровна",
        birth_date="12.03.1971",
        phone="+79123456789",
        actual_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
        postcode="625000",
        district="г. Тюмень",
        group=DisabilityGroup.GROUP_I,
        established_on="01.10.2026",
        first_time=True,
        selfcare_degree=2,
        movement_degree=0,
        behaviour_degree=0,
        ipra_number="123/2026",
        ipra_issued_on="05.10.2026",
        measures=(MeasureKind.MEDICAL, MeasureKind.SOCIAL),
    )
    entry_id = citizens.save_citizen(db, form, source=Source.WALK_IN, today=TODAY).entry_id
    assert entry_id is not None
    informing.record_call(
        db,
        CallDraft(
            entry_id=entry_id,
            callee=Callee.CITIZEN,
            phone="+79123456789",
            started_at=NOW,
            duration_seconds=240,
            outcome=CallOutcome.REACHED,
            told_measures=True,
            told_organisations=True,
            told_route=True,
            delivery_method=DeliveryMethod.POST,
            delivery_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
            plan_needed=False,
        ),
        NOW,
    )
    return entry_id


def test_a_route_is_not_issued_without_the_details_and_settings_open(
    qtbot: QtBot,
    empty_db: Database,
    tmp_path: Path,
    unsaved_box: object,
    type_text: Callable[[QWidget, str], None],
) -> None:
    db = empty_db
    entry_id = _informed_entry(db)
    window = _window(qtbot, db, tmp_path)
    dialog = RouteDialog(db, entry_id, today=TODAY, parent=window)
    dialog.open()
    dialog.table.setItem(0, COL_SERVICE, QTableWidgetItem("Медицинская реабилитация"))

    # «Закрыть»: the editor stays, the draft is kept, nothing is issued.
    unsaved_box.next("Закрыть", name=BOX_NAME)  # type: ignore[attr-defined]
    _click(qtbot, dialog.issue_button)
    (asked,) = unsaved_box.asked  # type: ignore[attr-defined]
    assert asked == (
        "Нельзя выдать маршрут: в настройках не заполнены: Ф.И.О. специалиста, должность "
        "специалиста, наименование организации, телефон специалиста."
    )
    assert dialog.isVisible() and "Маршрут не выдан" in dialog.message.text()
    route = routes.current_route(db, dialog.draft.citizen_id)
    assert route is not None and route.status == "DRAFT"

    # «Открыть настройки»: the editor closes, the window shows «Настройки».
    unsaved_box.next(OPEN_SETTINGS, name=BOX_NAME)  # type: ignore[attr-defined]
    _click(qtbot, dialog.issue_button)
    assert not dialog.isVisible()
    assert window.pages.currentWidget() is window.settings_page
    route = routes.current_route(db, dialog.draft.citizen_id)
    assert route is not None and route.status == "DRAFT"

    page = window.settings_page
    page.full_name.clear()
    type_text(page.full_name, "Петрова Анна Сергеевна")
    type_text(page.position, "специалист по социальной работе")
    type_text(page.phone, "+7 (34535) 2-22-22")
    type_text(page.org_name, "АУСОН ТО «КЦСОН Ялуторовского района»")
    _click(qtbot, page.save_button)
    assert page.message.text() == "Настройки сохранены."

    again = RouteDialog(db, entry_id, today=TODAY, parent=window)
    again.open()
    unsaved_box.next("Выдать", name="confirm_issue")  # type: ignore[attr-defined]
    with qtbot.waitSignal(again.issued):
        _click(qtbot, again.issue_button)
    route = routes.current_route(db, again.draft.citizen_id)
    assert route is not None and route.status == "ISSUED"
    # No settings box this time: only the confirmation of the issue.
    assert len(unsaved_box.asked) == 3  # type: ignore[attr-defined]
    assert unsaved_box.asked[-1].startswith("Выдать маршрут: ")  # type: ignore[attr-defined]


def test_appendix_4_is_not_saved_without_the_organisation(
    qtbot: QtBot,
    empty_db: Database,
    tmp_path: Path,
    unsaved_box: object,
    monkeypatch: pytest.MonkeyPatch,
    type_text: Callable[[QWidget, str], None],
) -> None:
    db = empty_db
    window = _window(qtbot, db, tmp_path)
    window.show_section("reports")
    page = window.reports_page
    out = tmp_path / "Отчет.xlsx"
    asked_for_a_file: list[str] = []

    def save_name(*_args: object, **_kwargs: object) -> tuple[str, str]:
        asked_for_a_file.append("yes")
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    unsaved_box.next(OPEN_SETTINGS, name=BOX_NAME)  # type: ignore[attr-defined]
    _click(qtbot, page.xlsx_button)
    assert unsaved_box.asked == [  # type: ignore[attr-defined]
        "Нельзя выгрузить отчёт (приложение 4): в настройках не заполнено: "
        "наименование организации."
    ]
    assert asked_for_a_file == [] and not out.exists()
    assert window.pages.currentWidget() is window.settings_page

    type_text(window.settings_page.org_name, "АУСОН ТО «КЦСОН Ялуторовского района»")
    _click(qtbot, window.settings_page.save_button)
    window.show_section("reports")
    _click(qtbot, page.xlsx_button)
    assert asked_for_a_file == ["yes"] and out.exists()
    assert page.message.text() == f"Отчет сохранен: {out}"


def test_letters_are_not_printed_without_the_details_and_settings_open(
    qtbot: QtBot,
    empty_db: Database,
    tmp_path: Path,
    unsaved_box: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #12: envelopes had no sender and letters no signature."""
    db = empty_db
    entry_id = _informed_entry(db)
    draft = routes.propose_route(db, entry_id)
    first, *rest = draft.lines
    lines = (replace(first, service_name="Медицинская реабилитация"), *rest)
    route_id = routes.save_route_draft(db, replace(draft, lines=lines), TODAY)
    routes.issue_route(db, route_id, TODAY)
    window = _window(qtbot, db, tmp_path)
    window.show_section("dispatch")
    page = window.dispatch_page
    page.refresh()
    asked_for_a_file: list[str] = []

    def save_name(*_args: object, **_kwargs: object) -> tuple[str, str]:
        asked_for_a_file.append("yes")
        return str(tmp_path / "Почта.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    _click(qtbot, page.select_post)
    assert page.checked(DeliveryMethod.POST) == [entry_id]
    unsaved_box.next(OPEN_SETTINGS, name=BOX_NAME)  # type: ignore[attr-defined]
    _click(qtbot, page.post_button)
    (asked,) = unsaved_box.asked  # type: ignore[attr-defined]
    assert asked.startswith("Нельзя напечатать письма: в настройках не заполнены: ")
    assert asked_for_a_file == [] and not (tmp_path / "Почта.pdf").exists()
    assert window.pages.currentWidget() is window.settings_page
