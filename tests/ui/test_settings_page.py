"""«Настройки» (issue #12): filled with real keys and buttons, read back from the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QLineEdit, QWidget
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
    qtbot: QtBot, empty_db: Database, tmp_path: Path, type_text: Callable[[QWidget, str], None]
) -> None:
    db = empty_db  # nothing set up yet
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


def test_the_mail_password_is_kept_in_the_system_store_and_a_test_message_sent(
    qtbot: QtBot,
    db: Database,
    db_path: Path,
    tmp_path: Path,
    memory_keyring: dict[tuple[str, str], str],
    smtp_with_login: tuple[list[Any], list[tuple[str, str]], int],
    type_text: Callable[[QWidget, str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #12: the SMTP password in the Windows Credential Manager (keyring), never in
    the database; «Отправить тестовое письмо» through the server as set on the page."""
    monkeypatch.delenv("IC_SMTP_PASSWORD", raising=False)
    received, tried, port = smtp_with_login
    window = _window(qtbot, db, tmp_path)
    page = window.settings_page
    assert page.smtp_password.placeholderText() == "не сохранён"
    assert not page.forget_password_button.isEnabled()
    type_text(page.smtp_host, "127.0.0.1")
    page.smtp_port.lineEdit().selectAll()
    qtbot.keyClicks(page.smtp_port, str(port))
    page.smtp_security.setFocus()
    qtbot.keyClick(page.smtp_security, Qt.Key.Key_Down)
    qtbot.keyClick(page.smtp_security, Qt.Key.Key_Down)  # без шифрования
    type_text(page.smtp_login, "kcson")
    type_text(page.smtp_sender, "kcson@example.org")
    qtbot.keyClicks(page.smtp_password, "s3cret-Pa55")
    assert page.smtp_password.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "Настройки сохранены."
    assert memory_keyring == {("Integration Consultant SMTP", "kcson@127.0.0.1"): "s3cret-Pa55"}
    assert page.smtp_password.text() == ""  # never shown back
    assert page.smtp_password.placeholderText() == "сохранён"
    assert "сохранён в хранилище паролей системы" in page.password_state.text()
    smtp = load_settings(db).smtp
    assert (smtp.host, smtp.port, smtp.security, smtp.login) == ("127.0.0.1", port, "none", "kcson")

    # The test message goes to the organisation's e-mail with the stored password.
    assert page.test_to.placeholderText() == "kcson@example.org"
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    task = page.test_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running, timeout=20_000)
    assert page.message.text() == (
        f"Тестовое письмо отправлено на kcson@example.org через 127.0.0.1:{port}."
    )
    assert tried == [("kcson", "s3cret-Pa55")]
    (message,) = received
    assert message["To"] == "kcson@example.org"
    assert message["Subject"] == "Проверка почты — Интеграционный консультант"

    # Forgotten: the server refuses, said in words.
    qtbot.mouseClick(page.forget_password_button, Qt.MouseButton.LeftButton)
    assert memory_keyring == {}
    assert page.message.text() == "Пароль почты удалён из хранилища паролей."
    assert page.smtp_password.placeholderText() == "не сохранён"
    type_text(page.test_to, "other@example.org")
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    task = page.test_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running, timeout=20_000)
    assert page.message.text() == (
        "Тестовое письмо не отправлено. Сервер почты не принял имя пользователя или пароль."
    )
    assert len(received) == 1

    # The password never reached the database file.
    window.close()
    db.close()
    assert b"s3cret-Pa55" not in db_path.read_bytes()
