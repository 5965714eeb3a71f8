"""«Курсы (510-п)»: semi-stationary programmes, the attendance calendar, extensions.

The list (filters, search) on the left; the chosen course on the right: a month calendar
where a click ticks or unticks a day (a 13th working day of a month, a day off or a day
outside the course is refused on the spot, 510-п 4.4), and the extension applications
(4.5) with their decisions and the refusal notice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
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

from app.domain import courses as rules
from app.domain.dates import format_date
from app.domain.enums import ApplicationDecision, ProgrammeStatus, ServiceForm, Technology
from app.domain.periods import Month
from app.errors import UserError
from app.services import courses
from app.services.calendar import load_calendar
from db.session import Database
from ui.combo import enum_data
from ui.date_typing import date_edit, to_date, to_qdate
from ui.errors import show_user_error

COL_NAME, COL_TECH, COL_FORM, COL_START, COL_END, COL_DAYS, COL_STATUS = range(7)
HEADINGS = ("ФИО", "Технология", "Формат", "Начало", "Окончание", "Дней за месяц", "Статус")
TICKED = QColor("#b7e1b0")
REFUSED_STYLE = "color: #b00020;"


class CoursesPage(QWidget):
    """The section «Курсы (510-п)»."""

    changed = Signal()  # something was written: the dashboard's duties changed

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today
        self._rows: list[courses.ProgrammeRow] = []
        self.last_dialog: QDialog | None = None

        title = QLabel("<b>Курсы в полустационарной форме (510-п, подраздел 3)</b>")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Поиск: ФИО или номер ИППСУ")
        self.search.setClearButtonEnabled(True)
        self.technology = QComboBox()
        self.technology.addItem("Все технологии", None)
        for tech in Technology:
            self.technology.addItem(rules.technology_label(tech), tech)
        self.status = QComboBox()
        self.status.addItem("Все", None)
        for status, label in courses.STATUS_LABELS.items():
            self.status.addItem(label.capitalize(), status)
        self.status.setCurrentIndex(1)  # действует
        self.pending = QCheckBox("Заявление ждёт решения")
        self.new_button = QPushButton("Новый курс…")
        self.export_button = QPushButton("Экспорт в XLSX…")
        filters = QHBoxLayout()
        for w in (self.search, self.technology, self.status, self.pending):
            filters.addWidget(w)
        filters.setStretch(0, 2)
        filters.addStretch(0)
        filters.addWidget(self.new_button)
        filters.addWidget(self.export_button)

        self.table = QTableWidget(0, len(HEADINGS))
        self.table.setObjectName("courses_table")
        self.table.setHorizontalHeaderLabels(HEADINGS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_TECH, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_TECH, 130)
        self.editor = CourseEditor(db, today)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([740, 440])

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self.search.textChanged.connect(self.refresh)
        self.technology.currentIndexChanged.connect(self.refresh)
        self.status.currentIndexChanged.connect(self.refresh)
        self.pending.toggled.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._selected)
        self.new_button.clicked.connect(self.new_course)
        self.export_button.clicked.connect(self.export)
        self.editor.changed.connect(self._edited)

    def refresh(self) -> None:
        chosen = self.editor.programme_id
        self._rows = courses.list_programmes(
            self._db,
            Month.of(self._today),
            self.search.text(),
            enum_data(Technology, self.technology.currentData()),
            enum_data(ProgrammeStatus, self.status.currentData()),
            self.pending.isChecked(),
        )
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            values = (
                row.person,
                row.technology_label,
                row.service_form.label,
                format_date(row.starts_on),
                format_date(row.ends_on),
                f"{row.days_in_month} из 12",
                row.status_label + (" · заявление" if row.pending_extension else ""),
            )
            for c, text in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        ids = [r.programme_id for r in self._rows]
        if chosen in ids:  # keep the course on the right selected; the editor keeps its text
            self.table.blockSignals(True)
            self.table.selectRow(ids.index(chosen))
            self.table.blockSignals(False)

    def select_programme(self, programme_id: int) -> None:
        """Show the programme (a dashboard duty opens it); the filters let it be listed."""
        ids = [r.programme_id for r in self._rows]
        if programme_id not in ids:
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.status.blockSignals(True)
            self.status.setCurrentIndex(0)
            self.status.blockSignals(False)
            self.technology.setCurrentIndex(0)
            self.pending.setChecked(False)
            self.refresh()
            ids = [r.programme_id for r in self._rows]
        if programme_id in ids:
            self.table.blockSignals(True)
            self.table.selectRow(ids.index(programme_id))
            self.table.blockSignals(False)
        self.editor.show_programme(programme_id)

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.editor.show_programme(self._rows[rows[0].row()].programme_id)

    def _edited(self) -> None:
        self.refresh()
        self.changed.emit()

    def new_course(self) -> NewCourseDialog:
        dialog = NewCourseDialog(self._db, self._today, self)
        self.last_dialog = dialog

        def saved(programme_id: int) -> None:
            self.refresh()
            self.select_programme(programme_id)
            self.changed.emit()

        dialog.saved.connect(saved)
        dialog.open()
        return dialog

    def export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Экспорт курсов", f"Курсы_{Month.of(self._today)}.xlsx", "Excel (*.xlsx)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> int:
        try:
            count = courses.export_xlsx(self._db, path, Month.of(self._today))
        except UserError as error:
            show_user_error(self, error)
            return 0
        return count


class CourseEditor(QWidget):
    """One course: facts, the month calendar of attendance, extension applications."""

    changed = Signal()

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today
        self._view: courses.CourseView | None = None
        self.last_dialog: QDialog | None = None
        self.programme_id: int | None = None

        self.heading = QLabel("Выберите курс в списке слева.")
        self.heading.setWordWrap(True)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("attendance_calendar")
        self.calendar.setGridVisible(True)
        self.calendar.setLocale(QLocale(QLocale.Language.Russian, QLocale.Country.Russia))
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setMaximumDate(to_qdate(today))
        self.count_label = QLabel()
        self.message = QLabel()
        self.message.setObjectName("tick_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(REFUSED_STYLE)

        self.extensions = QTableWidget(0, 5)
        self.extensions.setHorizontalHeaderLabels(
            ("Получено", "Срок, мес.", "Решение до", "Решение", "Новое окончание / причина")
        )
        self.extensions.verticalHeader().setVisible(False)
        self.extensions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.extensions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # The dates and the decision as wide as they need; the reason takes the rest, so no
        # column hides behind a scroll bar sideways (issue #12).
        extension_header = self.extensions.horizontalHeader()
        extension_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        extension_header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.extensions.setMaximumHeight(120)
        self.apply_button = QPushButton("Заявление о продлении…")
        self.decide_button = QPushButton("Решение…")
        self.notice_button = QPushButton("Уведомление об отказе…")
        self.extension_message = QLabel()
        self.extension_message.setWordWrap(True)
        self.extension_message.setStyleSheet(REFUSED_STYLE)
        buttons = QHBoxLayout()
        for b in (self.apply_button, self.decide_button, self.notice_button):
            buttons.addWidget(b)
        box = QGroupBox("Продление срока (510-п, п. 4.5)")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.extensions)
        box_layout.addLayout(buttons)
        box_layout.addWidget(self.extension_message)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.calendar, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.message)
        layout.addWidget(box)

        self.calendar.clicked.connect(self._clicked)
        self.calendar.currentPageChanged.connect(lambda *_: self._page_changed())
        self.apply_button.clicked.connect(self.apply_for_extension)
        self.decide_button.clicked.connect(self.decide)
        self.notice_button.clicked.connect(self.print_notice)
        self._enable()

    # -- showing --------------------------------------------------------------------------

    def show_programme(self, programme_id: int) -> None:
        self.programme_id = programme_id
        self.message.clear()
        self.extension_message.clear()
        self._show(courses.get_course(self._db, programme_id))

    def _show(self, view: courses.CourseView) -> None:
        old = self._view
        self._view = view
        form = view.service_form.label
        if view.form_chosen_on:
            form += f" (письменный выбор {format_date(view.form_chosen_on)})"
        extended = (
            f", до продления {format_date(view.original_ends_on)}"
            if view.original_ends_on != view.ends_on
            else ""
        )
        self.heading.setText(
            f"<b>{view.person}</b>{' · ИППСУ ' + view.number if view.number else ''}<br>"
            f"{view.technology_label}; {form}<br>"
            f"Курс с {format_date(view.starts_on)} по {format_date(view.ends_on)}{extended}; "
            f"{view.status_label}. Заявление о продлении — не позднее "
            f"{format_date(view.application_due)}."
        )
        self.calendar.setMinimumDate(to_qdate(view.starts_on))
        self.calendar.setMaximumDate(to_qdate(min(view.ends_on, self._today)))
        if old is None or old.programme_id != view.programme_id:
            self.calendar.setSelectedDate(to_qdate(min(view.ends_on, self._today)))
        self._mark_days()
        self._show_count()
        self.extensions.setRowCount(len(view.extensions))
        for r, e in enumerate(view.extensions):
            outcome = (
                format_date(e.new_ends_on)
                if e.decision is ApplicationDecision.GRANTED
                else e.refusal_reason
            )
            values = (
                format_date(e.received_on) + (" (позже срока)" if e.late_warning else ""),
                str(e.months),
                format_date(e.decision_due),
                e.decision_label + (f" {format_date(e.decided_on)}" if e.decided_on else ""),
                outcome,
            )
            for c, text in enumerate(values):
                self.extensions.setItem(r, c, QTableWidgetItem(text))
        self._enable()

    def _mark_days(self) -> None:
        """Days off of the production calendar in red (a working Saturday in black), the
        ticked days in green."""
        view = self._view
        if view is None:
            return
        cal = load_calendar(self._db)
        self.calendar.setDateTextFormat(QDate(), QTextCharFormat())  # clear all marks
        first = date(self.calendar.yearShown(), self.calendar.monthShown(), 1)
        month = Month.of(first)
        for d in (date(month.year, month.month, n) for n in range(1, month.days + 1)):
            day_format = QTextCharFormat()
            working = cal.is_working_day(d)
            day_format.setForeground(QBrush(QColor("#000000" if working else "#c62828")))
            self.calendar.setDateTextFormat(to_qdate(d), day_format)
        ticked = QTextCharFormat()
        ticked.setBackground(QBrush(TICKED))
        ticked.setFontWeight(700)
        for d in view.days:
            self.calendar.setDateTextFormat(to_qdate(d), ticked)

    def _page_changed(self) -> None:
        self._mark_days()
        self._show_count()

    def _show_count(self) -> None:
        if self._view is None:
            self.count_label.clear()
            return
        month = Month(self.calendar.yearShown(), self.calendar.monthShown())
        count = self._view.days_in(month, load_calendar(self._db))
        self.count_label.setText(
            f"Отмечено за {month.title}: {count} из 12 рабочих дней (510-п, п. 4.4). "
            "Щелчок по дню — отметить или снять."
        )

    def _enable(self) -> None:
        view = self._view
        active = view is not None and view.status is ProgrammeStatus.ACTIVE
        self.calendar.setEnabled(view is not None)
        self.apply_button.setEnabled(active and view.pending_extension is None)  # type: ignore[union-attr]
        self.decide_button.setEnabled(view is not None and view.pending_extension is not None)
        refused = view is not None and any(
            e.decision is ApplicationDecision.REFUSED for e in view.extensions
        )
        self.notice_button.setEnabled(refused)

    # -- ticking --------------------------------------------------------------------------

    def _clicked(self, qdate: QDate) -> None:
        if self._view is None:
            return
        day = to_date(qdate)
        try:
            if day in self._view.days:
                result = courses.untick(self._db, self._view.programme_id, day)
                self.message.clear()
            else:
                result = courses.tick(self._db, self._view.programme_id, day)
                self.message.clear()
        except UserError as error:
            self.message.setText(str(error))  # refused on the spot; nothing was written
            return
        self._show(result.view)
        self.changed.emit()

    # -- extension ------------------------------------------------------------------------

    def apply_for_extension(self) -> ExtensionApplicationDialog | None:
        if self._view is None:
            return None
        dialog = ExtensionApplicationDialog(self._db, self._view, self._today, self)
        self.last_dialog = dialog
        dialog.registered.connect(self._registered)
        dialog.open()
        return dialog

    def _registered(self, result: courses.RegisterResult) -> None:
        self._show(result.view)
        self.extension_message.setText(result.warning or "")
        self.changed.emit()

    def decide(self) -> ExtensionDecisionDialog | None:
        if self._view is None or self._view.pending_extension is None:
            return None
        dialog = ExtensionDecisionDialog(self._db, self._view, self._today, self)
        self.last_dialog = dialog
        dialog.decided.connect(self._decided)
        dialog.open()
        return dialog

    def _decided(self, view: courses.CourseView) -> None:
        self._show(view)
        self.extension_message.clear()
        self.changed.emit()

    def print_notice(self) -> None:
        if self._view is None:
            return
        refused = [e for e in self._view.extensions if e.decision is ApplicationDecision.REFUSED]
        if not refused:
            return
        last = self._view.person.split()[0] if self._view.person else "гражданин"
        name, _ = QFileDialog.getSaveFileName(
            self, "Уведомление об отказе", f"Уведомление_об_отказе_{last}.pdf", "PDF (*.pdf)"
        )
        if name:
            self.write_notice(refused[-1].id, Path(name))

    def write_notice(self, application_id: int, path: Path) -> Path | None:
        try:
            return courses.write_refusal_notice(self._db, application_id, path)
        except UserError as error:
            show_user_error(self, error)
            return None


class NewCourseDialog(QDialog):
    """A programme and its course for a citizen: technology, start, planned end, form."""

    saved = Signal(int)

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Новый курс (510-п, подраздел 3)")
        self._db = db
        self._today = today
        self.person_search = QLineEdit()
        self.person_search.setPlaceholderText("Начните вводить фамилию")
        self.people = QListWidget()
        self.people.setMaximumHeight(110)
        self.technology = QComboBox()
        for tech in Technology:
            self.technology.addItem(rules.technology_label(tech), tech)
        self.number = QLineEdit()
        self.starts = date_edit(today)
        self.ends = date_edit(rules.add_months(today, 1))
        self.form = QComboBox()
        self.form.addItem("Очно", ServiceForm.IN_PERSON)
        self.form.addItem("Дистанционно (по письменному выбору, п. 1.3)", ServiceForm.REMOTE)
        self.chosen_on = date_edit(today)
        self.chosen_on.setEnabled(False)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(REFUSED_STYLE)
        form = QFormLayout()
        form.addRow("Гражданин:", self.person_search)
        form.addRow("", self.people)
        form.addRow("Технология:", self.technology)
        form.addRow("Номер ИППСУ:", self.number)
        form.addRow("Начало курса:", self.starts)
        form.addRow("Плановое окончание:", self.ends)
        form.addRow("Формат:", self.form)
        form.addRow("Дата письменного выбора:", self.chosen_on)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Сохранить")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Отмена")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(560, 440)
        self.person_search.textChanged.connect(self._find)
        self.technology.currentIndexChanged.connect(self._technology_changed)
        self.starts.dateChanged.connect(self._technology_changed)
        self.form.currentIndexChanged.connect(
            lambda *_: self.chosen_on.setEnabled(self._form() is ServiceForm.REMOTE)
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

    def _technology(self) -> Technology:
        return enum_data(Technology, self.technology.currentData()) or Technology.COURSE

    def _form(self) -> ServiceForm:
        return enum_data(ServiceForm, self.form.currentData()) or ServiceForm.IN_PERSON

    def _find(self, text: str) -> None:
        self.people.clear()
        for person in courses.find_citizens(self._db, text):
            born = f", {format_date(person.birth_date)}" if person.birth_date else ""
            item = QListWidgetItem(person.name + born)
            item.setData(Qt.ItemDataRole.UserRole, person.citizen_id)
            self.people.addItem(item)
        if self.people.count():
            self.people.setCurrentRow(0)

    def _technology_changed(self) -> None:
        # 4.4 г: the course of supported living is three months from its start.
        if self._technology() is Technology.SUPPORTED_LIVING:
            end = rules.supported_living_course_end(to_date(self.starts.date()))
            self.ends.setDate(to_qdate(end))

    def _save(self) -> None:
        item = self.people.currentItem()
        if item is None:
            self.problem.setText("Гражданин: не выбран — найдите его по фамилии.")
            return
        remote = self._form() is ServiceForm.REMOTE
        try:
            view = courses.create_course(
                self._db,
                int(item.data(Qt.ItemDataRole.UserRole)),
                self._technology(),
                to_date(self.starts.date()),
                to_date(self.ends.date()),
                self._form(),
                to_date(self.chosen_on.date()) if remote else None,
                self.number.text(),
            )
        except UserError as error:
            self.problem.setText(str(error))
            return
        self.saved.emit(view.programme_id)
        self.accept()


class ExtensionApplicationDialog(QDialog):
    """Register an application to extend, on the day it was received (4.5)."""

    registered = Signal(object)

    def __init__(
        self, db: Database, view: courses.CourseView, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Заявление о продлении срока (510-п, п. 4.5)")
        self._db = db
        self._view = view
        self.received = date_edit(today)
        self.received.setMaximumDate(to_qdate(today))
        self.months = QSpinBox()
        self.months.setRange(1, 3)
        self.months.setValue(3)
        self.months.setSuffix(" мес.")
        note = QLabel(
            f"Программа оканчивается {format_date(view.ends_on)}; заявление подаётся не позднее "
            f"{format_date(view.application_due)} (за пять рабочих дней) и регистрируется в день "
            "получения. Продление — не более чем на три месяца."
        )
        note.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(REFUSED_STYLE)
        form = QFormLayout()
        form.addRow("Дата получения:", self.received)
        form.addRow("Предлагаемый срок:", self.months)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.register_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.register_button.setText("Зарегистрировать")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Отмена")
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(520, 240)
        self.buttons.accepted.connect(self._register)
        self.buttons.rejected.connect(self.reject)

    def _register(self) -> None:
        try:
            result = courses.register_extension(
                self._db,
                self._view.programme_id,
                self.months.value(),
                to_date(self.received.date()),
            )
        except UserError as error:
            self.problem.setText(str(error))
            return
        self.registered.emit(result)
        self.accept()


class ExtensionDecisionDialog(QDialog):
    """The decision on the pending application: extend to a date (at most three months from
    the first end) or refuse with the reason (4.5)."""

    decided = Signal(object)

    def __init__(
        self, db: Database, view: courses.CourseView, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Решение о продлении срока (510-п, п. 4.5)")
        self._db = db
        self._view = view
        pending = view.pending_extension
        assert pending is not None
        self._application = pending
        self.grant = QRadioButton("Продлить")
        self.refuse = QRadioButton("Отказать в продлении")
        self.grant.setChecked(True)
        self.decided_on = date_edit(today)
        self.decided_on.setMaximumDate(to_qdate(today))
        proposed = rules.add_months(view.ends_on, pending.months)
        self.new_end = date_edit(min(proposed, view.extension_limit))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Причина отказа (указывается в уведомлении)")
        self.reason.setMaximumHeight(70)
        self.reason.setEnabled(False)
        note = QLabel(
            f"Заявление от {format_date(pending.received_on)}; решение — до "
            f"{format_date(pending.decision_due)} (пять рабочих дней). Продлить можно не "
            f"дальше {format_date(view.extension_limit)}."
        )
        note.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(REFUSED_STYLE)
        form = QFormLayout()
        form.addRow("Дата решения:", self.decided_on)
        choice = QHBoxLayout()
        choice.addWidget(self.grant)
        choice.addWidget(self.refuse)
        choice.addStretch(1)
        form.addRow("Решение:", choice)
        form.addRow("Новое окончание:", self.new_end)
        form.addRow("Причина отказа:", self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Принять решение")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Отмена")
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(540, 320)
        self.grant.toggled.connect(self._mode)
        self.buttons.accepted.connect(self._decide)
        self.buttons.rejected.connect(self.reject)

    def _mode(self, grant: bool) -> None:
        self.new_end.setEnabled(grant)
        self.reason.setEnabled(not grant)

    def _decide(self) -> None:
        decided_on = to_date(self.decided_on.date())
        try:
            if self.grant.isChecked():
                view = courses.grant_extension(
                    self._db, self._application.id, to_date(self.new_end.date()), decided_on
                )
            else:
                view = courses.refuse_extension(
                    self._db, self._application.id, self.reason.toPlainText(), decided_on
                )
        except UserError as error:
            self.problem.setText(str(error))
            return
        self.decided.emit(view)
        self.accept()
