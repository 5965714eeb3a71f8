"""The audit trail as a sheet a supervisor can keep (issue #10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl.styles import Font

from app.documents.xlsx_common import (
    column_widths,
    heading_row,
    merged_line,
    new_sheet,
    save_workbook,
    text_rows,
)

TITLE = "Журнал действий пользователей"
HEADINGS = ("№", "Дата и время", "Пользователь", "Действие", "Запись", "Подробности")
WIDTHS = (8, 18, 28, 34, 22, 80)


@dataclass(frozen=True)
class AuditRow:
    number: str
    at: str  # dd.mm.yyyy hh:mm:ss, the organisation's time
    user: str
    action: str
    entity: str
    details: str

    def cells(self) -> tuple[str, ...]:
        return (self.number, self.at, self.user, self.action, self.entity, self.details)


def write_audit_xlsx(rows: Sequence[AuditRow], period: str, path: Path) -> None:
    wb, ws = new_sheet("Журнал действий")
    merged_line(ws, 1, len(HEADINGS), TITLE, Font(bold=True, size=13))
    merged_line(ws, 2, len(HEADINGS), period, Font(size=11))
    heading_row(ws, 4, HEADINGS, Font(bold=True))
    text_rows(ws, 5, (r.cells() for r in rows), Font(size=10), frozenset({3, 4, 5, 6}))
    column_widths(ws, WIDTHS)
    ws.freeze_panes = "A5"
    save_workbook(wb, path)
