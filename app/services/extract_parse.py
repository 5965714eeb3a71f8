"""Reading a monthly extract: the file, its header row, its columns and every cell.

The extract has no published schema (DESIGN.md §4). Columns are matched by their Russian
headings (case, spaces, "ё" and punctuation do not matter) and the spellings people use are
accepted. A row with any problem is rejected with the reason, never guessed.
No database here: app.services.extract_import writes what this module reads.

Every file is treated as hostile: whatever it says about itself (row numbers, cell
references, sizes in the archive), reading it takes bounded memory, and anything wrong with
it is a BadFileError with one Russian line, never another exception.
"""

from __future__ import annotations

import codecs
import csv
import gc
import itertools
import logging
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, NamedTuple, cast
from xml.etree import ElementTree

from app.domain import names
from app.domain.dates import parse_date
from app.domain.enums import DisabilityGroup, MeasureKind, Sex
from app.domain.phones import russian_phone
from app.domain.snils import normalize_snils
from app.errors import BadFileError, UserError
from app.reference import find_district, find_measure

logger = logging.getLogger(__name__)

# Field keys and the headings that mean them (already normalised by heading_key).
FIELDS: dict[str, tuple[str, ...]] = {
    "full_name": ("фио", "фамилияимяотчество", "получатель", "гражданин"),
    "last_name": ("фамилия",),
    "first_name": ("имя",),
    "middle_name": ("отчество",),
    "birth_date": ("датарождения", "др"),
    "sex": ("пол",),
    "snils": ("снилс", "номерснилс", "страховойномер"),
    "registration_address": ("адресрегистрации", "адреспоместужительства", "адрес"),
    "actual_address": ("адресфактическогопроживания", "фактическийадрес", "адреспроживания"),
    "district": ("муниципальноеобразование", "район", "муниципальныйрайон", "мо"),
    "phone": ("телефон", "контактныйтелефон", "номертелефона"),
    "email": ("электроннаяпочта", "email", "емейл", "адресэлектроннойпочты"),
    "group": ("группаинвалидности", "группа"),
    "established_on": ("датаустановленияинвалидности", "датаустановления"),
    "first_time": ("впервые", "установленавпервые", "первичнопризнан"),
    "selfcare_degree": ("самообслуживание", "способностьксамообслуживанию"),
    "movement_degree": ("передвижение", "способностьксамостоятельномупередвижению"),
    "behaviour_degree": ("контрользаповедением", "способностькконтролюзасвоимповедением"),
    "mental_disorder": ("психическоерасстройство",),
    "stationary": ("стационарноеучреждение", "проживаетвстационарномучреждении"),
    "veteran_svo": ("участниксво", "сво"),
    "ipra_number": ("номерипра", "ипра"),
    "ipra_date": ("датаипра",),
    "measures": ("мероприятияипра", "рекомендованныемероприятия", "мероприятия"),
    "representative": ("законныйпредставитель", "представитель", "фиопредставителя"),
    "representative_phone": ("телефонпредставителя",),
    "received_on": ("датапоступлениясведений", "датапоступления"),
}

# Russian names of the fields, for messages ("строка 5, СНИЛС: ...").
FIELD_TITLES: dict[str, str] = {
    "full_name": "ФИО",
    "last_name": "Фамилия",
    "first_name": "Имя",
    "middle_name": "Отчество",
    "birth_date": "Дата рождения",
    "sex": "Пол",
    "snils": "СНИЛС",
    "registration_address": "Адрес регистрации",
    "actual_address": "Адрес фактического проживания",
    "district": "Муниципальное образование",
    "phone": "Телефон",
    "email": "Электронная почта",
    "group": "Группа инвалидности",
    "established_on": "Дата установления инвалидности",
    "first_time": "Впервые",
    "selfcare_degree": "Самообслуживание",
    "movement_degree": "Передвижение",
    "behaviour_degree": "Контроль за поведением",
    "mental_disorder": "Психическое расстройство",
    "stationary": "Стационарное учреждение",
    "veteran_svo": "Участник СВО",
    "ipra_number": "Номер ИПРА",
    "ipra_date": "Дата ИПРА",
    "measures": "Мероприятия ИПРА",
    "representative": "Законный представитель",
    "representative_phone": "Телефон представителя",
    "received_on": "Дата поступления сведений",
}

_HEADING_NOISE = re.compile(r"[^0-9a-zа-я]")
_KNOWN: dict[str, str] = {h: key for key, headings in FIELDS.items() for h in headings}
HEADER_SEARCH_ROWS = 20
MIN_HEADER_MATCHES = 3

# What one file may make the reader do. A real monthly extract has a few thousand rows of
# 25-30 columns (a couple of megabytes); these are far above that, and keep what a file can
# claim or pack (a cell in column ZZZZZZ, row 100,000,000, a sheet unpacking to gigabytes)
# from taking the consultant's computer down.
MAX_FILE_BYTES = 100 * 2**20
# 100,000 rows and 30,000,000 characters keep the largest file the limits accept under
# 400 MB while read and checked (the robustness run found 200,000 rows of long text at
# 3.4 GB); a month's extract for the region is a few thousand rows.
MAX_DATA_ROWS = 100_000  # rows after the header row
MAX_COLUMNS = 200  # up to column GR
MAX_CELL_CHARS = 2_000
MAX_CELLS = 3_000_000  # cells kept in all (100,000 rows of 30 columns): 8 bytes each at least
MAX_TEXT_CHARS = 30_000_000  # characters of text in all (300 a row of 100,000)
MAX_PROBLEM_CHARS = 300  # of one problem's message
MAX_SHEET_XML_BYTES = 512 * 2**20  # the sheet as unpacked; streamed, never held whole
MAX_SHARED_STRINGS_XML_BYTES = 128 * 2**20
MAX_SHARED_STRINGS = 2_000_000  # distinct texts: 200,000 rows of 10 each
MAX_PART_XML_BYTES = 16 * 2**20  # content types, relationships, workbook, styles
MAX_ELEMENT_XML_BYTES = 4 * 2**20  # one row of the sheet, one shared string, as XML
# Markup tags ("<") read while one row (or one shared string) is still open. A row of 200
# cells takes about 1,200; each open element the parser holds costs a few hundred bytes, so
# 2,000,000 nested elements in a 67 KB file would take 500 MB before the byte limit above.
MAX_ELEMENT_TAGS = 100_000
MAX_ARCHIVE_PARTS = 10_000
MAX_ARCHIVE_DIRECTORY_BYTES = 2**20  # a workbook's is a few kilobytes
MAX_CSV_RECORD_CHARS = 1_000_000  # 200 quoted fields of 2,000 characters, quotes doubled
# Rows of the sheet (or records of the CSV) kept while reading, the header's and the blank
# ones included; the data rows after the header are counted exactly once it is found.
_MAX_SHEET_ROWS = HEADER_SEARCH_ROWS + MAX_DATA_ROWS
_MAX_CSV_RECORDS = HEADER_SEARCH_ROWS + 2 * MAX_DATA_ROWS
_SHEETS_CONSIDERED = 64  # sheets looked at for the header row, in workbook order
_HEADER_SCAN_BYTES = 4 * 2**20  # of each sheet, looking for its header row


