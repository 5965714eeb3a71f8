"""The semi-annual report of 31-р Appendix 4 as a PDF (reportlab): A4 landscape, PT fonts.

One table with the heading of the order: columns 1 and 2 span the three heading rows, the
report title spans columns 3-14, the three sections four columns each, then the twelve
column headings and the row of column numbers. Under it come the provider's row of values
(``write_report_pdf``) or, at the regional centre, a numbered row per provider, the
region's total and the notes under the table (``write_consolidated_pdf``), the heading
repeated on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    page_footer,
    register_fonts,
    title_block,
)
from app.documents.report_form import (
    APPENDIX4_HEADINGS,
    APPENDIX4_LEFT_HEADINGS,
    APPENDIX4_SECTIONS,
    COLUMN_COUNT,
    ConsolidatedReport,
    SemiannualReport,
    report_title,
)

PAGE_SIZE = landscape(A4)
MARGIN = 10 * mm
# Room at the foot of the consolidated report's pages for "Страница N".
FOOTER_ROOM = 4 * mm
# Widths of the 14 columns (mm), filling the 277 mm between the margins.
COLUMN_WIDTHS_MM = (9, 28, 12, 31, 16, 21, 12, 31, 16, 21, 12, 31, 16, 21)
COLUMN_WIDTHS = tuple(w * mm for w in COLUMN_WIDTHS_MM)
# The consolidated report: the organisations' names (column 2) are what a reader scans down
# the pages, so they get room from the wide heading columns (still 277 mm in all).
CONSOLIDATED_WIDTHS_MM = (9, 46, 12, 27, 14, 21, 12, 27, 14, 21, 12, 27, 14, 21)
CONSOLIDATED_WIDTHS = tuple(w * mm for w in CONSOLIDATED_WIDTHS_MM)
HEADING_SIZE = 7.5
BODY_SIZE = 10
# The heading: the title, the sections, the column headings and the column numbers.
HEADING_ROWS = 4
APPENDIX_LINE = "Приложение N 4 к Положению"
SUBJECT = "Приложение N 4 к Положению (распоряжение N 31-р)"


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
        "cell_bold": ParagraphStyle("cell_bold", parent=cell_style(8, 10), fontName=SERIF_BOLD),
        "note": cell_style(9, 11.5, spaceBefore=1.5 * mm),
    }


def _heading(title_text: str, styles: dict[str, ParagraphStyle]) -> list[list[Any]]:
    """The ``HEADING_ROWS`` rows of the heading; ``_commands`` spans and styles them."""
    heading, section = styles["heading"], styles["section"]
    blank = [""] * COLUMN_COUNT
    title_row: list[Any] = list(blank)
    title_row[0] = Paragraph(escape(APPENDIX4_LEFT_HEADINGS[0]), heading)
    title_row[1] = Paragraph(escape(APPENDIX4_LEFT_HEADINGS[1]), heading)
    title_row[2] = Paragraph(escape(title_text), section)
    sections_row: list[Any] = list(blank)
    for i, text in enumerate(APPENDIX4_SECTIONS):
        sections_row[2 + 4 * i] = Paragraph(escape(text), section)
    headings_row: list[Any] = ["", ""] + [Paragraph(escape(t), heading) for t in APPENDIX4_HEADINGS]
    numbers_row: list[Any] = [str(n) for n in range(1, COLUMN_COUNT + 1)]
    return [title_row, sections_row, headings_row, numbers_row]


def _value_row(cells: Sequence[int | str], name_style: ParagraphStyle) -> list[Any]:
    """Columns 1-14 of a row under the heading, the organisation's name (column 2) wrapped."""
    return [
        Paragraph(escape(str(v)), name_style) if i == 1 else str(v) for i, v in enumerate(cells)
    ]


def _commands() -> list[Any]:
    """The style of the table: the heading's spans, background and fonts, the grid."""
    commands: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        # Every cell has our font, blank ones too: no Helvetica in the file.
        ("FONT", (0, 0), (-1, -1), SERIF, BODY_SIZE),
        ("FONT", (0, HEADING_ROWS - 1), (-1, HEADING_ROWS - 1), SANS, HEADING_SIZE),
        ("BACKGROUND", (0, 0), (-1, HEADING_ROWS - 1), HEADING_BACKGROUND),
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
    return commands


def _table(report: SemiannualReport, styles: dict[str, ParagraphStyle]) -> Table:
    data = [*_heading(report_title(report), styles), _value_row(report.cells, styles["cell"])]
    table = Table(data, colWidths=COLUMN_WIDTHS, hAlign="CENTER")
    table.setStyle(TableStyle(_commands()))
    return table


def _consolidated_table(report: ConsolidatedReport, styles: dict[str, ParagraphStyle]) -> Table:
    data = [
        *_heading(report.title, styles),
        *(_value_row(cells, styles["cell"]) for cells in report.rows),
        _value_row(report.total, styles["cell_bold"]),
    ]
    table = Table(
        data,
        colWidths=CONSOLIDATED_WIDTHS,
        repeatRows=HEADING_ROWS,
        splitByRow=True,
        hAlign="CENTER",
    )
    table.setStyle(TableStyle([*_commands(), ("FONT", (0, -1), (-1, -1), SERIF_BOLD, BODY_SIZE)]))
    return table


def write_report_pdf(report: SemiannualReport, path: Path) -> None:
    """Write ``report`` to ``path`` (overwritten) as Appendix 4 on one A4 landscape page."""
    register_fonts()
    styles = _styles()
    story = title_block(
        [Paragraph(APPENDIX_LINE, styles["appendix"]), Spacer(1, 3 * mm)],
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
        subject=SUBJECT,
    )
    doc.build(story)


def write_consolidated_pdf(report: ConsolidatedReport, path: Path) -> None:
    """Write the regional centre's ``report`` to ``path`` (overwritten): Appendix 4 with a
    numbered row per provider and the region's total in bold on A4 landscape pages, the
    heading repeated on each page, the notes as paragraphs under the table."""
    register_fonts()
    styles = _styles()
    story = title_block(
        [Paragraph(APPENDIX_LINE, styles["appendix"]), Spacer(1, 3 * mm)],
        [(report.centre, styles["line"]), (report.period_line, styles["period"])],
    )
    story.append(_consolidated_table(report, styles))
    if report.notes:
        story.append(Spacer(1, 2 * mm))
        story.extend(Paragraph(escape(note), styles["note"]) for note in report.notes)
    doc = document(
        path,
        PAGE_SIZE,
        MARGIN,
        MARGIN + FOOTER_ROOM,
        title=report.document_title,
        author=report.centre,
        subject=SUBJECT,
    )
    footer = page_footer(PAGE_SIZE[0], MARGIN)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
