"""The demo extract as a real XLSX file: headings, rows, planted mistakes, the `ic` command."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.demo.extract import (
    HEADINGS,
    MISTAKE_BAD_DATE,
    MISTAKE_BAD_SNILS,
    MISTAKE_DUPLICATE,
    MISTAKE_NO_NAME,
    ExtractSummary,
    write_demo_extract,
)
from app.demo.people import PeopleGenerator
from app.domain.dates import parse_date
from app.domain.enums import DisabilityGroup, MeasureKind
from app.domain.snils import is_valid_snils, normalize_snils
from app.errors import BadFileError, InvalidSnilsError, UserError, ValidationError
from app.reference import district_names
from app.services.extract_parse import (
    auto_mapping,
    parse_degree,
    parse_flag,
    parse_group,
    parse_measures,
    parse_row,
)

TODAY = date(2026, 11, 23)
COLUMN = {heading: index for index, heading in enumerate(HEADINGS)}
FIRST_DATA_ROW = 2  # the sheet's row 1 is the header
DUPLICATE = re.compile(r"^повтор человека из строки (\d+)$")
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def read_sheet(path: Path) -> list[tuple[object, ...]]:
    workbook = load_workbook(path, read_only=True)
    try:
        assert workbook.sheetnames == ["Выписка"]
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def cell(rows: list[tuple[object, ...]], sheet_row: int, heading: str) -> object:
    return rows[sheet_row - 1][COLUMN[heading]]


def as_date(value: object) -> date:
    """A date cell as the importer sees it: an Excel date or dd.mm.yyyy text."""
    if isinstance(value, datetime):
        return value.date()
    assert isinstance(value, str), value
    return parse_date(value)


@pytest.fixture(scope="module")
def extract(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ExtractSummary, list[tuple[object, ...]]]:
    """1,000 rows received last month (October 2026): five planted mistakes."""
    path = tmp_path_factory.mktemp("extract") / "extract.xlsx"
    summary = write_demo_extract(path, 1000, seed=2, today=TODAY)
    return summary, read_sheet(summary.path)


# -- the file ----------------------------------------------------------------------------


def test_headings_are_exactly_those_the_importer_knows(
    extract: tuple[ExtractSummary, list[tuple[object, ...]]],
) -> None:
    _, rows = extract
    assert rows[0] == HEADINGS
    assert len(HEADINGS) == 25
    # Every heading is recognised without a saved mapping (DESIGN.md §4), except "№ п/п".
    mapping = auto_mapping(list(HEADINGS))
    assert sorted(mapping.values()) == list(range(1, len(HEADINGS)))


def test_header_cells_are_bold(extract: tuple[ExtractSummary, list[tuple[object, ...]]]) -> None:
    summary, _ = extract
    workbook = load_workbook(summary.path)
    try:
        sheet = workbook["Выписка"]
        assert all(c.font.bold for c in sheet[1])
        assert not sheet["B2"].font.bold
        assert sheet.column_dimensions["B"].width == 36
    finally:
        workbook.close()


def test_one_numbered_row_per_person(
    extract: tuple[ExtractSummary, list[tuple[object, ...]]],
) -> None:
    summary, rows = extract
    assert summary.rows == 1000
    assert len(rows) == 1 + 1000
    assert [r[0] for r in rows[1:]] == list(range(1, 1001))
    assert all(len(r) == len(HEADINGS) for r in rows)
    assert not summary.path.with_name(summary.path.name + ".part").exists()


# -- the planted mistakes ----------------------------------------------------------------


def test_the_summary_lists_five_mistakes_of_every_kind_in_sheet_order(
    extract: tuple[ExtractSummary, list[tuple[object, ...]]],
) -> None:
    summary, _ = extract
    numbers = [row for row, _ in summary.bad_rows]
    assert numbers == sorted(set(numbers))
    assert len(numbers) == 5  # max(4, 1000 // 200)
    assert all(FIRST_DATA_ROW < n <= 1001 for n in numbers)  # the first person is kept clean
    problems = [p for _, p in summary.bad_rows]
    assert problems[:3] == [MISTAKE_BAD_SNILS, MISTAKE_BAD_DATE, MISTAKE_NO_NAME]
    assert DUPLICATE.match(problems[3])
    assert problems[4] == MISTAKE_BAD_SNILS
    assert MISTAKE_DUPLICATE.format(row=7) == "повтор человека из строки 7"


def test_planted_mistakes_are_really_there(
    extract: tuple[ExtractSummary, list[tuple[object, ...]]],
) -> None:
    summary, rows = extract
    bad = dict(summary.bad_rows)
    people = list(PeopleGenerator(2, TODAY).people(1000))
    for row, problem in summary.bad_rows:
        person = people[row - FIRST_DATA_ROW]
        if problem == MISTAKE_BAD_SNILS:
            text = cell(rows, row, "СНИЛС")
            assert isinstance(text, str)
            digits = text.replace("-", "").replace(" ", "")
            # The person's own number with only the check number spoilt.
            assert digits[:9] == person.snils[:9] and digits != person.snils
            assert not is_valid_snils(text)
            with pytest.raises(InvalidSnilsError, match="контрольное число"):
                normalize_snils(text)
        elif problem == MISTAKE_BAD_DATE:
            text = cell(rows, row, "Дата рождения")
            assert text == f"31.02.{person.birth_date.year}"
            with pytest.raises(ValidationError, match="не существует"):
                parse_date(str(text))
        elif problem == MISTAKE_NO_NAME:
            assert cell(rows, row, "ФИО") in (None, "")
            assert cell(rows, row, "СНИЛС") not in (None, "")  # only the name is missing
        else:
            match = DUPLICATE.match(problem)
            assert match, problem
            original = int(match.group(1))
            assert FIRST_DATA_ROW <= original < row
            assert original not in bad, "a duplicate repeats a clean row"
            for heading in ("ФИО", "Дата рождения", "СНИЛС"):
                assert cell(rows, row, heading) == cell(rows, original, heading)
            assert rows[row - 1][1:] == rows[original - 1][1:]
            assert cell(rows, row, "№ п/п") == row - 1  # numbered in place, not copied


def test_clean_rows_hold_valid_values(
    extract: tuple[ExtractSummary, list[tuple[object, ...]]],
) -> None:
    summary, rows = extract
    bad = dict(summary.bad_rows)
    groups: Counter[DisabilityGroup] = Counter()
    spellings: set[object] = set()
    for row in range(FIRST_DATA_ROW, len(rows) + 1):
        if row in bad:
            continue
        assert is_valid_snils(str(cell(rows, row, "СНИЛС")))
        name = cell(rows, row, "ФИО")
        assert isinstance(name, str) and len(name.split()) == 3
        birth = as_date(cell(rows, row, "Дата рождения"))
        group = parse_group(cell(rows, row, "Группа инвалидности"))
        groups[group] += 1
        spellings.add(cell(rows, row, "Группа инвалидности"))
        received = as_date(cell(rows, row, "Дата поступления сведений"))
        assert (group is DisabilityGroup.CHILD) == (
            received.year - birth.year - ((received.month, received.day) < (birth.month, birth.day))
            < 18
        )
        measures = parse_measures(cell(rows, row, "Мероприятия ИПРА"))
        assert measures and all(isinstance(k, MeasureKind) for k in measures)
        for heading in ("Самообслуживание", "Передвижение", "Контроль за поведением"):
            assert parse_degree(cell(rows, row, heading)) in (0, 1, 2, 3)
        for heading in ("Психическое расстройство", "Стационарное учреждение", "Участник СВО"):
            parse_flag(cell(rows, row, heading))
        # A blank "Впервые" would read as "not stated", which the eligibility rules treat
        # as missing data: the demo states it in every row.
        assert cell(rows, row, "Впервые") not in (None, "")
        assert cell(rows, row, "Муниципальное образование") in district_names()
    assert set(groups) == set(DisabilityGroup)
    # The spellings real extracts mix all appear.
    assert {"I", "II", "III"} <= spellings or {"1", "2", "3"} <= spellings
    assert spellings & {"ребенок-инвалид", "ребёнок-инвалид", "РИ"}
    assert len(spellings) >= 10


def test_clean_rows_read_back_as_the_people_generated(
    extract: tuple[ExtractSummary, list[tuple[object, ...]]],
) -> None:
    """The importer's own reading of every clean row gives back the generated person."""
    summary, rows = extract
    bad = dict(summary.bad_rows)
    mapping = auto_mapping(list(HEADINGS))
    people = list(PeopleGenerator(2, TODAY).people(1000))
    for row in range(FIRST_DATA_ROW, len(rows) + 1):
        result = parse_row(row, list(rows[row - 1]), mapping, TODAY)
        if row in bad:
            if not bad[row].startswith("повтор"):
                assert isinstance(result, list) and result, (row, bad[row])
            continue
        assert not isinstance(result, list), [str(p) for p in result]
        p = people[row - FIRST_DATA_ROW]
        assert (result.last_name, result.first_name, result.middle_name) == (
            p.last_name,
            p.first_name,
            p.middle_name,
        )
        assert result.birth_date == p.birth_date
        assert result.sex is p.sex
        assert result.snils == p.snils
        assert result.district == p.district
        assert result.group is p.group
        assert result.established_on == p.disability_established_on
        assert result.first_time is p.first_time
        assert (result.selfcare_degree, result.movement_degree, result.behaviour_degree) == (
            p.selfcare_degree,
            p.movement_degree,
            p.behaviour_degree,
        )
        assert (result.mental_disorder, result.stationary, result.veteran_svo) == (
            p.mental_disorder,
            p.stationary,
            p.veteran_svo,
        )
        assert (result.ipra_number, result.ipra_date) == (p.ipra_number, p.ipra_date)
        assert result.measures == p.measures
        assert result.phone == p.phone and result.email == p.email
        assert result.received_on == p.received_on


