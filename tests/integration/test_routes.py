"""Individual rehabilitation routes (31-р 3.3, 3.3.1, 3.4, Appendix 2), on real files.

Expected wording is a literal copy of Appendix 2 of 31-р (seeds/000_37c79242903c4d6c.txt),
not the constants under test. PDFs are read back with poppler's pdftotext and pdffonts.
"""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.documents.route_pdf import COLUMN_X
from app.domain.enums import (
    Department,
    DocumentStatus,
    MeasureKind,
    PlanStatus,
    RepresentativeKind,
    Source,
    TargetCategory,
)
from app.domain.snils import snils_checksum
from app.errors import NotFoundError, UserError, ValidationError
from app.services import profile
from app.services.routes import (
    RouteLineDraft,
    current_route,
    export_route_pdf,
    issue_route,
    organisations_for,
    propose_route,
    route_document,
    save_route_draft,
)
from db import models
from db.session import Database

pytestmark = [
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
        reason="poppler-utils (pdftotext, pdffonts) are needed to read the PDF back",
    ),
    pytest.mark.db,  # on SQLite and PostgreSQL (issue #15)
]

# Appendix 2 of 31-р, copied by hand from the order.
EXPECTED_TITLE = "Индивидуальный реабилитационный маршрут"
EXPECTED_FIELDS = [
    "1. Ф.И.О. ГРАЖДАНИНА",
    "1.1. Ф.И.О. ЗАКОННОГО (УПОЛНОМОЧЕННОГО) ПРЕДСТАВИТЕЛЯ",
    "2. ДАТА РОЖДЕНИЯ",
    "3. АДРЕС ФАКТИЧЕСКОГО ПРОЖИВАНИЯ",
    "4. УСЛУГИ В РАМКАХ РЕАЛИЗАЦИИ ИПР(А):",
]
EXPECTED_HEADINGS = [
    "N/N",
    "Рекомендованные виды реабилитационных и абилитационных мероприятий, предусмотренных в ИПРА",
    "Наименование услуги",
    "Наименование организации исполнителя (в т.ч. на территории проживания)",
    "Адрес организации, электронная почта",
    "График и режим работы организации",
    "Контактный телефон",
]
EXPECTED_ROWS = [
    "Мероприятия медицинской реабилитации или абилитации",
    "Мероприятия по психолого-педагогической реабилитации или абилитации",
    "Мероприятия по профессиональной реабилитации или абилитации",
    "Мероприятия социальной реабилитации или абилитации",
    "Физкультурно-оздоровительные мероприятия, мероприятия по занятию спортом",
    "Федеральные технические средства реабилитации",
    "Региональные технические средства реабилитации",
]
EXPECTED_PLAN_NOTE = (
    "Учитывая наличие потребности/заинтересованности в комплексном сопровождении и "
    "социальной поддержке Вам (Вашему ребенку) составлен Индивидуальный план "
    "комплексного сопровождения"
)
EXPECTED_DEVELOPED_BY = "Маршрут разработал"
EXPECTED_HINT = "(Ф.И.О., должность специалиста, наименование организации, контактный телефон)"

HOME = "Ишимский район"
OTHER = "Тобольский район"
TODAY = date(2025, 7, 20)


def _snils(n: int) -> str:
    first9 = f"{n:09d}"
    return first9 + f"{snils_checksum(first9):02d}"


@dataclasses.dataclass
class World:
    near_medical: int
    regional: int
    far_social: int
    archived_social: int
    citizen_id: int
    entry_id: int


def _org(
    session: object,
    name: str,
    district: str | None,
    kinds: tuple[MeasureKind, ...],
    *,
    archived: bool = False,
) -> models.Organisation:
    org = models.Organisation(
        name=name,
        department=Department.SOCIAL_PROTECTION,
        district=district,
        address=f"627750, {district or 'г. Тюмень'}, ул. Ленина, д. 1",
        email="org@example.org",
        hours="пн-пт 8:00-17:00",
        phone="+7 34551 20000",
        archived=archived,
    )
    for position, kind in enumerate(kinds):
        org.services.append(
            models.OrganisationService(
                measure_kind=kind, name=f"Услуга: {kind.short_title}", position=position
            )
        )
    session.add(org)  # type: ignore[attr-defined]
    return org