class _RefusedError(Exception):
    """The file breaks a limit or is malformed: the Russian reason, without the file name."""


class _DamagedError(_RefusedError):
    """The file is not a readable workbook at all (not a ZIP, a broken part, a bad cell)."""


def _count(number: int) -> str:
    """12 345: thousands apart, as Russian text writes them."""
    return f"{number:,}".replace(",", " ")


def _megabytes(size: int) -> str:
    return f"{_count(round(size / 2**20))} МБ"


def column_letters(number: int) -> str:
    """Column 1 as Excel names it, "A"; 28 as "AB"."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _long_cell(row: int, column: int, length: int) -> str:
    return (
        f"строка {row}, столбец {column_letters(column)}: значение длиннее "
        f"{_count(MAX_CELL_CHARS)} символов ({_count(length)})"
    )


def heading_key(text: object) -> str:
    """A heading as compared: lower case, "ё" as "е", letters and digits only."""
    return _HEADING_NOISE.sub("", str(text or "").lower().replace("ё", "е"))


def field_for_heading(text: object) -> str | None:
    return _KNOWN.get(heading_key(text))


def header_matches(row: Sequence[object]) -> int:
    """How many cells of the row are headings of known columns."""
    return sum(1 for cell in row if field_for_heading(cell))


@dataclass(frozen=True)
class Table:
    """The cells of the sheet and where its header row is (0-based)."""

    rows: list[list[object]]
    header_index: int

    @property
    def headings(self) -> list[str]:
        return [str(c or "").strip() for c in self.rows[self.header_index]]

    def data_rows(self) -> Iterator[tuple[int, list[object]]]:
        """(row number as the user sees it, cells) for every non-empty row after the header."""
        for index in range(self.header_index + 1, len(self.rows)):
            cells = self.rows[index]
            if any(c not in (None, "") and str(c).strip() for c in cells):
                yield index + 1, cells


# -- XLSX ----------------------------------------------------------------------------------
# openpyxl's read-only reader builds several objects per cell, which for a 10,000-row extract
# takes seconds. The first sheet is streamed here with the C XML parser instead, giving the
# values openpyxl's ``iter_rows(values_only=True)`` gives with ``data_only=True``: the cached
# result of a formula, shared and inline strings, numbers, and Excel dates by cell style.
# Which number formats are dates and how serial numbers become dates follow openpyxl's
# rules (openpyxl.styles.numbers, openpyxl.utils.datetime), restated below: importing
# openpyxl would add 0.12 s to every import for these few lines.

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_ROW, _CELL, _VALUE = _MAIN + "row", _MAIN + "c", _MAIN + "v"
_INLINE, _TEXT, _RUN, _SHARED_ITEM = _MAIN + "is", _MAIN + "t", _MAIN + "r", _MAIN + "si"
_WORKBOOK_TYPES = tuple(
    f"application/vnd.{kind}.main+xml"
    for kind in (
        "ms-excel.template.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.template",
        "ms-excel.sheet.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.sheet",
    )
)
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
_WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_SHEET_DATA = _MAIN + "sheetData"
_OVERRIDE = frozenset((_CONTENT_TYPES + "Override",))
_RELATIONSHIP = frozenset((_PACKAGE_REL + "Relationship",))
_WORKBOOK_PROPERTIES = _MAIN + "workbookPr"
_WORKBOOK_ITEMS = frozenset((_WORKBOOK_PROPERTIES, _MAIN + "sheet"))
_NUMBER_FORMAT, _CELL_FORMATS = _MAIN + "numFmt", _MAIN + "cellXfs"
_STYLE_ITEMS = frozenset((_NUMBER_FORMAT, _MAIN + "xf"))
_XLSX_CHUNK = 1 << 18
_DIGITS = "0123456789"
_FAR_COLUMN = 26**3 + 1  # past XFD, Excel's last column: the reference is not worked out
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # XLS, or an XLSX with a password
# The end of a ZIP's directory (signature, disks, parts on this disk, parts, directory size,
# its offset, comment length) and the ZIP64 locator and end record zipfile looks for before it.
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
# What zipfile, zlib and the XML parser raise on a damaged or forged workbook.
_BAD_XLSX = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ElementTree.ParseError,
    ValueError,
    IndexError,
    EOFError,
    OverflowError,
    NotImplementedError,
    struct.error,
    OSError,
)

ReadProgress = Callable[[float], None]  # the share of the file read so far, 0..1

# Built-in number formats that are dates or times (mm-dd-yy ... m/d/yy h:mm, mm:ss,
# [h]:mm:ss, mmss.0), and the one that is a duration.
_DATE_BUILTINS = frozenset((14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47))
_DURATION_BUILTINS = frozenset((46,))
# Quoted text and bracketed colours or locales say nothing about dates; [h], [m], [s] do.
_FORMAT_NOISE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_DURATION = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)
WINDOWS_EPOCH = datetime(1899, 12, 30)
MAC_EPOCH = datetime(1904, 1, 1)  # workbooks in the 1904 date system


def _is_date_format(code: str) -> bool:
    return _DATE_LETTER.search(_FORMAT_NOISE.sub("", code.split(";")[0])) is not None


def _is_duration_format(code: str) -> bool:
    return _DURATION.search(code.split(";")[0]) is not None


def _from_excel(value: float, epoch: datetime, duration: bool) -> datetime | time | timedelta:
    """An Excel serial number as openpyxl gives it: a datetime, a time of day or a duration."""
    if duration:
        delta = timedelta(days=value)
        if delta.microseconds:  # to the millisecond
            whole = delta.total_seconds() // 1
            delta = timedelta(seconds=whole, microseconds=round(delta.microseconds, -3))
        return delta
    day, fraction = divmod(value, 1)
    diff = timedelta(milliseconds=round(fraction * 86_400_000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        return time(minutes // 60, minutes % 60, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1  # Excel's 29 February 1900, which never was
    return epoch + timedelta(days=day) + diff


def _text_content(node: ElementTree.Element) -> str:
    """A shared or inline string: its plain text and the text of its runs, not phonetics."""
    parts: list[str] = []
    for child in node:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            text = child.find(_TEXT)
            if text is not None:
                parts.append(text.text or "")
    return "".join(parts)


def _column_number(letters: str, cache: dict[str, int]) -> int:
    """1 for "A", 28 for "AB" (the letters of a cell reference such as "AB7")."""
    if not (letters.isascii() and letters.isalpha()):
        raise ValueError(f"cell reference letters {letters!r}")
    if len(letters) > 3:
        return _FAR_COLUMN
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    if number <= MAX_COLUMNS:  # only these: a file may name a million columns once each
        cache[letters] = number
    return number


def _has_value(row: ElementTree.Element) -> bool:
    return any(c.find(_VALUE) is not None or c.find(_INLINE) is not None for c in row)


def _not_a_zip(head: bytes) -> str:
    if head.startswith(_OLE_SIGNATURE):
        return (
            "это книга старого формата Excel 97–2003 (XLS) или книга, защищённая паролем; "
            "откройте её в Excel и сохраните как «Книга Excel (*.xlsx)» без пароля"
        )
    if head.lstrip().startswith(b"<"):
        return "это веб-страница или XML, а не книга XLSX; откройте её в Excel и сохраните как XLSX"
    return "это не архив XLSX (файл другого формата или повреждён)"


def _damage(exc: BaseException) -> str:
    """What an error from unpacking or parsing means, in the user's words."""
    if isinstance(exc, ElementTree.ParseError):
        line, column = exc.position
        return f"разметка XML повреждена (строка {line}, позиция {column})"
    if isinstance(exc, zlib.error | EOFError):
        return "архив повреждён: данные не распаковываются (файл записан не полностью?)"
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return "архив повреждён: не сходится контрольная сумма"
    if isinstance(exc, NotImplementedError):
        return "части книги сжаты способом, который программа не знает"
    return "архив повреждён"


