"""The deadline dashboard: overdue, due today and this week; route coverage; monthly flow."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from PySide6.QtCore import QDate, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.deadlines import DueStatus
from app.services.dashboard import MonthFlow
from app.services.deadlines import DueItem
from ui.date_typing import make_typable

logger = logging.getLogger(__name__)

# The three groups the dashboard shows, in the order of urgency.
GROUPS = (DueStatus.OVERDUE, DueStatus.DUE_TODAY, DueStatus.DUE_THIS_WEEK)
GROUP_COLOURS = {
    DueStatus.OVERDUE: QColor("#8a1c1c"),
    DueStatus.DUE_TODAY: QColor("#9a6400"),
    DueStatus.DUE_THIS_WEEK: QColor("#1b4f8a"),
}
# A group lists this many items per kind; the count above them is always complete.
ITEMS_PER_KIND = 300
LEVEL_STYLE = {
    "green": "background: #d8f0d8; color: #1b5e20;",
    "amber": "background: #fff0c2; color: #7a5200;",
    "red": "background: #fde2e1; color: #8a1c1c;",
    "none": "background: #ececec; color: #505050;",
}
SERIES = (
    ("identified", "выявлено", QColor("#4f7fbf")),
    ("informed", "проинформировано", QColor("#e0a030")),
    ("route_sent", "направлен маршрут", QColor("#3f9f5f")),
)
ITEM_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class FlowChart(QWidget):
    """Bars per month: people identified, informed and sent a route (Appendix 1 cols 2, 7, 9)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow: tuple[MonthFlow, ...] = ()
        self.setMinimumHeight(170)

    def set_flow(self, flow: tuple[MonthFlow, ...]) -> None:
        self.flow = flow
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(8, 22, -8, -22)
        peak = max((getattr(m, key) for m in self.flow for key, _, _ in SERIES), default=0)
        x = rect.left()
        for _, title, colour in SERIES:  # legend
            painter.fillRect(int(x), 4, 10, 10, colour)
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(int(x) + 14, 14, title)
            x += 24 + painter.fontMetrics().horizontalAdvance(title)
        if not self.flow or peak == 0:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Нет данных за год")
            return
        slot = rect.width() / len(self.flow)
        bar = max(2.0, (slot - 6) / len(SERIES))
        for index, month in enumerate(self.flow):
            left = rect.left() + index * slot + 3
            for n, (key, _, colour) in enumerate(SERIES):
                value = getattr(month, key)
                height = rect.height() * value / peak
                painter.fillRect(
                    QRectF(left + n * bar, rect.bottom() - height, bar - 1, height), colour
                )
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(
                QRectF(left, rect.bottom() + 2, slot - 6, 18),
                Qt.AlignmentFlag.AlignHCenter,
                f"{month.month[5:]}.{month.month[2:4]}",
            )