def _person(
    session: object,
    *,
    kinds: tuple[MeasureKind, ...],
    number: int,
    last_name: str = "Иванова",
    district: str = HOME,
    month: str = "2025-06",
    plan: bool = False,
    plan_needed: bool | None = None,
    representative: bool = False,
    person: int | None = None,
    informed: bool = True,
) -> tuple[models.Citizen, models.RegistryEntry]:
    citizen = models.Citizen(
        last_name=last_name,
        first_name="Мария",
        middle_name="Петровна",
        search_name=f"{last_name.lower()} мария петровна",
        birth_date=date(1970, 3, 1),
        snils=_snils(100000000 + (person or number)),
        actual_address=f"627750, Тюменская обл., {district}, с. Стрехнино, ул. Мира, д. {number}",
        district=district,
    )
    if representative:
        citizen.representatives.append(
            models.Representative(
                kind=RepresentativeKind.PARENT,
                last_name="Иванов",
                first_name="Пётр",
                middle_name="Сергеевич",
            )
        )
    programme = models.RehabProgramme(number=f"ИПРА-{number}", issued_on=date(2025, 6, 1))
    for position, kind in enumerate(kinds):
        programme.measures.append(models.RehabMeasure(kind=kind, position=position))
    citizen.programmes.append(programme)
    session.add(citizen)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    entry = models.RegistryEntry(
        citizen_id=citizen.id,
        programme_id=programme.id,
        reporting_month=month,
        number=number,
        identified_on=date(2025, 6, number),
        source=Source.EXTRACT,
        category=TargetCategory.GROUP_II,
        entered_on=date(2025, 6, number),
        informed_on=date(2025, 6, number + 2) if informed else None,
        plan_needed=plan_needed,
    )
    session.add(entry)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    if plan:
        session.add(  # type: ignore[attr-defined]
            models.SupportPlan(
                citizen_id=citizen.id,
                entry_id=entry.id,
                status=PlanStatus.OPEN,
                drawn_up_on=date(2025, 6, 20),
            )
        )
    return citizen, entry


@pytest.fixture
def world(db: Database) -> World:
    profile.update_profile(
        db,
        full_name="Петрова Анна Сергеевна",
        position="специалист по социальной работе",
        organisation='АУ СОН ТО "КЦСОН г. Ишима"',
        phone="+7 34551 55555",
    )
    with db.session_factory.begin() as s:
        near = _org(s, "Ишимская областная больница", HOME, (MeasureKind.MEDICAL,))
        regional = _org(
            s, "Региональный центр реабилитации", None, (MeasureKind.MEDICAL, MeasureKind.SOCIAL)
        )
        far = _org(s, "Тобольский центр социальной помощи", OTHER, (MeasureKind.SOCIAL,))
        archived = _org(s, "Закрытый центр (Ишим)", HOME, (MeasureKind.SOCIAL,), archived=True)
        kinds = (MeasureKind.SOCIAL, MeasureKind.MEDICAL, MeasureKind.SPORT)
        citizen, entry = _person(s, kinds=kinds, number=2)
        s.flush()
        return World(near.id, regional.id, far.id, archived.id, citizen.id, entry.id)


def _issue_proposal(db: Database, entry_id: int, today: date = TODAY) -> int:
    return issue_route(db, save_route_draft(db, propose_route(db, entry_id), today), today)


def _text(pdf: Path, *, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _flat(text: str) -> str:
    """Words on one line; a word broken after its hyphen joined again."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _pages(pdf: Path) -> list[list[tuple[float, float, float, str]]]:
    """Words of each page as (xMin, yMin, xMax, text), top-down coordinates in points."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append(
            [
                (float(m[1]), float(m[2]), float(m[3]), html.unescape(m[5]))
                for m in _WORD.finditer(page)
            ]
        )
    return pages


