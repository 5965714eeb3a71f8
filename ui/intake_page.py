"""«Заявления (6-р)»: the journal of applications, the survey, the assessment, the decision.

The list (search, state filter, year) on the left; the chosen application on the right with
its terms (survey in 2 working days, 6-р 6, none where 6-р 5 draws no act; decision in 5
working days, 6-р 4) and the buttons that record each step in its dialog. The assessment
dialog totals the points of the criteria as they are typed and says when the 11 points of
6-р 7.3 г are reached.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import intake as rules
from app.domain.dates import format_date
from app.domain.deadlines import DueStatus
from app.domain.enums import ApplicationDecision, Technology
from app.domain.intake import ServiceBasis
from app.errors import UserError
from app.services import courses, intake
from db.session import Database
from ui.combo import enum_data
from ui.date_typing import date_edit, to_date
from ui.errors import show_user_error

COL_NUMBER, COL_DATE, COL_NAME, COL_BASIS, COL_SURVEY, COL_DECISION = range(6)
HEADINGS = ("№", "Подано", "ФИО", "Основание", "Обследование", "Решение")
REFUSED_STYLE = "color: #b00020;"
REACHED_STYLE = "color: #1b5e20; font-weight: bold;"


def _status(status: DueStatus | None) -> str:
    return f" ({status.label})" if status is not None else ""


def _problem_label() -> QLabel:
    label = QLabel()
    label.setObjectName("problem")
    label.setWordWrap(True)
    label.setStyleSheet(REFUSED_STYLE)
    return label


def _buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    ok = box.button(QDialogButtonBox.StandardButton.Save)
    ok.setText(ok_text)
    box.button(QDialogButtonBox.StandardButton.Cancel).setText("Отмена")
    box.rejected.connect(dialog.reject)
    return box, ok


class IntakePage(QWidget):
    """The section «Заявления (6-р)»."""

    changed = Signal()  # something was written: the dashboard's 6-р duties changed

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today
        self._rows: list[intake.ApplicationRow] = []
        self._view: intake.ApplicationView | None = None
        self.last_dialog: QDialog | None = None

        title = QLabel(
            "<b>Заявления о предоставлении социальных услуг и решения (распоряжение 6-р)</b>"
        )
        self.search = QLineEdit()
        self.search.setPlaceholderText("Поиск: ФИО или регистрационный номер")
        self.search.setClearButtonEnabled(True)
        self.state = QComboBox()
        for key, label in intake.FILTERS.items():
            self.state.addItem(label.capitalize(), key)
        self.year = QComboBox()
        self.year.addItem("Все годы", None)
        for year in range(today.year, today.year - 5, -1):
            self.year.addItem(str(year), year)
        self.new_button = QPushButton("Новое заявление…")
        self.journal_button = QPushButton("Журнал (XLSX/PDF)…")
        filters = QHBoxLayout()
        for w in (self.search, self.state, self.year):
            filters.addWidget(w)
        filters.setStretch(0, 2)
        filters.addWidget(self.new_button)
        filters.addWidget(self.journal_button)

        self.table = QTableWidget(0, len(HEADINGS))
        self.table.setObjectName("intake_table")
        self.table.setHorizontalHeaderLabels(HEADINGS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_NAME, 210)
        header.setStretchLastSection(True)

        self.details = QLabel("Выберите заявление в списке.")
        self.details.setObjectName("intake_details")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.survey_button = QPushButton("Обследование…")
        self.assess_button = QPushButton("Оценка (критерии, Комиссия)…")
        self.decide_button = QPushButton("Решение…")
        self.notice_button = QPushButton("Уведомление (PDF)…")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.details, 1)
        for b in (self.survey_button, self.assess_button, self.decide_button, self.notice_button):
            right_layout.addWidget(b)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([760, 420])

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self.search.textChanged.connect(self.refresh)
        self.state.currentIndexChanged.connect(self.refresh)
        self.year.currentIndexChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._selected)
        self.new_button.clicked.connect(self.new_application)
        self.journal_button.clicked.connect(self.export_journal)
        self.survey_button.clicked.connect(self.record_survey)
        self.assess_button.clicked.connect(self.assess)
        self.decide_button.clicked.connect(self.decide)
        self.notice_button.clicked.connect(self.print_notice)
        self._enable()

    @property
    def application_id(self) -> int | None:
        return self._view.id if self._view else None

    def refresh(self) -> None:
        chosen = self.application_id
        year = self.year.currentData()
        self._rows = intake.list_applications(
            self._db, self.search.text(), str(self.state.currentData() or ""), year
        )
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            decision = row.decision_label
            if row.decided_on:
                decision += f" {format_date(row.decided_on)}"
            elif row.decision_due:
                decision += f", до {format_date(row.decision_due)}{_status(row.decision_status)}"
            values = (
                row.journal_number,
                format_date(row.applied_on),
                row.person,
                row.basis.short if row.basis else "—",
                row.survey + (_status(row.survey_status) if row.survey.startswith("до") else ""),
                decision,
            )
            for c, text in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        ids = [r.id for r in self._rows]
        if chosen in ids:
            self.table.blockSignals(True)
            self.table.selectRow(ids.index(chosen))
            self.table.blockSignals(False)

    def select_application(self, application_id: int) -> None:
        """Show the application (a dashboard duty opens it); the filters let it be listed."""
        if application_id not in [r.id for r in self._rows]:
            for w in (self.search, self.state, self.year):
                w.blockSignals(True)
            self.search.clear()
            self.state.setCurrentIndex(0)
            self.year.setCurrentIndex(0)
            for w in (self.search, self.state, self.year):
                w.blockSignals(False)
            self.refresh()
        ids = [r.id for r in self._rows]
        if application_id in ids:
            self.table.blockSignals(True)
            self.table.selectRow(ids.index(application_id))
            self.table.blockSignals(False)
        self._show(intake.get_application(self._db, application_id))

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._show(intake.get_application(self._db, self._rows[rows[0].row()].id))

    def _show(self, view: intake.ApplicationView) -> None:
        self._view = view
        lines = [
            f"<b>{escape(view.person)}</b>",
            f"Заявление № {escape(view.journal_number)} от {format_date(view.applied_on)}",
            f"Основание: {escape(view.basis_label)}",
        ]
        if view.technology is not None:
            lines.append(f"Технология: {escape(intake.TECHNOLOGY_LABELS[view.technology])}")
        if view.survey_due is not None:
            done = f", акт от {format_date(view.surveyed_on)}" if view.surveyed_on else ""
            lines.append(
                f"Обследование (п. 6): до {format_date(view.survey_due)}"
                f"{done}{_status(view.survey_status)}"
            )
        else:
            lines.append(f"Обследование: {escape(view.survey_exemption or '')}")
        if view.decision_due is not None:
            lines.append(
                f"Решение (п. 4): до {format_date(view.decision_due)}"
                f"{_status(view.decision_status)}"
            )
        decided = f" {format_date(view.decided_on)}" if view.decided_on else ""
        lines.append(f"<b>{escape(view.decision_label.capitalize())}{decided}</b>")
        if view.refusal_reason:
            lines.append(f"Основание отказа: {escape(view.refusal_reason)}")
        if view.total is not None:
            lines.append(escape(rules.total_text(view.total)))
        if view.commission_recommendation:
            lines.append(f"Рекомендация Комиссии: {escape(view.commission_recommendation)}")
        if view.factors:
            lines.append("Учитываются (п. 7):<br>" + "<br>".join(escape(f) for f in view.factors))
        self.details.setText("<br>".join(lines))
        self._enable()

    def _enable(self) -> None:
        view = self._view
        pending = view is not None and view.decision is ApplicationDecision.PENDING
        self.survey_button.setEnabled(pending and view is not None and view.survey_required)
        self.assess_button.setEnabled(pending)
        self.decide_button.setEnabled(pending)
        self.notice_button.setEnabled(view is not None and not pending)

    def _written(self, view: intake.ApplicationView) -> None:
        self.refresh()
        self.select_application(view.id)
        self.changed.emit()

    def new_application(self) -> RegisterDialog:
        dialog = RegisterDialog(self._db, self._today, self)
        self.last_dialog = dialog
        dialog.saved.connect(self._written)
        dialog.open()
        return dialog

    def record_survey(self) -> SurveyDialog | None:
        if self._view is None:
            return None
        dialog = SurveyDialog(self._db, self._view, self._today, self)
        self.last_dialog = dialog
        dialog.saved.connect(self._written)
        dialog.open()
        return dialog

    def assess(self) -> AssessmentDialog | None:
        if self._view is None:
            return None
        dialog = AssessmentDialog(self._db, self._view, self._today, self)
        self.last_dialog = dialog
        dialog.saved.connect(self._written)
        dialog.open()
        return dialog

    def decide(self) -> DecisionDialog | None:
        if self._view is None:
            return None
        dialog = DecisionDialog(self._db, self._view, self._today, self)
        self.last_dialog = dialog
        dialog.saved.connect(self._written)
        dialog.open()
        return dialog

    def print_notice(self) -> None:
        if self._view is None:
            return
        last = self._view.person.split()[0] if self._view.person else "заявитель"
        name, _ = QFileDialog.getSaveFileName(
            self, "Уведомление о решении", f"Уведомление_{last}.pdf", "PDF (*.pdf)"
        )
        if name:
            self.write_notice(Path(name))

    def write_notice(self, path: Path) -> Path | None:
        if self._view is None:
            return None
        try:
            return intake.write_notice(self._db, self._view.id, path)
        except UserError as error:
            show_user_error(self, error)
            return None

    def export_journal(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Журнал регистрации заявлений",
            f"Журнал_заявлений_{self._today.year}.xlsx",
            "Excel (*.xlsx);;PDF (*.pdf)",
        )
        if name:
            self.export_journal_to(Path(name))

    def export_journal_to(self, path: Path) -> int:
        try:
            return intake.export_journal(
                self._db, path, self.year.currentData() or self._today.year
            )
        except UserError as error:
            show_user_error(self, error)
            return 0


class RegisterDialog(QDialog):
    """A new application in the journal (6-р 3): the citizen, the basis, the day received."""

    saved = Signal(object)

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Новое заявление (6-р, п. 3)")
        self._db = db
        self.person_search = QLineEdit()
        self.person_search.setPlaceholderText("Начните вводить фамилию")
        self.people = QListWidget()
        self.people.setMaximumHeight(110)
        self.basis = QComboBox()
        for basis in ServiceBasis:
            self.basis.addItem(basis.label, basis)
        self.basis.setCurrentIndex(list(ServiceBasis).index(ServiceBasis.S3_3))
        self.technology = QComboBox()
        self.technology.addItem("—", None)
        for tech in Technology:
            self.technology.addItem(intake.TECHNOLOGY_LABELS[tech], tech)
        self.received = date_edit(today)
        self.note = QLineEdit()
        self.survey_note = QLabel()
        self.survey_note.setWordWrap(True)
        self.problem = _problem_label()
        form = QFormLayout()
        form.addRow("Гражданин:", self.person_search)
        form.addRow("", self.people)
        form.addRow("Основание (510-п):", self.basis)
        form.addRow("Технология:", self.technology)
        form.addRow("Дата подачи:", self.received)
        form.addRow("Примечание:", self.note)
        self.buttons, self.save_button = _buttons(self, "Зарегистрировать")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.survey_note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(620, 420)
        self.person_search.textChanged.connect(self._find)
        self.basis.currentIndexChanged.connect(self._basis_changed)
        self.buttons.accepted.connect(self._save)
        self._basis_changed()

    def _basis(self) -> ServiceBasis:
        return enum_data(ServiceBasis, self.basis.currentData()) or ServiceBasis.OTHER

    def _basis_changed(self) -> None:
        basis = self._basis()
        self.technology.setEnabled(basis is ServiceBasis.S3_3)
        if basis is not ServiceBasis.S3_3:
            self.technology.setCurrentIndex(0)
        exemption = rules.survey_exemption(basis, None)
        self.survey_note.setText(exemption or "Обследование — в течение 2 рабочих дней (п. 6).")

    def _find(self, text: str) -> None:
        self.people.clear()
        for person in courses.find_citizens(self._db, text):
            born = f", {format_date(person.birth_date)}" if person.birth_date else ""
            item = QListWidgetItem(person.name + born)
            item.setData(Qt.ItemDataRole.UserRole, person.citizen_id)
            self.people.addItem(item)
        if self.people.count():
            self.people.setCurrentRow(0)

    def _save(self) -> None:
        item = self.people.currentItem()
        if item is None:
            self.problem.setText("Гражданин: не выбран — найдите его по фамилии.")
            return
        try:
            view = intake.register(
                self._db,
                int(item.data(Qt.ItemDataRole.UserRole)),
                self._basis(),
                to_date(self.received.date()),
                enum_data(Technology, self.technology.currentData()),
                self.note.text(),
            )
        except UserError as error:
            self.problem.setText(str(error))
            return
        self.saved.emit(view)
        self.accept()


class SurveyDialog(QDialog):
    """The survey act (6-р 6): date, who surveyed, findings."""

    saved = Signal(object)

    def __init__(
        self,
        db: Database,
        view: intake.ApplicationView,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Акт обследования условий жизнедеятельности (6-р, п. 6)")
        self._db = db
        self._id = view.id
        self.surveyed = date_edit(today)
        self.surveyor = QLineEdit()
        self.findings = QPlainTextEdit()
        self.problem = _problem_label()
        form = QFormLayout()
        form.addRow(QLabel(f"{escape(view.person)}, срок — {format_date(view.survey_due)}"))
        form.addRow("Дата обследования:", self.surveyed)
        form.addRow("Кто обследовал:", self.surveyor)
        form.addRow("Выводы:", self.findings)
        self.buttons, self.save_button = _buttons(self, "Сохранить")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(560, 360)
        self.buttons.accepted.connect(self._save)

    def _save(self) -> None:
        try:
            view = intake.record_survey(
                self._db,
                self._id,
                to_date(self.surveyed.date()),
                self.surveyor.text(),
                self.findings.toPlainText(),
            )
        except UserError as error:
            self.problem.setText(str(error))
            return
        self.saved.emit(view)
        self.accept()


class AssessmentDialog(QDialog):
    """The grounds of the Criteria of individual need with points, a live total (7.3 г),
    and the Commission's recommendation (7.3 д)."""

    saved = Signal(object)

    def __init__(
        self,
        db: Database,
        view: intake.ApplicationView,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Оценка: Критерии индивидуальной нуждаемости (6-р, п. 7.3)")
        self._db = db
        self._id = view.id
        hint = QLabel(
            "Внесите основания и баллы по бланку Критериев индивидуальной нуждаемости "
            "(приложение 6 к Порядку; его текст в программу не включён)."
        )
        hint.setWordWrap(True)
        self.criteria = QTableWidget(0, 2)
        self.criteria.setObjectName("criteria_table")
        self.criteria.setHorizontalHeaderLabels(("Основание", "Баллы"))
        self.criteria.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Добавить основание")
        self.remove_button = QPushButton("Удалить строку")
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(self.add_button)
        row_buttons.addWidget(self.remove_button)
        row_buttons.addStretch(1)
        self.total = QLabel()
        self.total.setObjectName("total")
        self.total.setWordWrap(True)
        self.assessed = date_edit(today)
        self.commission = QPlainTextEdit(view.commission_recommendation)
        self.commission.setMaximumHeight(70)
        self.problem = _problem_label()
        form = QFormLayout()
        form.addRow("Дата оценки:", self.assessed)
        form.addRow("Рекомендация Комиссии:", self.commission)
        self.buttons, self.save_button = _buttons(self, "Сохранить")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{escape(view.person)}</b> — {escape(view.basis_label)}"))
        layout.addWidget(hint)
        layout.addWidget(self.criteria, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(self.total)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(640, 560)
        for c in view.criteria:
            self._add_row(c.criterion, c.points)
        self.add_button.clicked.connect(lambda: self._add_row("", 0))
        self.remove_button.clicked.connect(self._remove_row)
        self.buttons.accepted.connect(self._save)
        self._update_total()

    def points_box(self, row: int) -> QSpinBox:
        box = self.criteria.cellWidget(row, 1)
        assert isinstance(box, QSpinBox)
        return box

    def ground_edit(self, row: int) -> QLineEdit:
        edit = self.criteria.cellWidget(row, 0)
        assert isinstance(edit, QLineEdit)
        return edit

    def _add_row(self, text: str, points: int) -> None:
        row = self.criteria.rowCount()
        self.criteria.insertRow(row)
        edit = QLineEdit(text)
        edit.setPlaceholderText("основание по приложению 6")
        self.criteria.setCellWidget(row, 0, edit)
        box = QSpinBox()
        box.setRange(0, rules.MAX_CRITERION_POINTS)
        box.setValue(points)
        box.valueChanged.connect(self._update_total)
        self.criteria.setCellWidget(row, 1, box)
        self._update_total()

    def _remove_row(self) -> None:
        row = self.criteria.currentRow()
        if row < 0:
            row = self.criteria.rowCount() - 1
        if row >= 0:
            self.criteria.removeRow(row)
        self._update_total()

    def rows(self) -> list[tuple[str, int]]:
        out = []
        for row in range(self.criteria.rowCount()):
            out.append((self.ground_edit(row).text(), self.points_box(row).value()))
        return out

    def _update_total(self) -> None:
        total = rules.points_total(p for _t, p in self.rows())
        self.total.setText(rules.total_text(total))
        reached = rules.home_rehab_threshold_met(total)
        self.total.setStyleSheet(REACHED_STYLE if reached else "")

    def _save(self) -> None:
        try:
            view = intake.assess(
                self._db,
                self._id,
                self.rows(),
                to_date(self.assessed.date()),
                self.commission.toPlainText(),
                to_date(self.assessed.date()) if self.commission.toPlainText().strip() else None,
            )
        except UserError as error:
            self.problem.setText(str(error))
            return
        self.saved.emit(view)
        self.accept()


class DecisionDialog(QDialog):
    """Recognised as needing services, or refused with the ground (6-р 4, 8 б, в)."""

    saved = Signal(object)

    def __init__(
        self,
        db: Database,
        view: intake.ApplicationView,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Решение о социальном обслуживании (6-р, п. 4, 8)")
        self._db = db
        self._id = view.id
        self.grant = QRadioButton("Признать нуждающимся в социальном обслуживании")
        self.refuse = QRadioButton("Отказать в социальном обслуживании")
        self.grant.setChecked(True)
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(80)
        self.reason.setEnabled(False)
        self.decided = date_edit(today)
        self.problem = _problem_label()
        due = f"срок — {format_date(view.decision_due)}" if view.decision_due else ""
        form = QFormLayout()
        form.addRow(QLabel(f"<b>{escape(view.person)}</b> {due}"))
        form.addRow(self.grant)
        form.addRow(self.refuse)
        form.addRow("Основание отказа:", self.reason)
        form.addRow("Дата решения:", self.decided)
        self.buttons, self.save_button = _buttons(self, "Принять решение")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(560, 340)
        self.refuse.toggled.connect(self.reason.setEnabled)
        self.buttons.accepted.connect(self._save)

    def _save(self) -> None:
        decision = (
            ApplicationDecision.REFUSED if self.refuse.isChecked() else ApplicationDecision.GRANTED
        )
        try:
            view = intake.decide(
                self._db,
                self._id,
                decision,
                self.reason.toPlainText(),
                to_date(self.decided.date()),
            )
        except UserError as error:
            self.problem.setText(str(error))
            return
        self.saved.emit(view)
        self.accept()
