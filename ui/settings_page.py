"""«Настройки»: the consultant, the organisation, how the program works, e-mail, the
production calendar's local corrections (issue #12: the section was one sentence, so
routes, plans, letters and Appendix 4 went out without a name, position or organisation),
and which database this computer opens — the file or a PostgreSQL server (issue #15).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.domain.dates import format_date
from app.domain.enums import UserRole
from app.errors import UserError
from app.services import access, calendar, mail_secret, profile, server_settings
from app.services.profile import UserProfile
from app.services.server_settings import DatabaseChoice, ServerChoice
from app.services.settings import TIME_ZONES, load_settings, save_settings_page
from app.settings import Settings, SmtpSettings
from db.session import Database
from ui.date_typing import make_typable
from ui.worker import BackgroundTask

SECURITY = (
    ("starttls", "STARTTLS (порт 587)"),
    ("tls", "SSL/TLS (порт 465)"),
    ("none", "без шифрования"),
)


class SettingsPage(QWidget):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.supervisor = access.role_of(db) is UserRole.SUPERVISOR

        heading = QLabel("<h2>Настройки</h2>")
        intro = QLabel(
            "Сведения о специалисте и организации печатаются в маршрутах, планах, письмах, "
            "на конвертах и в отчёте (приложение 4, графа 2)."
        )
        intro.setWordWrap(True)

        # The consultant (each user their own).
        person = ProfileBox()
        self.full_name = person.full_name
        self.position = person.position
        self.phone = person.phone
        self.email = person.email

        # The organisation (the supervisor's).
        organisation = OrganisationBox()
        self.org_name = organisation.name
        self.org_short = organisation.short
        self.org_district = organisation.district
        self.org_address = organisation.address
        self.org_postcode = organisation.postcode
        self.org_phone = organisation.phone
        self.org_email = organisation.email
        self._person_box, self._organisation_box = person, organisation

        # Which database this computer opens (the supervisor's; applies after a restart).
        database_box = DatabaseBox(db)
        self.database_box = database_box

        # How the program works.
        self.time_zone = QComboBox()
        for zone, title in TIME_ZONES:
            self.time_zone.addItem(title, zone)
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(0, 240)
        self.lock_minutes.setSuffix(" мин")
        self.lock_minutes.setSpecialValueText("не блокировать")
        self.export_folder = QLineEdit()
        self.folder_button = QPushButton("Выбрать…")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.export_folder, 1)
        folder_row.addWidget(self.folder_button)
        work = QGroupBox("Работа программы")
        work_form = QFormLayout(work)
        work_form.addRow("Часовой пояс организации:", self.time_zone)
        work_form.addRow("Блокировать окно после простоя:", self.lock_minutes)
        work_form.addRow("Папка для выгрузок:", folder_row)

        # E-mail dispatch.
        self.smtp_host = QLineEdit()
        self.smtp_port = QSpinBox()
        self.smtp_port.setRange(1, 65535)
        self.smtp_security = QComboBox()
        for value, title in SECURITY:
            self.smtp_security.addItem(title, value)
        self.smtp_login = QLineEdit()
        self.smtp_sender = QLineEdit()
        # The password goes to the system's credential store, never to the database, and is
        # never shown back: the field only takes a new one.
        self.smtp_password = QLineEdit()
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.forget_password_button = QPushButton("Удалить пароль")
        password_row = QHBoxLayout()
        password_row.addWidget(self.smtp_password, 1)
        password_row.addWidget(self.forget_password_button)
        self.password_state = QLabel()
        self.password_state.setWordWrap(True)
        self.password_state.setStyleSheet("color: #555555;")
        self.test_to = QLineEdit()  # empty: the organisation's e-mail, shown as placeholder
        self.test_button = QPushButton("Отправить тестовое письмо")
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        mail = QGroupBox("Электронная почта для направления маршрутов")
        mail_form = QFormLayout(mail)
        mail_form.addRow("Сервер SMTP:", self.smtp_host)
        mail_form.addRow("Порт:", self.smtp_port)
        mail_form.addRow("Защита:", self.smtp_security)
        mail_form.addRow("Имя для входа:", self.smtp_login)
        mail_form.addRow("Адрес отправителя:", self.smtp_sender)
        mail_form.addRow("Пароль:", password_row)
        mail_form.addRow(self.password_state)
        mail_form.addRow("Проверка:", test_row)
        self.test_task: BackgroundTask | None = None

        # The production calendar's local corrections.
        self.overrides = QTableWidget(0, 3)
        self.overrides.setHorizontalHeaderLabels(("Дата", "День", "Примечание"))
        self.overrides.horizontalHeader().setStretchLastSection(True)
        self.overrides.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.overrides.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.overrides.verticalHeader().setVisible(False)
        self.overrides.setMinimumHeight(120)
        self.override_day = make_typable(QDateEdit())
        self.override_day.setDisplayFormat("dd.MM.yyyy")
        self.override_day.setCalendarPopup(True)
        today = clock.today()
        self.override_day.setDate(QDate(today.year, today.month, today.day))
        self.override_kind = QComboBox()
        self.override_kind.addItem("выходной", False)
        self.override_kind.addItem("рабочий", True)
        self.override_note = QLineEdit()
        self.override_note.setPlaceholderText("основание, например: распоряжение Губернатора")
        self.add_override_button = QPushButton("Добавить поправку")
        self.remove_override_button = QPushButton("Убрать выбранную")
        days = QGroupBox("Производственный календарь: местные поправки")
        days_layout = QGridLayout(days)
        days_layout.addWidget(
            QLabel("Праздники и переносы России учтены; здесь — решения области и района."),
            0,
            0,
            1,
            4,
        )
        days_layout.addWidget(self.overrides, 1, 0, 1, 4)
        days_layout.addWidget(self.override_day, 2, 0)
        days_layout.addWidget(self.override_kind, 2, 1)
        days_layout.addWidget(self.override_note, 2, 2)
        days_layout.addWidget(self.add_override_button, 2, 3)
        days_layout.addWidget(self.remove_override_button, 3, 3)

        self.save_button = QPushButton("Сохранить")
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.message, 1)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(person)
        left.addWidget(organisation)
        left.addWidget(database_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(work)
        right.addWidget(mail)
        right.addWidget(days)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(heading)
        body_layout.addWidget(intro)
        body_layout.addLayout(columns)
        scroll = QScrollArea()  # fits 1366x768 whatever the fonts
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)  # always in sight, under the scrolled page

        for widget in (organisation, work, mail, database_box, self.add_override_button):
            widget.setEnabled(self.supervisor)
        self.remove_override_button.setEnabled(self.supervisor)
        if not self.supervisor:
            self.message.setText(
                "Сведения об организации, работе программы и выбор базы данных меняет "
                "руководитель; "
                "свои данные специалиста вы можете изменить."
            )
        self.save_button.clicked.connect(lambda _checked=False: self.save())
        self.forget_password_button.clicked.connect(lambda _checked=False: self.forget_password())
        self.test_button.clicked.connect(lambda _checked=False: self.send_test())
        self.folder_button.clicked.connect(lambda _checked=False: self._choose_folder())
        self.add_override_button.clicked.connect(lambda _checked=False: self.add_override())
        self.remove_override_button.clicked.connect(lambda _checked=False: self.remove_override())
        self.refresh()

    # -- reading and saving ---------------------------------------------------------------

    def refresh(self) -> None:
        me = profile.get_profile(self._db)
        self._person_box.fill(me)
        s = load_settings(self._db)
        self._organisation_box.fill(s, me)
        index = self.time_zone.findData(s.time_zone)
        if index < 0:
            self.time_zone.addItem(s.time_zone, s.time_zone)
            index = self.time_zone.count() - 1
        self.time_zone.setCurrentIndex(index)
        self.lock_minutes.setValue(s.auto_lock_minutes)
        self.export_folder.setText(s.export_folder)
        self.smtp_host.setText(s.smtp.host)
        self.smtp_port.setValue(s.smtp.port)
        self.smtp_security.setCurrentIndex(max(0, self.smtp_security.findData(s.smtp.security)))
        self.smtp_login.setText(s.smtp.login)
        self.smtp_sender.setText(s.smtp.sender)
        self.smtp_password.clear()
        self._show_password_state(s.smtp)
        self.test_to.setPlaceholderText(s.provider_email or "адрес для тестового письма")
        self._fill_overrides()
        self.database_box.refresh()

    def settings(self) -> Settings:
        current = load_settings(self._db)
        return dataclasses.replace(
            self._organisation_box.applied_to(current),
            time_zone=str(self.time_zone.currentData()),
            auto_lock_minutes=self.lock_minutes.value(),
            export_folder=self.export_folder.text().strip(),
            smtp=SmtpSettings(
                host=self.smtp_host.text().strip(),
                port=self.smtp_port.value(),
                security=str(self.smtp_security.currentData()),
                login=self.smtp_login.text().strip(),
                sender=self.smtp_sender.text().strip(),
            ),
        )

    def save(self) -> bool:
        try:
            if self.supervisor:
                save_settings_page(self._db, self.settings())
            profile.update_profile(
                self._db,
                full_name=self.full_name.text(),
                position=self.position.text(),
                organisation=self.org_name.text().strip(),
                phone=self.phone.text(),
                email=self.email.text(),
            )
        except UserError as exc:
            self._say(str(exc), error=True)
            return False
        password = self.smtp_password.text()
        if password and self.supervisor:
            smtp = load_settings(self._db).smtp
            try:
                mail_secret.store_password(smtp, password)
            except UserError as exc:
                self._say(f"Настройки сохранены, но {_lower_first(str(exc))}", error=True)
                return False
            self.smtp_password.clear()
            self._show_password_state(smtp)
        said = "Настройки сохранены."
        if self.supervisor and self.database_box.changed():
            try:
                said += " " + self.database_box.save()
            except UserError as exc:
                self._say(f"Настройки сохранены, но база данных не выбрана: {exc}", error=True)
                return False
        self._say(said)
        return True

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #8a1c1c;" if error else "color: #1b5e20;")

    # -- the mail password and the test message -------------------------------------------

    def _show_password_state(self, smtp: SmtpSettings) -> None:
        if not smtp.host or not smtp.login:
            text, stored = "Пароль нужен, если сервер требует имя для входа.", False
        else:
            try:
                stored = mail_secret.has_stored_password(smtp)
            except UserError as exc:
                text, stored = str(exc), False
            else:
                text = (
                    f"Пароль для {smtp.login} сохранён в хранилище паролей системы; чтобы "
                    "заменить его, введите новый."
                    if stored
                    else "Пароль не сохранён: введите его и нажмите «Сохранить» (он хранится "
                    "в хранилище паролей Windows, не в базе)."
                )
        self.password_state.setText(text)
        self.smtp_password.setPlaceholderText("сохранён" if stored else "не сохранён")
        self.forget_password_button.setEnabled(stored and self.supervisor)

    def forget_password(self) -> None:
        smtp = load_settings(self._db).smtp
        try:
            mail_secret.delete_password(smtp)
        except UserError as exc:
            self._say(str(exc), error=True)
            return
        self._show_password_state(smtp)
        self._say("Пароль почты удалён из хранилища паролей.")

    def send_test(self) -> BackgroundTask | None:
        """The test message through the server as typed on the page (saved or not), off
        the UI thread; the outcome in the page's message."""
        if self.test_task is not None and self.test_task.running:
            return self.test_task
        smtp = self.settings().smtp
        to = self.test_to.text().strip() or self.org_email.text().strip()
        organisation = self.org_name.text().strip()
        typed = self.smtp_password.text()
        try:
            password = typed or mail_secret.password_for(smtp)
        except UserError as exc:
            self._say(str(exc), error=True)
            return None

        def job(_progress: object, _cancelled: object) -> str:
            return mail_secret.send_test_message(smtp, password, to, organisation)

        task = BackgroundTask(job, self)
        task.done.connect(self._test_sent)
        task.failed.connect(self._test_failed)
        self.test_task = task
        self.test_button.setEnabled(False)
        self._say(f"Отправляем тестовое письмо через {smtp.host or '—'}…")
        task.start()
        return task

    def _test_sent(self, text: object) -> None:
        self.test_button.setEnabled(True)
        self._say(str(text))

    def _test_failed(self, error: object) -> None:
        self.test_button.setEnabled(True)
        if not isinstance(error, UserError):
            assert isinstance(error, BaseException)
            raise error  # a bug: the crash dialog, with the log
        self._say(str(error), error=True)

    def _choose_folder(self) -> None:
        start = self.export_folder.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Папка для выгрузок", start)
        if folder:
            self.export_folder.setText(folder)

    # -- the calendar's corrections -------------------------------------------------------

    def _fill_overrides(self) -> None:
        rows = calendar.list_overrides(self._db)
        self._override_days = [r.day for r in rows]
        self.overrides.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = (format_date(row.day), "рабочий" if row.is_working else "выходной", row.note)
            for column, value in enumerate(values):
                self.overrides.setItem(r, column, QTableWidgetItem(value))
        self.overrides.setColumnWidth(0, 100)
        self.overrides.setColumnWidth(1, 90)

    def add_override(self) -> None:
        picked = self.override_day.date().toPython()
        assert isinstance(picked, date)
        try:
            calendar.set_override(
                self._db,
                picked,
                bool(self.override_kind.currentData()),
                self.override_note.text(),
            )
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.override_note.clear()
        self._fill_overrides()
        self.message.setText(f"Поправка календаря на {format_date(picked)} добавлена.")

    def remove_override(self) -> None:
        row = self.overrides.currentRow()
        if not 0 <= row < len(self._override_days):
            self.message.setText("Выберите поправку в таблице.")
            return
        day = self._override_days[row]
        calendar.remove_override(self._db, day)
        self._fill_overrides()
        self.message.setText(f"Поправка календаря на {format_date(day)} убрана.")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class ProfileBox(QGroupBox):
    """The consultant's name, position, phone and e-mail («Специалист»): the settings page
    and the first start use the same fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Специалист (это вы)", parent)
        self.full_name = QLineEdit()
        self.position = QLineEdit()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.phone.setPlaceholderText("+7 (3452) 00-00-00")
        form = QFormLayout(self)
        for label, edit in (
            ("Ф.И.О.:", self.full_name),
            ("Должность:", self.position),
            ("Телефон:", self.phone),
            ("Электронная почта:", self.email),
        ):
            form.addRow(label, edit)

    def fill(self, me: UserProfile) -> None:
        self.full_name.setText(me.full_name)
        self.position.setText(me.position)
        self.phone.setText(me.phone)
        self.email.setText(me.email)


class OrganisationBox(QGroupBox):
    """The organisation's names, district, address, postcode, phone and e-mail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Организация", parent)
        self.name = QLineEdit()
        self.short = QLineEdit()
        self.district = QLineEdit()
        self.address = QLineEdit()
        self.postcode = QLineEdit()
        self.postcode.setMaxLength(6)
        self.phone = QLineEdit()
        self.email = QLineEdit()
        form = QFormLayout(self)
        for label, edit in (
            ("Полное наименование:", self.name),
            ("Краткое наименование:", self.short),
            ("Муниципальное образование:", self.district),
            ("Адрес:", self.address),
            ("Почтовый индекс:", self.postcode),
            ("Телефон:", self.phone),
            ("Электронная почта:", self.email),
        ):
            form.addRow(label, edit)

    def fill(self, s: Settings, me: UserProfile) -> None:
        self.name.setText(s.provider_name or me.organisation)
        self.short.setText(s.provider_short_name)
        self.district.setText(s.provider_district)
        self.address.setText(s.provider_address)
        self.postcode.setText(s.provider_postcode)
        self.phone.setText(s.provider_phone)
        self.email.setText(s.provider_email)

    def applied_to(self, current: Settings) -> Settings:
        """``current`` with the organisation as typed."""
        return dataclasses.replace(
            current,
            provider_name=self.name.text().strip(),
            provider_short_name=self.short.text().strip(),
            provider_district=self.district.text().strip(),
            provider_address=self.address.text().strip(),
            provider_postcode=self.postcode.text().strip(),
            provider_phone=self.phone.text().strip(),
            provider_email=self.email.text().strip(),
        )


