"""The directory of organisations: list, edit, archive, exchange as XLSX (31-р 3.3.1, 4.5).

Routes and plans copy what they print from here, so editing an organisation never
rewrites a document already drawn up. Organisations of the demo database are marked
``is_sample`` and shown as such: the application ships no invented organisations.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.enums import Department, MeasureKind
from app.domain.phones import phones_in_text
from app.errors import BadFileError, NotFoundError, UserError, ValidationError
from app.reference import find_district, find_measure
from app.services.common import audit, current_user
from app.services.files import check_output, write_atomically
from db import models
from db.session import Database

logger = logging.getLogger(__name__)

SHEET_TITLE = "Организации"
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
# "https://example.org/path", "www.example.org" or "example.org": a host with a dot.
_WEBSITE = re.compile(r"^(https?://)?[^\s/:@,;]+\.[^\s/:@,;]{2,}(:\d+)?(/\S*)?$", re.IGNORECASE)
_POSTCODE = re.compile(r"^\d{6}$")
YES = "да"
NO = "нет"


@dataclass(frozen=True)
class ContactForm:
    full_name: str
    position: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class OrganisationForm:
    name: str
    department: Department
    short_name: str = ""
    district: str = ""  # empty: serves the whole region
    address: str = ""
    postcode: str = ""
    email: str = ""
    website: str = ""
    hours: str = ""
    phone: str = ""
    note: str = ""
    services: tuple[tuple[MeasureKind | None, str], ...] = ()  # (kind of measure or None, name)
    contacts: tuple[ContactForm, ...] = ()
    # Read-only flags for the card; save_organisation ignores them (set_archived changes one).
    archived: bool = False
    sample: bool = False


@dataclass(frozen=True)
class OrganisationRow:
    organisation_id: int
    name: str
    department: str  # Russian label
    district: str  # "" for the whole region
    phone: str
    email: str
    kinds: str  # short titles of the kinds of measures, comma-separated
    archived: bool
    sample: bool
    regional: bool = False  # from the regional centre's directory: read-only here


@dataclass(frozen=True)
class ImportProblem:
    row: int  # 1-based sheet row
    column: str  # the heading
    problem: str

    def __str__(self) -> str:
        return f"строка {self.row}, столбец «{self.column}»: {self.problem}"


@dataclass(frozen=True)
class ImportDirectoryResult:
    added: int
    updated: int
    problems: tuple[ImportProblem, ...]  # when any, nothing was written

    @property
    def written(self) -> bool:
        return not self.problems


# -- validation ---------------------------------------------------------------------------


def validate_organisation(form: OrganisationForm) -> tuple[tuple[str, str], ...]:
    """Every problem as (field, Russian message); empty when the organisation can be saved."""
    problems: list[tuple[str, str]] = []
    if not form.name.strip():
        problems.append(("name", "Наименование организации не указано"))
    if not isinstance(form.department, Department):
        problems.append(("department", "Укажите ведомственную принадлежность"))
    email = form.email.strip()
    if email and not _EMAIL.match(email):
        problems.append(("email", f"Электронная почта: «{email}» не похожа на адрес e-mail"))
    website = form.website.strip()
    if website and not _WEBSITE.match(website):
        problems.append(
            ("website", f"Официальный сайт: «{website}» не похож на адрес сайта (https://...)")
        )
    if form.phone.strip() and not phones_in_text(form.phone):
        problems.append(
            (
                "phone",
                f"Телефон: «{form.phone.strip()}» — не полный номер: нужен номер с кодом "
                "города или оператора, например +7 3452 12-34-56",
            )
        )
    if form.postcode.strip() and not _POSTCODE.match(form.postcode.strip()):
        problems.append(("postcode", "Почтовый индекс — шесть цифр"))
    for n, (_kind, name) in enumerate(form.services, start=1):
        if not name.strip():
            problems.append(("services", f"Услуга {n}: наименование не указано"))
        elif ";" in name:
            problems.append(("services", f"Услуга {n}: точка с запятой в наименовании"))
    for n, contact in enumerate(form.contacts, start=1):
        if not contact.full_name.strip():
            problems.append(("contacts", f"Контакт {n}: Ф.И.О. не указаны"))
        for value, what in (
            (contact.full_name, "Ф.И.О."),
            (contact.phone, "телефон"),
            (contact.email, "e-mail"),
        ):
            if "," in value or ";" in value:
                problems.append(("contacts", f"Контакт {n}: запятая или «;» в поле «{what}»"))
        if ";" in contact.position:
            problems.append(("contacts", f"Контакт {n}: точка с запятой в должности"))
        if contact.phone.strip() and not phones_in_text(contact.phone):
            problems.append(
                (
                    "contacts",
                    f"Контакт {n}: телефон «{contact.phone.strip()}» — не полный номер "
                    "с кодом города или оператора",
                )
            )
        if contact.email.strip() and not _EMAIL.match(contact.email.strip()):
            problems.append(
                ("contacts", f"Контакт {n}: «{contact.email.strip()}» не похож на адрес e-mail")
            )
    return tuple(problems)


# -- reading ------------------------------------------------------------------------------


def _kinds_text(org: models.Organisation) -> str:
    kinds = {s.measure_kind for s in org.services if s.measure_kind is not None}
    return ", ".join(k.short_title for k in MeasureKind if k in kinds)


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def list_organisations(
    db: Database,
    text: str = "",
    department: Department | None = None,
    district: str | None = None,
    kind: MeasureKind | None = None,
    include_archived: bool = False,
) -> tuple[OrganisationRow, ...]:
    """Organisations by name; ``district`` "" means region-wide ones, None any district.

    The directory is a few hundred rows: filters are SQL, the name search (Cyrillic,
    which SQLite's lower() does not fold) is done on the fetched rows.
    """
    query = select(models.Organisation).options(selectinload(models.Organisation.services))
    if not include_archived:
        query = query.where(models.Organisation.archived.is_(False))
    if department is not None:
        query = query.where(models.Organisation.department == department)
    if district is not None:
        if district.strip():
            found = find_district(district)
            name = found.name if found is not None else district.strip()
            query = query.where(models.Organisation.district == name)
        else:
            query = query.where(models.Organisation.district.is_(None))
    if kind is not None:
        query = query.where(
            models.Organisation.id.in_(
                select(models.OrganisationService.organisation_id).where(
                    models.OrganisationService.measure_kind == kind
                )
            )
        )
    query = query.order_by(models.Organisation.name, models.Organisation.id)
    needle = _fold(text)
    rows: list[OrganisationRow] = []
    with db.session_factory() as session:
        for org in session.scalars(query):
            if needle and needle not in _fold(f"{org.name} {org.short_name or ''}"):
                continue
            rows.append(
                OrganisationRow(
                    organisation_id=org.id,
                    name=org.name,
                    department=org.department.label,
                    district=org.district or "",
                    phone=org.phone or "",
                    email=org.email or "",
                    kinds=_kinds_text(org),
                    archived=org.archived,
                    sample=org.is_sample,
                    regional=org.regional,
                )
            )
    return tuple(rows)


def _form_of(org: models.Organisation) -> OrganisationForm:
    return OrganisationForm(
        name=org.name,
        department=org.department,
        short_name=org.short_name or "",
        district=org.district or "",
        address=org.address or "",
        postcode=org.postcode or "",
        email=org.email or "",
        website=org.website or "",
        hours=org.hours or "",
        phone=org.phone or "",
        note=org.note or "",
        services=tuple((s.measure_kind, s.name) for s in org.services),
        contacts=tuple(
            ContactForm(c.full_name, c.position or "", c.phone or "", c.email or "")
            for c in org.contacts
        ),
        archived=org.archived,
        sample=org.is_sample,
    )


def load_organisation(db: Database, organisation_id: int) -> OrganisationForm:
    with db.session_factory() as session:
        org = session.get(models.Organisation, organisation_id)
        if org is None:
            raise NotFoundError("Организация не найдена в справочнике.")
        return _form_of(org)


# -- writing ------------------------------------------------------------------------------


def _opt(text: str) -> str | None:
    return " ".join(text.split()) or None


def _district_name(text: str) -> str | None:
    if not text.strip():
        return None
    found = find_district(text)
    return found.name if found is not None else text.strip()


def _apply(
    session: Session, org: models.Organisation, form: OrganisationForm, user_id: int
) -> None:
    org.name = " ".join(form.name.split())
    org.short_name = _opt(form.short_name)
    org.department = form.department
    org.district = _district_name(form.district)
    org.address = _opt(form.address)
    org.postcode = _opt(form.postcode)
    org.email = _opt(form.email)
    org.website = _opt(form.website)
    org.hours = _opt(form.hours)
    org.phone = _opt(form.phone)
    org.note = form.note.strip() or None
    org.updated_by_id = user_id
    author = {"created_by_id": user_id, "updated_by_id": user_id}
    services = [(k, " ".join(n.split())) for k, n in form.services]
    if [(s.measure_kind, s.name) for s in org.services] != services:
        org.services.clear()
        session.flush()
        for position, (kind, name) in enumerate(services):
            org.services.append(
                models.OrganisationService(
                    measure_kind=kind, name=name, position=position, **author
                )
            )
    contacts = [
        (" ".join(c.full_name.split()), _opt(c.position), _opt(c.phone), _opt(c.email))
        for c in form.contacts
    ]
    if [(c.full_name, c.position, c.phone, c.email) for c in org.contacts] != contacts:
        org.contacts.clear()
        session.flush()
        for full_name, job, phone, email in contacts:
            org.contacts.append(
                models.OrganisationContact(
                    full_name=full_name, position=job, phone=phone, email=email, **author
                )
            )


def _check(form: OrganisationForm) -> None:
    problems = validate_organisation(form)
    if problems:
        raise ValidationError("; ".join(message for _, message in problems))


def save_organisation(
    db: Database, form: OrganisationForm, organisation_id: int | None = None
) -> int:
    """Create (``organisation_id`` None) or update an organisation, services and contacts."""
    if organisation_id is not None:
        with db.session_factory() as session:
            found = session.get(models.Organisation, organisation_id)
            if found is not None:
                _refuse_regional(found)  # read-only whatever the form says
    _check(form)
    with db.session_factory.begin() as session:
        user = current_user(session)
        if organisation_id is None:
            org = models.Organisation(
                name="", department=form.department, created_by_id=user.id, is_sample=False
            )
            session.add(org)
        else:
            found = session.get(models.Organisation, organisation_id)
            if found is None:
                raise NotFoundError("Организация не найдена в справочнике.")
            _refuse_regional(found)
            org = found
        _apply(session, org, form, user.id)
        session.flush()
        audit(
            session,
            user,
            "organisation.create" if organisation_id is None else "organisation.update",
            "organisation",
            str(org.uuid),
            name=org.name,
        )
        return org.id


REGIONAL_READ_ONLY = (
    "«{name}» — из регионального справочника: её сведения меняет только региональный "
    "центр, изменения приходят с его подтверждением пакета."
)


def _refuse_regional(org: models.Organisation) -> None:
    """Issue #11: organisations of the centre's regional directory are read-only here."""
    if org.regional:
        raise UserError(REGIONAL_READ_ONLY.format(name=org.name))


def set_archived(db: Database, organisation_id: int, archived: bool) -> None:
    """Hide an organisation from choices (or bring it back); documents keep their copies."""
    with db.session_factory.begin() as session:
        org = session.get(models.Organisation, organisation_id)
        if org is None:
            raise NotFoundError("Организация не найдена в справочнике.")
        _refuse_regional(org)
        if org.archived == archived:
            return
        user = current_user(session)
        org.archived = archived
        org.updated_by_id = user.id
        audit(
            session,
            user,
            "organisation.archive" if archived else "organisation.restore",
            "organisation",
            str(org.uuid),
            name=org.name,
        )


# -- XLSX exchange ------------------------------------------------------------------------

# (heading, OrganisationForm field or a special key); the order of the sheet's columns.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Наименование", "name"),
    ("Краткое наименование", "short_name"),
    ("Ведомственная принадлежность", "department"),
    ("Район", "district"),
    ("Почтовый индекс", "postcode"),
    ("Адрес", "address"),
    ("Телефон", "phone"),
    ("Электронная почта", "email"),
    ("Официальный сайт", "website"),
    ("Часы работы", "hours"),
    ("Услуги (вид: услуга; ...)", "services"),
    ("Контакты (ФИО, должность, телефон, e-mail; ...)", "contacts"),
    ("Примечание", "note"),
    ("В архиве", "archived"),
    ("Образец (демо)", "sample"),
)
_REQUIRED = ("name", "department")


