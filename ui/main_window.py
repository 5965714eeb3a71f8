"""The main window: navigation pane, the registry grid and the other sections, status bar."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import __version__, clock
from app.domain.dates import format_date
from app.domain.enums import Source, UserRole
from app.domain.periods import Month
from app.errors import UserError
from app.services import (
    access,
    citizens,
    courses,
    dashboard,
    deadlines,
    import_log,
    intake,
    maintenance,
    profile,
    registry_month,
    report,
)
from app.services.registry_grid import RegistryGridService
from app.services.settings import load_settings
from db.session import Database
from ui.admin_dialogs import AuditDialog, BackupsDialog
from ui.call_dialog import CallDialog
from ui.citizen_dialog import CitizenDialog
from ui.courses_page import CoursesPage
from ui.dashboard_page import DashboardPage
from ui.directory_page import DirectoryPage
from ui.dispatch_page import DispatchPage
from ui.document_lists import PlansListPage, RoutesListPage
from ui.errors import APP_TITLE, show_user_error
from ui.exchange_pages import PROVIDER_TITLE, ExchangeSection, exchange_file
from ui.help import HelpKeys
from ui.import_wizard import ImportWizard
from ui.intake_page import IntakePage
from ui.lock import IdleLock
from ui.outside_registry import OutsideRegistryDialog
from ui.plan_dialog import PlanDialog
from ui.registry_page import RegistryPage
from ui.remembered import app_settings, remember_folder, save_folder
from ui.route_dialog import RouteDialog
from ui.settings_page import SettingsPage
from ui.work_pages import CallsPage, ReportsPage
from ui.worker import BackgroundTask, run_with_progress

logger = logging.getLogger(__name__)

# The sections of the navigation pane, in order; the key names the page.
SECTIONS = (
    ("registry", "Реестр"),
    ("calls", "Звонки"),
    ("routes", "Маршруты"),
    ("plans", "Планы сопровождения"),
    ("dispatch", "Отправка документов"),
    ("deadlines", "Сроки"),
    ("reports", "Отчеты"),
    ("directory", "Справочник организаций"),
    ("settings", "Настройки"),
    # Appended last so that Ctrl+1…9 keep their sections; this one is Ctrl+0. At the
    # regional centre it is titled «Поставщики» (ExchangeSection.title).
    ("exchange", PROVIDER_TITLE),
    ("courses", "Курсы (510-п)"),  # issue #13; after the tenth: no Ctrl+digit
    ("intake", "Заявления (6-р)"),  # issue #13
)

SECTION_KEYS = tuple(key for key, _ in SECTIONS)


@dataclass(frozen=True)
class DashboardData:
    on: date
    items: list[deadlines.DueItem]
    flow: tuple[dashboard.MonthFlow, ...]
    coverage: report.Coverage


# What the sections that later versions fill say for now, and which counts they show.
# (The plans section was one until issue #12 gave it its list.)
_PLACEHOLDERS: dict[str, tuple[str, tuple[str, ...]]] = {}


class PlaceholderPage(QWidget):
    """A section that a later version fills: what it is for and what the database holds."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<h2>{title}</h2>")
        body = QLabel(text)
        body.setWordWrap(True)
        self.counts_box = QGroupBox("Сейчас в базе")
        self.counts_form = QFormLayout(self.counts_box)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addWidget(self.counts_box)
        layout.addStretch(1)

    def set_counts(self, rows: tuple[tuple[str, int], ...]) -> None:
        _fill(self.counts_form, rows)
        self.counts_box.setVisible(bool(rows))


