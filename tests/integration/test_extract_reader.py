"""Reading XLSX extracts: the streaming reader gives what openpyxl gives, cell for cell.

The workbooks here are written by hand, part by part, to hold what Excel, 1C and other
programs put in real extracts and openpyxl never writes: shared strings with formatted
runs and phonetic hints, namespace prefixes, the 1904 date system, rows and cells
without references, cached formula results and error values.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from app.demo.extract import write_demo_extract
from app.errors import BadFileError
from app.services.extract_parse import read_table

TODAY = date(2026, 11, 23)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

SHARED = [
    "ФИО",
    "Дата рождения",
    "Группа инвалидности",
    # Formatted runs are joined; the phonetic hint is not part of the text.
    '<r><rPr><b/></rPr><t>Иванова </t></r><r><t xml:space="preserve">Анна </t></r>'
    "<r><t>Петровна</t></r>",
    "<t>ребёнок</t><rPh sb='0' eb='1'><t>ФОНЕТИКА</t></rPh>",
    "a_x005F_x000D_b",  # Excel's escape of an underscore sequence
    "",
    "&lt;тег&gt; &amp; «кавычки»",
]
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">
<numFmts count="2"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/>
<numFmt numFmtId="165" formatCode="0.000"/>
<numFmt numFmtId="166" formatCode="[$-419]D MMMM YYYY"/>
<numFmt numFmtId="167" formatCode="[Red]0.00"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>
<cellXfs count="8"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>
<xf numFmtId="46"/><xf numFmtId="2"/><xf numFmtId="165"/>
<xf numFmtId="166"/><xf numFmtId="167"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def _shared_item(text: str) -> str:
    return f"<si>{text}</si>" if text.startswith("<") else f"<si><t>{text}</t></si>"


def _sheet(p: str) -> str:
    """Rows 1, 2, 4 (row 3 missing), a row without "r", an empty row, a late column."""
    s = lambda i: f'<{p}c r="{{}}" t="s"><{p}v>{i}</{p}v></{p}c>'  # noqa: E731
    cells_1 = "".join(s(i).format(f"{c}1") for i, c in enumerate("ABC"))
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<{p}worksheet xmlns{":" + p[:-1] if p else ""}="{MAIN}" xmlns:r="{REL}">
<{p}sheetData>
<{p}row r="1">{cells_1}</{p}row>
<{p}row r="2" spans="1:12">
  {s(3).format("A2")}
  <{p}c r="B2" s="1"><{p}v>29221</{p}v></{p}c>
  <{p}c r="C2"><{p}v>2</{p}v></{p}c>
  <{p}c r="D2" s="2"><{p}v>45000</{p}v></{p}c>
  <{p}c r="E2" s="1"><{p}v>0.5</{p}v></{p}c>
  <{p}c r="F2" s="3"><{p}v>1.25</{p}v></{p}c>
  <{p}c r="G2" s="4"><{p}v>3.5</{p}v></{p}c>
  <{p}c r="H2"><{p}v>1E3</{p}v></{p}c>
  <{p}c r="I2" t="b"><{p}v>1</{p}v></{p}c>
  <{p}c r="J2" t="e"><{p}v>#N/A</{p}v></{p}c>
  <{p}c r="K2" t="str"><{p}f>A2&amp;"!"</{p}f><{p}v>Иванова!</{p}v></{p}c>
  <{p}c r="L2" s="5"><{p}v>12345678901</{p}v></{p}c>
</{p}row>
<{p}row r="4">
  {s(4).format("A4")}
  <{p}c r="C4" t="inlineStr"><{p}is><{p}t>II группа</{p}t></{p}is></{p}c>
  <{p}c r="E4" t="inlineStr"><{p}is><{p}r><{p}t>мед.</{p}t></{p}r>
    <{p}r><{p}t>, соц.</{p}t></{p}r></{p}is></{p}c>
  <{p}c r="F4" t="inlineStr"/>
  <{p}c r="G4"/>
  <{p}c r="H4" t="s"><{p}v>5</{p}v></{p}c>
  <{p}c r="I4" t="s"><{p}v>6</{p}v></{p}c>
  <{p}c r="J4" t="b"><{p}v>0</{p}v></{p}c>
  <{p}c r="K4" t="s"><{p}v>7</{p}v></{p}c>
</{p}row>
<{p}row>
  <{p}c t="inlineStr"><{p}is><{p}t>без ссылок</{p}t></{p}is></{p}c>
  <{p}c><{p}v>7</{p}v></{p}c>
  <{p}c t="d"><{p}v>2026-10-12T00:00:00</{p}v></{p}c>
</{p}row>
<{p}row r="6"/>
<{p}row r="7"><{p}c r="B7" s="6"><{p}v>45000</{p}v></{p}c>
  <{p}c r="C7" s="7"><{p}v>45000</{p}v></{p}c><{p}c r="AB7"><{p}v>-1</{p}v></{p}c></{p}row>
</{p}sheetData>
</{p}worksheet>"""


