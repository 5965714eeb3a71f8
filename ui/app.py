"""Starting the window: Qt application, crash dialog, database, main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from app.errors import UserError
from db.session import open_database
from ui.errors import APP_TITLE, install_excepthook
from ui.main_window import MainWindow


def run(db_path: Path, log_path: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("IntegrationConsultant")
    app.setOrganizationName("IntegrationConsultant")
    install_excepthook(log_path)
    try:
        db = open_database(db_path)
    except UserError as exc:
        QMessageBox.critical(None, APP_TITLE, str(exc))
        return 2
    window = MainWindow(db, log_path)
    window.show()
    try:
        return int(app.exec())
    finally:
        db.close()
