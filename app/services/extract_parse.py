"""Reading a monthly extract: the file, its header row, its columns and every cell.

The extract has no published schema (DESIGN.md §4). Columns are matched by their Russian
headings (case, spaces, "ё" and punctuation do not matter) and the spellings people use are
accepted. A row with any problem is rejected with the reason, never guessed.
No database here: app.services.extract_import writes what this module reads.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import cast
from xml.etree import ElementTree

from app.domain import names
from app.domain.dates import parse_date
from app.domain.enums import DisabilityGroup, MeasureKind, Sex
from app.domain.phones import phone_from_digits
from app.domain.snils import normalize_snils
from app.errors import BadFileError, UserError
from app.reference import find_district, find_measure

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


def heading_key(text: object) -> str:
    """A heading as compared: lower case, "ё" as "е", letters and digits only."""
    return _HEADING_NOISE.sub("", str(text or "").lower().replace("ё", "е"))


def field_for_heading(text: object) -> str | None:
    return _KNOWN.get(heading_key(text))


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
_XLSX_CHUNK = 1 << 18
_DIGITS = "0123456789"
_BAD_XLSX = (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError, IndexError, EOFError)

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
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    cache[letters] = number
    return number


class _XlsxBook:
    """What the first sheet's cells need: where the sheet is, its strings and date styles."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        members = set(archive.namelist())
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        parts = {
            o.get("ContentType"): str(o.get("PartName", "")).lstrip("/")
            for o in types.iter(_CONTENT_TYPES + "Override")
        }
        workbook = next((parts[t] for t in _WORKBOOK_TYPES if t in parts), "xl/workbook.xml")
        folder = posixpath.dirname(workbook)
        rels_path = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
        targets: dict[str, str] = {}
        for rel in ElementTree.fromstring(archive.read(rels_path)).iter(
            _PACKAGE_REL + "Relationship"
        ):
            if rel.get("Type") != _WORKSHEET_REL or rel.get("TargetMode") == "External":
                continue
            target = str(rel.get("Target", ""))
            target = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            targets[str(rel.get("Id"))] = posixpath.normpath(target)
        root = ElementTree.fromstring(archive.read(workbook))
        properties = root.find(_MAIN + "workbookPr")
        date1904 = properties is not None and properties.get("date1904") not in (
            None,
            "",
            "false",
            "f",
            "0",
        )
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        sheets = [
            targets[str(s.get(_OFFICE_REL + "id"))]
            for s in root.iter(_MAIN + "sheet")
            if targets.get(str(s.get(_OFFICE_REL + "id"))) in members
        ]
        if not sheets:
            raise KeyError("в книге нет листов")
        self.sheet = sheets[0]
        self.strings: list[str] = []
        shared = parts.get(_SHARED_STRINGS_TYPE)
        if shared:
            with archive.open(shared) as source:
                for _, node in ElementTree.iterparse(source):
                    if node.tag == _SHARED_ITEM:
                        self.strings.append(_text_content(node).replace("x005F_", ""))
                        node.clear()
        self.date_styles: set[int] = set()
        self.duration_styles: set[int] = set()
        if "xl/styles.xml" in members:
            self._read_styles(ElementTree.fromstring(archive.read("xl/styles.xml")))

    def _read_styles(self, root: ElementTree.Element) -> None:
        custom = {
            int(f.get("numFmtId", "0")): f.get("formatCode") for f in root.iter(_MAIN + "numFmt")
        }
        cell_formats = root.find(_MAIN + "cellXfs")
        for index, xf in enumerate([] if cell_formats is None else cell_formats):
            number_format = int(xf.get("numFmtId", "0"))
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

    def rows(self, on_read: ReadProgress | None) -> list[list[object]]:
        """Every row from row 1, a missing row as an empty one, all padded to one width."""
        rows: list[list[object]] = []
        columns: dict[str, int] = {}
        size = max(self.archive.getinfo(self.sheet).file_size, 1)
        parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
            events=("end",)
        )
        with self.archive.open(self.sheet) as source:
            while chunk := source.read(_XLSX_CHUNK):
                parser.feed(chunk)
                self._take_rows(parser, rows, columns)
                if on_read is not None:
                    on_read(min(source.tell() / size, 1.0))
            parser.close()
            self._take_rows(parser, rows, columns)
        width = max((len(r) for r in rows), default=0)
        for row in rows:
            if len(row) < width:
                row.extend([None] * (width - len(row)))
        return rows

    def _take_rows(
        self,
        parser: ElementTree.XMLPullParser[ElementTree.Element],
        rows: list[list[object]],
        columns: dict[str, int],
    ) -> None:
        # Only "end" events were asked for: each carries an element.
        events = cast(Iterator[tuple[str, ElementTree.Element]], parser.read_events())
        for _, element in events:
            if element.tag != _ROW:
                continue
            number_text = element.get("r")
            number = int(float(number_text)) if number_text else len(rows) + 1
            if number <= len(rows):
                element.clear()  # openpyxl drops a row out of order too
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
                    value = self.strings[int(text)] if text else None
                elif kind == "inlineStr":
                    node = cell.find(_INLINE)
                    if node is not None and len(node) == 1 and node[0].tag == _TEXT:
                        value = node[0].text or ""
                    else:
                        value = None if node is None else _text_content(node)
                elif kind is None or kind == "n":
                    text = cell.findtext(_VALUE)
                    value = self._number(text, cell.get("s")) if text else None
                else:
                    value = self._value(cell)
                if column == len(values) + 1:
                    values.append(value)
                else:
                    if column > len(values):
                        values.extend([None] * (column - len(values)))
                    values[column - 1] = value  # a later cell of the same column wins
            rows.append(values)
            element.clear()


