"""A realistic monthly extract file, as the regional system sends it, for trying the import.

The file uses the headings of DESIGN.md §4 and the spellings real extracts mix ("I" / "1" /
"первая", "да" / "+" / "1", dates as text and as Excel dates). A few rows carry the mistakes
a consultant meets in practice, and the summary says which rows they are.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app import clock
from app.demo.people import FakePerson, PeopleGenerator
from app.domain.dates import format_date
from app.domain.enums import DisabilityGroup, Sex
from app.errors import BadFileError
from app.reference import measure_kinds
from app.services.files import check_output, write_atomically

HEADINGS = (
    "№ п/п",
    "ФИО",
    "Дата рождения",
    "Пол",
    "СНИЛС",
    "Адрес регистрации",
    "Адрес фактического проживания",
    "Муниципальное образование",
    "Телефон",
    "Электронная почта",
    "Группа инвалидности",
    "Дата установления инвалидности",
    "Впервые",
    "Самообслуживание",
    "Передвижение",
    "Контроль за поведением",
    "Психическое расстройство",
    "Стационарное учреждение",
    "Участник СВО",
    "Номер ИПРА",
    "Дата ИПРА",
    "Мероприятия ИПРА",
    "Законный представитель",
    "Телефон представителя",
    "Дата поступления сведений",
)

_GROUP_SPELLINGS: dict[DisabilityGroup, tuple[str, ...]] = {
    DisabilityGroup.GROUP_I: ("I", "1", "первая", "I группа"),
    DisabilityGroup.GROUP_II: ("II", "2", "вторая", "II группа"),
    DisabilityGroup.GROUP_III: ("III", "3", "третья", "III группа"),
    DisabilityGroup.CHILD: ("ребенок-инвалид", "ребёнок-инвалид", "РИ"),
}
_DEGREE_SPELLINGS = ("{d}", "{d}", "{r} степень", "{d} ст.")
_ROMAN = ("0", "I", "II", "III")
_YES = ("да", "да", "+", "1", "Да")
_NO = ("нет", "нет", "", "0", "-")
# An empty "Впервые" means "not stated" to the importer, not "no": never leave it blank.
_NO_FIRST_TIME = ("нет", "нет", "Нет", "0", "-")

# What each planted mistake looks like, in the words the summary prints.
MISTAKE_BAD_SNILS = "неверная контрольная сумма СНИЛС"
MISTAKE_BAD_DATE = "несуществующая дата рождения"
MISTAKE_NO_NAME = "пустое ФИО"
MISTAKE_DUPLICATE = "повтор человека из строки {row}"


@dataclass(frozen=True, slots=True)
class ExtractSummary:
    path: Path
    rows: int
    # (row number in the sheet, what is wrong with it), in sheet order
    bad_rows: tuple[tuple[int, str], ...] = field(default=())


def _flag(rng: random.Random, value: bool, no: tuple[str, ...] = _NO) -> str:
    return rng.choice(_YES) if value else rng.choice(no)


def _degree(rng: random.Random, degree: int) -> str | int:
    if degree == 0 and rng.random() < 0.5:
        # "0", not an empty cell: an empty cell is "not stated" (DESIGN §2), which keeps a
        # person out of the registry as undecided.
        return "0"
    spelling = rng.choice(_DEGREE_SPELLINGS)
    if spelling == "{d}" and rng.random() < 0.5:
        return degree  # a number cell, as when the column was typed in Excel
    return spelling.format(d=degree, r=_ROMAN[degree])


def _date_cell(rng: random.Random, value: date) -> date | str:
    # Most exports carry real Excel dates; some carry text typed as dd.mm.yyyy.
    return value if rng.random() < 0.7 else format_date(value)


def _snils_cell(rng: random.Random, snils: str) -> str:
    formatted = f"{snils[0:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:11]}"
    return formatted if rng.random() < 0.8 else snils


def _measures_cell(rng: random.Random, person: FakePerson) -> str:
    kinds = measure_kinds()
    words = []
    for kind in person.measures:
        info = kinds[kind]
        options = (info.short_title, *info.spellings[:3])
        words.append(rng.choice(options))
    return rng.choice(("; ", ", ", ";")).join(words)


def _row(rng: random.Random, number: int, person: FakePerson) -> list[object]:
    sex = "М" if person.sex is Sex.MALE else "Ж"
    if rng.random() < 0.2:
        sex = "муж" if person.sex is Sex.MALE else "жен"
    rep = person.representative
    return [
        number,
        person.full_name,
        _date_cell(rng, person.birth_date),
        sex,
        _snils_cell(rng, person.snils),
        person.registration_address,
        person.actual_address,
        person.district,
        person.phone or "",
        person.email or "",
        rng.choice(_GROUP_SPELLINGS[person.group]),
        _date_cell(rng, person.disability_established_on),
        _flag(rng, person.first_time, _NO_FIRST_TIME),
        _degree(rng, person.selfcare_degree),
        _degree(rng, person.movement_degree),
        _degree(rng, person.behaviour_degree),
        _flag(rng, person.mental_disorder),
        _flag(rng, person.stationary),
        _flag(rng, person.veteran_svo),
        person.ipra_number,
        _date_cell(rng, person.ipra_date),
        _measures_cell(rng, person),
        rep.full_name if rep else "",
        (rep.phone or "") if rep else "",
        _date_cell(rng, person.received_on),
    ]


def _break_snils(snils: str) -> str:
    check = (int(snils[9:]) + 1) % 100
    bad = f"{snils[:9]}{check:02d}"
    return f"{bad[0:3]}-{bad[3:6]}-{bad[6:9]} {bad[9:11]}"


def _plant_mistakes(
    rng: random.Random, rows: list[list[object]], first_row: int
) -> list[tuple[int, str]]:
    """Spoil a few rows in place; return (sheet row, problem) for each."""
    n = len(rows)
    if n < 5:
        return []
    count = max(4, n // 200)
    # Keep row 0 clean so a duplicate always has an original to repeat.
    chosen = rng.sample(range(1, n), min(count, n - 1))
    planted: list[tuple[int, str]] = []
    for i, index in enumerate(sorted(chosen)):
        row = rows[index]
        kind = i % 4
        if kind == 0:
            row[4] = _break_snils(str(row[4]).replace("-", "").replace(" ", ""))
            problem = MISTAKE_BAD_SNILS
        elif kind == 1:
            birth = row[2]
            year = birth.year if isinstance(birth, date) else int(str(birth)[-4:])
            row[2] = f"31.02.{year}"
            problem = MISTAKE_BAD_DATE
        elif kind == 2:
            row[1] = ""
            problem = MISTAKE_NO_NAME
        else:
            original = rng.randrange(0, index)
            while original in chosen:
                original -= 1
            number = row[0]
            row[:] = list(rows[original])
            row[0] = number
            problem = MISTAKE_DUPLICATE.format(row=original + first_row)
        planted.append((index + first_row, problem))
    return planted


def write_demo_extract(
    path: Path,
    rows: int,
    seed: int = 1,
    today: date | None = None,
    month: tuple[int, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    database: Path | None = None,
) -> ExtractSummary:
    """Write an extract of ``rows`` people received in ``month`` (default: last month);
    never over the files of ``database`` (the --db of the command)."""
    if rows < 1:
        raise BadFileError("Число строк выписки должно быть не меньше 1.")
    if path.suffix.lower() != ".xlsx":
        raise BadFileError(f"Выписка записывается в формате XLSX, а указан файл {path.name}.")
    today = today or clock.today()
    if month is not None:
        year, number = month
        if not 1 <= number <= 12:
            raise BadFileError(f"Месяца с номером {number} не бывает: нужен номер от 1 до 12.")
        if (year, number) > (today.year, today.month):
            raise BadFileError(
                f"Месяц {number:02d}.{year} ещё не наступил: выписка не может содержать "
                f"сведения, поступившие после {format_date(today)}."
            )
    # Before any work: a workbook built and never saved complains when it is collected.
    check_output(path, database, make_folder=True)
    generator = PeopleGenerator(seed, today)
    rng = random.Random(seed * 7919 + 17)
    # A (year, month) makes the generator stop at ``today`` within the current month: data
    # cannot have arrived in the future, and the importer rejects such dates.
    data = [_row(rng, i + 1, person) for i, person in enumerate(generator.people(rows, month))]
    first_data_row = 2
    bad_rows = _plant_mistakes(rng, data, first_data_row)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Выписка")
    widths = [6, 36, 14, 6, 16, 48, 48, 30, 16, 28, 16, 14, 9, 12, 12, 12, 12, 12, 10, 18, 12,
              48, 34, 16, 14]  # fmt: skip
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    header = []
    for text in HEADINGS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cell.alignment = wrap
        header.append(cell)
    sheet.append(header)
    for done, row in enumerate(data, start=1):
        cells: list[object] = []
        for value in row:
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD.MM.YYYY"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        if progress is not None and done % 500 == 0:
            progress(done, len(data))
    path = write_atomically(path, workbook.save, database=database)
    if progress is not None:
        progress(len(data), len(data))
    return ExtractSummary(path=path, rows=len(data), bad_rows=tuple(bad_rows))
