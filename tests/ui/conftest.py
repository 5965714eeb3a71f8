"""Helpers shared by the window tests."""

from __future__ import annotations

from collections.abc import Callable, Generator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget


def _type_text(widget: QWidget, text: str) -> None:
    """Key presses carrying the text, Cyrillic included, into the focused widget
    (QTest.keyClicks aborts the process on keys outside Latin-1)."""
    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


@pytest.fixture
def type_text() -> Callable[[QWidget, str], None]:
    return _type_text


class BoxAnswers:
    """Answers the next «Сохранить изменения?» box by pressing one of its real buttons,
    and remembers each question asked."""

    def __init__(self, qtbot: object) -> None:
        self._qtbot = qtbot
        self.asked: list[str] = []

    def next(self, button_text: str, name: str = "unsaved_changes") -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMessageBox

        def press() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox) or box.objectName() != name:
                QTimer.singleShot(10, press)
                return
            self.asked.append(box.text())
            (button,) = [b for b in box.buttons() if b.text() == button_text]
            self._qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]

        QTimer.singleShot(0, press)


@pytest.fixture
def unsaved_box(qtbot: object) -> BoxAnswers:
    return BoxAnswers(qtbot)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """Before pytest-qt closes the test's widgets: dialogs left with unsaved input (a test
    that failed halfway) are closed without the «Сохранить изменения?» box, which would
    wait for an answer nobody gives and hang the suite."""
    from PySide6.QtWidgets import QDialog

    if QApplication.instance() is not None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.done(0)
    return (yield)
