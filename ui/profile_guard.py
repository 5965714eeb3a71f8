"""Documents never go out without the consultant's and the organisation's details
(issue #12): a route, letters or Appendix 4 is refused with a message that opens
«Настройки»."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from app.services.settings import DocumentKind, document_refusal
from db.session import Database
from ui.errors import APP_TITLE

OPEN_SETTINGS = "Открыть настройки"
BOX_NAME = "document_details_missing"


def documents_allowed(parent: QWidget, db: Database, document: DocumentKind = "route") -> bool:
    """True when ``document`` may be issued; otherwise say what is missing and offer
    «Открыть настройки» (the main window's section; dialogs over it close first)."""
    refusal = document_refusal(db, document)
    if refusal is None:
        return True
    box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, refusal, parent=parent)
    box.setObjectName(BOX_NAME)
    box.setInformativeText(
        "Эти сведения печатаются в документе. Заполните их в разделе «Настройки» и повторите."
    )
    settings = box.addButton(OPEN_SETTINGS, QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Закрыть", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(settings)
    box.exec()
    if box.clickedButton() is settings:
        open_settings(parent)
    return False


def open_settings(widget: QWidget) -> bool:
    """Show «Настройки» in the window ``widget`` belongs to; False if there is none.

    The window is found up the parents: the first one with ``show_section`` (MainWindow).
    Dialogs met on the way close (they ask about unsaved input), so the page is usable.
    """
    current: QWidget | None = widget
    dialogs: list[QDialog] = []
    while current is not None:
        show = getattr(current, "show_section", None)
        if callable(show):
            for dialog in dialogs:
                dialog.reject()
            show("settings")
            return True
        if isinstance(current, QDialog):
            dialogs.append(current)
        current = current.parentWidget()
    return False