def _services_cell(services: tuple[tuple[MeasureKind | None, str], ...]) -> str:
    return "; ".join(f"{k.short_title}: {n}" if k is not None else n for k, n in services)


def _contact_text(c: ContactForm) -> str:
    text = f"{c.full_name}, {c.position}, {c.phone}, {c.email}"
    # Trailing empty parts are dropped unless the position has commas of its own: then all
    # four parts are written so that the phone and e-mail are still the last two.
    return text if "," in c.position else text.rstrip(", ")


def _contacts_cell(contacts: tuple[ContactForm, ...]) -> str:
    return "; ".join(_contact_text(c) for c in contacts)


def _parse_services(text: str) -> tuple[tuple[MeasureKind | None, str], ...]:
    result: list[tuple[MeasureKind | None, str]] = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        head, sep, tail = part.partition(":")
        kind = find_measure(head) if sep else None
        if kind is not None and tail.strip():
            result.append((kind, tail.strip()))
        else:
            result.append((None, part))
    return tuple(result)


def _parse_contact(text: str) -> ContactForm:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) >= 4:
        return ContactForm(parts[0], ", ".join(parts[1:-2]).strip(", "), parts[-2], parts[-1])
    # Fewer parts, as people type them: the name, then the position, then phone or e-mail.
    name, position, phone, email = parts[0], "", "", ""
    rest = parts[1:]
    if len(rest) == 2:
        position, last = rest
        if "@" in last:
            email = last
        else:
            phone = last
    elif len(rest) == 1:
        if "@" in rest[0]:
            email = rest[0]
        elif rest[0] and not re.search(r"[A-Za-zА-Яа-яЁё]", rest[0]):
            phone = rest[0]
        else:
            position = rest[0]
    return ContactForm(name, position, phone, email)


