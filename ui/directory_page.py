"""The organisation directory: list with filters, the organisation form, XLSX import/export."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Department, MeasureKind
from app.errors import UserError
from app.reference import district_names
from app.services import directory
from app.services.directory import ContactForm, OrganisationForm
from db.session import Database
from ui.combo import enum_data, select_data
from ui.errors import show_user_error

logger = logging.getLogger(__name__)

LIST_HEADERS = ("Организация", "Ведомство", "Район", "Телефон", "Эл. почта", "Мероприятия")
NO_KIND = "иное (не из ИПРА)"


class DirectoryPage(QWidget):
    """Organisations of every department that take part in routes and plans."""

    changed = Signal()

    def __init__(self, db: Database, parent: QWidget | None = None, *, load: bool = True) -> None:
        """``load=False``: the list is read at the first ``refresh`` (the main window's, when
        the section is opened), not while the window is being built."""
        super().__init__(parent)
        self._db = db
        self._ids: list[int] = []
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Поиск по названию, адресу, услуге")
        self.search_edit.setClearButtonEnabled(True)
        self.department_combo = QComboBox()
        self.department_combo.addItem("Все ведомства", None)
        for department in Department:
            self.department_combo.addItem(department.label, department)
        self.district_combo = QComboBox()
        self.district_combo.addItem("Все районы", None)
        for name in district_names():
            self.district_combo.addItem(name, name)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("Любые мероприятия", None)
        for kind in MeasureKind:
            self.kind_combo.addItem(kind.short_title, kind)
        self.archived_check = QCheckBox("Показывать архивные")
        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 2)
        for widget in (self.department_combo, self.district_combo, self.kind_combo):
            bar.addWidget(widget)
        bar.addWidget(self.archived_check)

        self.table = QTableWidget(0, len(LIST_HEADERS))
        self.table.setHorizontalHeaderLabels(list(LIST_HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 190), (2, 170), (3, 130), (4, 190), (5, 220)):
            self.table.setColumnWidth(column, width)

        self.add_button = QPushButton("&Добавить…")
        self.edit_button = QPushButton("&Изменить…")
        self.archive_button = QPushButton("В &архив")
        self.import_button = QPushButton("Загрузить из XLSX…")
        self.export_button = QPushButton("Выгрузить в XLSX…")
        self.count_label = QLabel()
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.archive_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Справочник организаций</h2>"))
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(buttons)

        self.search_edit.textChanged.connect(self.refresh)
        for combo in (self.department_combo, self.district_combo, self.kind_combo):
            combo.currentIndexChanged.connect(self.refresh)
        self.archived_check.toggled.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemActivated.connect(lambda _: self.edit_selected())
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        self.archive_button.clicked.connect(self.toggle_archived)
        self.import_button.clicked.connect(self._choose_import)
        self.export_button.clicked.connect(self._choose_export)
        if load:
            self.refresh()

    def refresh(self) -> None:
        rows = directory.list_organisations(
            self._db,
            text=self.search_edit.text(),
            department=enum_data(Department, self.department_combo.currentData()),
            district=self.district_combo.currentData(),
            kind=enum_data(MeasureKind, self.kind_combo.currentData()),
            include_archived=self.archived_check.isChecked(),
        )
        self._rows = rows
        self._ids = [r.organisation_id for r in rows]
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            name = (
                row.name
                + (" (образец)" if row.sample else "")
                + (" (региональный справочник)" if row.regional else "")
                + (" — в архиве" if row.archived else "")
            )
            values = (name, row.department, row.district, row.phone, row.email, row.kinds)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if row.archived:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(index, column, item)
        samples = sum(1 for r in rows if r.sample)
        note = f"; образцы для демонстрации: {samples}" if samples else ""
        self.count_label.setText(f"Организаций: {len(rows)}{note}")
        self._selection_changed()

    def selected_id(self) -> int | None:
        row = self.table.currentRow()
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def _selection_changed(self) -> None:
        row = self.table.currentRow()
        has = 0 <= row < len(self._ids)
        self.edit_button.setEnabled(has)
        self.archive_button.setEnabled(has)
        if has:
            self.archive_button.setText("Из &архива" if self._rows[row].archived else "В &архив")

    def add(self) -> OrganisationDialog:
        dialog = OrganisationDialog(self._db, None, self)
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog

    def edit_selected(self) -> OrganisationDialog | None:
        organisation_id = self.selected_id()
        if organisation_id is None:
            return None
        dialog = OrganisationDialog(self._db, organisation_id, self)
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog

    def _saved(self, _: int) -> None:
        self.refresh()
        self.changed.emit()

    def toggle_archived(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self._ids):
            return
        directory.set_archived(self._db, self._ids[row], not self._rows[row].archived)
        self._saved(self._ids[row])

    def _choose_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Справочник", "", "Книга Excel (*.xlsx)")
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> directory.ImportDirectoryResult | None:
        try:
            result = directory.import_directory_xlsx(self._db, path)
        except UserError as exc:
            show_user_error(self, exc)
            return None
        if result.problems:
            # Nothing was written: every bad row is named with its column.
            shown = "\n".join(str(p) for p in result.problems[:30])
            more = f"\n… и еще {len(result.problems) - 30}" if len(result.problems) > 30 else ""
            show_user_error(
                self, UserError(f"Справочник не загружен, исправьте файл:\n{shown}{more}")
            )
            return result
        self._saved(0)
        self.count_label.setText(
            f"Загружено: добавлено {result.added}, обновлено {result.updated}."
        )
        return result

    def _choose_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Справочник", str(Path.home() / "Справочник организаций.xlsx"), "*.xlsx"
        )
        if name:
            self.export_file(Path(name))

    def export_file(self, path: Path) -> int | None:
        try:
            count = directory.export_directory_xlsx(self._db, path)
        except UserError as exc:
            show_user_error(self, exc)
            return None
        self.count_label.setText(f"Выгружено организаций: {count} — {path}")
        return count


class OrganisationDialog(QDialog):
    """One organisation: details, the measures and services it provides, contact people."""

    saved = Signal(int)

    def __init__(self, db: Database, organisation_id: int | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._db = db
        self._id = organisation_id
        self.setWindowTitle("Организация" if organisation_id else "Новая организация")
        self.setMinimumSize(760, 640)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        self.name_edit = self._line("name", "Полное наименование:", form)
        self._line("short_name", "Краткое наименование:", form)
        self.department_combo = QComboBox()
        for department in Department:
            self.department_combo.addItem(department.label, department)
        form.addRow("Ведомство:", self.department_combo)
        self.district_combo = QComboBox()
        self.district_combo.setEditable(True)
        self.district_combo.addItem("")
        self.district_combo.addItems(list(district_names()))
        form.addRow("Район (пусто — региональная):", self.district_combo)
        for name, caption in (
            ("address", "Адрес:"),
            ("postcode", "Индекс:"),
            ("phone", "Телефон:"),
            ("email", "Электронная почта:"),
            ("website", "Сайт:"),
            ("hours", "График работы:"),
        ):
            self._line(name, caption, form)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setMaximumHeight(50)
        form.addRow("Примечание:", self.note_edit)

        self.services = QTableWidget(0, 2)
        self.services.setHorizontalHeaderLabels(["Вид мероприятия", "Услуга"])
        self.services.horizontalHeader().setStretchLastSection(True)
        self.services.setColumnWidth(0, 230)
        add_service = QPushButton("Добавить услугу")
        remove_service = QPushButton("Удалить")
        add_service.clicked.connect(lambda: self.add_service(None, ""))
        remove_service.clicked.connect(lambda: self.services.removeRow(self.services.currentRow()))
        self.contacts = QTableWidget(0, 4)
        self.contacts.setHorizontalHeaderLabels(["Ф.И.О.", "Должность", "Телефон", "Эл. почта"])
        self.contacts.horizontalHeader().setStretchLastSection(True)
        add_contact = QPushButton("Добавить контакт")
        remove_contact = QPushButton("Удалить")
        add_contact.clicked.connect(lambda: self.contacts.insertRow(self.contacts.rowCount()))
        remove_contact.clicked.connect(lambda: self.contacts.removeRow(self.contacts.currentRow()))

        self.problems_label = QLabel()
        self.problems_label.setStyleSheet("color: #8a1c1c;")
        self.problems_label.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Сохранить")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Отмена")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Мероприятия и услуги:"))
        layout.addWidget(self.services, 1)
        row = QHBoxLayout()
        row.addWidget(add_service)
        row.addWidget(remove_service)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(QLabel("Контактные лица:"))
        layout.addWidget(self.contacts, 1)
        row = QHBoxLayout()
        row.addWidget(add_contact)
        row.addWidget(remove_contact)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.problems_label)
        layout.addWidget(buttons)
        if organisation_id is not None:
            self.fill(directory.load_organisation(db, organisation_id))

    def _line(self, name: str, caption: str, form: QFormLayout) -> QLineEdit:
        edit = QLineEdit()
        self.edits[name] = edit
        form.addRow(caption, edit)
        return edit

    def add_service(self, kind: MeasureKind | None, name: str) -> None:
        row = self.services.rowCount()
        self.services.insertRow(row)
        combo = QComboBox()
        combo.addItem(NO_KIND, None)
        for measure in MeasureKind:
            combo.addItem(measure.short_title, measure)
        select_data(combo, kind)
        self.services.setCellWidget(row, 0, combo)
        self.services.setItem(row, 1, QTableWidgetItem(name))

    def fill(self, form: OrganisationForm) -> None:
        for name, edit in self.edits.items():
            edit.setText(getattr(form, name))
        select_data(self.department_combo, form.department)
        self.district_combo.setCurrentText(form.district)
        self.note_edit.setPlainText(form.note)
        for kind, name in form.services:
            self.add_service(kind, name)
        for contact in form.contacts:
            row = self.contacts.rowCount()
            self.contacts.insertRow(row)
            for column, value in enumerate(
                (contact.full_name, contact.position, contact.phone, contact.email)
            ):
                self.contacts.setItem(row, column, QTableWidgetItem(value))

    def form(self) -> OrganisationForm:
        services = []
        for row in range(self.services.rowCount()):
            combo = self.services.cellWidget(row, 0)
            name = _cell(self.services, row, 1)
            kind = (
                enum_data(MeasureKind, combo.currentData())
                if isinstance(combo, QComboBox)
                else None
            )
            if name or kind:
                services.append((kind, name))
        contacts = []
        for row in range(self.contacts.rowCount()):
            values = [_cell(self.contacts, row, c) for c in range(4)]
            if any(values):
                contacts.append(ContactForm(*values))
        department = enum_data(Department, self.department_combo.currentData())
        assert department is not None
        return OrganisationForm(
            name=self.edits["name"].text().strip(),
            department=department,
            short_name=self.edits["short_name"].text().strip(),
            district=self.district_combo.currentText().strip(),
            address=self.edits["address"].text().strip(),
            postcode=self.edits["postcode"].text().strip(),
            email=self.edits["email"].text().strip(),
            website=self.edits["website"].text().strip(),
            hours=self.edits["hours"].text().strip(),
            phone=self.edits["phone"].text().strip(),
            note=self.note_edit.toPlainText().strip(),
            services=tuple(services),
            contacts=tuple(contacts),
        )

    def save(self) -> None:
        form = self.form()
        problems = directory.validate_organisation(form)
        if problems:
            self.problems_label.setText("\n".join(f"• {message}" for _, message in problems))
            return
        try:
            organisation_id = directory.save_organisation(self._db, form, self._id)
        except UserError as exc:
            self.problems_label.setText(str(exc))
            return
        self._id = organisation_id
        self.saved.emit(organisation_id)
        self.accept()


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""
