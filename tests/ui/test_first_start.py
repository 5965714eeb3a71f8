"""«Первый запуск» (issue #12): a new database opens a short setup — the consultant, the
organisation, then optionally the first extract and the directory — instead of a dashboard
of duties from before the program was installed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from app.demo.extract import write_demo_extract
from app.domain.deadlines import DueStatus
from app.domain.enums import Department, MeasureKind
from app.services import directory, profile
from app.services.directory import OrganisationForm
from app.services.settings import load_settings, missing_document_details, needs_first_start
from db.session import Database, open_database
from ui.first_start import FirstStartDialog, first_start_if_needed
from ui.import_wizard import ImportWizard
from ui.main_window import MainWindow

TODAY = date(2026, 11, 23)
REPORT = "Отчет за полугодие"


def _click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _directory_file(tmp_path: Path) -> Path:
    """A directory sheet as another installation exports it."""
    other = open_database(tmp_path / "other.sqlite")
    try:
        directory.save_organisation(
            other,
            OrganisationForm(
                name="ГАУ ТО «Центр реабилитации»",
                department=Department.SOCIAL_PROTECTION,
                district="г. Ялуторовск",
                address="г. Ялуторовск, ул. Ленина, д. 5",
                phone="+7 (34535) 3-33-33",
                services=((MeasureKind.SOCIAL, "Социальная реабилитация"),),
            ),
        )
        out = tmp_path / "Справочник.xlsx"
        directory.export_directory_xlsx(other, out)
    finally:
        other.close()
    return out


def test_the_setup_saves_the_consultant_and_the_organisation_step_by_step(
    qtbot: QtBot,
    empty_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    type_text: Callable[[QWidget, str], None],
) -> None:
    db = empty_db
    assert needs_first_start(db)
    dialog = FirstStartDialog(db, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.step_label.text() == "Шаг 1 из 3. Специалист"
    assert dialog.profile_box.full_name.text() == ""  # not «Интеграционный консультант»
    assert not dialog.back_button.isEnabled()

    _click(qtbot, dialog.next_button)  # no name
    assert dialog.error_label.text() == "Укажите Ф.И.О. специалиста в профиле."
    assert dialog.steps.currentIndex() == 0
    type_text(dialog.profile_box.full_name, "Петрова Анна Сергеевна")
    type_text(dialog.profile_box.position, "специалист по социальной работе")
    type_text(dialog.profile_box.phone, "+7 (34535) 2-22-22")
    _click(qtbot, dialog.next_button)
    assert dialog.step_label.text() == "Шаг 2 из 3. Организация"
    me = profile.get_profile(db)
    assert (me.full_name, me.position, me.phone) == (
        "Петрова Анна Сергеевна",
        "специалист по социальной работе",
        "+7 (34535) 2-22-22",
    )

    box = dialog.organisation_box
    _click(qtbot, dialog.next_button)  # no name: the organisation is what it is for
    assert "Укажите полное наименование организации" in dialog.error_label.text()
    type_text(box.name, "АУСОН ТО «КЦСОН Ялуторовского района»")
    type_text(box.short, "КЦСОН Ялуторовского района")
    type_text(box.address, "г. Ялуторовск, ул. Революции, д. 1")
    qtbot.keyClicks(box.postcode, "62701")  # five digits
    type_text(box.phone, "8 (34535) 2-22-22")
    type_text(box.email, "kcson@example.org")
    _click(qtbot, dialog.next_button)
    assert dialog.error_label.text() == "Почтовый индекс — шесть цифр"
    assert load_settings(db).provider_name == ""  # nothing saved
    qtbot.keyClicks(box.postcode, "0")
    _click(qtbot, dialog.next_button)
    assert dialog.step_label.text() == "Шаг 3 из 3. С чего начать"
    assert dialog.next_button.text() == "Готово" and not dialog.later_button.isVisible()
    assert "Сроки считаются с 23.11.2026" in dialog.ready_label.text()
    saved = load_settings(db)
    assert (saved.provider_name, saved.provider_postcode, saved.provider_email) == (
        "АУСОН ТО «КЦСОН Ялуторовского района»",
        "627010",
        "kcson@example.org",
    )
    assert profile.get_profile(db).organisation == saved.provider_name
    assert not needs_first_start(db)
    assert missing_document_details(db, "letters") == ()

    # Back and forth keeps what was saved.
    _click(qtbot, dialog.back_button)
    assert box.name.text() == "АУСОН ТО «КЦСОН Ялуторовского района»"
    _click(qtbot, dialog.next_button)

    # The directory of organisations from a file.
    sheet = _directory_file(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(sheet), ""))
    _click(qtbot, dialog.directory_button)
    assert dialog.actions_label.text() == (
        "Справочник загружен: добавлено организаций 1, обновлено 0."
    )
    names = [row.name for row in directory.list_organisations(db)]
    assert "ГАУ ТО «Центр реабилитации»" in names

    with qtbot.waitSignal(dialog.accepted):
        _click(qtbot, dialog.next_button)  # Готово


def test_the_first_extract_is_imported_from_the_setup(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    extract = tmp_path / "Выписка.xlsx"
    write_demo_extract(extract, rows=6, seed=3, today=TODAY)
    dialog = FirstStartDialog(db, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    _click(qtbot, dialog.next_button)
    _click(qtbot, dialog.next_button)
    _click(qtbot, dialog.import_button)
    wizard = dialog.import_wizard
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    assert wizard.parent() is dialog
    wizard.path_edit.setText(str(extract))
    _click(qtbot, wizard.next_button)  # check the file
    task = wizard.task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running, timeout=20_000)
    qtbot.waitUntil(lambda: wizard.next_button.isEnabled())
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as imported:
        _click(qtbot, wizard.next_button)  # import
    added = imported.args[0].added
    assert added > 0
    assert dialog.actions_label.text() == f"Выписка загружена: добавлено в реестр {added}."
    wizard.close()


def test_put_off_the_window_opens_and_no_duty_from_before_is_overdue(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    db = empty_db

    def put_off() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FirstStartDialog):
            QTimer.singleShot(10, put_off)
            return
        _click(qtbot, dialog.later_button)

    QTimer.singleShot(0, put_off)
    shown = first_start_if_needed(db, today=TODAY)
    assert shown is not None and shown.result() == QDialog.DialogCode.Rejected
    qtbot.addWidget(shown)
    assert needs_first_start(db)  # asked again next time; «Настройки» finish it

    window = _window(qtbot, db, tmp_path)
    overdue = _kinds(window, DueStatus.OVERDUE)
    # Installed today (23.11.2026): neither the report for the first half-year (25.07)
    # nor the October extract (10.11) is the program's to call overdue.
    assert REPORT not in overdue
    assert "Выгрузка сведений из ЕИС СЗН за месяц" not in overdue


def test_a_set_up_database_opens_without_the_setup_and_keeps_its_overdue_report(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    assert first_start_if_needed(db, today=TODAY) is None  # set up, installed in 2024
    window = _window(qtbot, db, tmp_path)
    assert _kinds(window, DueStatus.OVERDUE)[REPORT] == 1  # 2026H1, due 25.07.2026


def _window(qtbot: QtBot, db: Database, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY, settings=settings)
    qtbot.addWidget(window)
    task = window._deadline_task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running)
    return window


def _kinds(window: MainWindow, status: DueStatus) -> dict[str, int]:
    tree = window.deadlines_page.trees[status]
    items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return {item.text(1): int(item.text(0)) for item in items if item is not None}
