"""The «Маршруты» and «Планы сопровождения» sections: every document in a searchable list.

Issue #12: both sections showed only counts. Here each lists its documents (the person,
СНИЛС, the registry month, number, version, dates, state and how it was sent), searched
as you type (ФИО or СНИЛС, any case, ё as е) and filtered by month and state in SQL, at
most LIST_LIMIT rows shown. Enter or a double click opens the editor; a document is
previewed and printed on the system printer, or saved as PDF.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import format_date
from app.domain.periods import Month
from app.errors import UserError
from app.services import plans, routes
from app.services.registry_grid import RegistryGridService
from db.session import Database
from ui.plan_dialog import PlanDialog
from ui.print_preview import PrintPreview, preview_and_print
from ui.remembered import remember_folder, save_folder
from ui.route_dialog import RouteDialog

logger = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row", routes.RouteRow, plans.PlanRow)
SEARCH_DELAY_MS = 250  # a pause in typing, then one query (not one per keystroke)


@dataclass(frozen=True)
class Column(Generic[Row]):
    title: str
    width: int
    value: Callable[[Row], str]
    tip: str = ""


def _month(text: str) -> str:
    return Month.parse(text).title if text else ""


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


NUMBER_TIP = "Номер записи в реестре месяца (приложение 1, графа 1), когда реестр сформирован"
ROUTE_COLUMNS: tuple[Column[routes.RouteRow], ...] = (
    Column("Ф.И.О.", 220, lambda r: r.name),
    Column("СНИЛС", 105, lambda r: r.snils),
    Column("Месяц реестра", 105, lambda r: _month(r.month)),
    Column("№", 50, lambda r: _number(r.number), NUMBER_TIP),
    Column("Версия", 55, lambda r: str(r.version)),
    Column("Составлен", 85, lambda r: format_date(r.drawn_up_on)),
    Column("Выдан", 85, lambda r: format_date(r.issued_on)),
    Column("Состояние", 145, lambda r: r.status_label),
    Column("Направлен", 220, lambda r: r.sent),
)
PLAN_COLUMNS: tuple[Column[plans.PlanRow], ...] = (
    Column("Ф.И.О.", 220, lambda r: r.name),
    Column("СНИЛС", 105, lambda r: r.snils),
    Column("Месяц реестра", 105, lambda r: _month(r.month)),
    Column("№", 50, lambda r: _number(r.number), NUMBER_TIP),
    Column("Составлен", 85, lambda r: format_date(r.drawn_up_on)),
    Column("Реализован", 95, lambda r: format_date(r.completed_on)),
    Column("Состояние", 145, lambda r: r.status_label),
    Column("Направлен", 220, lambda r: r.sent),
)


class DocumentTableModel(QAbstractTableModel, Generic[Row]):
    """The rows of one query (at most LIST_LIMIT), as text."""

    def __init__(self, columns: Sequence[Column[Row]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns: tuple[Column[Row], ...] = tuple(columns)
        self.rows: tuple[Row, ...] = ()

    def set_rows(self, rows: tuple[Row, ...]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._columns[index.column()].value(self.rows[index.row()])

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._columns[section].tip or None
        return None


class DocumentListPage(QWidget, Generic[Row]):
    """Search, filters, the list and the document's buttons; subclasses say which documents."""

    data_changed = Signal()  # a document was saved or issued from this page
    KEY = ""  # QSettings group of the page's filters
    TITLE = ""
    INTRO = ""
    NOUN = ""  # «маршрут»: in messages

    def __init__(
        self,
        db: Database,
        grid: RegistryGridService,
        settings: QSettings,
        columns: Sequence[Column[Row]],
        statuses: Sequence[StrEnum],
        *,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._grid = grid
        self._settings = settings
        self._today = today
        self._statuses = {str(s): s for s in statuses}
        self.last_dialog: QDialog | None = None
        self.limit = routes.LIST_LIMIT  # rows shown at most; the rest are counted
        self.last_preview: PrintPreview | None = None

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Поиск: ФИО или СНИЛС")
        self.search_edit.setClearButtonEnabled(True)
        self.month_combo = QComboBox()
        self.month_combo.setMinimumContentsLength(14)
        self.status_combo = QComboBox()
        self.status_combo.addItem("Все", None)
        for status in statuses:
            self.status_combo.addItem(status.label, str(status))  # type: ignore[attr-defined]
        self.status_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.status_combo.setMinimumContentsLength(18)
        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 1)
        for text, combo in (("Месяц:", self.month_combo), ("Состояние:", self.status_combo)):
            caption = QLabel(text)
            caption.setBuddy(combo)
            bar.addWidget(caption)
            bar.addWidget(combo)

        self.model: DocumentTableModel[Row] = DocumentTableModel(columns, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for index, column in enumerate(columns):
            header.resizeSection(index, column.width)

        self.count_label = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Открыть")
        self.preview_button = QPushButton("Просмотр и печать…")
        self.pdf_button = QPushButton("Сохранить PDF…")
        self.buttons = QHBoxLayout()
        for button in (self.open_button, self.preview_button, self.pdf_button):
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)

        intro = QLabel(self.INTRO)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<h2>{self.TITLE}</h2>"))
        layout.addWidget(intro)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(self.buttons)
        layout.addWidget(self.message)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.requery)
        self.search_edit.textChanged.connect(lambda _: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now)
        self._restore_filters()
        self.month_combo.currentIndexChanged.connect(self._filters_changed)
        self.status_combo.currentIndexChanged.connect(self._filters_changed)
        self.view.activated.connect(lambda _: self.open_selected())
        self.open_button.clicked.connect(self.open_selected)
        self.preview_button.clicked.connect(self.preview_selected)
        self.pdf_button.clicked.connect(self.choose_pdf)
        find = QAction(self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.focus_search)
        self.addAction(find)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # -- what the subclasses provide ------------------------------------------------------

    def _query(self, search: str, month: str | None, status: Any) -> tuple[tuple[Row, ...], int]:
        raise NotImplementedError

    def _open_editor(self, row: Row) -> QDialog:
        raise NotImplementedError

    def _pdf_bytes(self, row: Row) -> bytes:
        raise NotImplementedError

    def _export(self, row: Row, out: Path) -> None:
        raise NotImplementedError

    def _printed(self, row: Row, where: str, pages: int) -> None:
        raise NotImplementedError

    def _title(self, row: Row) -> str:
        raise NotImplementedError

    # -- filters --------------------------------------------------------------------------

    def month(self) -> str | None:
        value = self.month_combo.currentData()
        return str(value) if value else None

    def status(self) -> StrEnum | None:
        value = self.status_combo.currentData()
        return self._statuses.get(str(value)) if value else None

    def refresh(self) -> None:
        """The months of the registry again, then the list."""
        self._fill_months(self.month())
        self.requery()

    def _fill_months(self, current: str | None) -> None:
        self.month_combo.blockSignals(True)
        self.month_combo.clear()
        self.month_combo.addItem("Все месяцы", None)
        for month in self._grid.choices().months:
            self.month_combo.addItem(Month.parse(month).title, month)
        found = self.month_combo.findData(current) if current else 0
        self.month_combo.setCurrentIndex(max(found, 0))
        self.month_combo.blockSignals(False)

    def _filters_changed(self) -> None:
        self._settings.setValue(f"{self.KEY}/month", self.month() or "")
        status = self.status()
        self._settings.setValue(f"{self.KEY}/status", str(status) if status else "")
        self.requery()

    def _restore_filters(self) -> None:
        month = self._settings.value(f"{self.KEY}/month")
        self._fill_months(month if isinstance(month, str) and month else None)
        status = self._settings.value(f"{self.KEY}/status")
        if isinstance(status, str) and status in self._statuses:
            self.status_combo.setCurrentIndex(max(self.status_combo.findData(status), 0))

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.requery()
        self.view.setFocus()

    def requery(self) -> None:
        self._search_timer.stop()
        selected = self.selected()
        try:
            rows, total = self._query(self.search_edit.text(), self.month(), self.status())
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.model.set_rows(rows)
        if len(rows) < total:
            self.count_label.setText(f"Показаны первые {len(rows)} из {total}")
        else:
            self.count_label.setText(f"Документов: {total}")
        keep = [i for i, row in enumerate(rows) if selected is not None and row == selected]
        if keep or rows:
            self.view.selectRow(keep[0] if keep else 0)
        for button in (self.open_button, self.preview_button, self.pdf_button):
            button.setEnabled(bool(rows))

    def selected(self) -> Row | None:
        index = self.view.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    # -- actions --------------------------------------------------------------------------

    def open_selected(self) -> QDialog | None:
        row = self.selected()
        if row is None:
            return None
        if row.entry_id is None:
            self.message.setText(
                f"Документ не связан с записью реестра: откройте карточку гражданина {row.name}."
            )
            return None
        try:
            dialog = self._open_editor(row)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.last_dialog = dialog
        dialog.finished.connect(lambda _: self.requery())
        dialog.open()
        return dialog

    def _changed(self) -> None:
        self.data_changed.emit()
        self.requery()

    def preview_selected(self) -> PrintPreview | None:
        row = self.selected()
        if row is None:
            return None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            data = self._pdf_bytes(row)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()

        def printed(where: str, pages: int) -> None:
            self._printed(row, where, pages)
            self.message.setText(f"Отправлено на печать ({where}): страниц {pages}.")

        self.last_preview = preview_and_print(self, data, self._title(row), printed)
        return self.last_preview

    def choose_pdf(self) -> None:
        row = self.selected()
        if row is None:
            return
        default = save_folder(self._db, self._settings) / f"{row.file_stem}.pdf"
        name, _ = QFileDialog.getSaveFileName(self, self._title(row), str(default), "PDF (*.pdf)")
        if name:
            self.save_pdf(Path(name))

    def save_pdf(self, out: Path) -> bool:
        row = self.selected()
        if row is None:
            return False
        try:
            self._export(row, out)
        except UserError as exc:
            self.message.setText(str(exc))
            return False
        remember_folder(self._settings, out)
        self.message.setText(f"PDF сохранен: {out}")
        return True


