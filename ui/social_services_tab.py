"""The card's «510-п, 6-р» tab: the person's applications of order 6-р and courses of
510-п subsection 3, as their sections list them (issue #13)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import format_date
from app.services import courses, intake
from db.session import Database

APPLICATION_HEADERS = ("№", "Подано", "Обследование", "Решение", "Дата решения", "Баллы")
COURSE_HEADERS = ("Технология", "Форма", "С", "По", "Состояние", "Дней в этом месяце")


def _table(headers: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(r, c, item)


class SocialServicesTab(QWidget):
    """Read-only lists; the work itself is done in the «Заявления (6-р)» and «Курсы (510-п)»
    sections."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.applications = _table(APPLICATION_HEADERS, "card_applications")
        self.courses = _table(COURSE_HEADERS, "card_courses")
        applications_box = QGroupBox("Заявления о социальном обслуживании (6-р)")
        QVBoxLayout(applications_box).addWidget(self.applications)
        courses_box = QGroupBox("Курсы полустационарного обслуживания (510-п, подраздел 3)")
        QVBoxLayout(courses_box).addWidget(self.courses)
        hint = QLabel(
            "Заявления и курсы ведутся в разделах «Заявления (6-р)» и «Курсы (510-п)»; "
            "здесь — всё, что есть у этого гражданина."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(applications_box, 1)
        layout.addWidget(courses_box, 1)

    def load(self, db: Database, citizen_id: int | None) -> None:
        if citizen_id is None:
            _fill(self.applications, [])
            _fill(self.courses, [])
            return
        _fill(
            self.applications,
            [
                (
                    a.journal_number,
                    format_date(a.applied_on),
                    a.survey,
                    a.decision_label,
                    format_date(a.decided_on),
                    "" if a.total is None else str(a.total),
                )
                for a in intake.list_applications(db, citizen_id=citizen_id)
            ],
        )
        _fill(
            self.courses,
            [
                (
                    p.technology_label,
                    p.service_form.label,
                    format_date(p.starts_on),
                    format_date(p.ends_on),
                    p.status_label,
                    str(p.days_in_month),
                )
                for p in courses.list_programmes(db, citizen_id=citizen_id)
            ],
        )
