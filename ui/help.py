"""F1: a short Russian help page for the section or the dialog on screen (issue #12).

The pages are Markdown files in ui/help/ (installed with the package), one per section of
the main window and per working dialog. F1 in the main window opens the current section's
page; in the call window, the card, the route and the plan editors and the import wizard
it opens that dialog's page: a shortcut is attached to such a dialog the first time it
takes the focus, so the dialogs themselves know nothing of the help. The keys of the main
window's menu are listed under every page, read from its actions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

logger = logging.getLogger(__name__)

HELP_DIR = Path(__file__).with_name("help")
#: Dialogs with a page of their own: class name -> page.
DIALOG_PAGES = {
    "CallDialog": "call",
    "CitizenDialog": "card",
    "RouteDialog": "route",
    "PlanDialog": "plan",
    "ImportWizard": "import",
}
_INSTALLED = "ic_help_shortcut"  # property set on a dialog once it has its F1


def page_path(key: str) -> Path:
    return HELP_DIR / f"{key}.md"


def page_text(key: str) -> str:
    """The page's Markdown; a missing page says so instead of failing."""
    path = page_path(key)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        logger.error("help page %s is missing", path)
        return f"# Справка\n\nСтраница справки «{key}» не найдена: {path}."


def page_title(key: str) -> str:
    """The page's first heading."""
    for line in page_text(key).splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return "Справка"


def keys_markdown(actions: Iterable[QAction]) -> str:
    """«Клавиши главного окна» from the actions that have a shortcut."""
    lines = []
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        text = action.text().replace("&", "").rstrip("…").strip()
        if keys and text:
            lines.append(f"- **{keys}** — {text}")
    if not lines:
        return ""
    return "\n\n## Клавиши главного окна\n\n" + "\n".join(lines) + "\n"


def menu_actions(window: QWidget) -> list[QAction]:
    """The actions of the window's menus, in menu order."""
    bar = window.menuBar() if isinstance(window, QMainWindow) else None
    if bar is None:
        return []
    found: list[QAction] = []
    for top in bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            found += [a for a in menu.actions() if not a.isSeparator()]
    return found


class HelpDialog(QDialog):
    """One page of help; not modal, so the work stays in reach while reading."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help_dialog")
        self.key = ""
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Закрыть")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(760, 620)

    def show_page(self, key: str, keys: str = "") -> None:
        self.key = key
        self.setWindowTitle(f"Справка — {page_title(key)}")
        self.browser.setMarkdown(page_text(key) + keys)
        if self.isVisible():  # F1 again: bring the open page forward
            self.raise_()
        self.show()
        self.activateWindow()


class HelpKeys(QObject):
    """F1 for the main window (its section's page) and for the working dialogs."""

    def __init__(
        self,
        window: QWidget,
        section: Callable[[], str],
        actions: Callable[[], Iterable[QAction]] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._section = section
        self._actions = actions or (lambda: menu_actions(window))
        self.dialog: HelpDialog | None = None
        self.action = QAction("Справка по разделу", window)
        self.action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.action.triggered.connect(lambda: self.show_page(self._section()))
        window.addAction(self.action)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def show_page(self, key: str, parent: QWidget | None = None) -> HelpDialog:
        """Open ``key``'s page over ``parent`` (the main window when None)."""
        owner = parent or self._window
        if self.dialog is None or self.dialog.parentWidget() is not owner:
            if self.dialog is not None:
                self.dialog.deleteLater()
            self.dialog = HelpDialog(owner)
        self.dialog.show_page(key, keys_markdown(self._actions()))
        return self.dialog

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        dialog = new.window()
        page = DIALOG_PAGES.get(type(dialog).__name__)
        if page is None or dialog.property(_INSTALLED) or not _ours(dialog, self._window):
            return
        dialog.setProperty(_INSTALLED, True)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents), dialog)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(lambda d=dialog, p=page: self.show_page(p, d))


def _ours(dialog: QWidget, window: QWidget) -> bool:
    """Whether the dialog belongs to this main window (tests open several windows)."""
    parent = dialog.parentWidget()
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parentWidget()
    return False
