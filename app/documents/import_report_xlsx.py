"""The report of one extract import (issue #13): the rows refused and the people left out of
the target category, each with its reason, for the consultant to keep and work through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

from app.documents.xlsx_common import (
    BODY,
    BOLD,
    column_widths,
    heading_row,
    merged_line,
    new_sheet,
    print_landscape,
    save_workbook,
    text_rows,
)

PROBLEM_HEADINGS = ("№", "Строка файла", "Поле", "Замечание", "Строка отклонена")
EXCLUDED_HEADINGS = ("№", "Строка файла", "Ф.И.О.", "Почему не входит в целевую категорию")
ALREADY_HEADINGS = ("№", "Строка файла", "Ф.И.О.", "Что сделано со строкой")


@dataclass(frozen=True)
class ImportReport:
    title: str  # "Выписка vypiska.xlsx, проверка 23.11.2026" etc.
    summary: tuple[str, ...]  # lines under the title: counts
    problems: tuple[tuple[int, str, str, bool], ...]  # row, field, message, row refused
    excluded: tuple[tuple[int, str, str], ...]  # row, person, reasons
    already: tuple[tuple[int, str, str], ...] = ()  # row, person, what became of the row


def write_import_report_xlsx(report: ImportReport, path: Path) -> None:
    wb, ws = new_sheet("Замечания")
    merged_line(ws, 1, len(PROBLEM_HEADINGS), report.title, BOLD)
    for offset, line in enumerate(report.summary, start=2):
        merged_line(ws, offset, len(PROBLEM_HEADINGS), line, BODY, horizontal="left")
    first = len(report.summary) + 3
    heading_row(ws, first, PROBLEM_HEADINGS, BOLD)
    _rows(
        ws,
        first + 1,
        [
            (str(n), str(row), field, message, "да" if refused else "нет (замечание)")
            for n, (row, field, message, refused) in enumerate(report.problems, start=1)
        ],
        frozenset({3, 4}),
    )
    column_widths(ws, (6, 10, 28, 80, 14))
    ws.print_title_rows = f"{first}:{first}"
    print_landscape(ws)

    _people_sheet(wb.create_sheet("Не входят в категорию"), report.title, EXCLUDED_HEADINGS,
                  report.excluded)  # fmt: skip
    # 31-р 3.1.1, 3.2: people already in the registry are updated, not entered again.
    _people_sheet(wb.create_sheet("Уже в реестре"), report.title, ALREADY_HEADINGS,
                  report.already)  # fmt: skip
    save_workbook(wb, path)


def _people_sheet(
    ws: Worksheet,
    title: str,
    headings: tuple[str, ...],
    people: tuple[tuple[int, str, str], ...],
) -> None:
    """A sheet of people by file row: the person and what the import said of them."""
    merged_line(ws, 1, len(headings), title, BOLD)
    heading_row(ws, 3, headings, BOLD)
    rows = [(str(n), str(row), person, text) for n, (row, person, text) in enumerate(people, 1)]
    _rows(ws, 4, rows, frozenset({3, 4}))
    column_widths(ws, (6, 10, 36, 80))
    ws.print_title_rows = "3:3"
    print_landscape(ws)


def _rows(ws: Worksheet, first: int, rows: Sequence[Sequence[str]], left: frozenset[int]) -> None:
    """Boxed rows of text; the file's row number (column 2) as a number, as column 1 is."""
    text_rows(ws, first, rows, BODY, left)
    for r in range(first, first + len(rows)):
        cell = ws.cell(row=r, column=2)
        cell.value = int(str(cell.value))
