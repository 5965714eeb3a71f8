"""The registry of 31-р Appendix 1 as an XLSX workbook (openpyxl), ready to print on A4."""

from __future__ import annotations

from pathlib import Path

from openpyxl.styles import Alignment, Font

from app.documents.registry_form import (
    APPENDIX1_HEADINGS,
    APPENDIX1_LEGEND,
    APPENDIX1_TITLE,
    RegistryForm,
)
from app.documents.xlsx_common import (
    BODY,
    BOLD,
    FONT_NAME,
    centre_on_page,
    column_widths,
    heading_row,
    merged_line,
    new_sheet,
    number_pages,
    print_landscape,
    save_workbook,
    text_rows,
)

# Width of each of the 14 columns, in characters of the default font.
COLUMN_WIDTHS = (6, 12, 11, 30, 12, 18, 13, 17, 13, 17, 17, 13, 17, 16)
HEADER_HEIGHT = 118  # points: the longest heading wraps to about eight lines
SHEET_TITLE = "Реестр"
# Columns whose text is words (name, category, methods) are left-aligned; the rest centred.
_LEFT_COLUMNS = frozenset({4, 6, 10, 13})
_COLUMNS = len(APPENDIX1_HEADINGS)


def write_registry_xlsx(form: RegistryForm, path: Path) -> None:
    """Write ``form`` to ``path`` (overwritten) as one sheet laid out like Appendix 1."""
    wb, ws = new_sheet(SHEET_TITLE)

    row = 1
    merged_line(ws, row, _COLUMNS, "Приложение N 1 к Положению", Font(name=FONT_NAME, size=9))
    ws.cell(row=row, column=1).alignment = Alignment(horizontal="right")
    row += 1
    merged_line(ws, row, _COLUMNS, APPENDIX1_TITLE, Font(name=FONT_NAME, size=12, bold=True))
    ws.row_dimensions[row].height = 33
    row += 1
    if form.provider:
        merged_line(ws, row, _COLUMNS, form.provider, BODY)
        row += 1
    merged_line(ws, row, _COLUMNS, form.month_line, BOLD)
    row += 1
    merged_line(ws, row, _COLUMNS, form.status_line, BODY)
    row += 2

    header_row = row
    heading_row(ws, header_row, APPENDIX1_HEADINGS, BOLD)
    ws.row_dimensions[header_row].height = HEADER_HEIGHT
    numbers_row = header_row + 1
    heading_row(ws, numbers_row, range(1, _COLUMNS + 1), BODY)

    first_data = numbers_row + 1
    text_rows(ws, first_data, (entry.cells for entry in form.rows), BODY, _LEFT_COLUMNS)

    row = first_data + len(form.rows) + 1
    for line in APPENDIX1_LEGEND:
        ws.cell(row=row, column=1, value=line).font = BODY
        row += 1

    column_widths(ws, COLUMN_WIDTHS)
    ws.freeze_panes = ws.cell(row=first_data, column=1)
    ws.print_title_rows = f"{header_row}:{numbers_row}"
    print_landscape(ws)
    centre_on_page(ws)
    number_pages(ws)
    wb.properties.title = form.document_title
    save_workbook(wb, path)
