"""Combo boxes whose items carry enum values (Qt hands StrEnum data back as plain str)."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from PySide6.QtWidgets import QComboBox

E = TypeVar("E", bound=StrEnum)


def enum_data(cls: type[E], value: object) -> E | None:
    """The enum member behind an item's data; ``None`` for the "any"/"not set" item."""
    return None if value is None or value == "" else cls(str(value))


def select_data(combo: QComboBox, value: object) -> None:
    """Select the item carrying ``value``, or the first one (the "not set" item)."""
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)
