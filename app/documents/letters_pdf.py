"""Covering letters (A4) and DL envelopes (220×110 mm) for routes sent by post (31-р 3.4)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from app.documents.pdf_common import (
    CREATOR,
    SANS,
    SANS_BOLD,
    SERIF,
    SERIF_BOLD,
    PdfTarget,
    pdf_target,
    register_fonts,
)
from app.documents.post_form import Envelope, Letter

A4_WIDTH, A4_HEIGHT = 210 * mm, 297 * mm
DL_WIDTH, DL_HEIGHT = 220 * mm, 110 * mm
LEFT = 25 * mm
RIGHT = 15 * mm
TOP = 20 * mm
TEXT_SIZE = 12.0
LEADING = 17.0


def _lines(
    canvas: Canvas,
    lines: Sequence[str],
    font: str,
    size: float,
    x: float,
    y: float,
    width: float,
    leading: float,
) -> float:
    for text in lines:
        for part in simpleSplit(text, font, size, width) or [""]:
            canvas.setFont(font, size)
            canvas.drawString(x, y, part)
            y -= leading
    return y


def write_letter_pdf(letter: Letter, path: PdfTarget) -> None:
    """One covering letter on an A4 page: sender, "Кому" block, greeting, text, signature."""
    write_letters_pdf([letter], path)


def write_letters_pdf(letters: Sequence[Letter], path: PdfTarget) -> None:
    """Covering letters, one A4 page each, in one file (the fonts embedded once)."""
    register_fonts()
    c = Canvas(pdf_target(path), pagesize=(A4_WIDTH, A4_HEIGHT), initialFontName=SERIF)
    c.setTitle("Сопроводительное письмо")
    c.setCreator(CREATOR)
    for letter in letters:
        _draw_letter(c, letter)
    c.save()


def _draw_letter(c: Canvas, letter: Letter) -> None:
    top = A4_HEIGHT - TOP
    half = (A4_WIDTH - LEFT - RIGHT) / 2 - 5 * mm
    _lines(c, [letter.sender_name, letter.sender_address], SERIF_BOLD, 10, LEFT, top, half, 13)
    x = A4_WIDTH - RIGHT - half
    y = _lines(c, ["Кому:", letter.recipient_dative], SERIF, TEXT_SIZE, x, top, half, LEADING)
    y = _lines(c, [letter.recipient_address], SERIF, TEXT_SIZE, x, y, half, LEADING)
    y = _lines(c, [f"Индекс: {letter.postcode}"], SERIF, TEXT_SIZE, x, y, half, LEADING)
    y = min(y, top - 50 * mm) - 10 * mm
    c.setFont(SERIF_BOLD, 13)
    c.drawCentredString(A4_WIDTH / 2, y, letter.greeting)
    y -= 2 * LEADING
    width = A4_WIDTH - LEFT - RIGHT
    for paragraph in letter.paragraphs:
        y = _lines(c, [paragraph], SERIF, TEXT_SIZE, LEFT, y, width, LEADING) - 4
    y -= 2 * LEADING
    y = _lines(c, ["С уважением,", *letter.signature], SERIF, TEXT_SIZE, LEFT, y, width, LEADING)
    _lines(c, [letter.dated], SERIF, TEXT_SIZE, LEFT, y - LEADING, width, LEADING)
    c.showPage()


def _field(c: Canvas, label: str, value: str, x: float, y: float, width: float) -> float:
    c.setFont(SANS, 8)
    c.drawString(x, y, label)
    lines = simpleSplit(value, SANS_BOLD, 11, width - 14 * mm) or [""]
    for line in lines:
        c.setFont(SANS_BOLD, 11)
        c.drawString(x + 14 * mm, y, line)
        c.setLineWidth(0.3)
        c.line(x + 14 * mm, y - 1.5, x + width, y - 1.5)
        y -= 14
    return y


def write_envelopes_pdf(envelopes: Sequence[Envelope], path: PdfTarget) -> None:
    """One DL envelope (220×110 mm) per page, to print on envelopes fed into the printer."""
    register_fonts()
    c = Canvas(pdf_target(path), pagesize=(DL_WIDTH, DL_HEIGHT), initialFontName=SANS)
    c.setTitle("Конверты DL")
    c.setCreator(CREATOR)
    for env in envelopes:
        x, y, width = 10 * mm, DL_HEIGHT - 12 * mm, 95 * mm
        y = _field(c, "От кого", env.sender_name, x, y, width)
        y = _field(c, "Откуда", env.sender_address, x, y, width)
        _field(c, "Индекс", env.sender_postcode, x, y, 40 * mm)
        x, y, width = DL_WIDTH - 115 * mm, 50 * mm, 105 * mm
        y = _field(c, "Кому", env.recipient, x, y, width)
        y = _field(c, "Куда", env.recipient_address, x, y, width)
        _field(c, "Индекс", env.recipient_postcode, x, y, 40 * mm)
        # The postcode in large figures at the lower left, where the post office reads it.
        c.setFont(SERIF_BOLD, 20)
        c.drawString(10 * mm, 10 * mm, env.recipient_postcode)
        c.showPage()
    c.save()