def _column(words: list[tuple[float, float, float, str]], column: int) -> str:
    """The text of a table column on one page: between the heading and the closing block."""
    # Below field 4 on a route's first page; on a continuation page the heading is on top.
    top = min((y + 5 for x, y, _, w in words if w == "ИПР(А):"), default=0.0)
    ends = [y for x, y, _, w in words if w == "Маршрут" and x < COLUMN_X[1]]
    bottom = min(ends) if ends else 800.0 - 45  # above the footer line
    left, right = COLUMN_X[column] - 0.5, COLUMN_X[column + 1] + 0.5
    chosen = [
        (y, x, w) for x, y, x_max, w in words if left <= x and x_max <= right and top < y < bottom
    ]
    chosen.sort()
    return _flat(" ".join(w for _, _, w in chosen))


# --- proposal and the choice of organisations -------------------------------------------


def test_proposal_follows_the_ipra_and_the_district_first(db: Database, world: World) -> None:
    draft = propose_route(db, world.entry_id)
    assert draft.route_id is None and draft.status == "DRAFT" and draft.version == 1
    assert [line.measure_kind for line in draft.lines] == list(MeasureKind)
    assert [line.measure_title for line in draft.lines] == EXPECTED_ROWS
    by_kind = {line.measure_kind: line for line in draft.lines}
    # Medical: the district's own hospital before the regional centre.
    assert by_kind[MeasureKind.MEDICAL].organisation_id == world.near_medical
    assert by_kind[MeasureKind.MEDICAL].service_name == "Услуга: медицинская"
    # Social: none (not archived) in the district, so the regional one, never another district's.
    assert by_kind[MeasureKind.SOCIAL].organisation_id == world.regional
    # Sport is recommended but nobody offers it: the row is left empty for the consultant.
    assert by_kind[MeasureKind.SPORT].organisation_id is None
    for kind in (MeasureKind.PSYCHO_PEDAGOGICAL, MeasureKind.VOCATIONAL):
        assert by_kind[kind].organisation_id is None and by_kind[kind].service_name == ""
    assert draft.plan_drawn_up is False

    medical = organisations_for(db, MeasureKind.MEDICAL, HOME)
    assert [c.organisation_id for c in medical] == [world.near_medical, world.regional]
    social = organisations_for(db, MeasureKind.SOCIAL, HOME)
    assert [c.organisation_id for c in social] == [world.regional, world.far_social]
    assert social[0].services == ("Услуга: социальная",)
    everyone = organisations_for(db, None, OTHER)
    assert everyone[0].organisation_id == world.far_social
    assert world.archived_social not in {c.organisation_id for c in everyone}


def test_a_person_without_an_ipra_gets_seven_empty_rows(db: Database) -> None:
    with db.session_factory.begin() as s:
        _, entry = _person(s, kinds=(), number=5)
        entry_id = entry.id
    draft = propose_route(db, entry_id)
    assert len(draft.lines) == 7
    assert all(line.organisation_id is None for line in draft.lines)


# --- drafts, issue, versions -------------------------------------------------------------


def test_save_issue_and_reissue_keep_every_version(db: Database, world: World) -> None:
    draft = propose_route(db, world.entry_id)
    route_id = save_route_draft(db, draft, TODAY)
    saved = current_route(db, world.citizen_id)
    assert saved is not None and saved.route_id == route_id and saved.status == "DRAFT"
    assert saved.lines[:7] == draft.lines
    # Saving again edits the same draft.
    extra = RouteLineDraft(None, "Санаторно-курортное лечение", "Путёвка", world.regional)
    assert save_route_draft(db, dataclasses.replace(saved, lines=(*saved.lines, extra)), TODAY) == (
        route_id
    )
    assert issue_route(db, route_id, TODAY) == route_id
    first = current_route(db, world.citizen_id)
    assert first is not None and first.status == "ISSUED" and first.version == 1
    assert first.lines[7] == extra
    with pytest.raises(UserError, match="уже выдан"):
        issue_route(db, route_id, TODAY)

    # Editing the issued route makes a new draft; the issued one is not touched.
    second_id = save_route_draft(db, dataclasses.replace(first, lines=first.lines[:7]), TODAY)
    assert second_id != route_id
    editing = current_route(db, world.citizen_id)
    assert editing is not None and editing.status == "DRAFT" and editing.version == 2
    later = date(2025, 8, 1)
    issue_route(db, second_id, later)
    with db.session_factory() as s:
        old = s.get(models.Route, route_id)
        new = s.get(models.Route, second_id)
        assert old is not None and new is not None
        assert (old.status, old.version, old.issued_on) == (DocumentStatus.SUPERSEDED, 1, TODAY)
        assert len(old.lines) == 3  # medical, social and the added row: kept as issued
        assert (new.status, new.version, new.issued_on) == (DocumentStatus.ISSUED, 2, later)
        actions = list(s.scalars(select(models.AuditEvent.action)))
    assert actions.count("route.issue") == 2
    current = current_route(db, world.citizen_id)
    assert current is not None and current.route_id == second_id


