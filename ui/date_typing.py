"""Typing into date and time fields (issue #12: «26.01.2027» typed in «На дату» and «11»
typed in an hour field were rejected; only the arrow keys worked).

Qt's date-time edit inserts a typed digit beside the section's old digits («2» before
«23» is «223», refused). Here a digit typed with nothing selected first selects the
section it falls in, so it replaces it; Qt then moves on when the section is full, and a
typed separator («.», «:», space) moves on too.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from PySide6.QtCore import QDate, QEvent, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit


class _SectionTyping(QObject):
    def __init__(self, edit: QDateTimeEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        self._fresh = True  # the next digit starts the section anew
        self._digit_section = -1  # the section the last digit went into, else -1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        edit = self._edit
        if event.type() == QEvent.Type.FocusIn:
            self._fresh, self._digit_section = True, -1
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            text = event.text()
            index = edit.currentSectionIndex()
            if text.isdigit():
                if self._fresh or index != self._digit_section:
                    edit.setSelectedSection(edit.currentSection())  # the digit replaces it
                self._fresh = False
                self._digit_section = index
            elif text in ".:/- " and text:
                # A digit that filled its section already moved on: this separator
                # belongs to that move, not to another one.
                moved = self._digit_section not in (-1, index)
                self._fresh, self._digit_section = True, -1
                if moved:
                    return True
            else:
                self._fresh, self._digit_section = True, -1
        return False


_Edit = TypeVar("_Edit", bound=QDateTimeEdit)


def make_typable(edit: _Edit) -> _Edit:
    """Let ``edit`` take a date or time typed with the keyboard, digits and separators."""
    edit.installEventFilter(_SectionTyping(edit))
    return edit


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def to_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def date_edit(day: date | QDate) -> QDateEdit:
    """A dd.mm.yyyy date field with a calendar, typable (every date field of the window)."""
    edit = make_typable(QDateEdit(day if isinstance(day, QDate) else to_qdate(day)))
    edit.setDisplayFormat("dd.MM.yyyy")
    edit.setCalendarPopup(True)
    return edit
