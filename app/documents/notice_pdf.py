"""A one-page notice to an applicant (A4): the provider, «Кому», the title, the decision's
paragraphs, the signature and the date. The 510-п extension refusal and the 6-р decision
notice are both printed by it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from app.documents.pdf_common import (
    CREATOR,
    SERIF,
    SERIF_BOLD,
    PdfTarget,
    pdf_target,
    register_fonts,
)
from app.domain.dates import format_date

A4_WIDTH, A4_HEIGHT = 210 * mm, 297 * mm
LEFT = 25 * mm
RIGHT = 15 * mm
TOP = 20 * mm
TEXT_SIZE = 12.0
LEADING = 17.0


class Notice(Protocol):
    @property
    def sender_name(self) -> str: ...
    @property
    def sender_address(self) -> str: ...
    @property
    def recipient_dative(self) -> str: ...
    @property
    def recipient_address(self) -> str: ...
    @property
    def postcode(self) -> str: ...
    @property
    def greeting(self) -> str: ...
    @property
    def decided_on(self) -> date: ...
    @property
    def signer_name(self) -> str: ...
    @property
    def signer_position(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def paragraphs(self) -> tuple[str, ...]: ...


def _lines(
    c: Canvas, lines: Sequence[str], font: str, size: float, x: float, y: float, width: float
) -> float:
    for text in lines:
        for part in simpleSplit(text, font, size, width) or [""]:
            c.setFont(font, size)
            c.drawString(x, y, part)
            y -= LEADING
    return y


def write_notice_pdf(notice: Notice, path: PdfTarget) -> None:
    register_fonts()
    c = Canvas(pdf_target(path), pagesize=(A4_WIDTH, A4_HEIGHT), initialFontName=SERIF)
    c.setTitle(notice.title)
    c.setCreator(CREATOR)
    top = A4_HEIGHT - TOP
    half = (A4_WIDTH - LEFT - RIGHT) / 2 - 5 * mm
    sender = [s for s in (notice.sender_name, notice.sender_address) if s]
    _lines(c, sender, SERIF_BOLD, 10, LEFT, top, half)
    x = A4_WIDTH - RIGHT - half
    recipient = ["Кому:", notice.recipient_dative]
    if notice.recipient_address:
        recipient.append(notice.recipient_address)
    if notice.postcode:
        recipient.append(f"Индекс: {notice.postcode}")
    y = _lines(c, recipient, SERIF, TEXT_SIZE, x, top, half)
    y = min(y, top - 50 * mm) - 8 * mm
    width = A4_WIDTH - LEFT - RIGHT
    for part in simpleSplit(notice.title, SERIF_BOLD, 13, width - 20 * mm):
        c.setFont(SERIF_BOLD, 13)
        c.drawCentredString(A4_WIDTH / 2, y, part)
        y -= LEADING
    y -= LEADING
    c.setFont(SERIF_BOLD, TEXT_SIZE)
    c.drawCentredString(A4_WIDTH / 2, y, notice.greeting)
    y -= 2 * LEADING
    for paragraph in notice.paragraphs:
        y = _lines(c, [paragraph], SERIF, TEXT_SIZE, LEFT, y, width) - 6
    y -= 2 * LEADING
    signature = [notice.signer_position, notice.signer_name]
    y = _lines(c, [s for s in signature if s], SERIF, TEXT_SIZE, LEFT, y, width)
    _lines(c, [format_date(notice.decided_on)], SERIF, TEXT_SIZE, LEFT, y - LEADING, width)
    c.showPage()
    c.save()
