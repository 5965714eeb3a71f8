"""The exchange with the regional centre (issue #11): a provider's page, the centre's page."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.domain.dates import format_date
from app.domain.enums import (
    CallOutcome,
    DeliveryMethod,
    Department,
    DisabilityGroup,
    MeasureKind,
    RepresentativeKind,
    Source,
    TargetCategory,
    UserRole,
)
from app.domain.periods import HalfYear
from app.domain.snils import format_snils
from app.errors import UserError
from app.services import access, centre, exchange, exchange_keys
from app.services.audit_log import FIELD_LABELS
from db.session import Database
from ui.errors import APP_TITLE, show_user_error
from ui.worker import BackgroundTask, IsCancelled, Job, Report, run_with_progress

logger = logging.getLogger(__name__)

PROVIDER_TITLE = "Обмен с центром"
CENTRE_TITLE = "Поставщики"
PACKAGE_SUFFIX = ".icsync"
ACK_SUFFIX = ".icack"
KEYS_SUFFIX = ".ickey"
PACKAGE_FILTER = "Пакет обмена (*.icsync)"
ACK_FILTER = "Подтверждение центра (*.icack)"
KEYS_FILTER = "Открытые ключи (*.ickey)"
HALVES_SHOWN = 6  # the last completed half-year and the five before it

HISTORY_HEADERS = ("Направление", "Вид", "№", "Дата", "Записей", "Подтверждён", "Файл")
PROVIDER_HEADERS = (
    "№",
    "Код",
    "Наименование",
    "Район",
    "Отпечаток ключей",
    "Пакет №",
    "Получен",
    "Отчёт за полугодие",
    "31-р п. 5.3",
    "Конфликтов",
)
CONFLICT_HEADERS = ("№", "Поставщик", "Вид записей", "Что произошло", "Пакет №", "Поступил")
DIFFERENCE_HEADERS = ("Поле", "В центре", "В пакете")
PEOPLE_HEADERS = ("Связь", "Ф.И.О.", "Дата рождения", "СНИЛС", "Поставщики", "Выявлен первым")

# Russian names of the fields a conflict compares (the audit trail's, then the rest).
FIELD_TITLES: dict[str, str] = {
    **FIELD_LABELS,
    "search_name": "Ф.И.О. для поиска",
    "sex": "пол",
    "created_at": "создана",
    "name": "наименование",
    "short_name": "краткое наименование",
    "department": "ведомство",
    "address": "адрес",
    "website": "сайт",
    "hours": "часы работы",
    "is_sample": "образец",
    "archived": "в архиве",
    "regional": "из регионального справочника",
    "full_name": "Ф.И.О.",
    "position": "порядковый номер",
    "measure_kind": "вид мероприятия",
    "kind": "вид",
    "authority_document": "документ о полномочиях",
    "disability_group": "группа инвалидности",
    "established_on": "дата установления",
    "first_time": "впервые",
    "review_on": "дата переосвидетельствования",
    "issued_on": "дата выдачи",
    "valid_until": "действует до",
    "reporting_month": "отчётный месяц",
    "identified_on": "дата выявления",
    "source": "источник сведений",
    "disability_established_on": "дата установления инвалидности",
    "category": "целевая категория",
    "eligibility_reasons": "основания",
    "entered_on": "дата внесения",
    "route_needed": "нужен маршрут",
    "route_sent_on": "маршрут направлен",
    "route_sent_method": "способ направления маршрута",
    "plan_needed": "нужен план",
    "plan_formed_on": "план сформирован",
    "plan_sent_method": "способ направления плана",
    "plan_completed_on": "план выполнен",
    "delivery_method": "способ направления",
    "delivery_address": "адрес для направления",
    "delivery_email": "эл. почта для направления",
    "eis_recorded_on": "внесено в ЕИС СЗН",
    "called_at": "время звонка",
    "duration_seconds": "длительность, с",
    "callee": "с кем говорили",
    "outcome": "результат",
    "call_back_at": "перезвонить",
    "told_measures": "рассказано о мероприятиях",
    "told_organisations": "рассказано об организациях",
    "told_route": "рассказано о маршруте",
    "questions": "вопросы",
    "comment": "комментарий",
    "version": "версия",
    "status": "состояние",
    "drawn_up_on": "дата составления",
    "completed_on": "дата выполнения",
    "citizen_name": "Ф.И.О. гражданина",
    "representative_name": "Ф.И.О. представителя",
    "person_name": "Ф.И.О.",
    "plan_drawn_up": "план составлен",
    "developer_name": "составил",
    "developer_position": "должность составившего",
    "developer_organisation": "организация составившего",
    "developer_phone": "телефон составившего",
    "measure_title": "мероприятие",
    "service_name": "услуга",
    "organisation_name": "организация",
    "organisation_address": "адрес организации",
    "organisation_email": "эл. почта организации",
    "organisation_hours": "часы работы организации",
    "organisation_phone": "телефон организации",
    "organisation_website": "сайт организации",
    "organisation_location": "местонахождение организации",
    "question": "вопрос",
    "specialist_name": "специалист",
    "specialist_position": "должность специалиста",
    "specialist_contacts": "контакты специалиста",
    "interacted_on": "дата взаимодействия",
    "document": "документ",
    "method": "способ",
    "sent_on": "дата отправки",
    "addressee": "адресат",
    "tracking_number": "ШПИ",
    "error": "ошибка",
    "journal_number": "номер в журнале",
    "applied_on": "дата заявления",
    "technology": "технология",
    "decision": "решение",
    "decided_on": "дата решения",
    "refusal_reason": "причина отказа",
    "surveyed_on": "дата обследования",
    "surveyor_name": "обследовал",
    "score": "баллы",
    "findings": "выводы",
    "starts_on": "начало",
    "ends_on": "окончание",
    "title": "название",
    "day": "день",
    "months": "месяцев",
    "new_ends_on": "новое окончание",
    "period": "период",
    "submitted_on": "дата представления",
    "file_name": "файл",
    "month": "месяц",
    "formed_on": "дата формирования",
    "file_sha": "контрольная сумма",
    "sha256": "контрольная сумма",
    "imported_at": "загружена",
    "received_on": "дата получения",
    "rows_total": "строк",
    "added": "добавлено",
    "updated": "обновлено",
    "not_eligible": "не входят",
    "rejected": "с ошибками",
    "problems": "ошибки",
    "mapping_name": "шаблон колонок",
    "selfcare_degree": "степень ограничения самообслуживания",
    "movement_degree": "степень ограничения передвижения",
    "behaviour_degree": "степень ограничения контроля поведения",
    "mental_disorder": "психическое расстройство",
    "stationary": "стационарное обслуживание",
    "veteran_svo": "участник СВО",
}
for _record in ("citizen", "organisation", "entry", "assessment", "programme", "route", "plan"):
    FIELD_TITLES.setdefault(f"{_record}_uuid", "ссылка на запись")

_DELIVERY = {d.value: d.label for d in DeliveryMethod}
# Stored codes of the closed vocabularies, as the consultant reads them.
VALUE_TITLES: dict[str, dict[str, str]] = {
    "sex": {"M": "мужской", "F": "женский"},
    "source": {s.value: s.code for s in Source},
    "category": {c.value: c.label for c in TargetCategory},
    "disability_group": {g.value: g.label for g in DisabilityGroup},
    "outcome": {o.value: o.label for o in CallOutcome},
    "measure_kind": {m.value: m.short_title for m in MeasureKind},
    "department": {d.value: d.label for d in Department},
    "role": {r.value: r.label for r in UserRole},
    "callee": {"CITIZEN": "гражданин", "REPRESENTATIVE": "законный представитель"},
    "kind": {
        **{k.value: k.label for k in RepresentativeKind},
        **{m.value: m.short_title for m in MeasureKind},
    },
    "document": {"ROUTE": "маршрут", "PLAN": "план", "ROUTE_AND_PLAN": "маршрут и план"},
    "decision": {"PENDING": "на рассмотрении", "GRANTED": "удовлетворено", "REFUSED": "отказано"},
    "status": {
        "DRAFT": "черновик",
        "ISSUED": "выдан",
        "SUPERSEDED": "заменён новой версией",
        "OPEN": "открыт",
        "COMPLETED": "выполнен",
        "PREPARED": "подготовлено",
        "SENT": "отправлено",
        "FAILED": "не отправлено",
        "ACTIVE": "действует",
        "FINISHED": "завершена",
        "CANCELLED": "отменена",
    },
    "delivery_method": _DELIVERY,
    "route_sent_method": _DELIVERY,
    "plan_sent_method": _DELIVERY,
    "method": _DELIVERY,
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")
_SNILS = re.compile(r"\d{11}")
_MOBILE = re.compile(r"\+7\d{10}")  # how the registry keeps a number (app/domain/phones.py)


def setup_hint(db_path: Path) -> str:
    """What to run once to take part in the exchange (the CLI sets the installation up)."""
    return (
        "Эта база не настроена для обмена с региональным центром.\n\n"
        "Настраивает администратор один раз, командой в командной строке:\n\n"
        "    ic init --role provider|centre --code КОД --organisation НАИМЕНОВАНИЕ\n\n"
        "provider — поставщик социальных услуг, centre — региональный центр. КОД — короткий "
        "код установки, согласованный с центром (например, ПСУ-07); НАИМЕНОВАНИЕ печатается "
        "в отчёте. Для этой базы:\n\n"
        f'    ic --db "{db_path}" init --role provider --code КОД '
        '--organisation "НАИМЕНОВАНИЕ"\n\n'
        "Затем нажмите «Обновить» (меню «Файл»): здесь появятся отпечаток ключей и кнопки "
        "для обмена открытыми ключами с другой стороной."
    )


# -- small helpers ------------------------------------------------------------------------


def _moment(value: datetime | None) -> str:
    """dd.mm.yyyy HH:MM on the organisation's clock; empty for no value."""
    if value is None:
        return ""
    local = clock.to_local(value)
    return f"{format_date(local)} {local:%H:%M}"