def _parse_contacts(text: str) -> tuple[ContactForm, ...]:
    return tuple(_parse_contact(p) for p in text.split(";") if p.strip())


def _department_of(text: str) -> Department | None:
    key = _fold(text)
    for dep in Department:
        if key in (_fold(dep.label), dep.value.casefold()):
            return dep
    return None


def _flag(text: str) -> bool | None:
    key = _fold(text)
    if key in ("", "нет", "no", "0", "-", "false"):
        return False
    if key in ("да", "yes", "1", "+", "true"):
        return True
    return None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def export_directory_xlsx(db: Database, out: Path) -> int:
    """Write every organisation (archived ones too) to ``out``; return how many."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from app.documents.xlsx_common import save_workbook

    out = check_output(out, db.path)  # before the work: a wrong path is told at once
    with db.session_factory.begin() as session:
        orgs = session.scalars(
            select(models.Organisation)
            .options(
                selectinload(models.Organisation.services),
                selectinload(models.Organisation.contacts),
            )
            .order_by(models.Organisation.name, models.Organisation.id)
        ).all()
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = SHEET_TITLE
        sheet.append([heading for heading, _ in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for org in orgs:
            form = _form_of(org)
            values: list[str] = []
            for _, key in COLUMNS:
                if key == "department":
                    values.append(form.department.label)
                elif key == "services":
                    values.append(_services_cell(form.services))
                elif key == "contacts":
                    values.append(_contacts_cell(form.contacts))
                elif key in ("archived", "sample"):
                    values.append(YES if getattr(form, key) else NO)
                else:
                    values.append(str(getattr(form, key)))
            sheet.append(values)
        widths = (50, 20, 24, 20, 10, 40, 18, 26, 26, 30, 60, 60, 30, 10, 10)
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.freeze_panes = "A2"
        write_atomically(out, lambda path: save_workbook(book, path), database=db.path)
        audit(
            session, current_user(session), "directory.export", None, None, file=out.name,
            organisations=len(orgs),
        )  # fmt: skip
        return len(orgs)


def _read_sheet(path: Path) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    from app.services.extract_parse import not_a_file

    path = Path(path).expanduser()
    if not path.is_file():
        raise BadFileError(not_a_file(path))
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BadFileError(f"Файл {path.name} не является книгой Excel (XLSX): {exc}") from exc
    try:
        if SHEET_TITLE not in book.sheetnames:
            raise BadFileError(
                f"В файле {path.name} нет листа «{SHEET_TITLE}»: это не выгрузка справочника."
            )
        return list(book[SHEET_TITLE].iter_rows(values_only=True))
    finally:
        book.close()


def _header_map(header: tuple[Any, ...], file_name: str) -> dict[str, int]:
    by_heading = {_fold(h): key for h, key in COLUMNS}
    # A heading may be typed without its hint in brackets: "Услуги", "Контакты".
    by_heading.update({_fold(h.split("(")[0]): key for h, key in COLUMNS})
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        key = by_heading.get(_fold(_cell_text(value)))
        if key is not None and key not in found:
            found[key] = index
    missing = [h for h, key in COLUMNS if key in _REQUIRED and key not in found]
    if missing:
        raise BadFileError(
            f"В первой строке листа «{SHEET_TITLE}» файла {file_name} нет столбца «{missing[0]}»."
        )
    return found


def _row_form(
    row: tuple[Any, ...], columns: dict[str, int], number: int, problems: list[ImportProblem]
) -> OrganisationForm | None:
    heading = {key: h for h, key in COLUMNS}
    values = {
        key: _cell_text(row[index]) if index < len(row) else "" for key, index in columns.items()
    }
    start = len(problems)
    department = _department_of(values.get("department", ""))
    if department is None:
        problems.append(
            ImportProblem(
                number,
                heading["department"],
                f"«{values.get('department', '')}» — неизвестная ведомственная принадлежность "
                f"(возможны: {', '.join(d.label for d in Department)})",
            )
        )
    flags: dict[str, bool] = {}
    for key in ("archived", "sample"):
        flag = _flag(values.get(key, ""))
        if flag is None:
            problems.append(
                ImportProblem(number, heading[key], f"«{values[key]}»: ожидается «да» или «нет»")
            )
        flags[key] = bool(flag)
    form = OrganisationForm(
        name=values.get("name", ""),
        department=department or Department.OTHER,
        short_name=values.get("short_name", ""),
        district=values.get("district", ""),
        address=values.get("address", ""),
        postcode=values.get("postcode", ""),
        email=values.get("email", ""),
        website=values.get("website", ""),
        hours=values.get("hours", ""),
        phone=values.get("phone", ""),
        note=values.get("note", ""),
        services=_parse_services(values.get("services", "")),
        contacts=_parse_contacts(values.get("contacts", "")),
        archived=flags["archived"],
        sample=flags["sample"],
    )
    for field_name, message in validate_organisation(form):
        problems.append(ImportProblem(number, heading.get(field_name, field_name), message))
    return form if len(problems) == start else None


def _match_key(name: str, district: str | None) -> tuple[str, str]:
    return _fold(name), _fold(district or "")


def import_directory_xlsx(db: Database, path: Path) -> ImportDirectoryResult:
    """Add or update organisations from a sheet written by :func:`export_directory_xlsx`.

    An organisation is the same when its name and district match (case and spaces aside).
    One transaction: when any row has a problem, nothing is written and every problem is
    returned with its row and column.
    """
    path = Path(path)
    rows = _read_sheet(path)
    if not rows:
        raise BadFileError(f"Лист «{SHEET_TITLE}» файла {path.name} пуст.")
    columns = _header_map(rows[0], path.name)
    problems: list[ImportProblem] = []
    forms: list[tuple[int, OrganisationForm]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if all(_cell_text(v) == "" for v in row):
            continue
        form = _row_form(row, columns, number, problems)
        if form is None:
            continue
        key = _match_key(form.name, _district_name(form.district))
        if key in seen:
            problems.append(
                ImportProblem(
                    number,
                    "Наименование",
                    f"организация «{form.name}» этого района уже есть в строке {seen[key]}",
                )
            )
            continue
        seen[key] = number
        forms.append((number, form))
    if problems:
        return ImportDirectoryResult(0, 0, tuple(problems))
    added = updated = 0
    with db.session_factory.begin() as session:
        user = current_user(session)
        existing = {
            _match_key(org.name, org.district): org
            for org in session.scalars(select(models.Organisation))
        }
        for _number, form in forms:
            org = existing.get(_match_key(form.name, _district_name(form.district)))
            if org is not None and org.regional:
                continue  # the regional directory is the centre's; a copy of it changes nothing
            if org is None:
                org = models.Organisation(
                    name="", department=form.department, created_by_id=user.id
                )
                session.add(org)
                added += 1
            else:
                updated += 1
            _apply(session, org, form, user.id)
            org.archived = form.archived
            org.is_sample = form.sample
        audit(
            session, user, "directory.import", None, None, file=path.name, added=added,
            updated=updated,
        )  # fmt: skip
    return ImportDirectoryResult(added, updated, ())
