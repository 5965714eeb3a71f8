"""The list of registered letters handed in at the post office with the routes (31-р 3.4)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, Side

from app.documents.post_form import PostListRow
from app.documents.xlsx_common import new_sheet, save_workbook

TITLE = "Список заказных писем"
HEADINGS = ("№", "Адресат", "Адрес", "Индекс", "ШПИ", "Дата отправки")
WIDTHS = (6, 36, 60, 10, 18, 14)

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(vertical="top", wrap_text=True)


def write_post_list_xlsx(rows: Sequence[PostListRow], path: Path) -> None:
    wb, ws = new_sheet("Заказные письма")
    ws.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=13)
    for col, (heading, width) in enumerate(zip(HEADINGS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=3, column=col, value=heading)
        cell.font = Font(bold=True)
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = width
    for i, row in enumerate(rows, start=4):
        values = (
            row.number,
            row.addressee,
            row.address,
            row.postcode,
            row.tracking_number,
            row.sent_on,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=i, column=col, value=value)
            cell.border = _BORDER
            cell.alignment = _WRAP
            if col in (4, 5):
                cell.number_format = "@"  # postcode and ШПИ are text: keep leading zeros
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    save_workbook(wb, path)