def _day(value: datetime | None) -> str:
    return format_date(clock.local_date(value)) if value is not None else ""


def field_title(name: str) -> str:
    return FIELD_TITLES.get(name, name)


def value_text(name: str, value: Any) -> str:
    """A record's value as the consultant reads it: dates dd.mm.yyyy, words for codes."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    titles = VALUE_TITLES.get(name)
    if titles is not None and text in titles:
        return titles[text]
    if _ISO_DATE.fullmatch(text):
        return format_date(date.fromisoformat(text))
    if _ISO_INSTANT.fullmatch(text):
        try:
            return _moment(datetime.fromisoformat(text))
        except ValueError:
            return text
    if name == "snils" and _SNILS.fullmatch(text):
        return format_snils(text)
    if name.endswith("phone") and _MOBILE.fullmatch(text):
        return f"{text[:2]} {text[2:5]} {text[5:8]}-{text[8:10]}-{text[10:]}"
    return text


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %".replace(".", ",")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cell(text: str, tooltip: str = "", align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if tooltip:
        item.setToolTip(tooltip)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    return table


def _widths(table: QTableWidget, widths: dict[int, int], stretch: int) -> None:
    for column, width in widths.items():
        table.setColumnWidth(column, width)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def _fixed_font_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _with_suffix(path: Path, suffix: str) -> Path:
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


@contextmanager
def _waiting() -> Iterator[None]:
    """A wait cursor for the short writes that run on the UI thread."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