class DashboardPage(QWidget):
    """What is overdue, due today and due this week; each item opens its person's card."""

    open_requested = Signal(str, int)  # entity, entity id
    date_changed = Signal(object)  # date

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        self.date_edit = make_typable(QDateEdit(QDate(today.year, today.month, today.day)))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd.MM.yyyy")
        self.refresh_button = QPushButton("Показать")
        self.status = QLabel("Подсчет сроков…")
        self.coverage = QLabel()
        self.coverage.setWordWrap(True)
        self.coverage.setStyleSheet("padding: 6px;")
        bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        bar.addWidget(QLabel("На дату:"))
        bar.addWidget(self.date_edit)
        bar.addWidget(self.refresh_button)

        self.trees: dict[DueStatus, QTreeWidget] = {}
        self.boxes: dict[DueStatus, QGroupBox] = {}
        columns = QHBoxLayout()
        for status in GROUPS:
            box = QGroupBox(status.label)
            tree = QTreeWidget()
            tree.setHeaderLabels(["Срок", "Что сделать", "Гражданин"])
            tree.setColumnWidth(0, 115)
            tree.setColumnWidth(1, 220)
            tree.itemActivated.connect(self._activated)
            layout = QVBoxLayout(box)
            layout.addWidget(tree)
            self.trees[status] = tree
            self.boxes[status] = box
            columns.addWidget(box)

        self.chart = FlowChart()
        indicator = QGroupBox(
            "Показатель 31-р, п. 5.3: доля получивших маршрут (текущее полугодие)"
        )
        indicator_layout = QVBoxLayout(indicator)
        indicator_layout.addWidget(self.coverage)
        flow_box = QGroupBox("По месяцам: выявлено, проинформировано, направлен маршрут")
        flow_layout = QVBoxLayout(flow_box)
        flow_layout.addWidget(self.chart)
        bottom = QHBoxLayout()
        bottom.addWidget(indicator, 1)
        bottom.addWidget(flow_box, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(columns, 3)
        layout.addWidget(self.status)
        layout.addLayout(bottom, 1)
        self.refresh_button.clicked.connect(self._date_chosen)

    def on(self) -> date:
        value = self.date_edit.date().toPython()
        assert isinstance(value, date)
        return value

    def _date_chosen(self) -> None:
        self.status.setText("Подсчет сроков…")
        self.date_changed.emit(self.on())

    def show_items(self, on: date, items: list[DueItem]) -> None:
        self.heading.setText(f"<h2>Сроки на {on:%d.%m.%Y}</h2>")
        grouped: dict[DueStatus, dict[str, list[DueItem]]] = {s: defaultdict(list) for s in GROUPS}
        for item in items:
            if item.status in grouped:
                grouped[item.status][item.kind.label].append(item)
        for status, tree in self.trees.items():
            tree.clear()
            total = 0
            for kind, kind_items in sorted(grouped[status].items()):
                total += len(kind_items)
                top = QTreeWidgetItem([f"{len(kind_items)}", kind])
                top.setForeground(1, GROUP_COLOURS[status])
                top.setToolTip(1, f"{kind} ({kind_items[0].kind.source})")
                for item in kind_items[:ITEMS_PER_KIND]:
                    child = QTreeWidgetItem([f"{item.due_on:%d.%m.%Y}", item.title, item.person])
                    # Plain str/int only: a Python tuple kept in a QVariant is released at
                    # interpreter shutdown and aborts it (PySide6 6.12).
                    if item.entity_id is not None:
                        child.setData(0, ITEM_ROLE, item.entity)
                        child.setData(0, ID_ROLE, item.entity_id)
                    child.setToolTip(1, item.title)
                    top.addChild(child)
                if len(kind_items) > ITEMS_PER_KIND:
                    top.addChild(
                        QTreeWidgetItem(["", f"… и еще {len(kind_items) - ITEMS_PER_KIND}"])
                    )
                tree.addTopLevelItem(top)
                top.setExpanded(len(kind_items) <= 20)
            self.boxes[status].setTitle(f"{status.label}: {total}")
        self.status.setText("" if items else "Срочных дел нет.")

    def show_flow(self, flow: tuple[MonthFlow, ...]) -> None:
        self.chart.set_flow(flow)

    def show_coverage(self, issued: int, target: int, percent: float | None, level: str) -> None:
        if percent is None:
            text = "В этом полугодии в реестре еще нет граждан целевой категории."
        else:
            text = (
                f"Маршрут получили {issued} из {target} инвалидов и детей-инвалидов целевой "
                "категории, выявленных в этом полугодии: "
                f"<b>{percent:.1f} %</b> (норма 100 %, допустимо до 90 %)"
            )
        self.coverage.setText(text)
        self.coverage.setStyleSheet("padding: 6px;" + LEVEL_STYLE.get(level, ""))
        self.coverage_level = level

    def _activated(self, item: QTreeWidgetItem, _: int) -> None:
        entity, entity_id = item.data(0, ITEM_ROLE), item.data(0, ID_ROLE)
        if entity and entity_id is not None:
            self.open_requested.emit(str(entity), int(entity_id))