def _check_directory(file: IO[bytes], size: int) -> None:
    """Refuse an archive whose directory is bigger than a workbook's could be.

    zipfile turns the whole directory into objects of about 0.5 KB a part before anything
    can be checked: 100 MB of empty parts would take 650 MB. The directory's end record (and,
    as zipfile reads it, the ZIP64 one just before it) says how big it is. Without an end
    record zipfile says the file is no archive.
    """
    tail_size = min(size, _END_RECORD.size + 0xFFFF)  # the record and the longest comment
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END_RECORD.size > len(tail):
        return
    fields = _END_RECORD.unpack_from(tail, at)
    parts, directory = int(fields[4]), int(fields[5])
    at += size - tail_size  # in the file
    if at >= _ZIP64_LOCATOR.size + _ZIP64_END_RECORD.size:
        file.seek(at - _ZIP64_LOCATOR.size - _ZIP64_END_RECORD.size)
        data = file.read(_ZIP64_END_RECORD.size + _ZIP64_LOCATOR.size)
        if data[-_ZIP64_LOCATOR.size :].startswith(b"PK\x06\x07") and data.startswith(
            b"PK\x06\x06"
        ):
            fields = _ZIP64_END_RECORD.unpack_from(data)
            parts, directory = int(fields[7]), int(fields[8])
    if parts > MAX_ARCHIVE_PARTS or directory > MAX_ARCHIVE_DIRECTORY_BYTES:
        raise _DamagedError(
            f"оглавление архива перечисляет {_count(parts)} частей на {_megabytes(directory)}"
            " — в книге Excel с выпиской их единицы (архив повреждён или подделан)"
        )


class _Sheet(NamedTuple):
    name: str
    part: str
    hidden: bool  # "hidden" or "veryHidden" in the workbook