class RoutesListPage(DocumentListPage[routes.RouteRow]):
    """Every route, its versions and whether it was sent (31-р 3.3-3.4, Appendix 2)."""

    KEY = "routes_list"
    TITLE = "Маршруты"
    INTRO = (
        "Индивидуальные реабилитационные маршруты (31-р, пп. 3.3-3.4, приложение 2): "
        "черновики, выданные и прежние версии. Enter или двойной щелчок открывает маршрут "
        "гражданина; новый маршрут составляется из реестра («Маршрут…», Ctrl+M)."
    )

    def __init__(
        self,
        db: Database,
        grid: RegistryGridService,
        settings: QSettings,
        *,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            db, grid, settings, ROUTE_COLUMNS, tuple(routes.RouteFilter), today=today, parent=parent
        )
        self.month_pdf_button = QPushButton("Маршруты за месяц в один PDF…")
        self.month_pdf_button.setToolTip(
            "Все выданные маршруты реестра выбранного месяца в одном файле, в порядке реестра "
            "(31-р, п. 3.4)"
        )
        self.buttons.addWidget(self.month_pdf_button)
        self.month_pdf_button.clicked.connect(self._choose_month_pdf)

    def _query(
        self, search: str, month: str | None, status: Any
    ) -> tuple[tuple[routes.RouteRow, ...], int]:
        found = routes.list_routes(self._db, search, month, status, limit=self.limit)
        return found.rows, found.total

    def _open_editor(self, row: routes.RouteRow) -> QDialog:
        assert row.entry_id is not None
        dialog = RouteDialog(self._db, row.entry_id, today=self._today, parent=self)
        dialog.saved.connect(lambda _: self._changed())
        dialog.issued.connect(lambda _: self._changed())
        return dialog

    def _pdf_bytes(self, row: routes.RouteRow) -> bytes:
        return routes.route_pdf_bytes(self._db, row.route_id)

    def _export(self, row: routes.RouteRow, out: Path) -> None:
        routes.export_route_pdf(self._db, out, route_id=row.route_id)

    def _printed(self, row: routes.RouteRow, where: str, pages: int) -> None:
        routes.record_route_printed(self._db, row.route_id, where, pages)

    def _title(self, row: routes.RouteRow) -> str:
        return f"Маршрут: {row.name}, {row.status_label}"

    def _choose_month_pdf(self) -> None:
        month = self.month()
        if month is None:
            self.message.setText("Выберите отчётный месяц в поле «Месяц».")
            return
        default = save_folder(self._db, self._settings) / f"Маршруты {month}.pdf"
        name, _ = QFileDialog.getSaveFileName(self, "Маршруты", str(default), "PDF (*.pdf)")
        if name:
            self.print_month(month, Path(name))

    def print_month(self, month: str, out: Path) -> int | None:
        """Every issued route of the month's registry in one PDF (as RoutesPage did)."""
        try:
            count = routes.export_route_pdf(self._db, out, month=month)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        remember_folder(self._settings, out)
        self.message.setText(f"Маршрутов в файле: {count} — {out}")
        return count


