"""The calls section (journal 1.7, list for the regional system 1.6.1) and the routes section."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.documents.report_form import (
    APPENDIX4_HEADINGS,
    APPENDIX4_LEFT_HEADINGS,
    APPENDIX4_SECTIONS,
)
from app.domain.dates import format_date
from app.domain.deadlines import semiannual_report_due
from app.domain.periods import HalfYear, Month
from app.errors import UserError
from app.services import informing, report, routes
from app.services.registry_grid import RegistryGridService
from db.session import Database
from ui.date_typing import date_edit
from ui.profile_guard import documents_allowed
from ui.report_sent_dialog import ReportSentDialog

logger = logging.getLogger(__name__)

JOURNAL_HEADERS = (
    "№",
    "Дата",
    "Время",
    "Ф.И.О. получателя",
    "Телефон",
    "Услуга",
    "Результат",
    "Специалист",
)


def coverage_text(coverage: report.Coverage) -> str:
    """31-р 5.3 as the consultant reads it: the definition and the counts behind it."""
    percent = "—" if coverage.percent is None else f"{coverage.percent:.1f} %"
    by = f" по {format_date(coverage.routes_by)}" if coverage.routes_by else ""
    return (
        f"Показатель п. 5.3: из {coverage.target} инвалидов и детей-инвалидов целевой "
        f"категории, выявленных за полугодие (графы 4 и 6), маршрут получили{by} "
        f"{coverage.issued} ({percent}) — {coverage.level_title}"
    )


class CallsPage(QWidget):
    """Calls of a period as the journal of 31-р 1.7 shows them; exports for 1.7 and 1.6.1."""

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        first = today.replace(day=1)
        self.from_edit = date_edit(first)
        self.to_edit = date_edit(today)
        self.show_button = QPushButton("Показать")
        self.journal_xlsx = QPushButton("Журнал (XLSX)…")
        self.journal_pdf = QPushButton("Журнал (PDF)…")
        self.eis_button = QPushButton("Список для ЕИС СЗН (XLSX)…")
        self.eis_pdf_button = QPushButton("Список для ЕИС СЗН (PDF)…")
        self.eis_button.setToolTip(
            "Сведения для вкладки «Результаты» ИПРА в ЕИС СЗН (31-р, п. 1.6.1)"
        )
        bar = QHBoxLayout()
        bar.addWidget(QLabel("С:"))
        bar.addWidget(self.from_edit)
        bar.addWidget(QLabel("по:"))
        bar.addWidget(self.to_edit)
        bar.addWidget(self.show_button)
        bar.addStretch(1)
        for button in (self.journal_xlsx, self.journal_pdf, self.eis_button, self.eis_pdf_button):
            bar.addWidget(button)
        self.table = QTableWidget(0, len(JOURNAL_HEADERS))
        self.table.setHorizontalHeaderLabels(list(JOURNAL_HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 50), (1, 90), (2, 60), (3, 240), (4, 120), (5, 260), (7, 200)):
            self.table.setColumnWidth(column, width)
        self.message = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("<h2>Звонки</h2>Журнал срочных социальных услуг по телефону (31-р, п. 1.7)")
        )
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.show_button.clicked.connect(self.refresh)
        self.journal_xlsx.clicked.connect(lambda: self._choose("journal", "xlsx"))
        self.journal_pdf.clicked.connect(lambda: self._choose("journal", "pdf"))
        self.eis_button.clicked.connect(lambda: self._choose("eis", "xlsx"))
        self.eis_pdf_button.clicked.connect(lambda: self._choose("eis", "pdf"))

    def period(self) -> tuple[date, date]:
        start = self.from_edit.date().toPython()
        end = self.to_edit.date().toPython()
        assert isinstance(start, date) and isinstance(end, date)
        return start, end

    def refresh(self) -> None:
        start, end = self.period()
        try:
            rows = informing.journal_rows(self._db, start, end)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row.cells):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.message.setText(f"Звонков за период: {len(rows)}")

    def _choose(self, what: str, fmt: str) -> None:
        start, end = self.period()
        title = "Журнал звонков" if what == "journal" else "Список для ЕИС СЗН"
        default = Path.home() / f"{title} {start:%d.%m.%Y}-{end:%d.%m.%Y}.{fmt}"
        name, _ = QFileDialog.getSaveFileName(self, title, str(default), f"*.{fmt}")
        if name:
            self.export(what, fmt, Path(name))

    def export(self, what: str, fmt: str, out: Path) -> int | None:
        start, end = self.period()
        try:
            if what == "journal":
                count = informing.export_journal(self._db, start, end, fmt, out)
            else:
                count = informing.export_eis_list(self._db, start, end, out, fmt)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.message.setText(f"Сохранено строк: {count} — {out}")
        return count


class RoutesPage(QWidget):
    """Every issued route of a month's registry printed in one file (31-р 3.4)."""

    def __init__(
        self, db: Database, grid: RegistryGridService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._grid = grid
        self.month_combo = QComboBox()
        self.print_button = QPushButton("Маршруты за месяц в один PDF…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Отчетный месяц:"))
        bar.addWidget(self.month_combo)
        bar.addWidget(self.print_button)
        bar.addStretch(1)
        hint = QLabel(
            "Маршрут составляется из карточки реестра: выберите гражданина и нажмите "
            "«Маршрут…» (Ctrl+M). Выданный маршрут хранится со всеми версиями; сведения об "
            "организациях копируются в него при выдаче (31-р, пп. 3.3-3.4, приложение 2)."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Маршруты</h2>"))
        layout.addWidget(hint)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.print_button.clicked.connect(self._choose)

    def refresh(self) -> None:
        current = self.month_combo.currentData()
        self.month_combo.clear()
        for month in self._grid.choices().months:
            self.month_combo.addItem(Month.parse(month).title, month)
        if current:
            self.month_combo.setCurrentIndex(max(self.month_combo.findData(current), 0))

    def _choose(self) -> None:
        month = self.month_combo.currentData()
        if not month:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Маршруты", str(Path.home() / f"Маршруты {month}.pdf"), "PDF (*.pdf)"
        )
        if name:
            self.print_month(str(month), Path(name))

    def print_month(self, month: str, out: Path) -> int | None:
        try:
            count = routes.export_route_pdf(self._db, out, month=month)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.message.setText(f"Маршрутов в файле: {count} — {out}")
        return count


