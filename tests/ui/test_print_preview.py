"""«Просмотр и печать…»: the document's pages in Qt's print preview, printed on the printer
chosen in the print dialog (issue #12). The printer here is Qt's PDF printer (there is no
system printer offscreen); what reached it is read back with poppler."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from app.demo.generator import generate_demo
from app.errors import UserError
from app.services import plans, routes
from db import models
from db.session import Database
from ui.main_window import SECTION_KEYS, MainWindow
from ui.print_preview import PdfPages, PrintPreview, print_to

pytestmark = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdfinfo, pdftoppm) are needed to read the printout back",
)

TODAY = date(2026, 11, 23)


def _pages_of(pdf: bytes | Path, tmp_path: Path) -> int:
    if isinstance(pdf, bytes):
        (tmp_path / "doc.pdf").write_bytes(pdf)
        pdf = tmp_path / "doc.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    return int(next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1])


def _gray(pdf: Path, page: int, tmp_path: Path) -> QImage:
    """Page ``page`` (from 1) at 20 dpi in grey, scaled to one size for comparing."""
    stem = tmp_path / f"{pdf.stem}-{page}"
    subprocess.run(
        ["pdftoppm", "-r", "20", "-gray", "-png", "-f", str(page), "-l", str(page),
         "-singlefile", str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    image = QImage(str(stem.with_suffix(".png")))
    assert not image.isNull()
    return image.scaled(160, 226).convertToFormat(QImage.Format.Format_Grayscale8)


def _difference(a: QImage, b: QImage) -> float:
    """Mean absolute difference of two grey images, 0-255."""
    total = 0
    for y in range(a.height()):
        for x in range(a.width()):
            total += abs(a.pixelColor(x, y).value() - b.pixelColor(x, y).value())
    return total / (a.width() * a.height())


def _three_pages() -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for n, (x, y) in enumerate(((60, 700), (300, 400), (60, 100)), start=1):
        canvas.setFont("Helvetica-Bold", 60)
        canvas.drawString(x, y, f"PAGE {n}")
        canvas.rect(x - 10, y - 20, 240, 90, fill=1)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_print_to_draws_every_page_in_order_on_the_printer(
    qapp: QApplication, tmp_path: Path
) -> None:
    original = tmp_path / "original.pdf"
    original.write_bytes(_three_pages())
    pages = PdfPages(original)
    assert len(pages) == 3 and not pages.landscape()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setFullPage(True)
    assert print_to(printer, pages) == 3
    pages.close()
    printed = tmp_path / "printed.pdf"
    assert _pages_of(printed, tmp_path) == 3
    for n in (1, 2, 3):
        same = _difference(_gray(original, n, tmp_path), _gray(printed, n, tmp_path))
        other = _difference(_gray(original, n % 3 + 1, tmp_path), _gray(printed, n, tmp_path))
        assert same < 3 < other, (n, same, other)


def test_a_file_that_is_not_a_pdf_is_a_message() -> None:
    with pytest.raises(UserError, match="не читается как PDF"):
        PdfPages(b"%PDF-1.4 broken")


@pytest.fixture
def window(qtbot: QtBot, db: Database, tmp_path: Path) -> MainWindow:
    generate_demo(db, 160, seed=11, today=TODAY)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        db, tmp_path / "ic.log", today=TODAY, settings=settings, start_section="routes"
    )
    qtbot.addWidget(window)
    return window


def _answer_print_dialog(qtbot: QtBot, asked: list[str]) -> None:
    """Press «Печать» in the print dialog the preview opens (it waits in exec())."""

    def press() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QPrintDialog):
            QTimer.singleShot(20, press)
            return
        asked.append(dialog.windowTitle())
        (button,) = [
            b
            for b in dialog.findChildren(QPushButton)
            if b.text().replace("&", "") in ("Print", "Печать")
        ]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, press)


def test_preview_from_the_routes_page_shows_the_pages_and_prints_them(
    qtbot: QtBot, window: MainWindow, db: Database, tmp_path: Path
) -> None:
    page = window.routes_page
    page.status_combo.setCurrentIndex(page.status_combo.findData("ISSUED"))
    row = page.model.rows[0]
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    preview = page.last_preview
    assert isinstance(preview, PrintPreview) and preview.isVisible()
    assert preview.windowTitle() == f"Просмотр и печать — Маршрут: {row.name}, выдан"
    expected = _pages_of(routes.route_pdf_bytes(db, row.route_id), tmp_path)
    assert preview.preview_widget().pageCount() == expected >= 1
    preview.grab().save(str(tmp_path / "preview.png"))

    # «Печать» in the preview's toolbar, then «Печать» in the print dialog.
    out = tmp_path / "printed.pdf"
    preview.printer_used.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    preview.printer_used.setOutputFileName(str(out))
    (print_button,) = [
        b
        for b in preview.findChildren(QToolButton)
        if b.defaultAction() is not None and b.defaultAction().text() in ("Print", "Печать")
    ]
    asked: list[str] = []
    _answer_print_dialog(qtbot, asked)
    with qtbot.waitSignal(preview.finished, timeout=10_000):
        qtbot.mouseClick(print_button, Qt.MouseButton.LeftButton)
    assert asked and preview.printed_pages == expected
    assert _pages_of(out, tmp_path) == expected
    assert page.message.text() == f"Отправлено на печать ({out}): страниц {expected}."
    with db.session_factory() as s:
        event = s.execute(
            select(models.AuditEvent).order_by(models.AuditEvent.id.desc()).limit(1)
        ).scalar_one()
    assert event.action == "route.export"
    assert json.loads(event.details or "{}") == {"printer": str(out), "pages": expected}


def test_preview_of_a_plan_shows_all_its_pages(
    qtbot: QtBot, window: MainWindow, db: Database, tmp_path: Path
) -> None:
    window.section_actions[SECTION_KEYS.index("plans")].trigger()
    page = window.plans_page
    page.view.setCurrentIndex(page.model.index(1, 0))
    row = page.model.rows[1]
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    preview = page.last_preview
    assert isinstance(preview, PrintPreview)
    expected = _pages_of(plans.plan_pdf_bytes(db, row.plan_id), tmp_path)
    assert preview.preview_widget().pageCount() == expected >= 1
    assert preview.windowTitle() == f"Просмотр и печать — План сопровождения: {row.name}"
    preview.reject()
