"""An extract saved by Excel as «CSV (разделители — запятые)» on a Russian Windows (issue #14):
Windows-1251, no byte-order mark, «;» between cells, CRLF between rows, a cell with «;»,
quotes or a line break (Alt+Enter) in quotes, dates as dd.mm.yyyy. It imports exactly as
the workbook it was saved from."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.demo.extract import write_demo_extract
from app.services.extract_import import import_extract
from db.session import Database

TODAY = date(2026, 11, 23)


def _excel_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _save_as_excel_csv(xlsx: Path, out: Path) -> None:
    book = load_workbook(xlsx, read_only=True)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            writer.writerow([_excel_text(v) for v in row])
    finally:
        book.close()
    out.write_bytes(text.getvalue().encode("cp1251"))


@pytest.mark.db  # SQLite and PostgreSQL (issue #15)
def test_an_extract_saved_by_excel_as_csv_imports_like_the_workbook(
    db: Database, tmp_path: Path
) -> None:
    xlsx = tmp_path / "Выписка за октябрь.xlsx"
    write_demo_extract(xlsx, rows=60, seed=14, today=TODAY)
    book = load_workbook(xlsx)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    measures = header.index("Мероприятия ИПРА") + 1
    # What a person types into cells and Excel has to quote.
    sheet.cell(2, measures).value = "мед.; соц."
    sheet.cell(3, measures).value = 'соц. (по "ИПРА")\nмед.'
    book.save(xlsx)
    csv_path = tmp_path / "Выписка за октябрь (CSV).csv"
    _save_as_excel_csv(xlsx, csv_path)
    raw = csv_path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert '"мед.; соц."'.encode("cp1251") in raw
    assert '"соц. (по ""ИПРА"")\nмед."'.encode("cp1251") in raw

    from_workbook = import_extract(db, xlsx, today=TODAY, dry_run=True)
    from_csv = import_extract(db, csv_path, today=TODAY, dry_run=True)
    assert from_csv.added == from_workbook.added > 20
    assert [(p.row, p.field) for p in from_csv.rejected] == [
        (p.row, p.field) for p in from_workbook.rejected
    ]
    assert [n.person for n in from_csv.not_eligible] == [
        n.person for n in from_workbook.not_eligible
    ]