class DatabaseBox(QGroupBox):
    """«База данных»: the file on this computer or a PostgreSQL server, for this computer
    (app/connection.py); the server's password goes to the system's credential store.
    The choice applies when the program is next started."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__("База данных", parent)
        self._db = db
        self._loaded = DatabaseChoice()
        self.current = QLabel()
        self.current.setWordWrap(True)
        self.current.setStyleSheet("color: #555555;")
        self.file_choice = QRadioButton("Файл на этом компьютере (по умолчанию)")
        self.server_choice = QRadioButton("Сервер PostgreSQL (общая база нескольких специалистов)")
        self.host = QLineEdit()
        self.host.setPlaceholderText("имя или адрес, например: server.kcson.local")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit()
        self.database.setPlaceholderText("например: ic")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode = QComboBox()
        for mode, title in server_settings.SSL_MODES:
            self.sslmode.addItem(title, mode)
        self.sslmode.setCurrentIndex(self.sslmode.findData(server_settings.DEFAULT_SSL_MODE))
        self.rootcert = QLineEdit()
        self.rootcert.setPlaceholderText("файл .pem или .crt")
        self.rootcert_button = QPushButton("Выбрать…")
        rootcert_row = QHBoxLayout()
        rootcert_row.addWidget(self.rootcert, 1)
        rootcert_row.addWidget(self.rootcert_button)
        self.check_button = QPushButton("Проверить подключение")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.check_task: BackgroundTask | None = None

        self._server_fields = QWidget()
        fields = QFormLayout(self._server_fields)
        fields.setContentsMargins(18, 0, 0, 0)
        fields.addRow("Сервер:", self.host)
        fields.addRow("Порт:", self.port)
        fields.addRow("База данных:", self.database)
        fields.addRow("Пользователь:", self.user)
        fields.addRow("Пароль:", self.password)
        fields.addRow("Защита соединения:", self.sslmode)
        fields.addRow("Корневой сертификат:", rootcert_row)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button)
        check_row.addStretch(1)
        fields.addRow(check_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addWidget(self.file_choice)
        layout.addWidget(self.server_choice)
        layout.addWidget(self._server_fields)
        layout.addWidget(self.result)

        self.file_choice.toggled.connect(lambda _on: self._enable())
        self.sslmode.currentIndexChanged.connect(lambda _i: self._enable())
        self.check_button.clicked.connect(lambda _checked=False: self.check())
        self.rootcert_button.clicked.connect(lambda _checked=False: self._choose_rootcert())
        self.refresh()

    def refresh(self) -> None:
        if self._db.on_server:
            opened = f"Сейчас открыта база на сервере {self._db.url}."
        else:
            opened = f"Сейчас открыт файл {self._db.path}."
        self.current.setText(
            f"{opened} Здесь выбирается, какую базу программа откроет на этом компьютере "
            "при следующем запуске; выбор сохраняет кнопка «Сохранить» внизу."
        )
        self._loaded = server_settings.current_choice()
        chosen = self._loaded.server
        (self.server_choice if chosen else self.file_choice).setChecked(True)
        if chosen is not None:
            self.host.setText(chosen.host)
            self.port.setValue(chosen.port)
            self.database.setText(chosen.database)
            self.user.setText(chosen.user)
            self.sslmode.setCurrentIndex(max(0, self.sslmode.findData(chosen.sslmode)))
            self.rootcert.setText(chosen.sslrootcert)
        self.password.clear()
        self._show_password_state()
        self._enable()

    def _enable(self) -> None:
        server = self.server_choice.isChecked()
        self._server_fields.setEnabled(server)
        verify = self.sslmode.currentData() == "verify-full"
        self.rootcert.setEnabled(verify)
        self.rootcert_button.setEnabled(verify)

    def typed(self) -> ServerChoice:
        return ServerChoice(
            host=self.host.text().strip(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            port=self.port.value(),
            sslmode=str(self.sslmode.currentData()),
            sslrootcert=self.rootcert.text().strip(),
        )

    def changed(self) -> bool:
        """The form differs from what this computer has stored (or a password was typed)."""
        if not self.server_choice.isChecked():
            return self._loaded.server is not None
        return self.typed() != self._loaded.server or bool(self.password.text())

    def save(self) -> str:
        """Store the choice (UserError when the form is not usable); the line to show."""
        if self.server_choice.isChecked():
            said = server_settings.save_server(self.typed(), self.password.text())
        else:
            said = server_settings.save_file_default()
        self.refresh()
        return said

    def _show_password_state(self) -> None:
        chosen = self._loaded.server
        if chosen is None:
            self.password.setPlaceholderText("будет сохранён в хранилище паролей системы")
            return
        try:
            stored = server_settings.has_stored_password(chosen)
        except UserError:
            stored = False
        self.password.setPlaceholderText(
            "сохранён в хранилище паролей системы" if stored else "не сохранён"
        )

    def check(self) -> BackgroundTask | None:
        """Connect as typed (the typed password, else the stored one) off the UI thread;
        what was found, or the one-line error, under the fields."""
        if self.check_task is not None and self.check_task.running:
            return self.check_task
        try:
            choice = self.typed()
            server_settings.server_url(choice)
        except UserError as exc:
            self._say(str(exc), error=True)
            return None
        password = self.password.text()

        def job(_progress: object, _cancelled: object) -> str:
            return server_settings.check_connection(choice, password)

        task = BackgroundTask(job, self)
        task.done.connect(self._checked)
        task.failed.connect(self._check_failed)
        self.check_task = task
        self.check_button.setEnabled(False)
        self._say(f"Подключаемся к серверу {choice.host}:{choice.port}…", error=False)
        task.start()
        return task

    def _checked(self, text: object) -> None:
        self.check_button.setEnabled(True)
        self._say(str(text))

    def _check_failed(self, error: object) -> None:
        self.check_button.setEnabled(True)
        if not isinstance(error, UserError):
            assert isinstance(error, BaseException)
            raise error  # a bug: the crash dialog, with the log
        self._say(str(error), error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet("color: #8a1c1c;" if error else "color: #1b5e20;")

    def _choose_rootcert(self) -> None:
        start = self.rootcert.text() or str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(
            self, "Корневой сертификат сервера", start, "Сертификаты (*.pem *.crt *.cer);;Все (*)"
        )
        if path:
            self.rootcert.setText(path)
