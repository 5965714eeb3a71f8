"""Auto-lock: after N idle minutes every open window is covered until the password is typed.

Covering instead of closing keeps whatever the consultant was typing in an open card or
call window; the covers are opaque, so no personal data stays on screen. The password is
checked by unwrapping the database key again (app/services/access.py ``verify_password``).
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.services import access
from db.session import Database

CHECK_EVERY_MS = 5_000
COVER_COLOUR = "#2f3b4a"
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class LockCover(QWidget):
    """An opaque cover over one window; the one on the active window asks for the password."""

    def __init__(self, window: QWidget, lock: IdleLock, asks: bool) -> None:
        super().__init__(window)
        self.setObjectName("lockCover")
        # Opaque: a plain QWidget paints a style-sheet background only with this attribute.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"#lockCover {{ background: {COVER_COLOUR}; }} QLabel {{ color: white; }}"
        )
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Программа заблокирована")
        title.setStyleSheet("font-size: 18pt;")
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignCenter)
        self.password_edit: QLineEdit | None = None
        self.error_label = QLabel()
        if asks:
            layout.addWidget(
                QLabel(f"Введите пароль пользователя «{lock.login}», чтобы продолжить."),
                alignment=Qt.AlignmentFlag.AlignCenter,
            )
            self.password_edit = QLineEdit()
            self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.password_edit.setFixedWidth(260)
            self.password_edit.returnPressed.connect(lock.try_unlock)
            layout.addWidget(self.password_edit, alignment=Qt.AlignmentFlag.AlignCenter)
            self.unlock_button = QPushButton("Разблокировать")
            self.unlock_button.clicked.connect(lock.try_unlock)
            layout.addWidget(self.unlock_button, alignment=Qt.AlignmentFlag.AlignCenter)
            self.error_label.setStyleSheet("color: #ffb4b4;")
            layout.addWidget(self.error_label, alignment=Qt.AlignmentFlag.AlignCenter)
        else:
            layout.addWidget(QLabel("Разблокируйте программу в активном окне."))
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()
        if self.password_edit is not None:
            self.password_edit.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


class IdleLock(QObject):
    """Watches the application's input; locks after ``minutes`` without any."""

    def __init__(self, db: Database, login: str, minutes: float, main: QWidget) -> None:
        super().__init__(main)
        self._db = db
        self.login = login
        self._main = main
        self._idle = QElapsedTimer()
        self._idle.start()
        self.covers: list[LockCover] = []
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self.minutes = minutes
        self._timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def minutes(self) -> float:
        return self._minutes

    @minutes.setter
    def minutes(self, value: float) -> None:
        """Idle minutes before locking (0: never); checked a few times within that span."""
        self._minutes = value
        self._timer.setInterval(min(CHECK_EVERY_MS, max(100, int(value * 60_000 / 4))))

    @property
    def locked(self) -> bool:
        return bool(self.covers)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if not self.locked and event.type() in _ACTIVITY:
            self._idle.restart()
        return False

    def _check(self) -> None:
        if not self.locked and self.minutes > 0 and self._idle.elapsed() >= self.minutes * 60_000:
            self.lock_now()

    def lock_now(self) -> None:
        if self.locked:
            return
        modal = QApplication.activeModalWidget()
        asking = modal if modal is not None else self._main
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        if asking not in windows:
            windows.append(asking)
        self.covers = [LockCover(w, self, asks=w is asking) for w in windows]

    @property
    def asking_cover(self) -> LockCover:
        return next(c for c in self.covers if c.password_edit is not None)

    def try_unlock(self) -> None:
        cover = self.asking_cover
        assert cover.password_edit is not None
        try:
            access.verify_password(self._db, cover.password_edit.text())
        except UserError as exc:
            cover.error_label.setText(str(exc))
            cover.password_edit.clear()
            return
        for item in self.covers:
            item.deleteLater()
        self.covers = []
        self._idle.restart()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
