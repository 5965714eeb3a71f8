"""The list of semi-stationary programmes and their courses (510-п subsection 3) as XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl.styles import Font

from app.documents.xlsx_common import (
    column_widths,
    heading_row,
    merged_line,
    new_sheet,
    print_landscape,
    save_workbook,
    text_rows,
)
from app.domain.periods import Month

SHEET = "Курсы"
HEADINGS = (
    "№ п/п",
    "ФИО",
    "Технология",
    "Формат (п. 1.3)",
    "Начало",
    "Плановое окончание",
    "Рабочих дней за месяц (не более 12, п. 4.4)",
    "Статус",
    "Заявление о продлении ждёт решения (п. 4.5)",
)


def write_courses_xlsx(rows: Sequence[Sequence[str]], month: Month, path: Path) -> None:
    """``rows``: the printed values of each programme, in the order of ``HEADINGS`` without
    the first column (the number is added here)."""
    wb, ws = new_sheet(SHEET)
    bold = Font(name="Times New Roman", size=12, bold=True)
    plain = Font(name="Times New Roman", size=10)
    title = f"Курсы в полустационарной форме (510-п, подраздел 3): {month.title}"
    merged_line(ws, 1, len(HEADINGS), title, bold)
    heading_row(ws, 3, HEADINGS, Font(name="Times New Roman", size=10, bold=True))
    text_rows(
        ws,
        4,
        ((str(n), *values) for n, values in enumerate(rows, start=1)),
        plain,
        frozenset({2, 3}),
    )
    column_widths(ws, (6, 34, 34, 14, 12, 14, 16, 12, 16))
    print_landscape(ws)
    save_workbook(wb, path)
