"""`ic --smoke`: does the installed program start? (issue #14)

A throw-away demo database in a new temporary folder (never the user's data folder: IC_HOME,
and with it the log and the window's settings, point there too), signed in as a user made
for it, the main window shown and its dashboard computed, one issued route printed to PDF
through the service. One line on stdout: ``smoke ok: <PDF size in bytes>``, exit code 0; or
``smoke failed: <what>``, exit code 1 (the temporary folder is then kept for its log).

Works without a screen (QT_QPA_PLATFORM=offscreen; on Linux without DISPLAY it is chosen
here). Nothing in it waits for a person: any dialog the window opened would be a failure.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from app.paths import HOME_ENV

if TYPE_CHECKING:
    from db.session import Database

SMOKE_USER = "smoke"
SMOKE_PASSWORD = "smoke-пароль-1"  # noqa: S105 - a throw-away database's password
TIMEOUT_SECONDS = 120.0

logger = logging.getLogger(__name__)


def _no_screen() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_smoke(make_database: Callable[[Path], None]) -> int:
    """The whole check; the process ends here (see ui.app.run for why os._exit)."""
    try:
        home = Path(tempfile.mkdtemp(prefix="ic-smoke-"))
    except OSError as exc:
        _say(f"smoke failed: временная папка не создана: {exc}")
        return 1
    os.environ[HOME_ENV] = str(home)
    os.environ["IC_USER"] = SMOKE_USER
    os.environ["IC_PASSWORD"] = SMOKE_PASSWORD
    if _no_screen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        size = _smoke(home, make_database)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the one line
        logger.error("smoke failed", exc_info=exc)
        words = " ".join(str(exc).split()) or "без описания"
        line, code = f"smoke failed: {type(exc).__name__}: {words} (папка: {home})", 1
    else:
        line, code = f"smoke ok: {size}", 0
    logging.shutdown()
    if code == 0:
        shutil.rmtree(home, ignore_errors=True)
    _say(line)
    sys.stderr.flush()
    os._exit(code)


def _say(line: str) -> None:
    """The one line; a console whose code page has no Cyrillic gets it escaped, not lost."""
    try:
        print(line, flush=True)
    except UnicodeEncodeError:
        print(line.encode("ascii", "backslashreplace").decode("ascii"), flush=True)


def _smoke(home: Path, make_database: Callable[[Path], None]) -> int:
    from PySide6.QtCore import QEvent, QSettings
    from PySide6.QtWidgets import QApplication

    from app.logging_setup import setup_logging
    from app.services.settings import apply_time_zone
    from ui.app import install_translations
    from ui.main_window import MainWindow
    from ui.sign_in import open_for_window

    log_path = setup_logging()
    errors: list[BaseException] = []

    def collect(_t: type[BaseException], exc: BaseException, _tb: TracebackType | None) -> None:
        logger.error("error in the window", exc_info=exc)
        errors.append(exc)

    sys.excepthook = collect  # an error inside a slot fails the check, no crash dialog
    _no_message_boxes(errors)
    app = QApplication.instance() or QApplication([sys.argv[0], "--smoke"])
    assert isinstance(app, QApplication)
    app.setApplicationName("IntegrationConsultant")
    app.setOrganizationName("IntegrationConsultant")
    install_translations(app)

    db_path = home / "smoke.sqlite"
    with contextlib.redirect_stdout(io.StringIO()):  # the commands' own report: not the line
        make_database(db_path)
    db = open_for_window(db_path)  # the window's own sign-in (IC_USER/IC_PASSWORD above)
    if db is None:
        raise RuntimeError("вход в демонстрационную базу не состоялся")
    try:
        apply_time_zone(db)
        settings = QSettings(str(home / "ui.ini"), QSettings.Format.IniFormat)
        window = MainWindow(db, log_path, settings=settings)
        window.show()
        started = time.monotonic()
        # The dashboard is counted on a worker; the check waits for it to be shown.
        while not window.isVisible() or _busy(window._deadline_task):
            if time.monotonic() - started > TIMEOUT_SECONDS:
                raise TimeoutError(f"окно не открылось за {TIMEOUT_SECONDS:.0f} с")
            app.processEvents()
            time.sleep(0.02)
        app.processEvents()
        if window.grab().isNull():
            raise RuntimeError("окно не отрисовано")
        size = _print_one_route(db, home / "Маршрут смоук-проверки.pdf")
        window.close()
        window.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del window
        gc.collect()
    finally:
        db.close()
    if errors:
        raise errors[0]
    return size


def _busy(task: Any) -> bool:
    return task is None or bool(task.running)


def _no_message_boxes(errors: list[BaseException]) -> None:
    """A message box would wait for a person that is not there: its text is the failure."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(_parent: Any, _title: str, text: str, *_args: Any, **_kwargs: Any) -> Any:
        errors.append(RuntimeError(f"окно сообщения: {text}"))
        return QMessageBox.StandardButton.Cancel

    for name in ("information", "warning", "critical", "question"):
        setattr(QMessageBox, name, refuse)


def _print_one_route(db: Database, out: Path) -> int:
    from app.services import routes

    issued = routes.list_routes(db, status=routes.RouteFilter.ISSUED, limit=1)
    if not issued.rows:
        raise RuntimeError("в демонстрационной базе нет выданного маршрута")
    written = routes.export_route_pdf(db, out, route_id=issued.rows[0].route_id)
    data = out.read_bytes()
    if written != 1 or not data.startswith(b"%PDF-"):
        raise RuntimeError(f"маршрут не напечатан в PDF: {out}")
    return len(data)
