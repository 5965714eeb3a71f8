"""Individual rehabilitation routes (31-р Appendix 2) as a PDF: A4 portrait, PT fonts embedded.

Drawn with canvas primitives over a precomputed column layout rather than platypus
tables: a batch of a thousand routes is printed for a month, and wrapping the same
titles, organisations and addresses again for every route is what made tables slow. Text
is wrapped once per distinct (text, width) and cached; a row that does not fit on the
page continues on the next one, under the table heading repeated. Each route starts on a
new page; a route of several pages is numbered "лист N из M" at the foot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.documents.pdf_common import (
    CREATOR,
    SANS,
    SERIF,
    SERIF_BOLD,
    PdfTarget,
    pdf_target,
    register_fonts,
)
from app.documents.route_form import (
    APPENDIX2_APPENDIX,
    APPENDIX2_HEADINGS,
    APPENDIX2_TITLE,
    DEVELOPED_BY,
    DEVELOPED_BY_HINT,
    FIELD_ADDRESS,
    FIELD_BIRTH_DATE,
    FIELD_CITIZEN,
    FIELD_REPRESENTATIVE,
    FIELD_SERVICES,
    PLAN_NOTE,
    RouteDocument,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 20 * mm
RIGHT = 10 * mm
TOP = 15 * mm
BOTTOM = 15 * mm
WIDTH = PAGE_WIDTH - LEFT - RIGHT  # 180 mm
# The 7 columns of the table (mm), filling the 180 mm; each wide enough for the longest
# word of its heading and for a phone number.
COLUMN_WIDTHS_MM = (10, 34, 27, 33, 30, 24, 22)
COLUMN_WIDTHS = tuple(w * mm for w in COLUMN_WIDTHS_MM)
COLUMN_X = tuple(LEFT + sum(COLUMN_WIDTHS[:i]) for i in range(len(COLUMN_WIDTHS) + 1))
PAD = 2.0  # points, each side of a cell

TEXT_SIZE = 10.5
TEXT_LEADING = 15.0
TITLE_SIZE = 13.0
HEADING_SIZE = 7.5
HEADING_LEADING = 9.0
CELL_SIZE = 8.0
CELL_LEADING = 9.6
HINT_SIZE = 7.5
FOOTER_SIZE = 7.5
LINE_WIDTH = 0.5
_BREAK_AFTER_HYPHEN = re.compile(r"(?<=-)(?=[^-])")
_PHONE = re.compile(r"\+?\d[\d ()-]{4,}\d")


def _unbroken_phones(text: str) -> str:
    """ "+7 34551 55555" stays on one line of the "developed by" block."""
    return _PHONE.sub(lambda m: m[0].replace(" ", "\u00a0"), text)


@lru_cache(maxsize=32768)
def wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """``text`` in lines no wider than ``width``: broken at spaces, after hyphens, and
    inside a word only when the word alone is wider than the column. A no-break space
    (kept inside phone numbers) is not a place to break."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if not word:
            continue
        for index, piece in enumerate(_BREAK_AFTER_HYPHEN.split(word)):
            joiner = " " if index == 0 and current else ""
            candidate = f"{current}{joiner}{piece}"
            if stringWidth(candidate, font, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = piece
            while stringWidth(current, font, size) > width and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and stringWidth(current[:cut], font, size) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
    if current:
        lines.append(current)
    return tuple(lines)


@dataclass(frozen=True)
class _Row:
    cells: tuple[tuple[str, ...], ...]  # wrapped lines of each column
    lines: int  # the tallest cell


@dataclass
class _Page:
    """What one page holds: the route's opening, table slices, the closing block."""

    opening: bool = False
    rows: list[tuple[_Row, int, int]] = field(default_factory=list)  # (row, first, stop)
    closing: bool = False


@lru_cache(maxsize=1)
def _heading() -> tuple[tuple[tuple[str, ...], ...], float]:
    cells = tuple(
        wrap(text, SANS, HEADING_SIZE, width - 2 * PAD)
        for text, width in zip(APPENDIX2_HEADINGS, COLUMN_WIDTHS, strict=True)
    )
    height = max(len(c) for c in cells) * HEADING_LEADING + 2 * PAD + 2
    return cells, height


def _row(cells: Sequence[str]) -> _Row:
    wrapped = tuple(
        wrap(text, SERIF, CELL_SIZE, width - 2 * PAD) if text else ()
        for text, width in zip(cells, COLUMN_WIDTHS, strict=True)
    )
    return _Row(wrapped, max(1, *(len(c) for c in wrapped)))


def _field_lines(label: str, value: str) -> tuple[float, tuple[str, ...]]:
    """Where the value starts after the label and its lines (the first beside the label)."""
    label_width = stringWidth(label, SERIF, TEXT_SIZE) + 4
    if not value:
        return label_width, ("",)
    first_width = WIDTH - label_width
    first = wrap(value, SERIF, TEXT_SIZE, first_width)
    if first and stringWidth(first[0], SERIF, TEXT_SIZE) <= first_width:
        rest = " ".join(value.split())[len(first[0]) :].strip()
        return label_width, (first[0], *wrap(rest, SERIF, TEXT_SIZE, WIDTH))
    # Not even the first word fits beside the label: the value goes under it.
    return label_width, ("", *wrap(value, SERIF, TEXT_SIZE, WIDTH))


def _fields(doc: RouteDocument) -> list[tuple[str, float, tuple[str, ...]]]:
    return [
        (label, *_field_lines(label, value))
        for label, value in (
            (FIELD_CITIZEN, doc.citizen_name),
            (FIELD_REPRESENTATIVE, doc.representative_name),
            (FIELD_BIRTH_DATE, doc.birth_date),
            (FIELD_ADDRESS, doc.actual_address),
        )
    ]


def _opening_height(fields: list[tuple[str, float, tuple[str, ...]]]) -> float:
    lines = sum(len(value_lines) for _, _, value_lines in fields) + 1  # + field 4
    return 2 * 11 + 8 + TITLE_SIZE + 14 + lines * TEXT_LEADING + 4


def _closing(doc: RouteDocument) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    label_width = stringWidth(DEVELOPED_BY, SERIF, TEXT_SIZE) + 4
    developer = (
        wrap(_unbroken_phones(doc.developer), SERIF, TEXT_SIZE, WIDTH - label_width)
        if doc.developer
        else ()
    )
    note = wrap(PLAN_NOTE, SERIF, TEXT_SIZE, WIDTH) if doc.plan_drawn_up else ()
    height = 14 + max(1, len(developer)) * TEXT_LEADING + HINT_SIZE + 6
    if note:
        height += 8 + len(note) * TEXT_LEADING
    return height, developer, note


def _paginate(rows: list[_Row], opening: float, closing: float) -> list[_Page]:
    """Which rows (or parts of rows) go on which page of one route."""
    _, heading_height = _heading()
    bottom = BOTTOM + 6  # above the footer line
    top = PAGE_HEIGHT - TOP - heading_height  # where rows start on a continuation page
    capacity = int((top - bottom - 2 * PAD) // CELL_LEADING)  # lines a whole page holds
    page = _Page(opening=True)
    pages = [page]
    y = top - opening
    for row in rows:
        first = 0
        while first < row.lines:
            room = int((y - bottom - 2 * PAD) // CELL_LEADING)
            need = row.lines - first
            if need <= room:
                take = need
            elif need > capacity and room >= 3:
                take = room  # taller than any page: split it here rather than waste the room
            else:
                page = _Page()
                pages.append(page)
                y = top
                continue
            page.rows.append((row, first, first + take))
            y -= take * CELL_LEADING + 2 * PAD
            first += take
    if y - closing < bottom:
        page = _Page()
        pages.append(page)
    page.closing = True
    return pages


def _n(value: float) -> str:
    return f"{value:.2f}"


@lru_cache(maxsize=32768)
def _width(text: str, font: str, size: float) -> float:
    return float(stringWidth(text, font, size))


class _Renderer:
    """Writes page content operators straight into the canvas: reportlab's own text
    objects format every number and re-encode every string each time, which is most of
    the time a batch takes. Encoded strings are cached per document, since the TrueType
    subsets they refer to belong to it (the recipe of reportlab.pdfbase.ttfonts)."""

    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas
        self.doc = canvas._doc
        self.fonts = {name: getFont(name) for name in (SERIF, SERIF_BOLD, SANS)}
        self.encoded: dict[tuple[str, float, str], str] = {}

    @property
    def out(self) -> list[str]:
        return self.c._code  # type: ignore[no-any-return]  # the current page's stream

    def text(self, font: str, size: float, x: float, y: float, value: str) -> None:
        key = (font, size, value)
        fragment = self.encoded.get(key)
        if fragment is None:
            face = self.fonts[font]
            fragment = " ".join(
                f"{face.getSubsetInternalName(subset, self.doc)} {size:g} Tf "
                f"({self.c._escape(chunk)}) Tj"
                for subset, chunk in face.splitString(value, self.doc)
            )
            self.encoded[key] = fragment
        self.out.append(f"BT 1 0 0 1 {x:.2f} {y:.2f} Tm {fragment} ET")

    def centred(self, font: str, size: float, x: float, y: float, value: str) -> None:
        self.text(font, size, x - _width(value, font, size) / 2, y, value)

    def right(self, font: str, size: float, x: float, y: float, value: str) -> None:
        self.text(font, size, x - _width(value, font, size), y, value)

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.out.append(f"{x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def opening(
        self, doc: RouteDocument, fields: list[tuple[str, float, tuple[str, ...]]]
    ) -> float:
        y = PAGE_HEIGHT - TOP - 9
        for line in APPENDIX2_APPENDIX:
            self.right(SERIF, 9, LEFT + WIDTH, y, line)
            y -= 11
        y -= 8 + TITLE_SIZE
        self.centred(SERIF_BOLD, TITLE_SIZE, LEFT + WIDTH / 2, y, APPENDIX2_TITLE)
        y -= 14 + TEXT_LEADING - TEXT_SIZE
        for label, value_x, lines in fields:
            y -= TEXT_SIZE
            self.text(SERIF, TEXT_SIZE, LEFT, y, label)
            x = LEFT + value_x
            for line in lines:
                if line:
                    self.text(SERIF, TEXT_SIZE, x + 2, y, line)
                self.line(x, y - 2.5, LEFT + WIDTH, y - 2.5)
                y -= TEXT_LEADING
                x = LEFT
            y += TEXT_SIZE
        y -= TEXT_SIZE
        self.text(SERIF, TEXT_SIZE, LEFT, y, FIELD_SERVICES)
        return float(y - (TEXT_LEADING - TEXT_SIZE) - 4)

    def heading(self, top: float) -> float:
        cells, height = _heading()
        self.out.append(f"0.93 g {_n(LEFT)} {_n(top - height)} {_n(WIDTH)} {_n(height)} re f 0 g")
        for lines, x0, width in zip(cells, COLUMN_X, COLUMN_WIDTHS, strict=False):
            # Centred in the cell both ways, like the form.
            y = top - (height - len(lines) * HEADING_LEADING) / 2 - HEADING_SIZE
            for line in lines:
                self.centred(SANS, HEADING_SIZE, x0 + width / 2, y, line)
                y -= HEADING_LEADING
        self.grid(top, top - height)
        return top - height

    def grid(self, top: float, bottom: float) -> None:
        t, b = _n(top), _n(bottom)
        parts = [f"{_n(x)} {t} m {_n(x)} {b} l" for x in COLUMN_X]
        right = _n(LEFT + WIDTH)
        parts.append(f"{_n(LEFT)} {t} m {right} {t} l {_n(LEFT)} {b} m {right} {b} l S")
        self.out.append(" ".join(parts))

    def rows(self, top: float, rows: list[tuple[_Row, int, int]]) -> float:
        y_top = top
        number_x = COLUMN_X[0] + COLUMN_WIDTHS[0] / 2
        for row, first, stop in rows:
            height = (stop - first) * CELL_LEADING + 2 * PAD
            for column, lines in enumerate(row.cells):
                x = COLUMN_X[column] + PAD
                y = y_top - PAD - CELL_SIZE
                for line in lines[first:stop]:
                    if column == 0:
                        self.centred(SERIF, CELL_SIZE, number_x, y, line)
                    else:
                        self.text(SERIF, CELL_SIZE, x, y, line)
                    y -= CELL_LEADING
            self.grid(y_top, y_top - height)
            y_top -= height
        return y_top

    def closing(self, top: float, developer: tuple[str, ...], note: tuple[str, ...]) -> None:
        y = top - 14 - TEXT_SIZE + 4
        self.text(SERIF, TEXT_SIZE, LEFT, y, DEVELOPED_BY)
        x = LEFT + _width(DEVELOPED_BY, SERIF, TEXT_SIZE) + 4
        for line in developer or ("",):
            if line:
                self.text(SERIF, TEXT_SIZE, x + 2, y, line)
            self.line(x, y - 2.5, LEFT + WIDTH, y - 2.5)
            y -= TEXT_LEADING
            x = LEFT
        hint_y = y + TEXT_LEADING - 2.5 - HINT_SIZE - 1
        self.centred(SERIF, HINT_SIZE, LEFT + WIDTH / 2 + 20, hint_y, DEVELOPED_BY_HINT)
        y -= HINT_SIZE + 6
        if note:
            y -= 8
            for line in note:
                self.text(SERIF, TEXT_SIZE, LEFT, y, line)
                y -= TEXT_LEADING

    def footer(self, doc: RouteDocument, number: int, total: int) -> None:
        status = {"DRAFT": "черновик", "SUPERSEDED": "заменён"}.get(doc.status, "")
        parts = [doc.citizen_name or APPENDIX2_TITLE, f"версия {doc.version}"]
        if doc.issued_on:
            parts.append(f"выдан {doc.issued_on}")
        if status:
            parts.append(status)
        self.text(SANS, FOOTER_SIZE, LEFT, BOTTOM - 8, ", ".join(parts))
        if total > 1:
            self.right(SANS, FOOTER_SIZE, LEFT + WIDTH, BOTTOM - 8, f"лист {number} из {total}")

    def route(self, doc: RouteDocument) -> int:
        fields = _fields(doc)
        opening = _opening_height(fields)
        closing_height, developer, note = _closing(doc)
        rows = [_row(r.cells) for r in doc.rows]
        pages = _paginate(rows, opening, closing_height)
        for number, page in enumerate(pages, start=1):
            self.out.append(f"{LINE_WIDTH:g} w 0 g 0 G")
            top = PAGE_HEIGHT - TOP
            if page.opening:
                top = self.opening(doc, fields)
            if page.rows or page.opening:
                top = self.heading(top)
                top = self.rows(top, page.rows)
            if page.closing:
                self.closing(top, developer, note)
            self.footer(doc, number, len(pages))
            self.c.showPage()
        return len(pages)


def write_routes_pdf(documents: Sequence[RouteDocument], path: PdfTarget) -> int:
    """Write ``documents`` to ``path`` (overwritten), each from a new page; returns pages."""
    return sum(write_routes_pdf_pages(documents, path))


def write_routes_pdf_pages(documents: Sequence[RouteDocument], path: PdfTarget) -> list[int]:
    """As ``write_routes_pdf``, returning how many pages each document took, in order."""
    register_fonts()
    canvas = Canvas(
        pdf_target(path),
        pagesize=A4,
        pageCompression=1,
        initialFontName=SERIF,  # not Helvetica: every font in the file is ours, embedded
    )
    canvas.setTitle(
        f"{APPENDIX2_TITLE} — {documents[0].citizen_name}"
        if len(documents) == 1
        else f"{APPENDIX2_TITLE} ({len(documents)})"
    )
    canvas.setSubject("Приложение N 2 к Положению (распоряжение N 31-р)")
    canvas.setCreator(CREATOR)
    renderer = _Renderer(canvas)
    pages = [renderer.route(doc) for doc in documents]
    # Binary (deflated) page streams: ASCII85 on top only makes the file bigger and slower.
    use_a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        canvas.save()
    finally:
        rl_config.useA85 = use_a85
    return pages
