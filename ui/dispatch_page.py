"""Sending routes and plans (31-р 3.4, 4.6): the list to send, post batches, ШПИ, e-mail."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import parse_date
from app.domain.enums import DeliveryMethod
from app.errors import UserError
from app.services import dispatch
from app.services.dispatch import PostBatch, ToSend
from app.services.settings import load_settings
from db.session import Database

logger = logging.getLogger(__name__)

HEADERS = ("", "Гражданин", "Кому", "Способ", "Адрес или почта", "Срок", "Осталось", "Что")
BATCH_HEADERS = ("Кому", "Индекс", "ШПИ (14 цифр)")
OVERDUE = QColor("#8a1c1c")


def days_left_text(days: int) -> str:
    """Issue #12: a date long past reads "просрочено на 459 дн.", not "осталось −459"."""
    if days < 0:
        return f"просрочено на {-days} дн."
    if days == 0:
        return "сегодня"
    return f"осталось {days} дн."


class DispatchPage(QWidget):
    """People whose route (and plan) are ready and not yet sent, most urgent first."""

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today
        self.items: tuple[ToSend, ...] = ()
        self.batch: PostBatch | None = None
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 28), (1, 230), (2, 230), (3, 175), (5, 90), (6, 100), (7, 120)):
            self.table.setColumnWidth(column, width)
        self.select_post = QPushButton("Отметить почтовые")
        self.select_email = QPushButton("Отметить e-mail")
        self.post_button = QPushButton("Письма, маршруты, конверты (PDF)…")
        self.list_button = QPushButton("Список заказных писем (XLSX)…")
        self.list_button.setEnabled(False)
        self.email_button = QPushButton("Отправить по e-mail")
        self.eml_button = QPushButton("Сохранить .eml…")
        buttons = QHBoxLayout()
        for button in (self.select_post, self.select_email):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.post_button, self.list_button, self.email_button, self.eml_button):
            buttons.addWidget(button)

        self.batch_table = QTableWidget(0, len(BATCH_HEADERS))
        self.batch_table.setHorizontalHeaderLabels(list(BATCH_HEADERS))
        self.batch_table.verticalHeader().setVisible(False)
        self.batch_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.batch_table.setColumnWidth(2, 180)
        self.batch_table.setMaximumHeight(160)
        self.sent_on = QLineEdit(f"{today:%d.%m.%Y}")
        self.sent_on.setMaximumWidth(110)
        self.tracking_button = QPushButton("Записать ШПИ и отметить в реестре")
        tracking_row = QHBoxLayout()
        tracking_row.addWidget(QLabel("Дата отправки:"))
        tracking_row.addWidget(self.sent_on)
        tracking_row.addStretch(1)
        tracking_row.addWidget(self.tracking_button)
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
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Последняя почтовая партия: ШПИ с квитанции почты"))
        layout.addWidget(self.batch_table)
        layout.addLayout(tracking_row)
        layout.addWidget(self.message)

        self.select_post.clicked.connect(lambda: self.check_method(DeliveryMethod.POST))
        self.select_email.clicked.connect(lambda: self.check_method(DeliveryMethod.EMAIL))
        self.post_button.clicked.connect(self._choose_post)
        self.list_button.clicked.connect(self._choose_list)
        self.email_button.clicked.connect(self._ask_password_and_send)
        self.eml_button.clicked.connect(self._choose_eml)
        self.tracking_button.clicked.connect(self.record_tracking)

    # -- the list -------------------------------------------------------------------------

    def refresh(self) -> None:
        self.items = dispatch.to_send(self._db, self._today)
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            check.setCheckState(Qt.CheckState.Unchecked)
            self.table.setItem(row, 0, check)
            where = item.email if item.method is DeliveryMethod.EMAIL else item.address
            if item.method is not DeliveryMethod.EMAIL and item.postcode not in where:
                where = f"{item.postcode}, {where}"  # the address usually starts with it
            values = (
                item.person,
                item.addressee,
                item.method.label if item.method else "не согласован",
                where,
                f"{item.due:%d.%m.%Y}",
                days_left_text(item.days_left),
                "маршрут и план"
                if item.plan_id and item.document.value != "PLAN"
                else ("план" if item.document.value == "PLAN" else "маршрут"),
            )
            for column, value in enumerate(values, start=1):
                cell = QTableWidgetItem(value)
                if item.days_left < 0:
                    cell.setForeground(QBrush(OVERDUE))
                self.table.setItem(row, column, cell)
        overdue = sum(1 for i in self.items if i.days_left < 0)
        self.message.setText(f"К отправке: {len(self.items)}; срок истек: {overdue}.")

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

    # -- post -----------------------------------------------------------------------------

    def _choose_post(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Почта", str(Path.home() / f"Почта {self._today:%d.%m.%Y}.pdf"), "PDF (*.pdf)"
        )
        if name:
            self.prepare_post(Path(name))

    def prepare_post(self, out: Path) -> PostBatch | None:
        entry_ids = self.checked(DeliveryMethod.POST)
        try:
            batch = dispatch.prepare_post(self._db, entry_ids, out, self._today)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.batch = batch
        self.batch_table.setRowCount(len(batch.items))
        for row, item in enumerate(batch.items):
            for column, value in enumerate((item.addressee, item.postcode)):
                cell = QTableWidgetItem(value)
                cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.batch_table.setItem(row, column, cell)
            self.batch_table.setItem(row, 2, QTableWidgetItem(""))
        self.list_button.setEnabled(bool(batch.items))
        note = "" if batch.names_declined else " Имена в блоке «Кому» — в именительном падеже."
        self.message.setText(f"Подготовлено писем: {len(batch.items)} — {out}.{note}")
        return batch

    def _choose_list(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Список", str(Path.home() / "Список заказных писем.xlsx"), "*.xlsx"
        )
        if name:
            self.write_list(Path(name))

    def write_list(self, out: Path) -> int | None:
        if self.batch is None:
            return None
        try:
            count = dispatch.write_post_list(
                self._db, [i.dispatch_id for i in self.batch.items], out
            )
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        self.message.setText(f"Список заказных писем: {count} — {out}")
        return count

    def record_tracking(self) -> int:
        """Record every ШПИ typed in the batch table; each one marks its registry entry."""
        if self.batch is None:
            return 0
        try:
            sent_on = _date(self.sent_on.text())
        except UserError as exc:
            self.message.setText(str(exc))
            return 0
        done, problems = 0, []
        for row, item in enumerate(self.batch.items):
            cell = self.batch_table.item(row, 2)
            number = cell.text().strip() if cell else ""
            if not number:
                continue
            try:
                dispatch.record_tracking(self._db, item.dispatch_id, number, sent_on)
            except UserError as exc:
                problems.append(f"{item.addressee}: {exc}")
                continue
            done += 1
            if cell is not None:
                cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.refresh()
        text = f"Отмечено отправленными: {done}."
        if problems:
            text += "\n" + "\n".join(problems)
        self.message.setText(text)
        return done

    # -- e-mail ---------------------------------------------------------------------------

    def _ask_password_and_send(self) -> None:
        smtp = load_settings(self._db).smtp
        password = ""
        if smtp.login:
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
        folder = QFileDialog.getExistingDirectory(self, "Папка для писем .eml", str(Path.home()))
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


def _date(text: str) -> date:
    return parse_date(text, "дата отправки")
