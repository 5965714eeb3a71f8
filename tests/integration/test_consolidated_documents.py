"""The regional centre's consolidated Appendix 4 written as XLSX and PDF, read back for real.

The report is built by hand: each provider's twelve counts are its own (100·N + column),
one provider's name starts with "=" (it must stay text in the workbook, never a formula),
the total row and the notes (the missing providers among them) are printed as given. The
XLSX is read with openpyxl and as raw sheet XML; the PDF with poppler's pdftotext.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from app.documents.report_form import TOTAL_LABEL, ConsolidatedReport
from app.documents.report_pdf import write_consolidated_pdf
from app.documents.report_xlsx import write_consolidated_xlsx

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

CENTRE = "ГАУ ТО «Региональный центр»"
NAMES = (
    "АУСОН ТО «КЦСОН г. Тюмени»",
    '=HYPERLINK("http://x";"Центр")',
    "АУСОН ТО «КЦСОН г. Ишима»",
)
MISSING = ("АУСОН ТО «КЦСОН Вагайского района»",)
NOTES = (
    "Граждане, учтенные несколькими организациями, в строке «Итого по региону» учтены один раз.",
    "Показатель 31-р п. 5.3: доля граждан с составленным индивидуальным реабилитационным "
    "маршрутом — 82 % (высокий уровень).",
    f"Не представили отчет: {', '.join(MISSING)}.",
)
COLUMN_NUMBERS = [str(n) for n in range(1, 15)]

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils is not installed",
)


def _counts(number: int) -> list[int]:
    """Columns 3-14 of provider ``number``: 100·N + the column's place (1-12)."""
    return [100 * number + k for k in range(1, 13)]


def _report(names: tuple[str, ...]) -> ConsolidatedReport:
    rows: tuple[tuple[int | str, ...], ...] = tuple(
        (n, name, *_counts(n)) for n, name in enumerate(names, start=1)
    )
    sums = [sum(_counts(n)[k] for n in range(1, len(names) + 1)) for k in range(12)]
    total: tuple[int | str, ...] = ("", TOTAL_LABEL, *sums)
    return ConsolidatedReport(
        half="2025H1",
        period_title="1 полугодие 2025 г.",
        first_day=date(2025, 1, 1),
        last_day=date(2025, 6, 30),
        centre=CENTRE,
        rows=rows,
        total=total,
        notes=NOTES,
        missing=MISSING,
    )


def _many_names(count: int) -> tuple[str, ...]:
    return tuple(f"КЦСОН {n}" for n in range(1, count + 1))


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_has_a_row_per_provider_the_total_and_the_notes(tmp_path: Path) -> None:
    report = _report(NAMES)
    out = tmp_path / "сводный.xlsx"
    write_consolidated_xlsx(report, out)

    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "Приложение N 4 к Положению"
    assert rows[1][0] == CENTRE
    assert rows[2][0] == report.period_line
    title = next(i for i, r in enumerate(rows, start=1) if r[0] == "N п/п")
    assert rows[title - 1][2] == report.title and "30.06.2025" in report.title
    numbers = title + 3
    assert rows[numbers - 1] == list(range(1, 15))

    # One row per provider, columns 1-14, in order; then the total in bold.
    for i, name in enumerate(NAMES):
        assert rows[numbers + i] == [i + 1, name, *_counts(i + 1)]
        assert ws.cell(row=numbers + 1 + i, column=2).alignment.horizontal == "left"
    total_row = numbers + len(NAMES) + 1
    assert rows[total_row - 1] == [None, TOTAL_LABEL, *report.total[2:]]
    assert all(ws.cell(row=total_row, column=c).font.b for c in range(2, 15))

    # Each note on its own merged line under the table, in order.
    under = [r[0] for r in rows[total_row:] if r[0] is not None]
    assert under == list(NOTES)
    merged = {str(r) for r in ws.merged_cells.ranges}
    note_rows = [i for i, r in enumerate(rows, start=1) if i > total_row and r[0] is not None]
    assert {f"A{r}:N{r}" for r in note_rows} <= merged
    assert f"C{title}:N{title}" in merged and f"A{title}:A{title + 2}" in merged

    # Nothing is a formula: not as openpyxl sees it, not in the sheet's XML.
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    with zipfile.ZipFile(out) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert re.search(r"<(\w+:)?f[\s/>]", xml) is None
    assert "=HYPERLINK(" in xml  # the name is there, as text

    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == f"{title}:{numbers}"


# --- PDF ---------------------------------------------------------------------------------


def _pdftotext(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", *options, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert found is not None
    return int(found.group(1))


def _row_lines(layout: str, cells: list[str]) -> list[str]:
    """The lines of ``layout`` that end with ``cells`` (columns 3-14 of a row)."""
    return [ln for ln in layout.splitlines() if ln.split()[-12:] == cells]


@needs_poppler
def test_pdf_has_the_providers_the_total_and_the_notes(tmp_path: Path) -> None:
    report = _report(NAMES)
    out = tmp_path / "сводный.pdf"
    write_consolidated_pdf(report, out)
    layout = _pdftotext(out)
    flat = " ".join(layout.split())

    assert CENTRE in layout and "1 полугодие 2025 г." in layout
    for n, name in enumerate(NAMES, start=1):
        lines = _row_lines(layout, [str(v) for v in _counts(n)])
        assert len(lines) == 1
        assert lines[0].split()[0] == str(n) and name in lines[0]
    total = _row_lines(layout, [str(v) for v in report.total[2:]])
    assert len(total) == 1 and TOTAL_LABEL in total[0]
    for note in NOTES:
        assert " ".join(note.split()) in flat
    numbers = [ln.split() for ln in layout.splitlines() if ln.split()[:3] == ["1", "2", "3"]]
    assert numbers == [COLUMN_NUMBERS]
    assert "N п/п" in layout and "Дети-инвалиды," in layout

    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276" in info or "842 x 595" in info
    assert _pages(out) == 1


@needs_poppler
def test_forty_providers_spill_over_pages_with_the_heading_repeated(tmp_path: Path) -> None:
    names = _many_names(40)
    report = _report(names)
    out = tmp_path / "сводный-40.pdf"
    write_consolidated_pdf(report, out)
    pages = _pages(out)
    assert pages > 1

    second = _pdftotext(out, "-f", "2", "-l", "2")
    for heading in ("N п/п", "ВСЕГО:", "из них:", "Дети-инвалиды,", "Выявление"):
        assert heading in second
    assert [ln.split() for ln in second.splitlines() if ln.split() == COLUMN_NUMBERS]
    assert "Страница 2" in second

    # Every provider is printed once, the total and the notes come at the end.
    everything = _pdftotext(out)
    for n in range(1, 41):
        assert len(_row_lines(everything, [str(v) for v in _counts(n)])) == 1
    last = _pdftotext(out, "-f", str(pages), "-l", str(pages))
    assert TOTAL_LABEL in last
    assert " ".join(NOTES[-1].split()) in " ".join(last.split())

    # The workbook repeats its heading rows when printed.
    xlsx = tmp_path / "сводный-40.xlsx"
    write_consolidated_xlsx(report, xlsx)
    ws = openpyxl.load_workbook(xlsx).active
    assert ws is not None
    assert ws.print_title_rows.replace("$", "") == "5:8"
    assert ws.cell(row=8 + 40, column=2).value == names[-1]
    assert ws.cell(row=8 + 41, column=2).value == TOTAL_LABEL
