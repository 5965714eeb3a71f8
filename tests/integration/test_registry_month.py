"""Forming the monthly registry (31-р 3.2) and Appendix 1 in XLSX and PDF, on real files.

Expected numbers are worked out by hand from the receipt dates below; expected headings
are a literal copy of Appendix 1 of 31-р (seeds/000_37c79242903c4d6c.txt), not the
constant under test. PDFs are read back with poppler's pdftotext/pdffonts/pdfinfo.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.documents.registry_form import APPENDIX1_HEADINGS, APPENDIX1_LEGEND, APPENDIX1_TITLE
from app.domain.enums import DeliveryMethod, Source, TargetCategory
from app.domain.names import search_key
from app.domain.periods import Month
from app.errors import InvalidPeriodError, UserError, ValidationError
from app.services import profile
from app.services.registry_month import export_registry, form_registry, registry_rows
from app.services.settings import load_settings, save_settings
from db import models
from db.session import Database

# Appendix 1 of 31-р, copied by hand from the order (spelling and all).
EXPECTED_HEADINGS = [
    "N",
    "Дата выявления граждан из числа целевой категории",
    "Источник получения информации <*>",
    "Ф.И.О. гражданина",
    "Дата установления инвалидности",
    "Целевая категория (указать)",
    "Дата информирования в рамках технологии",
    "Имеется/отсутствует необходимость в составлении индивидуального реабилитационного маршрута",
    "Дата направления индивидуального реабилитационного маршрута",
    "Способ направления индивидуального реабилитационного маршрута",
    "Имеется/отсутствует необходимость в формировании индивидуального плана комплексного "
    "сопровождения",
    "Дата формировании индивидуального плана комплексного сопровождения",
    "Способ направления индивидуального плана комплексного сопровождения",
    "Реализован индивидуальный план комплексного сопровождения формирования "
    "(дата окончания реализации)",
]
EXPECTED_TITLE = (
    "Реестр граждан, впервые признанных федеральными учреждениями медико-социальной "
    'экспертизы инвалидами I или II группы или получивших категорию "ребенок-инвалид"'
)
EXPECTED_LEGEND = [
    "<*> условные обозначения:",
    "БД - банк данных (Единая информационная система социальной защиты населения "
    "Тюменской области);",
    "ЛП - личный прием;",
    "ОО - сведения общественных организаций",
]
DMY = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
JUNE = "2025-06"
FORMED = date(2025, 7, 10)

IVANOVA = "Иванова Мария Петровна"
PETROV = "Петров Сергей Алексеевич"
SIDORENKO = "Сидоренко Анна Викторовна"
KUZNETSOV = "Кузнецов Павел Игоревич"
SMIRNOVA = "Смирнова Ольга Николаевна"
FEDOROV = "Фёдоров Артём Ильич"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


# --- building records ------------------------------------------------------------------


def _citizen(s: Session, name: str) -> models.Citizen:
    last, first, *middle = name.split()
    citizen = models.Citizen(
        last_name=last,
        first_name=first,
        middle_name=middle[0] if middle else None,
        search_name=search_key(name),
    )
    s.add(citizen)
    s.flush()
    return citizen


def _entry(
    s: Session,
    name: str,
    identified_on: date,
    entered_on: date | None = None,
    created_at: datetime | None = None,
    **fields: object,
) -> models.RegistryEntry:
    values: dict[str, object] = {
        "source": Source.EXTRACT,
        "category": TargetCategory.GROUP_I,
        **fields,
    }
    entry = models.RegistryEntry(
        citizen=_citizen(s, name),
        reporting_month=str(Month.of(identified_on)),
        identified_on=identified_on,
        entered_on=entered_on or identified_on,
        **values,
    )
    if created_at is not None:
        entry.created_at = created_at
    s.add(entry)
    s.flush()
    return entry


def _numbers(db: Database, month: str = JUNE) -> dict[str, int | None]:
    with db.session_factory() as s:
        rows = s.execute(
            select(models.Citizen.last_name, models.RegistryEntry.number)
            .join(models.RegistryEntry.citizen)
            .where(models.RegistryEntry.reporting_month == month)
        ).all()
    return {last: number for last, number in rows}


def _audit(db: Database, action: str) -> list[dict[str, object]]:
    with db.session_factory() as s:
        rows = s.scalars(
            select(models.AuditEvent.details)
            .where(models.AuditEvent.action == action)
            .order_by(models.AuditEvent.id)
        ).all()
    return [json.loads(row or "{}") for row in rows]


def _june(db: Database) -> None:
    """Five June entries stored out of order; two ties on the receipt date."""
    stamp = datetime(2025, 7, 1, 9, tzinfo=UTC)
    with db.session_factory.begin() as s:
        _entry(s, PETROV, date(2025, 6, 20))
        # Same receipt day: Kuznetsov was entered a day earlier, so he comes first.
        _entry(s, SIDORENKO, date(2025, 6, 5), entered_on=date(2025, 6, 9))
        _entry(s, KUZNETSOV, date(2025, 6, 5), entered_on=date(2025, 6, 6))
        # Same receipt and entry day: whoever was recorded first (created_at) comes first.
        _entry(s, IVANOVA, date(2025, 6, 2), created_at=stamp + timedelta(minutes=5))
        _entry(s, SMIRNOVA, date(2025, 6, 2), created_at=stamp)
        # Another month: never touched by forming June.
        _entry(s, FEDOROV, date(2025, 7, 1))


# --- the form's words --------------------------------------------------------------------


def test_headings_title_and_legend_are_the_order_word_for_word() -> None:
    assert list(APPENDIX1_HEADINGS) == EXPECTED_HEADINGS
    assert len(APPENDIX1_HEADINGS) == 14
    assert APPENDIX1_HEADINGS[2].endswith("<*>")
    assert APPENDIX1_TITLE == EXPECTED_TITLE
    assert list(APPENDIX1_LEGEND) == EXPECTED_LEGEND


# --- forming -----------------------------------------------------------------------------


def test_forming_numbers_by_receipt_with_ties_and_records_the_date(db: Database) -> None:
    _june(db)
    result = form_registry(db, JUNE, today=FORMED)
    assert (result.month, result.formed_on, result.entries) == (JUNE, FORMED, 5)
    assert _numbers(db) == {
        "Смирнова": 1,
        "Иванова": 2,
        "Кузнецов": 3,
        "Сидоренко": 4,
        "Петров": 5,
    }
    assert _numbers(db, "2025-07") == {"Фёдоров": None}
    with db.session_factory() as s:
        month = s.scalar(select(models.RegistryMonth).where(models.RegistryMonth.month == JUNE))
    assert month is not None and month.formed_on == FORMED
    events = _audit(db, "registry.form")
    assert events == [{"month": JUNE, "formed_on": "2025-07-10", "entries": 5, "renumbered": 5}]


def test_reforming_gives_a_later_walk_in_its_place(db: Database) -> None:
    _june(db)
    form_registry(db, JUNE, today=FORMED)
    with db.session_factory.begin() as s:
        # Came in person on 3 June but was entered only after the registry was formed.
        _entry(
            s,
            "Белова Нина",
            date(2025, 6, 3),
            entered_on=date(2025, 7, 11),
            source=Source.WALK_IN,
        )

    before = registry_rows(db, JUNE)
    assert before.formed and before.unnumbered == 1
    assert [r.number for r in before.rows] == ["1", "2", "3", "4", "5", ""]
    assert before.rows[-1].citizen == "Белова Нина"

    result = form_registry(db, JUNE, today=date(2025, 7, 14))
    assert result.entries == 6
    assert result.renumbered == 4  # the walk-in and the three after her
    assert _numbers(db) == {
        "Смирнова": 1,
        "Иванова": 2,
        "Белова": 3,
        "Кузнецов": 4,
        "Сидоренко": 5,
        "Петров": 6,
    }
    after = registry_rows(db, JUNE)
    assert after.formed_on == date(2025, 7, 14) and after.unnumbered == 0
    assert [r.citizen.split()[0] for r in after.rows] == [
        "Смирнова",
        "Иванова",
        "Белова",
        "Кузнецов",
        "Сидоренко",
        "Петров",
    ]
    assert after.rows[2].source == "ЛП"
    assert len(_audit(db, "registry.form")) == 2


def test_forming_a_month_without_entries_names_the_month_and_writes_nothing(
    db: Database,
) -> None:
    _june(db)
    with pytest.raises(UserError, match="май 2025"):
        form_registry(db, "2025-05", today=FORMED)
    with db.session_factory() as s:
        assert s.scalar(select(models.RegistryMonth.id)) is None
    assert _audit(db, "registry.form") == []


@pytest.mark.parametrize("text", ["2025-13", "июнь", "", "2025/06"])
def test_a_bad_month_is_refused_in_russian(db: Database, text: str) -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        form_registry(db, text, today=FORMED)
    assert re.search("[а-я]", str(caught.value))
    with pytest.raises(InvalidPeriodError):
        registry_rows(db, text)
    with pytest.raises(InvalidPeriodError):
        export_registry(db, text, "xlsx", Path("never.xlsx"))


def test_forming_before_the_last_receipt_is_refused(db: Database) -> None:
    _june(db)
    with pytest.raises(ValidationError, match="20.06.2025"):
        form_registry(db, JUNE, today=date(2025, 6, 19))
    assert set(_numbers(db).values()) == {None}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 5)),
        min_size=1,
        max_size=25,
    )
)
def test_numbers_are_1_to_n_in_receipt_order(db: Database, days: list[tuple[int, int]]) -> None:
    with db.session_factory.begin() as s:
        s.execute(delete(models.RegistryEntry))
        s.execute(delete(models.Citizen))
        for i, (day, delay) in enumerate(days):
            received = date(2025, 6, day)
            _entry(s, f"Тестов{i} Иван", received, entered_on=received + timedelta(days=delay))
    result = form_registry(db, JUNE, today=FORMED)
    assert result.entries == len(days)
    with db.session_factory() as s:
        rows = s.execute(
            select(
                models.RegistryEntry.number,
                models.RegistryEntry.identified_on,
                models.RegistryEntry.entered_on,
            ).order_by(models.RegistryEntry.number)
        ).all()
    assert [r.number for r in rows] == list(range(1, len(days) + 1))
    keys = [(r.identified_on, r.entered_on) for r in rows]
    assert keys == sorted(keys)
    # Forming again changes nothing.
    assert form_registry(db, JUNE, today=FORMED).renumbered == 0


# --- the rows of Appendix 1 -------------------------------------------------------------


def _filled(db: Database) -> None:
    with db.session_factory.begin() as s:
        _entry(
            s,
            PETROV,
            date(2025, 6, 3),
            source=Source.NGO,
            category=TargetCategory.CHILD,
            disability_established_on=date(2025, 5, 27),
            informed_on=date(2025, 6, 9),
            route_needed=True,
            route_sent_on=date(2025, 7, 1),
            route_sent_method=DeliveryMethod.POST,
            plan_needed=True,
            plan_formed_on=date(2025, 6, 20),
            plan_sent_method=DeliveryMethod.EMAIL,
            plan_completed_on=date(2025, 9, 30),
        )
        _entry(
            s,
            "Ким Алина",
            date(2025, 6, 4),
            source=Source.WALK_IN,
            category=TargetCategory.GROUP_II,
            route_needed=False,
            plan_needed=False,
        )
        _entry(s, IVANOVA, date(2025, 6, 10), category=TargetCategory.FAMILY_MEMBER)


FILLED_ROWS = [
    [
        "1",
        "03.06.2025",
        "ОО",
        PETROV,
        "27.05.2025",
        "ребенок-инвалид",
        "09.06.2025",
        "имеется",
        "01.07.2025",
        "почтовое отправление",
        "имеется",
        "20.06.2025",
        "электронная почта",
        "30.09.2025",
    ],
    ["2", "04.06.2025", "ЛП", "Ким Алина", "", "инвалид II группы", "", "отсутствует"]
    + ["", "", "отсутствует", "", "", ""],
    ["3", "10.06.2025", "БД", IVANOVA, "", "член семьи инвалида"] + [""] * 8,
]


def test_rows_are_display_strings_numbered_on_the_fly_before_forming(db: Database) -> None:
    _filled(db)
    form = registry_rows(db, JUNE)
    assert not form.formed and form.formed_on is None and form.formed_on_text == ""
    assert (form.month, form.month_title) == (JUNE, "июнь 2025")
    assert [list(r.cells) for r in form.rows] == FILLED_ROWS
    assert set(_numbers(db).values()) == {None}  # reading numbers nothing


def test_provider_comes_from_the_settings_else_the_profile(empty_db: Database) -> None:
    db = empty_db  # no organisation set up yet
    _filled(db)
    assert registry_rows(db, JUNE).provider == ""
    profile.update_profile(db, full_name="Орлова Анна", organisation="АУСОН ТО «КЦСОН г. Ишима»")
    assert registry_rows(db, JUNE).provider == "АУСОН ТО «КЦСОН г. Ишима»"
    save_settings(
        db, dataclasses.replace(load_settings(db), provider_name="АУСОН ТО «КЦСОН Ишимского р-на»")
    )
    assert registry_rows(db, JUNE).provider == "АУСОН ТО «КЦСОН Ишимского р-на»"


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_reads_back_as_appendix_1(db: Database, tmp_path: Path) -> None:
    _filled(db)
    form_registry(db, JUNE, today=FORMED)
    folder = tmp_path / "выгрузка"
    folder.mkdir()
    out = folder / "реестр июнь.xlsx"
    result = export_registry(db, JUNE, "xlsx", out)
    assert (result.path, result.rows, result.format, result.formed) == (out, 3, "xlsx", True)
    assert [p.name for p in folder.iterdir()] == [out.name]  # no temporary file left

    ws = openpyxl.load_workbook(out).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    texts = [next((v for v in row if v is not None), None) for row in values]
    assert EXPECTED_TITLE in texts
    assert "Отчетный месяц: июнь 2025 г." in texts
    assert "Реестр сформирован 10.07.2025" in texts
    header = texts.index("N")
    assert values[header] == EXPECTED_HEADINGS
    assert values[header] == list(APPENDIX1_HEADINGS)
    assert values[header + 1] == list(range(1, 15))
    data = values[header + 2 : header + 5]
    expected = [[int(r[0])] + [v or None for v in r[1:]] for r in FILLED_ROWS]
    assert data == expected
    for row in data:
        for column in (1, 4, 6, 8, 11, 13):
            assert row[column] is None or DMY.match(row[column])
    assert [t for t in texts[header + 5 :] if t] == EXPECTED_LEGEND

    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
    assert ws.print_title_rows == f"${header + 1}:${header + 2}"
    assert ws.freeze_panes == f"A{header + 3}"
    heading_cell = ws.cell(row=header + 1, column=8)
    assert heading_cell.alignment.wrap_text
    assert heading_cell.border.left.style == "thin"

    events = _audit(db, "registry.export")
    (event,) = events
    numbers = event.pop("numbers")
    assert event == {"month": JUNE, "format": "xlsx", "path": str(out), "rows": 3, "formed": True}
    assert [n for n, _ in numbers] == [1, 2, 3]  # issue #12: the numbers as printed


# --- PDF ---------------------------------------------------------------------------------


def _pdftotext(path: Path, *options: str) -> str:
    done = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def _tool(name: str, path: Path) -> str:
    return subprocess.run([name, str(path)], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_pdf_reads_back_as_appendix_1_with_embedded_fonts(db: Database, tmp_path: Path) -> None:
    _filled(db)
    out = tmp_path / "реестр.pdf"
    result = export_registry(db, JUNE, "pdf", out)
    assert (result.rows, result.formed) == (3, False)

    layout = _pdftotext(out, "-layout")
    for text in ("Приложение N 1 к Положению", "Отчетный месяц: июнь 2025 г.", "Петров Сергей"):
        assert text in layout
    assert "Реестр не сформирован" in layout
    assert "Страница 1 из 1" in layout
    for line in EXPECTED_LEGEND:
        assert line in layout
    # Content order: each heading drawn whole (nothing split or clipped), left to right.
    flat = " ".join(_pdftotext(out, "-raw").split())
    assert EXPECTED_TITLE in flat
    positions = [flat.find(heading) for heading in EXPECTED_HEADINGS[1:]]
    assert -1 not in positions, [
        h for h, p in zip(EXPECTED_HEADINGS[1:], positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions)
    assert "ребенок-инвалид" in flat.replace("ребенок- инвалид", "ребенок-инвалид")
    assert PETROV in flat and "Ким Алина" in flat
    assert "почтовое отправление" in flat and "30.09.2025" in flat

    fonts = _tool("pdffonts", out).splitlines()[2:]
    names = {line.split()[0].split("+")[-1]: line.split() for line in fonts}
    assert {"PTSerif-Regular", "PTSans-Regular"} <= set(names)
    for columns in names.values():
        assert columns[-5] == "yes", columns  # emb: every font is embedded
    info = _tool("pdfinfo", out)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert round(width) == 842 and round(height) == 595  # A4 landscape


@needs_poppler
def test_a_long_registry_repeats_the_heading_on_every_page(db: Database, tmp_path: Path) -> None:
    with db.session_factory.begin() as s:
        for i in range(300):
            _entry(s, f"Константинопольская-Щедрина{i} Александра Вячеславовна", date(2025, 6, 1))
    form_registry(db, JUNE, today=FORMED)
    out = tmp_path / "long.pdf"
    export_registry(db, JUNE, "pdf", out)
    pages = int(re.search(r"Pages:\s+(\d+)", _tool("pdfinfo", out)).group(1))
    assert pages >= 5
    seen = set()
    for page in range(1, pages + 1):
        text = _pdftotext(out, "-layout", "-f", str(page), "-l", str(page))
        assert f"Страница {page} из {pages}" in text
        assert all(line in text for line in EXPECTED_LEGEND)  # the <*> footnote, every page
        numbers = [int(n) for n in re.findall(r"^\s*(\d+)\s+01\.06\.2025", text, re.M)]
        if numbers:  # every page of the table opens with the heading and column numbers
            assert "Ф.И.О. гражданина" in text, page
            assert re.search(
                r"^\s*1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+10\s+11\s+12\s+13\s+14\s*$", text, re.M
            )
        seen.update(numbers)
    assert seen == set(range(1, 301))


def test_pdf_columns_are_wide_enough_for_every_heading_word_and_value() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from app.documents import registry_pdf as pdf

    pdf.register_fonts()
    assert round(sum(pdf.COLUMN_WIDTHS) + 2 * pdf.MARGIN) <= round(pdf.PAGE_SIZE[0])
    values = {
        1: ["30.06.2025"],
        2: ["БД", "ЛП", "ОО"],
        5: [c.label for c in TargetCategory],
        7: ["имеется", "отсутствует"],
        9: [m.label for m in DeliveryMethod],
    }
    for i, heading in enumerate(EXPECTED_HEADINGS):
        room = pdf.COLUMN_WIDTHS[i] - 2 * pdf.CELL_PADDING
        for word in heading.split():
            assert stringWidth(word, pdf.SANS, pdf.HEADING_SIZE) <= room, (i + 1, word)
        for value in values.get(i, ["30.06.2025"] if "Дата" in heading else []):
            for word in value.replace("-", "- ").split():  # may break after a hyphen
                assert stringWidth(word, pdf.SERIF, pdf.BODY_SIZE) <= room, (i + 1, word)


# --- where the file goes -----------------------------------------------------------------


def test_export_replaces_an_old_file_and_refuses_what_cannot_be_written(
    db: Database, tmp_path: Path
) -> None:
    _filled(db)
    tmp_path = tmp_path / "выгрузка"
    tmp_path.mkdir()
    out = tmp_path / "реестр.xlsx"
    out.write_bytes(b"old")
    export_registry(db, JUNE, "XLSX", out)
    assert out.read_bytes()[:2] == b"PK"

    missing = tmp_path / "нет такой папки" / "реестр.pdf"
    with pytest.raises(UserError, match="нет такой папки"):
        export_registry(db, JUNE, "pdf", missing)
    with pytest.raises(UserError, match=re.escape(str(tmp_path))):
        export_registry(db, JUNE, "pdf", tmp_path)
    with pytest.raises(ValidationError, match="docx"):
        export_registry(db, JUNE, "docx", tmp_path / "r.docx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["реестр.xlsx"]
    assert len(_audit(db, "registry.export")) == 1


def test_export_of_a_demo_month(db: Database, tmp_path: Path) -> None:
    from app.demo.generator import generate_demo

    generate_demo(db, 150, 3, today=date(2026, 11, 23))
    with db.session_factory() as s:
        month = s.scalar(
            select(models.RegistryEntry.reporting_month)
            .group_by(models.RegistryEntry.reporting_month)
            .order_by(models.RegistryEntry.reporting_month)
            .limit(1)
        )
    assert month is not None
    formed = form_registry(db, month, today=date(2026, 11, 23))
    form = registry_rows(db, month)
    assert [r.number for r in form.rows] == [str(n) for n in range(1, formed.entries + 1)]
    received = [datetime.strptime(r.identified_on, "%d.%m.%Y").date() for r in form.rows]
    assert received == sorted(received)
    assert all(r.source in ("БД", "ЛП", "ОО") for r in form.rows)
    out = tmp_path / "demo.xlsx"
    assert export_registry(db, month, "xlsx", out).rows == formed.entries


# --- the command line ------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ошибка: ")
    return lines[0]


def test_cli_form_and_export(
    db: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _june(db)
    base = ("--db", str(db_path), "registry")

    out_pdf = tmp_path / "до формирования.pdf"
    code, out, err = _cli(
        capsys, *base, "export", "--month", JUNE, "--format", "pdf", "--out", str(out_pdf)
    )
    assert code == EXIT_OK
    assert out.strip() == f"Реестр за июнь 2025 (PDF) записан в {out_pdf}: строк 5."
    assert "не сформирован" in err and "ic registry form --month 2025-06" in err
    assert out_pdf.read_bytes()[:5] == b"%PDF-"

    code, out, _ = _cli(capsys, *base, "form", "--month", "06.2025", "--today", "10.07.2025")
    assert code == EXIT_OK
    assert out.startswith("Реестр за июнь 2025 сформирован 10.07.2025: записей 5")

    out_xlsx = tmp_path / "реестр.xlsx"
    code, out, err = _cli(
        capsys, *base, "export", "--month", JUNE, "--format", "xlsx", "--out", str(out_xlsx)
    )
    assert code == EXIT_OK and err == ""
    assert "строк 5" in out and str(out_xlsx) in out
    assert out_xlsx.is_file()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["export", "--month", JUNE, "--format", "docx", "--out", "x.docx"], "--format"),
        (["export", "--month", JUNE, "--out", "x.pdf"], "не указано: --format"),
        (["export", "--month", "2025-13", "--format", "pdf", "--out", "x.pdf"], "месяца"),
        (["form", "--month", "июнь"], "Не удалось распознать месяц «июнь»"),
        (["form", "--month", "2025-05", "--today", "2025-06-10"], "май 2025"),
        (["form", "--month", JUNE, "--today", "31.06.2025"], "не существует"),
        (["form"], "не указано: --month"),
        ([], "не указано"),
    ],
)
def test_cli_mistakes_are_one_russian_line_and_exit_2(
    db: Database,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    _june(db)
    code, _, err = _cli(capsys, "--db", str(db_path), "registry", *argv)
    assert code == EXIT_USER_ERROR
    assert expected in _one_line_error(err)
    assert "Traceback" not in err


def test_re_forming_a_printed_registry_asks_first_and_its_numbers_stay_in_the_audit(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #12: re-forming silently renumbered a printed registry (№ 151 became № 300)."""
    from app.cli import EXIT_OK, EXIT_USER_ERROR, main
    from app.services.registry_month import RenumberPrintedError, export_registry

    _june(db)
    form_registry(db, JUNE, today=FORMED)
    export_registry(db, JUNE, "xlsx", tmp_path / "june.xlsx")
    (printed,) = _audit(db, "registry.export")
    numbers = printed["numbers"]
    assert isinstance(numbers, list) and [n for n, _ in numbers] == [1, 2, 3, 4, 5]
    with db.session_factory.begin() as s:
        _entry(
            s, "Белова Нина", date(2025, 6, 3), entered_on=date(2025, 7, 11), source=Source.WALK_IN
        )
    before = _numbers(db)
    with pytest.raises(RenumberPrintedError, match="уже напечатан или выгружен") as asked:
        form_registry(db, JUNE, today=date(2025, 7, 14))
    assert "изменит номера 3 записей" in str(asked.value)  # Белова gets her first number
    assert _numbers(db) == before  # nothing renumbered
    capsys.readouterr()
    code = main(
        ["--db", str(db.path), "registry", "form", "--month", JUNE, "--today", "14.07.2025"]
    )
    assert code == EXIT_USER_ERROR and "--renumber" in capsys.readouterr().err
    code = main(
        [
            "--db",
            str(db.path),
            "registry",
            "form",
            "--month",
            JUNE,
            "--today",
            "14.07.2025",
            "--renumber",
        ]
    )
    assert code == EXIT_OK
    assert _numbers(db)["Белова"] == 3
    # Forming again with nothing to change does not ask.
    assert form_registry(db, JUNE, today=date(2025, 7, 15)).renumbered == 0
