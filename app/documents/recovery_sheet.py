"""The recovery key sheet: printed once at set-up and kept in the safe (issue #10)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.documents.pdf_common import CREATOR, SANS, SERIF, SERIF_BOLD, register_fonts

QR_SIZE = 50 * mm


@dataclass(frozen=True)
class RecoverySheet:
    organisation: str
    database_file: str
    created: str  # dd.mm.yyyy
    supervisor: str
    recovery_key: str  # groups joined by "-"


def write_recovery_sheet(sheet: RecoverySheet, out: Path) -> None:
    register_fonts()
    body = ParagraphStyle("body", fontName=SERIF, fontSize=11, leading=15)
    title = ParagraphStyle("title", fontName=SERIF_BOLD, fontSize=14, leading=18, spaceAfter=8)
    key_style = ParagraphStyle("key", fontName=SANS, fontSize=20, leading=28, spaceBefore=6)
    groups = sheet.recovery_key.split("-")
    key_lines = "<br/>".join(
        "&nbsp;&nbsp;".join(groups[i : i + 4]) for i in range(0, len(groups), 4)
    )
    qr = QrCodeWidget(sheet.recovery_key)
    left, bottom, right, top = qr.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(qr)
    story = [
        Paragraph("Ключ восстановления базы данных", title),
        Paragraph("Интеграционный консультант", body),
        Spacer(1, 4 * mm),
        Paragraph(f"Организация: {escape(sheet.organisation or '—')}", body),
        Paragraph(f"Файл базы данных: {escape(sheet.database_file)}", body),
        Paragraph(
            f"Создан: {escape(sheet.created)}; руководитель: {escape(sheet.supervisor)}", body
        ),
        Spacer(1, 6 * mm),
        Paragraph(key_lines, key_style),
        Spacer(1, 6 * mm),
        drawing,
        Spacer(1, 6 * mm),
        Paragraph(
            "Этот ключ открывает базу данных, если все пароли забыты: с ним руководитель "
            "задаёт новый пароль (ic users recover или окно входа → «Забыли пароль?»). "
            "Храните лист в сейфе, не фотографируйте и не пересылайте его. Без ключа и "
            "паролей данные восстановить невозможно.",
            body,
        ),
    ]
    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title="Ключ восстановления",
        creator=CREATOR,
    )
    doc.build(story)
