"""The support plan of 31-р Appendix 3 as a PDF (reportlab): A4 portrait, PT fonts embedded.

Wording and column headings are those of the order, verbatim. Each contact with an
organisation is a row of its own; the number and the question are printed on the first
row of their question only and the rule between such rows is left out, so the question
reads as one merged cell while the table can still split between any two rows. The
heading row is repeated on every page.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from app.documents.pdf_common import (
    HEADING_BACKGROUND,
    SERIF,
    PdfTarget,
    cell_style,
    document,
    heading_style,
    page_footer,
    register_fonts,
    title_style,
)
from app.documents.plan_form import (
    APPENDIX3_ADDRESS,
    APPENDIX3_APPENDIX,
    APPENDIX3_CATEGORY,
    APPENDIX3_DATE,
    APPENDIX3_DEVELOPER,
    APPENDIX3_DEVELOPER_HINT,
    APPENDIX3_HEADINGS,
    APPENDIX3_PERSON,
    APPENDIX3_PHONE,
    APPENDIX3_TITLE,
    InteractionForm,
    PlanForm,
    PlanHeader,
    QuestionForm,
)
from app.domain.dates import parse_date

PAGE_SIZE = A4
MARGIN = 15 * mm
FRAME_PADDING = 6  # reportlab's default padding of the page frame, points each side
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN - 2 * FRAME_PADDING
# N п/п, questions, organisations, specialist, note: shares of the width between margins.
COLUMN_WIDTHS_MM = (11, 44, 55, 40, 30)
COLUMN_WIDTHS = tuple(w / sum(COLUMN_WIDTHS_MM) * CONTENT_WIDTH for w in COLUMN_WIDTHS_MM)
CELL_PADDING = 3

_MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def date_in_words(value: date) -> str:
    """The form's date line filled in: «"05" июня 2025 г.»."""
    return f'"{value.day:02d}" {_MONTHS_GENITIVE[value.month - 1]} {value.year} г.'


def _styles() -> dict[str, ParagraphStyle]:
    base = {"fontName": SERIF, "fontSize": 10, "leading": 12.5}
    return {
        "appendix": ParagraphStyle("appendix", **base, alignment=TA_RIGHT),
        "title": title_style(),
        "label": ParagraphStyle("label", **base, alignment=TA_LEFT),
        "value": ParagraphStyle("value", **base, alignment=TA_LEFT, splitLongWords=1),
        "hint": ParagraphStyle("hint", fontName=SERIF, fontSize=8, leading=10, alignment=TA_CENTER),
        "heading": heading_style(8, 9.6),
        "cell": cell_style(9, 11, splitLongWords=1),
    }


def _para(lines: list[str], style: ParagraphStyle) -> Paragraph | str:
    text = "<br/>".join(escape(line) for line in lines if line)
    return Paragraph(text, style) if text else ""


def organisation_lines(item: InteractionForm) -> list[str]:
    """Column 3: the organisation as the heading asks, and the date of contact (4.5)."""
    lines = [item.organisation_name]
    if item.website:
        lines.append(f"сайт: {item.website}")
    if item.email:
        lines.append(f"e-mail: {item.email}")
    if item.location:
        lines.append(f"место нахождения: {item.location}")
    if item.hours:
        lines.append(f"часы работы: {item.hours}")
    if item.interacted_on:
        lines.append(f"дата взаимодействия: {item.interacted_on}")
    return lines


def specialist_lines(item: InteractionForm) -> list[str]:
    """Column 4: the specialist's name, position and contacts."""
    return [item.specialist_name, item.specialist_position, item.specialist_contacts]


def question_lines(question: QuestionForm) -> list[str]:
    """Column 2: the question, and whose it is when a family member raised it."""
    if not question.about:
        return [question.question]
    return [question.question, f"Член семьи: {question.about}"]


def _question_rows(
    number: int, question: QuestionForm, styles: dict[str, ParagraphStyle]
) -> list[list[Any]]:
    cell = styles["cell"]
    interactions: tuple[InteractionForm | None, ...] = question.interactions or (None,)
    rows: list[list[Any]] = []
    for index, item in enumerate(interactions):
        first = index == 0
        notes = [question.note] if first else []
        if item is not None and item.note:
            notes.append(item.note)
        rows.append(
            [
                f"{number}." if first else "",
                _para(question_lines(question), cell) if first else "",
                _para(organisation_lines(item), cell) if item else "",
                _para(specialist_lines(item), cell) if item else "",
                _para(notes, cell),
            ]
        )
    return rows


