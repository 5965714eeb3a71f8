"""Print preview of a PDF document: its pages rendered by PDFium, printed on the system printer.

PySide6-Essentials has no QtPdf, so the pages are rasterised with pypdfium2 (the PDFium
that QtPdf itself wraps) and drawn on the printer, each fitted to the sheet; Qt's
QPrintPreviewDialog shows them and prints on the Windows printer the consultant picks
(issue #12: a document could only be saved as PDF and printed from another program).
The PDF is kept in memory: no temporary file holds the person's data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PySide6.QtCore import QPointF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QWidget

from app.errors import UserError

logger = logging.getLogger(__name__)

POINTS_PER_INCH = 72
#: Rendering resolution: sharp on paper without sending the printer huge images; the
#: preview shows the same pages at screen size.
MIN_DPI = 150
MAX_DPI = 300

Printed = Callable[[str, int], None]  # printer (or file) name, pages printed


class PdfPages:
    """A PDF document whose pages are rendered on demand."""

    def __init__(self, source: bytes | Path) -> None:
        data = source.read_bytes() if isinstance(source, Path) else source
        try:
            self._pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise UserError(f"Документ для печати не читается как PDF: {exc}.") from exc
        self._data = data  # PDFium reads from this buffer while the document is open

    def __len__(self) -> int:
        return len(self._pdf)

    def size_points(self, index: int) -> QSizeF:
        width, height = self._pdf[index].get_size()
        return QSizeF(width, height)

    def landscape(self) -> bool:
        """Whether the first page is wider than tall (the sheet's orientation)."""
        size = self.size_points(0) if len(self) else QSizeF(1, 1)
        return size.width() > size.height()

    def render(self, index: int, dpi: int) -> QImage:
        """The page as an opaque image at ``dpi``."""
        page = self._pdf[index]
        bitmap = page.render(scale=dpi / POINTS_PER_INCH, prefer_bgrx=True, may_draw_forms=False)
        # BGRx bytes are QImage's RGB32 on little-endian machines (every Windows PC).
        image = QImage(
            bytes(bitmap.buffer),
            bitmap.width,
            bitmap.height,
            bitmap.stride,
            QImage.Format.Format_RGB32,
        ).copy()  # own the pixels: the bitmap's buffer goes with it
        bitmap.close()
        page.close()
        return image

    def close(self) -> None:
        self._pdf.close()


def _dpi(printer: QPrinter) -> int:
    return max(MIN_DPI, min(MAX_DPI, printer.resolution()))


def print_to(printer: QPrinter, pages: PdfPages) -> int:
    """Draw every page on ``printer``, each fitted to the whole sheet and centred (the
    documents carry their own margins); returns the pages drawn."""
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError(
            f"Не удаётся начать печать на принтере «{printer.printerName() or '—'}»: "
            "проверьте, что он включён и доступен."
        )
    try:
        sheet = printer.pageLayout().fullRectPixels(printer.resolution())
        dpi = _dpi(printer)
        for index in range(len(pages)):
            if index and not printer.newPage():
                raise UserError("Принтер не принял следующую страницу: печать прервана.")
            image = pages.render(index, dpi)
            scale = min(sheet.width() / image.width(), sheet.height() / image.height())
            size = QSizeF(image.width() * scale, image.height() * scale)
            corner = QPointF(
                (sheet.width() - size.width()) / 2, (sheet.height() - size.height()) / 2
            )
            painter.drawImage(QRectF(corner, size), image)
    finally:
        painter.end()
    return len(pages)


class PrintPreview(QPrintPreviewDialog):
    """Qt's preview of the document with «Печать», which prints on the chosen printer."""

    def __init__(
        self,
        pages: PdfPages,
        title: str,
        on_printed: Printed | None = None,
        parent: QWidget | None = None,
    ) -> None:
        self.printer_used = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer_used.setDocName(title)
        self.printer_used.setFullPage(True)
        self.printer_used.setPageOrientation(
            QPageLayout.Orientation.Landscape
            if pages.landscape()
            else QPageLayout.Orientation.Portrait
        )
        super().__init__(self.printer_used, parent)
        self.setObjectName("print_preview")
        self.setWindowTitle(f"Просмотр и печать — {title}")
        self.pages = pages
        self._on_printed = on_printed
        self.printed_pages = 0
        self.resize(980, 700)  # fits 1366x768 with the taskbar
        self.paintRequested.connect(self._paint)
        self.finished.connect(lambda _: self.pages.close())

    def preview_widget(self) -> QPrintPreviewWidget:
        widget = self.findChild(QPrintPreviewWidget)
        assert widget is not None
        return widget

    def _paint(self, printer: QPrinter) -> None:
        # The preview draws through a picture engine; a real printer (or a PDF file chosen
        # in the print dialog) gets the pages once more, and that is what is recorded.
        previewing = _is_preview(printer)
        count = print_to(printer, self.pages)
        if not previewing:
            self.printed_pages = count
            where = printer.outputFileName() or printer.printerName() or "принтер"
            logger.info("%s: %d pages printed", self.printer_used.docName(), count)
            if self._on_printed is not None:
                self._on_printed(where, count)


def _is_preview(printer: QPrinter) -> bool:
    engine = printer.paintEngine()
    return engine is not None and engine.type() == engine.Type.Picture


def preview_and_print(
    parent: QWidget | None,
    pdf: bytes | Path,
    title: str,
    on_printed: Printed | None = None,
) -> PrintPreview:
    """Open the preview of ``pdf`` (window-modal, not blocking) and return it."""
    dialog = PrintPreview(PdfPages(pdf), title, on_printed, parent)
    dialog.open()
    return dialog
