"""The notice of a refusal to extend the term of semi-stationary services (510-п 4.5), A4."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.documents.notice_pdf import write_notice_pdf
from app.documents.pdf_common import PdfTarget
from app.domain.dates import format_date

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
    def title(self) -> str:
        return TITLE

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


def write_refusal_notice_pdf(notice: RefusalNotice, path: PdfTarget) -> None:
    """One A4 page: the provider, «Кому», the title, the decision, the reason, the signature."""
    write_notice_pdf(notice, path)
