"""Opening a database on a PostgreSQL server for the window (issue #15): the server's own
password comes from the credential store (db/server.py); when people on that database have
passwords, whoever starts the program signs in as themself."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.services import access
from app.services.server_settings import shown_url
from db.session import Database
from ui.errors import APP_TITLE


def open_server_for_window(url: str, parent: QWidget | None = None) -> Database | None:
    """The server database, signed in when its users have passwords (IC_USER/IC_PASSWORD,
    else the dialog); None when the dialog is left. Connection failures are ``UserError``."""
    database = access.open_server_database(url)
    try:
        required = access.server_sign_in_required(database)
    except BaseException:
        database.close()
        raise
    if not required:
        return database
    given = access.credentials_from_environment()
    if given is not None:
        return access.sign_in_on_server(database, *given)
    database.close()
    dialog = ServerSignInDialog(url, parent)
    return dialog.database if dialog.exec() == QDialog.DialogCode.Accepted else None


class ServerSignInDialog(QDialog):
    """Login and password of a person of the server database (not the server's account)."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.database: Database | None = None
        self.setWindowTitle(f"Вход — {APP_TITLE}")
        self.login_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        form = QFormLayout()
        form.addRow("Имя пользователя:", self.login_edit)
        form.addRow("Пароль:", self.password_edit)
        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton("Войти", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton("Выход", QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._sign_in)
        cancel.clicked.connect(self.reject)
        where = QLabel(f"База данных на сервере: {shown_url(url)}")
        where.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _sign_in(self) -> None:
        try:
            database = access.open_server_database(self.url)
            self.database = access.sign_in_on_server(
                database, self.login_edit.text(), self.password_edit.text()
            )
        except UserError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()
