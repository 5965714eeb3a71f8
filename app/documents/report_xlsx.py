"""The semi-annual report of 31-р Appendix 4 as an XLSX workbook (openpyxl), A4 landscape.

The heading is laid out as in the order: columns 1 and 2 span the three heading rows; the
report title spans columns 3-14, the three sections four columns each under it, then the
twelve column headings and the row of column numbers 1-14. Under it come the provider's
row of values (``write_report_xlsx``) or, at the regional centre, a numbered row per
provider, the region's total and the notes (``write_consolidated_xlsx``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from app.documents.report_form import (
    APPENDIX4_HEADINGS,
    APPENDIX4_LEFT_HEADINGS,
    APPENDIX4_SECTIONS,
    COLUMN_COUNT,
    ConsolidatedReport,
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
    number_pages,
    print_landscape,
    save_workbook,
)

COLUMN_WIDTHS = (6, 28, 9, 20, 11, 11, 9, 20, 11, 11, 9, 20, 11, 11)
# The consolidated report: a wider column 2 for the organisations' names (the page is fitted
# to its width, so the sheet is printed a little smaller).
CONSOLIDATED_WIDTHS = (6, 40, *COLUMN_WIDTHS[2:])
SHEET_TITLE = "Отчет"
CONSOLIDATED_SHEET_TITLE = "Сводный отчет"
# Where the table starts (row of the report title) and the rows that follow it.
TABLE_ROW = 5
SMALL = Font(name=FONT_NAME, size=9)
NAME_ALIGNMENT = Alignment(horizontal="left", vertical="center", wrap_text=True)
# Row heights (points): a value row at least, and one line of 10 pt text.
VALUE_ROW_HEIGHT = 30
LINE_HEIGHT = 13


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
    # An empty value (column 1 of the total) leaves the cell blank, not an empty string.
    cell = ws.cell(row=row, column=column, value=None if value == "" else value)
    cell.font = font
    cell.alignment = CENTER


def _top_lines(ws: Worksheet, organisation: str, period_line: str) -> None:
    """Rows 1-3: the appendix line at the right, the organisation (bold), the period."""
    merged_line(ws, 1, COLUMN_COUNT, "Приложение N 4 к Положению", SMALL, "right")
    merged_line(ws, 2, COLUMN_COUNT, organisation, BOLD)
    merged_line(ws, 3, COLUMN_COUNT, period_line, BODY)


def _heading(ws: Worksheet, title_text: str) -> int:
    """The heading of Appendix 4 from ``TABLE_ROW`` on; returns the row of column numbers."""
    title, sections, headings, numbers = TABLE_ROW, TABLE_ROW + 1, TABLE_ROW + 2, TABLE_ROW + 3
    for column, text in enumerate(APPENDIX4_LEFT_HEADINGS, start=1):
        _box(ws, title, column, text, BOLD, (headings, column))
    _box(ws, title, 3, title_text, BOLD, (title, COLUMN_COUNT))
    for i, text in enumerate(APPENDIX4_SECTIONS):
        first = 3 + 4 * i
        _box(ws, sections, first, text, BOLD, (sections, first + 3))
    for column, text in enumerate(APPENDIX4_HEADINGS, start=3):
        _box(ws, headings, column, text, SMALL, (headings, column))
    for column in range(1, COLUMN_COUNT + 1):
        _box(ws, numbers, column, column, BODY, (numbers, column))
    ws.row_dimensions[title].height = 30
    ws.row_dimensions[sections].height = 30
    ws.row_dimensions[headings].height = 190
    return numbers


def _lines_needed(text: str, width_chars: float) -> int:
    """How many lines ``text`` wraps to, word by word, in a cell ``width_chars`` characters
    wide (an estimate: openpyxl cannot measure text, and merged cells are not fitted when
    the file is opened)."""
    width = max(1, int(width_chars))
    return max(1, sum(len(textwrap.wrap(part, width)) or 1 for part in text.split("\n")))


def _value_row(
    ws: Worksheet, row: int, cells: Sequence[int | str], font: Font, name_width: float
) -> None:
    """A bordered row of columns 1-14, the organisation's name (column 2, ``name_width``
    characters wide) at the left."""
    for column, value in enumerate(cells, start=1):
        _box(ws, row, column, value, font, (row, column))
    ws.cell(row=row, column=2).alignment = NAME_ALIGNMENT
    lines = _lines_needed(str(cells[1]), name_width)
    ws.row_dimensions[row].height = max(VALUE_ROW_HEIGHT, lines * LINE_HEIGHT + 4)


def _finish(ws: Worksheet, widths: Sequence[float]) -> None:
    column_widths(ws, widths)
    print_landscape(ws)
    centre_on_page(ws)


def write_report_xlsx(report: SemiannualReport, path: Path) -> None:
    """Write ``report`` to ``path`` (overwritten) as one sheet laid out like Appendix 4."""
    wb, ws = new_sheet(SHEET_TITLE)
    provider = report.provider or "(наименование организации не указано в настройках)"
    _top_lines(ws, provider, report.period_line)
    numbers = _heading(ws, report_title(report))
    _value_row(ws, numbers + 1, report.cells, BODY, COLUMN_WIDTHS[1])
    _finish(ws, COLUMN_WIDTHS)
    wb.properties.title = report.document_title
    save_workbook(wb, path)


def write_consolidated_xlsx(report: ConsolidatedReport, path: Path) -> None:
    """Write the regional centre's ``report`` to ``path`` (overwritten): Appendix 4 with a
    numbered row per provider, the region's total in bold and the notes under the table.

    Every name is stored as text (``save_workbook``), a name starting with "=" too; when
    printed, the heading rows repeat on every page."""
    wb, ws = new_sheet(CONSOLIDATED_SHEET_TITLE)
    centre = report.centre or "(наименование регионального центра не указано в настройках)"
    _top_lines(ws, centre, report.period_line)
    numbers = _heading(ws, report.title)
    row = numbers + 1
    for cells in report.rows:
        _value_row(ws, row, cells, BODY, CONSOLIDATED_WIDTHS[1])
        row += 1
    _value_row(ws, row, report.total, BOLD, CONSOLIDATED_WIDTHS[1])
    # The notes, each on its own line across the table, one empty row after the table.
    row += 2
    table_chars = sum(CONSOLIDATED_WIDTHS)
    for note in report.notes:
        merged_line(ws, row, COLUMN_COUNT, note, BODY, "left")
        ws.row_dimensions[row].height = _lines_needed(note, table_chars) * LINE_HEIGHT + 2
        row += 1
    _finish(ws, CONSOLIDATED_WIDTHS)
    ws.print_title_rows = f"{TABLE_ROW}:{numbers}"
    number_pages(ws)
    wb.properties.title = report.document_title
    save_workbook(wb, path)