def test_drafts_are_checked(db: Database, world: World) -> None:
    draft = propose_route(db, world.entry_id)
    twice = (*draft.lines, draft.lines[0])
    with pytest.raises(ValidationError, match="дважды"):
        save_route_draft(db, dataclasses.replace(draft, lines=twice), TODAY)
    ghost = RouteLineDraft(None, "Прочее", "", 99999)
    with pytest.raises(NotFoundError, match="Организация"):
        save_route_draft(db, dataclasses.replace(draft, lines=(*draft.lines, ghost)), TODAY)
    untitled = RouteLineDraft(None, "  ", "Консультация", None)
    with pytest.raises(ValidationError, match="строке 8"):
        save_route_draft(db, dataclasses.replace(draft, lines=(*draft.lines, untitled)), TODAY)
    with pytest.raises(NotFoundError):
        issue_route(db, 99999, TODAY)
    with pytest.raises(NotFoundError):
        propose_route(db, 99999)


def test_issued_details_survive_a_directory_edit(db: Database, world: World) -> None:
    route_id = _issue_proposal(db, world.entry_id)
    before = route_document(db, route_id)
    medical = before.rows[0]
    assert medical.organisation_name == "Ишимская областная больница"
    assert medical.address_email == "627750, Ишимский район, ул. Ленина, д. 1, org@example.org"
    assert (medical.hours, medical.phone) == ("пн-пт 8:00-17:00", "+7 34551 20000")
    assert before.developer == (
        'Петрова Анна Сергеевна, специалист по социальной работе, АУ СОН ТО "КЦСОН г. Ишима", '
        "+7 34551 55555"
    )
    with db.session_factory.begin() as s:
        org = s.get(models.Organisation, world.near_medical)
        assert org is not None
        org.name, org.address, org.phone, org.hours = "Новое имя", "Новый адрес", "000", "сб"
        org.archived = True
        citizen = s.get(models.Citizen, world.citizen_id)
        assert citizen is not None
        citizen.last_name, citizen.actual_address = "Смирнова", "другой адрес"
    profile.update_profile(db, full_name="Другой Специалист")
    assert route_document(db, route_id) == before
    # A draft shows the directory as it is now; an archived organisation cannot be issued.
    draft_id = save_route_draft(db, propose_route(db, world.entry_id), TODAY)
    stale = dataclasses.replace(
        propose_route(db, world.entry_id), route_id=draft_id
    )  # the proposal no longer offers the archived one
    assert stale.lines[0].organisation_id == world.regional
    lines = (dataclasses.replace(stale.lines[0], organisation_id=world.near_medical),)
    save_route_draft(db, dataclasses.replace(stale, lines=lines), TODAY)
    assert route_document(db, draft_id).rows[0].organisation_name == "Новое имя"
    with pytest.raises(ValidationError, match="в архиве"):
        issue_route(db, draft_id, TODAY)


# --- the PDF -----------------------------------------------------------------------------


def test_plan_note_only_when_a_plan_was_drawn_up(
    db: Database, world: World, tmp_path: Path
) -> None:
    with db.session_factory.begin() as s:
        _, with_plan = _person(s, kinds=(MeasureKind.SOCIAL,), number=3, plan=True)
        _, needs_plan = _person(s, kinds=(MeasureKind.SOCIAL,), number=4, plan_needed=True)
        with_plan_id, needs_plan_id = with_plan.id, needs_plan.id
    assert propose_route(db, with_plan_id).plan_drawn_up is True
    # Appendix 2's P.S.: a plan only marked as needed has not been drawn up (issue #12).
    assert propose_route(db, needs_plan_id).plan_drawn_up is False
    without = _issue_proposal(db, world.entry_id)
    with_note = _issue_proposal(db, with_plan_id)
    assert route_document(db, without).plan_drawn_up is False
    assert route_document(db, with_note).plan_drawn_up is True
    pdf = tmp_path / "june.pdf"
    assert export_route_pdf(db, pdf, month="2025-06") == 2
    pages = _text(pdf).split("\f")
    assert EXPECTED_PLAN_NOTE not in _flat(pages[0])
    assert EXPECTED_PLAN_NOTE in _flat(pages[1])
    # The form's own instruction about the mark is not printed.
    assert "P.S." not in _text(pdf)