class _XlsxBook:
    """What a sheet's cells need: the sheets, the shared strings and the date styles.

    Every part is parsed as it is unpacked, each against its size limit, counted both as the
    archive states it and as it comes.
    """

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.part = ""  # the part being read, for messages
        members = set(archive.namelist())
        parts: dict[str | None, str] = {}
        for node, _ in self._elements("[Content_Types].xml", _OVERRIDE):
            parts[node.get("ContentType")] = str(node.get("PartName", "")).lstrip("/")
        workbook = next((parts[t] for t in _WORKBOOK_TYPES if t in parts), "xl/workbook.xml")
        folder = posixpath.dirname(workbook)
        rels_path = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
        targets: dict[str, str] = {}
        for rel, _ in self._elements(rels_path, _RELATIONSHIP):
            if rel.get("Type") != _WORKSHEET_REL or rel.get("TargetMode") == "External":
                continue
            target = str(rel.get("Target", ""))
            target = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            targets[str(rel.get("Id"))] = posixpath.normpath(target)
        date1904 = False
        self.sheets: list[_Sheet] = []
        for node, _ in self._elements(workbook, _WORKBOOK_ITEMS):
            if node.tag == _WORKBOOK_PROPERTIES:
                date1904 = node.get("date1904") not in (None, "", "false", "f", "0")
                continue
            sheet_part = targets.get(str(node.get(_OFFICE_REL + "id")))
            if sheet_part in members:
                hidden = node.get("state") in ("hidden", "veryHidden")
                self.sheets.append(_Sheet(str(node.get("name", "")), str(sheet_part), hidden))
        if not self.sheets:
            raise _DamagedError("в книге нет листов")
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        self.strings: list[str] = []
        # Shared strings longer than a cell may be are refused where a cell uses them.
        self.long_strings = False
        shared = parts.get(_SHARED_STRINGS_TYPE)
        if shared:
            for node, _ in self._elements(
                shared, frozenset((_SHARED_ITEM,)), MAX_SHARED_STRINGS_XML_BYTES
            ):
                text = _text_content(node).replace("x005F_", "")
                node.clear()
                self.strings.append(text)
                self.long_strings = self.long_strings or len(text) > MAX_CELL_CHARS
                if len(self.strings) > MAX_SHARED_STRINGS:
                    raise _RefusedError(
                        f"в книге больше {_count(MAX_SHARED_STRINGS)} разных значений"
                    )
        self.date_styles: set[int] = set()
        self.duration_styles: set[int] = set()
        if "xl/styles.xml" in members:
            try:
                self._read_styles()
            except ValueError as exc:
                raise _DamagedError("стили книги (xl/styles.xml) повреждены") from exc

    def _open(self, name: str, limit: int) -> IO[bytes]:
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise _DamagedError(f"в архиве нет части «{name}»") from None
        if info.flag_bits & 0x1:
            raise _DamagedError("части книги зашифрованы; сохраните книгу в Excel без пароля")
        if info.file_size > limit:
            raise _RefusedError(self._too_big(name, info.file_size, limit))
        self.part = name
        return self.archive.open(info)

    @staticmethod
    def _too_big(name: str, size: int, limit: int) -> str:
        return (
            f"часть книги «{name}» распаковывается в {_megabytes(size)} и больше, а допустимо "
            f"не больше {_megabytes(limit)} (архив повреждён или подделан)"
        )

    def _chunks(self, name: str, limit: int) -> Generator[bytes, None, None]:
        """The part unpacked a chunk at a time, counted against ``limit`` as it comes."""
        with self._open(name, limit) as source:
            unpacked = 0
            while chunk := source.read(_XLSX_CHUNK):
                unpacked += len(chunk)
                if unpacked > limit:  # zipfile stops at the stated size; not relied upon
                    raise _RefusedError(self._too_big(name, unpacked, limit))
                yield chunk

    def _elements(
        self, name: str, tags: frozenset[str], limit: int = MAX_PART_XML_BYTES
    ) -> Iterator[tuple[ElementTree.Element, str]]:
        """(element, its parent's tag) for each element of ``tags`` in the part, once complete.

        What was read is dropped as the parse goes (though not inside an element of
        ``tags``, which the caller reads), so a part of any size takes little memory.
        """
        parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
            events=("start", "end")
        )
        stack: list[ElementTree.Element] = []
        since_end = tags_since_end = 0
        with closing(self._chunks(name, limit)) as chunks:
            for chunk in itertools.chain(chunks, (b"",)):
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
                ended = False
                events = cast(Iterator[tuple[str, ElementTree.Element]], parser.read_events())
                for event, element in events:
                    if event == "start":
                        stack.append(element)
                        continue
                    stack.pop()
                    ended = True
                    if element.tag in tags:
                        yield element, stack[-1].tag if stack else ""
                if ended:
                    since_end = tags_since_end = 0
                else:
                    since_end += len(chunk)
                    tags_since_end += chunk.count(b"<")
                if tags_since_end > MAX_ELEMENT_TAGS:
                    raise _RefusedError(_too_many_tags(f"часть книги «{name}»"))
                if since_end > MAX_ELEMENT_XML_BYTES:
                    raise _RefusedError(
                        f"в части книги «{name}» одно значение занимает больше "
                        f"{_megabytes(MAX_ELEMENT_XML_BYTES)}, а в ячейке выписки может быть "
                        f"не больше {_count(MAX_CELL_CHARS)} символов"
                    )
                for depth, open_element in enumerate(stack):
                    if open_element.tag in tags:
                        break
                    still_open = stack[depth + 1 : depth + 2]
                    if len(open_element) > len(still_open):
                        open_element[:] = still_open

    def _read_styles(self) -> None:
        custom: dict[int, str | None] = {}
        cell_formats: list[int] = []
        for node, parent in self._elements("xl/styles.xml", _STYLE_ITEMS):
            if node.tag == _NUMBER_FORMAT:
                custom[int(node.get("numFmtId", "0"))] = node.get("formatCode")
            elif parent == _CELL_FORMATS:
                cell_formats.append(int(node.get("numFmtId", "0")))
        for index, number_format in enumerate(cell_formats):
            code = custom.get(number_format)
            if code is not None:
                if _is_date_format(code):
                    self.date_styles.add(index)
                if _is_duration_format(code):
                    self.duration_styles.add(index)
            elif number_format not in custom:
                if number_format in _DATE_BUILTINS:
                    self.date_styles.add(index)
                if number_format in _DURATION_BUILTINS:
                    self.duration_styles.add(index)

    def _value(self, cell: ElementTree.Element) -> object:
        """The value openpyxl would give; the row loop handles the common kinds inline."""
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            node = cell.find(_INLINE)
            return None if node is None else _text_content(node)
        text = cell.findtext(_VALUE)
        if not text:
            return None
        if kind == "n":
            return self._number(text, cell.get("s"))
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":  # rare: Excel writes dates as numbers
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(text)
        return text  # "str" (a formula's text) or "e" (an error such as #N/A)

    def _number(self, text: str, style: str | None) -> object:
        number: int | float = (
            float(text) if "." in text or "e" in text or "E" in text else int(text)
        )
        if style and int(style) in self.date_styles:
            try:
                return _from_excel(number, self.epoch, int(style) in self.duration_styles)
            except (OverflowError, ValueError):
                return "#VALUE!"  # what openpyxl gives for a date out of range
        return number

    def sheet(self) -> str:
        """The sheet holding the extract: the visible one whose header row matches best.

        A workbook may open on a hidden sheet, or keep notes or lists before the data: the
        first visible sheet with the most known headings wins; hidden ones only when no
        visible sheet has a header row at all; else the first visible sheet, which is then
        refused for want of headings.
        """
        if len(self.sheets) == 1:
            return self.sheets[0].part
        considered = self.sheets[:_SHEETS_CONSIDERED]
        for hidden in (False, True):
            best, best_score = None, MIN_HEADER_MATCHES - 1
            for sheet in considered:
                if sheet.hidden == hidden:
                    score = self._header_score(sheet.part)
                    if score > best_score:
                        best, best_score = sheet, score
            if best is not None:
                return best.part
        visible = [s for s in self.sheets if not s.hidden]
        return (visible or self.sheets)[0].part

    def _header_score(self, part: str) -> int:
        try:
            rows = self.rows(part, header_only=True)
        except (_RefusedError, *_BAD_XLSX):
            return 0  # no extract there; were the sheet chosen, reading it would say why
        return max(map(header_matches, rows), default=0)

    def rows(
        self, part: str, on_read: ReadProgress | None = None, *, header_only: bool = False
    ) -> list[list[object]]:
        """Every row of the sheet from row 1, a missing row as an empty one.

        A row ends at its last cell with a value (an empty cell far to the right adds no
        columns); rows differ in length. With ``header_only``, the rows a header row may
        be in, as far as they can be read without refusing the sheet.
        """
        rows: list[list[object]] = []
        columns: dict[str, int] = {}
        self._row_elements = self._cells = self._chars = 0
        size = max(self.archive.getinfo(part).file_size, 1)
        parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
            events=("end",)
        )
        unpacked = since_row = tags_since_row = 0
        with closing(self._chunks(part, MAX_SHEET_XML_BYTES)) as chunks:
            for chunk in chunks:
                unpacked += len(chunk)
                parser.feed(chunk)
                before = self._row_elements
                if self._take_rows(parser, rows, columns):
                    break  # the rows are over; what follows them (merged cells...) is not read
                if header_only and (
                    len(rows) >= HEADER_SEARCH_ROWS or unpacked > _HEADER_SCAN_BYTES
                ):
                    return rows[:HEADER_SEARCH_ROWS]
                if self._row_elements > before:  # counted from the last row's end tag on
                    tail = memoryview(chunk)[chunk.rfind(b"row>") :]
                    since_row, tags_since_row = len(tail), bytes(tail).count(b"<")
                else:
                    since_row += len(chunk)
                    tags_since_row += chunk.count(b"<")
                if since_row > MAX_ELEMENT_XML_BYTES:
                    if header_only:
                        return rows
                    raise _RefusedError(
                        f"строка листа после строки {len(rows)} занимает больше "
                        f"{_megabytes(MAX_ELEMENT_XML_BYTES)}, а в выписке может быть не "
                        f"больше {MAX_COLUMNS} столбцов по {_count(MAX_CELL_CHARS)} символов"
                    )
                if tags_since_row > MAX_ELEMENT_TAGS:
                    if header_only:
                        return rows
                    raise _RefusedError(_too_many_tags(f"строка листа после строки {len(rows)}"))
                if on_read is not None:
                    on_read(min(unpacked / size, 1.0))
            else:
                parser.close()
                self._take_rows(parser, rows, columns)
        if self.long_strings and not header_only:
            _check_lengths(rows)
        if on_read is not None:
            on_read(1.0)  # what follows the rows is not read
        return rows

    def _take_rows(
        self,
        parser: ElementTree.XMLPullParser[ElementTree.Element],
        rows: list[list[object]],
        columns: dict[str, int],
    ) -> bool:
        """Take the rows the parser has finished; True once the sheet's rows are over."""
        # Only "end" events were asked for: each carries an element.
        events = cast(Iterator[tuple[str, ElementTree.Element]], parser.read_events())
        strings = self.strings
        elements, cells = self._row_elements, self._cells
        element: ElementTree.Element | None = None
        cell: ElementTree.Element | None = None
        try:
            for _, element in events:
                tag = element.tag
                if tag != _ROW:
                    if tag == _SHEET_DATA:
                        return True
                    continue
                elements += 1
                if elements > _MAX_SHEET_ROWS:  # out of order, empty ones too: each costs
                    raise _RefusedError(
                        f"на листе больше {_count(_MAX_SHEET_ROWS)} строк, а в выписке может "
                        f"быть не больше {_count(MAX_DATA_ROWS)} строк с данными"
                    )
                cell = None
                number_text = element.get("r")
                number = int(float(number_text)) if number_text else len(rows) + 1
                if number <= len(rows):
                    element.clear()  # openpyxl drops a row out of order too
                    continue
                if number > _MAX_SHEET_ROWS:
                    if _has_value(element):
                        raise _RefusedError(
                            f"строка {_count(number)} за пределами допустимого: в выписке "
                            f"может быть не больше {_count(MAX_DATA_ROWS)} строк с данными"
                        )
                    element.clear()  # formatting only: nothing to read
                    continue
                while len(rows) < number - 1:
                    rows.append([])
                values: list[object] = []
                column = 0
                for cell in element:
                    if cell.tag != _CELL:
                        continue
                    reference = cell.get("r")
                    if reference:
                        letters = reference.rstrip(_DIGITS)
                        column = columns.get(letters) or _column_number(letters, columns)
                    else:
                        column += 1
                    kind = cell.get("t")
                    value: object
                    if kind == "s":  # the common kinds inline: this loop runs for every cell
                        text = cell.findtext(_VALUE)
                        value = strings[int(text)] if text else None
                    elif kind == "inlineStr":
                        node = cell.find(_INLINE)
                        if node is not None and len(node) == 1 and node[0].tag == _TEXT:
                            value = node[0].text or ""
                            if len(value) > MAX_CELL_CHARS:
                                raise _RefusedError(_long_cell(number, column, len(value)))
                        else:
                            value = None if node is None else _text_content(node)
                            if value and len(value) > MAX_CELL_CHARS:
                                raise _RefusedError(_long_cell(number, column, len(value)))
                    elif kind is None or kind == "n":
                        text = cell.findtext(_VALUE)
                        value = self._number(text, cell.get("s")) if text else None
                    else:
                        value = self._value(cell)
                        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                            raise _RefusedError(_long_cell(number, column, len(value)))
                    if column == len(values) + 1:
                        values.append(value)
                    elif column <= len(values):
                        values[column - 1] = value  # a later cell of the same column wins
                    elif value is not None:  # an empty cell adds no columns
                        if column > MAX_COLUMNS:
                            raise _RefusedError(_far_cell(reference, column, number))
                        values.extend([None] * (column - 1 - len(values)))
                        values.append(value)
                if len(values) > MAX_COLUMNS:  # cells without references, one after another
                    while values and values[-1] is None:
                        values.pop()
                    if len(values) > MAX_COLUMNS:
                        raise _RefusedError(_far_cell(None, len(values), number))
                cells += len(values)
                if cells > MAX_CELLS:
                    raise _RefusedError(_too_many_cells())
                self._chars += sum(len(v) for v in values if type(v) is str)
                if self._chars > MAX_TEXT_CHARS:
                    raise _RefusedError(_too_much_text())
                rows.append(values)
                element.clear()
            return False
        except (ValueError, IndexError, OverflowError) as exc:
            if cell is None:
                where = "" if element is None else element.get("r", "")
                raise _DamagedError(f"неверный номер строки «{where[:20]}»") from exc
            where = cell.get("r", "")
            raise _DamagedError(f"неверное значение в ячейке {where[:20]}".rstrip()) from exc
        finally:
            self._row_elements, self._cells = elements, cells


