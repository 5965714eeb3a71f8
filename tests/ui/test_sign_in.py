"""Sign-in and first start in the window (issue #10), driven with real keys and clicks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.services import access
from db.keystore import keystore_path
from ui.lock import COVER_COLOUR
from ui.sign_in import FirstUserDialog, RecoveryKeyDialog, SignInDialog


@pytest.fixture
def encrypted(tmp_path: Path) -> Path:
    path = tmp_path / "ic.sqlite"
    created = access.create_database(path, "petrova", "right-password", "Петрова А. С.")
    created.database.close()
    return path


def test_sign_in_refuses_a_wrong_password_then_opens(qtbot: QtBot, encrypted: Path) -> None:
    dialog = SignInDialog(encrypted)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.login_edit, "petrova")
    qtbot.keyClicks(dialog.password_edit, "wrong-password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.database is None
    assert "Неверное имя пользователя или пароль" in dialog.error_label.text()
    assert dialog.password_edit.text() == ""
    qtbot.keyClicks(dialog.password_edit, "right-password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.database is not None and dialog.database.encrypted
    assert access.role_of(dialog.database).label == "руководитель"
    dialog.database.close()


def test_first_start_creates_an_encrypted_database_and_shows_the_key_once(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "new" / "ic.sqlite"
    dialog = FirstUserDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setFocus()
    dialog.name_edit.insert("Петрова Анна Сергеевна")  # QTest cannot synthesise Cyrillic keys
    qtbot.keyClicks(dialog.login_edit, "petrova")
    qtbot.keyClicks(dialog.password_edit, "petrova-pass")
    qtbot.keyClicks(dialog.repeat_edit, "other-pass")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "не совпадают" in dialog.error_label.text() and not path.exists()
    dialog.repeat_edit.clear()
    qtbot.keyClicks(dialog.repeat_edit, "petrova-pass")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.created is not None
    assert keystore_path(path).exists()
    assert not path.read_bytes().startswith(b"SQLite format 3")

    database = dialog.created.database
    keys = RecoveryKeyDialog(database, dialog.created.recovery_key)
    qtbot.addWidget(keys)
    keys.show()
    assert keys.key_label.text() == dialog.created.recovery_key
    copy = next(b for b in keys.findChildren(type(keys.save_button)) if b.text() == "Копировать")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.created.recovery_key
    sheet = tmp_path / "Ключ восстановления.pdf"
    keys.save_sheet(sheet)  # the file dialog's answer
    assert sheet.read_bytes().startswith(b"%PDF")
    qtbot.mouseClick(keys.done_button, Qt.MouseButton.LeftButton)
    assert keys.result() == QDialog.DialogCode.Accepted
    database.close()


def test_idle_window_locks_covers_open_dialogs_and_unlocks_with_the_password(
    qtbot: QtBot, encrypted: Path, tmp_path: Path
) -> None:
    from PySide6.QtCore import QSettings

    from app.services.settings import load_settings, save_settings
    from ui.main_window import MainWindow

    database = access.sign_in(encrypted, "petrova", "right-password")
    save_settings(database, replace(load_settings(database), auto_lock_minutes=1))
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(database, tmp_path / "ic.log", settings=settings)
    qtbot.addWidget(window)
    window.show()
    lock = window.idle_lock
    assert lock is not None and lock.minutes == 1 and not lock.locked
    lock.minutes = 0.01  # 0.6 s instead of a minute
    qtbot.waitUntil(lambda: lock.locked, timeout=5_000)
    cover = lock.asking_cover
    assert cover.isVisible() and cover.geometry() == window.rect()
    # Opaque: nothing of the window shows through (corners and the grid area).
    image = window.grab().toImage()
    for x, y in ((5, 5), (window.width() // 4, window.height() // 2), (window.width() - 5, 40)):
        assert image.pixelColor(x, y).name() == COVER_COLOUR, (x, y)
    assert cover.password_edit is not None
    qtbot.keyClicks(cover.password_edit, "wrong-password")
    qtbot.keyClick(cover.password_edit, Qt.Key.Key_Return)
    assert lock.locked and "Неверн" in cover.error_label.text()
    qtbot.keyClicks(cover.password_edit, "right-password")
    qtbot.mouseClick(cover.unlock_button, Qt.MouseButton.LeftButton)
    assert not lock.locked
    lock.minutes = 0
    window.close()
    database.close()


def test_qt_texts_are_russian(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.app import install_translations

    app = QApplication.instance()
    assert app is not None
    translator = install_translations(app)
    assert translator is not None
    try:
        box = QMessageBox(QMessageBox.Icon.Question, "t", "?", QMessageBox.StandardButton.Yes)
        qtbot.addWidget(box)
        button = box.button(QMessageBox.StandardButton.Yes)
        assert button is not None and button.text().replace("&", "") == "Да"
    finally:
        app.removeTranslator(translator)


def test_a_database_failure_in_the_window_is_a_message_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    import sys

    from sqlalchemy.exc import OperationalError

    from ui import errors

    shown: list[str] = []
    crashed: list[BaseException] = []
    monkeypatch.setattr(errors, "show_user_error", lambda _parent, exc: shown.append(str(exc)))
    monkeypatch.setattr(
        errors, "crash_dialog", lambda *args: crashed.append(args[2]) or pytest.fail("crash")
    )
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors.install_excepthook(tmp_path / "ic.log")
    full = OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))
    sys.excepthook(OperationalError, full, None)
    assert len(shown) == 1 and "Недостаточно места на диске" in shown[0] and not crashed
