"""«Сохранить изменения?» before an editing dialog closes with unsaved input (issue #12).

A dialog's ``reject()`` — «Закрыть», Esc, the window's ✕ — first calls
:func:`may_close`: nothing unsaved closes at once; otherwise the consultant chooses
Сохранить (the dialog saves and closes only if saving succeeded), Не сохранять, or Отмена
(the dialog stays open with its input).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from ui.errors import APP_TITLE


def may_close(parent: QWidget, unsaved: bool, save: Callable[[], bool], what: str = "") -> bool:
    """True when the dialog may close now; ``save()`` says whether saving succeeded."""
    if not unsaved:
        return True
    box = QMessageBox(
        QMessageBox.Icon.Question,
        APP_TITLE,
        "Сохранить изменения?" if not what else f"Сохранить изменения: {what}?",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("unsaved_changes")
    box.setInformativeText("Введённое в этом окне ещё не сохранено.")
    box.button(QMessageBox.StandardButton.Save).setText("Сохранить")
    box.button(QMessageBox.StandardButton.Discard).setText("Не сохранять")
    box.button(QMessageBox.StandardButton.Cancel).setText("Отмена")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return save()
    return answer == QMessageBox.StandardButton.Discard
