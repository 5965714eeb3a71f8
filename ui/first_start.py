"""«Первый запуск»: a short setup instead of a dashboard of duties from before the program
was installed (issue #12): the consultant, the organisation, then optionally the first
extract and the directory of organisations. Each step is saved when «Далее» is pressed;
«Отложить» opens the window at once, and the rest can be done in «Настройки»."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.domain.dates import format_date
from app.domain.enums import UserRole
from app.errors import UserError
from app.services import access, directory, profile
from app.services.common import DEFAULT_PROFILE_NAME
from app.services.settings import (
    installation_date,
    load_settings,
    needs_first_start,
    save_settings_page,
)
from db.session import Database
from ui.errors import APP_TITLE
from ui.import_wizard import ImportWizard
from ui.settings_page import OrganisationBox, ProfileBox

logger = logging.getLogger(__name__)

STEP_TITLES = (
    "Шаг 1 из 3. Специалист",
    "Шаг 2 из 3. Организация",
    "Шаг 3 из 3. С чего начать",
)


class FirstStartDialog(QDialog):
    """Three steps on one dialog: profile, organisation, first actions."""

    def __init__(
        self, db: Database, *, today: date | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._today = today or clock.today()
        self.supervisor = access.role_of(db) is UserRole.SUPERVISOR
        self.import_wizard: ImportWizard | None = None
        self.setWindowTitle(f"Первый запуск — {APP_TITLE}")
        self.setMinimumSize(640, 460)

        self.step_label = QLabel()
        self.step_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.steps = QStackedWidget()
        self.steps.addWidget(self._profile_step())
        self.steps.addWidget(self._organisation_step())
        self.steps.addWidget(self._actions_step())
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #8a1c1c;")

        self.later_button = QPushButton("Отложить")
        self.later_button.setToolTip("Открыть программу; настройку можно закончить в «Настройках»")
        self.back_button = QPushButton("< Назад")
        self.next_button = QPushButton("Далее >")
        self.next_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.later_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        self.later_button.clicked.connect(lambda _checked=False: self.reject())
        self.back_button.clicked.connect(lambda _checked=False: self.back())
        self.next_button.clicked.connect(lambda _checked=False: self.next())
        self.import_button.clicked.connect(lambda _checked=False: self.open_import())
        self.directory_button.clicked.connect(lambda _checked=False: self._choose_directory())
        self._fill()
        self._show_step(0)

    # -- the steps ------------------------------------------------------------------------

    def _profile_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            "Добро пожаловать! Программа ведёт реестр, маршруты, планы, сроки и отчёт по "
            "технологии «Интеграционный консультант». Сначала — несколько сведений, которые "
            "печатаются в маршрутах и письмах («Маршрут разработал: Ф.И.О., должность "
            "специалиста, наименование организации, контактный телефон»)."
        )
        intro.setWordWrap(True)
        self.profile_box = ProfileBox()
        layout.addWidget(intro)
        layout.addWidget(self.profile_box)
        layout.addStretch(1)
        return page

    def _organisation_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            "Организация печатается в отчёте за полугодие (приложение 4, графа 2), в "
            "маршрутах, в письмах и на конвертах (адрес и индекс отправителя)."
        )
        intro.setWordWrap(True)
        self.organisation_box = OrganisationBox()
        layout.addWidget(intro)
        layout.addWidget(self.organisation_box)
        if not self.supervisor:
            self.organisation_box.setEnabled(False)
            note = QLabel("Сведения об организации заполняет руководитель.")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addStretch(1)
        return page

    def _actions_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        installed = format_date(installation_date(self._db))
        self.ready_label = QLabel(
            f"Готово. Сроки считаются с {installed} — дня установки программы: "
            "обязанности, срок которых прошёл раньше, не показываются просроченными.<br><br>"
            "Можно сразу начать работу (это необязательно, всё есть и в меню программы):"
        )
        self.ready_label.setWordWrap(True)
        self.ready_label.setTextFormat(Qt.TextFormat.RichText)
        self.import_button = QPushButton("Загрузить первую выписку…")
        self.import_button.setToolTip("Ежемесячная выписка из ЕИС СЗН, файл XLSX или CSV")
        self.directory_button = QPushButton("Загрузить справочник организаций…")
        self.directory_button.setToolTip(
            "Файл XLSX с листом «Организации» (как его выгружает раздел «Справочник "
            "организаций» или региональный центр)"
        )
        self.actions_label = QLabel()
        self.actions_label.setWordWrap(True)
        layout.addWidget(self.ready_label)
        for button in (self.import_button, self.directory_button):
            row = QHBoxLayout()
            row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addWidget(self.actions_label)
        layout.addStretch(1)
        return page

    def _fill(self) -> None:
        me = profile.get_profile(self._db)
        self.profile_box.fill(me)
        if me.full_name == DEFAULT_PROFILE_NAME:
            self.profile_box.full_name.clear()  # a placeholder, not a name
        self.organisation_box.fill(load_settings(self._db), me)

    def _show_step(self, index: int) -> None:
        self.steps.setCurrentIndex(index)
        self.step_label.setText(STEP_TITLES[index])
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Готово" if index == len(STEP_TITLES) - 1 else "Далее >")
        self.later_button.setVisible(index < len(STEP_TITLES) - 1)
        self.error_label.clear()
        if index == 0:
            self.profile_box.full_name.setFocus()
        elif index == 1:
            self.organisation_box.name.setFocus()

    # -- moving on ------------------------------------------------------------------------

    def back(self) -> None:
        self._show_step(max(self.steps.currentIndex() - 1, 0))

    def next(self) -> None:
        index = self.steps.currentIndex()
        if index == len(STEP_TITLES) - 1:
            self.accept()
            return
        saved = self._save_profile() if index == 0 else self._save_organisation()
        if saved:
            self._show_step(index + 1)

    def _save_profile(self) -> bool:
        box = self.profile_box
        try:
            profile.update_profile(
                self._db,
                full_name=box.full_name.text(),
                position=box.position.text(),
                organisation=profile.get_profile(self._db).organisation,
                phone=box.phone.text(),
                email=box.email.text(),
            )
        except UserError as exc:
            self.error_label.setText(str(exc))
            return False
        return True

    def _save_organisation(self) -> bool:
        if not self.supervisor:
            return True
        settings = self.organisation_box.applied_to(load_settings(self._db))
        if not settings.provider_name:
            self.error_label.setText(
                "Укажите полное наименование организации: оно печатается в отчёте и "
                "маршрутах. Можно нажать «Отложить» и заполнить его позже в «Настройках»."
            )
            return False
        try:
            save_settings_page(self._db, settings)
            me = profile.get_profile(self._db)
            profile.update_profile(
                self._db,
                full_name=me.full_name,
                position=me.position,
                organisation=settings.provider_name,
                phone=me.phone,
                email=me.email,
            )
        except UserError as exc:
            self.error_label.setText(str(exc))
            return False
        return True

    # -- the optional first actions -------------------------------------------------------

    def open_import(self) -> ImportWizard:
        """The extract wizard of the window's menu, over this dialog."""
        wizard = ImportWizard(self._db, today=self._today, parent=self)
        wizard.imported.connect(self._imported)
        self.import_wizard = wizard
        wizard.open()
        return wizard

    def _imported(self, result: object) -> None:
        added = getattr(result, "added", None)
        self.actions_label.setText(
            "Выписка загружена" + (f": добавлено в реестр {added}." if added is not None else ".")
        )

    def _choose_directory(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Справочник организаций", "", "Книга Excel (*.xlsx)"
        )
        if name:
            self.load_directory(Path(name))

    def load_directory(self, path: Path) -> directory.ImportDirectoryResult | None:
        try:
            result = directory.import_directory_xlsx(self._db, path)
        except UserError as exc:
            self.actions_label.setText(f"<span style='color:#8a1c1c'>{exc}</span>")
            return None
        if result.problems:
            shown = "<br>".join(str(p) for p in result.problems[:5])
            more = f"<br>… и ещё {len(result.problems) - 5}" if len(result.problems) > 5 else ""
            self.actions_label.setText(
                "<span style='color:#8a1c1c'>Справочник не загружен, исправьте файл:"
                f"<br>{shown}{more}</span>"
            )
            return result
        self.actions_label.setText(
            f"Справочник загружен: добавлено организаций {result.added}, "
            f"обновлено {result.updated}."
        )
        return result


def first_start_if_needed(
    db: Database, *, today: date | None = None, parent: QWidget | None = None
) -> FirstStartDialog | None:
    """Between sign-in and the main window: the setup, while the organisation has no name.
    Whatever the answer, the window opens next."""
    if not needs_first_start(db):
        return None
    dialog = FirstStartDialog(db, today=today, parent=parent)
    dialog.exec()
    return dialog
