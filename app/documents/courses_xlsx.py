"""The list of semi-stationary programmes and their courses (510-п subsection 3) as XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
from app.domain.dates import format_date
from app.domain.periods import Month

if TYPE_CHECKING:
    from app.services.courses import ProgrammeRow

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


def write_courses_xlsx(rows: Sequence[ProgrammeRow], month: Month, path: Path) -> None:
    wb, ws = new_sheet(SHEET)
    bold = Font(name="Times New Roman", size=12, bold=True)
    plain = Font(name="Times New Roman", size=10)
    merged_line(
        ws,
        1,
        len(HEADINGS),
        f"Курсы в полустационарной форме (510-п, подраздел 3): {month.title}",
        bold,
    )
    heading_row(ws, 3, HEADINGS, Font(name="Times New Roman", size=10, bold=True))
    text_rows(
        ws,
        4,
        (
            (
                str(n),
                r.person,
                r.technology_label,
                r.service_form.label,
                format_date(r.starts_on),
                format_date(r.ends_on),
                str(r.days_in_month),
                r.status_label,
                "да" if r.pending_extension else "",
            )
            for n, r in enumerate(rows, start=1)
        ),
        plain,
        frozenset({2, 3}),
    )
    column_widths(ws, (6, 34, 34, 14, 12, 14, 16, 12, 16))
    print_landscape(ws)
    save_workbook(wb, path)
