"""Russian Post's form 103, "Список внутренних почтовых отправлений", as XLSX and PDF.

The list a post office accepts with a batch of registered letters (issue #12): the
heading (list number, date, kind and category of the letters, the sender and its address,
the place of acceptance), one row per letter (№ п/п, addressee, address with postcode,
ШПИ; mass, declared value and cash on delivery blank: none apply to a letter with a route),
the total and the «Сдал» / «Принял» lines.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.styles import Alignment, Font
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from app.documents.pdf_common import (
    SERIF,
    SERIF_BOLD,
    PdfTarget,
    appendix_style,
    cell_style,
    document,
    heading_style,
    line_style,
    page_footer,
    register_fonts,
    repeated_heading_table,
    title_style,
)
from app.documents.post_form import (
    FORM103_HEADINGS,
    FORM103_NAME,
    FORM103_SIGNATURES,
    Form103,
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

XLSX_WIDTHS = (6, 30, 52, 18, 9, 13, 14, 18)
COLUMNS = len(FORM103_HEADINGS)
SIGNATURE_BLANK = "_" * 40


def _cells(form: Form103) -> list[list[str]]:
    return [
        [str(row.number), row.addressee, row.address, row.tracking_number, "", "", "", row.note]
        for row in form.rows
    ]


def _signature_lines(form: Form103) -> list[str]:
    lines = []
    for label, hint in FORM103_SIGNATURES:
        who = form.handed_over_by if label == "Сдал" and form.handed_over_by else ""
        lines.append(f"{label}: {who} {SIGNATURE_BLANK} {hint}".replace("  ", " "))
    return lines


# --- XLSX --------------------------------------------------------------------------------


def write_form103_xlsx(form: Form103, path: Path) -> None:
    """The list on one sheet, A4 landscape; every text stored as text (save_workbook)."""
    wb, ws = new_sheet("ф. 103")
    merged_line(ws, 1, COLUMNS, FORM103_NAME, BODY, horizontal="right")
    merged_line(ws, 2, COLUMNS, form.title, Font(name=FONT_NAME, size=12, bold=True))
    row = 3
    for number, line in enumerate(form.heading_lines):
        merged_line(ws, row, COLUMNS, line, BODY, horizontal="center" if number == 0 else "left")
        row += 1
    row += 1
    heading_row(ws, row, FORM103_HEADINGS, BOLD)
    ws.row_dimensions[row].height = 42
    heading_row(ws, row + 1, range(1, COLUMNS + 1), BODY)
    first = row + 2
    text_rows(ws, first, _cells(form), BODY, frozenset({2, 3, 8}))
    for r in range(first, first + len(form.rows)):
        ws.cell(row=r, column=4).number_format = "@"  # the ШПИ keeps its leading zeros
    row = first + len(form.rows) + 1
    merged_line(ws, row, COLUMNS, form.total_line, BOLD, horizontal="left")
    for line in _signature_lines(form):
        row += 2
        merged_line(ws, row, COLUMNS, line, BODY, horizontal="left")
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="left", vertical="bottom")
    column_widths(ws, XLSX_WIDTHS)
    ws.print_title_rows = f"{first - 2}:{first - 1}"
    print_landscape(ws)
    centre_on_page(ws)
    number_pages(ws)
    save_workbook(wb, path)


# --- PDF ---------------------------------------------------------------------------------

PAGE_SIZE = landscape(A4)
MARGIN = 10 * mm
# The eight columns fill the 277 mm between the margins; an address mostly fits one line.
PDF_WIDTHS_MM = (11, 52, 107, 31, 14, 21, 22, 19)
BODY_SIZE = 8.5


def write_form103_pdf(form: Form103, path: PdfTarget) -> None:
    """The list on A4 landscape, the table's heading repeated on every page."""
    register_fonts()
    line = ParagraphStyle("f103line", fontName=SERIF, fontSize=10, leading=13, alignment=TA_LEFT)
    total = ParagraphStyle("f103total", parent=line, fontName=SERIF_BOLD)
    heading = heading_style(7.5, 9)
    cell = cell_style(BODY_SIZE, BODY_SIZE + 1.5)
    story: list[object] = [
        Paragraph(escape(FORM103_NAME), appendix_style()),
        Paragraph(escape(form.title), title_style(spaceAfter=2)),
    ]
    date_line, *rest = form.heading_lines
    story.append(Paragraph(escape(date_line), line_style()))
    story.append(Spacer(1, 1 * mm))
    story.extend(Paragraph(escape(text), line) for text in rest)
    story.append(Spacer(1, 2 * mm))
    data: list[list[object]] = [
        [Paragraph(escape(h), heading) for h in FORM103_HEADINGS],
        [Paragraph(str(n), heading) for n in range(1, COLUMNS + 1)],
    ]
    for values in _cells(form):
        data.append([Paragraph(escape(v), cell) if v else "" for v in values])
    story.append(
        repeated_heading_table(
            data,
            [w * mm for w in PDF_WIDTHS_MM],
            2,
            [("FONTNAME", (0, 0), (-1, -1), SERIF), ("FONTSIZE", (0, 0), (-1, -1), BODY_SIZE)],
        )
    )
    closing: list[object] = [Spacer(1, 3 * mm), Paragraph(escape(form.total_line), total)]
    for text in _signature_lines(form):
        closing.extend([Spacer(1, 5 * mm), Paragraph(escape(text), line)])
    story.append(KeepTogether(closing))
    footer = page_footer(PAGE_SIZE[0], MARGIN, f"{FORM103_NAME}, список N {form.number}")
    doc = document(
        path,
        PAGE_SIZE,
        MARGIN,
        MARGIN,
        title=form.title,
        author=form.sender_name,
        subject="Список внутренних почтовых отправлений (ф. 103)",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
