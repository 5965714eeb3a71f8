"""The journal of phone services (31-р 1.7) as XLSX and PDF, and the ЕИС list (1.6.1) as XLSX.

The PDF is A4 landscape with the PT fonts embedded (registered once, shared with the
registry) and the table heading repeated on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.documents.registry_pdf import SANS, SERIF, SERIF_BOLD, register_fonts
from app.services.informing import (
    EIS_HEADINGS,
    EIS_TITLE,
    JOURNAL_HEADINGS,
    JOURNAL_TITLE,
    SERVICE_NAME,
    EisList,
    Journal,
)

FONT_NAME = "Times New Roman"
PAGE_SIZE = landscape(A4)
MARGIN = 10 * mm
# № п/п, Дата, Время, ФИО, Телефон, Услуга, Результат, Специалист: 277 mm in all.
PDF_WIDTHS_MM = (12, 20, 13, 45, 28, 55, 62, 42)
XLSX_JOURNAL_WIDTHS = (7, 12, 8, 32, 16, 36, 40, 28)
XLSX_EIS_WIDTHS = (7, 34, 16, 18, 36, 70)
BODY_SIZE = 8
HEADING_SIZE = 8

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
_TOP_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)


# --- XLSX ------------------------------------------------------------------------------


def _merged(ws: Worksheet, row: int, columns: int, text: str, font: Font) -> None:
    ws.merge_cells(f"A{row}:{get_column_letter(columns)}{row}")
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _table_sheet(
    ws: Worksheet,
    title: str,
    lines: list[str],
    headings: tuple[str, ...],
    rows: list[tuple[str, ...]],
    widths: tuple[int, ...],
    left_columns: frozenset[int],
) -> None:
    body = Font(name=FONT_NAME, size=10)
    bold = Font(name=FONT_NAME, size=10, bold=True)
    columns = len(headings)
    _merged(ws, 1, columns, title, Font(name=FONT_NAME, size=12, bold=True))
    ws.row_dimensions[1].height = 33
    row = 2
    for line in lines:
        _merged(ws, row, columns, line, body)
        row += 1
    header_row = row + 1
    for column, heading in enumerate(headings, start=1):
        cell = ws.cell(row=header_row, column=column, value=heading)
        cell.font = bold
        cell.alignment = _CENTER
        cell.border = _BORDER
    for r, values in enumerate(rows, start=header_row + 1):
        for column, text in enumerate(values, start=1):
            value: str | int | None = text or None
            if column == 1 and text.isdigit():
                value = int(text)
            cell = ws.cell(row=r, column=column, value=value)
            cell.font = body
            cell.border = _BORDER
            cell.alignment = _LEFT if column in left_columns else _TOP_CENTER
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Страница &P из &N"
    ws.oddFooter.center.size = 8


def write_journal_xlsx(journal: Journal, path: Path) -> None:
    """Write the journal of 1.7 to ``path`` (overwritten) as one printable sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = "Журнал"
    lines = [journal.provider] if journal.provider else []
    lines.append(journal.period_text)
    _table_sheet(
        ws,
        JOURNAL_TITLE,
        lines,
        JOURNAL_HEADINGS,
        [r.cells for r in journal.rows],
        XLSX_JOURNAL_WIDTHS,
        frozenset({4, 6, 7, 8}),
    )
    wb.properties.title = f"{JOURNAL_TITLE} {journal.period_text}"
    wb.save(path)


def write_eis_xlsx(eis: EisList, path: Path) -> None:
    """Write the list of services to enter in the regional system (1.6.1) to ``path``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "ЕИС"
    lines = [eis.provider] if eis.provider else []
    lines.append(f"Мероприятие «{SERVICE_NAME}» {eis.period_text}")
    _table_sheet(
        ws,
        EIS_TITLE,
        lines,
        EIS_HEADINGS,
        [r.cells for r in eis.rows],
        XLSX_EIS_WIDTHS,
        frozenset({2, 5, 6}),
    )
    wb.properties.title = f"{EIS_TITLE} {eis.period_text}"
    wb.save(path)


# --- PDF -------------------------------------------------------------------------------


def _page_footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(SANS, 8)
    width, _ = PAGE_SIZE
    canvas.drawRightString(width - MARGIN, MARGIN / 2, f"Страница {doc.page}")
    canvas.restoreState()


def write_journal_pdf(journal: Journal, path: Path) -> None:
    """Write the journal of 1.7 to ``path`` on A4 landscape, heading repeated on each page."""
    _write_table_pdf(
        path,
        JOURNAL_TITLE,
        journal.provider,
        journal.period_text,
        JOURNAL_HEADINGS,
        [row.cells for row in journal.rows],
        PDF_WIDTHS_MM,
        "Журнал учета срочных социальных услуг (распоряжение N 31-р, п. 1.7)",
    )


def write_eis_pdf(eis: EisList, path: Path) -> None:
    """The list for the regional system (1.6.1) on A4 landscape, as the XLSX has it."""
    usable_mm = (PAGE_SIZE[0] - 2 * MARGIN) / mm
    total = sum(XLSX_EIS_WIDTHS)
    widths = tuple(usable_mm * w / total for w in XLSX_EIS_WIDTHS)
    _write_table_pdf(
        path,
        EIS_TITLE,
        eis.provider,
        eis.period_text,
        EIS_HEADINGS,
        [row.cells for row in eis.rows],
        widths,
        "Сведения для ЕИС СЗН Тюменской области (распоряжение N 31-р, п. 1.6.1)",
    )


def _write_table_pdf(
    path: Path,
    title_text: str,
    provider: str,
    period_text: str,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_mm: Sequence[float],
    subject: str,
) -> None:
    register_fonts()
    title = ParagraphStyle(
        "title", fontName=SERIF_BOLD, fontSize=12, leading=15, alignment=TA_CENTER
    )
    line = ParagraphStyle("line", fontName=SERIF, fontSize=10, leading=13, alignment=TA_CENTER)
    heading = ParagraphStyle(
        "heading",
        fontName=SANS,
        fontSize=HEADING_SIZE,
        leading=HEADING_SIZE + 1.5,
        alignment=TA_CENTER,
    )
    cell = ParagraphStyle(
        "cell",
        fontName=SERIF,
        fontSize=BODY_SIZE,
        leading=BODY_SIZE + 1.5,
        alignment=TA_LEFT,
        splitLongWords=1,
    )
    story: list[Any] = [Paragraph(escape(title_text), title), Spacer(1, 2 * mm)]
    if provider:
        story.append(Paragraph(escape(provider), line))
    story.append(Paragraph(escape(period_text), line))
    story.append(Spacer(1, 4 * mm))
    data: list[list[Any]] = [[Paragraph(escape(h), heading) for h in headings]]
    for cells in rows:
        data.append([Paragraph(escape(text), cell) if text else "" for text in cells])
    table = Table(
        data,
        colWidths=tuple(w * mm for w in widths_mm),
        repeatRows=1,
        splitByRow=True,
        longTableOptimize=True,
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EFEFEF")),
                ("FONT", (0, 0), (-1, -1), SERIF, BODY_SIZE),
            ]
        )
    )
    story.append(table)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        title=f"{title_text} {period_text}",
        author=provider,
        subject=subject,
        creator="Интеграционный консультант",
        initialFontName=SERIF,
    )
    doc.build(story, onFirstPage=_page_footer, onLaterPages=_page_footer)
