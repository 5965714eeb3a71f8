"""Sending routes and plans (31-р 3.4, 4.6): the list to send, post batches, ШПИ, e-mail.

Two tabs. «К отправке»: the people whose route (and plan) are ready and not sent, with a
search box and filters by method and state; letters are printed from here. «Почтовые
партии»: every batch printed, the ones with letters awaiting a ШПИ first (issue #12: after
a restart yesterday's batch was gone and its ШПИ could not be entered); a batch opens with
its letters, takes the ШПИ typed per letter, prints again, gives its list of form 103, and
lets a letter be taken out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import DeliveryMethod
from app.errors import UserError
from app.services import dispatch, mail_secret
from app.services.dispatch import BatchDetail, BatchSummary, PostBatch, SendFilter, ToSend
from app.services.settings import load_settings
from db.session import Database
from ui.date_typing import make_typable
from ui.profile_guard import documents_allowed
from ui.worker import BackgroundTask

logger = logging.getLogger(__name__)

HEADERS = ("", "Гражданин", "Кому", "Способ", "Адрес или почта", "Срок", "Осталось", "Что")
BATCHES_HEADERS = ("№", "Дата", "Писем", "Ждут ШПИ", "Напечатал(а)")
BATCH_HEADERS = ("Кому", "Индекс", "ШПИ (14 цифр)", "Состояние")
SPI_COLUMN = 2
OVERDUE = QColor("#8a1c1c")
DONE = QColor("#4d4d4d")
SHORT_METHOD = {
    DeliveryMethod.POST: "почта",
    DeliveryMethod.EMAIL: "e-mail",
    DeliveryMethod.IN_PERSON: "лично",
}
METHODS: tuple[tuple[str, DeliveryMethod | None], ...] = (
    ("все способы", None),
    ("почта", DeliveryMethod.POST),
    ("электронная почта", DeliveryMethod.EMAIL),
    ("лично", DeliveryMethod.IN_PERSON),
)


def days_left_text(days: int) -> str:
    """Issue #12: a date long past reads "просрочено на 459 дн.", not "осталось −459"."""
    if days < 0:
        return f"просрочено на {-days} дн."
    if days == 0:
        return "сегодня"
    return f"осталось {days} дн."


def _what(item: ToSend) -> str:
    if item.document.value == "PLAN":
        return "план"
    return "маршрут и план" if item.plan_id else "маршрут"


def _cell(text: str, *, editable: bool = False) -> QTableWidgetItem:
    cell = QTableWidgetItem(text)
    if text:
        cell.setToolTip(text)
    if not editable:
        cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return cell


