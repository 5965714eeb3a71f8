"""Importing monthly extracts (31-р 3.1.1) from real XLSX and CSV files into a real database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.demo.extract import write_demo_extract
from app.domain.enums import DisabilityGroup, MeasureKind, Source
from app.errors import BadFileError
from app.services import extract_parse as xp
from app.services.extract_import import (
    ImportCancelledError,
    import_extract,
    load_mapping,
    save_mapping,
)
from db import models
from db.session import Database

TODAY = date(2026, 11, 23)


def _counts(db: Database) -> dict[str, int]:
    with db.session_factory() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (
                models.Citizen,
                models.RegistryEntry,
                models.ImportBatch,
                models.DisabilityAssessment,
                models.RehabMeasure,
            )
        }


@pytest.mark.db  # SQLite and PostgreSQL (issue #15)
def test_demo_extract_imports_and_rejects_exactly_the_planted_rows(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "extract.xlsx"
    summary = write_demo_extract(path, rows=300, seed=4, today=TODAY, month=(2026, 10))
    result = import_extract(db, path, today=TODAY)

    assert result.rows_total == 300
    assert sorted({p.row for p in result.rejected}) == [row for row, _ in summary.bad_rows]
    accepted = 300 - result.rejected_rows
    assert result.added + len(result.not_eligible) == accepted
    assert result.updated == 0
    counts = _counts(db)
    assert counts["citizen"] == accepted
    assert counts["registry_entry"] == result.added
    assert counts["import_batch"] == 1
    with db.session_factory() as session:
        entries = session.scalars(select(models.RegistryEntry)).all()
        assert {e.source for e in entries} == {Source.EXTRACT}
        assert {e.reporting_month for e in entries} == {"2026-10"}  # month the data arrived
        assert all(e.entered_on == TODAY and e.import_batch_id == result.batch_id for e in entries)
        batch = session.get(models.ImportBatch, result.batch_id)
        assert batch is not None
        assert (batch.added, batch.rejected, batch.rows_total) == (result.added, 4, 300)
        assert batch.sha256 == result.sha256 and len(batch.sha256) == 64
        assert batch.problems and "СНИЛС" in batch.problems
    for reason in result.not_eligible:
        assert "31-р, п. 2.1" in reason.reasons


@pytest.mark.db  # SQLite and PostgreSQL (issue #15)
def test_the_same_file_twice_adds_nothing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "extract.xlsx"
    write_demo_extract(path, rows=120, seed=8, today=TODAY)
    first = import_extract(db, path, today=TODAY)
    before = _counts(db)
    second = import_extract(db, path, today=TODAY)
    after = _counts(db)
    assert second.same_file_before and not first.same_file_before
    assert second.added == 0
    assert (second.updated, second.unchanged) == (0, 120 - first.rejected_rows)
    assert {k: v for k, v in after.items() if k != "import_batch"} == {
        k: v for k, v in before.items() if k != "import_batch"
    }


@pytest.mark.db  # SQLite and PostgreSQL (issue #15)
def test_dry_run_and_cancel_leave_the_database_as_it_was(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "extract.xlsx"
    write_demo_extract(path, rows=80, seed=9, today=TODAY)
    before = _counts(db)
    result = import_extract(db, path, today=TODAY, dry_run=True)
    assert result.added > 0 and result.batch_id is None
    assert _counts(db) == before

    # Cancel is asked once per percent of progress, about 35 times for these 80 rows.
    calls = iter(range(1000))
    with pytest.raises(ImportCancelledError, match="база данных не изменена"):
        import_extract(db, path, today=TODAY, cancelled=lambda: next(calls) >= 20)
    assert _counts(db) == before


def _write_csv(path: Path, lines: list[str], encoding: str) -> None:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


@pytest.mark.db  # SQLite and PostgreSQL (issue #15)
def test_csv_in_windows_1251_with_a_title_above_the_header(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "выписка.csv"
    _write_csv(
        path,
        [
            "Сведения об инвалидах за октябрь 2026 г.;;;;;;;;;;;",
            ";;;;;;;;;;;",
            "Фамилия;Имя;Отчество;Дата рождения;С.Н.И.Л.С.;Группа инвалидности;Впервые;"
            "Самообслуживание;Передвижение;Мероприятия ИПРА;Муниципальное образование;"
            "Дата поступления сведений",
            "Ёлкина;Анна;Петровна;05.06.1980;112-233-445 95;вторая;+;II степень;0;"
            "мед., соц;Тюменский р-н;12.10.2026",
            "Петров;Иван;Ильич;01.01.1970;;3;да;3;3;;г. Тюмень;12.10.2026",
            "Сидоров;Олег;;10.10.1990;;пятая;да;2;2;;;12.10.2026",
            "Кузнецов;Пётр;;10.10.1990;;I;да;2;2;;;12.12.2026",
        ],
        "cp1251",
    )
    result = import_extract(db, path, today=TODAY)
    assert result.added == 1
    assert [n.person for n in result.not_eligible] == ["Петров Иван Ильич"]  # group III
    problems = {(p.row, p.field) for p in result.rejected}
    assert problems == {(6, "Группа инвалидности"), (7, "Дата поступления сведений")}
    assert "пятая" in str(result.rejected[0])
    with db.session_factory() as session:
        citizen = session.scalar(select(models.Citizen).where(models.Citizen.snils.is_not(None)))
        assert citizen is not None
        assert citizen.search_name == "елкина анна петровна"
        assert citizen.district == "Тюменский муниципальный округ"
        assessment = citizen.assessments[0]
        assert assessment.disability_group is DisabilityGroup.GROUP_II
        assert (assessment.selfcare_degree, assessment.movement_degree) == (2, 0)
        kinds = [m.kind for m in citizen.programmes[0].measures]
        assert kinds == [MeasureKind.MEDICAL, MeasureKind.SOCIAL]


@pytest.mark.db  # SQLite and PostgreSQL (issue #15)
def test_saved_mapping_maps_an_unusual_heading(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    _write_csv(
        path,
        [
            "Получатель,Родился,Группа инвалидности,Впервые,Самообслуживание,Передвижение",
            "Иванова Мария Ивановна,01.02.1985,I,да,2,0",
        ],
        "utf-8",
    )
    with pytest.raises(BadFileError, match="Дата рождения"):
        import_extract(db, path, today=TODAY)
    save_mapping(db, "Район А", {"Родился": "birth_date"})
    assert load_mapping(db, "Район А") == {"Родился": "birth_date"}
    result = import_extract(db, path, today=TODAY, mapping_name="Район А", received=TODAY)
    assert result.added == 1


def test_unreadable_files_are_one_clear_error(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(BadFileError, match="broken.xlsx"):
        import_extract(db, broken)
    no_header = tmp_path / "empty.csv"
    no_header.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(BadFileError, match="строка заголовков"):
        import_extract(db, no_header)
    assert _counts(db)["import_batch"] == 0

    code = main(["--db", str(db.path), "import-extract", str(broken)])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert len(err.strip().splitlines()) == 1


def test_cli_prints_counts_and_each_rejected_row(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "extract.xlsx"
    summary = write_demo_extract(path, rows=200, seed=2, today=TODAY)
    argv = ["--db", str(db.path), "import-extract", str(path), "--today", TODAY.isoformat()]
    assert main(argv) == EXIT_OK
    out = capsys.readouterr().out
    assert "добавлено в реестр:" in out
    for row, _ in summary.bad_rows:
        assert f"строка {row}, " in out


@given(st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=False)))
def test_cell_parsers_answer_or_raise_value_error_only(value: object) -> None:
    for parser in (xp.parse_group, xp.parse_degree, xp.parse_flag, xp.parse_sex, xp.parse_phone):
        try:
            parser(value)
        except ValueError as exc:
            assert str(exc)
    try:
        xp.parse_cell_date(value, "дата")
    except ValueError as exc:
        assert str(exc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8 (912) 345-67-89", "+79123456789"), ("+7 912 345 67 89", "+79123456789"),
     ("9123456789", "+79123456789"), ("", None)],
)  # fmt: skip
def test_phone_numbers_are_normalised_to_plus_7(text: str, expected: str | None) -> None:
    assert xp.parse_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "group"),
    [("I", DisabilityGroup.GROUP_I), ("1", DisabilityGroup.GROUP_I),
     ("первая", DisabilityGroup.GROUP_I), ("II группа", DisabilityGroup.GROUP_II),
     ("3", DisabilityGroup.GROUP_III), ("ребёнок-инвалид", DisabilityGroup.CHILD)],
)  # fmt: skip
def test_group_spellings_of_design_4(text: str, group: DisabilityGroup) -> None:
    assert xp.parse_group(text) is group


def _extract_with_one_of_each(path: Path) -> Path:
    _write_csv(
        path,
        [
            "Фамилия;Имя;Отчество;Дата рождения;СНИЛС;Группа инвалидности;Впервые;"
            "Самообслуживание;Передвижение;Дата поступления сведений",
            "Ёлкина;Анна;Петровна;05.06.1980;112-233-445 95;вторая;да;2;0;12.10.2026",
            "Петров;Иван;Ильич;01.01.1970;;3;да;0;0;12.10.2026",
            "Сидоров;Олег;;10.10.1990;;пятая;да;2;2;12.10.2026",
        ],
        "utf-8",
    )
    return path


def test_cli_names_each_person_left_out_of_the_target_category_2_1_and_writes_a_report(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #13: «не входят в целевую категорию: 17» named nobody; --report keeps it all."""
    path = _extract_with_one_of_each(tmp_path / "выписка.csv")
    report = tmp_path / "отчёт.xlsx"
    argv = ["--db", str(db.path), "import-extract", str(path), "--today", "23.11.2026"]
    assert main([*argv, "--report", str(report)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "не входят в целевую категорию: 1" in out
    excluded = next(line for line in out.splitlines() if "Петров Иван Ильич" in line)
    assert excluded.strip().startswith("строка 3, Петров Иван Ильич: ")
    assert "III" in excluded  # the reason: group III without the degrees of 2.1
    assert f"Отчёт о загрузке записан в {report}" in out

    book = load_workbook(report)
    problems = list(book["Замечания"].iter_rows(min_row=7, values_only=True))
    assert [(r[1], r[2]) for r in problems] == [(4, "Группа инвалидности")]
    assert "пятая" in str(problems[0][3]) and problems[0][4] == "да"
    assert book.sheetnames == ["Замечания", "Не входят в категорию", "Уже в реестре"]
    people = list(book["Не входят в категорию"].iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[2]) for r in people] == [(3, "Петров Иван Ильич")]
    assert "III" in str(people[0][3])
    with db.session_factory() as session:
        actions = session.scalars(select(models.AuditEvent.action)).all()
    assert "extract.report.export" in actions


@pytest.mark.parametrize("name", ["отчёт.pdf", "нет/такой/папки/отчёт.xlsx"])
def test_a_report_that_cannot_be_written_is_told_before_the_import_writes_anything(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = _extract_with_one_of_each(tmp_path / "выписка.csv")
    before = _counts(db)
    argv = ["--db", str(db.path), "import-extract", str(path), "--today", "23.11.2026"]
    assert main([*argv, "--report", str(tmp_path / name)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith("ошибка: ") and err.count("\n") == 1, err
    assert _counts(db) == before
