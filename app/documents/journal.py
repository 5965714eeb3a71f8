"""The journal of phone services (31-р 1.7) as XLSX and PDF, and the ЕИС list (1.6.1) as XLSX.

The PDF is A4 landscape with the PT fonts embedded (registered once, shared with the
registry) and the table heading repeated on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from app.documents.journal_form import (
    EIS_HEADINGS,
    EIS_TITLE,
    JOURNAL_HEADINGS,
    JOURNAL_TITLE,
    SERVICE_NAME,
    EisList,
    Journal,
)
from app.documents.pdf_common import (
    SERIF,
    cell_style,
    document,
    heading_style,
    line_style,
    page_footer,
    register_fonts,
    repeated_heading_table,
    title_block,
    title_style,
)
from app.documents.xlsx_common import (
    BODY,
    BOLD,
    FONT_NAME,
    column_widths,
    heading_row,
    merged_line,
    new_sheet,
    number_pages,
    print_landscape,
    save_workbook,
    text_rows,
)

PAGE_SIZE = landscape(A4)
MARGIN = 10 * mm
# № п/п, Дата, Время, ФИО, Телефон, Услуга, Результат, Специалист: 277 mm in all.
PDF_WIDTHS_MM = (12, 20, 13, 45, 28, 55, 62, 42)
XLSX_JOURNAL_WIDTHS = (7, 12, 8, 32, 16, 36, 40, 28)
XLSX_EIS_WIDTHS = (7, 34, 16, 18, 36, 70)
BODY_SIZE = 8
HEADING_SIZE = 8


# --- XLSX ------------------------------------------------------------------------------


def _table_sheet(
    ws: Worksheet,
    title: str,
    lines: list[str],
    headings: tuple[str, ...],
    rows: list[tuple[str, ...]],
    widths: tuple[int, ...],
    left_columns: frozenset[int],
) -> None:
    columns = len(headings)
    merged_line(ws, 1, columns, title, Font(name=FONT_NAME, size=12, bold=True))
    ws.row_dimensions[1].height = 33
    row = 2
    for line in lines:
        merged_line(ws, row, columns, line, BODY)
        row += 1
    header_row = row + 1
    heading_row(ws, header_row, headings, BOLD)
    text_rows(ws, header_row + 1, rows, BODY, left_columns)
    column_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    print_landscape(ws)
    number_pages(ws)


def write_journal_xlsx(journal: Journal, path: Path) -> None:
    """Write the journal of 1.7 to ``path`` (overwritten) as one printable sheet."""
    wb, ws = new_sheet("Журнал")
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
    save_workbook(wb, path)


def write_eis_xlsx(eis: EisList, path: Path) -> None:
    """Write the list of services to enter in the regional system (1.6.1) to ``path``."""
    wb, ws = new_sheet("ЕИС")
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
    save_workbook(wb, path)


# --- PDF -------------------------------------------------------------------------------


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
    line = line_style()
    heading = heading_style(HEADING_SIZE, HEADING_SIZE + 1.5)
    cell = cell_style(BODY_SIZE, BODY_SIZE + 1.5, splitLongWords=1)
    story = title_block(
        [Paragraph(escape(title_text), title_style()), Spacer(1, 2 * mm)],
        [(provider, line), (period_text, line)],
    )
    data: list[list[Any]] = [[Paragraph(escape(h), heading) for h in headings]]
    for cells in rows:
        data.append([Paragraph(escape(text), cell) if text else "" for text in cells])
    story.append(
        repeated_heading_table(
            data,
            tuple(w * mm for w in widths_mm),
            1,
            [("FONT", (0, 0), (-1, -1), SERIF, BODY_SIZE)],
        )
    )
    doc = document(
        path,
        PAGE_SIZE,
        MARGIN,
        MARGIN + 3 * mm,
        title=f"{title_text} {period_text}",
        author=provider,
        subject=subject,
    )
    footer = page_footer(PAGE_SIZE[0], MARGIN)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