def _far_cell(reference: str | None, column: int, row: int) -> str:
    name = reference or f"{column_letters(column)}{row}"
    return (
        f"ячейка {name} за пределами допустимого: в выписке может быть не больше "
        f"{MAX_COLUMNS} столбцов (до {column_letters(MAX_COLUMNS)})"
    )


def _too_many_tags(what: str) -> str:
    return (
        f"{what} содержит больше {_count(MAX_ELEMENT_TAGS)} элементов разметки XML, "
        "а в выписке так много не бывает: файл повреждён или составлен не программой"
    )


def _too_many_cells() -> str:
    return (
        f"в выписке больше {_count(MAX_CELLS)} ячеек (например, {_count(MAX_DATA_ROWS)} "
        f"строк по {MAX_CELLS // MAX_DATA_ROWS} столбцов)"
    )


def _too_much_text() -> str:
    return (
        f"в выписке больше {_count(MAX_TEXT_CHARS)} символов текста (например, "
        f"{_count(MAX_DATA_ROWS)} строк по {MAX_TEXT_CHARS // MAX_DATA_ROWS} символов); "
        "разделите её на несколько файлов"
    )


def _check_lengths(rows: list[list[object]], first: int = 1) -> None:
    """Refuse the first text longer than a cell may be, naming its row and column."""
    for number, values in enumerate(rows, start=first):
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise _RefusedError(_long_cell(number, column, len(value)))


def _read_xlsx(path: Path, size: int, on_read: ReadProgress | None) -> list[list[object]]:
    book: _XlsxBook | None = None
    try:
        with _open_binary(path) as file:
            head = file.read(8)
            try:
                _check_directory(file, size)
                file.seek(0)
                archive = zipfile.ZipFile(file)
            except zipfile.BadZipFile as exc:
                reason = "оглавление архива повреждено" if head[:2] == b"PK" else _not_a_zip(head)
                raise _DamagedError(reason) from exc
            with archive:
                book = _XlsxBook(archive)
                return book.rows(book.sheet(), on_read)
    except _DamagedError as exc:
        raise BadFileError(f"Файл {path.name} не читается как книга Excel: {exc}.") from exc
    except _RefusedError as exc:
        raise BadFileError(f"Файл {path.name}: {exc}.") from exc
    except _BAD_XLSX as exc:
        logger.info("%s: %r", path.name, exc)
        where = f" (часть «{book.part}»)" if book is not None and book.part else ""
        raise BadFileError(
            f"Файл {path.name} не читается как книга Excel: {_damage(exc)}{where}."
        ) from exc


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        reason = "нет прав на чтение" if isinstance(exc, PermissionError) else "ошибка чтения"
        raise BadFileError(f"Файл {path.name} не открывается: {reason}.") from exc


# -- CSV -----------------------------------------------------------------------------------
# UTF-8 (with or without the mark), Windows-1251, and what Excel saves as "Юникод-текст":
# UTF-16 with its byte order mark and tabs between the fields. Read as it is streamed, with
# universal line ends (CR alone too), each record bounded before csv builds it.

