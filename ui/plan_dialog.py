"""The support plan editor (31-р 4.3-4.6, Appendix 3): questions, interactions, dates."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.documents.plan_form import InteractionForm, PlanForm, QuestionForm
from app.domain.dates import format_date
from app.domain.names import document_file_name
from app.errors import StaleEditError, UserError
from app.services import citizens, plans
from app.services.settings import load_settings
from db.session import Database
from ui.stale_edit import ask_to_reload
from ui.unsaved import may_close

logger = logging.getLogger(__name__)

# Appendix 3 columns 3-4: the organisation and the specialist there, and when.
INTERACTION_COLUMNS = (
    ("organisation_name", "Организация (полное наименование)"),
    ("website", "Сайт"),
    ("email", "Эл. почта"),
    ("location", "Местонахождение"),
    ("hours", "График работы"),
    ("specialist_name", "Специалист: Ф.И.О."),
    ("specialist_position", "Должность"),
    ("specialist_contacts", "Контакты"),
    ("interacted_on", "Дата"),
    ("note", "Примечание"),
)


class PlanDialog(QDialog):
    """Draw up or continue the person's plan; the registry's plan columns follow it (4.4)."""

    saved = Signal(int)  # plan id

    def __init__(
        self,
        db: Database,
        entry_id: int,
        *,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today or clock.today()
        self.plan_id: int | None = None
        first = plans.start_plan(db, entry_id, self._today)
        current = plans.current_stored_plan(db, first.citizen_id)
        # The plan as read: one saved by someone else since is not overwritten (issue #15).
        self._loaded = current or plans.StoredPlan(None, 0, first)
        self.plan_id = self._loaded.plan_id
        form = self._loaded.form
        self.form_value: PlanForm = form
        self._questions: list[QuestionForm] = list(form.questions)
        card = citizens.load_card(db, form.citizen_id)
        self._file_stem = document_file_name(
            "План",
            card.form.last_name,
            card.form.first_name,
            card.form.middle_name,
            f"{self._today:%Y-%m}",
        )
        name = " ".join(
            p for p in (card.form.last_name, card.form.first_name, card.form.middle_name) if p
        )
        self.setWindowTitle(f"План комплексного сопровождения: {name}")
        self.setMinimumSize(1100, 620)

        self.drawn_edit = QLineEdit(form.drawn_up_on or format_date(self._today))
        self.completed_edit = QLineEdit(form.completed_on)
        self.completed_edit.setPlaceholderText("ДД.ММ.ГГГГ — когда реализация плана завершена")
        dates = QFormLayout()
        dates.addRow("Дата формирования плана:", self.drawn_edit)
        dates.addRow("Дата окончания реализации:", self.completed_edit)

        self.question_list = QListWidget()
        self.question_edit = QPlainTextEdit()
        self.question_edit.setMaximumHeight(70)
        self.question_note = QLineEdit()
        # Appendix 3 is the plan "получателя услуг ... и членов его семьи": a question may be
        # a family member's (the members come from the card's «Семья» tab).
        self.whose_combo = QComboBox()
        self.whose_combo.setObjectName("question_whose")
        self.whose_combo.addItem("гражданина (представителя)", None)
        for member in card.form.family:
            self.whose_combo.addItem(f"члена семьи: {member.title}", member.member_id)
        self.whose_combo.setEnabled(bool(card.form.family))
        self._member_titles = {m.member_id: m.title for m in card.form.family}
        self.interactions = QTableWidget(0, len(INTERACTION_COLUMNS))
        self.interactions.setHorizontalHeaderLabels([t for _, t in INTERACTION_COLUMNS])
        self.interactions.horizontalHeader().setStretchLastSection(True)
        self.interactions.setColumnWidth(0, 240)
        add_question = self.add_question_button = QPushButton("Добавить вопрос")
        remove_question = QPushButton("Удалить вопрос")
        add_interaction = QPushButton("Добавить взаимодействие")
        remove_interaction = QPushButton("Удалить")

        left = QVBoxLayout()
        left.addWidget(QLabel("Вопросы семьи (из звонков и новые):"))
        left.addWidget(self.question_list, 1)
        row = QHBoxLayout()
        row.addWidget(add_question)
        row.addWidget(remove_question)
        left.addLayout(row)
        right = QVBoxLayout()
        right.addWidget(QLabel("Вопрос:"))
        right.addWidget(self.question_edit)
        note_row = QFormLayout()
        note_row.addRow("Чей вопрос:", self.whose_combo)
        note_row.addRow("Примечание:", self.question_note)
        right.addLayout(note_row)
        right.addWidget(QLabel("Взаимодействие с организациями (31-р, п. 4.5):"))
        right.addWidget(self.interactions, 1)
        row = QHBoxLayout()
        row.addWidget(add_interaction)
        row.addWidget(remove_interaction)
        row.addStretch(1)
        right.addLayout(row)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 3)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Сохранить")
        self.pdf_button = QPushButton("PDF (приложение 3)…")
        self.close_button = QPushButton("Закрыть")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{name}</b>"))
        layout.addLayout(dates)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self._current = -1
        for question in self._questions:
            self.question_list.addItem(_short(question.question))
        self.question_list.currentRowChanged.connect(self._select)
        # clicked(bool) would hand its False to ``text`` (issue #12: the button crashed).
        add_question.clicked.connect(lambda _checked=False: self.add_question())
        remove_question.clicked.connect(self.remove_question)
        # The list names the question as it is typed, not «(новый вопрос)» until saved.
        self.question_edit.textChanged.connect(self._name_current)
        add_interaction.clicked.connect(
            lambda: self.interactions.insertRow(self.interactions.rowCount())
        )
        remove_interaction.clicked.connect(
            lambda: self.interactions.removeRow(self.interactions.currentRow())
        )
        self.save_button.clicked.connect(self.save)
        self.pdf_button.clicked.connect(self._choose_pdf)
        self.close_button.clicked.connect(self.reject)
        if self._questions:
            self.question_list.setCurrentRow(0)
        self._saved_form = self.form()  # what closing compares with (issue #12)

    # -- questions ------------------------------------------------------------------------

    def _store_current(self) -> None:
        if not 0 <= self._current < len(self._questions):
            return
        interactions = []
        for row in range(self.interactions.rowCount()):
            values = {
                key: _cell(self.interactions, row, c)
                for c, (key, _) in enumerate(INTERACTION_COLUMNS)
            }
            first = self.interactions.item(row, 0)
            organisation_id = first.data(Qt.ItemDataRole.UserRole) if first else None
            if any(values.values()):
                interactions.append(InteractionForm(organisation_id=organisation_id, **values))
        member_id = self.whose_combo.currentData()
        question = QuestionForm(
            question=self.question_edit.toPlainText().strip(),
            note=self.question_note.text().strip(),
            interactions=tuple(interactions),
            family_member_id=member_id,
            about=self._member_titles.get(member_id, "") if member_id is not None else "",
        )
        self._questions[self._current] = question
        item = self.question_list.item(self._current)
        if item is not None:
            item.setText(_short(question.question))

    def _select(self, row: int) -> None:
        self._store_current()
        self._current = row
        if not 0 <= row < len(self._questions):
            return
        question = self._questions[row]
        self.question_edit.setPlainText(question.question)
        self.question_note.setText(question.note)
        whose = self.whose_combo.findData(question.family_member_id)
        self.whose_combo.setCurrentIndex(max(whose, 0))
        self.interactions.setRowCount(len(question.interactions))
        for r, interaction in enumerate(question.interactions):
            for c, (key, _) in enumerate(INTERACTION_COLUMNS):
                self.interactions.setItem(r, c, QTableWidgetItem(str(getattr(interaction, key))))
            first = self.interactions.item(r, 0)
            if first is not None:  # the directory's organisation, kept through edits
                first.setData(Qt.ItemDataRole.UserRole, interaction.organisation_id)

    def _name_current(self) -> None:
        item = self.question_list.item(self._current)
        text = self.question_edit.toPlainText().strip()
        if item is not None and text:
            item.setText(_short(text))

    def add_question(self, text: str = "") -> None:
        self._store_current()
        self._questions.append(QuestionForm(question=text))
        self.whose_combo.setCurrentIndex(0)
        self.question_list.addItem(_short(text) or "(новый вопрос)")
        self.question_list.setCurrentRow(len(self._questions) - 1)
        self.question_edit.setFocus()

    def remove_question(self) -> None:
        row = self.question_list.currentRow()
        if 0 <= row < len(self._questions):
            self._current = -1
            del self._questions[row]
            self.question_list.takeItem(row)

    # -- saving ---------------------------------------------------------------------------

    def form(self) -> PlanForm:
        self._store_current()
        return replace(
            self.form_value,
            drawn_up_on=self.drawn_edit.text().strip(),
            completed_on=self.completed_edit.text().strip(),
            questions=tuple(q for q in self._questions if q.question),
        )

    def has_unsaved_changes(self) -> bool:
        return self.form() != self._saved_form

    def reject(self) -> None:
        if may_close(self, self.has_unsaved_changes(), lambda: self.save() is not None, "план"):
            super().reject()

    def save(self) -> int | None:
        form = self.form()
        problems = plans.validate_plan(form, self._today)
        if problems:
            self.message.setText("\n".join(f"• {p}" for p in problems))
            return None
        try:
            stored = plans.save_stored_plan(
                self._db, form, self.plan_id, self._today, loaded=self._loaded
            )
        except StaleEditError as exc:
            # Nothing was written; the window keeps what was typed unless asked otherwise.
            self.message.setText(str(exc))
            if ask_to_reload(self, exc):
                self._reload()
            return None
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.plan_id = stored.plan_id
        assert self.plan_id is not None
        self._loaded = stored
        self._saved_form = form
        self.message.setText("План сохранен; графы 11-14 реестра обновлены (31-р, п. 4.4).")
        self.saved.emit(self.plan_id)
        return self.plan_id

    def _reload(self) -> None:
        """The plan as stored now, in place of what was typed."""
        stored = plans.current_stored_plan(self._db, self.form_value.citizen_id)
        if stored is None:
            return
        self._loaded = stored
        self.plan_id = stored.plan_id
        self.form_value = stored.form
        self._current = -1
        self._questions = list(stored.form.questions)
        self.question_list.clear()
        for question in self._questions:
            self.question_list.addItem(_short(question.question))
        self.drawn_edit.setText(stored.form.drawn_up_on)
        self.completed_edit.setText(stored.form.completed_on)
        if self._questions:
            self.question_list.setCurrentRow(0)
        self._saved_form = self.form()
        self.message.setText("Загружена сохранённая версия плана.")

    def _default_pdf(self) -> Path:
        """«Маршрут_Иванов_И_И_2026-11.pdf» in the settings' export folder, else home."""
        folder = Path(load_settings(self._db).export_folder or Path.home())
        if not folder.is_dir():
            folder = Path.home()
        return folder / f"{self._file_stem}.pdf"

    def _choose_pdf(self) -> None:
        if self.save() is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "План", str(self._default_pdf()), "PDF (*.pdf)")
        if name:
            self.export_pdf(Path(name))

    def export_pdf(self, path: Path) -> None:
        assert self.plan_id is not None
        try:
            plans.export_plan_pdf(self._db, self.plan_id, path)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"PDF сохранен: {path}")


def _short(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 60 else line[:57] + "…"


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""
