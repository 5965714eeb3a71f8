"""The citizen card: person, representative, disability and IPRA, live verdict, history."""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.domain.enums import DisabilityGroup, MeasureKind, RepresentativeKind, Sex, Source
from app.domain.snils import format_snils, normalize_snils
from app.errors import InvalidSnilsError, StaleEditError, UserError
from app.reference import district_names
from app.services import citizens
from app.services.citizens import (
    CitizenCard,
    CitizenForm,
    DuplicateCheck,
    FieldProblem,
    SaveResult,
)
from db.session import Database
from ui.call_dialog import CallDialog
from ui.combo import enum_data, select_data
from ui.date_typing import make_typable
from ui.family_table import FamilyTable
from ui.social_services_tab import SocialServicesTab
from ui.stale_edit import ask_to_reload
from ui.unsaved import may_close

logger = logging.getLogger(__name__)

# Fields with a problem carry the property invalid=true; the dialog's style sheet colours them.
INVALID_STYLE = (
    'QLineEdit[invalid="true"], QComboBox[invalid="true"] { background-color: #fde2e1; }'
)
ELIGIBLE_STYLE = "color: #1b5e20; font-weight: bold;"
NOT_ELIGIBLE_STYLE = "color: #8a1c1c; font-weight: bold;"
BANNER_STYLE = "background-color: #fff4ce; border: 1px solid #e0c060; padding: 6px;"
NOT_SET = "не указано"

# Text fields of CitizenForm and their captions, tab by tab.
PERSON_FIELDS = (
    ("last_name", "Фамилия"),
    ("first_name", "Имя"),
    ("middle_name", "Отчество"),
    ("birth_date", "Дата рождения"),
    ("snils", "СНИЛС"),
    ("phone", "Телефон"),
    ("email", "Электронная почта"),
    ("registration_address", "Адрес регистрации"),
    ("actual_address", "Адрес фактического проживания"),
    ("postcode", "Почтовый индекс"),
)
REP_FIELDS = (
    ("rep_last_name", "Фамилия"),
    ("rep_first_name", "Имя"),
    ("rep_middle_name", "Отчество"),
    ("rep_phone", "Телефон"),
    ("rep_email", "Электронная почта"),
    ("rep_address", "Адрес"),
)
DISABILITY_DATES = (
    ("established_on", "Дата установления инвалидности"),
    ("review_on", "Дата очередного освидетельствования"),
)
IPRA_FIELDS = (
    ("ipra_number", "Номер ИПРА"),
    ("ipra_issued_on", "Дата ИПРА"),
    ("ipra_valid_until", "ИПРА действует до"),
)
DATE_FIELDS = frozenset(
    {"birth_date", "established_on", "review_on", "ipra_issued_on", "ipra_valid_until"}
)
DEGREE_FIELDS = (
    ("selfcare_degree", "Самообслуживание"),
    ("movement_degree", "Передвижение"),
    ("behaviour_degree", "Контроль за поведением"),
)
FLAG_FIELDS = (
    ("mental_disorder", "Психическое расстройство"),
    ("stationary", "Регистрация в стационарном учреждении"),
    ("veteran_svo", "Участник СВО"),
)