@pytest.mark.parametrize("rows", [1, 4])
def test_too_few_rows_for_mistakes_are_all_clean(tmp_path: Path, rows: int) -> None:
    summary = write_demo_extract(tmp_path / "small.xlsx", rows, seed=1, today=TODAY)
    assert summary.bad_rows == ()
    sheet = read_sheet(summary.path)
    assert len(sheet) == rows + 1
    assert all(is_valid_snils(str(r[COLUMN["СНИЛС"]])) for r in sheet[1:])


def test_five_rows_get_one_mistake_of_each_kind(tmp_path: Path) -> None:
    summary = write_demo_extract(tmp_path / "five.xlsx", 5, seed=3, today=TODAY)
    assert [row for row, _ in summary.bad_rows] == [3, 4, 5, 6]
    problems = [p for _, p in summary.bad_rows]
    assert problems[:3] == [MISTAKE_BAD_SNILS, MISTAKE_BAD_DATE, MISTAKE_NO_NAME]
    assert problems[3] == MISTAKE_DUPLICATE.format(row=2)  # the only clean row left
    sheet = read_sheet(summary.path)
    assert sheet[5][1:] == sheet[1][1:]


# -- the month the data arrived ----------------------------------------------------------


def received_dates(path: Path) -> set[date]:
    return {as_date(r[COLUMN["Дата поступления сведений"]]) for r in read_sheet(path)[1:]}


