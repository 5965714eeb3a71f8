"""Helpers shared by the window tests."""

from __future__ import annotations

from collections.abc import Callable

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