class CitizenDialog(QDialog):
    """Open a person (``citizen_id``) or add one by hand (walk-in ЛП, NGO report ОО)."""

    saved = Signal(object)  # SaveResult

    def __init__(
        self,
        db: Database,
        citizen_id: int | None = None,
        *,
        today: date | None = None,
        source: Source | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today or clock.today()
        self._citizen_id = citizen_id
        # The card as read: its row version goes with the save (issue #15).
        self._card: CitizenCard | None = None
        self._confirmed_duplicates: DuplicateCheck | None = None
        self._found_same: int | None = None
        self.setMinimumSize(980, 680)
        self.setStyleSheet(INVALID_STYLE)

        self.edits: dict[str, QLineEdit] = {}
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-size: 15pt; font-weight: bold;")

        self.tabs = QTabWidget()
        self.tabs.addTab(self._person_tab(), "Гражданин")
        self.tabs.addTab(self._representative_tab(), "Представитель")
        self.tabs.addTab(self._disability_tab(), "МСЭ и ИПРА")
        self.family_table = FamilyTable()
        self.tabs.addTab(self.family_table, "Семья")
        self.social_tab = SocialServicesTab()
        self.tabs.addTab(self.social_tab, "510-п, 6-р")
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["Дата", "Событие"])
        self.history.setColumnWidth(0, 170)
        self.history.setRootIsDecorated(True)
        self.tabs.addTab(self.history, "История")

        # Where a new person comes from (31-р 3.1.2, 3.1.3) and when.
        self.source_box = QGroupBox("Внести в реестр")
        self.source_combo = QComboBox()
        self.source_combo.addItem("не вносить (только карточка)", None)
        self.source_combo.addItem("ЛП — личный прием (п. 3.1.2)", Source.WALK_IN)
        self.source_combo.addItem("ОО — общественная организация (п. 3.1.3)", Source.NGO)
        self.identified_edit = make_typable(QDateEdit())
        self.identified_edit.setCalendarPopup(True)
        self.identified_edit.setDisplayFormat("dd.MM.yyyy")
        self.identified_edit.setDate(QDate(self._today.year, self._today.month, self._today.day))
        self.identified_edit.setMaximumDate(
            QDate(self._today.year, self._today.month, self._today.day)
        )
        source_form = QFormLayout(self.source_box)
        source_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        source_form.addRow("Источник сведений:", self.source_combo)
        source_form.addRow("Дата выявления:", self.identified_edit)
        if source is not None:
            self.source_combo.setCurrentIndex(self.source_combo.findData(source))

        # The verdict of 31-р 2.1 on what is typed right now.
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        self.reasons_label = QLabel()
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextFormat(Qt.TextFormat.RichText)
        self.reasons_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        verdict_box = QGroupBox("Целевая категория (31-р, п. 2.1)")
        verdict_layout = QVBoxLayout(verdict_box)
        verdict_layout.addWidget(self.verdict_label)
        verdict_layout.addWidget(self.reasons_label, 1)

        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #8a1c1c;")
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)

        self.banner = QFrame()
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.open_found_button = QPushButton("Открыть найденную карточку")
        self.create_anyway_button = QPushButton("Все равно создать новую")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.open_found_button)
        banner_layout.addWidget(self.create_anyway_button)
        self.banner.hide()

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        # 31-р 4.1: the call is made from the card too, about the newest registry entry.
        self.call_button = self.buttons.addButton(
            "Позвонить…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.call_button.setEnabled(False)
        self.call_button.clicked.connect(self.call)
        self._latest_entry: int | None = None
        self.save_button.setText("Сохранить")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Закрыть")

        side = QVBoxLayout()
        side.addWidget(verdict_box, 1)
        side.addWidget(self.source_box)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(330)
        body = QHBoxLayout()
        body.addWidget(self.tabs, 1)
        body.addWidget(side_widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.open_found_button.clicked.connect(self._open_found)
        self.create_anyway_button.clicked.connect(self._create_anyway)
        self._connect_changes()

        if citizen_id is not None:
            self.load(citizen_id)
        else:
            self._fill(CitizenForm())
            self.setWindowTitle("Новый гражданин")
        self.on_changed()
        self._saved_form = self.form()  # what closing compares with (issue #12)

    # -- building tabs --------------------------------------------------------------------

    def _line(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        if name in DATE_FIELDS:
            edit.setPlaceholderText("ДД.ММ.ГГГГ")
            edit.setMaximumWidth(130)
        self.edits[name] = edit
        return edit

    def _person_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for name, caption in PERSON_FIELDS[:4]:
            form.addRow(caption + ":", self._line(name))
        self.sex_combo = QComboBox()
        self.sex_combo.addItem(NOT_SET, None)
        self.sex_combo.addItem("мужской", Sex.MALE)
        self.sex_combo.addItem("женский", Sex.FEMALE)
        form.addRow("Пол:", self.sex_combo)
        for name, caption in PERSON_FIELDS[4:]:
            form.addRow(caption + ":", self._line(name))
        self.edits["snils"].setPlaceholderText("000-000-000 00")
        self.edits["phone"].setPlaceholderText("+7 XXX XXX-XX-XX")
        self.district_combo = QComboBox()
        self.district_combo.setEditable(True)
        self.district_combo.addItem("")
        self.district_combo.addItems(list(district_names()))
        form.addRow("Муниципальное образование:", self.district_combo)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setMaximumHeight(70)
        form.addRow("Примечание:", self.note_edit)
        return page

    def _representative_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.rep_kind_combo = QComboBox()
        self.rep_kind_combo.addItem("нет представителя", None)
        for kind in RepresentativeKind:
            self.rep_kind_combo.addItem(kind.label, kind)
        form.addRow("Кем приходится:", self.rep_kind_combo)
        for name, caption in REP_FIELDS:
            form.addRow(caption + ":", self._line(name))
        return page

    def _disability_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        assessment = QGroupBox("Медико-социальная экспертиза")
        form = QFormLayout(assessment)
        self.group_combo = QComboBox()
        self.group_combo.addItem(NOT_SET, None)
        for group in DisabilityGroup:
            self.group_combo.addItem(group.label, group)
        form.addRow("Группа инвалидности:", self.group_combo)
        self.first_time_combo = QComboBox()
        self.first_time_combo.addItem(NOT_SET, None)
        self.first_time_combo.addItem("впервые", True)
        self.first_time_combo.addItem("повторно", False)
        form.addRow("Признана инвалидом:", self.first_time_combo)
        for name, caption in DISABILITY_DATES:
            form.addRow(caption + ":", self._line(name))
        self.degree_combos: dict[str, QComboBox] = {}
        for name, caption in DEGREE_FIELDS:
            combo = QComboBox()
            combo.addItem(NOT_SET, None)
            combo.addItem("нет ограничения", 0)
            for degree, roman in ((1, "I"), (2, "II"), (3, "III")):
                combo.addItem(f"{roman} степень", degree)
            self.degree_combos[name] = combo
            form.addRow(f"{caption}, степень ограничения:", combo)
        self.flag_boxes: dict[str, QCheckBox] = {}
        for name, caption in FLAG_FIELDS:
            box = QCheckBox(caption)
            self.flag_boxes[name] = box
            form.addRow("", box)
        layout.addWidget(assessment)
        ipra = QGroupBox("Индивидуальная программа реабилитации или абилитации (ИПРА)")
        ipra_form = QFormLayout(ipra)
        for name, caption in IPRA_FIELDS:
            ipra_form.addRow(caption + ":", self._line(name))
        grid = QGridLayout()
        self.measure_boxes: dict[MeasureKind, QCheckBox] = {}
        for index, kind in enumerate(MeasureKind):
            box = QCheckBox(kind.short_title)
            box.setToolTip(kind.route_title)
            self.measure_boxes[kind] = box
            grid.addWidget(box, index // 2, index % 2)
        ipra_form.addRow("Мероприятия:", grid)
        layout.addWidget(ipra)
        layout.addStretch(1)
        return page

    def _connect_changes(self) -> None:
        for edit in self.edits.values():
            edit.textChanged.connect(self.on_changed)
        for combo in (
            self.sex_combo,
            self.rep_kind_combo,
            self.group_combo,
            self.first_time_combo,
            *self.degree_combos.values(),
        ):
            combo.currentIndexChanged.connect(self.on_changed)
        self.district_combo.currentTextChanged.connect(self.on_changed)
        for box in (*self.flag_boxes.values(), *self.measure_boxes.values()):
            box.toggled.connect(self.on_changed)
        self.note_edit.textChanged.connect(self.on_changed)
        self.family_table.changed.connect(self.on_changed)
        for name in ("phone", "rep_phone"):
            edit = self.edits[name]
            edit.editingFinished.connect(
                lambda e=edit: e.setText(citizens.normalise_phone(e.text()))
            )
        self.edits["snils"].editingFinished.connect(self._snils_finished)

    # -- form <-> widgets -----------------------------------------------------------------

    def _fill(self, form: CitizenForm) -> None:
        for name, edit in self.edits.items():
            edit.setText(getattr(form, name))
        select_data(self.sex_combo, form.sex)
        select_data(self.rep_kind_combo, form.rep_kind)
        select_data(self.group_combo, form.group)
        select_data(self.first_time_combo, form.first_time)
        for name, combo in self.degree_combos.items():
            select_data(combo, getattr(form, name))
        for name, box in self.flag_boxes.items():
            box.setChecked(bool(getattr(form, name)))
        for kind, box in self.measure_boxes.items():
            box.setChecked(kind in form.measures)
        self.district_combo.setCurrentText(form.district)
        self.note_edit.setPlainText(form.note)
        self.family_table.set_members(form.family)

    def form(self) -> CitizenForm:
        values: dict[str, object] = {name: edit.text() for name, edit in self.edits.items()}
        # Qt hands StrEnum data back as plain str: turn it into the enum again.
        values.update(
            sex=enum_data(Sex, self.sex_combo.currentData()),
            rep_kind=enum_data(RepresentativeKind, self.rep_kind_combo.currentData()),
            group=enum_data(DisabilityGroup, self.group_combo.currentData()),
            first_time=self.first_time_combo.currentData(),
            district=self.district_combo.currentText(),
            note=self.note_edit.toPlainText(),
            measures=tuple(k for k, box in self.measure_boxes.items() if box.isChecked()),
            family=self.family_table.members(),
        )
        for name, combo in self.degree_combos.items():
            values[name] = combo.currentData()
        for name, box in self.flag_boxes.items():
            values[name] = box.isChecked()
        known = {f.name for f in fields(CitizenForm)}
        return CitizenForm(**{k: v for k, v in values.items() if k in known})  # type: ignore[arg-type]

    def load(self, citizen_id: int) -> None:
        card = citizens.load_card(self._db, citizen_id)
        self._card = card
        self._citizen_id = citizen_id
        self._latest_entry = card.latest_entry_id
        self.call_button.setEnabled(card.latest_entry_id is not None)
        self._fill(card.form)
        self._saved_form = self.form()
        self.setWindowTitle(f"Карточка: {_name(card.form)}")
        self._fill_history(card.history)
        self.social_tab.load(self._db, citizen_id)
        self.banner.hide()

    def _fill_history(self, history: citizens.CitizenHistory) -> None:
        self.history.clear()
        for title, items in (
            ("Записи реестра", history.entries),
            ("Звонки", history.calls),
            ("Маршруты", history.routes),
            ("Планы комплексного сопровождения", history.plans),
            ("Направления документов", history.dispatches),
        ):
            top = QTreeWidgetItem([f"{title}: {len(items) if items else 'нет'}"])
            for item in items:
                top.addChild(QTreeWidgetItem([item.on, item.text]))
            self.history.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            top.setExpanded(True)

    # -- live checks ----------------------------------------------------------------------

    def problems(self) -> tuple[FieldProblem, ...]:
        return citizens.validate(self.form(), self._today)

    def on_changed(self) -> None:
        form = self.form()
        problems = citizens.validate(form, self._today)
        bad = {p.field: p.message for p in problems}
        for name, edit in self.edits.items():
            _mark(edit, name in bad)
            edit.setToolTip(bad.get(name, ""))
        _mark(self.rep_kind_combo, "rep_kind" in bad)
        _mark(self.group_combo, "group" in bad)
        _mark(self.first_time_combo, "first_time" in bad)
        for name, combo in self.degree_combos.items():
            _mark(combo, name in bad)
            combo.setToolTip(bad.get(name, ""))
        self.problems_label.setText(
            "<br>".join(f"• {_escape(p.message)}" for p in problems) if problems else ""
        )
        self.save_button.setEnabled(not problems)
        verdict = citizens.verdict(form)
        if verdict.eligible:
            category = verdict.category.label if verdict.category else ""
            self.verdict_label.setText(f"Входит в целевую категорию: {category}")
            self.verdict_label.setStyleSheet(ELIGIBLE_STYLE)
        elif verdict.missing:
            self.verdict_label.setText("Не хватает сведений: " + ", ".join(verdict.missing))
            self.verdict_label.setStyleSheet(NOT_ELIGIBLE_STYLE)
        else:
            self.verdict_label.setText("Не входит в целевую категорию")
            self.verdict_label.setStyleSheet(NOT_ELIGIBLE_STYLE)
        self.reasons_label.setText("<br>".join(f"• {_escape(r)}" for r in verdict.reasons))
        name = _name(form)
        self.title_label.setText(name or "Новый гражданин")

    def _snils_finished(self) -> None:
        edit = self.edits["snils"]
        try:
            edit.setText(format_snils(normalize_snils(edit.text())))
        except InvalidSnilsError:
            return
        if self._citizen_id is None:
            check = citizens.find_duplicates(self._db, self.form())
            if check.same_snils is not None:
                self._show_banner(check, same=True)

    # -- duplicates and saving ------------------------------------------------------------

    def _show_banner(self, check: DuplicateCheck, *, same: bool) -> None:
        if same and check.same_snils is not None:
            self._found_same = check.same_snils.citizen_id
            self.banner_label.setText(
                "Гражданин с этим СНИЛС уже есть в базе: "
                f"{check.same_snils.description}. Откройте его карточку — вторая запись "
                "не нужна."
            )
            self.create_anyway_button.hide()
        else:
            self._found_same = check.similar[0].citizen_id if check.similar else None
            people = "; ".join(p.description for p in check.similar)
            self.banner_label.setText(
                f"Похожие записи с той же датой рождения: {people}. Возможно, это тот же "
                "человек. Откройте найденную карточку или подтвердите создание новой."
            )
            self.create_anyway_button.show()
        self.banner.show()

    def _open_found(self) -> None:
        if self._found_same is not None:
            source = self.source_combo.currentData()
            self.load(self._found_same)
            select_data(self.source_combo, source)
            self.on_changed()

    def _create_anyway(self) -> None:
        self._confirmed_duplicates = citizens.find_duplicates(self._db, self.form())
        self.banner.hide()
        self.save()

    def has_unsaved_changes(self) -> bool:
        return self.form() != self._saved_form

    def reject(self) -> None:
        if may_close(self, self.has_unsaved_changes(), self._save_and_closed, "карточка"):
            super().reject()

    def _save_and_closed(self) -> bool:
        self.save()
        return False  # save() closes the card itself when it is saved

    def save(self) -> None:
        form = self.form()
        if citizens.validate(form, self._today):
            return
        if self._citizen_id is None:
            check = citizens.find_duplicates(self._db, form)
            if check.same_snils is not None:
                self._show_banner(check, same=True)
                return
            if check.similar and check != self._confirmed_duplicates:
                self._show_banner(check, same=False)
                return
        identified = self.identified_edit.date().toPython()
        assert isinstance(identified, date)
        source = enum_data(Source, self.source_combo.currentData())
        try:
            result = citizens.save_citizen(
                self._db,
                form,
                self._citizen_id,
                source=source,
                identified_on=identified,
                today=self._today,
                loaded=self._card,
            )
        except StaleEditError as exc:
            # Someone saved the person meanwhile: nothing was written, what was typed stays.
            self.message_label.setText(str(exc))
            self.message_label.setStyleSheet("color: #8a1c1c;")
            if ask_to_reload(self, exc) and self._citizen_id is not None:
                self.load(self._citizen_id)
                self.on_changed()
                self.message_label.setText("Загружена сохранённая версия карточки.")
                self.message_label.setStyleSheet("")
            return
        except UserError as exc:
            self.message_label.setText(str(exc))
            self.message_label.setStyleSheet("color: #8a1c1c;")
            return
        self._citizen_id = result.citizen_id
        self.message_label.setText(result.message)
        self.last_result: SaveResult = result
        self.saved.emit(result)
        self.accept()

    def call(self) -> QDialog | None:
        if self._latest_entry is None:
            return None
        dialog = CallDialog(self._db, self._latest_entry, parent=self)
        dialog.saved.connect(lambda _: self._reload_history())
        dialog.open()
        return dialog

    def _reload_history(self) -> None:
        if self._citizen_id is not None:
            self._fill_history(citizens.load_card(self._db, self._citizen_id).history)

    @property
    def citizen_id(self) -> int | None:
        return self._citizen_id


def _mark(widget: QWidget, invalid: bool) -> None:
    if widget.property("invalid") == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _name(form: CitizenForm) -> str:
    return " ".join(p.strip() for p in (form.last_name, form.first_name, form.middle_name) if p)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
