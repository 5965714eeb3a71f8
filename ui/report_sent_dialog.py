"""«Отчет отправлен в центр»: the day the semi-annual report went to the regional centre,
which closes the duty of 31-р 5.2 (issue #12)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import format_date
from app.domain.periods import HalfYear
from app.errors import UserError
from app.services import report
from db.session import Database
from ui.date_typing import make_typable


class ReportSentDialog(QDialog):
    """The date the report was sent (typed or picked), the file sent and a note."""

    marked = Signal(object)  # report.SubmissionState

    def __init__(
        self,
        db: Database,
        half: str,
        today: date,
        file: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._half = half
        period = HalfYear.parse(half)
        self.setWindowTitle("Отчет отправлен в региональный центр")
        self.setMinimumWidth(560)
        due = report.submission_state(db, half, today).due_on
        heading = QLabel(
            f"<b>Отчет за {period.title}</b> (31-р, п. 5.2; срок — {format_date(due)})"
        )
        self.date_edit = make_typable(QDateEdit(QDate(today.year, today.month, today.day)))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd.MM.yyyy")
        self.file_edit = QLineEdit(str(file) if file else "")
        self.file_edit.setPlaceholderText("необязательно: файл, который был отправлен")
        browse = QPushButton("Выбрать…")
        browse.clicked.connect(lambda _checked=False: self._browse())
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("необязательно: например, «письмом № 12» или «по e-mail»")
        form = QFormLayout()
        form.addRow("Дата отправки:", self.date_edit)
        form.addRow("Файл отчета:", file_row)
        form.addRow("Примечание:", self.note_edit)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #8a1c1c;")
        self.mark_button = QPushButton("Отметить")
        self.mark_button.setDefault(True)
        cancel = QPushButton("Отмена")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.mark_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.mark_button.clicked.connect(lambda _checked=False: self.mark())
        cancel.clicked.connect(lambda _checked=False: self.reject())

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Файл отчета", self.file_edit.text(), "Отчет (*.xlsx *.pdf);;Все файлы (*)"
        )
        if name:
            self.file_edit.setText(name)

    def mark(self) -> None:
        sent_on = self.date_edit.date().toPython()
        assert isinstance(sent_on, date)
        file = self.file_edit.text().strip()
        try:
            state = report.mark_report_sent(
                self._db,
                self._half,
                sent_on,
                Path(file) if file else None,
                self.note_edit.text(),
            )
        except UserError as exc:
            self.error_label.setText(str(exc))
            return
        self.marked.emit(state)
        self.accept()
