"""One place for unexpected errors: log them and show the traceback with the log's path."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.errors import UserError
from db.session import user_error_for

logger = logging.getLogger(__name__)

APP_TITLE = "Интеграционный консультант"


def show_user_error(parent: QWidget | None, error: UserError) -> None:
    QMessageBox.warning(parent, APP_TITLE, str(error))


def crash_dialog(
    parent: QWidget | None, log_path: Path, exc: BaseException, tb: TracebackType | None
) -> QMessageBox:
    """The dialog for a bug: what happened, where the log is, the traceback under "details"."""
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(APP_TITLE)
    box.setText(
        "В программе произошла непредвиденная ошибка. Данные, сохранённые до неё, "
        "не потеряны.\n\nСообщите о ней разработчикам и приложите файл журнала:\n"
        f"{log_path}"
    )
    box.setDetailedText(text)
    return box


def install_excepthook(log_path: Path) -> None:
    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if isinstance(exc, UserError):
            show_user_error(QApplication.activeWindow(), exc)
            return
        known = user_error_for(exc)  # disk full, read-only, locked: words, not a traceback
        if known is not None:
            logger.warning("database error shown to the user: %s", exc)
            show_user_error(QApplication.activeWindow(), known)
            return
        logger.error("unexpected error", exc_info=(exc_type, exc, tb))
        crash_dialog(QApplication.activeWindow(), log_path, exc, tb).exec()

    sys.excepthook = hook
