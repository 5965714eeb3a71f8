"""«Карточки вне реестра»: people with a card but no registry entry, to be completed.

Issue #12: a walk-in saved with only ФИО and СНИЛС was in no list at all. Here every such
card is listed with what 31-р 2.1 still needs (or why the person is not in the target
category); Enter or a double click opens the card.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import citizens
from db.session import Database
from ui.errors import APP_TITLE

HEADERS = ("Ф.И.О.", "Дата рождения", "СНИЛС", "Карточка заведена", "Почему не в реестре")


class OutsideRegistryDialog(QDialog):
    def __init__(
        self, db: Database, open_card: Callable[[int], object], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._open_card = open_card
        self.rows: list[citizens.OutsideRow] = []
        self.setWindowTitle(f"Карточки вне реестра — {APP_TITLE}")
        self.resize(1100, 560)
        intro = QLabel(
            "Граждане, чьи карточки сохранены, но в реестр не внесены: дополните карточку "
            "(двойной щелчок или Enter) — при сохранении гражданин, отвечающий п. 2.1, "
            "будет внесён в реестр."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((280, 125, 130, 160)):
            self.table.setColumnWidth(column, width)
        self.count_label = QLabel()
        self.open_button = QPushButton("Открыть карточку")
        self.close_button = QPushButton("Закрыть")
        for button in (self.open_button, self.close_button):
            button.setAutoDefault(False)  # Enter in the table opens the card once, not twice
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemActivated.connect(lambda _item: self.open_selected())
        self.open_button.clicked.connect(lambda _checked=False: self.open_selected())
        self.close_button.clicked.connect(self.accept)
        self.refresh()

    def refresh(self) -> None:
        self.rows = citizens.outside_registry(self._db)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = (row.name, row.birth_date, row.snils, row.created_on, row.why)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 4:
                    item.setToolTip(value)
                self.table.setItem(r, column, item)
        shown = len(self.rows)
        more = " (показаны последние)" if shown >= citizens.OUTSIDE_LIMIT else ""
        self.count_label.setText(f"Карточек вне реестра: {shown}{more}")
        if shown:
            self.table.selectRow(0)
        self.open_button.setEnabled(bool(shown))

    def open_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            dialog = self._open_card(self.rows[row].citizen_id)
            finished = getattr(dialog, "finished", None)
            if finished is not None:
                finished.connect(lambda _result: self.refresh())
