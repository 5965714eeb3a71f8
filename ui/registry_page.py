"""The registry grid: search as you type, filters, sort in SQL, rows loaded in batches."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Source, TargetCategory
from app.domain.periods import Month
from app.services.registry_grid import (
    COLUMN_KEYS,
    COLUMNS,
    EntryStatus,
    GridFilter,
    GridRow,
    RegistryGridService,
    search_words,
)
from ui.combo import enum_data
from ui.worker import BackgroundTask

logger = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex

# Rows fetched around the one the view asks for: the screenful and the next one.
FETCH_BEFORE = 20
FETCH_AFTER = 50
CACHE_LIMIT = 20_000
# A registry of this many entries or more shows a search's first HEAD_ROWS rows at once and
# reads the whole ordered list on a worker (issue #15: at 300,000 people on a server the
# whole list of «ив», 14,000 entries, takes 0.1-0.2 s; its first screenful a few ms).
PROGRESSIVE_FROM = 20_000
HEAD_ROWS = 60  # three screenfuls at 1366x768
# The whole list is read once typing pauses this long: a word typed letter by letter is
# counted once, and the server's work (parallel scans) never competes with the paint.
REST_DELAY_MS = 150
OVERDUE_BACKGROUND = QColor("#fde2e1")
OVERDUE_FOREGROUND = QColor("#8a1c1c")
DEFAULT_SORT = ("identified_on", True)  # newest first
COLUMN_WIDTHS = {
    "number": 50,
    "identified_on": 90,
    "source": 75,
    "name": 250,
    "disability_on": 110,
    "category": 140,
    "informed_on": 110,
    "route_needed": 95,
    "route_sent_on": 110,
    "route_method": 140,
    "plan_needed": 90,
    "plan_formed_on": 110,
    "plan_method": 140,
    "plan_completed_on": 110,
    "status": 170,
    "next_due": 105,
}


_DISPLAY = Qt.ItemDataRole.DisplayRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ROLES = frozenset({_BACKGROUND, _FOREGROUND, _FONT, _TOOLTIP, Qt.ItemDataRole.UserRole})
_NEXT_DUE = COLUMN_KEYS.index("next_due")
_OVERDUE_BRUSH = QBrush(OVERDUE_BACKGROUND)
_OVERDUE_TEXT = QBrush(OVERDUE_FOREGROUND)
_BOLD = QFont()
_BOLD.setBold(True)


class RegistryTableModel(QAbstractTableModel):
    """Ordered entry ids from the search; row values fetched in batches and cached."""

    sort_requested = Signal(str, bool)  # column key, descending

    def __init__(self, service: RegistryGridService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._ids: list[int] = []
        self._cache: dict[int, GridRow] = {}

    def set_ids(self, ids: list[int]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._cache = {}
        self.endResetModel()

    def append_ids(self, ids: list[int]) -> None:
        """More rows after the ones shown: the view keeps its place and selection."""
        if not ids:
            return
        start = len(self._ids)
        self.beginInsertRows(QModelIndex(), start, start + len(ids) - 1)
        self._ids = self._ids + ids
        self.endInsertRows()

    @property
    def ids(self) -> list[int]:
        return self._ids

    def entry_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, entry_id: int) -> int | None:
        try:
            return self._ids.index(entry_id)
        except ValueError:
            return None

    def grid_row(self, row: int) -> GridRow:
        entry_id = self._ids[row]
        cached = self._cache.get(entry_id)
        if cached is None:
            self._fetch(row)
            cached = self._cache[entry_id]
        return cached

    def _fetch(self, row: int) -> None:
        if len(self._cache) > CACHE_LIMIT:
            self._cache = {}
        start = max(0, row - FETCH_BEFORE)
        wanted = [i for i in self._ids[start : row + FETCH_AFTER] if i not in self._cache]
        self._cache.update(self._service.rows(wanted))

    # -- Qt interface ---------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and role on each paint: the common roles first,
        # shared brushes and font, one row lookup.
        if not index.isValid():
            return None
        if role == _DISPLAY:
            return self.grid_row(index.row()).values[index.column()]
        if role not in _ROLES:
            return None
        row = self.grid_row(index.row())
        if role == _BACKGROUND:
            return _OVERDUE_BRUSH if row.overdue else None
        if role == _FOREGROUND:
            return _OVERDUE_TEXT if row.overdue else None
        if role == _FONT:
            return _BOLD if row.overdue and index.column() == _NEXT_DUE else None
        if role == _TOOLTIP:
            if not row.overdue:
                return None
            return f"Срок истек: {row.values[_NEXT_DUE]} ({row.status.label})"
        return row.entry_id  # UserRole

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].heading
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # Sorting is a new SQL query, never a proxy over every row (STYLE.md, big tables).
        self.sort_requested.emit(COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder)


@dataclass(frozen=True)
class _Rest:
    """What a worker is to read for the query numbered ``generation``: its whole list
    (unless the first rows were all of it) and, with it, the registry's count if unknown."""

    generation: int
    flt: GridFilter
    sort_key: str
    descending: bool
    whole_list: bool