# -- what both sides share ----------------------------------------------------------------


class _ExchangePage(QWidget):
    """The installation and its keys, messages, and packages run on a worker."""

    data_changed = Signal()  # records from the other side arrived (directory, calendar)

    def __init__(
        self,
        db: Database,
        info: exchange_keys.InstallationInfo,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self.info = info
        self._today = today
        self._folder = Path.home()  # where the last package or key file was
        self.task: BackgroundTask | None = None
        self.supervisor = access.role_of(db) is UserRole.SUPERVISOR
        self.keys_button = QPushButton("Выгрузить мои открытые ключи…")
        self.keys_button.setToolTip(
            "Файл открытых ключей (.ickey) для другой стороны; отпечаток продиктуйте по телефону"
        )
        self.keys_button.clicked.connect(self._choose_keys_file)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def refresh(self) -> None:
        raise NotImplementedError

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def wait(self) -> None:
        if self.task is not None:
            self.task.wait()

    OPEN_TITLE = ""
    OPEN_FILTER = ""
    FOREIGN_SUFFIX = ""
    FOREIGN = ""

    def choose_package(self) -> None:
        path = self._open_file(self.OPEN_TITLE, self.OPEN_FILTER)
        if path is not None:
            self.load_file(path)

    def load_file(self, path: Path) -> None:
        """A file chosen or dropped: loaded, or — the other side's kind — explained."""
        if path.suffix.lower() == self.FOREIGN_SUFFIX:
            message = self.FOREIGN.format(name=path.name)
            self._say(message)
            QMessageBox.information(self, APP_TITLE, message)
            return
        self._load(path)

    def _load(self, path: Path) -> None:
        raise NotImplementedError

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _open_file(self, title: str, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, title, str(self._folder), file_filter)
        if not name:
            return None
        self._folder = Path(name).parent
        return Path(name)

    def _save_file(self, title: str, default_name: str, file_filter: str) -> tuple[Path, str]:
        name, chosen = QFileDialog.getSaveFileName(
            self, title, str(self._folder / default_name), file_filter
        )
        if name:
            self._folder = Path(name).parent
        return Path(name) if name else Path(), chosen

    def _ask_passphrase(self) -> tuple[bool, str | None]:
        """(go on, passphrase): only an unencrypted database seals its keys with one."""
        if not self.info.passphrase_needed:
            return True, None
        text, ok = QInputDialog.getText(
            self,
            "Пароль ключей обмена",
            "Ключи обмена этой базы защищены паролем. Введите его:",
            QLineEdit.EchoMode.Password,
        )
        return bool(ok), text if ok else None

    def _run(self, title: str, job: Job, done: Callable[[Any], None]) -> BackgroundTask | None:
        if self.busy:
            self._say("Дождитесь окончания предыдущей операции.")
            return None
        self.task = run_with_progress(self, title, job, done, self._failed)
        return self.task

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, exchange.CancelledError):
            self._say("Отменено: ничего не записано.")
        elif isinstance(error, UserError):
            self._say(str(error))
            show_user_error(self, error)
        else:
            raise error

    def _choose_keys_file(self) -> None:
        out, _ = self._save_file(
            "Мои открытые ключи", f"{self.info.code}{KEYS_SUFFIX}", KEYS_FILTER
        )
        if out != Path():
            self.export_keys(_with_suffix(out, KEYS_SUFFIX))

    def export_keys(self, out: Path) -> Path | None:
        try:
            with _waiting():
                path = exchange_keys.export_keys(self._db, out)
        except UserError as exc:
            show_user_error(self, exc)
            return None
        self._say(
            f"Открытые ключи записаны: {path}. Передайте файл другой стороне и продиктуйте "
            f"по телефону отпечаток: {self.info.fingerprint}."
        )
        return path

    def _pin(self, title: str, whose: str) -> exchange_keys.PeerInfo | None:
        """The other side's key file, then the fingerprint read over the phone."""
        key_file = self._open_file(title, KEYS_FILTER)
        if key_file is None:
            return None
        typed, ok = QInputDialog.getText(
            self,
            title,
            f"Отпечаток ключей {whose}: 30 цифр, продиктованных по телефону\n"
            "(пробелы и дефисы не важны):",
        )
        if not ok:
            return None
        try:
            return exchange_keys.pin_peer(self._db, key_file, typed)
        except UserError as exc:
            self._say(str(exc))
            show_user_error(self, exc)
            return None

    def _own_box(self) -> QGroupBox:
        box = QGroupBox("Эта установка")
        form = QFormLayout(box)
        form.addRow("Организация:", QLabel(self.info.name))
        form.addRow("Роль:", QLabel(self.info.mode_title))
        self.code_label = QLabel(self.info.code)
        form.addRow("Код установки:", self.code_label)
        self.fingerprint_label = _fixed_font_label(self.info.fingerprint)
        form.addRow("Отпечаток ключей:", self.fingerprint_label)
        form.addRow("", self.keys_button)
        self.keys_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        return box


# -- the provider -------------------------------------------------------------------------


