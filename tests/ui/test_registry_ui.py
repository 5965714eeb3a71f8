"""The registry grid, the citizen card and the import wizard driven like a consultant would."""

from __future__ import annotations

import csv
import random
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.demo.generator import generate_demo
from app.domain.enums import Source
from app.domain.names import full_name
from app.domain.snils import format_snils, generate_snils
from app.services.registry_grid import COLUMN_KEYS, EntryStatus
from db import models
from db.session import Database
from ui.citizen_dialog import CitizenDialog
from ui.import_wizard import ImportWizard
from ui.main_window import MainWindow
from ui.worker import BackgroundTask, run_with_progress

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo_db(db: Database) -> Database:
    generate_demo(db, 300, seed=5, today=TODAY)
    return db


@pytest.fixture
def window(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(
        demo_db, tmp_path / "ic.log", today=TODAY, settings=settings, start_section="registry"
    )
    qtbot.addWidget(win)
    yield win
    task = win._deadline_task
    if task is not None:
        qtbot.waitUntil(lambda: not task.running)


def _count(db: Database, model: type[models.Base]) -> int:
    with db.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _type(edit: QLineEdit, text: str) -> None:
    """Type character by character (QTest cannot synthesise Cyrillic key presses)."""
    edit.setFocus()
    for char in text:
        edit.insert(char)


def _column(key: str) -> int:
    return COLUMN_KEYS.index(key)


def _shown(win: MainWindow, key: str) -> list[str]:
    model = win.registry_page.model
    return [model.grid_row(r).values[_column(key)] for r in range(model.rowCount())]


# -- the grid ---------------------------------------------------------------------------


def test_search_as_you_type_matches_name_snils_and_phone(
    qtbot: QtBot, window: MainWindow, demo_db: Database
) -> None:
    page = window.registry_page
    total = page.model.rowCount()
    with demo_db.session_factory() as session:
        person = session.execute(
            select(models.Citizen)
            .join(models.RegistryEntry, models.RegistryEntry.citizen_id == models.Citizen.id)
            .where(models.Citizen.snils.is_not(None), models.Citizen.phone.is_not(None))
            .limit(1)
        ).scalar_one()
        name = full_name(person.last_name, person.first_name, person.middle_name)
        snils, phone = person.snils, person.phone
    assert snils is not None and phone is not None

    _type(page.search_edit, person.last_name.upper()[:5])
    assert 0 < page.model.rowCount() < total
    assert all(person.last_name[:5].lower() in n.lower() for n in _shown(window, "name"))

    page.search_edit.clear()
    _type(page.search_edit, format_snils(snils))
    assert _shown(window, "name") == [name]

    page.search_edit.clear()
    _type(page.search_edit, "8" + phone[2:])  # typed the domestic way
    assert name in _shown(window, "name")

    page.search_edit.clear()
    assert page.model.rowCount() == total
    assert page.count_label.text() == f"Показано записей: {total} из {total}"


def test_search_folds_yo_both_ways(qtbot: QtBot, window: MainWindow, demo_db: Database) -> None:
    page = window.registry_page
    dialog = CitizenDialog(demo_db, None, today=TODAY, source=Source.WALK_IN)
    qtbot.addWidget(dialog)
    _fill_eligible(qtbot, dialog, last="Ёлкина", first="Алёна", birth="03.04.1980")
    dialog.save()
    window.refresh()
    for typed in ("елкина ален", "ЁЛКИНА", "Алена ёлк"):
        page.search_edit.setText(typed)
        assert _shown(window, "name") == ["Ёлкина Алёна"], typed


def test_filters_narrow_the_grid_and_reset(qtbot: QtBot, window: MainWindow) -> None:
    page = window.registry_page
    total = page.model.rowCount()

    page.status_combo.setCurrentIndex(page.status_combo.findData(EntryStatus.INFORMING_OVERDUE))
    overdue = page.model.rowCount()
    assert 0 < overdue < total
    rows = [page.model.grid_row(r) for r in range(overdue)]
    assert all(r.status is EntryStatus.INFORMING_OVERDUE and r.overdue for r in rows)
    # Overdue rows stand out.
    index = page.model.index(0, _column("name"))
    assert page.model.data(index, Qt.ItemDataRole.BackgroundRole) is not None

    page.reset_filters()
    assert page.model.rowCount() == total
    month = page.month_combo.itemData(1)
    page.month_combo.setCurrentIndex(1)
    months = set(_shown(window, "month"))
    assert months == {month}

    page.source_combo.setCurrentIndex(page.source_combo.findData(Source.EXTRACT))
    assert set(_shown(window, "source")) <= {"БД"}
    page.category_combo.setCurrentIndex(2)
    assert set(_shown(window, "category")) <= {page.category_combo.currentText()}
    page.district_combo.setCurrentIndex(1)
    district = page.district_combo.currentText()
    shown = page.model.rowCount()
    for r in range(shown):
        citizen = page.model.grid_row(r)
        assert citizen.values[_column("month")] == month
    page.column_actions["district"].setChecked(True)
    assert set(_shown(window, "district")) <= {district}

    page.reset_filters()
    assert page.model.rowCount() == total
    assert page.search_edit.text() == "" and page.month_combo.currentIndex() == 0


def test_clicking_a_header_sorts_in_sql(qtbot: QtBot, window: MainWindow) -> None:
    page = window.registry_page
    header = page.view.horizontalHeader()
    name_column = _column("name")

    page.view.sortByColumn(name_column, Qt.SortOrder.AscendingOrder)
    names = _shown(window, "name")
    assert names == sorted(names, key=lambda n: n.lower().replace("ё", "е"))
    header.sectionClicked.emit(name_column)  # a second click turns the order round
    page.view.sortByColumn(name_column, Qt.SortOrder.DescendingOrder)
    assert _shown(window, "name") == names[::-1] or _shown(window, "name")[0] >= names[-1]

    page.view.sortByColumn(_column("identified_on"), Qt.SortOrder.AscendingOrder)
    days = [date(int(d[6:]), int(d[3:5]), int(d[:2])) for d in _shown(window, "identified_on")]
    assert days == sorted(days)

    page.view.sortByColumn(_column("next_due"), Qt.SortOrder.AscendingOrder)
    dues = _shown(window, "next_due")
    filled = [date(int(d[6:]), int(d[3:5]), int(d[:2])) for d in dues if d]
    assert filled == sorted(filled)
    assert dues[len(filled) :] == [""] * (len(dues) - len(filled))  # no deadline: last


def test_enter_and_double_click_open_the_card(qtbot: QtBot, window: MainWindow) -> None:
    page = window.registry_page
    page.view.setFocus()
    page.view.setCurrentIndex(page.model.index(2, _column("name")))
    expected = page.model.grid_row(2)
    with qtbot.waitSignal(page.open_requested) as signal:
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert signal.args == [expected.citizen_id, expected.entry_id]
    dialogs = window.findChildren(CitizenDialog)
    assert len(dialogs) == 1
    card = dialogs[0]
    assert card.citizen_id == expected.citizen_id
    assert card.title_label.text() == expected.values[_column("name")]
    card.close()

    with qtbot.waitExposed(window):
        window.show()
    rect = page.view.visualRect(page.model.index(0, _column("name")))
    # A double click is press, release, then the double-click event on the same item.
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(page.open_requested):
        qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_column_chooser_hides_and_keeps_one_column(window: MainWindow) -> None:
    page = window.registry_page
    header = page.view.horizontalHeader()
    page.column_actions["snils"].setChecked(True)
    assert not header.isSectionHidden(_column("snils"))
    for action in page.column_actions.values():
        action.setChecked(False)
    assert header.count() - header.hiddenSectionCount() == 1  # never an empty grid


# -- the citizen card -------------------------------------------------------------------


def _fill_eligible(
    qtbot: QtBot, dialog: CitizenDialog, *, last: str, first: str, birth: str, snils: str = ""
) -> None:
    _type(dialog.edits["last_name"], last)
    _type(dialog.edits["first_name"], first)
    _type(dialog.edits["birth_date"], birth)
    if snils:
        _type(dialog.edits["snils"], snils)
    dialog.group_combo.setCurrentIndex(1)  # I группа
    dialog.first_time_combo.setCurrentIndex(1)  # впервые
    dialog.edits["established_on"].setText("01.10.2026")
    dialog.degree_combos["selfcare_degree"].setCurrentIndex(3)  # II степень
    dialog.degree_combos["movement_degree"].setCurrentIndex(1)  # нет ограничения
    dialog.degree_combos["behaviour_degree"].setCurrentIndex(1)


def test_card_validates_as_you_type_and_updates_the_verdict_live(
    qtbot: QtBot, db: Database
) -> None:
    dialog = CitizenDialog(db, None, today=TODAY, source=Source.WALK_IN)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()  # no name yet

    _fill_eligible(qtbot, dialog, last="Иванова", first="Мария", birth="31.02.1980")
    assert "не существует" in dialog.edits["birth_date"].toolTip()
    assert dialog.edits["birth_date"].property("invalid") is True
    assert not dialog.save_button.isEnabled()

    dialog.edits["birth_date"].setText("15.03.1980")
    assert dialog.edits["birth_date"].property("invalid") is False
    assert dialog.save_button.isEnabled()
    assert dialog.verdict_label.text() == "Входит в целевую категорию: инвалид I группы"

    _type(dialog.edits["snils"], "112-233-445 96")
    assert "контрольное число" in dialog.problems_label.text()
    assert not dialog.save_button.isEnabled()
    dialog.edits["snils"].setText("112-233-445 95")
    assert dialog.save_button.isEnabled()

    dialog.edits["established_on"].setText("01.01.1970")
    assert "раньше рождения" in dialog.problems_label.text()
    dialog.edits["established_on"].setText("01.10.2026")
    dialog.edits["review_on"].setText("01.10.2027")  # a future review date is fine
    assert dialog.save_button.isEnabled()
    dialog.edits["established_on"].setText("01.12.2026")
    assert "еще не наступила" in dialog.problems_label.text().replace("ё", "е")
    dialog.edits["established_on"].setText("01.10.2026")

    # 31-р 2.1: the verdict follows every change.
    dialog.flag_boxes["stationary"].setChecked(True)
    assert dialog.verdict_label.text() == "Не входит в целевую категорию"
    assert "стационарном" in dialog.reasons_label.text()
    dialog.flag_boxes["stationary"].setChecked(False)
    dialog.group_combo.setCurrentIndex(3)  # III группа
    assert dialog.verdict_label.text() == "Не входит в целевую категорию"
    dialog.group_combo.setCurrentIndex(1)
    assert dialog.verdict_label.text().startswith("Входит")

    # Phone numbers become +7 when the field is left.
    _type(dialog.edits["phone"], "8 (912) 345-67-89")
    dialog.edits["phone"].editingFinished.emit()
    assert dialog.edits["phone"].text() == "+79123456789"
    dialog.edits["snils"].setText("11223344595")
    dialog.edits["snils"].editingFinished.emit()
    assert dialog.edits["snils"].text() == "112-233-445 95"


def test_walk_in_is_saved_and_entered_in_the_registry(
    qtbot: QtBot, window: MainWindow, demo_db: Database
) -> None:
    before = _count(demo_db, models.RegistryEntry)
    dialog = window.new_citizen(Source.WALK_IN)
    snils = format_snils(generate_snils(random.Random(77)))
    _fill_eligible(qtbot, dialog, last="Петров", first="Игорь", birth="10.10.1970", snils=snils)
    dialog.rep_kind_combo.setCurrentIndex(3)  # уполномоченный представитель
    _type(dialog.edits["rep_last_name"], "Петрова")
    _type(dialog.edits["rep_first_name"], "Анна")
    dialog.measure_boxes[next(iter(dialog.measure_boxes))].setChecked(True)
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    result = saved.args[0]
    assert result.created and result.entry_id is not None
    assert "внесен в реестр за ноябрь 2026" in result.message
    assert _count(demo_db, models.RegistryEntry) == before + 1
    with demo_db.session_factory() as session:
        entry = session.get(models.RegistryEntry, result.entry_id)
        assert entry is not None
        assert entry.source is Source.WALK_IN
        assert entry.identified_on == TODAY and entry.reporting_month == "2026-11"
    # The grid was refreshed: the new person is there, shown with ЛП.
    window.registry_page.search_edit.setText("Петров Игорь")
    assert _shown(window, "source") == ["ЛП"]

    # Opening the card again shows what was saved, with its history.
    card = window.open_citizen(result.citizen_id)
    assert card.edits["snils"].text() == snils
    assert card.edits["rep_last_name"].text() == "Петрова"
    entries = card.history.topLevelItem(0)
    assert entries is not None and entries.childCount() == 1
    assert "ЛП" in entries.child(0).text(1)


def test_same_snils_opens_the_existing_person_instead_of_a_second_record(
    qtbot: QtBot, demo_db: Database
) -> None:
    with demo_db.session_factory() as session:
        existing = session.scalars(
            select(models.Citizen).where(models.Citizen.snils.is_not(None)).limit(1)
        ).one()
        existing_id, snils = existing.id, existing.snils
    assert snils is not None
    people = _count(demo_db, models.Citizen)
    dialog = CitizenDialog(demo_db, None, today=TODAY, source=Source.NGO)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill_eligible(qtbot, dialog, last="Другая", first="Фамилия", birth="01.01.1990")
    _type(dialog.edits["snils"], snils)
    dialog.edits["snils"].editingFinished.emit()
    assert dialog.banner.isVisible()
    assert "уже есть в базе" in dialog.banner_label.text()
    assert not dialog.create_anyway_button.isVisible()

    dialog.save()  # refused as well
    assert _count(demo_db, models.Citizen) == people

    qtbot.mouseClick(dialog.open_found_button, Qt.MouseButton.LeftButton)
    assert dialog.citizen_id == existing_id
    assert dialog.edits["snils"].text() == format_snils(snils)
    assert dialog.source_combo.currentData() == Source.NGO  # kept for "enter in registry"


def test_similar_name_with_same_birth_date_warns_before_creating(
    qtbot: QtBot, demo_db: Database
) -> None:
    with demo_db.session_factory() as session:
        existing = session.scalars(
            select(models.Citizen).where(models.Citizen.birth_date.is_not(None)).limit(1)
        ).one()
        last, first = existing.last_name, existing.first_name
        middle, birth = existing.middle_name or "", existing.birth_date
    assert birth is not None
    people = _count(demo_db, models.Citizen)
    dialog = CitizenDialog(demo_db, None, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    typo = last[:-1] + ("а" if last[-1] != "а" else "о")
    _fill_eligible(qtbot, dialog, last=typo, first=first, birth=birth.strftime("%d.%m.%Y"))
    _type(dialog.edits["middle_name"], middle)
    dialog.save()
    assert dialog.banner.isVisible()
    assert "Похожие записи" in dialog.banner_label.text()
    assert last in dialog.banner_label.text()
    assert _count(demo_db, models.Citizen) == people  # nothing written yet

    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.create_anyway_button, Qt.MouseButton.LeftButton)
    assert _count(demo_db, models.Citizen) == people + 1


# -- the import wizard ------------------------------------------------------------------

HEADINGS = [
    "ФИО",
    "Дата рождения",
    "СНИЛС",
    "Муниципальное образование",
    "Телефон",
    "Группа инвалидности",
    "Дата установления инвалидности",
    "Впервые",
    "Самообслуживание",
    "Передвижение",
    "Контроль за поведением",
    "Мероприятия ИПРА",
    "Дата поступления сведений",
]


def _extract_rows() -> list[list[str]]:
    rng = random.Random(11)
    good = [
        ["Сидоров Петр Ильич", "12.05.1975", "I", "да", "2", "0"],
        ["Кузнецова Ольга Петровна", "01.02.1988", "II", "да", "0", "3"],
        ["Малышев Артём Денисович", "09.09.2018", "ребенок-инвалид", "да", "0", "0"],
        ["Фролов Иван Сергеевич", "03.03.1960", "III", "да", "2", "2"],  # not eligible
    ]
    rows = []
    for name, birth, group, first, selfcare, movement in good:
        rows.append(
            [
                name,
                birth,
                format_snils(generate_snils(rng)),
                "г. Тюмень",
                "8 912 000-11-22",
                group,
                "15.10.2026",
                first,
                selfcare,
                movement,
                "0",
                "медицинская; социальная",
                "05.11.2026",
            ]
        )
    bad_snils = list(rows[0])
    bad_snils[0], bad_snils[2] = "Плохой Снилс Иванович", "112-233-445 96"
    bad_date = list(rows[1])
    bad_date[0], bad_date[2], bad_date[1] = "Неверная Дата Петровна", "", "31.02.1990"
    no_name = list(rows[2])
    no_name[0], no_name[2] = "", ""
    return [*rows, bad_snils, bad_date, no_name]


def _write_xlsx(path: Path, headings: list[str]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Сведения о гражданах, впервые признанных инвалидами"])
    sheet.append([])
    sheet.append(headings)
    for row in _extract_rows():
        sheet.append(row)
    book.save(path)


def _write_csv(path: Path) -> None:
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADINGS)
        writer.writerows(_extract_rows())


def _wait(qtbot: QtBot, wizard: ImportWizard) -> None:
    task = wizard.task
    assert task is not None
    qtbot.waitUntil(lambda: not task.running, timeout=20_000)
    qtbot.waitUntil(lambda: wizard.next_button.isEnabled() or wizard.steps.currentIndex() == 2)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_import_wizard_end_to_end(
    qtbot: QtBot, window: MainWindow, demo_db: Database, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"extract.{kind}"
    if kind == "xlsx":
        _write_xlsx(path, HEADINGS)
        first_data_row = 4  # title, blank line, headings
    else:
        _write_csv(path)
        first_data_row = 2
    people = _count(demo_db, models.Citizen)
    entries = _count(demo_db, models.RegistryEntry)
    wizard = window.import_extract()
    wizard.path_edit.setText(str(path))

    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, wizard)
    assert wizard.steps.currentIndex() == 1
    assert _count(demo_db, models.Citizen) == people  # the check writes nothing
    problems = wizard.problems_table
    rows = {
        problems.item(r, 0).text(): problems.item(r, 2).text() for r in range(problems.rowCount())
    }
    assert set(rows) == {str(first_data_row + i) for i in (4, 5, 6)}
    assert "контрольное число" in rows[str(first_data_row + 4)]
    assert "31.02.1990" in rows[str(first_data_row + 5)]
    assert wizard.not_eligible_table.rowCount() == 1
    assert "III группы" in wizard.not_eligible_table.item(0, 2).text()
    assert "Будет добавлено в реестр: <b>3</b>" in wizard.summary_label.text()

    with qtbot.waitSignal(wizard.imported, timeout=20_000) as imported:
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    result = imported.args[0]
    assert (result.added, result.updated, len(result.not_eligible), result.rejected_rows) == (
        3,
        0,
        1,
        3,
    )
    assert wizard.steps.currentIndex() == 2
    assert "Добавлено в реестр: <b>3</b>" in wizard.done_label.text()
    assert _count(demo_db, models.Citizen) == people + 4
    assert _count(demo_db, models.RegistryEntry) == entries + 3
    # The grid shows the new entries; the import log lists the file with its hash.
    window.registry_page.search_edit.setText("Кузнецова Ольга Петровна")
    assert "БД" in _shown(window, "source")
    log = window.show_import_log()
    assert log.table.item(0, 2).text() == path.name
    assert log.table.item(0, 3).text() == result.sha256
    assert log.table.item(0, 5).text() == "3"
    assert "контрольное число" in log.problems.text()
    log.close()
    wizard.close()

    # The same file again adds nothing.
    again = window.import_extract()
    again.path_edit.setText(str(path))
    qtbot.mouseClick(again.next_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, again)
    assert "уже загружался" in again.summary_label.text()
    # 31-р 3.1.1 (issue #13): the people it entered are in the registry now, each named.
    assert again.check_tabs.tabText(3) == "Уже в реестре (3)"
    assert again.already_table.rowCount() == 3
    assert "повторно в реестр не вносится" in again.already_table.item(0, 2).text()
    with qtbot.waitSignal(again.imported, timeout=20_000):
        qtbot.mouseClick(again.next_button, Qt.MouseButton.LeftButton)
    assert _count(demo_db, models.RegistryEntry) == entries + 3
    again.close()


def test_import_wizard_lets_the_user_map_an_unknown_heading_and_save_it(
    qtbot: QtBot, demo_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "odd.xlsx"
    headings = ["Получатель (полностью)", *HEADINGS[1:]]
    headings[0] = "Ф.И.О. гражданина полностью"
    _write_xlsx(path, headings)
    wizard = ImportWizard(demo_db, today=TODAY, path=path)
    qtbot.addWidget(wizard)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 1, timeout=20_000)
    assert "не найдены столбцы" in wizard.summary_label.text()
    assert not wizard.next_button.isEnabled()  # nothing to import until columns are right
    assert wizard.check_tabs.currentIndex() == 2

    combo = wizard.columns_table.cellWidget(0, 1)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("full_name"))
    wizard.mapping_name_edit.setText("Выписка района")
    qtbot.mouseClick(wizard.save_mapping_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, wizard)
    assert wizard.mapping_combo.currentText() == "Выписка района"
    assert "Будет добавлено в реестр: <b>3</b>" in wizard.summary_label.text()
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as imported:
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert imported.args[0].added == 3

    # The saved mapping is offered next time.
    fresh = ImportWizard(demo_db, today=TODAY)
    qtbot.addWidget(fresh)
    names = [fresh.mapping_combo.itemText(i) for i in range(fresh.mapping_combo.count())]
    assert "Выписка района" in names