class ReportsPage(QWidget):
    """The semi-annual report of 31-р 5.2 (Appendix 4) and the indicator of 5.3; the day
    it went to the regional centre closes the duty (issue #12)."""

    changed = Signal()  # a report was marked sent: the deadlines change

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today
        self.exported: dict[str, Path] = {}  # half-year -> the file last saved
        self.sent_dialog: ReportSentDialog | None = None
        self.half_combo = QComboBox()
        current = Month.of(today).half_year
        half = current
        for _ in range(6):  # this half-year and the five before it
            self.half_combo.addItem(f"{half.title}", str(half))
            half = half.previous()
        self.half_combo.setCurrentIndex(1 if today.month in (1, 7) else 0)
        self.xlsx_button = QPushButton("Отчет (XLSX)…")
        self.pdf_button = QPushButton("Отчет (PDF)…")
        self.sent_button = QPushButton("Отметить: отправлен в центр…")
        self.sent_button.setToolTip(
            "День, когда отчет направлен в региональный центр (31-р, п. 5.2): срок на "
            "панели «Сроки» закрывается"
        )
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Полугодие:"))
        bar.addWidget(self.half_combo)
        bar.addStretch(1)
        bar.addWidget(self.xlsx_button)
        bar.addWidget(self.pdf_button)
        bar.addWidget(self.sent_button)
        self.sent_label = QLabel()
        self.sent_label.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Графа приложения 4", "Значение"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 120)
        self.coverage = QLabel()
        self.coverage.setWordWrap(True)
        self.message = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Отчеты</h2>Отчет за полугодие (31-р, п. 5.2, приложение 4)"))
        layout.addLayout(bar)
        layout.addWidget(self.sent_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.coverage)
        layout.addWidget(self.message)
        self.half_combo.currentIndexChanged.connect(self.refresh)
        self.xlsx_button.clicked.connect(lambda: self._choose("xlsx"))
        self.pdf_button.clicked.connect(lambda: self._choose("pdf"))
        self.sent_button.clicked.connect(lambda _checked=False: self.mark_sent())

    def half(self) -> str:
        return str(self.half_combo.currentData())

    def refresh(self) -> None:
        data = report.semiannual_report(self._db, self.half())
        titles = [
            *APPENDIX4_LEFT_HEADINGS,
            *(
                f"{APPENDIX4_SECTIONS[(i) // 4]}: {heading}"
                for i, heading in enumerate(APPENDIX4_HEADINGS)
            ),
        ]
        cells = data.cells
        self.table.setRowCount(len(titles))
        for row, (title, value) in enumerate(zip(titles, cells, strict=True)):
            self.table.setItem(row, 0, QTableWidgetItem(f"{row + 1}. {title}"))
            self.table.setItem(row, 1, QTableWidgetItem(str(value)))
        self.table.resizeRowsToContents()
        coverage = report.route_coverage(self._db, self.half())
        self.coverage.setText(coverage_text(coverage))
        self._show_sent()

    def _show_sent(self) -> None:
        half = HalfYear.parse(self.half())
        if half.last_day >= self._today:
            self.sent_label.setText(
                f"Полугодие не закончилось: отчет направляется до "
                f"{format_date(semiannual_report_due(half))}."
            )
            self.sent_button.setEnabled(False)
            return
        state = report.submission_state(self._db, self.half(), self._today)
        self.sent_label.setText(state.text)
        self.sent_button.setEnabled(state.submission is None)

    def mark_sent(self) -> ReportSentDialog:
        dialog = ReportSentDialog(
            self._db, self.half(), self._today, self.exported.get(self.half()), parent=self
        )
        dialog.marked.connect(self._marked)
        self.sent_dialog = dialog
        dialog.open()
        return dialog

    def _marked(self, state: object) -> None:
        self._show_sent()
        self.message.setText(getattr(state, "text", ""))
        self.changed.emit()

    def _choose(self, fmt: str) -> None:
        # Appendix 4 is never saved without column 2, the organisation (issue #12).
        if not documents_allowed(self, self._db, "report"):
            return
        default = Path.home() / f"Отчет {self.half()}.{fmt}"
        name, _ = QFileDialog.getSaveFileName(self, "Отчет", str(default), f"*.{fmt}")
        if name:
            self.export(fmt, Path(name))

    def export(self, fmt: str, out: Path) -> Path | None:
        try:
            result = report.export_semiannual(self._db, self.half(), fmt, out)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.exported[result.half] = result.path
        self.message.setText(f"Отчет сохранен: {result.path}")
        return result.path
