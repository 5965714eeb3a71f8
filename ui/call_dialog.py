"""The call window (31-р 4.1-4.2): numbers to dial, a running timer, outcome, the checklist."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QElapsedTimer, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.domain.enums import Callee, CallOutcome, DeliveryMethod
from app.domain.periods import Month
from app.errors import UserError
from app.services import informing
from app.services.calendar import load_calendar
from app.services.informing import CallContext, CallDraft, CallResult
from db.session import Database
from ui.date_typing import make_typable
from ui.unsaved import may_close

logger = logging.getLogger(__name__)

# Outcome buttons in the order a consultant meets them, with their keys (Alt+1…6).
OUTCOMES = (
    (CallOutcome.REACHED, "&1 Дозвонились"),
    (CallOutcome.NO_ANSWER, "&2 Не отвечает"),
    (CallOutcome.BUSY, "&3 Занято"),
    (CallOutcome.WRONG_NUMBER, "&4 Неверный номер"),
    (CallOutcome.REFUSED, "&5 Отказ от разговора"),
    (CallOutcome.CALL_BACK, "&6 Перезвонить…"),
)
METHODS = (
    (DeliveryMethod.POST, "почтой на адрес"),
    (DeliveryMethod.EMAIL, "на электронную почту"),
    (DeliveryMethod.IN_PERSON, "лично в руки"),
)


class CallDialog(QDialog):
    """One phone call to the person or the representative; every attempt is recorded."""

    saved = Signal(object)  # informing.CallResult

    def __init__(
        self,
        db: Database,
        entry_id: int,
        *,
        now: datetime | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._fixed_now = now  # tests pin the clock; otherwise the wall clock
        self.context: CallContext = informing.call_context(db, entry_id)
        self._started_at: datetime | None = None
        self._elapsed = QElapsedTimer()
        self.outcome: CallOutcome | None = None
        self.call_result: CallResult | None = None
        self.setWindowTitle(f"Звонок: {self.context.person}")
        self.setMinimumWidth(1000)  # the height its rows need: it fits a 1366x768 screen

        title = QLabel(f"<b>{self.context.person}</b>")
        title.setStyleSheet("font-size: 14pt;")
        state = (
            f"проинформирован {self.context.informed_on:%d.%m.%Y}"
            if self.context.informed_on
            else "еще не проинформирован (31-р, п. 4.1: в течение 7 рабочих дней)"
        )
        month = Month.parse(self.context.reporting_month).title  # "ноябрь 2026", not "2026-11"
        subtitle = QLabel(f"Реестр: {month}; {state}")

        # Numbers: a tel: link, a copy button, and which one is being called.
        numbers = QGroupBox("Номера")
        grid = QGridLayout(numbers)
        self.number_group = QButtonGroup(self)
        self.number_buttons: list[QRadioButton] = []
        for row, number in enumerate(self.context.phones):
            radio = QRadioButton(number.who)
            self.number_group.addButton(radio, row)
            self.number_buttons.append(radio)
            link = QLabel(f'<a href="tel:{number.phone}">{number.phone}</a>')
            link.setOpenExternalLinks(True)
            link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            copy = QPushButton("Копировать")
            copy.setToolTip("Скопировать номер в буфер обмена")
            copy.clicked.connect(lambda _=False, p=number.phone: self.copy_number(p))
            grid.addWidget(radio, row, 0)
            grid.addWidget(link, row, 1)
            grid.addWidget(copy, row, 2)
        if self.number_buttons:
            self.number_buttons[0].setChecked(True)
        else:
            grid.addWidget(QLabel("Телефон не указан: заполните его в карточке."), 0, 0)

        # Timer and outcomes.
        self.start_button = QPushButton("Начать звонок (F2)")
        self.timer_label = QLabel("00:00")
        self.timer_label.setStyleSheet("font-size: 16pt; font-family: monospace;")
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self.outcome_buttons: dict[CallOutcome, QPushButton] = {}
        outcomes = QGroupBox("Чем закончился звонок")
        outcome_row = QHBoxLayout(outcomes)
        for outcome, text in OUTCOMES:
            button = QPushButton(f"{text[3:]}\nAlt+{text[1]}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, o=outcome: self.set_outcome(o))
            self.outcome_buttons[outcome] = button
            outcome_row.addWidget(button)
        self.call_back_edit = make_typable(QDateTimeEdit())
        self.call_back_edit.setDisplayFormat("dd.MM.yyyy HH:mm")
        self.call_back_edit.setCalendarPopup(True)
        # Issue #12: the call-back was proposed at 04:51; it is the next working day at 10:00.
        call_back = load_calendar(db).next_working_day(self._local_now().date())
        self.call_back_edit.setDateTime(
            QDateTime(QDate(call_back.year, call_back.month, call_back.day), QTime(10, 0))
        )
        self.call_back_edit.setEnabled(False)
        timer_row = QHBoxLayout()
        timer_row.addWidget(self.start_button)
        timer_row.addWidget(self.timer_label)
        timer_row.addStretch(1)
        timer_row.addWidget(QLabel("Перезвонить:"))
        timer_row.addWidget(self.call_back_edit)

        # What 4.1 says to tell, and what 4.2 asks to find out.
        self.checklist = QGroupBox("Что сказать (31-р, п. 4.1) и что уточнить (п. 4.2)")
        form = QFormLayout(self.checklist)
        measures = "; ".join(self.context.measures) or "в ИПРА мероприятия не указаны"
        self.told_measures = QCheckBox("&Рекомендованные в ИПРА мероприятия")
        self.told_measures.setToolTip(measures)
        form.addRow(self.told_measures)
        form.addRow(_hint(measures))
        orgs = "; ".join(self.context.organisations) or "организации подбираются в маршруте"
        self.told_organisations = QCheckBox("&Организации, которые их проводят")
        form.addRow(self.told_organisations)
        form.addRow(_hint(orgs))
        self.told_route = QCheckBox("&Маршрут будет направлен, и как")
        form.addRow(self.told_route)
        self.method_group = QButtonGroup(self)
        method_row = QHBoxLayout()
        self.method_buttons: dict[DeliveryMethod, QRadioButton] = {}
        for method, text in METHODS:
            radio = QRadioButton(text)
            self.method_group.addButton(radio)
            self.method_buttons[method] = radio
            method_row.addWidget(radio)
        form.addRow("Способ:", method_row)
        self.address_edit = QLineEdit(self.context.address)
        self.email_edit = QLineEdit(self.context.email)
        form.addRow("Подтвержденный адрес:", self.address_edit)
        form.addRow("Подтвержденная почта:", self.email_edit)
        self.plan_yes = QRadioButton("нужен")
        self.plan_no = QRadioButton("не нужен (п. 4.7)")
        self.plan_group = QButtonGroup(self)
        self.plan_group.addButton(self.plan_yes)
        self.plan_group.addButton(self.plan_no)
        plan_row = QHBoxLayout()
        plan_row.addWidget(self.plan_yes)
        plan_row.addWidget(self.plan_no)
        plan_row.addStretch(1)
        form.addRow("План сопровождения:", plan_row)
        self.questions_edit = QPlainTextEdit()
        self.questions_edit.setPlaceholderText(
            "Вопросы семьи, по одному в строке: они войдут в план"
        )
        self.questions_edit.setMaximumHeight(70)
        form.addRow("Вопросы семьи:", self.questions_edit)
        self.checklist.setEnabled(False)

        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText("Комментарий к звонку")
        self.attempts_label = QLabel(
            "Прежние попытки:\n" + "\n".join(self.context.attempts)
            if self.context.attempts
            else "Прежних попыток нет."
        )
        self.attempts_label.setWordWrap(True)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #8a1c1c;")
        self.save_button = QPushButton("&Записать звонок (Ctrl+Enter)")
        self.save_button.setEnabled(False)
        self.close_button = QPushButton("Закрыть")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(numbers)
        layout.addLayout(timer_row)
        layout.addWidget(outcomes)
        # The checklist scrolls when the screen is short (1366x768 with a taskbar and a title
        # bar leaves about 700 px): the comment and «Записать звонок» stay in sight.
        checklist_area = QScrollArea()
        checklist_area.setWidget(self.checklist)
        checklist_area.setWidgetResizable(True)
        checklist_area.setFrameShape(QFrame.Shape.NoFrame)
        checklist_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        checklist_area.setMinimumHeight(220)
        layout.addWidget(checklist_area, 1)
        comment_row = QFormLayout()
        comment_row.addRow("Комментарий:", self.comment_edit)
        layout.addLayout(comment_row)
        layout.addWidget(self.attempts_label)
        layout.addWidget(self.problems_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.start_button.clicked.connect(self.start_call)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        # One hand holds the phone: F2 starts, Alt+1…6 ends with an outcome, Ctrl+Enter saves.
        self.shortcuts: list[QShortcut] = []
        bindings: list[tuple[str, object]] = [
            ("F2", self.start_call),
            ("Ctrl+Return", self.save),
            ("Ctrl+Enter", self.save),
        ]
        for key, (outcome, _) in enumerate(OUTCOMES, start=1):
            bindings.append((f"Alt+{key}", lambda o=outcome: self.set_outcome(o)))
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # -- the clock ------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._fixed_now or clock.now_utc()

    def _local_now(self) -> datetime:
        return clock.to_local(self._now()).replace(tzinfo=None)

    def start_call(self) -> None:
        if self._started_at is None:
            self._started_at = self._now()
            self._elapsed.start()
            self._ticker.start()
            self.start_button.setEnabled(False)
            self.start_button.setText("Идет звонок")

    def duration(self) -> int:
        return int(self._elapsed.elapsed() / 1000) if self._elapsed.isValid() else 0

    def _tick(self) -> None:
        seconds = self.duration()
        self.timer_label.setText(f"{seconds // 60:02d}:{seconds % 60:02d}")

    # -- outcome and saving ---------------------------------------------------------------

    def set_outcome(self, outcome: CallOutcome) -> None:
        self.start_call()  # an outcome ends a call even if "start" was not pressed
        self._ticker.stop()
        self._tick()
        self.outcome = outcome
        for other, button in self.outcome_buttons.items():
            button.setChecked(other is outcome)
        reached = outcome is CallOutcome.REACHED
        self.checklist.setEnabled(reached)
        self.call_back_edit.setEnabled(outcome is CallOutcome.CALL_BACK)
        self.save_button.setEnabled(True)
        if reached:
            self.told_measures.setFocus()
        elif outcome is CallOutcome.CALL_BACK:
            self.call_back_edit.setFocus()
        else:
            self.comment_edit.setFocus()

    def draft(self) -> CallDraft:
        assert self.outcome is not None and self._started_at is not None
        index = self.number_group.checkedId()
        number = self.context.phones[index] if index >= 0 else None
        method = next((m for m, b in self.method_buttons.items() if b.isChecked()), None)
        plan: bool | None = None
        if self.plan_yes.isChecked():
            plan = True
        elif self.plan_no.isChecked():
            plan = False
        call_back = None
        if self.outcome is CallOutcome.CALL_BACK:
            local = self.call_back_edit.dateTime().toPython()
            assert isinstance(local, datetime)
            call_back = clock.local_to_utc(local)
        reached = self.outcome is CallOutcome.REACHED
        return CallDraft(
            entry_id=self.context.entry_id,
            callee=number.callee if number else Callee.CITIZEN,
            phone=number.phone if number else "",
            started_at=self._started_at,
            duration_seconds=self.duration(),
            outcome=self.outcome,
            call_back_at=call_back,
            told_measures=reached and self.told_measures.isChecked(),
            told_organisations=reached and self.told_organisations.isChecked(),
            told_route=reached and self.told_route.isChecked(),
            delivery_method=method if reached else None,
            delivery_address=self.address_edit.text().strip() if reached else "",
            delivery_email=self.email_edit.text().strip() if reached else "",
            plan_needed=plan if reached else None,
            questions=self.questions_edit.toPlainText().strip() if reached else "",
            comment=self.comment_edit.text().strip(),
        )

    def save(self) -> None:
        if self.outcome is None:
            self.problems_label.setText("Отметьте, чем закончился звонок (Alt+1…6).")
            return
        draft = self.draft()
        problems = informing.validate_call(draft, self._now())
        if problems:
            self.problems_label.setText("\n".join(f"• {p}" for p in problems))
            return
        try:
            result = informing.record_call(self._db, draft, self._now())
        except UserError as exc:
            self.problems_label.setText(str(exc))
            return
        self.call_result = result
        self.saved.emit(result)
        self.accept()

    def has_unsaved_changes(self) -> bool:
        """A call whose timer ran, or with an outcome or words typed, is not dropped silently
        (issue #12: «Закрыть» after F2, Alt+2 and a comment recorded no attempt, so the
        journal of 31-р 1.7 missed it)."""
        if self.call_result is not None:
            return False
        return (
            self._started_at is not None
            or self.outcome is not None
            or bool(self.comment_edit.text().strip())
            or bool(self.questions_edit.toPlainText().strip())
        )

    def reject(self) -> None:
        if may_close(self, self.has_unsaved_changes(), self._save_and_closed, "звонок"):
            super().reject()

    def _save_and_closed(self) -> bool:
        self.save()
        return False  # save() closes the window itself when the call is recorded

    def copy_number(self, phone: str) -> None:
        QGuiApplication.clipboard().setText(phone)


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    # Two lines kept: with three the window was taller than a 1366x768 screen (issue #12).
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * 2)
    label.setStyleSheet("color: #555555; margin-left: 22px;")
    return label
