"""What the PDF writers share: the PT fonts, the styles, the title block, the page template."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.reference import font_path

SERIF = "PTSerif"
SERIF_BOLD = "PTSerif-Bold"
SANS = "PTSans"
SANS_BOLD = "PTSans-Bold"
_FONT_FILES = {
    SERIF: "PTSerif-Regular.ttf",
    SERIF_BOLD: "PTSerif-Bold.ttf",
    SANS: "PTSans-Regular.ttf",
    SANS_BOLD: "PTSans-Bold.ttf",
}

CREATOR = "Интеграционный консультант"
# Where a PDF goes: a file, or a binary stream (rendered in memory, e.g. the parts of a post
# batch, so that no temporary file with personal data is left when the process is killed).
PdfTarget = Path | IO[bytes]
HEADING_BACKGROUND = colors.HexColor("#EFEFEF")
FOOTER_SIZE = 8


@cache
def register_fonts() -> None:
    """Register the PT fonts with reportlab once per process (they are embedded as subsets)."""
    for name, file_name in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_path(file_name))))
    pdfmetrics.registerFontFamily(SERIF, normal=SERIF, bold=SERIF_BOLD)
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD)


# --- styles ------------------------------------------------------------------------------


def appendix_style() -> ParagraphStyle:
    """ "Приложение N … к Положению", at the top right."""
    return ParagraphStyle("appendix", fontName=SERIF, fontSize=9, leading=11, alignment=TA_RIGHT)


def title_style(**extra: Any) -> ParagraphStyle:
    return ParagraphStyle(
        "title", fontName=SERIF_BOLD, fontSize=12, leading=15, alignment=TA_CENTER, **extra
    )


def line_style() -> ParagraphStyle:
    """A centred line under the title: the provider, the period."""
    return ParagraphStyle("line", fontName=SERIF, fontSize=10, leading=13, alignment=TA_CENTER)


def heading_style(size: float, leading: float) -> ParagraphStyle:
    """A column heading, centred in its cell."""
    return ParagraphStyle(
        "heading", fontName=SANS, fontSize=size, leading=leading, alignment=TA_CENTER
    )


def cell_style(size: float, leading: float, **extra: Any) -> ParagraphStyle:
    """The text of a table cell, wrapped at the left."""
    return ParagraphStyle(
        "cell", fontName=SERIF, fontSize=size, leading=leading, alignment=TA_LEFT, **extra
    )


# --- the page ----------------------------------------------------------------------------


def title_block(head: Sequence[Any], lines: Sequence[tuple[str, ParagraphStyle]]) -> list[Any]:
    """The opening of a form: ``head`` (the appendix line, the title and the space between),
    then each line centred, leaving out an empty one (no provider's name set), then the
    room before the table."""
    return [
        *head,
        *(Paragraph(escape(text), style) for text, style in lines if text),
        Spacer(1, 4 * mm),
    ]


def pdf_target(target: PdfTarget) -> str | IO[bytes]:
    """``target`` as reportlab takes it: a file name or the stream itself."""
    return str(target) if isinstance(target, Path) else target


def document(
    path: PdfTarget,
    page_size: tuple[float, float],
    margin: float,
    bottom_margin: float,
    *,
    title: str,
    author: str,
    subject: str,
) -> SimpleDocTemplate:
    """A platypus document writing to ``path``, its text in our embedded fonts only."""
    return SimpleDocTemplate(
        pdf_target(path),
        pagesize=page_size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=bottom_margin,
        title=title,
        author=author,
        subject=subject,
        creator=CREATOR,
        initialFontName=SERIF,  # not Helvetica: every font in the file is ours, embedded
    )


def page_footer(
    page_width: float, margin: float, left: str | None = None
) -> Callable[[Canvas, Any], None]:
    """Draws "Страница N" at the foot of every page, and ``left`` at the left when given."""

    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(SANS, FOOTER_SIZE)
        if left is not None:
            canvas.drawString(margin, margin / 2, left)
        canvas.drawRightString(
            page_width - margin, margin / 2, f"Страница {canvas.getPageNumber()}"
        )
        canvas.restoreState()

    return draw


def repeated_heading_table(
    data: list[list[Any]],
    column_widths: Sequence[float],
    heading_rows: int,
    commands: Sequence[Any],
) -> Table:
    """A long table split by rows across pages, its first ``heading_rows`` repeated on each:
    ruled, the heading greyed and centred in height, the rows' text at the top of the cell;
    ``commands`` style it further."""
    table = Table(
        data,
        colWidths=column_widths,
        repeatRows=heading_rows,
        splitByRow=True,
        longTableOptimize=True,
        hAlign="CENTER",
    )
    last = heading_rows - 1
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, last), "MIDDLE"),
                ("VALIGN", (0, heading_rows), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, last), HEADING_BACKGROUND),
                *commands,
            ]
        )
    )
    return table
