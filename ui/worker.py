"""Running a plain function off the UI thread with a progress dialog and a cancel button."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from db.session import BUSY_MESSAGE, busy_listener

logger = logging.getLogger(__name__)

# What a background job receives: report(done, total) and cancelled() -> bool.
Report = Callable[[int, int], None]
IsCancelled = Callable[[], bool]
Job = Callable[[Report, IsCancelled], Any]


# How often the UI thread looks at a running job's progress and outcome.
POLL_MS = 50


class _Runner:
    """Runs the job on a plain Python thread and touches no Qt object while doing so.

    The job only writes plain Python values here and the UI thread polls them
    (``BackgroundTask``): no Qt object is created, emitted or released off the UI thread.
    Wait for a task with the event loop or ``QTest.qWait``, never with a Python loop
    around ``processEvents()``: with PySide6 6.12 such a loop next to a busy Python
    thread aborted the process ("deallocating None") in our tests.
    """

    def __init__(self, job: Job, cancel_flag: threading.Event) -> None:
        self._job = job
        self._cancel = cancel_flag
        self.progress: tuple[int, int] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.busy = False  # a write of the job waits for another process (db/engine.py)
        self.ended = threading.Event()

    def _report(self, done: int, total: int) -> None:
        self.progress = (done, total)  # one reference swap: atomic under the GIL

    def _busy(self, waiting: bool) -> None:
        self.busy = waiting

    def run(self) -> None:
        try:
            with busy_listener(self._busy):
                self.result = self._job(self._report, self._cancel.is_set)
        except BaseException as exc:  # delivered to the UI thread, which decides
            self.error = exc
        finally:
            self.ended.set()


class BackgroundTask(QObject):
    """One job off the UI thread; progress, result and error arrive on the UI thread.

    The job never touches widgets: it calls ``report(done, total)`` and asks
    ``cancelled()``; ``progressed`` follows its reports and ``done`` or ``failed`` fire
    once, on the UI thread, after the job has returned.
    """

    progressed = Signal(int, int)
    busy = Signal(bool)  # True while the job waits for another process to finish writing
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._runner = _Runner(job, self._cancel)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._running = False
        self._shown: tuple[int, int] | None = None
        self._busy_shown = False

    def start(self) -> None:
        self._running = True
        threading.Thread(target=self._runner.run, name="ic-worker", daemon=True).start()
        self._timer.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._running

    def wait(self) -> None:
        """Block until the job has returned (``done``/``failed`` still come from the loop)."""
        if self._running:
            self._runner.ended.wait()

    @Slot()
    def _poll(self) -> None:
        progress = self._runner.progress
        if progress is not None and progress != self._shown:
            self._shown = progress
            self.progressed.emit(*progress)
        busy = self._runner.busy
        if busy != self._busy_shown:
            self._busy_shown = busy
            self.busy.emit(busy)
        if not self._runner.ended.is_set():
            return
        self._timer.stop()
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

    def busy(waiting: bool) -> None:
        # Not an error: the job goes on once the other program's write is done.
        if not cancelling:
            dialog.setLabelText(BUSY_MESSAGE if waiting else title)

    cancelling = False

    def cancelled() -> None:
        nonlocal cancelling
        cancelling = True
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
    task.busy.connect(busy)
    dialog.canceled.connect(cancelled)
    task.done.connect(finish)
    task.failed.connect(fail)
    task.start()
    return task
