"""Running a plain function off the UI thread with a progress dialog and a cancel button."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

logger = logging.getLogger(__name__)

# What a background job receives: report(done, total) and cancelled() -> bool.
Report = Callable[[int, int], None]
IsCancelled = Callable[[], bool]
Job = Callable[[Report, IsCancelled], Any]


class _Runner(QRunnable):
    """Runs the job on a pool thread; the outcome stays here, the signal carries nothing.

    PySide6 6.12 corrupts reference counts (a crash at exit) when a Python-owned QThread
    and a QObject moved onto it are finalised; a QRunnable on the global pool is safe.
    """

    def __init__(self, job: Job, cancel_flag: threading.Event, relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._job = job
        self._cancel = cancel_flag
        self._relay = relay
        self.result: Any = None
        self.error: BaseException | None = None
        self.ended = threading.Event()

    def run(self) -> None:
        try:
            self.result = self._job(self._relay.progressed.emit, self._cancel.is_set)
        except BaseException as exc:  # delivered to the UI thread, which decides
            self.error = exc
        self.ended.set()
        self._relay.finished.emit()


class _Relay(QObject):
    """Lives on the UI thread: signals emitted from the pool arrive there queued."""

    progressed = Signal(int, int)
    finished = Signal()


class BackgroundTask(QObject):
    """One job off the UI thread; results and errors arrive on the UI thread as signals.

    The job never touches widgets: it reports progress through ``progressed``;
    ``done`` or ``failed`` fire once, on the UI thread, after the job has returned.
    """

    progressed = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._relay = _Relay(self)
        self._runner = _Runner(job, self._cancel, self._relay)
        self._relay.progressed.connect(self.progressed)
        self._relay.finished.connect(self._on_finished)
        self._running = False

    def start(self) -> None:
        self._running = True
        QThreadPool.globalInstance().start(self._runner)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._running

    def wait(self) -> None:
        """Block until the job has returned (its signals are still delivered later)."""
        if self._running:
            self._runner.ended.wait()

    @Slot()
    def _on_finished(self) -> None:
        self._running = False
        error, result = self._runner.error, self._runner.result
        self._runner.error = self._runner.result = None
        if error is not None:
            self.failed.emit(error)
        else:
            self.done.emit(result)


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