def _write_xlsx(path: Path, *, prefix: str = "", date1904: bool = False) -> Path:
    workbook_pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    parts = {
        "[Content_Types].xml": """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/data.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/other.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/strings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>""",
        "_rels/.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Target="xl/workbook.xml"
 Type="{REL}/officeDocument"/></Relationships>""",
        "xl/workbook.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}<sheets>
<sheet name="Выписка" sheetId="2" r:id="rId7"/><sheet name="Другой" sheetId="1" r:id="rId1"/>
</sheets></workbook>""",
        "xl/_rels/workbook.xml.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/other.xml"/>
<Relationship Id="rId7" Type="{REL}/worksheet" Target="/xl/worksheets/data.xml"/>
<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="strings.xml"/>
<Relationship Id="rId4" Type="{REL}/styles" Target="styles.xml"/>
</Relationships>""",
        "xl/worksheets/data.xml": _sheet(prefix),
        "xl/worksheets/other.xml": f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>',
        "xl/strings.xml": f'<sst xmlns="{MAIN}">{"".join(map(_shared_item, SHARED))}</sst>',
        "xl/styles.xml": STYLES,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def _trimmed(rows: list[list[object]] | list[tuple[object, ...]]) -> list[list[object]]:
    result = [list(r) for r in rows]
    for row in result:
        while row and row[-1] is None:
            row.pop()
    while result and not result[-1]:
        result.pop()
    return result


def _openpyxl_rows(path: Path) -> list[list[object]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return _trimmed(list(workbook.worksheets[0].iter_rows(values_only=True)))
    finally:
        workbook.close()


@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("date1904", [False, True])
def test_hand_made_workbook_reads_as_openpyxl_reads_it(
    tmp_path: Path, prefix: str, date1904: bool
) -> None:
    path = _write_xlsx(tmp_path / "extract.xlsx", prefix=prefix, date1904=date1904)
    table = read_table(path)
    assert table.header_index == 0
    assert table.headings[:3] == ["ФИО", "Дата рождения", "Группа инвалидности"]
    expected = _openpyxl_rows(path)
    assert _trimmed(table.rows) == expected
    # What the cells above are, spelled out (openpyxl agreeing is not the whole story).
    row2, row4, row5 = table.rows[1], table.rows[3], table.rows[4]
    assert row2[0] == "Иванова Анна Петровна"
    assert row2[2] == 2 and row2[6] == 3.5 and row2[7] == 1000.0 and row2[11] == 12345678901
    assert (row2[8], row2[9], row2[10]) == (True, "#N/A", "Иванова!")
    assert table.rows[2] == []  # the missing row 3
    assert row4[:5] == ["ребёнок", None, "II группа", None, "мед., соц."]
    assert row4[5:11] == [None, None, "a_x000D_b", "", False, "<тег> & «кавычки»"]
    assert row5[:2] == ["без ссылок", 7]
    assert str(table.rows[6][1]) == ("2027-03-16" if date1904 else "2023-03-15") + " 00:00:00"
    assert table.rows[6][2] == 45000 and table.rows[6][27] == -1
    # Rows end at their last value (no padding a hostile file could multiply); the header
    # row spans the widest, so that every column has a heading.
    assert len(table.rows[0]) == max(len(r) for r in table.rows) == 28


def test_dates_follow_the_cell_style_and_the_workbook_epoch(tmp_path: Path) -> None:
    windows = read_table(_write_xlsx(tmp_path / "a.xlsx")).rows[1]
    mac = read_table(_write_xlsx(tmp_path / "b.xlsx", date1904=True)).rows[1]
    assert str(windows[1]) == "1980-01-01 00:00:00" and str(mac[1]) == "1984-01-02 00:00:00"
    assert str(windows[3]) == "2023-03-15 00:00:00"  # the custom DD.MM.YYYY style
    assert str(windows[4]) == "12:00:00"  # a time of day
    assert str(windows[5]) == "1 day, 6:00:00"  # [h]:mm:ss is a duration


def test_workbook_written_by_openpyxl_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "written.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ФИО", "Дата рождения", "СНИЛС", "Группа инвалидности", None, "Впервые"])
    sheet.append(["Петров Иван", date(1970, 1, 1), 11223344595, "I", None, True])
    sheet.append([None, datetime(2026, 10, 12, 9, 30), "112-233-445 95", 2.5, "x", False])
    sheet.append([])
    sheet.append(["после пустой", time(8, 15), -3, 1e-7, "=1+1", None])
    sheet["H9"] = "далеко"
    workbook.save(path)
    assert _trimmed(read_table(path).rows) == _openpyxl_rows(path)


def test_demo_extract_reads_the_same_as_with_openpyxl(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    write_demo_extract(path, rows=300, seed=3, today=TODAY)
    assert _trimmed(read_table(path).rows) == _openpyxl_rows(path)


def test_progress_of_reading_goes_up_to_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    write_demo_extract(path, rows=2000, seed=3, today=TODAY)
    shares: list[float] = []
    read_table(path, shares.append)
    assert shares == sorted(shares) and len(shares) > 1 and shares[-1] == 1.0


@pytest.mark.parametrize(
    "damage",
    ["not a zip", "no workbook", "broken sheet", "no such shared string", "no sheets"],
)
def test_a_damaged_workbook_is_one_clear_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "damaged.xlsx"
    if damage == "not a zip":
        path.write_bytes(b"PK\x03\x04 nonsense")
    else:
        _write_xlsx(tmp_path / "good.xlsx")
        with (
            zipfile.ZipFile(tmp_path / "good.xlsx") as good,
            zipfile.ZipFile(path, "w") as bad,
        ):
            for item in good.infolist():
                data = good.read(item)
                if damage == "no workbook" and item.filename == "xl/workbook.xml":
                    continue
                if damage == "broken sheet" and item.filename.endswith("data.xml"):
                    data = data[: len(data) // 2]
                if damage == "no such shared string" and item.filename == "xl/strings.xml":
                    data = f'<sst xmlns="{MAIN}"><si><t>ФИО</t></si></sst>'.encode()
                if damage == "no sheets" and item.filename == "xl/workbook.xml":
                    data = f'<workbook xmlns="{MAIN}"><sheets/></workbook>'.encode()
                bad.writestr(item, data)
    with pytest.raises(BadFileError, match="damaged.xlsx не читается как книга Excel"):
        read_table(path)


FORMAT_CODES = [
    "General", "0", "0.00", "#,##0", "0%", "0.00E+00", "@", "mm-dd-yy", "d-mmm-yy", "h:mm AM/PM",
    "DD.MM.YYYY", "dd/mm/yyyy hh:mm", "[$-419]D MMMM YYYY", "[$-F800]dddd, mmmm dd, yyyy",
    '"day "0', '0" ч."', "[Red]0.00", "[Red]dd.mm", "0_)d", "0\\d", "[h]:mm:ss", "[mm]:ss",
    "[ss].00", "[hh]", "mm:ss.0", "yyyy;@", "0;[Red]-0;d", '"Дата "dd.mm.yyyy',
]  # fmt: skip


@pytest.mark.parametrize("code", FORMAT_CODES)
def test_date_formats_are_told_apart_as_openpyxl_tells_them(code: str) -> None:
    from openpyxl.styles.numbers import is_date_format, is_timedelta_format

    from app.services.extract_parse import _is_date_format, _is_duration_format

    assert _is_date_format(code) == is_date_format(code)
    assert _is_duration_format(code) == is_timedelta_format(code)


@pytest.mark.parametrize("date1904", [False, True])
def test_serial_numbers_become_dates_as_in_openpyxl(date1904: bool) -> None:
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

    from app.services.extract_parse import _from_excel

    epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
    values = [0, 0.25, 0.999999, 1, 1.5, 59, 60, 61, 29221, 45000.75, 2958465.99, 123.4567891]
    for value in values:
        for duration in (False, True):
            assert _outcome(_from_excel, value, epoch, duration) == _outcome(
                from_excel, value, epoch, duration
            )


def _outcome(function: Any, *args: object) -> object:
    try:
        return function(*args)
    except (OverflowError, ValueError) as exc:  # out of range: the reader gives "#VALUE!"
        return type(exc)
