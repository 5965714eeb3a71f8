"""The route editor (31-р 3.3, Appendix 2): proposed lines, organisations, save and issue."""

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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.domain.enums import MeasureKind
from app.domain.names import document_file_name
from app.errors import StaleEditError, UserError
from app.services import citizens, routes
from app.services.routes import RouteDraft, RouteLineDraft
from app.services.settings import load_settings
from db.session import Database
from ui.profile_guard import documents_allowed
from ui.stale_edit import ask_to_reload
from ui.unsaved import may_close

logger = logging.getLogger(__name__)

NO_ORGANISATION = "— не выбрана —"
COL_NUMBER, COL_MEASURE, COL_SERVICE, COL_ORGANISATION = range(4)


class RouteDialog(QDialog):
    """Draw up (or continue) the person's route; issuing copies the organisations' details."""

    saved = Signal(int)  # route id
    issued = Signal(int)

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
        proposal = routes.propose_route(db, entry_id)
        current = routes.current_route(db, proposal.citizen_id)
        # A draft in progress is continued; an issued route is re-issued from a fresh proposal.
        self.draft: RouteDraft = current if current and current.status == "DRAFT" else proposal
        # The route as read: a draft saved (or started) by someone else since is not
        # overwritten (issue #15).
        self._loaded: RouteDraft = self.draft
        self._entry_id = entry_id
        self._issued_id = current.route_id if current and current.status == "ISSUED" else None
        # Re-issuing makes a new version; the issued one is kept as superseded (31-р 3.3).
        self._issued_version = current.version if current and current.status == "ISSUED" else None
        card = citizens.load_card(db, self.draft.citizen_id)
        self._file_stem = document_file_name(
            "Маршрут",
            card.form.last_name,
            card.form.first_name,
            card.form.middle_name,
            f"{self._today:%Y-%m}",
        )
        self._district = card.form.district or None
        name = " ".join(
            p for p in (card.form.last_name, card.form.first_name, card.form.middle_name) if p
        )
        self.setWindowTitle(f"Маршрут: {name}")
        self.setMinimumSize(1000, 560)

        state = (
            f"черновик, версия {self.draft.version}"
            if self.draft.route_id
            else "новый маршрут по ИПРА (строки 1-7 — виды мероприятий приложения 2)"
        )
        if current is not None and current.status == "ISSUED":
            state += f"; выдан маршрут версии {current.version} — он сохранится как прежняя версия"
        heading = QLabel(f"<b>{name}</b><br>{state}")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["№", "Мероприятие", "Услуга", "Организация"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_MEASURE, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(COL_NUMBER, 40)
        self.table.setColumnWidth(COL_SERVICE, 260)
        self.table.setColumnWidth(COL_ORGANISATION, 320)
        self.table.setWordWrap(True)
        for line in self.draft.lines:
            self._append(line)

        self.add_button = QPushButton("Добавить строку")
        self.remove_button = QPushButton("Удалить строку")
        self.save_button = QPushButton("Сохранить черновик")
        self.issue_button = QPushButton(
            "Выдать маршрут"
            if self._issued_version is None
            else f"Выдать версию {self._issued_version + 1}"
        )
        self.pdf_button = QPushButton("PDF выданного…")
        self.pdf_button.setEnabled(self._issued_id is not None)
        self.close_button = QPushButton("Закрыть")
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.issue_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.add_button.clicked.connect(lambda: self._append(RouteLineDraft(None, "", "", None)))
        self.remove_button.clicked.connect(self.remove_line)
        self.save_button.clicked.connect(self.save)
        self.issue_button.clicked.connect(self.issue)
        self.pdf_button.clicked.connect(self._choose_pdf)
        self.close_button.clicked.connect(self.reject)
        self._saved_lines = self.lines()  # what closing compares with (issue #12)

    def _append(self, line: RouteLineDraft) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        number = QTableWidgetItem(str(row + 1))
        number.setFlags(number.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, COL_NUMBER, number)
        measure = QTableWidgetItem(line.measure_title)
        if line.measure_kind is not None:  # rows 1-7 keep the wording of Appendix 2
            measure.setFlags(measure.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, COL_MEASURE, measure)
        self.table.setItem(row, COL_SERVICE, QTableWidgetItem(line.service_name))
        combo = QComboBox()
        combo.addItem(NO_ORGANISATION, None)
        for choice in routes.organisations_for(self._db, line.measure_kind, self._district):
            where = choice.district or "региональная"
            label = choice.name if where in choice.name else f"{choice.name} ({where})"
            combo.addItem(label, choice.organisation_id)
        index = combo.findData(line.organisation_id) if line.organisation_id else 0
        combo.setCurrentIndex(max(index, 0))
        self.table.setCellWidget(row, COL_ORGANISATION, combo)
        kind_item = self.table.item(row, COL_MEASURE)
        assert kind_item is not None
        kind_item.setData(
            Qt.ItemDataRole.UserRole, line.measure_kind.value if line.measure_kind else None
        )

    def remove_line(self) -> None:
        row = self.table.currentRow()
        if row < len(MeasureKind):
            self.message.setText("Строки 1-7 приложения 2 не удаляются: оставьте их пустыми.")
            return
        self.table.removeRow(row)

    def lines(self) -> tuple[RouteLineDraft, ...]:
        result = []
        for row in range(self.table.rowCount()):
            measure = self.table.item(row, COL_MEASURE)
            service = self.table.item(row, COL_SERVICE)
            combo = self.table.cellWidget(row, COL_ORGANISATION)
            kind_value = measure.data(Qt.ItemDataRole.UserRole) if measure else None
            result.append(
                RouteLineDraft(
                    measure_kind=MeasureKind(kind_value) if kind_value else None,
                    measure_title=measure.text().strip() if measure else "",
                    service_name=service.text().strip() if service else "",
                    organisation_id=combo.currentData() if isinstance(combo, QComboBox) else None,
                )
            )
        return tuple(result)

    def has_unsaved_changes(self) -> bool:
        return self.lines() != self._saved_lines

    def reject(self) -> None:
        if may_close(self, self.has_unsaved_changes(), lambda: self.save() is not None, "маршрут"):
            super().reject()

    def save(self) -> int | None:
        try:
            stored = routes.save_route(
                self._db, replace(self.draft, lines=self.lines()), self._today, loaded=self._loaded
            )
        except StaleEditError as exc:
            # Nothing was written; the table keeps what was typed unless asked otherwise.
            self.message.setText(str(exc))
            if ask_to_reload(self, exc):
                self._reload()
            return None
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        route_id = stored.route_id
        assert route_id is not None
        self.draft = replace(
            self.draft, route_id=route_id, lines=self.lines(), row_version=stored.row_version
        )
        self._loaded = stored
        self._saved_lines = self.lines()
        self.message.setText("Черновик маршрута сохранен.")
        self.saved.emit(route_id)
        return route_id

    def _reload(self) -> None:
        """The route as stored now: the draft someone saved, else a fresh proposal."""
        current = routes.current_route(self._db, self.draft.citizen_id)
        if current is not None and current.status == "DRAFT":
            self.draft = current
        else:
            self.draft = routes.propose_route(self._db, self._entry_id)
        self._loaded = self.draft
        self.table.setRowCount(0)
        for line in self.draft.lines:
            self._append(line)
        self._saved_lines = self.lines()
        self.message.setText("Загружена сохранённая версия маршрута.")

    def issue(self) -> None:
        route_id = self.save()
        if route_id is None:
            return
        # The draft is kept; the route is not issued without its "developed by" line.
        if not documents_allowed(self, self._db, "route"):
            self.message.setText(
                "Маршрут не выдан: заполните сведения о специалисте и организации в "
                "настройках. Черновик сохранен."
            )
            return
        problem = routes.issue_problem(self._db, route_id)
        if problem is not None:
            self.message.setText(problem)
            return
        if not self._confirm_issue():
            self.message.setText("Маршрут не выдан. Черновик сохранен.")
            return
        try:
            issued = routes.issue_route(self._db, route_id, self._today)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.issued.emit(issued)
        self.accept()

    def _confirm_issue(self) -> bool:
        """«Выдать маршрут?» — an issued route is a document handed to the family."""
        name = self.windowTitle().removeprefix("Маршрут: ")
        text = (
            f"Выдать маршрут: {name}? Сведения об организациях и специалисте будут "
            "записаны в маршрут, после выдачи он не изменяется."
        )
        if self._issued_version is not None:
            text += (
                f"\n\nБудет выдана версия {self._issued_version + 1}; выданная ранее версия "
                f"{self._issued_version} сохранится как замененная."
            )
        box = QMessageBox(QMessageBox.Icon.Question, "Выдача маршрута", text, parent=self)
        box.setObjectName("confirm_issue")
        issue = box.addButton("Выдать", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Отмена", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(issue)
        box.exec()
        return box.clickedButton() is issue

    def _default_pdf(self) -> Path:
        """«Маршрут_Иванов_И_И_2026-11.pdf» in the settings' export folder, else home."""
        folder = Path(load_settings(self._db).export_folder or Path.home())
        if not folder.is_dir():
            folder = Path.home()
        return folder / f"{self._file_stem}.pdf"

    def _choose_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Маршрут", str(self._default_pdf()), "PDF (*.pdf)"
        )
        if name:
            self.export_pdf(Path(name))

    def export_pdf(self, out: Path) -> None:
        """The issued route as Appendix 2 (a draft is never printed)."""
        if self._issued_id is None:
            return
        try:
            routes.export_route_pdf(self._db, out, route_id=self._issued_id)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"PDF сохранен: {out}")