def test_a_file_that_cannot_be_read_is_a_message_not_a_crash(
    qtbot: QtBot, demo_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook at all")
    wizard = ImportWizard(demo_db, today=TODAY, path=path)
    qtbot.addWidget(wizard)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.error_label.text() != "", timeout=20_000)
    assert "broken.xlsx" in wizard.error_label.text()
    assert wizard.steps.currentIndex() == 0
    assert wizard.next_button.isEnabled()  # the user can pick another file


# -- background work --------------------------------------------------------------------


def test_cancel_button_stops_the_job_and_the_error_reaches_the_ui_thread(
    qtbot: QtBot, db: Database
) -> None:
    from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    outcome: dict[str, object] = {}

    def job(report: object, cancelled: object) -> str:
        assert callable(report) and callable(cancelled)
        report(1, 10)
        while not cancelled():
            time.sleep(0.001)
        raise RuntimeError("stopped")

    task: BackgroundTask = run_with_progress(
        parent, "Работа…", job, lambda r: outcome.update(done=r), lambda e: outcome.update(err=e)
    )
    dialog = parent.findChild(QProgressDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.maximum() == 10)
    cancel = dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Отменить"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "err" in outcome)
    assert str(outcome["err"]) == "stopped" and "done" not in outcome
    assert not task.running


