"""People known to two or more providers, as the regional centre lists them (issue #11)."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from pathlib import Path

from app.documents.xlsx_common import (
    BODY,
    BOLD,
    column_widths,
    heading_row,
    merged_line,
    new_sheet,
    number_pages,
    print_landscape,
    save_workbook,
    text_rows,
)

HEADINGS = (
    "N п/п",
    "Связь",
    "Ф.И.О.",
    "Дата рождения",
    "СНИЛС",
    "Поставщики (кто и когда выявил)",
    "Выявлен первым",
)
TITLE = "Граждане, сведения о которых представили два и более поставщика"
RULE = (
    "Один СНИЛС — один человек: записи связаны. Совпадение Ф.И.О. и даты рождения без СНИЛС — "
    "кандидат для проверки, записи не объединяются. Записи поставщиков не изменяются."
)


@dataclass(frozen=True)
class DuplicateRow:
    kind: str
    full_name: str
    birth_date: str
    snils: str
    providers: str
    first: str


def write_duplicates_xlsx(rows: list[DuplicateRow], path: Path) -> None:
    wb, ws = new_sheet("Совпадения")
    merged_line(ws, 1, len(HEADINGS), TITLE, BOLD)
    merged_line(ws, 2, len(HEADINGS), RULE, BODY, "left")
    ws.row_dimensions[2].height = 30
    heading_row(ws, 4, HEADINGS, BOLD)
    text_rows(
        ws,
        5,
        [(str(n), *astuple(row)) for n, row in enumerate(rows, start=1)],
        BODY,
        frozenset({2, 3, 6, 7}),
    )
    column_widths(ws, (6, 16, 30, 12, 15, 60, 30))
    ws.print_title_rows = "4:4"
    print_landscape(ws)
    number_pages(ws)
    wb.properties.title = TITLE
    save_workbook(wb, path)
