"""The refusal of a save when someone saved the same record meanwhile (issue #15).

The form keeps everything typed; the stored version is loaded only when the consultant
asks for it («Загрузить сохранённую версию»), since that drops what was typed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import StaleEditError
from ui.errors import APP_TITLE

BOX_NAME = "stale_edit"
KEEP = "Оставить мои значения"
RELOAD = "Загрузить сохранённую версию"


def ask_to_reload(parent: QWidget, error: StaleEditError) -> bool:
    """Show the refusal; True when the consultant asks for the stored version."""
    box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, str(error), parent=parent)
    box.setObjectName(BOX_NAME)
    box.setInformativeText(
        "Всё, что вы ввели, осталось в окне: можно свериться с ним. «Загрузить сохранённую "
        "версию» покажет то, что сохранено сейчас, а введённое вами будет потеряно."
    )
    keep = box.addButton(KEEP, QMessageBox.ButtonRole.RejectRole)
    reload = box.addButton(RELOAD, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is reload