def _read_xlsx(path: Path, on_read: ReadProgress | None = None) -> list[list[object]]:
    try:
        with zipfile.ZipFile(path) as archive:
            return _XlsxBook(archive).rows(on_read)
    except _BAD_XLSX as exc:
        raise BadFileError(f"Файл {path.name} не читается как книга Excel: {exc}") from exc


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadFileError(f"Файл {name}: кодировка не UTF-8 и не Windows-1251.")


def _read_csv(path: Path) -> list[list[object]]:
    text = _decode(path.read_bytes(), path.name)
    first_lines = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    delimiter = ";" if first_lines.count(";") >= first_lines.count(",") else ","
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_table(path: Path, on_read: ReadProgress | None = None) -> Table:
    """Read the first sheet (XLSX) or the file (CSV) and find the header row.

    ``on_read`` hears, now and then, what share of the file is read; it may raise to stop.
    """
    if not path.is_file():
        raise BadFileError(f"Файл не найден: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path, on_read)
    elif suffix in (".csv", ".txt"):
        rows = _read_csv(path)
        if on_read is not None:
            on_read(1.0)
    else:
        raise BadFileError(f"Файл {path.name}: ожидается выписка в формате XLSX или CSV.")
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if field_for_heading(cell)) >= MIN_HEADER_MATCHES:
            return Table(rows, index)
    raise BadFileError(
        f"Файл {path.name}: в первых {HEADER_SEARCH_ROWS} строках не найдена строка заголовков "
        "(ожидаются «ФИО», «Дата рождения», «СНИЛС», «Группа инвалидности» и т. д.)."
    )


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
    """A Russian number as +7XXXXXXXXXX; 8XXXXXXXXXX and 10 digits are accepted."""
    text = _text(value)
    if not text:
        return None
    phone = phone_from_digits(_PHONE_DIGITS.sub("", text))
    if phone is None:
        raise ValueError(f"номер «{text}» не похож на телефонный")
    return phone


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

    def __str__(self) -> str:
        return f"строка {self.row}, {self.field}: {self.message}"


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
    selfcare_degree: int
    movement_degree: int
    behaviour_degree: int
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
        selfcare_degree=get("selfcare_degree", parse_degree) or 0,
        movement_degree=get("movement_degree", parse_degree) or 0,
        behaviour_degree=get("behaviour_degree", parse_degree) or 0,
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
