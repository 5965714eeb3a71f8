"""The organisation directory on a real database file: edit, archive, filter, XLSX exchange."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.domain.enums import Department, MeasureKind
from app.errors import BadFileError, NotFoundError, ValidationError
from app.services.directory import (
    SHEET_TITLE,
    ContactForm,
    OrganisationForm,
    export_directory_xlsx,
    import_directory_xlsx,
    list_organisations,
    load_organisation,
    save_organisation,
    set_archived,
    validate_organisation,
)
from db import models
from db.session import Database, open_database

CENTRE = OrganisationForm(
    name="АУ СОН ТО «Областной реабилитационный центр»",
    department=Department.SOCIAL_PROTECTION,
    short_name="ОРЦ",
    district="г. Тюмень",
    address="г. Тюмень, ул. Пархоменко, д. 41",
    postcode="625000",
    email="orc@example.ru",
    website="https://orc.example.ru",
    hours="пн-пт 8:00-17:00",
    phone="+7 3452 123456",
    note="Приём по записи",
    services=(
        (MeasureKind.SOCIAL, "социально-бытовая реабилитация"),
        (MeasureKind.PSYCHO_PEDAGOGICAL, "консультация психолога"),
        (None, "пункт проката ТСР"),
    ),
    contacts=(
        ContactForm("Петрова Анна Сергеевна", "заведующий отделением, врач", "+73452111111", ""),
        ContactForm("Сидоров Олег Игоревич", "", "", "sidorov@example.ru"),
        ContactForm("Лаптева Ирина", "специалист"),
    ),
)
FUND = OrganisationForm(
    name="Благотворительный фонд «Доброе дело»",
    department=Department.CHARITY,
    email="fund@example.org",
)
CLINIC = OrganisationForm(
    name="ГБУЗ ТО «Областная больница N 4»",
    department=Department.HEALTH,
    district="Ишимский муниципальный округ",
    phone="+7 34551 22222",
    services=((MeasureKind.MEDICAL, "медицинская реабилитация"),),
)


def _org_count(db: Database) -> int:
    with db.session_factory() as session:
        return int(session.scalar(select(func.count(models.Organisation.id))) or 0)


def _audit_actions(db: Database) -> list[str]:
    with db.session_factory() as session:
        return list(session.scalars(select(models.AuditEvent.action)))


def test_save_and_load_round_trip(db: Database) -> None:
    org_id = save_organisation(db, CENTRE)
    assert load_organisation(db, org_id) == CENTRE
    assert "organisation.create" in _audit_actions(db)


def test_update_replaces_services_and_contacts(db: Database) -> None:
    org_id = save_organisation(db, CENTRE)
    changed = OrganisationForm(
        name=CENTRE.name,
        department=Department.SOCIAL_PROTECTION,
        district="Тюмень",  # the reference spelling is stored
        services=((MeasureKind.SPORT, "адаптивная физкультура"),),
        contacts=(ContactForm("Новикова Елена"),),
    )
    assert save_organisation(db, changed, org_id) == org_id
    loaded = load_organisation(db, org_id)
    assert loaded.services == ((MeasureKind.SPORT, "адаптивная физкультура"),)
    assert loaded.contacts == (ContactForm("Новикова Елена"),)
    assert loaded.district == "г. Тюмень"
    assert loaded.email == ""
    assert _org_count(db) == 1
    assert "organisation.update" in _audit_actions(db)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "  "}, "name", "Наименование"),
        ({"email": "orc@"}, "email", "Электронная почта"),
        ({"email": "orc example.ru"}, "email", "e-mail"),
        ({"website": "не сайт"}, "website", "сайт"),
        ({"website": "http://"}, "website", "сайт"),
        ({"postcode": "6250"}, "postcode", "индекс"),
        ({"services": ((None, " "),)}, "services", "Услуга 1"),
        ({"contacts": (ContactForm(""),)}, "contacts", "Контакт 1"),
        ({"contacts": (ContactForm("Иванова", email="x@"),)}, "contacts", "e-mail"),
    ],
)
def test_validation_names_the_field(
    db: Database, changes: dict[str, object], field: str, words: str
) -> None:
    form = OrganisationForm(**{**CENTRE.__dict__, **changes})
    problems = validate_organisation(form)
    assert [f for f, _ in problems] == [field]
    assert words in problems[0][1]
    with pytest.raises(ValidationError, match=words):
        save_organisation(db, form)
    assert _org_count(db) == 0


@pytest.mark.parametrize("website", ["https://orc.example.ru/", "www.orc.ru", "социум72.рф"])
def test_usual_websites_are_accepted(website: str) -> None:
    assert validate_organisation(OrganisationForm(**{**CENTRE.__dict__, "website": website})) == ()


def test_archive_hides_from_the_list_and_restore_brings_back(db: Database) -> None:
    org_id = save_organisation(db, CENTRE)
    save_organisation(db, FUND)
    set_archived(db, org_id, True)
    assert [r.name for r in list_organisations(db)] == [FUND.name]
    rows = list_organisations(db, include_archived=True)
    assert [(r.name, r.archived) for r in rows] == [(CENTRE.name, True), (FUND.name, False)]
    assert load_organisation(db, org_id).archived
    set_archived(db, org_id, False)
    assert len(list_organisations(db)) == 2
    assert {"organisation.archive", "organisation.restore"} <= set(_audit_actions(db))
    with pytest.raises(NotFoundError):
        set_archived(db, 999, True)


def test_filters(db: Database) -> None:
    centre = save_organisation(db, CENTRE)
    fund = save_organisation(db, FUND)
    clinic = save_organisation(db, CLINIC)

    def ids(**kwargs: object) -> list[int]:
        return [r.organisation_id for r in list_organisations(db, **kwargs)]  # type: ignore[arg-type]

    assert ids() == [centre, fund, clinic]  # by name
    assert ids(text="доброе") == [fund]  # Cyrillic, any case
    assert ids(text="орц") == [centre]  # the short name
    assert ids(text="ОБЛАСТНОЙ") == [centre]
    assert ids(department=Department.CHARITY) == [fund]
    assert ids(district="Ишимский район") == [clinic]
    assert ids(district="") == [fund]  # region-wide
    assert ids(kind=MeasureKind.MEDICAL) == [clinic]
    assert ids(kind=MeasureKind.SOCIAL, district="Тюмень") == [centre]
    row = list_organisations(db, text="ОРЦ")[0]
    assert row.department == "социальная защита"
    assert row.kinds == "психолого-педагогическая, социальная"
    assert (row.phone, row.email, row.sample, row.archived) == (
        CENTRE.phone,
        CENTRE.email,
        False,
        False,
    )


def test_demo_organisations_are_shown_as_samples(db: Database) -> None:
    from app.demo.generator import generate_demo

    generate_demo(db, 5, 1)
    rows = list_organisations(db)
    assert rows and all(r.sample for r in rows)
    assert any(r.department == Department.NGO.label for r in rows)
    save_organisation(db, FUND)
    assert not next(r for r in list_organisations(db, text="Доброе")).sample


def test_xlsx_round_trip_into_an_empty_database(db: Database, tmp_path: Path) -> None:
    forms = [CENTRE, FUND, CLINIC]
    for form in forms:
        save_organisation(db, form)
    set_archived(db, list_organisations(db, text="Доброе")[0].organisation_id, True)
    out = tmp_path / "справочник.xlsx"
    assert export_directory_xlsx(db, out) == 3

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SHEET_TITLE]
    sheet = book[SHEET_TITLE]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Наименование"
    values = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)
    }
    centre = values[CENTRE.name]
    assert centre["Услуги (вид: услуга; ...)"] == (
        "социальная: социально-бытовая реабилитация; "
        "психолого-педагогическая: консультация психолога; пункт проката ТСР"
    )
    assert centre["Контакты (ФИО, должность, телефон, e-mail; ...)"] == (
        "Петрова Анна Сергеевна, заведующий отделением, врач, +73452111111, ; "
        "Сидоров Олег Игоревич, , , sidorov@example.ru; Лаптева Ирина, специалист"
    )
    assert values[FUND.name]["В архиве"] == "да"
    assert centre["Ведомственная принадлежность"] == "социальная защита"

    empty = open_database(tmp_path / "other.sqlite")
    try:
        result = import_directory_xlsx(empty, out)
        assert (result.added, result.updated, result.problems) == (3, 0, ())
        imported = {r.name: r for r in list_organisations(empty, include_archived=True)}
        assert set(imported) == {f.name for f in forms}
        for form in forms:
            loaded = load_organisation(empty, imported[form.name].organisation_id)
            expected = form.__class__(**{**form.__dict__, "archived": form is FUND})
            assert loaded == expected
        # Importing the same file again updates, matched by name and district.
        again = import_directory_xlsx(empty, out)
        assert (again.added, again.updated) == (0, 3)
        assert len(list_organisations(empty, include_archived=True)) == 3
        # And exporting again gives the same sheet.
        second = tmp_path / "again.xlsx"
        export_directory_xlsx(empty, second)
        rows_a = list(openpyxl.load_workbook(out)[SHEET_TITLE].iter_rows(values_only=True))
        rows_b = list(openpyxl.load_workbook(second)[SHEET_TITLE].iter_rows(values_only=True))
        assert rows_a == rows_b
    finally:
        empty.close()


def test_import_updates_the_organisation_of_the_same_name_and_district(
    db: Database, tmp_path: Path
) -> None:
    org_id = save_organisation(db, CLINIC)
    out = tmp_path / "d.xlsx"
    export_directory_xlsx(db, out)
    book = openpyxl.load_workbook(out)
    sheet = book[SHEET_TITLE]
    sheet["G2"] = "+7 34551 33333"  # Телефон
    sheet.append(["Новая организация", "", "иные организации"])
    book.save(out)
    result = import_directory_xlsx(db, out)
    assert (result.added, result.updated) == (1, 1)
    assert load_organisation(db, org_id).phone == "+7 34551 33333"


def test_import_with_a_bad_row_names_row_and_column_and_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    save_organisation(db, CENTRE)
    out = tmp_path / "d.xlsx"
    export_directory_xlsx(db, out)
    book = openpyxl.load_workbook(out)
    sheet = book[SHEET_TITLE]
    sheet["H2"] = "не почта"  # Электронная почта of the centre
    sheet.append(["Фонд", "", "министерство магии"])
    sheet.append(["", "", "образование"])
    book.save(out)
    before = load_organisation(db, list_organisations(db)[0].organisation_id)

    result = import_directory_xlsx(db, out)
    assert not result.written
    assert (result.added, result.updated) == (0, 0)
    texts = [str(p) for p in result.problems]
    assert texts[0].startswith("строка 2, столбец «Электронная почта»: ")
    assert "не похожа на адрес e-mail" in texts[0]
    assert texts[1].startswith("строка 3, столбец «Ведомственная принадлежность»: ")
    assert "министерство магии" in texts[1]
    assert texts[2].startswith("строка 4, столбец «Наименование»: ")
    assert _org_count(db) == 1
    assert load_organisation(db, list_organisations(db)[0].organisation_id) == before
    assert "directory.import" not in _audit_actions(db)


def test_import_bad_files(db: Database, tmp_path: Path) -> None:
    with pytest.raises(BadFileError, match="не найден"):
        import_directory_xlsx(db, tmp_path / "нет.xlsx")
    text = tmp_path / "d.xlsx"
    text.write_text("не книга", encoding="utf-8")
    with pytest.raises(BadFileError, match="не является книгой Excel"):
        import_directory_xlsx(db, text)
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "Лист1"
    book.save(text)
    with pytest.raises(BadFileError, match=f"нет листа «{SHEET_TITLE}»"):
        import_directory_xlsx(db, text)
    book.active.title = SHEET_TITLE
    book.active.append(["Наименование", "Адрес"])
    book.save(text)
    with pytest.raises(BadFileError, match="нет столбца «Ведомственная принадлежность»"):
        import_directory_xlsx(db, text)


def test_cli_export_and_import(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import EXIT_OK, EXIT_USER_ERROR, main

    save_organisation(db, CENTRE)
    out = tmp_path / "d.xlsx"
    assert main(["--db", str(db.path), "directory", "export", "--out", str(out)]) == EXIT_OK
    assert "1" in capsys.readouterr().out
    other = tmp_path / "other.sqlite"
    shutil.copyfile(db.path, other)
    assert main(["--db", str(db.path), "directory", "import", str(out)]) == EXIT_OK
    assert "обновлено 1" in capsys.readouterr().out

    book = openpyxl.load_workbook(out)
    book[SHEET_TITLE]["C2"] = "министерство магии"
    book.save(out)
    assert main(["--db", str(db.path), "directory", "import", str(out)]) == EXIT_USER_ERROR
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ошибка: ")
    assert "строка 2, столбец «Ведомственная принадлежность»" in captured.out

    missing = tmp_path / "нет.xlsx"
    assert main(["--db", str(db.path), "directory", "import", str(missing)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "не найден" in err[0]


def test_an_organisations_phone_is_a_full_number_with_its_code() -> None:
    """Issue #12: an organisation with phone «123» was accepted."""
    from app.domain.enums import Department
    from app.services.directory import ContactForm, OrganisationForm, validate_organisation

    def problems(phone: str, contact_phone: str = "") -> dict[str, str]:
        form = OrganisationForm(
            name="МАУ «Центр»",
            department=Department.SOCIAL_PROTECTION,
            phone=phone,
            contacts=(ContactForm("Иванова Мария Петровна", "", contact_phone, ""),),
        )
        return dict(validate_organisation(form))

    assert "не полный номер" in problems("123")["phone"]
    assert "не полный номер" in problems("2-22-22")["phone"]
    assert problems("+7 3452 22-22-22 доб. 123") == {}
    assert problems("8 (3452) 22-22-22; 8 800 100-00-00") == {}
    assert "Контакт 1: телефон «45-67»" in problems("", "45-67")["contacts"]
