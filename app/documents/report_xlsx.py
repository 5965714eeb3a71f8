"""The semi-annual report of 31-р Appendix 4 as an XLSX workbook (openpyxl), A4 landscape.

The heading is laid out as in the order: columns 1 and 2 span the three heading rows; the
report title spans columns 3-14, the three sections four columns each under it, then the
twelve column headings, the row of column numbers 1-14 and the provider's row of values.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from app.documents.report_form import (
    APPENDIX4_HEADINGS,
    APPENDIX4_LEFT_HEADINGS,
    APPENDIX4_SECTIONS,
    COLUMN_COUNT,
    SemiannualReport,
    report_title,
)
from app.documents.xlsx_common import (
    BODY,
    BOLD,
    BORDER,
    CENTER,
    FONT_NAME,
    centre_on_page,
    column_widths,
    merged_line,
    new_sheet,
    print_landscape,
    save_workbook,
)

COLUMN_WIDTHS = (6, 28, 9, 20, 11, 11, 9, 20, 11, 11, 9, 20, 11, 11)
SHEET_TITLE = "Отчет"
# Where the table starts (row of the report title) and the rows that follow it.
TABLE_ROW = 5


def _box(
    ws: Worksheet, row: int, column: int, value: str | int, font: Font, end: tuple[int, int]
) -> None:
    """A bordered cell, merged down/right to ``end`` (row, column) when that is further."""
    end_row, end_column = end
    if (end_row, end_column) != (row, column):
        ws.merge_cells(start_row=row, start_column=column, end_row=end_row, end_column=end_column)
    for r in range(row, end_row + 1):
        for c in range(column, end_column + 1):
            ws.cell(row=r, column=c).border = BORDER
    cell = ws.cell(row=row, column=column, value=value)
    cell.font = font
    cell.alignment = CENTER


def write_report_xlsx(report: SemiannualReport, path: Path) -> None:
    """Write ``report`` to ``path`` (overwritten) as one sheet laid out like Appendix 4."""
    wb, ws = new_sheet(SHEET_TITLE)
    small = Font(name=FONT_NAME, size=9)

    merged_line(ws, 1, COLUMN_COUNT, "Приложение N 4 к Положению", small, "right")
    provider = report.provider or "(наименование организации не указано в настройках)"
    merged_line(ws, 2, COLUMN_COUNT, provider, BOLD)
    merged_line(ws, 3, COLUMN_COUNT, report.period_line, BODY)

    title, sections, headings, numbers = TABLE_ROW, TABLE_ROW + 1, TABLE_ROW + 2, TABLE_ROW + 3
    values = numbers + 1
    for column, text in enumerate(APPENDIX4_LEFT_HEADINGS, start=1):
        _box(ws, title, column, text, BOLD, (headings, column))
    _box(ws, title, 3, report_title(report), BOLD, (title, COLUMN_COUNT))
    for i, text in enumerate(APPENDIX4_SECTIONS):
        first = 3 + 4 * i
        _box(ws, sections, first, text, BOLD, (sections, first + 3))
    for column, text in enumerate(APPENDIX4_HEADINGS, start=3):
        _box(ws, headings, column, text, small, (headings, column))
    for column in range(1, COLUMN_COUNT + 1):
        _box(ws, numbers, column, column, BODY, (numbers, column))
    for column, value in enumerate(report.cells, start=1):
        _box(ws, values, column, value, BODY, (values, column))
    ws.cell(row=values, column=2).alignment = Alignment(
        horizontal="left", vertical="center", wrap_text=True
    )

    ws.row_dimensions[title].height = 30
    ws.row_dimensions[sections].height = 30
    ws.row_dimensions[headings].height = 190
    ws.row_dimensions[values].height = 30
    column_widths(ws, COLUMN_WIDTHS)
    print_landscape(ws)
    centre_on_page(ws)
    wb.properties.title = report.document_title
    save_workbook(wb, path)