class RegistryPage(QWidget):
    """The registry section: filter bar, grid, and a line with what is shown."""

    open_requested = Signal(int, int)  # citizen id, entry id
    counts_changed = Signal(int, int)  # shown, total; -1 while being counted on the worker

    def __init__(self, service: RegistryGridService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._sort_key, self._descending = DEFAULT_SORT
        self._total: int | None = 0  # None: being counted on the worker
        self._ready = False  # the header sorts while being set up: no queries until built
        self._last_query: object = None
        self.progressive_from = PROGRESSIVE_FROM
        self.head_rows = HEAD_ROWS
        # Each query's number: a worker's whole list is shown only if no query came since.
        self._generation = 0
        self._complete = True  # the grid shows every matching entry
        self._keep_selected: int | None = None  # to select when the whole list arrives
        self._rest_task: BackgroundTask | None = None
        self._rest_wanted: _Rest | None = None
        self._rest_timer = QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.setInterval(REST_DELAY_MS)
        self._rest_timer.timeout.connect(self._read_rest)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Поиск: ФИО, СНИЛС или телефон (от 2 знаков)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(260)
        self.month_combo = QComboBox()
        self.source_combo = QComboBox()
        self.district_combo = QComboBox()
        self.category_combo = QComboBox()
        self.status_combo = QComboBox()
        self.source_combo.addItem("Все источники", None)
        for source in Source:
            self.source_combo.addItem(f"{source.code}", source)
        self.category_combo.addItem("Все категории", None)
        for category in TargetCategory:
            self.category_combo.addItem(category.label, category)
        self.status_combo.addItem("Любое состояние", None)
        for status in EntryStatus:
            self.status_combo.addItem(status.label, status)
        # Issue #12: the filter bar made the window 1738 px wide; combos size to a short
        # text (the full label shows in the open list) and the filters take a second row.
        for combo, length in (
            (self.month_combo, 12),
            (self.source_combo, 8),
            (self.district_combo, 12),
            (self.category_combo, 12),
            (self.status_combo, 14),
        ):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(length)
        self.columns_button = QToolButton()
        self.columns_button.setText("Столбцы")
        self.columns_button.setToolTip("Показать или скрыть столбцы")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.reset_button = QToolButton()
        self.reset_button.setText("Сбросить")
        self.reset_button.setToolTip("Сбросить поиск и фильтры")

        search_row = QHBoxLayout()
        search_row.addWidget(self.search_edit, 1)
        search_row.addWidget(self.columns_button)
        search_row.addWidget(self.reset_button)
        bar = QHBoxLayout()
        for label, combo in (
            ("Месяц:", self.month_combo),
            ("Источник:", self.source_combo),
            ("Район:", self.district_combo),
            ("Категория:", self.category_combo),
            ("Состояние:", self.status_combo),
        ):
            caption = QLabel(label)
            caption.setBuddy(combo)
            bar.addWidget(caption)
            bar.addWidget(combo, 1)
        bar.addStretch(0)

        self.model = RegistryTableModel(service, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.view.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for index, column in enumerate(COLUMNS):
            header.resizeSection(index, COLUMN_WIDTHS.get(column.key, 110))
            header.setSectionHidden(index, not column.visible_by_default)
        # The working columns next to the name, where the eye is; Appendix 1 order otherwise.
        for visual, key in enumerate(("status", "next_due"), start=COLUMN_KEYS.index("name") + 1):
            header.moveSection(header.visualIndex(COLUMN_KEYS.index(key)), visual)
        self.view.setSortingEnabled(True)
        header.setSortIndicator(
            COLUMN_KEYS.index(self._sort_key),
            Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder,
        )
        self.count_label = QLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)

        self._build_column_menu()
        self.reload_choices()

        self.search_edit.textChanged.connect(self.requery)
        for combo in (
            self.month_combo,
            self.source_combo,
            self.district_combo,
            self.category_combo,
            self.status_combo,
        ):
            combo.currentIndexChanged.connect(self.requery)
        self.reset_button.clicked.connect(self.reset_filters)
        self.model.sort_requested.connect(self._sort)
        self.view.activated.connect(self._open_index)
        focus_search = QAction(self)
        focus_search.setShortcut(QKeySequence.StandardKey.Find)
        focus_search.triggered.connect(self.focus_search)
        self.addAction(focus_search)
        self.search_edit.returnPressed.connect(self._focus_grid)
        self._ready = True

    # -- building -------------------------------------------------------------------------

    def _build_column_menu(self) -> None:
        menu = QMenu(self)
        header = self.view.horizontalHeader()
        self.column_actions: dict[str, QAction] = {}
        for index, column in enumerate(COLUMNS):
            action = menu.addAction(column.title.replace("-\n", "").replace("\n", " "))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(index))
            action.setToolTip(column.heading)
            action.toggled.connect(lambda on, i=index: self.set_column_visible(i, on))
            self.column_actions[column.key] = action
        self.columns_button.setMenu(menu)

    def set_column_visible(self, index: int, visible: bool) -> None:
        header = self.view.horizontalHeader()
        if not visible and header.count() - header.hiddenSectionCount() <= 1:
            self.column_actions[COLUMN_KEYS[index]].setChecked(True)
            return  # the last visible column stays
        header.setSectionHidden(index, not visible)

    def reload_choices(self) -> None:
        """Months and districts present in the database, keeping the current picks."""
        choices = self._service.choices()
        for combo, items, everything in (
            (
                self.month_combo,
                [(Month.parse(m).title, m) for m in choices.months],
                "Все месяцы",
            ),
            (self.district_combo, [(d, d) for d in choices.districts], "Все районы"),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for text, value in items:
                combo.addItem(text, value)
            found = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)

    # -- state ----------------------------------------------------------------------------

    def current_filter(self) -> GridFilter:
        return GridFilter(
            text=self.search_edit.text(),
            month=self.month_combo.currentData(),
            source=enum_data(Source, self.source_combo.currentData()),
            district=self.district_combo.currentData(),
            category=enum_data(TargetCategory, self.category_combo.currentData()),
            status=enum_data(EntryStatus, self.status_combo.currentData()),
        )

    def refresh(self) -> None:
        """After data changed: count the registry again and re-run the query. A big
        registry is counted on the worker, with its whole list."""
        big = self._total is None or self._total >= self.progressive_from  # None: big
        if big or self._service.has_at_least(self.progressive_from):
            self._total = None
        else:
            self._total = self._service.total()
        self.requery(force=True)

    def requery(self, *, force: bool = False) -> None:
        """Re-run the query; the selected entry stays selected when it is still shown.

        A big registry (``progressive_from`` entries or more) shows the first
        ``head_rows`` rows at once and reads the whole list on a worker, one at a time: a
        keystroke never waits for the count of a short, common word."""
        flt = self.current_filter()
        # A keystroke that does not change the search (a first letter, a trailing space)
        # costs nothing.
        key = (search_words(flt.text), replace(flt, text=""), self._sort_key, self._descending)
        if key == self._last_query and not force:
            return
        self._last_query = key
        self._generation += 1
        self._rest_wanted = None
        selected = self.selected_entry_id()
        if selected is None:  # the one to select when a whole list arrives, if any
            selected = self._keep_selected
        if self._total is not None and self._total < self.progressive_from:
            self._show(self._service.search(flt, self._sort_key, self._descending), selected)
            return
        head, complete = self._service.first_rows(
            flt, self._sort_key, self._descending, self.head_rows
        )
        self._show(head, selected, complete=complete)
        if complete and self._total is not None:
            return
        self._rest_wanted = _Rest(
            self._generation, flt, self._sort_key, self._descending, not complete
        )
        self._rest_timer.start()  # restarted by each keystroke

    @property
    def complete(self) -> bool:
        """Whether the grid shows every matching entry and the registry's count (a big
        registry's whole list and count may still be on their way from the worker)."""
        return self._complete and self._total is not None

    def _show(self, ids: list[int], selected: int | None, *, complete: bool = True) -> None:
        self._complete = complete
        self.model.set_ids(ids)
        # An entry not among the first rows is selected when the whole list arrives.
        found = self._select(selected, else_first=complete or selected is None)
        self._keep_selected = None if complete or found else selected
        if complete:
            self._counted(len(ids))
        else:
            self._partly_shown()

    def _select(self, entry_id: int | None, *, else_first: bool) -> bool:
        """Select ``entry_id``'s row if it is shown (True), else the first row if asked."""
        row = self.model.row_of(entry_id) if entry_id is not None else None
        if row is not None:
            self.view.selectRow(row)
        elif else_first and self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0, self._first_visible_column()))
        return row is not None

    def _partly_shown(self) -> None:
        of_total = "" if self._total is None else f" из {self._total}"
        self.count_label.setText(
            f"Показаны первые {self.model.rowCount()} записей{of_total}, ищу остальные…"
        )
        self.counts_changed.emit(-1, -1 if self._total is None else self._total)

    def _counted(self, shown: int) -> None:
        if self._total is None:
            self.count_label.setText(f"Показано записей: {shown}; считаю записи реестра…")
            self.counts_changed.emit(shown, -1)
            return
        self.count_label.setText(f"Показано записей: {shown} из {self._total}")
        self.counts_changed.emit(shown, self._total)

    def _read_rest(self) -> None:
        """Read the newest wanted whole list (and the registry's count, if it is not known)
        on a worker, unless one is being read: that one's list is dropped if it is no
        longer wanted, and the newest wish starts when it ends."""
        if self._rest_task is not None and self._rest_task.running:
            return
        wanted, self._rest_wanted = self._rest_wanted, None
        if wanted is None:
            return
        service = self._service
        count = self._total is None

        def job(_report: object, _cancelled: object) -> tuple[_Rest, list[int] | None, int | None]:
            ids = None
            if wanted.whole_list:
                ids = service.search(wanted.flt, wanted.sort_key, wanted.descending)
            return wanted, ids, service.total() if count else None

        task = BackgroundTask(job, self)
        task.done.connect(self._rest_read)
        task.failed.connect(self._rest_failed)
        self._rest_task = task
        task.start()

    def _rest_read(self, result: object) -> None:
        assert isinstance(result, tuple)
        wanted: _Rest = result[0]
        ids: list[int] | None = result[1]
        total: int | None = result[2]
        if total is not None and self._total is None:
            self._total = total  # whichever search it came with
        current = wanted.generation == self._generation
        if current and ids is not None and not self._complete:
            shown = self.model.ids
            # A row picked meanwhile wins over the one remembered from before the search.
            picked = self.selected_entry_id()
            if picked is None:
                picked = self._keep_selected
            if ids[: len(shown)] == shown:
                self.model.append_ids(ids[len(shown) :])  # the view keeps its place
            else:  # someone changed the registry in between: show the list as it is now
                self.model.set_ids(ids)
            self._complete = True
            self._keep_selected = None
            self._select(picked, else_first=True)
        if self._complete:
            self._counted(self.model.rowCount())
        else:  # the count came with a list no longer wanted; the one wanted is on its way
            self._partly_shown()
        self._read_rest()

    def _rest_failed(self, error: object) -> None:
        logger.error("the registry's whole list could not be read", exc_info=error)  # type: ignore[arg-type]
        if not self._complete or self._total is None:
            self.count_label.setText(
                f"Показано записей: {self.model.rowCount()}; остальные прочитать не удалось "
                "(подробности в журнале): нажмите F5, чтобы повторить."
            )
        self._read_rest()

    def wait(self) -> None:
        """Block until a worker reading the whole list has returned (before closing)."""
        self._rest_wanted = None
        self._rest_timer.stop()
        if self._rest_task is not None:
            self._rest_task.wait()

    def _first_visible_column(self) -> int:
        header = self.view.horizontalHeader()
        return header.logicalIndex(0) if header.count() else 0

    def reset_filters(self) -> None:
        widgets: list[QWidget] = [
            self.search_edit,
            self.month_combo,
            self.source_combo,
            self.district_combo,
            self.category_combo,
            self.status_combo,
        ]
        for widget in widgets:
            widget.blockSignals(True)
        self.search_edit.clear()
        for combo in widgets[1:]:
            assert isinstance(combo, QComboBox)
            combo.setCurrentIndex(0)
        for widget in widgets:
            widget.blockSignals(False)
        self.requery()

    def selected_entry_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.entry_id(index.row())

    def selected_citizen_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.grid_row(index.row()).citizen_id

    def _sort(self, key: str, descending: bool) -> None:
        self._sort_key, self._descending = key, descending
        if self._ready:
            self.requery()

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            row = self.model.grid_row(index.row())
            self.open_requested.emit(row.citizen_id, row.entry_id)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _focus_grid(self) -> None:
        self.view.setFocus()
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, self._first_visible_column()))

    # -- remembered layout ----------------------------------------------------------------

    def _filter_combos(self) -> dict[str, QComboBox]:
        return {
            "month": self.month_combo,
            "source": self.source_combo,
            "district": self.district_combo,
            "category": self.category_combo,
            "status": self.status_combo,
        }

    def save_layout(self, settings: QSettings) -> None:
        settings.setValue("registry/header", self.view.horizontalHeader().saveState())
        # The month and filters chosen are there again at the next start (issue #12).
        for name, combo in self._filter_combos().items():
            value = combo.currentData()
            settings.setValue(f"registry/filter_{name}", "" if value is None else str(value))

    def restore_layout(self, settings: QSettings) -> None:
        self._restore_filters(settings)
        state = settings.value("registry/header")
        # Restoring the header re-emits its sort order: no query for it (the caller
        # refreshes once; at 300k people on a server each query costs a tenth of a second).
        self._ready = False
        try:
            restored = isinstance(state, QByteArray | bytes) and (
                self.view.horizontalHeader().restoreState(QByteArray(state))
            )
        finally:
            self._ready = True
        if restored:
            header = self.view.horizontalHeader()
            for index, column in enumerate(COLUMNS):
                self.column_actions[column.key].setChecked(not header.isSectionHidden(index))
            section = header.sortIndicatorSection()
            if 0 <= section < len(COLUMN_KEYS):
                self._sort_key = COLUMN_KEYS[section]
                self._descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder

    def _restore_filters(self, settings: QSettings) -> None:
        """The filters saved by ``save_layout``; a month or district no longer in the
        database leaves its filter at «все». The caller refreshes the grid."""
        for name, combo in self._filter_combos().items():
            value = settings.value(f"registry/filter_{name}")
            if not isinstance(value, str) or not value:
                continue
            for index in range(combo.count()):
                data = combo.itemData(index)
                if data is not None and str(data) == value:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(index)
                    combo.blockSignals(False)
                    break