def test_pdf_reads_back_as_appendix_2(db: Database, world: World, tmp_path: Path) -> None:
    with db.session_factory.begin() as s:
        citizen, entry = _person(
            s, kinds=(MeasureKind.MEDICAL,), number=7, last_name="Кузнецова", representative=True
        )
        entry_id, snils = entry.id, citizen.snils
    route_id = _issue_proposal(db, entry_id)
    pdf = tmp_path / "route.pdf"
    assert snils is not None
    assert export_route_pdf(db, pdf, citizen_snils=snils) == 1
    text = _text(pdf)
    flat = _flat(text)
    assert text.count("\f") == 1  # one page
    assert "Приложение N 2" in text and "к Положению" in text
    assert EXPECTED_TITLE in text
    lines = [line.strip() for line in text.splitlines()]
    assert "1. Ф.И.О. ГРАЖДАНИНА Кузнецова Мария Петровна" in lines
    assert f"{EXPECTED_FIELDS[1]} Иванов Пётр Сергеевич" in lines
    assert "2. ДАТА РОЖДЕНИЯ 01.03.1970" in lines
    assert f"{EXPECTED_FIELDS[3]} 627750, Тюменская обл., {HOME}, с. Стрехнино, ул. Мира, д. 7" in (
        flat
    )
    assert EXPECTED_FIELDS[4] in lines
    words = _pages(pdf)[0]
    for column, heading in enumerate(EXPECTED_HEADINGS):
        assert _column(words, column).startswith(heading), column
    assert _column(words, 0) == "N/N 1 2 3 4 5 6 7"
    assert _column(words, 1) == " ".join([EXPECTED_HEADINGS[1], *EXPECTED_ROWS])
    assert "Ишимская областная больница" in _column(words, 3)
    assert "+7 34551 20000" in _column(words, 6)
    developer = (
        'Петрова Анна Сергеевна, специалист по социальной работе, АУ СОН ТО "КЦСОН г. Ишима", '
        "+7 34551 55555"
    )
    assert f"{EXPECTED_DEVELOPED_BY} {developer}" in flat
    assert EXPECTED_HINT in flat
    assert route_document(db, route_id).citizen_name == "Кузнецова Мария Петровна"

    fonts = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts, "no fonts listed"
    names = {line.split()[0].split("+")[-1] for line in fonts}
    assert names <= {"PTSerif-Regular", "PTSerif-Bold", "PTSans-Regular"}
    assert "PTSerif-Regular" in names
    for line in fonts:
        assert line.split()[-5] == "yes", line  # emb


def test_a_long_route_continues_with_its_heading_repeated(
    db: Database, world: World, tmp_path: Path
) -> None:
    draft = propose_route(db, world.entry_id)
    extra = tuple(
        RouteLineDraft(
            None,
            f"Дополнительное мероприятие {n}",
            "Очень длинное наименование услуги, которое не помещается в одну строку "
            "ячейки и переносится по словам",
            world.regional,
        )
        for n in range(8, 28)
    )
    route_id = issue_route(
        db,
        save_route_draft(db, dataclasses.replace(draft, lines=draft.lines + extra), TODAY),
        TODAY,
    )
    document = route_document(db, route_id)
    assert [row.number for row in document.rows] == [str(n) for n in range(1, 28)]
    pdf = tmp_path / "long.pdf"
    export_route_pdf(db, pdf, citizen_snils=_snils(100000002))
    pages = _pages(pdf)
    assert len(pages) >= 2
    numbers: list[str] = []
    for page_words in pages:
        for heading in EXPECTED_HEADINGS:
            assert heading in _column(page_words, EXPECTED_HEADINGS.index(heading))
        numbers += _column(page_words, 0).split()[1:]
    assert numbers == [str(n) for n in range(1, 28)]
    text = _text(pdf)
    assert f"лист 1 из {len(pages)}" in text and f"лист {len(pages)} из {len(pages)}" in text
    assert text.count(EXPECTED_TITLE) == 1  # the opening only on the first page
    assert EXPECTED_DEVELOPED_BY in text.split("\f")[len(pages) - 1]
    # Nothing is drawn past the right edge of its cell.
    for page_words in pages:
        for x, _, x_max, word in page_words:
            inside = [i for i in range(7) if COLUMN_X[i] - 0.5 <= x < COLUMN_X[i + 1]]
            if inside and word not in {"Маршрут", "разработал"}:
                assert x_max <= COLUMN_X[-1] + 0.5, word


