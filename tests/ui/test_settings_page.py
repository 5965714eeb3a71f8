"""«Настройки» (issue #12): filled with real keys and buttons, read back from the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app import clock
from app.services import calendar, profile
from app.services.settings import load_settings
from db.session import Database
from ui.main_window import SECTION_KEYS, MainWindow

TODAY = date(2026, 11, 23)


def _window(qtbot: QtBot, db: Database, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.nav.setCurrentRow(SECTION_KEYS.index("settings"))
    return window


def test_the_settings_page_saves_profile_organisation_zone_and_calendar(
    qtbot: QtBot, db: Database, tmp_path: Path, type_text: Callable[[QWidget, str], None]
) -> None:
    window = _window(qtbot, db, tmp_path)
    page = window.settings_page
    assert window.pages.currentWidget() is page
    page.full_name.clear()
    type_text(page.full_name, "Петрова Анна Сергеевна")
    type_text(page.position, "специалист по социальной работе")
    type_text(page.org_name, "АУСОН ТО «КЦСОН Ялуторовского района»")
    type_text(page.org_address, "г. Ялуторовск, ул. Революции, д. 1")
    qtbot.keyClicks(page.org_postcode, "62705")  # five digits: refused
    type_text(page.org_phone, "8 (34535) 2-22-22")
    page.time_zone.setFocus()
    qtbot.keyClick(page.time_zone, Qt.Key.Key_Down)  # Москва
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "Почтовый индекс — шесть цифр" in page.message.text()
    assert load_settings(db).provider_name == ""  # nothing saved

    qtbot.keyClicks(page.org_postcode, "0")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "Настройки сохранены."
    saved = load_settings(db)
    assert saved.provider_name == "АУСОН ТО «КЦСОН Ялуторовского района»"
    assert (saved.provider_postcode, saved.time_zone) == ("627050", "Europe/Moscow")
    assert clock.time_zone().key == "Europe/Moscow"  # applied at once
    me = profile.get_profile(db)
    assert (me.full_name, me.position) == (
        "Петрова Анна Сергеевна",
        "специалист по социальной работе",
    )
    assert me.organisation == saved.provider_name  # the "developed by" line of Appendices 2, 3

    # A regional day off, then taken back.
    page.override_day.setDate(QDate(2026, 12, 31))
    type_text(page.override_note, "распоряжение Губернатора")
    qtbot.mouseClick(page.add_override_button, Qt.MouseButton.LeftButton)
    (override,) = calendar.list_overrides(db)
    assert (override.day, override.is_working, override.note) == (
        date(2026, 12, 31),
        False,
        "распоряжение Губернатора",
    )
    assert page.overrides.item(0, 0).text() == "31.12.2026"
    page.overrides.selectRow(0)
    qtbot.mouseClick(page.remove_override_button, Qt.MouseButton.LeftButton)
    assert calendar.list_overrides(db) == []
