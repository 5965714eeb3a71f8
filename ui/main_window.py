"""The main window: for now an overview of the database and of today's deadlines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.domain.dates import format_date
from app.services import deadlines, maintenance, profile
from db.session import Database
from ui.errors import APP_TITLE


class MainWindow(QMainWindow):
    def __init__(self, db: Database, log_path: Path, today: date | None = None) -> None:
        super().__init__()
        self._db = db
        self._log_path = log_path
        self._today = today or date.today()
        self.setWindowTitle(APP_TITLE)
        self.resize(900, 600)
        self._build_menu()

        central = QWidget(self)
        layout = QVBoxLayout(central)
        heading = QLabel(f"<h2>{APP_TITLE}</h2>")
        layout.addWidget(heading)

        self.counts_box = QGroupBox("Данные в базе")
        self.counts_form = QFormLayout(self.counts_box)
        layout.addWidget(self.counts_box)

        self.deadlines_box = QGroupBox(f"Сроки на {format_date(self._today)}")
        self.deadlines_form = QFormLayout(self.deadlines_box)
        layout.addWidget(self.deadlines_box)
        layout.addStretch(1)
        self.setCentralWidget(central)

        self.user_label = QLabel()
        self.path_label = QLabel(str(db.path))
        self.statusBar().addWidget(self.path_label, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self.refresh()

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&Файл")
        refresh = QAction("&Обновить", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        file_menu.addAction(refresh)
        quit_action = QAction("&Выход", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Справка")
        about = QAction("&О программе", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def refresh(self) -> None:
        _fill(self.counts_form, maintenance.counts(self._db))
        items = deadlines.due_items(self._db, self._today)
        summary: dict[str, int] = {}
        for item in items:
            key = f"{item.status.label}: {item.kind.label}"
            summary[key] = summary.get(key, 0) + 1
        _fill(self.deadlines_form, tuple(summary.items()) or (("Срочных дел нет", 0),))
        who = profile.get_profile(self._db)
        self.user_label.setText(f"Специалист: {who.full_name}")

    def _about(self) -> None:
        QMessageBox.about(
            self,
            APP_TITLE,
            f"{APP_TITLE}, версия {__version__}\n\nБаза данных: {self._db.path}\n"
            f"Журнал: {self._log_path}",
        )


def _fill(form: QFormLayout, rows: tuple[tuple[str, int], ...]) -> None:
    while form.rowCount():
        form.removeRow(0)
    for label, value in rows:
        number = QLabel(str(value))
        number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(label, number)
