"""Issue #12: the first start of a new database and the details every document prints.

Duties that fell due before the program was installed are not listed; a database without
an organisation opens the setup; a route, letters or Appendix 4 are refused while what
they print is blank (31-р Appendices 2 and 4, the covering letter).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from app import clock
from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.domain.deadlines import DeadlineKind, DueStatus
from app.services import maintenance, profile
from app.services.deadlines import due_items
from app.services.settings import (
    document_refusal,
    installation_date,
    load_settings,
    missing_document_details,
    needs_first_start,
    save_settings,
)
from db.session import Database

TODAY = date(2026, 11, 23)  # tests/conftest.py's TEST_NOW
ALL = tuple(DueStatus)
PROVIDER_DUTIES = {
    DeadlineKind.EXTRACT_IMPORT,
    DeadlineKind.REGISTRY_FORMATION,
    DeadlineKind.SEMIANNUAL_REPORT,
}


def _duties(db: Database, on: date) -> dict[DeadlineKind, tuple[date, DueStatus]]:
    return {
        i.kind: (i.due_on, i.status) for i in due_items(db, on, ALL) if i.kind in PROVIDER_DUTIES
    }


def _install_on(db: Database, instant: str) -> None:
    """The first write of the database (`ic init` does this) made at ``instant``."""
    clock.set_clock(clock.ticking_from(clock.parse_instant(instant)))
    try:
        maintenance.initialise(db)
    finally:
        clock.set_clock(clock.ticking_from(clock.parse_instant("2026-11-23T10:00:00+05:00")))


# --- the installation date ---------------------------------------------------------------


def test_installed_today_no_duty_that_fell_due_before_is_listed(empty_db: Database) -> None:
    db = empty_db
    maintenance.initialise(db)  # installed on 23.11.2026
    assert installation_date(db) == TODAY
    # The October extract (10.11), the October registry (15.11) and the report for the
    # first half-year (25.07) were due before the program existed.
    assert _duties(db, TODAY) == {}
    # The November ones fall due after: they are the program's.
    assert _duties(db, date(2026, 12, 11)) == {
        DeadlineKind.EXTRACT_IMPORT: (date(2026, 12, 10), DueStatus.OVERDUE),
        DeadlineKind.REGISTRY_FORMATION: (date(2026, 12, 15), DueStatus.DUE_THIS_WEEK),
    }
    # The report for the second half-year is due on 25.01.2027.
    assert _duties(db, date(2027, 1, 26))[DeadlineKind.SEMIANNUAL_REPORT] == (
        date(2027, 1, 25),
        DueStatus.OVERDUE,
    )


def test_installed_in_2025_the_half_year_report_is_still_overdue(empty_db: Database) -> None:
    db = empty_db
    _install_on(db, "2025-03-03T09:00:00+05:00")
    assert installation_date(db) == date(2025, 3, 3)
    duties = _duties(db, TODAY)
    assert duties[DeadlineKind.SEMIANNUAL_REPORT] == (date(2026, 7, 25), DueStatus.OVERDUE)
    assert duties[DeadlineKind.EXTRACT_IMPORT] == (date(2026, 11, 10), DueStatus.OVERDUE)


def test_a_due_date_on_the_installation_day_is_the_programs(empty_db: Database) -> None:
    db = empty_db
    _install_on(db, "2026-11-10T08:00:00+05:00")  # the day the October extract is due
    assert _duties(db, TODAY) == {
        DeadlineKind.EXTRACT_IMPORT: (date(2026, 11, 10), DueStatus.OVERDUE),
        DeadlineKind.REGISTRY_FORMATION: (date(2026, 11, 15), DueStatus.OVERDUE),
    }


def test_installation_date_is_the_organisations_day(empty_db: Database) -> None:
    db = empty_db
    # 22.11 at 20:00 UTC is already 23.11 in Tyumen (UTC+5).
    _install_on(db, "2026-11-22T20:00:00+00:00")
    assert installation_date(db) == date(2026, 11, 23)


# --- first start -------------------------------------------------------------------------


def test_first_start_is_needed_until_the_organisation_has_a_name(empty_db: Database) -> None:
    db = empty_db
    assert needs_first_start(db)
    profile.update_profile(db, full_name="Петрова Анна Сергеевна")
    assert needs_first_start(db)
    save_settings(db, dataclasses.replace(load_settings(db), provider_name="АУСОН ТО «КЦСОН»"))
    assert not needs_first_start(db)


def test_a_name_given_to_ic_init_is_enough(tmp_path: Path) -> None:
    path = tmp_path / "ic.sqlite"
    assert main(["--db", str(path), "init", "--name", "Петрова А. С."]) == EXIT_OK
    from app.services import access

    db = access.sign_in(path, "petrova", "пароль-для-тестов")
    try:
        assert needs_first_start(db)
    finally:
        db.close()
    assert main(["--db", str(path), "init", "--organisation", "КЦСОН г. Ишима"]) == EXIT_OK
    db = access.sign_in(path, "petrova", "пароль-для-тестов")
    try:
        assert not needs_first_start(db)
    finally:
        db.close()


# --- what each document needs ------------------------------------------------------------


def test_an_empty_database_misses_every_detail(empty_db: Database) -> None:
    db = empty_db
    assert missing_document_details(db, "route") == (
        "Ф.И.О. специалиста",
        "должность специалиста",
        "наименование организации",
        "телефон специалиста",
    )
    assert missing_document_details(db, "report") == ("наименование организации",)
    assert missing_document_details(db, "letters") == (
        "Ф.И.О. специалиста",
        "должность специалиста",
        "наименование организации",
        "адрес организации",
        "почтовый индекс организации",
        "телефон специалиста",
    )
    # Reading wrote nothing: no profile was made just to look.
    assert installation_date(db) == TODAY and needs_first_start(db)
    assert document_refusal(db, "report") == (
        "Нельзя выгрузить отчёт (приложение 4): в настройках не заполнено: "
        "наименование организации."
    )


def test_the_default_profile_name_is_not_a_name(empty_db: Database) -> None:
    db = empty_db
    maintenance.initialise(db)  # the local profile «Интеграционный консультант»
    assert profile.get_profile(db).full_name == "Интеграционный консультант"
    assert "Ф.И.О. специалиста" in missing_document_details(db, "route")
    profile.update_profile(
        db, full_name="Петрова Анна Сергеевна", position="специалист", phone="+7 3452 000000"
    )
    assert missing_document_details(db, "route") == ("наименование организации",)
    assert document_refusal(db, "route") == (
        "Нельзя выдать маршрут: в настройках не заполнено: наименование организации."
    )


def test_letters_take_the_postcode_from_the_address(empty_db: Database) -> None:
    db = empty_db
    profile.update_profile(
        db, full_name="Петрова Анна Сергеевна", position="специалист", phone="+7 3452 000000"
    )
    save_settings(
        db,
        dataclasses.replace(
            load_settings(db),
            provider_name="АУСОН ТО «КЦСОН»",
            provider_address="627010, г. Ялуторовск, ул. Революции, д. 1",
        ),
    )
    assert missing_document_details(db, "letters") == ()
    assert document_refusal(db, "letters") is None


def test_the_suites_database_is_set_up(db: Database) -> None:
    assert missing_document_details(db, "letters") == ()
    assert installation_date(db) == date(2024, 1, 9)


# --- the command line refuses too --------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_refuses_the_report_and_letters_without_the_details(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "ic.sqlite")
    assert _run(capsys, "--db", path, "init", "--name", "Петрова Анна Сергеевна")[0] == EXIT_OK
    out = tmp_path / "report.xlsx"
    code, _, err = _run(
        capsys, "--db", path, "report", "semiannual", "--half", "2026H1", "--format", "xlsx",
        "--out", str(out),
    )  # fmt: skip
    assert code == EXIT_USER_ERROR and not out.exists()
    assert err.count("\n") == 1
    assert "Нельзя выгрузить отчёт (приложение 4): в настройках не заполнено: " in err
    assert "наименование организации" in err and "Настройки" in err
    letters = tmp_path / "post.pdf"
    code, _, err = _run(
        capsys, "--db", path, "dispatch", "post", "--out", str(letters), "--today", "23.11.2026"
    )
    assert code == EXIT_USER_ERROR and not letters.exists()
    assert "Нельзя напечатать письма: в настройках не заполнены: должность специалиста, " in err
    assert "адрес организации, почтовый индекс организации, телефон специалиста" in err

    # With the organisation named the report goes out.
    assert _run(capsys, "--db", path, "init", "--organisation", "КЦСОН г. Ишима")[0] == EXIT_OK
    code, _, err = _run(
        capsys, "--db", path, "report", "semiannual", "--half", "2026H1", "--format", "xlsx",
        "--out", str(out),
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert out.exists()