_BYTE_ORDER_MARKS = (  # UTF-32 LE first: its mark begins like UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ENCODING_NAMES = {"utf-32": "UTF-32", "utf-16": "UTF-16", "utf-16-le": "UTF-16"}
_ENCODING_NAMES["utf-16-be"] = "UTF-16"
_DELIMITERS = (";", ",", "\t")  # on a tie, the first
_CSV_SAMPLE_CHARS = 1 << 16


def _text_encoding(file: IO[bytes]) -> str:
    head = file.read(4096)
    for mark, encoding in _BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return encoding
    if b"\x00" in head:  # UTF-16 without the mark: Latin letters, digits, ";" have a zero byte
        odd, even = head[1::2].count(0), head[::2].count(0)
        if odd > len(head) // 8 and even == 0:
            return "utf-16-le"
        if even > len(head) // 8 and odd == 0:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        while block := file.read(1 << 20):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def _delimiter(sample: str) -> str:
    """The delimiter that makes a header row of the first lines; else the commonest one."""
    lines = sample.splitlines()[:HEADER_SEARCH_ROWS]

    def headings(delimiter: str) -> int:
        try:
            return max(map(header_matches, csv.reader(lines, delimiter=delimiter)), default=0)
        except csv.Error:
            return 0

    return max(_DELIMITERS, key=lambda d: (headings(d), sum(line.count(d) for line in lines)))


class _Lines:
    """The file's lines for csv.reader, refusing a record that runs on too long.

    csv has no limit on a record's fields, only on one field's length (131,072 characters):
    a line of a million empty fields, or a quoted field with a line end repeated, would be
    built whole before anything could be checked.
    """

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.pending = 0  # characters of the record being read; the caller zeroes it

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.file.readline(MAX_CSV_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.pending += len(line)
        if self.pending > MAX_CSV_RECORD_CHARS:
            raise _RefusedError(
                f"строка длиннее {_count(MAX_CSV_RECORD_CHARS)} символов, а в выписке может быть "
                f"не больше {MAX_COLUMNS} столбцов по {_count(MAX_CELL_CHARS)} символов"
            )
        return line


def _csv_rows(file: IO[str], delimiter: str) -> list[list[object]]:
    lines = _Lines(file)
    rows: list[list[object]] = []
    cells = chars = 0
    try:
        for row in csv.reader(lines, delimiter=delimiter):
            lines.pending = 0
            number = len(rows) + 1
            if len(row) > MAX_COLUMNS:
                while row and not row[-1]:
                    row.pop()
                if len(row) > MAX_COLUMNS:
                    raise _RefusedError(
                        f"строка {number}: {len(row)} столбцов, а в выписке может быть не "
                        f"больше {MAX_COLUMNS}"
                    )
            if row and max(map(len, row)) > MAX_CELL_CHARS:
                _check_lengths([cast(list[object], row)], number)
            cells += len(row)
            if cells > MAX_CELLS:
                raise _RefusedError(_too_many_cells())
            chars += sum(map(len, row))
            if chars > MAX_TEXT_CHARS:
                raise _RefusedError(_too_much_text())
            if number > _MAX_CSV_RECORDS:  # blank lines too: each costs
                raise _RefusedError(
                    f"в файле больше {_count(_MAX_CSV_RECORDS)} строк, а в выписке может быть "
                    f"не больше {_count(MAX_DATA_ROWS)} строк с данными"
                )
            rows.append(cast(list[object], row))
    except csv.Error as exc:
        number = len(rows) + 1
        if "field larger than field limit" in str(exc):
            raise _RefusedError(
                f"строка {number}: значение длиннее {_count(MAX_CELL_CHARS)} символов "
                f"(больше {_count(csv.field_size_limit())})"
            ) from exc
        raise _DamagedError(f"строка {number} не читается как CSV") from exc
    return rows


def _read_csv(path: Path) -> list[list[object]]:
    encoding = "utf-8"
    try:
        with _open_binary(path) as binary:
            encoding = _text_encoding(binary)
        with path.open(encoding=encoding, newline="") as file:
            delimiter = _delimiter(file.read(_CSV_SAMPLE_CHARS))
            file.seek(0)
            return _csv_rows(file, delimiter)
    except UnicodeError as exc:
        if encoding in _ENCODING_NAMES:
            problem = f"текст в кодировке {_ENCODING_NAMES[encoding]} повреждён или обрывается"
        else:
            problem = "кодировка не UTF-8 и не Windows-1251"
        raise BadFileError(f"Файл {path.name}: {problem}.") from exc
    except _DamagedError as exc:
        raise BadFileError(f"Файл {path.name} не читается как текст CSV: {exc}.") from exc
    except _RefusedError as exc:
        raise BadFileError(f"Файл {path.name}: {exc}.") from exc
    except OSError as exc:
        raise BadFileError(f"Файл {path.name} не читается: ошибка чтения с диска.") from exc


def read_table(path: Path, on_read: ReadProgress | None = None) -> Table:
    """Read the sheet with the extract (XLSX) or the file (CSV) and find the header row.

    ``on_read`` hears, now and then, what share of the file is read; it may raise to stop.
    """
    # The cyclic garbage collector would re-scan every row read so far, again and again
    # (3.4 s instead of 0.9 s for 200,000 rows); rows and cells make no cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_table(path, on_read)
    finally:
        if collecting:
            gc.enable()


def not_a_file(path: Path) -> str:
    """Why ``path`` cannot be read as a file, in one Russian line (issue #10: a folder or a
    named pipe given as the extract was reported as "Файл не найден")."""
    if path.is_dir():
        return f"Указана папка, а не файл: {path}"
    if path.exists():
        return f"{path} — не обычный файл (устройство или канал), его нельзя загрузить."
    return f"Файл не найден: {path}"


def _read_table(path: Path, on_read: ReadProgress | None) -> Table:
    if not path.is_file():
        raise BadFileError(not_a_file(path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadFileError(
            f"Файл {path.name} занимает {_megabytes(size)}, а выписка может занимать не больше "
            f"{_megabytes(MAX_FILE_BYTES)} (за месяц это несколько мегабайт)."
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path, size, on_read)
    elif suffix in (".csv", ".txt"):
        rows = _read_csv(path)
        if on_read is not None:
            on_read(1.0)
    else:
        raise BadFileError(f"Файл {path.name}: ожидается выписка в формате XLSX или CSV.")
    found = (
        i
        for i, row in enumerate(rows[:HEADER_SEARCH_ROWS])
        if header_matches(row) >= MIN_HEADER_MATCHES
    )
    index = next(found, -1)
    if index < 0:
        raise BadFileError(
            f"Файл {path.name}: в первых {HEADER_SEARCH_ROWS} строках не найдена строка "
            "заголовков (ожидаются «ФИО», «Дата рождения», «СНИЛС», «Группа инвалидности» и т. д.)."
        )
    table = Table(rows, index)
    if len(rows) - index - 1 > MAX_DATA_ROWS:
        data_rows = sum(1 for _ in table.data_rows())
        if data_rows > MAX_DATA_ROWS:
            raise BadFileError(
                f"Файл {path.name}: строк с данными в выписке: {_count(data_rows)}, а допустимо "
                f"не больше {_count(MAX_DATA_ROWS)}; разделите её на несколько файлов."
            )
    # Rows end at their last value; the header row spans them all, so that every column
    # has a heading (maybe an empty one) to show and map.
    header, width = rows[index], max(map(len, rows))
    header.extend([None] * (width - len(header)))
    return table


def auto_mapping(headings: Sequence[str]) -> dict[str, int]:
    """Field key -> column index for every heading recognised; the first column wins."""
    mapping: dict[str, int] = {}
    for index, heading in enumerate(headings):
        key = field_for_heading(heading)
        if key is not None and key not in mapping:
            mapping[key] = index
    return mapping


def apply_saved_mapping(headings: Sequence[str], saved: dict[str, str]) -> dict[str, int]:
    """A saved mapping (heading text -> field key) over the automatic one."""
    mapping = auto_mapping(headings)
    by_key = {heading_key(h): i for i, h in enumerate(headings)}
    for heading, key in saved.items():
        if key not in FIELDS:
            continue
        index = by_key.get(heading_key(heading))
        if index is not None:
            mapping = {k: v for k, v in mapping.items() if v != index}
            mapping[key] = index
    return mapping


def missing_fields(mapping: dict[str, int]) -> list[str]:
    """The columns without which no row can be read."""
    missing = []
    if "full_name" not in mapping and not {"last_name", "first_name"} <= mapping.keys():
        missing.append("ФИО (или Фамилия и Имя)")
    for key in ("birth_date", "group"):
        if key not in mapping:
            missing.append(FIELD_TITLES[key])
    return missing


# -- cells ----------------------------------------------------------------------------------

_GROUPS = {
    "1": DisabilityGroup.GROUP_I,
    "i": DisabilityGroup.GROUP_I,
    "первая": DisabilityGroup.GROUP_I,
    "2": DisabilityGroup.GROUP_II,
    "ii": DisabilityGroup.GROUP_II,
    "вторая": DisabilityGroup.GROUP_II,
    "3": DisabilityGroup.GROUP_III,
    "iii": DisabilityGroup.GROUP_III,
    "третья": DisabilityGroup.GROUP_III,
    "ребенокинвалид": DisabilityGroup.CHILD,
    "ри": DisabilityGroup.CHILD,
    "ребенок": DisabilityGroup.CHILD,
    "детиинвалиды": DisabilityGroup.CHILD,
}
_ROMAN_DIGITS = {"0": 0, "1": 1, "2": 2, "3": 3, "i": 1, "ii": 2, "iii": 3}
_YES = {"да", "+", "1", "д", "yes", "true", "истина", "впервые", "v", "х"}
_NO = {"нет", "-", "0", "н", "no", "false", "ложь", "повторно", ""}
_PHONE_DIGITS = re.compile(r"\D")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EXCEL_EPOCH = date(1899, 12, 30)
# The same few spellings of groups, degrees, flags, dates and measures fill whole columns:
# each is worked out once per import, not once per row.
_PARSED_CACHE = 4096
_MEASURE_ROWS = {kind: kind.row_number for kind in MeasureKind}  # Appendix 2 order


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


@lru_cache(maxsize=_PARSED_CACHE, typed=True)
def parse_group(value: object) -> DisabilityGroup:
    key = heading_key(_text(value).replace("группа", "").replace("гр", ""))
    # Latin and Cyrillic "I" look alike in extracts typed by hand.
    key = key.replace("і", "i")
    group = _GROUPS.get(key)
    if group is None:
        raise ValueError(
            f"неизвестная группа «{_text(value)}» (ожидается I, II, III или «ребенок-инвалид»)"
        )
    return group


@lru_cache(maxsize=_PARSED_CACHE, typed=True)
def parse_degree(value: object) -> int:
    text = _text(value).lower()
    if not text:
        return 0
    key = heading_key(text.replace("степень", "").replace("ст", ""))
    degree = _ROMAN_DIGITS.get(key)
    if degree is None:
        raise ValueError(f"степень «{_text(value)}» не от 0 до 3")
    return degree


@lru_cache(maxsize=_PARSED_CACHE, typed=True)
def parse_flag(value: object) -> bool:
    text = _text(value).lower().rstrip(".")
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"«{_text(value)}» не понятно как «да» или «нет»")


@lru_cache(maxsize=_PARSED_CACHE, typed=True)
def parse_cell_date(value: object, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(f"число {value} не является датой")
    try:
        return parse_date(_text(value), what)
    except UserError as exc:
        raise ValueError(str(exc).split(": ", 1)[-1].rstrip(".")) from None


@lru_cache(maxsize=_PARSED_CACHE, typed=True)
def parse_sex(value: object) -> Sex | None:
    text = _text(value).lower().rstrip(".")
    if not text:
        return None
    if text in ("м", "муж", "мужской", "m"):
        return Sex.MALE
    if text in ("ж", "жен", "женский", "f"):
        return Sex.FEMALE
    raise ValueError(f"пол «{_text(value)}» не понятен (ожидается М или Ж)")


def parse_phone(value: object) -> str | None:
    """A full Russian number as +7XXXXXXXXXX (8XXXXXXXXXX, +7, brackets and dashes are
    accepted); an incomplete or impossible number is refused with the reason."""
    text = _text(value)
    if not text:
        return None
    if isinstance(value, int | float) and text.isdigit() and len(text) == 10:
        text = "8" + text  # Excel keeps 9123456789 as a number
    return russian_phone(text)


def parse_measures(value: object) -> tuple[MeasureKind, ...]:
    text = _text(value)
    if not text:
        return ()
    return _measures_in(text)


@lru_cache(maxsize=_PARSED_CACHE)
def _measures_in(text: str) -> tuple[MeasureKind, ...]:
    kinds: list[MeasureKind] = []
    for part in re.split(r"[;,\n]", text):
        part = part.strip()
        if not part:
            continue
        kind = find_measure(part)
        if kind is None:
            raise ValueError(f"неизвестный вид мероприятий «{part}»")
        if kind not in kinds:
            kinds.append(kind)
    return tuple(sorted(kinds, key=_MEASURE_ROWS.__getitem__))


@lru_cache(maxsize=_PARSED_CACHE)
def _district_name(text: str) -> str:
    """The district's official name, or the text as written when it is none we know."""
    found = find_district(text)
    return found.name if found else text


def split_full_name(text: str) -> tuple[str, str, str]:
    parts = text.split()
    if len(parts) < 2:
        raise ValueError(f"«{text}»: нужны хотя бы фамилия и имя")
    return parts[0], parts[1], " ".join(parts[2:])


@dataclass(frozen=True)
class Problem:
    row: int
    field: str  # Russian title of the column
    message: str
    rejects_row: bool = True  # False: a note on the file's columns, the row is read

    def __post_init__(self) -> None:
        # A message quotes the value it is about; a 2,000-character value quoted in each of
        # 100,000 rows filled the import log with 257 MB (robustness run): quote the start.
        if len(self.message) > MAX_PROBLEM_CHARS:
            object.__setattr__(self, "message", self.message[: MAX_PROBLEM_CHARS - 1] + "…")

    def __str__(self) -> str:
        return f"строка {self.row}, {self.field}: {self.message}"


def duplicate_columns(table: Table, mapping: dict[str, int]) -> list[Problem]:
    """A note for each field that more columns than the one read could mean ("СНИЛС" twice).

    Noted, not refused: the import goes on with the column chosen (the first, as always),
    and the note names both columns and says whether their values differ, in the dry run
    the wizard always makes first, in the CLI's output and in the import log. A consultant
    then sees a copied column as harmless and, where the values differ (a representative's
    СНИЛС under the same heading), renames a heading and checks again, before anything is
    written. Refusing would hold up the month's registry over the usual, harmless case.
    """
    headings = table.headings
    notes: list[Problem] = []
    mapped = set(mapping.values())
    for key, used in sorted(mapping.items(), key=lambda item: item[1]):
        used_key = heading_key(headings[used]) if used < len(headings) else ""
        others = [
            index
            for index, heading in enumerate(headings)
            if index not in mapped
            and (
                field_for_heading(heading) == key or (used_key and heading_key(heading) == used_key)
            )
        ]
        if not others:
            continue
        columns = sorted((used, *others))
        letters = [column_letters(index + 1) for index in columns]
        listed = f"{', '.join(letters[:-1])} и {letters[-1]}"
        every = "оба" if len(columns) == 2 else "все"
        if all(heading_key(headings[index]) == used_key for index in others):
            what = f"{every} называются «{headings[used]}»"
        else:
            named = ", ".join(f"{column_letters(i + 1)} «{headings[i]}»" for i in columns)
            what = f"({named}) {every} означают «{FIELD_TITLES[key]}»"
        differ = [
            number
            for number, cells in table.data_rows()
            if any(_cell_text(cells, index) != _cell_text(cells, used) for index in others)
        ]
        if differ:
            rows = "строке" if len(differ) % 10 == 1 and len(differ) % 100 != 11 else "строках"
            values = f"значения различаются в {_count(len(differ))} {rows} (первая — {differ[0]})"
        else:
            values = "значения в них совпадают"
        message = f"столбцы {listed} {what}: используется {column_letters(used + 1)}; {values}"
        notes.append(Problem(table.header_index + 1, FIELD_TITLES[key], message, False))
    return notes


def _cell_text(cells: Sequence[object], index: int) -> str:
    return _text(cells[index]) if index < len(cells) else ""


@dataclass(slots=True)
class ExtractRow:
    """One person as the extract gives them, every value checked."""

    row: int
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date
    sex: Sex | None
    snils: str | None
    registration_address: str | None
    actual_address: str | None
    district: str | None
    phone: str | None
    email: str | None
    group: DisabilityGroup
    established_on: date | None
    first_time: bool | None
    # None: the cell is empty. DESIGN §2: an unknown fact is never read as 0 (issue #13:
    # «Психическое расстройство: да» with no behaviour degree entered the registry).
    selfcare_degree: int | None
    movement_degree: int | None
    behaviour_degree: int | None
    mental_disorder: bool
    stationary: bool
    veteran_svo: bool
    ipra_number: str | None
    ipra_date: date | None
    measures: tuple[MeasureKind, ...]
    representative: str | None
    representative_phone: str | None
    received_on: date | None
    problems: list[Problem] = field(default_factory=list)
    full_name: str = ""  # "Фамилия Имя Отчество"
    search_name: str = ""  # what Citizen.search_name holds for this name

    def __post_init__(self) -> None:
        self.full_name = names.full_name(self.last_name, self.first_name, self.middle_name)
        self.search_name = names.search_key(self.full_name)


def parse_row(
    number: int, cells: Sequence[object], mapping: dict[str, int], today: date
) -> ExtractRow | list[Problem]:
    """The row read and checked, or every problem found in it."""
    problems: list[Problem] = []
    count = len(cells)
    cell = {key: cells[index] for key, index in mapping.items() if index < count}.get

    def get(key: str, parser, *args):  # type: ignore[no-untyped-def]
        try:
            return parser(cell(key), *args)
        except ValueError as exc:
            problems.append(Problem(number, FIELD_TITLES[key], str(exc)))
            return None

    def text(key: str) -> str | None:
        return _text(cell(key)) or None

    def degree(key: str) -> int | None:
        # An empty cell (or no such column) is "not stated", not "no limitation".
        return get(key, parse_degree) if _text(cell(key)) else None

    last = first = middle = ""
    if "full_name" in mapping:
        whole = _text(cell("full_name"))
        if not whole:
            problems.append(Problem(number, "ФИО", "не заполнено"))
        else:
            try:
                last, first, middle = split_full_name(whole)
            except ValueError as exc:
                problems.append(Problem(number, "ФИО", str(exc)))
    else:
        last, first, middle = (_text(cell(k)) for k in ("last_name", "first_name", "middle_name"))
        if not last or not first:
            problems.append(Problem(number, "ФИО", "не заполнены фамилия или имя"))

    birth = get("birth_date", parse_cell_date, "дата рождения")
    if birth is None and not any(p.field == "Дата рождения" for p in problems):
        problems.append(Problem(number, "Дата рождения", "не заполнена"))
    established = get("established_on", parse_cell_date, "дата установления")
    ipra_date = get("ipra_date", parse_cell_date, "дата ИПРА")
    received = get("received_on", parse_cell_date, "дата поступления")
    for key, value in (
        ("birth_date", birth),
        ("established_on", established),
        ("ipra_date", ipra_date),
        ("received_on", received),
    ):
        if value is not None and value > today:
            problems.append(Problem(number, FIELD_TITLES[key], f"дата {value:%d.%m.%Y} в будущем"))
    if birth and established and established < birth:
        problems.append(Problem(number, FIELD_TITLES["established_on"], "раньше даты рождения"))

    snils: str | None = None
    raw_snils = _text(cell("snils"))
    if isinstance(cell("snils"), int | float) and raw_snils.isdigit():
        raw_snils = raw_snils.zfill(11)  # Excel drops the leading zeros of a number cell
    if raw_snils:
        try:
            snils = normalize_snils(raw_snils)
        except UserError as exc:
            problems.append(Problem(number, "СНИЛС", str(exc)))

    group = None
    if _text(cell("group")):
        group = get("group", parse_group)
    else:
        problems.append(Problem(number, FIELD_TITLES["group"], "не заполнена"))

    first_time = None
    if _text(cell("first_time")):
        first_time = get("first_time", parse_flag)
    email = text("email")
    if email and not _EMAIL.match(email):
        problems.append(Problem(number, FIELD_TITLES["email"], f"«{email}» не похож на адрес"))
    district_text = text("district")
    district = _district_name(district_text) if district_text else None

    result = ExtractRow(
        row=number,
        last_name=last,
        first_name=first,
        middle_name=middle,
        birth_date=birth or date.min,
        sex=get("sex", parse_sex),
        snils=snils,
        registration_address=text("registration_address"),
        actual_address=text("actual_address") or text("registration_address"),
        district=district,
        phone=get("phone", parse_phone),
        email=email,
        group=group or DisabilityGroup.GROUP_III,
        established_on=established,
        first_time=first_time,
        selfcare_degree=degree("selfcare_degree"),
        movement_degree=degree("movement_degree"),
        behaviour_degree=degree("behaviour_degree"),
        mental_disorder=bool(get("mental_disorder", parse_flag)),
        stationary=bool(get("stationary", parse_flag)),
        veteran_svo=bool(get("veteran_svo", parse_flag)),
        ipra_number=text("ipra_number"),
        ipra_date=ipra_date,
        measures=get("measures", parse_measures) or (),
        representative=text("representative"),
        representative_phone=get("representative_phone", parse_phone),
        received_on=received,
    )
    return problems if problems else result
