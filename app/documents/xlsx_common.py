"""What the XLSX writers share: the font, borders and alignments, lines, tables, page setup,
and saving with every text stored as text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

FONT_NAME = "Times New Roman"
BODY = Font(name=FONT_NAME, size=10)
BOLD = Font(name=FONT_NAME, size=10, bold=True)

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
TOP_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)


def new_sheet(title: str) -> tuple[Workbook, Worksheet]:
    """A new workbook and its one sheet, named ``title``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = title
    return wb, ws


def merged_line(
    ws: Worksheet, row: int, columns: int, text: str, font: Font, horizontal: str = "center"
) -> None:
    """A line of text across the first ``columns`` columns (a title, the provider, the period)."""
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def heading_row(ws: Worksheet, row: int, headings: Iterable[str | int], font: Font) -> None:
    """The column headings (or numbers) of a table, boxed and centred."""
    for column, heading in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=column, value=heading)
        cell.font = font
        cell.alignment = CENTER
        cell.border = BORDER


def text_rows(
    ws: Worksheet,
    first_row: int,
    rows: Iterable[Sequence[str]],
    font: Font,
    left_columns: frozenset[int],
) -> None:
    """Rows of printed text, boxed: the number in column 1 as a number, an empty cell blank;
    ``left_columns`` (1-based) hold words and are left-aligned, the rest centred."""
    for r, values in enumerate(rows, start=first_row):
        for column, text in enumerate(values, start=1):
            value: str | int | None = text or None
            if column == 1 and text.isdigit():
                value = int(text)
            cell = ws.cell(row=r, column=column, value=value)
            cell.font = font
            cell.border = BORDER
            cell.alignment = LEFT if column in left_columns else TOP_CENTER


def column_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def print_landscape(ws: Worksheet) -> None:
    """Printed on A4 landscape, as many pages down as it takes and one page across."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def centre_on_page(ws: Worksheet) -> None:
    """Narrow margins (inches) and the table centred between them."""
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True


def number_pages(ws: Worksheet) -> None:
    ws.oddFooter.center.text = "Страница &P из &N"
    ws.oddFooter.center.size = 8


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save ``wb`` to ``path`` with every text stored as text, never as a formula.

    openpyxl stores a string starting with "=" as a live formula, so a name such as
    ``=HYPERLINK("http://…"&B5, …)`` from an extract or a form would run in Excel (formula
    injection). The program writes no formulas of its own, so every such cell becomes an
    inline string (``t="inlineStr"``): Excel shows the text as it is and evaluates nothing;
    "+", "-", "@" and the rest are stored as strings by openpyxl already. Every XLSX the
    program writes is saved here.
    """
    for ws in wb.worksheets:
        # The cells that were written (iter_rows would create the empty ones too).
        for cell in ws._cells.values():
            if cell.data_type == "f":
                cell.data_type = "s"
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        _StreamingWriter(wb, archive).save()


class _StreamingWriter(ExcelWriter):  # type: ignore[misc]  # openpyxl has no type hints
    """openpyxl's writer, but each sheet goes straight into the archive.

    ``wb.save`` first writes every sheet's XML (names, СНИЛС, addresses) to a plain file in
    the temp folder and zips it afterwards, and a killed process leaves that file behind
    (issue #10: no personal data in plain temporary files). openpyxl's ``WorksheetWriter``
    takes any file object as its output: here the sheet's entry in the archive, compressed
    as it is written, so nothing but the output itself touches the disk.
    """

    def write_worksheet(self, ws: Worksheet) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        with self._archive.open(ws.path[1:], "w", force_zip64=True) as part:
            writer = WorksheetWriter(ws, out=part)
            writer.write()
        ws._rels = writer._rels
        self.manifest.append(ws)