class ProviderExchangePage(_ExchangePage):
    """«Обмен с центром»: the centre's keys, what the next package holds, the history."""

    def __init__(
        self,
        db: Database,
        info: exchange_keys.InstallationInfo,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(db, info, today, parent)
        self.pending_task: BackgroundTask | None = None
        self._pending_stale = False
        self.pending: exchange.PendingCounts | None = None
        self.log: list[exchange.PackageLogRow] = []

        intro = QLabel(
            "Всё, что изменилось в базе, уходит в региональный центр пакетом (.icsync): "
            "передайте файл в центр на флешке или по защищённому каналу. Центр отвечает "
            "подтверждением (.icack) — загрузите его здесь; подтверждённое в следующий пакет "
            "не попадает. Файлы зашифрованы для центра и подписаны ключом этой установки."
        )
        intro.setWordWrap(True)

        self.centre_box = QGroupBox("Региональный центр")
        centre_form = QFormLayout(self.centre_box)
        self.centre_name = QLabel()
        self.centre_name.setWordWrap(True)
        self.centre_code = QLabel()
        self.centre_fingerprint = _fixed_font_label()
        self.centre_missing = QLabel(
            "Ключи центра ещё не закреплены: получите у центра файл открытых ключей (.ickey) "
            "и сверьте отпечаток по телефону."
        )
        self.centre_missing.setWordWrap(True)
        self.pin_button = QPushButton("Закрепить ключи центра…")
        self.pin_button.setEnabled(self.supervisor)
        if not self.supervisor:
            self.pin_button.setToolTip("Ключи закрепляет руководитель")
        centre_form.addRow("Наименование:", self.centre_name)
        centre_form.addRow("Код:", self.centre_code)
        centre_form.addRow("Отпечаток ключей:", self.centre_fingerprint)
        centre_form.addRow(self.centre_missing)
        centre_form.addRow("", self.pin_button)
        self.pin_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self._centre_form = centre_form

        self.pending_box = QGroupBox("В следующем пакете")
        self.pending_grid = QGridLayout(self.pending_box)
        self.pending_grid.setHorizontalSpacing(18)
        self.pending_total = QLabel("Считаем изменения…")
        self.pending_total.setWordWrap(True)
        self.pending_grid.addWidget(self.pending_total, 0, 0, 1, 7)

        self.export_button = QPushButton("Сформировать пакет для центра…")
        self.full_check = QCheckBox("Полный пакет (все записи)")
        self.full_check.setToolTip(
            "Все записи, а не только изменения: первый пакет или если центр потерял данные"
        )
        self.ack_button = QPushButton("Загрузить подтверждение центра…")
        # Actions on the left: they stay on screen however wide the window is.
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addWidget(self.full_check)
        actions.addSpacing(24)
        actions.addWidget(self.ack_button)
        actions.addStretch(1)

        self.history = _table(HISTORY_HEADERS)
        _widths(self.history, {0: 110, 1: 150, 2: 50, 3: 130, 4: 80, 5: 110}, stretch=6)

        top = QHBoxLayout()
        top.addWidget(self._own_box(), 1)
        top.addWidget(self.centre_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<h2>{PROVIDER_TITLE}</h2>"))
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.pending_box)
        layout.addLayout(actions)
        layout.addWidget(QLabel("<b>История обмена</b>"))
        layout.addWidget(self.history, 1)
        layout.addWidget(self.message)

        self.pin_button.clicked.connect(self._pin_centre)
        self.export_button.clicked.connect(self._choose_package_file)
        self.ack_button.clicked.connect(self.choose_package)

    # -- showing --------------------------------------------------------------------------

    def refresh(self) -> None:
        self._show_centre()
        self._show_history()
        self._start_pending()

    def _show_centre(self) -> None:
        peers = exchange_keys.peers(self._db)
        pinned = peers[0] if peers else None
        for widget in (self.centre_name, self.centre_code, self.centre_fingerprint):
            self._centre_form.setRowVisible(widget, pinned is not None)
        self.centre_missing.setVisible(pinned is None)
        self.pin_button.setVisible(pinned is None)
        self.export_button.setEnabled(pinned is not None)
        if pinned is not None:
            self.centre_name.setText(pinned.name)
            self.centre_code.setText(pinned.code)
            self.centre_fingerprint.setText(pinned.fingerprint)

    def _show_history(self) -> None:
        self.log = exchange.package_log(self._db)
        self.history.setRowCount(len(self.log))
        for row, item in enumerate(self.log):
            sync = item.kind == "sync"
            confirmed = (_day(item.acknowledged_at) or "нет") if sync and item.outgoing else "—"
            values = (
                "в центр" if item.outgoing else "из центра",
                ("полный пакет" if item.full else "пакет") if sync else "подтверждение",
                str(item.sequence),
                _moment(item.made_at),
                str(item.records) if sync else "",
                confirmed,
                item.file_name or "",
            )
            for column, value in enumerate(values):
                cell = _cell(value, item.note or "", align_right=column in (2, 4))
                self.history.setItem(row, column, cell)

    def _start_pending(self) -> None:
        # Counting reads every record (a second on a big base): on a worker.
        if self.pending_task is not None and self.pending_task.running:
            self._pending_stale = True
            return
        self._pending_stale = False
        db = self._db

        def job(_report: Report, _cancelled: IsCancelled) -> exchange.PendingCounts:
            return exchange.pending(db)

        task = BackgroundTask(job, self)
        task.done.connect(self._show_pending)
        task.failed.connect(self._failed)
        self.pending_task = task
        task.start()

    def _show_pending(self, counts: object) -> None:
        assert isinstance(counts, exchange.PendingCounts)
        if self._pending_stale:
            self._start_pending()
            return
        self.pending = counts
        while self.pending_grid.count():
            taken = self.pending_grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None and widget is not self.pending_total:
                widget.deleteLater()
        kinds = [
            (_capitalised(title), counts.changed[name])
            for name, title in exchange.TABLE_TITLES.items()
            if counts.changed.get(name)
        ]
        if counts.tombstones:
            kinds.append(("Удаления", counts.tombstones))
        per_column = max(1, -(-len(kinds) // 3))  # three columns of label and number
        for index, (title, count) in enumerate(kinds):
            row, pair = index % per_column, index // per_column
            number = QLabel(str(count))
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.pending_grid.addWidget(QLabel(f"{title}:"), row, pair * 2)
            self.pending_grid.addWidget(number, row, pair * 2 + 1)
        for pair in range(3):
            self.pending_grid.setColumnMinimumWidth(pair * 2, 190)
            self.pending_grid.setColumnMinimumWidth(pair * 2 + 1, 60)
        self.pending_grid.setColumnStretch(6, 1)
        if counts.total:
            self.pending_total.setText(
                f"Всего записей: {sum(counts.changed.values())}, удалений: {counts.tombstones}. "
                "Отчёты за прошедшие полугодия (приложение 4) уходят в каждом пакете."
            )
        else:
            self.pending_total.setText(
                "Изменений нет: всё, что есть в базе, центр уже подтвердил. Пакет можно "
                "сформировать и так — в нём будут отчёты за прошедшие полугодия."
            )
        self.pending_grid.addWidget(self.pending_total, per_column, 0, 1, 7)

    def pending_counts(self) -> dict[str, int]:
        """What the box shows: title -> number (for tests and screenshots)."""
        shown: dict[str, int] = {}
        widgets = [self.pending_grid.itemAt(i) for i in range(self.pending_grid.count())]
        labels = [w.widget() for w in widgets if w is not None and w.widget() is not None]
        pairs = [w for w in labels if w is not self.pending_total]
        for title, number in zip(pairs[::2], pairs[1::2], strict=True):
            if isinstance(title, QLabel) and isinstance(number, QLabel):
                shown[title.text().rstrip(":")] = int(number.text())
        return shown

    # -- the keys -------------------------------------------------------------------------

    def _pin_centre(self) -> None:
        peer = self._pin("Закрепить ключи центра", "регионального центра")
        if peer is not None:
            self._say(f"Ключи центра закреплены: {peer.name} (код {peer.code}).")
            self.refresh()

    # -- packages -------------------------------------------------------------------------

    def _choose_package_file(self) -> None:
        full = self.full_check.isChecked()
        default = f"{self.info.code}-{format_date(self._today)}{PACKAGE_SUFFIX}"
        out, _ = self._save_file("Пакет для центра", default, PACKAGE_FILTER)
        if out == Path():
            return
        go_on, passphrase = self._ask_passphrase()
        if go_on:
            self.export_package(_with_suffix(out, PACKAGE_SUFFIX), full, passphrase)

    def export_package(
        self, out: Path, full: bool, passphrase: str | None
    ) -> BackgroundTask | None:
        db = self._db

        def job(report: Report, cancelled: IsCancelled) -> exchange.ExportResult:
            return exchange.export_package(
                db, out, full=full, passphrase=passphrase, progress=report, cancelled=cancelled
            )

        def done(result: object) -> None:
            assert isinstance(result, exchange.ExportResult)
            what = "Полный пакет" if result.full else "Пакет"
            self.full_check.setChecked(False)  # a full package is the exception, not the rule
            self._say(
                f"{what} № {result.sequence} записан: {result.path}. Записей "
                f"{sum(result.counts.values())}, удалений {result.tombstones}, строк отчёта "
                f"{result.reports}. Передайте файл в центр и загрузите его подтверждение, "
                "когда оно придёт."
            )
            self.refresh()

        return self._run("Формирование пакета для центра…", job, done)

    # What Файл → «Загрузить пакет…» and a dropped file open here, and the other side's.
    OPEN_TITLE, OPEN_FILTER, FOREIGN_SUFFIX = "Подтверждение центра", ACK_FILTER, PACKAGE_SUFFIX
    FOREIGN = (
        "{name} — пакет поставщика: он загружается в региональном центре. "
        "Здесь загружается подтверждение центра (.icack)."
    )

    def _load(self, path: Path) -> None:
        self.load_ack(path)

    def load_ack(self, path: Path) -> exchange.AckResult | None:
        go_on, passphrase = self._ask_passphrase()
        if not go_on:
            return None
        try:
            with _waiting():
                result = exchange.import_ack(self._db, path, passphrase=passphrase)
        except UserError as exc:
            self._say(str(exc))
            show_user_error(self, exc)
            return None
        self._say(result.message)
        self.refresh()
        self.data_changed.emit()
        return result


# -- the regional centre ------------------------------------------------------------------


class CentrePage(_ExchangePage):
    """«Поставщики»: providers and their reports, the conflict queue, people across them."""

    def __init__(
        self,
        db: Database,
        info: exchange_keys.InstallationInfo,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(db, info, today, parent)
        self.rows: list[centre.ProviderRow] = []
        self.conflicts: list[centre.ConflictView] = []
        self.people: list[centre.LinkedPerson] = []
        self._people_stale = True

        own = QLabel(
            f"Региональный центр: <b>{info.name}</b>, код {info.code}. Отпечаток ключей: "
            f"<tt>{info.fingerprint}</tt>"
        )
        own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        own.setWordWrap(True)
        self.own_label = own

        self.tabs = QTabWidget()
        self.tabs.addTab(self._providers_tab(), "Поставщики")
        self.tabs.addTab(self._conflicts_tab(), "Конфликты")
        self.tabs.addTab(self._people_tab(), "Совпадения граждан")
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<h2>{CENTRE_TITLE}</h2>"))
        layout.addWidget(own)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

    # -- building -------------------------------------------------------------------------

    def _providers_tab(self) -> QWidget:
        self.half_combo = QComboBox()
        half = centre.last_completed_half(self._today)
        for _ in range(HALVES_SHOWN):
            self.half_combo.addItem(half.title, str(half))
            half = half.previous()
        self.half_combo.currentIndexChanged.connect(self._show_providers)
        self.provider_table = _table(PROVIDER_HEADERS)
        _widths(
            self.provider_table,
            {0: 30, 1: 60, 3: 110, 4: 245, 5: 62, 6: 82, 7: 165, 8: 80, 9: 82},
            stretch=2,
        )
        for column, tip in (
            (8, "Показатель 31-р п. 5.3: доля получивших маршрут от целевой категории"),
            (5, "Номер последнего загруженного пакета"),
            (9, "Открытых конфликтов по этому поставщику"),
        ):
            header = self.provider_table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(tip)
        self.import_button = QPushButton("Загрузить пакет поставщика…")
        self.add_button = QPushButton("Добавить поставщика…")
        self.add_button.setEnabled(self.supervisor)
        if not self.supervisor:
            self.add_button.setToolTip("Поставщиков добавляет руководитель")
        self.report_button = QPushButton("Сводный отчёт…")
        self.report_button.setToolTip(
            "Приложение 4 по всем поставщикам за выбранное полугодие (XLSX или PDF)"
        )
        self.summary_label = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Полугодие:"))
        bar.addWidget(self.half_combo)
        bar.addWidget(self.summary_label, 1)
        buttons = QHBoxLayout()
        for button in (self.import_button, self.add_button, self.report_button):
            buttons.addWidget(button)
        buttons.addSpacing(24)
        buttons.addWidget(self.keys_button)
        buttons.addStretch(1)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(bar)
        layout.addWidget(self.provider_table, 1)
        layout.addLayout(buttons)
        self.import_button.clicked.connect(self.choose_package)
        self.add_button.clicked.connect(self._add_provider)
        self.report_button.clicked.connect(self._choose_report_file)
        return tab

    def _conflicts_tab(self) -> QWidget:
        intro = QLabel(
            "Поставщик изменил запись, исходя из версии, которой в центре уже нет (обычно "
            "после восстановления резервной копии у поставщика). Сравните поля и решите, "
            "какую версию хранить в центре; у поставщика ничего не меняется."
        )
        intro.setWordWrap(True)
        self.conflict_table = _table(CONFLICT_HEADERS)
        _widths(self.conflict_table, {0: 40, 1: 260, 2: 200, 3: 240, 4: 70}, stretch=5)
        self.conflict_label = QLabel("Выберите конфликт в списке.")
        self.conflict_label.setWordWrap(True)
        self.conflict_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.difference_table = _table(DIFFERENCE_HEADERS)
        self.difference_table.setWordWrap(True)
        self.difference_table.setColumnWidth(0, 260)
        for column in (1, 2):  # the two versions side by side, equally wide
            self.difference_table.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch
            )
        self.keep_button = QPushButton("Оставить версию центра")
        self.take_button = QPushButton("Взять версию из пакета")
        for button in (self.keep_button, self.take_button):
            button.setEnabled(False)
            if not self.supervisor:
                button.setToolTip("Конфликты разрешает руководитель")
        details = QWidget()
        right = QVBoxLayout(details)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.conflict_label)
        right.addWidget(self.difference_table, 1)
        decide = QHBoxLayout()
        decide.addWidget(self.keep_button)
        decide.addWidget(self.take_button)
        decide.addStretch(1)
        right.addLayout(decide)
        # The list above (usually short), the versions below at the full width.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.conflict_table)
        splitter.addWidget(details)
        splitter.setSizes([170, 400])
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        self.conflict_table.currentCellChanged.connect(self._show_conflict)
        self.keep_button.clicked.connect(lambda: self.resolve(take_package=False))
        self.take_button.clicked.connect(lambda: self.resolve(take_package=True))
        return tab

    def _people_tab(self) -> QWidget:
        intro = QLabel(
            "Граждане, сведения о которых представили два и более поставщика: «один СНИЛС» — "
            "СНИЛС совпадает; «кандидат» — совпадают Ф.И.О. и дата рождения, а СНИЛС указан "
            "не везде (проверьте). Записи не объединяются; в сводном отчёте человек с одним "
            "СНИЛС учитывается в итоге один раз."
        )
        intro.setWordWrap(True)
        self.people_table = _table(PEOPLE_HEADERS)
        _widths(self.people_table, {0: 100, 1: 250, 2: 110, 3: 120, 5: 260}, stretch=4)
        self.people_label = QLabel()
        self.people_export_button = QPushButton("Выгрузить в Excel…")
        bottom = QHBoxLayout()
        bottom.addWidget(self.people_export_button)
        bottom.addWidget(self.people_label, 1)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(intro)
        layout.addWidget(self.people_table, 1)
        layout.addLayout(bottom)
        self.people_export_button.clicked.connect(self._choose_people_file)
        return tab

    # -- showing --------------------------------------------------------------------------

    def half(self) -> str:
        return str(self.half_combo.currentData())

    def refresh(self) -> None:
        self._show_providers()
        self._show_conflicts()
        self._people_stale = True
        if self.tabs.currentIndex() == 2:
            self._show_people()

    def _tab_changed(self, index: int) -> None:
        if index == 2 and self._people_stale:
            self._show_people()

    def _show_providers(self) -> None:
        self.rows = centre.providers(self._db, self.half())
        table = self.provider_table
        table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            coverage = row.coverage
            coverage_tip = (
                f"Маршрут получили {coverage.issued} из {coverage.target} — {coverage.level_title}"
                if coverage is not None
                else "Отчёт за полугодие не получен"
            )
            values = (
                (str(row.position), "", True),
                (row.code, "", False),
                (row.name, row.name, False),
                (row.district or "—", "", False),
                (row.fingerprint, "", False),
                (str(row.last_sequence) if row.last_received_at else "—", "", True),
                (_day(row.last_received_at) or "пакетов не было", "", False),
                (row.status_title, "", False),
                (_percent(coverage.percent if coverage else None), coverage_tip, True),
                (str(row.open_conflicts), "", True),
            )
            for c, (text, tip, right) in enumerate(values):
                table.setItem(r, c, _cell(text, tip, right))
        table.resizeColumnToContents(4)  # the fingerprint whole, in whatever font
        received = sum(1 for row in self.rows if row.received_on is not None)
        self.summary_label.setText(
            f"   Поставщиков: {len(self.rows)}, отчёт за полугодие получен от {received}."
            if self.rows
            else "   Поставщиков пока нет: нажмите «Добавить поставщика…»."
        )

    def _show_conflicts(self) -> None:
        current = self.selected_conflict()
        self.conflicts = centre.conflicts(self._db)
        names = {p.code: p.name for p in exchange_keys.peers(self._db)}
        table = self.conflict_table
        table.blockSignals(True)
        table.setRowCount(len(self.conflicts))
        for r, c in enumerate(self.conflicts):
            provider = names.get(c.provider_code, c.provider_code)
            what = (
                "удалена поставщиком" if c.deleted_by_provider else "изменена на устаревшей версии"
            )
            values = (
                str(c.id),
                provider,
                c.table_title,
                what,
                str(c.package_sequence),
                _day(c.created_at),
            )
            for column, text in enumerate(values):
                tip = f"{provider} (код {c.provider_code})" if column == 1 else ""
                table.setItem(r, column, _cell(text, tip, column in (0, 4)))
        table.blockSignals(False)
        count = len(self.conflicts)
        self.tabs.setTabText(1, f"Конфликты ({count})" if count else "Конфликты")
        ids = [c.id for c in self.conflicts]
        if current is not None and current.id in ids:
            table.selectRow(ids.index(current.id))
        elif self.conflicts:
            table.selectRow(0)
        self._show_conflict(table.currentRow())

    def selected_conflict(self) -> centre.ConflictView | None:
        row = self.conflict_table.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show_conflict(self, row: int, *_: int) -> None:
        conflict = self.conflicts[row] if 0 <= row < len(self.conflicts) else None
        for button in (self.keep_button, self.take_button):
            button.setEnabled(conflict is not None and self.supervisor)
        table = self.difference_table
        if conflict is None:
            table.setRowCount(0)
            self.conflict_label.setText(
                "Открытых конфликтов нет." if not self.conflicts else "Выберите конфликт в списке."
            )
            return
        if conflict.deleted_by_provider:
            what = (
                "Поставщик удалил запись, которую центр держит в более новой версии. "
                "«Взять версию из пакета» — запись будет считаться удалённой."
            )
        else:
            what = "Поля, которые различаются:"
        self.conflict_label.setText(
            f"<b>Конфликт № {conflict.id}</b>: {conflict.table_title}, пакет № "
            f"{conflict.package_sequence}. {what}<br>"
            + (
                f"Гражданин: <b>{escape(conflict.person)}</b>"
                if conflict.person
                else f"<small>Запись {conflict.record_uuid}</small>"
            )
        )
        table.setRowCount(len(conflict.differences))
        for r, d in enumerate(conflict.differences):
            held, incoming = value_text(d.field, d.held), value_text(d.field, d.incoming)
            table.setItem(r, 0, _cell(_capitalised(field_title(d.field))))
            table.setItem(r, 1, _cell(held, held))
            table.setItem(r, 2, _cell(incoming, incoming))
        table.resizeRowsToContents()

    def _show_people(self) -> None:
        self._people_stale = False
        with _waiting():
            self.people = centre.people_across_providers(self._db)
        table = self.people_table
        table.setRowCount(len(self.people))
        for r, person in enumerate(self.people):
            sightings = "\n".join(
                f"{s.provider_name} ({s.provider_code}): выявлен "
                f"{format_date(s.identified_on) or 'дата не указана'}"
                for s in person.sightings
            )
            first = person.first  # with no date of identification anywhere, nobody is first
            values = (
                ("один СНИЛС" if person.linked else "кандидат", ""),
                (person.full_name, ""),
                (format_date(person.birth_date), ""),
                (format_snils(person.snils) if person.snils else "—", ""),
                ("; ".join(s.provider_name for s in person.sightings), sightings),
                (
                    f"{first.provider_name}, {format_date(first.identified_on)}"
                    if first.identified_on is not None
                    else "—",
                    "",
                ),
            )
            for c, (text, tip) in enumerate(values):
                table.setItem(r, c, _cell(text, tip))
        linked = sum(1 for p in self.people if p.linked)
        self.people_label.setText(
            f"Граждан: {len(self.people)} — по СНИЛС {linked}, кандидатов "
            f"{len(self.people) - linked}."
            if self.people
            else "Совпадений нет."
        )

    # -- actions --------------------------------------------------------------------------

    def _add_provider(self) -> None:
        peer = self._pin("Добавить поставщика", "поставщика")
        if peer is not None:
            self._say(f"Поставщик добавлен: {peer.name} (код {peer.code}).")
            self.refresh()

    OPEN_TITLE, OPEN_FILTER, FOREIGN_SUFFIX = "Пакет поставщика", PACKAGE_FILTER, ACK_SUFFIX
    FOREIGN = (
        "{name} — подтверждение центра: оно загружается у поставщика. "
        "Здесь загружаются пакеты поставщиков (.icsync)."
    )

    def _load(self, path: Path) -> None:
        self.load_package(path)

    def load_package(self, path: Path) -> BackgroundTask | None:
        go_on, passphrase = self._ask_passphrase()
        if not go_on:
            return None
        db = self._db

        def job(report: Report, cancelled: IsCancelled) -> exchange.ImportResult:
            return exchange.import_package(
                db, path, passphrase=passphrase, progress=report, cancelled=cancelled
            )

        def done(result: object) -> None:
            assert isinstance(result, exchange.ImportResult)
            text = result.message
            if result.ack_path is not None:
                text += (
                    f"\n\nПодтверждение для поставщика записано: {result.ack_path}. "
                    "Передайте этот файл поставщику."
                )
            if result.conflicts:
                text += "\n\nРасхождения — на вкладке «Конфликты»."
            self._say(text)
            self.refresh()
            QMessageBox.information(self, APP_TITLE, text)

        return self._run("Загрузка пакета поставщика…", job, done)

    def _choose_report_file(self) -> None:
        half = HalfYear.parse(self.half())
        default = f"Сводный отчёт за {half.half} полугодие {half.year}.xlsx"
        out, chosen = self._save_file(
            "Сводный отчёт", default, "Книга Excel (*.xlsx);;Документ PDF (*.pdf)"
        )
        if out == Path():
            return
        if out.suffix.lower() in (".xlsx", ".pdf"):
            fmt = out.suffix.lower().lstrip(".")
        else:
            fmt = "pdf" if "pdf" in chosen.lower() else "xlsx"
            out = _with_suffix(out, f".{fmt}")
        self.export_report(fmt, out)

    def export_report(self, fmt: str, out: Path) -> Path | None:
        try:
            with _waiting():
                path = centre.export_consolidated(self._db, self.half(), fmt, out)
        except UserError as exc:
            show_user_error(self, exc)
            return None
        self._say(f"Сводный отчёт за {self.half_combo.currentText()} сохранён: {path}")
        return path

    def _choose_people_file(self) -> None:
        out, _ = self._save_file(
            "Совпадения граждан", "Совпадения граждан.xlsx", "Книга Excel (*.xlsx)"
        )
        if out != Path():
            self.export_people(_with_suffix(out, ".xlsx"))

    def export_people(self, out: Path) -> Path | None:
        try:
            with _waiting():
                path = centre.export_people_across_providers(self._db, out)
        except UserError as exc:
            show_user_error(self, exc)
            return None
        self._say(f"Список совпадений сохранён: {path}")
        return path

    def resolve(self, *, take_package: bool) -> None:
        conflict = self.selected_conflict()
        if conflict is None:
            self._say("Выберите конфликт в списке.")
            return
        try:
            centre.resolve_conflict(self._db, conflict.id, take_package=take_package)
        except UserError as exc:
            show_user_error(self, exc)
            return
        decision = "взята версия из пакета" if take_package else "оставлена версия центра"
        self._say(f"Конфликт № {conflict.id} разрешён: {decision}.")
        self.refresh()


# -- not set up ---------------------------------------------------------------------------


class ExchangeSetupPage(QWidget):
    """A database not yet set up for the exchange: how to set it up."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = setup_hint(db.path)
        self.text = QLabel(self.hint)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<h2>{PROVIDER_TITLE}</h2>"))
        layout.addWidget(self.text)
        layout.addStretch(1)

    def refresh(self) -> None:
        pass

    def choose_package(self) -> None:
        QMessageBox.information(self, APP_TITLE, self.hint)

    def load_file(self, _path: Path) -> None:
        QMessageBox.information(self, APP_TITLE, self.hint)

    def wait(self) -> None:
        pass


ExchangeContent = ProviderExchangePage | CentrePage | ExchangeSetupPage


class ExchangeSection(QWidget):
    """The navigation section: the provider's page, the centre's, or how to set up."""

    title_changed = Signal(str)
    data_changed = Signal()

    def __init__(self, db: Database, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.info = exchange_keys.installation(db)
        self.page: ExchangeContent = self._build()

    def _build(self) -> ExchangeContent:
        page: ExchangeContent
        if self.info is None:
            page = ExchangeSetupPage(self._db)
        elif self.info.is_centre:
            page = CentrePage(self._db, self.info, self._today)
        else:
            page = ProviderExchangePage(self._db, self.info, self._today)
        if not isinstance(page, ExchangeSetupPage):
            page.data_changed.connect(self.data_changed)
        self._layout.addWidget(page)
        return page

    @property
    def title(self) -> str:
        return CENTRE_TITLE if self.info is not None and self.info.is_centre else PROVIDER_TITLE

    def refresh(self) -> None:
        info = exchange_keys.installation(self._db)
        if info != self.info and not self._busy():
            # Set up (or its name changed) by `ic init` while the window was open.
            self.info = info
            old = self.page
            self._layout.removeWidget(old)
            old.deleteLater()
            self.page = self._build()
            self.title_changed.emit(self.title)
        self.page.refresh()

    def _busy(self) -> bool:
        return isinstance(self.page, _ExchangePage) and self.page.busy

    def choose_package(self) -> None:
        self.page.choose_package()

    def load_file(self, path: Path) -> None:
        self.page.load_file(path)

    def wait(self) -> None:
        self.page.wait()
        if isinstance(self.page, ProviderExchangePage) and self.page.pending_task is not None:
            self.page.pending_task.wait()


def exchange_file(paths: list[Path]) -> Path | None:
    """The first package or acknowledgement among files dropped on the window."""
    for path in paths:
        if path.suffix.lower() in (PACKAGE_SUFFIX, ACK_SUFFIX):
            return path
    return None