def test_by_default_the_data_arrived_last_month(
    extract: tuple[ExtractSummary, list[tuple[object, ...]]],
) -> None:
    summary, _ = extract
    days = received_dates(summary.path)
    assert min(days) >= date(2026, 10, 1) and max(days) <= date(2026, 10, 31)


def test_a_past_month_bounds_the_dates(tmp_path: Path) -> None:
    summary = write_demo_extract(tmp_path / "june.xlsx", 300, seed=5, today=TODAY, month=(2025, 6))
    days = received_dates(summary.path)
    assert min(days) == date(2025, 6, 1) and max(days) == date(2025, 6, 30)


def test_december_ends_on_the_31st(tmp_path: Path) -> None:
    summary = write_demo_extract(tmp_path / "dec.xlsx", 300, seed=5, today=TODAY, month=(2025, 12))
    days = received_dates(summary.path)
    assert min(days) == date(2025, 12, 1) and max(days) == date(2025, 12, 31)


def test_the_current_month_stops_at_today(tmp_path: Path) -> None:
    # The importer rejects a date in the future: a demo must never contain one.
    path = tmp_path / "now.xlsx"
    write_demo_extract(path, 300, seed=5, today=TODAY, month=(2026, 11))
    days = received_dates(path)
    assert min(days) >= date(2026, 11, 1) and max(days) == TODAY
    for row in read_sheet(path)[1:]:
        for heading in ("Дата установления инвалидности", "Дата ИПРА"):
            assert as_date(row[COLUMN[heading]]) <= TODAY


@pytest.mark.parametrize(
    ("month", "words"),
    [((2026, 12), "ещё не наступил"), ((2027, 1), "ещё не наступил"), ((2026, 13), "от 1 до 12")],
)
def test_a_month_that_cannot_be_is_refused(
    tmp_path: Path, month: tuple[int, int], words: str
) -> None:
    path = tmp_path / "future.xlsx"
    with pytest.raises(BadFileError, match=words):
        write_demo_extract(path, 10, seed=1, today=TODAY, month=month)
    assert list(tmp_path.iterdir()) == []


# -- repeatability -----------------------------------------------------------------------


def test_the_same_seed_writes_the_same_content(tmp_path: Path) -> None:
    a = write_demo_extract(tmp_path / "a.xlsx", 200, seed=11, today=TODAY)
    b = write_demo_extract(tmp_path / "b.xlsx", 200, seed=11, today=TODAY)
    assert read_sheet(a.path) == read_sheet(b.path)
    assert a.bad_rows == b.bad_rows
    c = write_demo_extract(tmp_path / "c.xlsx", 200, seed=12, today=TODAY)
    assert read_sheet(c.path)[1:] != read_sheet(a.path)[1:]
    assert {r[COLUMN["СНИЛС"]] for r in read_sheet(c.path)[1:]}.isdisjoint(
        r[COLUMN["СНИЛС"]] for r in read_sheet(a.path)[1:]
    )


