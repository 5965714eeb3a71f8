"""Running a plain function off the UI thread with a progress dialog and a cancel button."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

logger = logging.getLogger(__name__)

# What a background job receives: report(done, total) and cancelled() -> bool.
Report = Callable[[int, int], None]
IsCancelled = Callable[[], bool]
Job = Callable[[Report, IsCancelled], Any]


class _Runner(QObject):
    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Job, cancel_flag: threading.Event) -> None:
        super().__init__()
        self._job = job
        self._cancel = cancel_flag

    @Slot()
    def run(self) -> None:
        try:
            result = self._job(self.progressed.emit, self._cancel.is_set)
        except BaseException as exc:  # delivered to the UI thread, which decides
            self.failed.emit(exc)
        else:
            self.finished.emit(result)


class BackgroundTask(QObject):
    """One job on its own thread; results and errors arrive on the UI thread as signals.

    The worker never touches widgets: it only emits ``progressed``; ``done`` or
    ``failed`` fire once, after the thread has stopped.
    """

    progressed = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread = QThread()
        self._runner = _Runner(job, self._cancel)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progressed.connect(self.progressed, Qt.ConnectionType.QueuedConnection)
        self._runner.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._runner.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._outcome: tuple[bool, Any] | None = None

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def wait(self) -> None:
        self._thread.quit()
        self._thread.wait()

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        self.wait()
        self.done.emit(result)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        self.wait()
        self.failed.emit(error)


def run_with_progress(
    parent: QWidget,
    title: str,
    job: Job,
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
) -> BackgroundTask:
    """Start ``job`` with a modal progress dialog (cancel button); returns the task."""
    dialog = QProgressDialog(title, "Отменить", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    task = BackgroundTask(job, parent)

    def progressed(done: int, total: int) -> None:
        if total > 0:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))

    def cancelled() -> None:
        dialog.setLabelText("Отмена: дожидаемся остановки, изменения не будут сохранены…")
        task.cancel()

    def finish(result: object) -> None:
        dialog.canceled.disconnect(cancelled)  # closing the dialog emits "canceled"
        dialog.reset()
        dialog.close()
        on_done(result)

    def fail(error: object) -> None:
        dialog.canceled.disconnect(cancelled)
        dialog.reset()
        dialog.close()
        assert isinstance(error, BaseException)
        on_failed(error)

    task.progressed.connect(progressed)
    dialog.canceled.connect(cancelled)
    task.done.connect(finish)
    task.failed.connect(fail)
    task.start()
    return task
