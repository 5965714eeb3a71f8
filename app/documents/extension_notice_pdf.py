"""The notice of a refusal to extend the term of semi-stationary services (510-п 4.5), A4."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

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
TITLE = "Уведомление об отказе в продлении срока предоставления социальных услуг"


@dataclass(frozen=True)
class RefusalNotice:
    sender_name: str
    sender_address: str
    recipient_dative: str
    recipient_address: str
    postcode: str
    greeting: str
    received_on: date
    decided_on: date
    programme_number: str
    ends_on: date
    reason: str
    signer_name: str
    signer_position: str

    @property
    def paragraphs(self) -> tuple[str, ...]:
        number = f" №\u00a0{self.programme_number}" if self.programme_number else ""
        return (
            f"Сообщаем, что по Вашему заявлению о продлении срока предоставления социальных "
            f"услуг в полустационарной форме социального обслуживания от "
            f"{format_date(self.received_on)} (индивидуальная программа предоставления "
            f"социальных услуг{number}, срок действия до {format_date(self.ends_on)}) "
            f"принято решение от {format_date(self.decided_on)} об отказе в продлении срока "
            "предоставления социальных услуг.",
            f"Причина отказа: {self.reason}",
            "Основание: пункт 4.5 главы 4 подраздела 3 Порядка предоставления социальных "
            "услуг поставщиками социальных услуг в Тюменской области, утвержденного "
            "постановлением Правительства Тюменской области от 03.10.2014 N 510-п.",
        )


def _lines(
    c: Canvas, lines: Sequence[str], font: str, size: float, x: float, y: float, width: float
) -> float:
    for text in lines:
        for part in simpleSplit(text, font, size, width) or [""]:
            c.setFont(font, size)
            c.drawString(x, y, part)
            y -= LEADING
    return y


def write_refusal_notice_pdf(notice: RefusalNotice, path: PdfTarget) -> None:
    """One A4 page: the provider, «Кому», the title, the decision, the reason, the signature."""
    register_fonts()
    c = Canvas(pdf_target(path), pagesize=(A4_WIDTH, A4_HEIGHT), initialFontName=SERIF)
    c.setTitle(TITLE)
    c.setCreator(CREATOR)
    top = A4_HEIGHT - TOP
    half = (A4_WIDTH - LEFT - RIGHT) / 2 - 5 * mm
    _lines(c, [notice.sender_name, notice.sender_address], SERIF_BOLD, 10, LEFT, top, half)
    x = A4_WIDTH - RIGHT - half
    recipient = ["Кому:", notice.recipient_dative]
    if notice.recipient_address:
        recipient.append(notice.recipient_address)
    if notice.postcode:
        recipient.append(f"Индекс: {notice.postcode}")
    y = _lines(c, recipient, SERIF, TEXT_SIZE, x, top, half)
    y = min(y, top - 50 * mm) - 8 * mm
    width = A4_WIDTH - LEFT - RIGHT
    for part in simpleSplit(TITLE, SERIF_BOLD, 13, width - 20 * mm):
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