def _table(form: PlanForm, styles: dict[str, ParagraphStyle]) -> Table:
    heading = styles["heading"]
    data: list[list[Any]] = [
        [
            Paragraph(
                escape(text) + (f"<br/>{escape(hint)}" if hint else ""),
                heading,
            )
            for text, hint in APPENDIX3_HEADINGS
        ]
    ]
    starts: list[int] = []
    for number, question in enumerate(form.questions, start=1):
        starts.append(len(data))
        data.extend(_question_rows(number, question, styles))
    commands: list[Any] = [
        ("BOX", (0, 0), (-1, -1), 0.5, colors.black),
        ("INNERGRID", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEAFTER", (0, 0), (-2, -1), 0.5, colors.black),
        ("LINEBELOW", (2, 1), (-1, -1), 0.5, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("FONT", (0, 0), (-1, -1), SERIF, 9),
        ("BACKGROUND", (0, 0), (-1, 0), HEADING_BACKGROUND),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
    ]
    # Columns 1-2 are ruled only where a new question begins.
    commands.extend(("LINEABOVE", (0, row), (1, row), 0.5, colors.black) for row in starts)
    table = Table(data, colWidths=COLUMN_WIDTHS, repeatRows=1, splitByRow=True, hAlign="CENTER")
    table.setStyle(TableStyle(commands))
    return table


def _filled(label: str, value: str, styles: dict[str, ParagraphStyle], label_mm: float) -> Table:
    """A line of the form: the printed words, then the value on an underlined blank."""
    value_cell = _para([value], styles["value"])
    if label:
        table = Table(
            [[Paragraph(escape(label), styles["label"]), value_cell]],
            colWidths=(label_mm * mm, CONTENT_WIDTH - label_mm * mm),
        )
    else:
        table = Table([["", value_cell]], colWidths=(0, CONTENT_WIDTH))
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SERIF, 10),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (1, 0), (1, 0), 0.5, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 4 if label else 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def write_plan_pdf(form: PlanForm, header: PlanHeader, path: PdfTarget) -> None:
    """Write the plan to ``path`` (overwritten) as the form of Appendix 3."""
    register_fonts()
    styles = _styles()
    story: list[Any] = [
        Paragraph("<br/>".join(APPENDIX3_APPENDIX), styles["appendix"]),
        Spacer(1, 5 * mm),
        Paragraph("<br/>".join(escape(line) for line in APPENDIX3_TITLE), styles["title"]),
        Spacer(1, 5 * mm),
        # As in the order: the words of the field, then its value on a line of its own.
        Paragraph(escape(APPENDIX3_PERSON), styles["label"]),
        _filled("", header.person_name, styles, 0),
        Spacer(1, 2 * mm),
        _filled(APPENDIX3_CATEGORY, header.category, styles, 22),
        _filled(APPENDIX3_ADDRESS, header.address, styles, 22),
        _filled(APPENDIX3_PHONE, header.phone, styles, 22),
        Spacer(1, 5 * mm),
        _table(form, styles),
        Spacer(1, 6 * mm),
    ]
    drawn = form.drawn_up_on.strip()
    date_text = date_in_words(parse_date(drawn)) if drawn else '"_____" __________________ 20__ г.'
    story.append(Paragraph(f"{APPENDIX3_DATE} {escape(date_text)}", styles["label"]))
    story.append(Spacer(1, 4 * mm))
    story.append(_filled(APPENDIX3_DEVELOPER, header.developer, styles, 30))
    story.append(Paragraph(escape(APPENDIX3_DEVELOPER_HINT), styles["hint"]))

    doc = document(
        path,
        PAGE_SIZE,
        MARGIN,
        MARGIN + 3 * mm,
        title=f"План комплексного сопровождения — {header.person_name}",
        author=header.developer,
        subject="Приложение N 3 к Положению (распоряжение N 31-р)",
    )
    person = header.person_name.split(" (")[0]
    footer = page_footer(PAGE_SIZE[0], MARGIN, f"План комплексного сопровождения: {person}")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