class PlansListPage(DocumentListPage[plans.PlanRow]):
    """Every support plan, its state and whether it was sent (31-р 4.3-4.6, Appendix 3)."""

    KEY = "plans_list"
    TITLE = "Планы сопровождения"
    INTRO = (
        "Индивидуальные планы комплексного сопровождения (31-р, пп. 4.3-4.6, приложение 3). "
        "Enter или двойной щелчок открывает план; новый план составляется из реестра "
        "(«План сопровождения…», Ctrl+L)."
    )

    def __init__(
        self,
        db: Database,
        grid: RegistryGridService,
        settings: QSettings,
        *,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            db, grid, settings, PLAN_COLUMNS, tuple(plans.PlanFilter), today=today, parent=parent
        )

    def _query(
        self, search: str, month: str | None, status: Any
    ) -> tuple[tuple[plans.PlanRow, ...], int]:
        found = plans.list_plans(self._db, search, month, status, limit=self.limit)
        return found.rows, found.total

    def _open_editor(self, row: plans.PlanRow) -> QDialog:
        assert row.entry_id is not None
        dialog = PlanDialog(self._db, row.entry_id, today=self._today, parent=self)
        dialog.saved.connect(lambda _: self._changed())
        return dialog

    def _pdf_bytes(self, row: plans.PlanRow) -> bytes:
        return plans.plan_pdf_bytes(self._db, row.plan_id)

    def _export(self, row: plans.PlanRow, out: Path) -> None:
        plans.export_plan_pdf(self._db, row.plan_id, out)

    def _printed(self, row: plans.PlanRow, where: str, pages: int) -> None:
        plans.record_plan_printed(self._db, row.plan_id, where, pages)

    def _title(self, row: plans.PlanRow) -> str:
        return f"План сопровождения: {row.name}"
