"""The card's «Семья» tab: the participant's family (31-р 2.1 "а также члены их
семей"; the plan of Appendix 3 is "получателя услуг ... и членов его семьи").

A table of the members and, under it, the fields of the chosen one; what is typed shows in
the table at once and is saved with the card. Family members are not registry entries.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.citizens import FAMILY_RELATIONS, MAX_FAMILY, FamilyMemberForm, normalise_phone

COLUMNS = (
    ("relation", "Кем приходится"),
    ("last_name", "Фамилия"),
    ("first_name", "Имя"),
    ("middle_name", "Отчество"),
    ("birth_date", "Дата рождения"),
    ("phone", "Телефон"),
    ("email", "E-mail"),
    ("note", "Примечание"),
)


class FamilyTable(QWidget):
    """Edit a tuple of :class:`FamilyMemberForm`; ``changed`` on every keystroke."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._members: list[FamilyMemberForm] = []
        self._filling = False

        hint = QLabel(
            "Члены семьи участника (31-р, п. 2.1): в план сопровождения можно записать их "
            "вопросы. В реестр (приложение 1) они не вносятся."
        )
        hint.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("family_table")
        self.table.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_chosen)

        self.add_button = QPushButton("Добавить члена семьи")
        self.add_button.setObjectName("add_family_member")
        self.remove_button = QPushButton("Удалить")
        self.remove_button.setObjectName("remove_family_member")
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        self.relation_combo = QComboBox()
        self.relation_combo.setObjectName("family_relation")
        self.relation_combo.setEditable(True)
        self.relation_combo.addItems(["", *FAMILY_RELATIONS])
        self.relation_combo.currentTextChanged.connect(self._edited)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Кем приходится:", self.relation_combo)
        for name, title in COLUMNS[1:]:
            edit = QLineEdit()
            edit.setObjectName(f"family_{name}")
            edit.textChanged.connect(self._edited)
            self.edits[name] = edit
            form.addRow(title + ":", edit)
        self.edits["birth_date"].setPlaceholderText("ДД.ММ.ГГГГ")
        self.edits["birth_date"].setMaximumWidth(130)
        self.edits["phone"].setPlaceholderText("+7 XXX XXX-XX-XX")
        self.edits["phone"].editingFinished.connect(
            lambda: self.edits["phone"].setText(normalise_phone(self.edits["phone"].text()))
        )
        self.details = QWidget()
        self.details.setLayout(form)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.details)
        self._show_chosen()

    # -- the value ------------------------------------------------------------------------

    def members(self) -> tuple[FamilyMemberForm, ...]:
        return tuple(self._members)

    def set_members(self, members: tuple[FamilyMemberForm, ...]) -> None:
        self._members = list(members)
        self._filling = True
        try:
            self.table.setRowCount(0)
            for member in self._members:
                self._append_row(member)
        finally:
            self._filling = False
        if self._members:
            self.table.selectRow(0)
        self._show_chosen()

    # -- editing --------------------------------------------------------------------------

    def _row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _append_row(self, member: FamilyMemberForm) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._paint(row, member)

    def _paint(self, row: int, member: FamilyMemberForm) -> None:
        for column, (name, _) in enumerate(COLUMNS):
            item = QTableWidgetItem(str(getattr(member, name)))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, column, item)

    def _add(self) -> None:
        if len(self._members) >= MAX_FAMILY:
            return
        self._members.append(FamilyMemberForm())
        self._append_row(self._members[-1])
        self.table.selectRow(len(self._members) - 1)
        self.relation_combo.setFocus()
        self.changed.emit()

    def _remove(self) -> None:
        row = self._row()
        if row is None:
            return
        del self._members[row]
        self.table.removeRow(row)
        if self._members:
            self.table.selectRow(min(row, len(self._members) - 1))
        self._show_chosen()
        self.changed.emit()

    def _show_chosen(self) -> None:
        row = self._row()
        self.details.setEnabled(row is not None)
        self.remove_button.setEnabled(row is not None)
        self.add_button.setEnabled(len(self._members) < MAX_FAMILY)
        member = self._members[row] if row is not None else FamilyMemberForm()
        self._filling = True
        try:
            self.relation_combo.setCurrentText(member.relation)
            for name, edit in self.edits.items():
                edit.setText(getattr(member, name))
        finally:
            self._filling = False

    def _edited(self) -> None:
        row = self._row()
        if self._filling or row is None:
            return
        text = {name: edit.text() for name, edit in self.edits.items()}
        member = replace(
            self._members[row],
            relation=self.relation_combo.currentText(),
            last_name=text["last_name"],
            first_name=text["first_name"],
            middle_name=text["middle_name"],
            birth_date=text["birth_date"],
            phone=text["phone"],
            email=text["email"],
            note=text["note"],
        )
        self._members[row] = member
        self._paint(row, member)
        self.changed.emit()
