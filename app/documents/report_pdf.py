"""The semi-annual report of 31-р Appendix 4 as a PDF (reportlab): A4 landscape, PT fonts.

One table with the heading of the order: columns 1 and 2 span the three heading rows, the
report title spans columns 3-14, the three sections four columns each, then the twelve
column headings, the row of column numbers and the provider's row of values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from app.documents.pdf_common import (
    HEADING_BACKGROUND,
    SANS,
    SANS_BOLD,
    SERIF,
    SERIF_BOLD,
    appendix_style,
    cell_style,
    document,
    heading_style,
    line_style,
    register_fonts,
    title_block,
)
from app.documents.report_form import (
    APPENDIX4_HEADINGS,
    APPENDIX4_LEFT_HEADINGS,
    APPENDIX4_SECTIONS,
    COLUMN_COUNT,
    SemiannualReport,
    report_title,
)

PAGE_SIZE = landscape(A4)
MARGIN = 10 * mm
# Widths of the 14 columns (mm), filling the 277 mm between the margins.
COLUMN_WIDTHS_MM = (9, 28, 12, 31, 16, 21, 12, 31, 16, 21, 12, 31, 16, 21)
COLUMN_WIDTHS = tuple(w * mm for w in COLUMN_WIDTHS_MM)
HEADING_SIZE = 7.5
BODY_SIZE = 10


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "appendix": appendix_style(),
        "line": ParagraphStyle(
            "line", fontName=SERIF_BOLD, fontSize=11, leading=14, alignment=TA_CENTER
        ),
        "period": line_style(),
        "heading": heading_style(HEADING_SIZE, HEADING_SIZE + 1.5),
        "section": ParagraphStyle(
            "section",
            fontName=SANS_BOLD,
            fontSize=HEADING_SIZE + 0.5,
            leading=HEADING_SIZE + 2,
            alignment=TA_CENTER,
        ),
        "cell": cell_style(8, 10),
    }


def _table(report: SemiannualReport, styles: dict[str, ParagraphStyle]) -> Table:
    heading, section = styles["heading"], styles["section"]
    blank = [""] * COLUMN_COUNT
    title_row: list[Any] = list(blank)
    title_row[0] = Paragraph(escape(APPENDIX4_LEFT_HEADINGS[0]), heading)
    title_row[1] = Paragraph(escape(APPENDIX4_LEFT_HEADINGS[1]), heading)
    title_row[2] = Paragraph(escape(report_title(report)), section)
    sections_row: list[Any] = list(blank)
    for i, text in enumerate(APPENDIX4_SECTIONS):
        sections_row[2 + 4 * i] = Paragraph(escape(text), section)
    headings_row: list[Any] = ["", ""] + [Paragraph(escape(t), heading) for t in APPENDIX4_HEADINGS]
    numbers_row = [str(n) for n in range(1, COLUMN_COUNT + 1)]
    values_row: list[Any] = [
        Paragraph(escape(str(v)), styles["cell"]) if i == 1 else str(v)
        for i, v in enumerate(report.cells)
    ]
    data = [title_row, sections_row, headings_row, numbers_row, values_row]
    commands: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        # Every cell has our font, blank ones too: no Helvetica in the file.
        ("FONT", (0, 0), (-1, -1), SERIF, BODY_SIZE),
        ("FONT", (0, 3), (-1, 3), SANS, HEADING_SIZE),
        ("FONT", (0, 4), (-1, 4), SERIF, BODY_SIZE),
        ("BACKGROUND", (0, 0), (-1, 3), HEADING_BACKGROUND),
        ("SPAN", (0, 0), (0, 2)),
        ("SPAN", (1, 0), (1, 2)),
        ("SPAN", (2, 0), (-1, 0)),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i in range(len(APPENDIX4_SECTIONS)):
        first = 2 + 4 * i
        commands.append(("SPAN", (first, 1), (first + 3, 1)))
    table = Table(data, colWidths=COLUMN_WIDTHS, hAlign="CENTER")
    table.setStyle(TableStyle(commands))
    return table


def write_report_pdf(report: SemiannualReport, path: Path) -> None:
    """Write ``report`` to ``path`` (overwritten) as Appendix 4 on one A4 landscape page."""
    register_fonts()
    styles = _styles()
    story = title_block(
        [Paragraph("Приложение N 4 к Положению", styles["appendix"]), Spacer(1, 3 * mm)],
        [(report.provider, styles["line"]), (report.period_line, styles["period"])],
    )
    story.append(_table(report, styles))
    doc = document(
        path,
        PAGE_SIZE,
        MARGIN,
        MARGIN,
        title=report.document_title,
        author=report.provider,
        subject="Приложение N 4 к Положению (распоряжение N 31-р)",
    )
    doc.build(story)
