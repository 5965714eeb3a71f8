"""The registry of 31-р Appendix 1 as an XLSX workbook (openpyxl), ready to print on A4."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.services.registry_month import (
    APPENDIX1_HEADINGS,
    APPENDIX1_LEGEND,
    APPENDIX1_TITLE,
    RegistryForm,
)

FONT_NAME = "Times New Roman"
# Width of each of the 14 columns, in characters of the default font.
COLUMN_WIDTHS = (6, 12, 11, 30, 12, 18, 13, 17, 13, 17, 17, 13, 17, 16)
HEADER_HEIGHT = 118  # points: the longest heading wraps to about eight lines
SHEET_TITLE = "Реестр"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
_TOP_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
# Columns whose text is words (name, category, methods) are left-aligned; the rest centred.
_LEFT_COLUMNS = frozenset({4, 6, 10, 13})


def _merged_line(ws: Worksheet, row: int, text: str, font: Font, height: float | None) -> None:
    last = get_column_letter(len(APPENDIX1_HEADINGS))
    ws.merge_cells(f"A{row}:{last}{row}")
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if height is not None:
        ws.row_dimensions[row].height = height


def write_registry_xlsx(form: RegistryForm, path: Path) -> None:
    """Write ``form`` to ``path`` (overwritten) as one sheet laid out like Appendix 1."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = SHEET_TITLE
    body = Font(name=FONT_NAME, size=10)
    bold = Font(name=FONT_NAME, size=10, bold=True)

    row = 1
    _merged_line(ws, row, "Приложение N 1 к Положению", Font(name=FONT_NAME, size=9), None)
    ws.cell(row=row, column=1).alignment = Alignment(horizontal="right")
    row += 1
    _merged_line(ws, row, APPENDIX1_TITLE, Font(name=FONT_NAME, size=12, bold=True), 33)
    row += 1
    if form.provider:
        _merged_line(ws, row, form.provider, body, None)
        row += 1
    _merged_line(ws, row, f"Отчетный месяц: {form.month_title} г.", bold, None)
    row += 1
    if form.formed:
        status = f"Реестр сформирован {form.formed_on_text}"
        if form.unnumbered:
            status += f"; внесено после формирования (без номера): {form.unnumbered}"
    else:
        status = "Реестр не сформирован: номера даны по порядку поступления сведений"
    _merged_line(ws, row, status, body, None)
    row += 2

    header_row = row
    for column, heading in enumerate(APPENDIX1_HEADINGS, start=1):
        cell = ws.cell(row=header_row, column=column, value=heading)
        cell.font = bold
        cell.alignment = _CENTER
        cell.border = _BORDER
    ws.row_dimensions[header_row].height = HEADER_HEIGHT
    numbers_row = header_row + 1
    for column in range(1, len(APPENDIX1_HEADINGS) + 1):
        cell = ws.cell(row=numbers_row, column=column, value=column)
        cell.font = body
        cell.alignment = _CENTER
        cell.border = _BORDER

    first_data = numbers_row + 1
    for r, entry in enumerate(form.rows, start=first_data):
        for column, text in enumerate(entry.cells, start=1):
            value: str | int | None = text or None
            if column == 1 and text.isdigit():
                value = int(text)
            cell = ws.cell(row=r, column=column, value=value)
            cell.font = body
            cell.border = _BORDER
            cell.alignment = _LEFT if column in _LEFT_COLUMNS else _TOP_CENTER

    row = first_data + len(form.rows) + 1
    for line in APPENDIX1_LEGEND:
        ws.cell(row=row, column=1, value=line).font = body
        row += 1

    for column, width in enumerate(COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=first_data, column=1)
    ws.print_title_rows = f"{header_row}:{numbers_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Страница &P из &N"
    ws.oddFooter.center.size = 8
    wb.properties.title = f"{APPENDIX1_TITLE} — {form.month_title}"
    wb.save(path)