def test_a_cell_taller_than_a_page_is_split_across_pages(
    db: Database, world: World, tmp_path: Path
) -> None:
    draft = propose_route(db, world.entry_id)
    words = " ".join(f"слово{n}" for n in range(700))
    unbroken = "x" * 150  # no space to break at: split inside, never drawn past the cell
    giant = RouteLineDraft(None, "Огромная строка", f"{words} {unbroken}", None)
    route_id = save_route_draft(db, dataclasses.replace(draft, lines=(*draft.lines, giant)), TODAY)
    issue_route(db, route_id, TODAY)
    pdf = tmp_path / "giant.pdf"
    export_route_pdf(db, pdf, citizen_snils=_snils(100000002))
    pages = _pages(pdf)
    assert len(pages) >= 3
    service = " ".join(_column(p, 2) for p in pages)
    assert all(f"слово{n} " in service for n in (0, 350, 699))
    assert service.replace(" ", "").count("x") == 150
    for page_words in pages:
        for x, _, x_max, word in page_words:
            if word.startswith(("слово", "x")):
                assert COLUMN_X[2] - 0.5 <= x and x_max <= COLUMN_X[3] + 0.5, word


def test_month_export_in_registry_order(db: Database, world: World, tmp_path: Path) -> None:
    with db.session_factory.begin() as s:
        _, first = _person(s, kinds=(MeasureKind.SOCIAL,), number=1, last_name="Алексеева")
        _, other = _person(
            s,
            kinds=(MeasureKind.SOCIAL,),
            number=1,
            last_name="Борисова",
            month="2025-07",
            person=11,
        )
        first_id, other_id = first.id, other.id
    _issue_proposal(db, world.entry_id)  # number 2
    _issue_proposal(db, first_id)  # number 1
    _issue_proposal(db, other_id)
    save_route_draft(db, propose_route(db, first_id), TODAY)  # a draft is not printed
    pdf = tmp_path / "june.pdf"
    assert export_route_pdf(db, pdf, month="2025-06") == 2
    pages = _text(pdf).split("\f")[:-1]
    assert len(pages) == 2
    assert "Алексеева" in pages[0] and "Иванова" in pages[1]
    with pytest.raises(UserError, match="нет выданных маршрутов"):
        export_route_pdf(db, pdf, month="2025-05")
    with pytest.raises(ValidationError):
        export_route_pdf(db, pdf)


# --- the command line --------------------------------------------------------------------


