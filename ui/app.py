"""Starting the window: Qt application, crash dialog, database, main window."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from app.connection import configured_database
from app.errors import UserError
from app.paths import default_database_path
from app.services.server_settings import is_server_target
from ui.errors import APP_TITLE, install_excepthook
from ui.first_start import first_start_if_needed
from ui.main_window import MainWindow
from ui.server_sign_in import open_server_for_window
from ui.sign_in import open_for_window


def install_translations(app: QCoreApplication) -> QTranslator | None:
    """Qt's own texts (Yes/No, Cancel, file dialogs) in Russian; None if Qt has none here."""
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load("qtbase_ru", folder):
        logging.getLogger(__name__).warning("Qt's Russian translations not found in %s", folder)
        return None
    app.installTranslator(translator)
    return translator


def smoke(make_database: Callable[[Path], None]) -> int:
    """`ic --smoke`: the installed program's self-check (ui/smoke.py)."""
    from ui.smoke import run_smoke

    return run_smoke(make_database)


def start_target(given: Path | str | None) -> Path | str:
    """What the window opens: ``--db`` as given, else this computer's choice in «Настройки
    → База данных» (app/connection.py), else the default file in the data folder."""
    if given is not None and str(given).strip():
        return given
    configured = configured_database()
    if configured is None:
        return default_database_path()
    return configured if is_server_target(configured) else Path(configured)


def run(db_path: Path | str | None, log_path: Path, open_file: Path | None = None) -> int:
    """Show the window until it is closed; the process ends with the event loop's code.
    ``db_path``: a file, a ``postgresql://`` URL, or None for :func:`start_target`'s choice.
    ``open_file``: a package or acknowledgement to load once the window is shown."""
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("IntegrationConsultant")
    app.setOrganizationName("IntegrationConsultant")
    install_excepthook(log_path)
    install_translations(app)
    target = start_target(db_path)
    try:
        if is_server_target(target):
            opened = open_server_for_window(str(target))
        else:
            opened = open_for_window(Path(target))
    except UserError as exc:
        QMessageBox.critical(None, APP_TITLE, str(exc))
        return 2
    if opened is None:
        return 0  # sign-in or first start cancelled
    db = opened
    from app.services.settings import apply_time_zone

    apply_time_zone(db)
    # A database without an organisation yet: the short setup first (issue #12); the
    # window opens whatever its answer.
    first_start_if_needed(db)
    window = MainWindow(db, log_path, open_file=open_file)
    window.show()
    try:
        code = int(app.exec())
    finally:
        window.deleteLater()
        del window
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        db.close()
    # Everything is saved and closed. With PySide6 6.12 the interpreter's own shutdown
    # after a session with the dashboard aborts ("deallocating None" while finalizing),
    # which Windows would report as a crash: leave without it.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