class DispatchPage(QWidget):
    """People whose route (and plan) are ready and not yet sent, most urgent first; and
    the post batches awaiting their ШПИ."""

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today
        self.all_items: tuple[ToSend, ...] = ()
        self.items: tuple[ToSend, ...] = ()  # the rows shown, after search and filters
        self.batch: PostBatch | None = None  # the batch printed last from this page
        self.batches: tuple[BatchSummary, ...] = ()
        self.detail: BatchDetail | None = None  # the batch open on the right
        self.task: BackgroundTask | None = None
        self._progress: QProgressDialog | None = None

        # -- «К отправке» ------------------------------------------------------------------
        self.search = QLineEdit()
        self.search.setPlaceholderText("Поиск: Ф.И.О. гражданина или адресата")
        self.search.setClearButtonEnabled(True)
        self.method_filter = QComboBox()
        for text, method in METHODS:
            self.method_filter.addItem(text, method.value if method else "")
        self.state_filter = QComboBox()
        for state in SendFilter:
            self.state_filter.addItem(state.label, state.value)
        self.shown = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(QLabel("Способ:"))
        filters.addWidget(self.method_filter)
        filters.addWidget(QLabel("Показать:"))
        filters.addWidget(self.state_filter)
        filters.addWidget(self.shown, 1)

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 28), (1, 200), (2, 200), (3, 84), (5, 84), (6, 160), (7, 180)):
            self.table.setColumnWidth(column, width)
        self.select_post = QPushButton("Отметить почтовые")
        self.select_email = QPushButton("Отметить e-mail")
        self.post_button = QPushButton("Напечатать письма и конверты (PDF)…")
        self.email_button = QPushButton("Отправить по e-mail")
        self.eml_button = QPushButton("Сохранить .eml…")
        buttons = QHBoxLayout()
        for button in (self.select_post, self.select_email):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.post_button, self.email_button, self.eml_button):
            buttons.addWidget(button)
        to_send = QWidget()
        to_send_layout = QVBoxLayout(to_send)
        to_send_layout.addLayout(filters)
        to_send_layout.addWidget(self.table, 1)
        to_send_layout.addLayout(buttons)

        # -- «Почтовые партии» ---------------------------------------------------------------
        self.batches_table = QTableWidget(0, len(BATCHES_HEADERS))
        self.batches_table.setHorizontalHeaderLabels(list(BATCHES_HEADERS))
        self.batches_table.verticalHeader().setVisible(False)
        self.batches_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.batches_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.batches_table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.batches_table.horizontalHeader().setSectionResizeMode(
            4, QHeaderView.ResizeMode.Stretch
        )
        for column, width in ((0, 40), (1, 84), (2, 56), (3, 84)):
            self.batches_table.setColumnWidth(column, width)
        self.batches_table.setWordWrap(False)
        self.batches_table.setMinimumWidth(360)

        self.batch_title = QLabel("Выберите партию слева.")
        self.batch_title.setWordWrap(True)
        self.batch_table = QTableWidget(0, len(BATCH_HEADERS))
        self.batch_table.setHorizontalHeaderLabels(list(BATCH_HEADERS))
        self.batch_table.verticalHeader().setVisible(False)
        self.batch_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.batch_table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.batch_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.batch_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 64), (2, 150), (3, 160)):
            self.batch_table.setColumnWidth(column, width)
        self.sent_on = make_typable(QDateEdit(QDate(today.year, today.month, today.day)))
        self.sent_on.setDisplayFormat("dd.MM.yyyy")
        self.sent_on.setCalendarPopup(True)
        self.tracking_button = QPushButton("Записать ШПИ и отметить в реестре")
        self.reprint_button = QPushButton("Напечатать снова…")
        self.form103_button = QPushButton("Список ф. 103…")
        self.remove_button = QPushButton("Убрать письмо из партии")
        tracking_row = QHBoxLayout()
        tracking_row.addWidget(QLabel("Дата отправки:"))
        tracking_row.addWidget(self.sent_on)
        tracking_row.addStretch(1)
        tracking_row.addWidget(self.tracking_button)
        batch_buttons = QHBoxLayout()
        batch_buttons.addWidget(self.reprint_button)
        batch_buttons.addWidget(self.form103_button)
        batch_buttons.addStretch(1)
        batch_buttons.addWidget(self.remove_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.batch_title)
        right_layout.addWidget(self.batch_table, 1)
        right_layout.addLayout(tracking_row)
        right_layout.addLayout(batch_buttons)
        self.batches_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.batches_splitter.addWidget(self.batches_table)
        self.batches_splitter.addWidget(right)
        self.batches_splitter.setStretchFactor(1, 1)
        self.batches_splitter.setSizes([400, 700])
        self.batches_splitter.setChildrenCollapsible(False)
        batches = QWidget()
        batches_layout = QVBoxLayout(batches)
        batches_layout.addWidget(
            QLabel(
                "Партия хранится, пока у каждого письма нет ШПИ с квитанции почты: её можно "
                "открыть в любой день, напечатать снова или убрать из неё письмо."
            )
        )
        batches_layout.addWidget(self.batches_splitter, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(to_send, "К отправке")
        self.tabs.addTab(batches, "Почтовые партии")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "<h2>Отправка документов</h2>Маршрут (и план) направляются до 30 числа "
                "месяца, следующего за отчетным (31-р, пп. 3.4, 4.6)"
            )
        )
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

        self.search.textChanged.connect(self._show_items)
        self.method_filter.currentIndexChanged.connect(self._show_items)
        self.state_filter.currentIndexChanged.connect(self._show_items)
        self.select_post.clicked.connect(lambda: self.check_method(DeliveryMethod.POST))
        self.select_email.clicked.connect(lambda: self.check_method(DeliveryMethod.EMAIL))
        self.post_button.clicked.connect(self._choose_post)
        self.email_button.clicked.connect(self._ask_password_and_send)
        self.eml_button.clicked.connect(self._choose_eml)
        self.batches_table.itemSelectionChanged.connect(self._batch_chosen)
        self.tracking_button.clicked.connect(self.record_tracking)
        self.reprint_button.clicked.connect(self._choose_reprint)
        self.form103_button.clicked.connect(self._choose_form103)
        self.remove_button.clicked.connect(self.remove_letter)
        self._enable_batch_buttons()

    # -- the list -------------------------------------------------------------------------

    def refresh(self) -> None:
        self.all_items = dispatch.to_send(self._db, self._today)
        self._show_items()
        self.refresh_batches()

    def _show_items(self) -> None:
        """The rows the search box and the filters let through; ticks are kept."""
        ticked = set(self.checked())
        method_value = self.method_filter.currentData()
        method = DeliveryMethod(method_value) if method_value else None
        state = SendFilter(self.state_filter.currentData())
        text = self.search.text()
        self.items = tuple(i for i in self.all_items if dispatch.matches(i, text, method, state))
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            on = item.entry_id in ticked
            check.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.table.setItem(row, 0, check)
            where = item.email if item.method is DeliveryMethod.EMAIL else item.address
            if item.method is not DeliveryMethod.EMAIL and item.postcode not in where:
                where = f"{item.postcode}, {where}"  # the address usually starts with it
            what = _what(item)
            if item.batch_number is not None:
                what += f"; партия № {item.batch_number}"
            values = (
                item.person,
                item.addressee,
                SHORT_METHOD[item.method] if item.method else "не согласован",
                where,
                f"{item.due:%d.%m.%Y}",
                days_left_text(item.days_left),
                what,
            )
            tips = {4: where, 7: what}
            if item.batch_number is not None:
                tips[7] = f"Напечатано в почтовой партии № {item.batch_number}, ждёт ШПИ"
            for column, value in enumerate(values, start=1):
                cell = QTableWidgetItem(value)
                cell.setToolTip(tips.get(column, value))
                if item.days_left < 0:
                    cell.setForeground(QBrush(OVERDUE))
                self.table.setItem(row, column, cell)
        overdue = sum(1 for i in self.all_items if i.days_left < 0)
        shown = len(self.items)
        self.shown.setText(
            f"показано {shown} из {len(self.all_items)}" if shown != len(self.all_items) else ""
        )
        self.message.setText(f"К отправке: {len(self.all_items)}; срок истек: {overdue}.")

    def check_method(self, method: DeliveryMethod) -> None:
        for row, item in enumerate(self.items):
            cell = self.table.item(row, 0)
            if cell is not None and item.method is method:
                cell.setCheckState(Qt.CheckState.Checked)

    def checked(self, method: DeliveryMethod | None = None) -> list[int]:
        result = []
        for row, item in enumerate(self.items):
            cell = self.table.item(row, 0)
            ticked = cell is not None and cell.checkState() == Qt.CheckState.Checked
            if ticked and (method is None or item.method is method):
                result.append(item.entry_id)
        return result

    # -- work off the UI thread -----------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def _run(self, title: str, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """``job`` on a worker thread behind a progress window; ``done`` with its result,
        or its UserError in the message line. Printing cannot be cancelled halfway: the
        files and the batch are written together."""
        if self.busy:
            return
        dialog = QProgressDialog(title, "", 0, 0, self)
        dialog.setCancelButton(None)  # no button: printing is not stopped halfway
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self._progress = dialog
        task = BackgroundTask(lambda report, cancelled: job(), self)

        def close() -> None:
            dialog.reset()
            dialog.close()
            self._progress = None

        def finished(result: object) -> None:
            close()
            done(result)

        def failed(error: object) -> None:
            close()
            assert isinstance(error, BaseException)
            if not isinstance(error, UserError):
                raise error  # a bug: the crash dialog shows it with the log's path
            self.message.setText(str(error))

        task.done.connect(finished)
        task.failed.connect(failed)
        self.task = task
        task.start()

    def _folder(self) -> Path:
        folder = Path(load_settings(self._db).export_folder or Path.home()).expanduser()
        return folder if folder.is_dir() else Path.home()

    # -- post -----------------------------------------------------------------------------

    def _choose_post(self) -> None:
        if not self.checked(DeliveryMethod.POST):
            self.message.setText("Отметьте в списке граждан, которым письма идут почтой.")
            return
        # Issue #12: no letter goes out with a blank sender or signature.
        if not documents_allowed(self, self._db, "letters"):
            return
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Письма и конверты",
            str(self._folder() / f"Почта {self._today:%d.%m.%Y}.pdf"),
            "PDF (*.pdf)",
        )
        if name:
            self.prepare_post(Path(name))

    def prepare_post(self, out: Path) -> None:
        """Print the ticked post letters as a new batch (off the UI thread); the batch
        then opens in «Почтовые партии»."""
        entry_ids = self.checked(DeliveryMethod.POST)
        today = self._today

        def printed(result: object) -> None:
            assert isinstance(result, PostBatch)
            self.batch = result
            note = "" if result.names_declined else " Имена в блоке «Кому» — в именительном падеже."
            self.refresh()
            self.tabs.setCurrentIndex(1)
            self.open_batch(result.number)
            self.message.setText(
                f"Почтовая партия № {result.number}: писем {len(result.items)} — {out}. "
                f"Когда почта примет письма, впишите ШПИ из квитанции.{note}"
            )

        self._run(
            "Печать писем…",
            lambda: dispatch.prepare_post(self._db, entry_ids, out, today),
            printed,
        )

    # -- post batches ---------------------------------------------------------------------

    def refresh_batches(self) -> None:
        chosen = self.detail.number if self.detail is not None else None
        self.batches = dispatch.post_batches(self._db)
        awaiting = sum(b.awaiting for b in self.batches)
        self.tabs.setTabText(
            1, f"Почтовые партии (писем ждут ШПИ: {awaiting})" if awaiting else "Почтовые партии"
        )
        self.batches_table.blockSignals(True)
        self.batches_table.setRowCount(len(self.batches))
        for row, b in enumerate(self.batches):
            values = (
                str(b.number),
                f"{b.printed_on:%d.%m.%Y}",
                str(b.letters),
                str(b.awaiting) if b.open else "—",
                b.printed_by,
            )
            for column, value in enumerate(values):
                cell = _cell(value)
                if not b.open:
                    cell.setForeground(QBrush(DONE))
                self.batches_table.setItem(row, column, cell)
        self.batches_table.blockSignals(False)
        numbers = [b.number for b in self.batches]
        if chosen in numbers:
            self.open_batch(chosen)
        elif self.detail is not None:
            self._show_batch(None)

    def _batch_chosen(self) -> None:
        rows = self.batches_table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.batches):
            self.open_batch(self.batches[rows[0].row()].number)

    def open_batch(self, number: int) -> None:
        try:
            detail = dispatch.open_post_batch(self._db, number)
        except UserError as exc:
            self.message.setText(str(exc))
            self._show_batch(None)
            return
        self._show_batch(detail)
        row = next((r for r, b in enumerate(self.batches) if b.number == number), -1)
        if row >= 0 and self.batches_table.currentRow() != row:
            self.batches_table.blockSignals(True)
            self.batches_table.selectRow(row)
            self.batches_table.blockSignals(False)

    def _show_batch(self, detail: BatchDetail | None) -> None:
        self.detail = detail
        self.batch_table.setRowCount(len(detail.letters) if detail else 0)
        if detail is None:
            self.batch_title.setText("Выберите партию слева.")
            self._enable_batch_buttons()
            return
        s = detail.summary
        self.batch_title.setText(
            f"<b>Партия № {s.number} от {s.printed_on:%d.%m.%Y}</b>, напечатал(а) "
            f"{s.printed_by or '—'}: писем {s.letters}, ждут ШПИ {s.awaiting}. "
            "Впишите ШПИ против каждого письма и нажмите «Записать ШПИ»."
        )
        for row, letter in enumerate(detail.letters):
            self.batch_table.setItem(row, 0, _cell(letter.addressee))
            self.batch_table.setItem(row, 1, _cell(letter.postcode))
            if letter.awaiting:
                self.batch_table.setItem(row, SPI_COLUMN, _cell("", editable=True))
                self.batch_table.setItem(row, 3, _cell("ждёт ШПИ"))
            else:
                sent = f"отправлено {letter.sent_on:%d.%m.%Y}" if letter.sent_on else "отправлено"
                for column, value in ((SPI_COLUMN, letter.tracking_number), (3, sent)):
                    cell = _cell(value)
                    cell.setForeground(QBrush(DONE))
                    self.batch_table.setItem(row, column, cell)
        self._enable_batch_buttons()

    def _enable_batch_buttons(self) -> None:
        detail = self.detail
        has_letters = detail is not None and bool(detail.letters)
        awaiting = detail is not None and detail.summary.awaiting > 0
        for button in (self.reprint_button, self.form103_button):
            button.setEnabled(has_letters)
        self.tracking_button.setEnabled(awaiting)
        self.remove_button.setEnabled(awaiting)

    def record_tracking(self) -> int:
        """Record every ШПИ typed in the open batch; each one marks its registry entry."""
        detail = self.detail
        if detail is None:
            return 0
        for editor in self.batch_table.viewport().findChildren(QLineEdit):
            if editor.isVisible():  # a number still being typed is taken too
                self.batch_table.commitData(editor)
        qdate = self.sent_on.date()
        sent_on = date(qdate.year(), qdate.month(), qdate.day())
        done, problems = 0, []
        typed: dict[int, str] = {}
        for row, letter in enumerate(detail.letters):
            cell = self.batch_table.item(row, SPI_COLUMN)
            number = cell.text().strip() if cell else ""
            if not letter.awaiting or not number:
                continue
            try:
                dispatch.record_tracking(self._db, letter.dispatch_id, number, sent_on)
            except UserError as exc:
                problems.append(f"{letter.addressee}: {exc}")
                typed[letter.dispatch_id] = number
                continue
            done += 1
        if not done and not problems:
            self.message.setText("Впишите ШПИ хотя бы одного письма (14 цифр из квитанции).")
            return 0
        self.refresh()
        for row, letter in enumerate(self.detail.letters if self.detail else ()):
            if letter.dispatch_id in typed:  # a refused number stays to be corrected
                again = _cell(typed[letter.dispatch_id], editable=True)
                again.setForeground(QBrush(OVERDUE))  # refused: to be corrected
                self.batch_table.setItem(row, SPI_COLUMN, again)
        text = f"Отмечено отправленными: {done}."
        if problems:
            text += "\n" + "\n".join(problems)
        self.message.setText(text)
        return done

    def _chosen_letter(self) -> dispatch.BatchLetter | None:
        if self.detail is None:
            return None
        row = self.batch_table.currentRow()
        if 0 <= row < len(self.detail.letters):
            return self.detail.letters[row]
        return None

    def remove_letter(self) -> None:
        detail, letter = self.detail, self._chosen_letter()
        if detail is None or letter is None:
            self.message.setText("Выберите письмо в партии.")
            return
        try:
            dispatch.remove_from_batch(self._db, detail.number, letter.dispatch_id)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.refresh()
        self.message.setText(
            f"Письмо {letter.addressee} убрано из партии № {detail.number}: оно снова в "
            "списке «К отправке»."
        )

    def _choose_reprint(self) -> None:
        if self.detail is None or not documents_allowed(self, self._db, "letters"):
            return
        s = self.detail.summary
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Напечатать партию снова",
            str(self._folder() / f"Почта, партия {s.number} от {s.printed_on:%d.%m.%Y}.pdf"),
            "PDF (*.pdf)",
        )
        if name:
            self.reprint(Path(name))

    def reprint(self, out: Path) -> None:
        if self.detail is None:
            return
        number = self.detail.number

        def printed(result: object) -> None:
            self.refresh_batches()
            self.message.setText(f"Партия № {number} напечатана снова: {result}.")

        self._run(
            "Печать писем…",
            lambda: dispatch.reprint_post_batch(self._db, number, out),
            printed,
        )

    def _choose_form103(self) -> None:
        if self.detail is None:
            return
        s = self.detail.summary
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Список ф. 103",
            str(self._folder() / f"Ф103, партия {s.number} от {s.printed_on:%d.%m.%Y}.xlsx"),
            "Книга Excel (*.xlsx);;PDF (*.pdf)",
        )
        if name:
            self.write_form103(Path(name))

    def write_form103(self, out: Path) -> int | None:
        if self.detail is None:
            return None
        try:
            count = dispatch.write_form103(self._db, self.detail.number, out)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.message.setText(f"Список ф. 103 партии № {self.detail.number}: писем {count} — {out}")
        return count

    # -- e-mail ---------------------------------------------------------------------------

    def _ask_password_and_send(self) -> None:
        smtp = load_settings(self._db).smtp
        password = ""
        if smtp.login:
            try:  # kept by «Настройки» in the system's credential store (issue #12)
                password = mail_secret.password_for(smtp)
            except UserError:
                password = ""  # no store on this machine: asked below
        if smtp.login and not password:
            password, ok = QInputDialog.getText(
                self,
                "Почтовый сервер",
                f"Пароль для {smtp.login} на {smtp.host}:",
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return
        self.send_email(password)

    def send_email(self, password: str = "") -> tuple[dispatch.EmailOutcome, ...]:
        entry_ids = self.checked(DeliveryMethod.EMAIL)
        smtp = load_settings(self._db).smtp
        try:
            outcomes = dispatch.send_email(
                self._db, entry_ids, smtp, self._today, password=password
            )
        except UserError as exc:
            self.message.setText(str(exc))
            return ()
        self.refresh()
        sent = sum(1 for o in outcomes if o.sent)
        failed = [f"{o.email}: {o.error}" for o in outcomes if not o.sent]
        text = f"Отправлено писем: {sent}."
        if failed:
            text += (
                f" Не отправлено: {len(failed)} (остались в списке, можно повторить):\n"
                + "\n".join(failed)
            )
        self.message.setText(text)
        return outcomes

    def _choose_eml(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Папка для писем .eml", str(self._folder()))
        if folder:
            self.save_eml(Path(folder))

    def save_eml(self, folder: Path) -> list[Path]:
        paths = []
        for entry_id in self.checked(DeliveryMethod.EMAIL):
            try:
                paths.append(dispatch.save_eml(self._db, entry_id, folder, self._today))
            except UserError as exc:
                self.message.setText(str(exc))
                return paths
        self.message.setText(f"Готовых писем .eml: {len(paths)} — {folder}")
        return paths