def test_cli_route_pdf_both_forms_and_errors(
    db: Database, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _issue_proposal(db, world.entry_id)
    db_file = db.url or str(db.path)
    db.close()
    out = tmp_path / "one.pdf"
    snils = _snils(100000002)
    assert main(["--db", db_file, "route", "pdf", "--snils", snils, "--out", str(out)]) == EXIT_OK
    assert "маршрутов 1" in capsys.readouterr().out
    assert EXPECTED_TITLE in _text(out)
    month = tmp_path / "june.pdf"
    code = main(["--db", db_file, "route", "pdf", "--month", "2025-06", "--out", str(month)])
    assert code == EXIT_OK and month.is_file()
    capsys.readouterr()

    def error(*argv: str) -> str:
        try:
            code = main(["--db", db_file, "route", "pdf", *argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
        err = capsys.readouterr().err
        assert code == EXIT_USER_ERROR, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ошибка: "), err
        return lines[0]

    assert "СНИЛС" in error("--snils", "123", "--out", str(out))
    assert "не найден" in error("--snils", _snils(999), "--out", str(out))
    assert "нет выданных маршрутов" in error("--month", "2025-05", "--out", str(out))
    assert "месяц" in error("--month", "2025-13", "--out", str(out)).lower()
    assert "--snils" in error("--out", str(out))
    # Both at once is refused by argparse (its wording is the cli's translation table's).
    assert "--snils" in error("--snils", snils, "--month", "2025-06", "--out", str(out))
    assert "не существует" in error("--month", "2025-06", "--out", str(tmp_path / "no" / "x.pdf"))


def test_demo_month_prints_every_issued_route_of_the_registry(db: Database, tmp_path: Path) -> None:
    from app.demo.generator import generate_demo

    generate_demo(db, 300, seed=1, today=date(2026, 11, 23))
    with db.session_factory() as s:
        entry, route = models.RegistryEntry, models.Route
        month, count = s.execute(
            select(entry.reporting_month, func.count(route.id))
            .join(route, route.entry_id == entry.id)
            .where(route.status == DocumentStatus.ISSUED)
            .group_by(entry.reporting_month)
            .order_by(func.count(route.id).desc())
            .limit(1)
        ).one()
        expected = [
            name
            for (name,) in s.execute(
                select(route.citizen_name)
                .join(entry, entry.id == route.entry_id)
                .where(entry.reporting_month == month, route.status == DocumentStatus.ISSUED)
                .order_by(entry.number, entry.identified_on)
            )
        ]
    pdf = tmp_path / "month.pdf"
    assert export_route_pdf(db, pdf, month=month) == count
    pages = _text(pdf).split("\f")[:-1]
    assert len(pages) >= count
    firsts = [p for p in pages if EXPECTED_TITLE in p]
    assert len(firsts) == count
    for page, name in zip(firsts, expected, strict=True):
        assert f"1. Ф.И.О. ГРАЖДАНИНА {name}" in page
    # Demo routes store only the recommended rows; all seven are printed all the same.
    rows = " ".join([EXPECTED_HEADINGS[1], *EXPECTED_ROWS])
    assert all(_column(words, 1) == rows for words in _pages(pdf)[: len(pages)])


def test_issuing_names_every_missing_field_of_appendix_2_and_the_informing(
    db: Database, world: World
) -> None:
    """Issue #12: a route was issued for a walk-in with no birth date, address or call."""
    with db.session_factory.begin() as s:
        citizen, entry = _person(s, kinds=(MeasureKind.SOCIAL,), number=9, informed=False)
        citizen.birth_date = None
        citizen.actual_address = None
        citizen.registration_address = None
        entry_id = entry.id
    draft_id = save_route_draft(db, propose_route(db, entry_id), TODAY)
    with pytest.raises(ValidationError) as refused:
        issue_route(db, draft_id, TODAY)
    message = str(refused.value)
    for words in ("поле 2 «Дата рождения»", "поле 3 «Адрес фактического проживания»",
                  "информирование по телефону (31-р, п. 4.1)"):  # fmt: skip
        assert words in message
    assert route_document(db, draft_id).status == "DRAFT"


def test_a_consultant_whose_profile_names_no_organisation_prints_the_settings_one(
    db: Database, world: World
) -> None:
    """A second consultant's profile with no organisation printed none in «Маршрут
    разработал» and in the plan's «План разработал» (issue #12)."""
    from app.services import plans
    from app.services.settings import load_settings

    profile.update_profile(
        db,
        full_name="Сидорова Ольга Ивановна",
        position="специалист по социальной работе",
        phone="+7 34551 55556",
    )
    organisation = load_settings(db).provider_name
    assert organisation
    route_id = _issue_proposal(db, world.entry_id)
    with db.session_factory() as s:
        route = s.get(models.Route, route_id)
        assert route is not None and route.developer_organisation == organisation
    from app.documents.plan_form import QuestionForm

    start = plans.start_plan(db, world.entry_id, TODAY)
    form = dataclasses.replace(start, questions=(QuestionForm("Оформить ТСР"),))
    plan_id = plans.save_plan(db, form, None, TODAY)
    with db.session_factory() as s:
        plan = s.get(models.SupportPlan, plan_id)
        assert plan is not None and plan.developer_organisation == organisation
