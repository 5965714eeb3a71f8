"""Sign-in at start, the first user of a new database, and the recovery key shown once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.services import access, backups
from db.session import Database
from ui.errors import APP_TITLE


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00020;")
    label.hide()
    return label


class CredentialsDialog(QDialog):
    """Login and password of a person of the database named by ``where``; ``sign_in``
    returns the database opened as that person or raises ``UserError``."""

    def __init__(
        self,
        where: str,
        sign_in: Callable[[str, str], Database],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._sign_in_as = sign_in
        self.database: Database | None = None
        self.setWindowTitle(f"Вход — {APP_TITLE}")
        self.login_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = _error_label()
        form = QFormLayout()
        form.addRow("Имя пользователя:", self.login_edit)
        form.addRow("Пароль:", self.password_edit)
        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton("Войти", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton("Выход", QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._sign_in)
        cancel.clicked.connect(self.reject)
        label = QLabel(where)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _sign_in(self) -> None:
        try:
            self.database = self._sign_in_as(self.login_edit.text(), self.password_edit.text())
        except UserError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()


class SignInDialog(CredentialsDialog):
    """An encrypted file: the database opens only when the password unwraps its key."""

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        self.db_path = db_path
        super().__init__(
            f"База данных: {db_path.name}",
            lambda login, password: access.sign_in(db_path, login, password),
            parent,
        )


class FirstUserDialog(QDialog):
    """A new database: its first user (the supervisor) and the password that encrypts it."""

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.created: access.NewDatabase | None = None
        self.setWindowTitle(f"Первый запуск — {APP_TITLE}")
        intro = QLabel(
            "Новая база данных будет зашифрована. Укажите руководителя — первого "
            "пользователя: он добавит остальных. Пароль — не меньше "
            f"{access.MIN_PASSWORD} символов."
        )
        intro.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.login_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.repeat_edit = QLineEdit()
        for edit in (self.password_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = _error_label()
        form = QFormLayout()
        form.addRow("Ф.И.О.:", self.name_edit)
        form.addRow("Имя пользователя:", self.login_edit)
        form.addRow("Пароль:", self.password_edit)
        form.addRow("Пароль ещё раз:", self.repeat_edit)
        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton(
            "Создать базу", QDialogButtonBox.ButtonRole.AcceptRole
        )
        cancel = buttons.addButton("Выход", QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._create)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _create(self) -> None:
        if self.password_edit.text() != self.repeat_edit.text():
            self._show("Пароли не совпадают.")
            return
        try:
            self.created = access.create_database(
                self.db_path,
                self.login_edit.text(),
                self.password_edit.text(),
                self.name_edit.text(),
            )
        except UserError as exc:
            self._show(str(exc))
            return
        self.accept()

    def _show(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


class RecoveryKeyDialog(QDialog):
    """The recovery key, shown once: copy it, save the sheet to print, confirm it is kept."""

    def __init__(self, database: Database, recovery_key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.database = database
        self.recovery_key = recovery_key
        self.saved_to: Path | None = None
        self.setWindowTitle(f"Ключ восстановления — {APP_TITLE}")
        text = QLabel(
            "Ключ восстановления открывает базу, если все пароли забыты. Он показывается "
            "один раз: распечатайте лист с ключом и храните его в сейфе."
        )
        text.setWordWrap(True)
        self.key_label = QLabel(recovery_key)
        font = QFont("monospace")
        font.setPointSize(14)
        self.key_label.setFont(font)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy = QPushButton("Копировать")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.recovery_key))
        self.save_button = QPushButton("Сохранить лист для печати (PDF)…")
        self.save_button.clicked.connect(self._save)
        self.done_button = QPushButton("Ключ сохранён, продолжить")
        self.done_button.clicked.connect(self._done)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.key_label)
        layout.addWidget(copy)
        layout.addWidget(self.save_button)
        layout.addWidget(self.done_button)

    def _save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Лист с ключом восстановления", "Ключ_восстановления.pdf", "PDF (*.pdf)"
        )
        if name:
            self.save_sheet(Path(name))

    def save_sheet(self, out: Path) -> None:
        try:
            access.write_recovery_sheet(self.database, self.recovery_key, out)
        except UserError as exc:
            QMessageBox.warning(self, APP_TITLE, str(exc))
            return
        self.saved_to = out

    def _done(self) -> None:
        if self.saved_to is None:
            answer = QMessageBox.question(
                self,
                APP_TITLE,
                "Лист с ключом не сохранён. Вы записали ключ? Без него забытый пароль "
                "не восстановить.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.accept()


def open_for_window(db_path: Path, parent: QWidget | None = None) -> Database | None:
    """The database the window works on, after sign-in or first start; None if cancelled.

    The first start of a day backs the database up (app/services/backups.py).
    """
    database = _open_for_window(db_path, parent)
    if database is not None:
        try:
            backups.backup_at_start(database)
        except UserError as exc:
            QMessageBox.warning(parent, APP_TITLE, f"Резервная копия не создана: {exc}")
    return database


def _open_for_window(db_path: Path, parent: QWidget | None) -> Database | None:
    from db.session import open_database

    given = access.credentials_from_environment()
    if access.is_encrypted(db_path):
        if given is not None:
            return access.sign_in(db_path, *given)
        dialog = SignInDialog(db_path, parent)
        return dialog.database if dialog.exec() == QDialog.DialogCode.Accepted else None
    if db_path.exists():
        return open_database(db_path)  # made before encryption: `ic db encrypt` converts it
    first = FirstUserDialog(db_path, parent)
    if first.exec() != QDialog.DialogCode.Accepted or first.created is None:
        return None
    RecoveryKeyDialog(first.created.database, first.created.recovery_key, parent).exec()
    return first.created.database