class MainWindow(QMainWindow):
    def __init__(
        self,
        db: Database,
        log_path: Path,
        today: date | None = None,
        settings: QSettings | None = None,
        start_section: str = "deadlines",
        open_file: Path | None = None,
    ) -> None:
        """``open_file``: a package or acknowledgement the program was started with (the
        file manager's «Открыть», issue #14), loaded as if dropped once the window shows."""
        super().__init__()
        self._db = db
        self._log_path = log_path
        self._today = today or clock.today()
        self._settings = settings or app_settings()
        self._deadline_task: BackgroundTask | None = None
        self._deadlines_stale = True
        self._dashboard_day = self._today
        self.export_task: BackgroundTask | None = None
        self.last_notice: QMessageBox | None = None
        self.last_question: QMessageBox | None = None
        self.last_export: registry_month.ExportResult | None = None
        self.setWindowTitle(f"{APP_TITLE} — {db.path.name}")
        self.resize(1280, 780)

        self.grid_service = RegistryGridService(db, self._today)
        self.registry_page = RegistryPage(self.grid_service)
        self.deadlines_page = DashboardPage(self._today)
        # Read when the section is opened (_refresh_section), not at start-up: at the
        # centre's size every query before the grid's first paint counts (issue #15).
        self.directory_page = DirectoryPage(db, load=False)
        self.calls_page = CallsPage(db, self._today)
        self.routes_page = RoutesListPage(db, self.grid_service, self._settings, today=self._today)
        self.plans_page = PlansListPage(db, self.grid_service, self._settings, today=self._today)
        self.reports_page = ReportsPage(db, self._today)
        self.dispatch_page = DispatchPage(db, self._today)
        self.settings_page = SettingsPage(db)
        self.exchange_section = ExchangeSection(db, self._today)
        self.courses_page = CoursesPage(db, self._today)
        self.intake_page = IntakePage(db, self._today)
        self.placeholders: dict[str, PlaceholderPage] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setMinimumWidth(170)
        self.nav.setSpacing(3)
        self.nav.setMaximumWidth(260)
        self.pages = QStackedWidget()
        for key, title in SECTIONS:
            self.nav.addItem(self.exchange_section.title if key == "exchange" else title)
            if key == "registry":
                page: QWidget = self.registry_page
            elif key == "deadlines":
                page = self.deadlines_page
            elif key == "directory":
                page = self.directory_page
            elif key == "calls":
                page = self.calls_page
            elif key == "routes":
                page = self.routes_page
            elif key == "plans":
                page = self.plans_page
            elif key == "reports":
                page = self.reports_page
            elif key == "dispatch":
                page = self.dispatch_page
            elif key == "settings":
                page = self.settings_page
            elif key == "exchange":
                page = self.exchange_section
            elif key == "courses":
                page = self.courses_page
            elif key == "intake":
                page = self.intake_page
            else:
                placeholder = PlaceholderPage(title, _PLACEHOLDERS[key][0])
                self.placeholders[key] = placeholder
                page = placeholder
            self.pages.addWidget(page)
        self.nav.currentRowChanged.connect(self._section_changed)
        splitter = QSplitter()
        splitter.addWidget(self.nav)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([190, 1090])
        self.splitter = splitter
        self.setCentralWidget(splitter)

        self._build_actions()
        self._build_menu()
        self._build_toolbar()

        self.user_label = QLabel()
        self.path_label = QLabel(f"База данных: {db.path}")
        self.counts_label = QLabel()
        self.statusBar().addWidget(self.path_label, 1)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self.idle_lock: IdleLock | None = None
        login = access.signed_in_login(db)
        if login is not None:
            minutes = load_settings(db).auto_lock_minutes
            self.idle_lock = IdleLock(db, login, minutes, self)

        self.registry_page.open_requested.connect(self.open_citizen)
        self.deadlines_page.open_requested.connect(self._open_item)
        self.deadlines_page.date_changed.connect(self._dashboard_date)
        self.registry_page.counts_changed.connect(self._show_counts)
        self.routes_page.data_changed.connect(self.refresh)
        self.plans_page.data_changed.connect(self.refresh)
        self.exchange_section.title_changed.connect(self._exchange_title)
        self.exchange_section.data_changed.connect(self._exchange_changed)
        self.courses_page.changed.connect(self._courses_changed)  # 510-п duties
        self.intake_page.changed.connect(self._courses_changed)  # 6-р duties
        self.reports_page.changed.connect(self.refresh)  # a report marked sent (5.2)
        # A package or acknowledgement dropped on the window is loaded (issue #11).
        self.setAcceptDrops(True)
        self._restore_layout()
        # The window opens on the deadline dashboard (issue #5); tests and the grid
        # benchmark may start elsewhere.
        self.nav.setCurrentRow(SECTION_KEYS.index(start_section))
        self.refresh()
        if open_file is not None:
            QTimer.singleShot(0, self, lambda: self.open_exchange_file(open_file))

    # -- actions, menu, toolbar -----------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.import_action = self._action("Загрузить выписку…", self.import_extract, "Ctrl+I")
        self.import_action.setToolTip("Загрузить ежемесячную выписку из ЕИС СЗН (31-р, п. 3.1.1)")
        self.import_log_action = self._action("Журнал загрузок", self.show_import_log)
        self.package_action = self._action("Загрузить пакет…", self.load_package, "Ctrl+Shift+O")
        self.package_action.setToolTip(
            "Обмен с региональным центром: пакет поставщика (.icsync) в центре, "
            "подтверждение центра (.icack) у поставщика"
        )
        self.audit_action = self._action("Журнал действий…", self.show_audit)
        self.backups_action = self._action("Резервные копии…", self.show_backups)
        self.walk_in_action = self._action(
            "Новый гражданин (личный прием)…",
            lambda: self.new_citizen(Source.WALK_IN),
            QKeySequence.StandardKey.New,
        )
        self.ngo_action = self._action(
            "Сведения от общественной организации…", lambda: self.new_citizen(Source.NGO)
        )
        self.open_action = self._action("Открыть карточку", self.open_selected)
        self.call_action = self._action("Позвонить…", self.call_selected, "Ctrl+T")
        self.call_action.setToolTip("Информирование по телефону (31-р, пп. 4.1-4.2)")
        self.route_action = self._action("Маршрут…", self.route_selected, "Ctrl+M")
        self.route_action.setToolTip("Индивидуальный реабилитационный маршрут (31-р, п. 3.3)")
        self.plan_action = self._action("План сопровождения…", self.plan_selected, "Ctrl+L")
        self.plan_action.setToolTip("Индивидуальный план комплексного сопровождения (31-р, п. 4.3)")
        self.form_action = self._action("Сформировать реестр за месяц…", self.form_registry)
        self.form_action.setToolTip(
            "Пронумеровать записи месяца по дате получения сведений (31-р, п. 3.2)"
        )
        self.export_action = self._action(
            "Печать и экспорт реестра (приложение 1)…", self.export_registry, "Ctrl+P"
        )
        self.outside_action = self._action(
            "Карточки вне реестра…", lambda _=False: self.show_outside_registry()
        )
        self.outside_action.setToolTip(
            "Сохранённые карточки без записи в реестре: дополнить (31-р, п. 2.1)"
        )
        self.refresh_action = self._action(
            "Обновить", self.refresh, QKeySequence.StandardKey.Refresh
        )
        self.quit_action = self._action("Выход", self.close, QKeySequence.StandardKey.Quit)
        self.about_action = self._action("О программе", self._about)
        self.section_actions = []
        for index, (key, title) in enumerate(SECTIONS):
            shown = self.exchange_section.title if key == "exchange" else title
            action = self._action(
                shown,
                lambda _=False, i=index: self.nav.setCurrentRow(i),
                f"Ctrl+{(index + 1) % 10}" if index < 10 else None,  # the tenth is Ctrl+0
            )
            self.section_actions.append(action)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&Файл")
        for action in (self.import_action, self.import_log_action, self.package_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.backups_action)
        file_menu.addAction(self.audit_action)
        # The audit trail is the supervisor's (issue #10); the backups are everyone's.
        self.audit_action.setEnabled(access.role_of(self._db) is UserRole.SUPERVISOR)
        file_menu.addSeparator()
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.quit_action)
        registry_menu = self.menuBar().addMenu("&Реестр")
        for action in (
            self.walk_in_action,
            self.ngo_action,
            self.open_action,
            self.call_action,
            self.route_action,
            self.plan_action,
        ):
            registry_menu.addAction(action)
        registry_menu.addAction(self.outside_action)
        registry_menu.addSeparator()
        registry_menu.addAction(self.form_action)
        registry_menu.addAction(self.export_action)
        view_menu = self.menuBar().addMenu("&Вид")
        for action in self.section_actions:
            view_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Справка")
        # F1: the current section's page; in a working dialog, that dialog's (issue #12).
        self.help_keys = HelpKeys(self, lambda: SECTION_KEYS[self.nav.currentRow()])
        help_menu.addAction(self.help_keys.action)
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Основные действия")
        toolbar.setObjectName("main_toolbar")
        toolbar.setIconSize(QSize(16, 16))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.import_action,
            self.walk_in_action,
            self.call_action,
            self.route_action,
            self.form_action,
            self.export_action,
            self.refresh_action,
        ):
            toolbar.addAction(action)

    # -- refreshing -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read everything shown; the deadlines are counted on a worker."""
        self.grid_service.reload_calendar()
        self.registry_page.reload_choices()
        self.registry_page.refresh()
        who = profile.get_profile(self._db)
        self.user_label.setText(f"Специалист: {who.full_name}")
        self._deadlines_stale = True
        self._refresh_section()

    def _section_changed(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        self._refresh_section()

    def _refresh_section(self) -> None:
        """What only one section shows is computed when that section is on screen."""
        page = self.pages.currentWidget()
        if page is self.deadlines_page and self._deadlines_stale:
            self._start_deadlines()
        elif page is self.directory_page:
            self.directory_page.refresh()
        elif page is self.calls_page:
            self.calls_page.refresh()
        elif page is self.routes_page:
            self.routes_page.refresh()
        elif page is self.plans_page:
            self.plans_page.refresh()
        elif page is self.reports_page:
            self.reports_page.refresh()
        elif page is self.dispatch_page:
            self.dispatch_page.refresh()
        elif page is self.exchange_section:
            self.exchange_section.refresh()
        elif page is self.courses_page:
            self.courses_page.refresh()
        elif page is self.intake_page:
            self.intake_page.refresh()
        for key, placeholder in self.placeholders.items():
            if page is placeholder:
                counts = dict(maintenance.counts(self._db))
                wanted = _PLACEHOLDERS[key][1]
                placeholder.set_counts(tuple((k, v) for k, v in counts.items() if k in wanted))

    def _courses_changed(self) -> None:
        self._deadlines_stale = True  # the 510-п duties were created or closed

    def _exchange_title(self, title: str) -> None:
        index = SECTION_KEYS.index("exchange")
        item = self.nav.item(index)
        if item is not None:
            item.setText(title)
        self.section_actions[index].setText(title)

    def _exchange_changed(self) -> None:
        # The centre's acknowledgement brings its directory and calendar: what the other
        # sections show may have changed (the exchange section has refreshed itself).
        self.grid_service.reload_calendar()
        self.registry_page.reload_choices()
        self.registry_page.refresh()
        if self.pages.currentWidget() is self.directory_page:
            self.directory_page.refresh()  # else when it is opened
        self._deadlines_stale = True

    def _start_deadlines(self) -> None:
        # Counted on a worker (it reads every entry) and only for the deadlines section: a
        # worker busy with Python would slow the grid's keystrokes (the GIL is shared).
        if self._deadline_task is not None and self._deadline_task.running:
            return
        self._deadlines_stale = False
        db, on = self._db, self._dashboard_day

        def job(_progress: object, _cancelled: object) -> DashboardData:
            items = deadlines.due_items(db, on)
            flow = dashboard.monthly_flow(db, Month.of(on))
            coverage = report.route_coverage(db, str(Month.of(on).half_year))
            return DashboardData(on, items, flow, coverage)

        task = BackgroundTask(job, self)
        task.done.connect(self._show_dashboard)
        task.failed.connect(self._background_failed)
        self._deadline_task = task
        task.start()

    def _show_dashboard(self, data: object) -> None:
        assert isinstance(data, DashboardData)
        self.deadlines_page.show_items(data.on, data.items)
        self.deadlines_page.show_flow(data.flow)
        c = data.coverage
        self.deadlines_page.show_coverage(c.issued, c.target, c.percent, c.level)
        if self._dashboard_day != data.on:  # the user chose another day meanwhile
            self._deadlines_stale = True
            self._start_deadlines()

    def _dashboard_date(self, day: object) -> None:
        assert isinstance(day, date)
        self._dashboard_day = day
        self._deadlines_stale = True
        self._start_deadlines()

    def _open_item(self, entity: str, entity_id: int) -> None:
        programme_id = courses.programme_of(self._db, entity, entity_id)  # 510-п duties
        if programme_id is not None:
            self.nav.setCurrentRow(SECTION_KEYS.index("courses"))
            self.courses_page.select_programme(programme_id)
            return
        application_id = intake.application_of(self._db, entity, entity_id)  # 6-р duties
        if application_id is not None:
            self.nav.setCurrentRow(SECTION_KEYS.index("intake"))
            self.intake_page.select_application(application_id)
            return
        citizen_id = dashboard.citizen_of_item(self._db, entity, entity_id)
        if citizen_id is not None:
            self.open_citizen(citizen_id)

    def _background_failed(self, error: object) -> None:
        if isinstance(error, UserError):
            show_user_error(self, error)
        elif isinstance(error, BaseException):
            raise error

    def _show_counts(self, shown: int, total: int) -> None:
        # -1: a big registry's whole list or count still on its way from the worker.
        self.counts_label.setText(
            f"В реестре: {'…' if total < 0 else total} · показано: {'…' if shown < 0 else shown}"
        )

    # -- the registry's actions -----------------------------------------------------------

    def open_citizen(self, citizen_id: int, entry_id: int | None = None) -> CitizenDialog:
        dialog = CitizenDialog(self._db, citizen_id, today=self._today, parent=self)
        dialog.saved.connect(lambda _: self.refresh())
        dialog.open()
        return dialog

    def open_selected(self) -> None:
        citizen_id = self.registry_page.selected_citizen_id()
        if citizen_id is not None:
            self.open_citizen(citizen_id)

    def _selected_entry(self) -> int | None:
        entry_id = self.registry_page.selected_entry_id()
        if entry_id is None:
            self.statusBar().showMessage("Выберите гражданина в реестре.", 5_000)
        return entry_id

    def call_selected(self) -> CallDialog | None:
        entry_id = self._selected_entry()
        if entry_id is None:
            return None
        return self.call_entry(entry_id)

    def call_entry(self, entry_id: int) -> CallDialog:
        dialog = CallDialog(self._db, entry_id, parent=self)
        dialog.saved.connect(lambda result: self._after_call(result))
        dialog.open()
        return dialog

    def _after_call(self, result: object) -> None:
        message = getattr(result, "message", "")
        self.refresh()
        self.statusBar().showMessage(str(message), 10_000)

    def route_selected(self) -> RouteDialog | None:
        entry_id = self._selected_entry()
        if entry_id is None:
            return None
        dialog = RouteDialog(self._db, entry_id, today=self._today, parent=self)
        dialog.issued.connect(lambda _: self.refresh())
        dialog.open()
        return dialog

    def plan_selected(self) -> PlanDialog | None:
        entry_id = self._selected_entry()
        if entry_id is None:
            return None
        dialog = PlanDialog(self._db, entry_id, today=self._today, parent=self)
        dialog.saved.connect(lambda _: self.refresh())
        dialog.open()
        return dialog

    def new_citizen(self, source: Source) -> CitizenDialog:
        dialog = CitizenDialog(self._db, None, today=self._today, source=source, parent=self)
        dialog.saved.connect(self._new_card_saved)
        dialog.open()
        return dialog

    def _new_card_saved(self, result: citizens.SaveResult) -> None:
        """Say what became of a new card; one not entered in the registry says why and
        where it is kept (issue #12: it closed without a word and vanished)."""
        self.refresh()
        self.statusBar().showMessage(result.message, 30_000)
        if result.entry_id is None:
            self.last_notice = QMessageBox(
                QMessageBox.Icon.Information, APP_TITLE, result.message, parent=self
            )
            self.last_notice.setObjectName("card_not_entered")
            self.last_notice.open()  # not modal to the code: the window goes on

    def show_outside_registry(self) -> OutsideRegistryDialog:
        dialog = OutsideRegistryDialog(self._db, self.open_citizen, parent=self)
        dialog.open()
        return dialog

    def import_extract(self) -> ImportWizard:
        wizard = ImportWizard(self._db, today=self._today, parent=self)
        wizard.imported.connect(lambda _: self.refresh())
        wizard.open()
        return wizard

    def show_import_log(self) -> ImportLogDialog:
        dialog = ImportLogDialog(import_log.import_log(self._db), self)
        dialog.open()
        return dialog

    def _month_choice(self, title: str) -> str | None:
        months = self.grid_service.choices().months
        if not months:
            QMessageBox.information(self, APP_TITLE, "В реестре пока нет записей.")
            return None
        # The month chosen last time, remembered between runs (issue #12).
        last = self._settings.value("registry/chosen_month")
        current = last if last in months else self.registry_page.month_combo.currentData()
        dialog = MonthDialog(title, months, current, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        self._settings.setValue("registry/chosen_month", dialog.month())
        return dialog.month()

    def form_registry(self) -> None:
        month = self._month_choice("Сформировать реестр за месяц")
        if month is not None:
            self.form_registry_month(month)

    def form_registry_month(self, month: str) -> None:
        """31-р 3.2: number the month's entries by date of receipt and record the date."""
        try:
            try:
                result = registry_month.form_registry(self._db, month, self._today)
            except registry_month.RenumberPrintedError as exc:
                # Issue #12: a printed registry is renumbered only when the consultant says so.
                self.last_question = QMessageBox(
                    QMessageBox.Icon.Warning,
                    APP_TITLE,
                    str(exc),
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    self,
                )
                self.last_question.setObjectName("renumber_printed")
                self.last_question.button(QMessageBox.StandardButton.Yes).setText(
                    "Сформировать заново"
                )
                self.last_question.button(QMessageBox.StandardButton.No).setText("Не менять")
                self.last_question.setDefaultButton(QMessageBox.StandardButton.No)
                if self.last_question.exec() != QMessageBox.StandardButton.Yes:
                    return
                result = registry_month.form_registry(
                    self._db, month, self._today, renumber_printed=True
                )
        except UserError as exc:
            show_user_error(self, exc)
            return
        self.statusBar().showMessage(
            f"Реестр за {Month.parse(month).title} сформирован {format_date(result.formed_on)}: "
            f"записей {result.entries}.",
            10_000,
        )
        self.refresh()

    def export_registry(self) -> None:
        month = self._month_choice("Печать и экспорт реестра (приложение 1)")
        if month is None:
            return
        default = str(save_folder(self._db, self._settings) / f"Реестр {month}.pdf")
        name, chosen = QFileDialog.getSaveFileName(
            self, "Сохранить реестр", default, "PDF (*.pdf);;Книга Excel (*.xlsx)"
        )
        if not name:
            return
        remember_folder(self._settings, Path(name))
        fmt = "xlsx" if name.lower().endswith(".xlsx") or "xlsx" in chosen else "pdf"
        self.export_registry_to(month, fmt, Path(name))

    def export_registry_to(self, month: str, fmt: str, path: Path) -> BackgroundTask:
        """Render on a worker (a PDF of thousands of rows takes seconds)."""
        db = self._db

        def job(_progress: object, _cancelled: object) -> registry_month.ExportResult:
            return registry_month.export_registry(db, month, fmt, path)

        def done(value: object) -> None:
            assert isinstance(value, registry_month.ExportResult)
            self.last_export = value
            note = (
                ""
                if value.formed
                else " Реестр за этот месяц еще не сформирован: номера — по порядку поступления."
            )
            self.statusBar().showMessage(
                f"Реестр сохранен: {value.path} (строк {value.rows}).{note}", 15_000
            )

        self.export_task = run_with_progress(
            self, "Подготовка реестра…", job, done, self._background_failed
        )
        return self.export_task

    # -- the exchange with the regional centre (issue #11) ---------------------------------

    def _show_exchange(self) -> None:
        self.nav.setCurrentRow(SECTION_KEYS.index("exchange"))

    def show_section(self, key: str) -> None:
        """Bring the section ``key`` of SECTION_KEYS on screen (ui/profile_guard.py opens
        «Настройки» this way)."""
        self.nav.setCurrentRow(SECTION_KEYS.index(key))

    def load_package(self) -> None:
        """Файл → «Загрузить пакет…»: .icsync at the centre, .icack at a provider."""
        self._show_exchange()
        self.exchange_section.choose_package()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if exchange_file(_dropped(event.mimeData().urls())) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        path = exchange_file(_dropped(event.mimeData().urls()))
        if path is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.open_exchange_file(path)

    def open_exchange_file(self, path: Path) -> None:
        """A package or acknowledgement dropped on the window or opened with the program."""
        self._show_exchange()
        self.exchange_section.load_file(path)

    # -- window state ---------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self._settings.value("main/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        state = self._settings.value("main/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state))
        splitter = self._settings.value("main/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self.splitter.restoreState(QByteArray(splitter))
        self.registry_page.restore_layout(self._settings)

    def save_layout(self) -> None:
        self._settings.setValue("main/geometry", self.saveGeometry())
        self._settings.setValue("main/state", self.saveState())
        self._settings.setValue("main/splitter", self.splitter.saveState())
        self.registry_page.save_layout(self._settings)
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_layout()
        if self.idle_lock is not None:
            self.idle_lock.stop()
        if self._deadline_task is not None and self._deadline_task.running:
            self._deadline_task.wait()
        self.registry_page.wait()
        self.exchange_section.wait()
        super().closeEvent(event)

    def show_audit(self) -> None:
        AuditDialog(self._db, self).exec()

    def show_backups(self) -> None:
        dialog = BackupsDialog(self._db, self)
        dialog.exec()
        if dialog.restored:
            QMessageBox.information(
                self,
                APP_TITLE,
                "База данных восстановлена. Программа закроется; запустите её снова.",
            )
            self.close()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            APP_TITLE,
            f"{APP_TITLE}, версия {__version__}\n\nБаза данных: {self._db.path}\n"
            f"Журнал: {self._log_path}",
        )


class MonthDialog(QDialog):
    """Pick a reporting month among those in the registry."""

    def __init__(
        self, title: str, months: tuple[str, ...], current: str | None, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.combo = QComboBox()
        for month in months:
            self.combo.addItem(Month.parse(month).title, month)
        if current:
            self.combo.setCurrentIndex(max(self.combo.findData(current), 0))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow("Отчетный месяц:", self.combo)
        layout.addRow(buttons)

    def month(self) -> str:
        return str(self.combo.currentData())


class ImportLogDialog(QDialog):
    """Every import: when, who, file, SHA-256 and counts; problems of the selected one."""

    def __init__(self, items: list[import_log.ImportLogItem], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Журнал загрузок выписки")
        self.resize(1100, 560)
        self.items = items
        headers = [
            "Когда",
            "Кто",
            "Файл",
            "SHA-256",
            "Строк",
            "Добавлено",
            "Обновлено",
            "Не входят",
            "С ошибками",
        ]
        self.table = QTableWidget(len(items), len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, item in enumerate(items):
            values = (
                f"{item.imported_at:%d.%m.%Y %H:%M}",
                item.user,
                item.file_name,
                item.sha256,
                str(item.rows_total),
                str(item.added),
                str(item.updated),
                str(item.not_eligible),
                str(item.rejected),
            )
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column == 3:
                    cell.setToolTip(value)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(3, 160)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if not items:
            layout.addWidget(QLabel("Выписки еще не загружались."))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.table.currentCellChanged.connect(self._show_problems)
        if items:
            self.table.selectRow(0)

    def _show_problems(self, row: int, *_: int) -> None:
        if 0 <= row < len(self.items):
            problems = self.items[row].problems
            shown = "\n".join(problems[:20])
            more = f"\n… и еще {len(problems) - 20}" if len(problems) > 20 else ""
            self.problems.setText(
                f"Ошибки в строках:\n{shown}{more}" if problems else "Ошибок нет."
            )


def _dropped(urls: list[QUrl]) -> list[Path]:
    return [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]


def _fill(form: QFormLayout, rows: tuple[tuple[str, int], ...]) -> None:
    while form.rowCount():
        form.removeRow(0)
    for label, value in rows:
        number = QLabel(str(value))
        number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(label, number)
