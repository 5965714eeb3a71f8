"""The registry of 31-р Appendix 1 as a PDF (reportlab): A4 landscape, PT fonts embedded.

The table is one long platypus Table split by rows across pages with the heading and the
row of column numbers repeated on each; thousands of rows take a few seconds. The <*>
footnote of column 3 is printed at the foot of every page, like the heading it explains,
so it never ends up alone on a last page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Spacer, Table

from app.documents.pdf_common import (
    FOOTER_SIZE,
    SANS,
    SERIF,
    appendix_style,
    cell_style,
    document,
    heading_style,
    line_style,
    register_fonts,
    repeated_heading_table,
    title_block,
    title_style,
)
from app.documents.registry_form import (
    APPENDIX1_HEADINGS,
    APPENDIX1_LEGEND,
    APPENDIX1_TITLE,
    RegistryForm,
)

PAGE_SIZE = landscape(A4)
MARGIN = 10 * mm
# Widths of the 14 columns (mm); they fill the 277 mm between the margins and each is wide
# enough for the longest word of its heading (tests check that nothing is clipped).
COLUMN_WIDTHS_MM = (9, 16, 15, 34, 17, 20, 19.5, 22.5, 21.5, 21.5, 22.5, 19.5, 19.5, 19)
COLUMN_WIDTHS = tuple(w * mm for w in COLUMN_WIDTHS_MM)
CELL_PADDING = 2  # points, each side

HEADING_SIZE = 6.5
LEGEND_SIZE = 8
LEGEND_LEADING = 10
FOOTER_HEIGHT = 3 * mm  # the page-number line, inside the bottom margin
# Room under the frame for the footnote: a rule and the lines of the legend.
FOOTNOTE_HEIGHT = (len(APPENDIX1_LEGEND) + 1) * LEGEND_LEADING + 2 * mm
BODY_SIZE = 8
# Columns whose values are words and may need wrapping: name, category, the two methods.
_WRAPPED_COLUMNS = frozenset({3, 5, 9, 12})  # 0-based


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "appendix": appendix_style(),
        "title": title_style(spaceAfter=4),
        "line": line_style(),
        "heading": heading_style(HEADING_SIZE, HEADING_SIZE + 1.2),
        # "ребенок-инвалид" may break after its hyphen; any word too long for its cell is
        # split rather than drawn over the next column.
        "cell": cell_style(BODY_SIZE, BODY_SIZE + 1.5, embeddedHyphenation=1, splitLongWords=1),
    }


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Holds the pages back until the end so each can say "Страница N из M"."""

    footer_left = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width, _ = PAGE_SIZE
        y = MARGIN + FOOTER_HEIGHT
        self.setFont(SERIF, LEGEND_SIZE)
        for line in reversed(APPENDIX1_LEGEND):
            self.drawString(MARGIN, y, line)
            y += LEGEND_LEADING
        self.setLineWidth(0.5)
        self.line(MARGIN, y, MARGIN + 50 * mm, y)
        self.setFont(SANS, FOOTER_SIZE)
        self.drawString(MARGIN, MARGIN / 2, self.footer_left)
        self.drawRightString(
            width - MARGIN, MARGIN / 2, f"Страница {self.getPageNumber()} из {total}"
        )


def _canvas_class(footer: str) -> type[_NumberedCanvas]:
    return type("_RegistryCanvas", (_NumberedCanvas,), {"footer_left": footer})


def _table(form: RegistryForm, styles: dict[str, ParagraphStyle]) -> Table:
    heading = styles["heading"]
    cell = styles["cell"]
    data: list[list[Any]] = [
        [Paragraph(escape(text), heading) for text in APPENDIX1_HEADINGS],
        [str(n) for n in range(1, len(APPENDIX1_HEADINGS) + 1)],
    ]
    for row in form.rows:
        data.append(
            [
                Paragraph(escape(text), cell) if i in _WRAPPED_COLUMNS and text else text
                for i, text in enumerate(row.cells)
            ]
        )
    return repeated_heading_table(
        data,
        COLUMN_WIDTHS,
        2,
        [
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("FONT", (0, 0), (-1, 1), SANS, HEADING_SIZE),
            ("FONT", (0, 2), (-1, -1), SERIF, BODY_SIZE),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
        ],
    )


def write_registry_pdf(form: RegistryForm, path: Path) -> None:
    """Write ``form`` to ``path`` (overwritten) as Appendix 1 on A4 landscape pages."""
    register_fonts()
    styles = _styles()
    line = styles["line"]
    story = title_block(
        [
            Paragraph("Приложение N 1 к Положению", styles["appendix"]),
            Spacer(1, 2 * mm),
            Paragraph(escape(APPENDIX1_TITLE), styles["title"]),
        ],
        [(form.provider, line), (form.month_line, line), (form.status_line, line)],
    )
    story.append(_table(form, styles))

    doc = document(
        path,
        PAGE_SIZE,
        MARGIN,
        MARGIN + FOOTER_HEIGHT + FOOTNOTE_HEIGHT,
        title=form.document_title,
        author=form.provider,
        subject="Приложение N 1 к Положению (распоряжение N 31-р)",
    )
    doc.build(story, canvasmaker=_canvas_class(f"Реестр за {form.month_title} г."))