def test_an_existing_file_is_replaced_and_folders_are_made(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "extract.xlsx"
    write_demo_extract(path, 30, seed=1, today=TODAY)
    first = read_sheet(path)
    write_demo_extract(path, 12, seed=2, today=TODAY)
    assert len(read_sheet(path)) == 13
    assert read_sheet(path) != first
    assert sorted(p.name for p in path.parent.iterdir()) == ["extract.xlsx"]


def test_progress_is_reported_every_500_rows_and_at_the_end(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    write_demo_extract(
        tmp_path / "p.xlsx",
        1200,
        seed=1,
        today=TODAY,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(500, 1200), (1000, 1200), (1200, 1200)]


# -- what the user can get wrong ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rows", "words"),
    [
        ("x.xlsx", 0, "не меньше 1"),
        ("x.xlsx", -5, "не меньше 1"),
        ("x.csv", 10, "XLSX"),
        ("x.xls", 10, "XLSX"),
        ("x", 10, "XLSX"),
    ],
)
def test_bad_arguments_raise_a_russian_message_and_write_nothing(
    tmp_path: Path, name: str, rows: int, words: str
) -> None:
    with pytest.raises(BadFileError, match=words) as info:
        write_demo_extract(tmp_path / name, rows, seed=1, today=TODAY)
    assert CYRILLIC.search(str(info.value))
    assert list(tmp_path.iterdir()) == []


def test_an_upper_case_suffix_is_fine(tmp_path: Path) -> None:
    summary = write_demo_extract(tmp_path / "X.XLSX", 3, seed=1, today=TODAY)
    assert summary.path.is_file() and len(read_sheet(summary.path)) == 4


def test_a_folder_that_cannot_be_made_is_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(UserError, match="Не удаётся создать папку"):
        write_demo_extract(blocker / "x.xlsx", 10, seed=1, today=TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "taken.xlsx"
    target.mkdir()  # a folder where the file should go: the final rename fails
    with pytest.raises(UserError, match="Не удаётся записать файл"):
        write_demo_extract(target, 10, seed=1, today=TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.xlsx"]
    assert target.is_dir()


# -- the `ic demo-extract` command -------------------------------------------------------


def ic(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("ic")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "app"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, encoding="utf-8", timeout=60
    )


def test_cli_writes_the_same_file_as_the_function(tmp_path: Path) -> None:
    out = tmp_path / "cli.xlsx"
    done = ic(
        "demo-extract", "--rows", "50", "--out", str(out), "--seed", "3", "--today", "2026-11-23"
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    expected = write_demo_extract(tmp_path / "direct.xlsx", 50, seed=3, today=TODAY)
    assert read_sheet(out) == read_sheet(expected.path)
    assert f"Выписка записана: {out} (строк: 50)." in done.stdout
    listed = re.findall(r"строка (\d+): (.+)", done.stdout)
    assert [(int(n), p) for n, p in listed] == list(expected.bad_rows)
    assert f"Строки с намеренными ошибками ({len(expected.bad_rows)}):" in done.stdout


def test_cli_takes_the_month_and_today_in_russian_form(tmp_path: Path) -> None:
    out = tmp_path / "m.xlsx"
    done = ic(
        "demo-extract",
        "--rows",
        "40",
        "--out",
        str(out),
        "--month",
        "2026-03",
        "--today",
        "23.11.2026",
    )
    assert done.returncode == 0, done.stderr
    days = received_dates(out)
    assert min(days) >= date(2026, 3, 1) and max(days) <= date(2026, 3, 31)


def assert_one_russian_line(stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("ошибка: ")
    assert CYRILLIC.search(lines[0].removeprefix("ошибка: "))
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--rows", "0"),
        ("--rows", "-3"),
        ("--rows", "много"),
        ("--rows", "5", "--today", "31.02.2026"),
        ("--rows", "5", "--month", "2027-01", "--today", "2026-11-23"),
    ],
    ids=["zero", "negative", "not-a-number", "no-such-day", "future-month"],
)
def test_cli_bad_arguments_exit_2_with_one_russian_line(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = tmp_path / "x.xlsx"
    done = ic("demo-extract", "--out", str(out), *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert_one_russian_line(done.stderr)
    assert done.stdout == ""
    assert not out.exists()


def test_cli_refuses_a_csv_file(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    done = ic("demo-extract", "--rows", "5", "--out", str(out))
    assert done.returncode == 2
    assert_one_russian_line(done.stderr)
    assert "XLSX" in done.stderr
    assert not out.exists()
