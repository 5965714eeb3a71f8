"""The semi-annual report of 31-р Appendix 4 as an XLSX workbook (openpyxl), A4 landscape.

The heading is laid out as in the order: columns 1 and 2 span the three heading rows; the
report title spans columns 3-14, the three sections four columns each under it, then the
twelve column headings, the row of column numbers 1-14 and the provider's row of values.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.services.report import (
    APPENDIX4_HEADINGS,
    APPENDIX4_LEFT_HEADINGS,
    APPENDIX4_SECTIONS,
    COLUMN_COUNT,
    SemiannualReport,
    report_title,
)

FONT_NAME = "Times New Roman"
COLUMN_WIDTHS = (6, 28, 9, 20, 11, 11, 9, 20, 11, 11, 9, 20, 11, 11)
SHEET_TITLE = "Отчет"
# Where the table starts (row of the report title) and the rows that follow it.
TABLE_ROW = 5

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _line(ws: Worksheet, row: int, text: str, font: Font, horizontal: str = "center") -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=COLUMN_COUNT)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def _box(
    ws: Worksheet, row: int, column: int, value: str | int, font: Font, end: tuple[int, int]
) -> None:
    """A bordered cell, merged down/right to ``end`` (row, column) when that is further."""
    end_row, end_column = end
    if (end_row, end_column) != (row, column):
        ws.merge_cells(start_row=row, start_column=column, end_row=end_row, end_column=end_column)
    for r in range(row, end_row + 1):
        for c in range(column, end_column + 1):
            ws.cell(row=r, column=c).border = _BORDER
    cell = ws.cell(row=row, column=column, value=value)
    cell.font = font
    cell.alignment = _CENTER


def write_report_xlsx(report: SemiannualReport, path: Path) -> None:
    """Write ``report`` to ``path`` (overwritten) as one sheet laid out like Appendix 4."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = SHEET_TITLE
    body = Font(name=FONT_NAME, size=10)
    bold = Font(name=FONT_NAME, size=10, bold=True)
    small = Font(name=FONT_NAME, size=9)

    _line(ws, 1, "Приложение N 4 к Положению", small, "right")
    _line(ws, 2, report.provider or "(наименование организации не указано в настройках)", bold)
    _line(
        ws,
        3,
        f"Отчетный период: {report.period_title} "
        f"({report.first_day:%d.%m.%Y} – {report.last_day:%d.%m.%Y})",
        body,
    )

    title, sections, headings, numbers = TABLE_ROW, TABLE_ROW + 1, TABLE_ROW + 2, TABLE_ROW + 3
    values = numbers + 1
    for column, text in enumerate(APPENDIX4_LEFT_HEADINGS, start=1):
        _box(ws, title, column, text, bold, (headings, column))
    _box(ws, title, 3, report_title(report), bold, (title, COLUMN_COUNT))
    for i, text in enumerate(APPENDIX4_SECTIONS):
        first = 3 + 4 * i
        _box(ws, sections, first, text, bold, (sections, first + 3))
    for column, text in enumerate(APPENDIX4_HEADINGS, start=3):
        _box(ws, headings, column, text, small, (headings, column))
    for column in range(1, COLUMN_COUNT + 1):
        _box(ws, numbers, column, column, body, (numbers, column))
    for column, value in enumerate(report.cells, start=1):
        _box(ws, values, column, value, body, (values, column))
    ws.cell(row=values, column=2).alignment = Alignment(
        horizontal="left", vertical="center", wrap_text=True
    )

    ws.row_dimensions[title].height = 30
    ws.row_dimensions[sections].height = 30
    ws.row_dimensions[headings].height = 190
    ws.row_dimensions[values].height = 30
    for column, width in enumerate(COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    wb.properties.title = f"Отчет «Интеграционный консультант» — {report.period_title}"
    wb.save(path)
