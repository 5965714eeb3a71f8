"""The supervisor's windows: the audit trail and the backups (Файл menu; issue #10)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.documents.audit_xlsx import HEADINGS
from app.errors import UserError
from app.services import audit_log, backups
from db.session import Database
from ui.date_typing import date_edit
from ui.errors import APP_TITLE, show_user_error


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(r, c, item)


class AuditDialog(QDialog):
    """Who did what and when: filters, the newest first, export to XLSX."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.setWindowTitle(f"Журнал действий — {APP_TITLE}")
        today = clock.today()
        self.start_edit = date_edit(QDate(today.year, today.month, 1))
        self.end_edit = date_edit(QDate(today.year, today.month, today.day))
        self.user_combo = QComboBox()
        self.user_combo.addItem("все пользователи", "")
        for login, name in audit_log.users(db):
            self.user_combo.addItem(f"{name} ({login})", login)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("действие, запись или подробности")
        self.show_button = QPushButton("Показать")
        self.show_button.clicked.connect(self.reload)
        self.search_edit.returnPressed.connect(self.reload)
        self.export_button = QPushButton("Выгрузить в XLSX…")
        self.export_button.clicked.connect(self._export)
        self.count_label = QLabel()
        filters = QHBoxLayout()
        for label, widget in (
            ("С", self.start_edit),
            ("по", self.end_edit),
            ("Пользователь:", self.user_combo),
            ("Найти:", self.search_edit),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.show_button)
        self.table = QTableWidget(0, len(HEADINGS))
        self.table.setHorizontalHeaderLabels(list(HEADINGS))
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(len(HEADINGS) - 1, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((60, 140, 200, 220, 120)):
            self.table.setColumnWidth(column, width)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.resize(1200, 640)
        self.reload()

    def current_filter(self) -> audit_log.AuditFilter:
        return audit_log.AuditFilter(
            start=self.start_edit.date().toPython(),  # type: ignore[arg-type]
            end=self.end_edit.date().toPython(),  # type: ignore[arg-type]
            login=str(self.user_combo.currentData() or ""),
            text=self.search_edit.text(),
        )

    def reload(self) -> None:
        try:
            rows = audit_log.list_events(self._db, self.current_filter())
        except UserError as exc:
            show_user_error(self, exc)
            return
        _fill(self.table, [r.cells() for r in rows])
        more = " (показаны последние)" if len(rows) >= audit_log.MAX_ROWS else ""
        self.count_label.setText(f"Событий: {len(rows)}{more}")

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Журнал действий", "Журнал_действий.xlsx", "Книга Excel (*.xlsx)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, out: Path) -> None:
        try:
            count = audit_log.export_events(self._db, self.current_filter(), out)
        except UserError as exc:
            show_user_error(self, exc)
            return
        self.count_label.setText(f"Выгружено событий: {count} — {out}")


class BackupsDialog(QDialog):
    """The database's backups: make one now, or restore one (the program then closes)."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.restored = False
        self.setWindowTitle(f"Резервные копии — {APP_TITLE}")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Дата и время", "Вид", "Размер", "Файл"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(1, 300)
        self.now_button = QPushButton("Сделать копию сейчас")
        self.now_button.clicked.connect(self._backup_now)
        self.restore_button = QPushButton("Восстановить выбранную…")
        self.restore_button.clicked.connect(self._restore_selected)
        self.status_label = QLabel(f"Папка: {backups.backup_folder(db.path)}")
        self.status_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.now_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.resize(900, 420)
        self.reload()

    def reload(self) -> None:
        self.items = backups.list_backups(self._db.path)
        _fill(
            self.table,
            [
                (
                    f"{b.taken_at:%d.%m.%Y %H:%M}",
                    b.kind_label,
                    f"{b.size / 1_048_576:.1f} МБ",
                    b.path.name,
                )
                for b in self.items
            ],
        )

    def _backup_now(self) -> None:
        try:
            made = backups.make_backup(self._db, "manual")
        except UserError as exc:
            show_user_error(self, exc)
            return
        self.reload()
        self.status_label.setText(f"Резервная копия сделана: {made.path}")

    def _restore_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.status_label.setText("Выберите копию в списке.")
            return
        chosen = self.items[row]
        answer = QMessageBox.question(
            self,
            APP_TITLE,
            f"Восстановить базу из копии от {chosen.taken_at:%d.%m.%Y %H:%M}? Всё, что "
            "сделано после неё, уйдёт в отдельную копию «перед восстановлением». "
            "После восстановления программа закроется; запустите её снова.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.restore(chosen.path)

    def restore(self, backup: Path) -> None:
        self._db.close()  # the file is replaced: nothing may hold it open
        try:
            backups.restore(self._db.path, backup, None, None, key=self._db.key)
        except UserError as exc:
            show_user_error(self, exc)
            return
        self.restored = True
        self.accept()
