"""The monthly extract wizard: choose the file, check it (dry run), correct columns, import."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.errors import UserError
from app.services import extract_import, import_log
from app.services.extract_import import ImportResult
from app.services.import_log import FileColumns
from db.session import Database
from ui.date_typing import make_typable
from ui.worker import BackgroundTask, run_with_progress

logger = logging.getLogger(__name__)

AUTO_MAPPING = "автоматически по заголовкам"
NOT_READ = "— не загружать —"
# A preview table shows this many rows; the counts above it are always complete.
PREVIEW_LIMIT = 5000


class ImportWizard(QDialog):
    """Three steps on one dialog; every long step runs on a worker with progress and cancel."""

    imported = Signal(object)  # ImportResult of the real import

    def __init__(
        self,
        db: Database,
        *,
        today: date | None = None,
        path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today or clock.today()
        self._columns: FileColumns | None = None
        self._preview: ImportResult | None = None
        self.outcome: ImportResult | None = None
        self.task: BackgroundTask | None = None
        self.setWindowTitle("Загрузка выписки из ЕИС СЗН")
        self.setMinimumSize(900, 600)

        self.steps = QStackedWidget()
        self.steps.addWidget(self._file_step())
        self.steps.addWidget(self._check_step())
        self.steps.addWidget(self._done_step())
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #8a1c1c;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.back_button = QPushButton("< Назад")
        self.next_button = QPushButton("Проверить файл >")
        self.close_button = QPushButton("Закрыть")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        self.step_label = QLabel()
        self.step_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        layout.addWidget(self.step_label)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.close_button.clicked.connect(self.reject)
        self.path_edit.textChanged.connect(self._update_buttons)
        if path is not None:
            self.path_edit.setText(str(path))
        self._show_step(0)

    # -- step 1: the file -----------------------------------------------------------------

    def _file_step(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Файл XLSX или CSV с выпиской за месяц")
        browse = QPushButton("Выбрать…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("Файл выписки:", row)
        self.mapping_combo = QComboBox()
        self.reload_mappings()
        form.addRow("Сопоставление столбцов:", self.mapping_combo)
        self.received_check = QCheckBox("указать дату поступления сведений")
        self.received_edit = make_typable(QDateEdit())
        self.received_edit.setCalendarPopup(True)
        self.received_edit.setDisplayFormat("dd.MM.yyyy")
        self.received_edit.setDate(QDate(self._today.year, self._today.month, self._today.day))
        self.received_edit.setEnabled(False)
        self.received_check.toggled.connect(self.received_edit.setEnabled)
        received_row = QHBoxLayout()
        received_row.addWidget(self.received_check)
        received_row.addWidget(self.received_edit)
        received_row.addStretch(1)
        form.addRow("Дата поступления:", received_row)
        hint = QLabel(
            "Если в файле есть столбец «Дата поступления сведений», дата берется из него; "
            "иначе — указанная здесь или сегодняшняя. По ней определяется отчетный месяц "
            "реестра (31-р, п. 3.2).\n\nСначала файл проверяется: база данных не меняется, "
            "пока вы не нажмете «Загрузить»."
        )
        hint.setWordWrap(True)
        form.addRow(hint)
        return page

    def reload_mappings(self, select: str | None = None) -> None:
        self.mapping_combo.clear()
        self.mapping_combo.addItem(AUTO_MAPPING, None)
        for name in import_log.mapping_names(self._db):
            self.mapping_combo.addItem(name, name)
        if select is not None:
            self.mapping_combo.setCurrentIndex(max(self.mapping_combo.findData(select), 0))

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Выписка", "", "Выписка (*.xlsx *.xlsm *.csv);;Все файлы (*)"
        )
        if name:
            self.path_edit.setText(name)

    # -- step 2: the check ----------------------------------------------------------------

    def _check_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.check_tabs = QTabWidget()
        self.problems_table = _table(["Строка", "Столбец", "Проблема"])
        self.not_eligible_table = _table(["Строка", "Гражданин", "Почему не входит (31-р, п. 2.1)"])
        # 31-р 3.1.1, 3.2: people the registry already holds are updated, not entered again.
        self.already_table = _table(["Строка", "Гражданин", "Уже в реестре: что будет сделано"])
        columns_page = QWidget()
        columns_layout = QVBoxLayout(columns_page)
        self.columns_table = _table(["Заголовок в файле", "Загружать как"])
        columns_layout.addWidget(self.columns_table, 1)
        save_row = QHBoxLayout()
        self.mapping_name_edit = QLineEdit()
        self.mapping_name_edit.setPlaceholderText("Название сопоставления, например «ЕИС СЗН 2025»")
        self.save_mapping_button = QPushButton("Сохранить сопоставление и проверить заново")
        save_row.addWidget(self.mapping_name_edit, 1)
        save_row.addWidget(self.save_mapping_button)
        columns_layout.addLayout(save_row)
        self.check_tabs.addTab(self.problems_table, "Ошибки в строках")
        self.check_tabs.addTab(self.not_eligible_table, "Не входят в целевую категорию")
        self.check_tabs.addTab(columns_page, "Столбцы")
        self.check_tabs.addTab(self.already_table, "Уже в реестре")
        layout.addWidget(self.check_tabs, 1)
        self.save_mapping_button.clicked.connect(self.save_mapping)
        return page

    def _fill_check(self, result: ImportResult | None, columns: FileColumns) -> None:
        self._preview = result
        self._columns = columns
        self._fill_columns(columns)
        if result is None:
            self.summary_label.setText(
                f"<span style='color:#8a1c1c'>В файле не найдены столбцы: "
                f"{', '.join(columns.missing)} (заголовки в строке {columns.header_row}).</span>"
                "<br>На вкладке «Столбцы» укажите, какой столбец что содержит, сохраните "
                "сопоставление под названием — файл будет проверен заново."
            )
            _fill_table(self.problems_table, [])
            _fill_table(self.not_eligible_table, [])
            _fill_table(self.already_table, [])
            self.check_tabs.setCurrentIndex(2)
            return
        would = (
            f"Файл «{result.file_name}», строк с данными: {result.rows_total} "
            f"(заголовки в строке {columns.header_row}).<br>"
            f"Будет добавлено в реестр: <b>{result.added}</b>; уже в базе, будут обновлены: "
            f"<b>{result.updated}</b>, без изменений: <b>{result.unchanged}</b>; "
            "не входят в целевую категорию: "
            f"<b>{len(result.not_eligible)}</b>; строк с ошибками (будут пропущены): "
            f"<b>{result.rejected_rows}</b>."
        )
        if result.same_file_before:
            would += "<br><b>Этот файл уже загружался</b> — повторная загрузка ничего не добавит."
        self.summary_label.setText(would)
        _fill_table(
            self.problems_table,
            [(str(p.row), p.field, p.message) for p in result.rejected],
        )
        _fill_table(
            self.not_eligible_table,
            [(str(n.row), n.person, n.reasons) for n in result.not_eligible],
        )
        self.check_tabs.setTabText(0, f"Ошибки в строках ({len(result.rejected)})")
        self.check_tabs.setTabText(1, f"Не входят в целевую категорию ({len(result.not_eligible)})")
        already = result.already_in_registry
        _fill_table(
            self.already_table,
            [
                (str(a.row), a.person, ("ВОПРОС: " if a.question else "") + a.message)
                for a in already
            ],
        )
        questions = sum(a.question for a in already)
        self.check_tabs.setTabText(
            3,
            f"Уже в реестре ({len(already)}" + (f", вопросов: {questions})" if questions else ")"),
        )
        self.check_tabs.setCurrentIndex(3 if questions else 0)

    def _fill_columns(self, columns: FileColumns) -> None:
        titles = import_log.field_titles()
        self.columns_table.setRowCount(len(columns.headings))
        for row, (heading, key) in enumerate(zip(columns.headings, columns.fields, strict=True)):
            item = QTableWidgetItem(heading or f"(столбец {row + 1} без заголовка)")
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.columns_table.setItem(row, 0, item)
            combo = QComboBox()
            combo.addItem(NOT_READ, None)
            for field_key, title in titles.items():
                combo.addItem(title, field_key)
            combo.setCurrentIndex(max(combo.findData(key), 0) if key else 0)
            self.columns_table.setCellWidget(row, 1, combo)

    def corrected_mapping(self) -> dict[str, str]:
        """Heading text -> field key as the table now says."""
        mapping: dict[str, str] = {}
        if self._columns is None:
            return mapping
        for row, heading in enumerate(self._columns.headings):
            combo = self.columns_table.cellWidget(row, 1)
            assert isinstance(combo, QComboBox)
            key = combo.currentData()
            if key and heading:
                mapping[heading] = key
        return mapping

    def save_mapping(self) -> None:
        name = self.mapping_name_edit.text().strip()
        try:
            extract_import.save_mapping(self._db, name, self.corrected_mapping())
        except UserError as exc:
            self.error_label.setText(str(exc))
            return
        self.reload_mappings(select=name)
        self._start_check()

    # -- step 3: done ---------------------------------------------------------------------

    def _done_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        layout.addWidget(self.done_label)
        layout.addStretch(1)
        return page

    # -- navigation -----------------------------------------------------------------------

    def _show_step(self, step: int) -> None:
        self.steps.setCurrentIndex(step)
        self.step_label.setText(
            (
                "Шаг 1 из 3. Выберите файл выписки",
                "Шаг 2 из 3. Проверка: что будет загружено",
                "Шаг 3 из 3. Готово",
            )[step]
        )
        self.back_button.setVisible(step == 1)
        self.next_button.setVisible(step < 2)
        self.next_button.setText("Проверить файл >" if step == 0 else "Загрузить")
        self.close_button.setText("Закрыть" if step == 2 else "Отмена")
        self._update_buttons()

    def _update_buttons(self) -> None:
        step = self.steps.currentIndex()
        if step == 0:
            self.next_button.setEnabled(bool(self.path_edit.text().strip()))
        elif step == 1:
            self.next_button.setEnabled(self._preview is not None)

    def back(self) -> None:
        self.error_label.clear()
        self._show_step(0)

    def next(self) -> None:
        self.error_label.clear()
        if self.steps.currentIndex() == 0:
            self._start_check()
        elif self.steps.currentIndex() == 1:
            self._start_import()

    def _options(self) -> dict[str, Any]:
        received = self.received_edit.date().toPython() if self.received_check.isChecked() else None
        return {
            "received": received,
            "mapping_name": self.mapping_combo.currentData(),
            "today": self._today,
        }

    def _start_check(self) -> None:
        path = Path(self.path_edit.text().strip())
        options = self._options()
        db = self._db

        def job(report: Any, cancelled: Any) -> tuple[ImportResult | None, FileColumns]:
            columns = import_log.file_columns(db, path, options["mapping_name"])
            if columns.missing:
                return None, columns  # the user corrects the columns first
            result = extract_import.import_extract(
                db, path, dry_run=True, progress=report, cancelled=cancelled, **options
            )
            return result, columns

        def done(value: object) -> None:
            assert isinstance(value, tuple)
            result, columns = value
            self._fill_check(result, columns)
            self._show_step(1)

        self.next_button.setEnabled(False)
        self.task = run_with_progress(self, "Проверка файла…", job, done, self._failed)

    def _start_import(self) -> None:
        path = Path(self.path_edit.text().strip())
        options = self._options()
        db = self._db

        def job(report: Any, cancelled: Any) -> ImportResult:
            return extract_import.import_extract(
                db, path, progress=report, cancelled=cancelled, **options
            )

        def done(value: object) -> None:
            assert isinstance(value, ImportResult)
            self.outcome = value
            self.done_label.setText(
                f"Выписка «{value.file_name}» загружена.<br><br>"
                f"Добавлено в реестр: <b>{value.added}</b><br>"
                f"Обновлено (уже были в базе): <b>{value.updated}</b><br>"
                f"Без изменений (уже были в базе): <b>{value.unchanged}</b><br>"
                f"Не входят в целевую категорию: <b>{len(value.not_eligible)}</b><br>"
                "Уже в реестре (обновлены, повторно не внесены): "
                f"<b>{len(value.already_in_registry)}</b>"
                + (
                    f", из них вопросов о новом признании: <b>{q}</b>"
                    if (q := sum(a.question for a in value.already_in_registry))
                    else ""
                )
                + "<br>"
                f"Пропущено строк с ошибками: <b>{value.rejected_rows}</b><br><br>"
                "Запись о загрузке (файл, SHA-256, итоги) — в журнале импорта."
            )
            self._show_step(2)
            self.imported.emit(value)

        self.next_button.setEnabled(False)
        self.task = run_with_progress(self, "Загрузка выписки…", job, done, self._failed)

    def _failed(self, error: BaseException) -> None:
        self._update_buttons()
        if isinstance(error, UserError):  # ImportCancelledError is one too
            self.error_label.setText(str(error))
        else:
            raise error  # a bug: the crash dialog shows it with the log's path


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    if len(headers) > 2:
        table.setColumnWidth(1, 260)
    return table


def _fill_table(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    shown = rows[:PREVIEW_LIMIT]
    table.setRowCount(len(shown))
    for r, values in enumerate(shown):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(value))
