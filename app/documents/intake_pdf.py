"""6-р documents: the notice of the decision to the applicant (A4) and the journal of
applications and decisions (6-р 3) as PDF and XLSX.

The seed carries the text of the order but not its appendices: the journal's columns are
what clauses 3 and 8 б require it to register (the application, its date, the decision);
the notice follows clause 8 в (a refusal names its ground).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from app.documents.notice_pdf import write_notice_pdf
from app.documents.pdf_common import (
    SERIF,
    PdfTarget,
    cell_style,
    document,
    heading_style,
    line_style,
    page_footer,
    register_fonts,
    repeated_heading_table,
    title_block,
    title_style,
)
from app.documents.xlsx_common import (
    BODY,
    BOLD,
    FONT_NAME,
    column_widths,
    heading_row,
    merged_line,
    new_sheet,
    number_pages,
    print_landscape,
    save_workbook,
    text_rows,
)
from app.domain.dates import format_date
from app.domain.intake import JOURNAL_TITLE

GRANTED_TITLE = "Уведомление о признании гражданина нуждающимся в социальном обслуживании"
REFUSED_TITLE = "Уведомление об отказе в социальном обслуживании"
ORDER = (
    "Порядок проведения оценки условий жизнедеятельности гражданина, утвержденный "
    "распоряжением Департамента социального развития Тюменской области от 08.02.2017 N 6-р"
)

JOURNAL_HEADINGS = (
    "№ п/п",
    "Регистрационный номер",
    "Дата подачи (регистрации) заявления",
    "ФИО гражданина",
    "Дата рождения",
    "Адрес",
    "Основание (510-п)",
    "Акт обследования условий жизнедеятельности",
    "Решение",
    "Дата решения",
    "Основание отказа",
)
XLSX_WIDTHS = (5, 11, 14, 28, 14, 30, 22, 20, 18, 14, 30)


@dataclass(frozen=True)
class DecisionNotice:
    sender_name: str
    sender_address: str
    recipient_dative: str
    recipient_address: str
    postcode: str
    greeting: str
    journal_number: str
    applied_on: date
    decided_on: date
    granted: bool
    service: str  # the form and technology applied for, in words, or ""
    reason: str
    signer_name: str
    signer_position: str

    @property
    def title(self) -> str:
        return GRANTED_TITLE if self.granted else REFUSED_TITLE

    @property
    def paragraphs(self) -> tuple[str, ...]:
        number = f" (регистрационный №\u00a0{self.journal_number})" if self.journal_number else ""
        service = f" ({self.service})" if self.service else ""
        opening = (
            f"Сообщаем, что по Вашему заявлению о предоставлении социальных услуг от "
            f"{format_date(self.applied_on)}{number}{service} по результатам оценки условий "
            f"жизнедеятельности принято решение от {format_date(self.decided_on)} "
        )
        if self.granted:
            return (
                opening + "о признании Вас нуждающимся в социальном обслуживании.",
                "Индивидуальная программа предоставления социальных услуг будет составлена с "
                "учетом индивидуальной нуждаемости и передана Вам (пункт 8 «г» Порядка).",
                f"Основание: пункт 8 «б» — {ORDER}.",
            )
        return (
            opening + "об отказе в социальном обслуживании.",
            f"Основание отказа: {self.reason}",
            f"Основание: пункт 8 «в» — {ORDER}.",
        )


def write_decision_notice_pdf(notice: DecisionNotice, path: PdfTarget) -> None:
    """One A4 page: the provider, «Кому», the title, the decision (and the ground of a
    refusal), the signature and the date."""
    write_notice_pdf(notice, path)


# --- the journal (6-р 3) ---------------------------------------------------------------------


@dataclass(frozen=True)
class JournalSheet:
    provider: str
    period_text: str  # «за 2026 год»
    rows: tuple[tuple[str, ...], ...]  # cells in the order of JOURNAL_HEADINGS


def write_journal_xlsx(journal: JournalSheet, path: Path) -> None:
    wb, ws = new_sheet("Журнал")
    columns = len(JOURNAL_HEADINGS)
    merged_line(ws, 1, columns, JOURNAL_TITLE, Font(name=FONT_NAME, size=12, bold=True))
    row = 2
    for line in (journal.provider, journal.period_text):
        if line:
            merged_line(ws, row, columns, line, BODY)
            row += 1
    header = row + 1
    heading_row(ws, header, JOURNAL_HEADINGS, BOLD)
    text_rows(ws, header + 1, journal.rows, BODY, frozenset({4, 6, 7, 8, 9, 11}))
    column_widths(ws, XLSX_WIDTHS)
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    ws.print_title_rows = f"{header}:{header}"
    print_landscape(ws)
    number_pages(ws)
    wb.properties.title = f"{JOURNAL_TITLE} {journal.period_text}"
    save_workbook(wb, path)


def write_journal_pdf(journal: JournalSheet, path: Path) -> None:
    """A4 landscape, the heading repeated on every page."""
    register_fonts()
    page = landscape(A4)
    margin = 10 * mm
    usable = (page[0] - 2 * margin) / mm
    widths = tuple(usable * w / sum(XLSX_WIDTHS) * mm for w in XLSX_WIDTHS)
    story = title_block(
        [Paragraph(escape(JOURNAL_TITLE), title_style()), Spacer(1, 2 * mm)],
        [(journal.provider, line_style()), (journal.period_text, line_style())],
    )
    heading = heading_style(7.5, 9)
    cell = cell_style(8, 9.5, splitLongWords=1)
    data: list[list[Any]] = [[Paragraph(escape(h), heading) for h in JOURNAL_HEADINGS]]
    for cells in journal.rows:
        data.append([Paragraph(escape(text), cell) if text else "" for text in cells])
    story.append(repeated_heading_table(data, widths, 1, [("FONT", (0, 0), (-1, -1), SERIF, 8)]))
    doc = document(
        path,
        page,
        margin,
        margin + 3 * mm,
        title=f"{JOURNAL_TITLE} {journal.period_text}",
        author=journal.provider,
        subject="Журнал регистрации заявлений (распоряжение N 6-р, п. 3)",
    )
    footer = page_footer(page[0], margin)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
