"""Настройки → База данных (issue #15): the file or a PostgreSQL server for this computer,
typed and saved with the page's real buttons; the check of a connection off the UI thread."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import make_url

from app.connection import configured_database, connection_file
from app.domain.enums import UserRole
from app.services import access
from db.server import KEYRING_SERVICE
from db.session import Database
from ui.main_window import SECTION_KEYS, MainWindow
from ui.settings_page import SettingsPage

TODAY = date(2026, 11, 23)
SERVER_PASSWORD = "Пароль-сервера-7"


def _window(qtbot: QtBot, db: Database, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.nav.setCurrentRow(SECTION_KEYS.index("settings"))
    return window


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _type_server(
    page: SettingsPage,
    qtbot: QtBot,
    type_text: Callable[[QWidget, str], None],
    *,
    host: str,
    port: int,
    database: str,
    user: str,
    password: str = "",
) -> None:
    box = page.database_box
    _click(qtbot, box.server_choice)
    assert box.host.isEnabled()
    for edit in (box.host, box.database, box.user, box.password):
        edit.clear()
    type_text(box.host, host)
    box.port.selectAll()
    qtbot.keyClicks(box.port, str(port))
    type_text(box.database, database)
    type_text(box.user, user)
    if password:
        type_text(box.password, password)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def test_saving_a_server_writes_the_choice_without_the_password_and_the_password_to_the_store(
    qtbot: QtBot,
    db: Database,
    tmp_path: Path,
    type_text: Callable[[QWidget, str], None],
    memory_keyring: dict[tuple[str, str], str],
) -> None:
    window = _window(qtbot, db, tmp_path)
    page = window.settings_page
    box = page.database_box
    assert box.isEnabled()
    assert box.file_choice.isChecked() and not box.host.isEnabled()  # nothing chosen yet
    assert "Сейчас открыт файл" in box.current.text()

    _type_server(
        page,
        qtbot,
        type_text,
        host="server.kcson.local",
        port=5433,
        database="ic",
        user="petrova",
        password=SERVER_PASSWORD,
    )
    # verify-full needs the root certificate file: refused, nothing stored.
    box.sslmode.setFocus()
    box.sslmode.setCurrentIndex(box.sslmode.findData("verify-full"))
    assert box.rootcert.isEnabled()
    _click(qtbot, page.save_button)
    assert "Корневой сертификат" in page.message.text()
    assert not connection_file().exists()
    assert memory_keyring == {}

    type_text(box.rootcert, "C:/Сертификаты/ca.pem")
    _click(qtbot, page.save_button)
    assert "Выбран сервер postgresql://petrova@server.kcson.local:5433/ic" in page.message.text()
    assert "следующем запуске" in page.message.text()

    text = connection_file().read_text(encoding="utf-8")
    assert SERVER_PASSWORD not in text
    stored = json.loads(text)["database"]
    url = make_url(stored)
    assert (url.username, url.host, url.port, url.database, url.password) == (
        "petrova",
        "server.kcson.local",
        5433,
        "ic",
        None,
    )
    assert dict(url.query) == {"sslmode": "verify-full", "sslrootcert": "C:/Сертификаты/ca.pem"}
    assert configured_database() == stored
    assert memory_keyring == {
        (KEYRING_SERVICE, "petrova@server.kcson.local:5433/ic"): SERVER_PASSWORD
    }
    assert box.password.text() == ""  # never shown back
    assert box.password.placeholderText() == "сохранён в хранилище паролей системы"

    # Back to the file on this computer: the choice is gone, the stored password stays.
    _click(qtbot, box.file_choice)
    assert not box.host.isEnabled()
    _click(qtbot, page.save_button)
    assert "Выбран файл базы на этом компьютере" in page.message.text()
    assert configured_database() is None
    window.close()


def test_a_page_reopened_shows_the_saved_server(
    qtbot: QtBot,
    db: Database,
    tmp_path: Path,
    type_text: Callable[[QWidget, str], None],
    memory_keyring: dict[tuple[str, str], str],
) -> None:
    window = _window(qtbot, db, tmp_path)
    page = window.settings_page
    _type_server(
        page, qtbot, type_text, host="10.0.0.5", port=5432, database="centre", user="ivanova"
    )
    _click(qtbot, page.save_button)
    assert configured_database() == "postgresql://ivanova@10.0.0.5:5432/centre"
    window.close()
    again = SettingsPage(db)
    qtbot.addWidget(again)
    box = again.database_box
    assert box.server_choice.isChecked()
    assert (box.host.text(), box.port.value(), box.database.text(), box.user.text()) == (
        "10.0.0.5",
        5432,
        "centre",
        "ivanova",
    )
    assert box.password.placeholderText() == "не сохранён"
    assert memory_keyring == {}


def test_a_missing_field_is_named_and_nothing_is_saved(
    qtbot: QtBot, db: Database, tmp_path: Path, type_text: Callable[[QWidget, str], None]
) -> None:
    window = _window(qtbot, db, tmp_path)
    page = window.settings_page
    _type_server(page, qtbot, type_text, host="server", port=5432, database="", user="petrova")
    _click(qtbot, page.save_button)
    assert page.message.text().endswith("База данных: укажите имя базы на сервере.")
    assert not connection_file().exists()
    _click(qtbot, page.database_box.check_button)
    assert page.database_box.result.text() == "База данных: укажите имя базы на сервере."
    window.close()


def test_check_against_a_closed_port_says_the_one_line_error(
    qtbot: QtBot, db: Database, tmp_path: Path, type_text: Callable[[QWidget, str], None]
) -> None:
    window = _window(qtbot, db, tmp_path)
    page = window.settings_page
    box = page.database_box
    port = _closed_port()
    _type_server(page, qtbot, type_text, host="127.0.0.1", port=port, database="ic", user="x")
    _click(qtbot, box.check_button)
    task = box.check_task
    assert task is not None
    assert not box.check_button.isEnabled()  # one check at a time
    qtbot.waitUntil(lambda: not task.running, timeout=20_000)
    said = box.result.text()
    assert said == (
        f"Не удаётся подключиться к серверу базы данных postgresql://x@127.0.0.1:{port}/ic: "
        "сервер недоступен. Проверьте адрес и порт, подключение к сети и что сервер "
        "PostgreSQL запущен."
    )
    assert "\n" not in said
    assert box.check_button.isEnabled()
    assert not connection_file().exists()  # a check saves nothing
    window.close()


@pytest.mark.skipif(not os.environ.get("IC_TEST_POSTGRES_URL"), reason="IC_TEST_POSTGRES_URL")
def test_check_against_a_real_server_says_it_connected(
    qtbot: QtBot,
    db: Database,
    tmp_path: Path,
    type_text: Callable[[QWidget, str], None],
    memory_keyring: dict[tuple[str, str], str],
    postgres_db: Database,
) -> None:
    server = make_url(os.environ["IC_TEST_POSTGRES_URL"])
    migrated = make_url(postgres_db.url or "")  # a database of the program, at the head
    window = _window(qtbot, db, tmp_path)
    page = window.settings_page
    box = page.database_box
    _type_server(
        page,
        qtbot,
        type_text,
        host=server.host or "",
        port=server.port or 5432,
        database=migrated.database or "",
        user=server.username or "",
        password=server.password or "",
    )
    box.sslmode.setCurrentIndex(box.sslmode.findData("disable"))
    _click(qtbot, box.check_button)
    task = box.check_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running, timeout=30_000)
    said = box.result.text()
    assert said.startswith(
        f"Подключение к postgresql://{server.username}@{server.host}:{server.port}/"
        f"{migrated.database} установлено: PostgreSQL "
    ), said
    assert said.endswith("— текущая."), said
    assert not connection_file().exists()
    window.close()


def test_only_a_supervisor_chooses_the_database(
    qtbot: QtBot, tmp_path: Path, memory_keyring: dict[tuple[str, str], str]
) -> None:
    path = tmp_path / "ic.sqlite"
    created = access.create_database(path, "petrova", "пароль-руководителя-1", "Петрова А. С.")
    access.add_user(
        created.database, "ivanova", "Иванова И. И.", UserRole.CONSULTANT, "consultant-1"
    )
    created.database.close()
    consultant = access.sign_in(path, "ivanova", "consultant-1")
    try:
        page = SettingsPage(consultant)
        qtbot.addWidget(page)
        box = page.database_box
        assert not box.isEnabled()
        assert not box.check_button.isEnabled()
        assert "выбор базы данных меняет руководитель" in page.message.text()
        _click(qtbot, page.save_button)  # saves the consultant's own profile only
        assert not connection_file().exists()
    finally:
        consultant.close()