def test_registry_export_from_the_window_writes_appendix_1(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    month = window.grid_service.choices().months[1]
    out = tmp_path / "registry.xlsx"
    task = window.export_registry_to(month, "xlsx", out)
    qtbot.waitUntil(lambda: not task.running and window.last_export is not None, timeout=20_000)
    assert window.last_export is not None and window.last_export.path == out
    sheet = load_workbook(out).active
    assert sheet is not None
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("Дата выявления граждан из числа целевой категории" in t for t in texts)
    assert "Реестр сохранен" in window.statusBar().currentMessage()

    pdf = tmp_path / "registry.pdf"
    task = window.export_registry_to(month, "pdf", pdf)
    qtbot.waitUntil(lambda: not task.running and window.last_export.path == pdf, timeout=30_000)  # type: ignore[union-attr]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Источник" in text and "личный прием" in text


def test_forming_the_registry_numbers_the_months_entries_in_the_grid(
    qtbot: QtBot, window: MainWindow
) -> None:
    page = window.registry_page
    month = window.grid_service.choices().months[0]  # the current month: not formed yet
    page.month_combo.setCurrentIndex(page.month_combo.findData(month))
    assert set(_shown(window, "number")) == {""}

    window.form_registry_month(month)

    assert "сформирован 23.11.2026" in window.statusBar().currentMessage()
    page.view.sortByColumn(_column("number"), Qt.SortOrder.AscendingOrder)
    numbers = [int(n) for n in _shown(window, "number")]
    assert numbers == list(range(1, len(numbers) + 1))
    days = [date(int(d[6:]), int(d[3:5]), int(d[:2])) for d in _shown(window, "identified_on")]
    assert days == sorted(days)  # numbered in the order the data arrived (31-р 3.2)


def test_call_route_and_plan_open_for_the_selected_entry(window: MainWindow) -> None:
    page = window.registry_page
    page.view.setCurrentIndex(page.model.index(0, _column("name")))
    name = page.model.grid_row(0).values[_column("name")]
    call = window.call_selected()
    assert call is not None and call.context.person == name
    call.close()
    route = window.route_selected()
    assert route is not None and route.table.rowCount() >= 7
    route.close()
    plan = window.plan_selected()
    assert plan is not None and name in plan.windowTitle()
    plan.close()


def test_re_forming_a_printed_month_asks_before_renumbering(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, unsaved_box: Any
) -> None:
    """Issue #12: re-forming silently renumbered a registry already printed."""
    from app.domain.enums import DisabilityGroup, Source
    from app.services.citizens import CitizenForm, save_citizen

    page = window.registry_page
    month = window.grid_service.choices().months[0]
    window.form_registry_month(month)
    task = window.export_registry_to(month, "xlsx", tmp_path / "printed.xlsx")
    qtbot.waitUntil(lambda: not task.running and window.last_export is not None, timeout=20_000)
    # A walk-in who came on the 1st is entered after printing: forming again would move
    # everyone after her.
    first_day = date(int(month[:4]), int(month[5:]), 1)
    save_citizen(
        window._db,
        CitizenForm(
            last_name="Белова", first_name="Нина", birth_date="01.01.1960", snils="112-233-445 95",
            group=DisabilityGroup.GROUP_I, established_on="01.10.2026", first_time=True,
            selfcare_degree=2, movement_degree=0, behaviour_degree=0,
        ),
        source=Source.WALK_IN,
        identified_on=first_day,
        today=date(2026, 11, 23),
    )  # fmt: skip
    page.month_combo.setCurrentIndex(page.month_combo.findData(month))
    before = sorted(_shown(window, "number"))
    unsaved_box.next("Не менять", name="renumber_printed")
    window.form_registry_month(month)
    assert unsaved_box.asked and "уже напечатан или выгружен" in unsaved_box.asked[0]
    assert sorted(_shown(window, "number")) == before  # nothing renumbered
    unsaved_box.next("Сформировать заново", name="renumber_printed")
    window.form_registry_month(month)
    assert len(unsaved_box.asked) == 2
    assert "" not in _shown(window, "number")
