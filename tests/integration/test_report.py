"""The semi-annual report (31-р 5.2, Appendix 4) and the route-coverage indicator (5.3).

The data are built by hand so that each of the twelve counted columns of Appendix 4 has
its own value (3, 2, 1 for SVO; 6, 5, 4 for children; 9, 8, 7 for adults; 17, 14, 11 in
all), with entries, routes and plans on both sides of the half-year's boundaries. Expected
headings are a literal copy of Appendix 4 (seeds/000_37c79242903c4d6c.txt), not the
constants under test. PDFs are read back with poppler's pdftotext and pdffonts.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.documents.report_form import (
    APPENDIX4_HEADINGS,
    APPENDIX4_LEFT_HEADINGS,
    APPENDIX4_SECTIONS,
    APPENDIX4_TITLE,
    SectionCounts,
)
from app.domain.enums import DisabilityGroup, DocumentStatus, Source, TargetCategory
from app.domain.periods import Month
from app.errors import InvalidPeriodError, UserError, ValidationError
from app.services.report import (
    coverage_of_people,
    export_semiannual,
    route_coverage,
    semiannual_report,
)
from app.services.settings import load_settings, save_settings
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

H1 = "2025H1"
PROVIDER = "АУСОН ТО «КЦСОН г. Тюмени»"

# Appendix 4 of 31-р, copied by hand from the order.
EXPECTED_TITLE = (
    'Отчет о реализации технологии по сопровождению семей с инвалидами, детьми-инвалидами "'
    'Интеграционный консультант", по состоянию на ___________'
)
EXPECTED_LEFT = ["N п/п", "Наименование организации социального обслуживания"]
EXPECTED_SECTIONS = [
    "Выявление",
    "Составление индивидуального реабилитационного маршрута",
    "Составление плана комплексного сопровождения",
]
EXPECTED_HEADINGS = [
    "ВСЕГО:",
    "Граждане из числа целевой категории, имеющие 1/2 группу инвалидности и ограничение "
    "способности к самообслуживанию, самостоятельному передвижению 2, 3 ст., выявленные за "
    "отчетный период, чел.",
    "из них: участники СВО, чел.",
    "Дети-инвалиды, чел.",
    "ВСЕГО:",
    "Количество граждан из числа целевой категории, имеющих 1/2 группу инвалидности и "
    "ограничение способности к самообслуживанию, самостоятельному передвижению 2, 3 ст., в "
    "отношении которых в отчетном периоде составлен индивидуальный реабилитационный "
    "маршрут, чел.",
    "из них: участники СВО, чел.",
    "Дети-инвалиды, чел.",
    "ВСЕГО:",
    "Количество граждан из числа целевой категории, имеющих ограничение способности к "
    "самообслуживанию, самостоятельному передвижению 2, 3 ст., в отношении которых в "
    "отчетном периоде составлен план комплексного сопровождения, чел.",
    "из них: участники СВО, чел.",
    "Дети-инвалиды, чел.",
]
# Columns 3-14 for the hand-built data of _half_year().
EXPECTED_COUNTS = [17, 9, 3, 6, 14, 8, 2, 5, 11, 7, 1, 4]

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils is not installed",
)


# --- building records ------------------------------------------------------------------


class _Builder:
    def __init__(self, s: Session) -> None:
        self.s = s
        self.n = 0

    def person(self, name: str, svo: bool = False, child: bool = False) -> models.Citizen:
        self.n += 1
        citizen = models.Citizen(last_name=name, first_name="Тест", search_name=f"{name} {self.n}")
        self.s.add(citizen)
        self.s.flush()
        citizen.assessments.append(
            models.DisabilityAssessment(
                disability_group=DisabilityGroup.CHILD if child else DisabilityGroup.GROUP_I,
                first_time=True,
                selfcare_degree=2,
                veteran_svo=svo,
            )
        )
        self.s.flush()
        return citizen

    def entry(
        self,
        citizen: models.Citizen,
        identified_on: date,
        category: TargetCategory = TargetCategory.GROUP_I,
        plan_formed_on: date | None = None,
    ) -> models.RegistryEntry:
        entry = models.RegistryEntry(
            citizen_id=citizen.id,
            assessment_id=citizen.assessments[0].id,
            reporting_month=str(Month.of(identified_on)),
            identified_on=identified_on,
            entered_on=identified_on,
            source=Source.EXTRACT,
            category=category,
            plan_formed_on=plan_formed_on,
        )
        self.s.add(entry)
        self.s.flush()
        return entry

    def route(
        self,
        entry: models.RegistryEntry,
        issued_on: date | None,
        status: DocumentStatus = DocumentStatus.ISSUED,
        linked: bool = True,
    ) -> None:
        self.s.add(
            models.Route(
                citizen_id=entry.citizen_id,
                entry_id=entry.id if linked else None,
                status=status,
                issued_on=issued_on,
            )
        )
        self.s.flush()


def _half_year(db: Database) -> None:
    """People of 2025H1 and just outside it; see EXPECTED_COUNTS."""
    d = date
    adult, adult2, child, family = (
        TargetCategory.GROUP_I,
        TargetCategory.GROUP_II,
        TargetCategory.CHILD,
        TargetCategory.FAMILY_MEMBER,
    )
    with db.session_factory.begin() as s:
        b = _Builder(s)
        # Adults identified in H1: A1-A9, A1-A3 participants of the SVO.
        a = [b.person(f"Взрослый{i}", svo=i <= 3) for i in range(1, 10)]
        e = [
            b.entry(a[0], d(2025, 1, 1), adult, plan_formed_on=d(2025, 1, 20)),  # first day
            b.entry(a[1], d(2025, 2, 3), adult2, plan_formed_on=d(2025, 7, 1)),  # plan in H2
            b.entry(a[2], d(2025, 2, 10), adult),
            b.entry(a[3], d(2025, 3, 3), adult2, plan_formed_on=d(2025, 3, 20)),
            b.entry(a[4], d(2025, 3, 5), adult, plan_formed_on=d(2025, 4, 1)),
            b.entry(a[5], d(2025, 4, 7), adult, plan_formed_on=d(2025, 4, 20)),
            b.entry(a[6], d(2025, 5, 5), adult2, plan_formed_on=d(2025, 5, 25)),
            b.entry(a[7], d(2025, 6, 2), adult, plan_formed_on=d(2025, 6, 10)),
            b.entry(a[8], d(2025, 6, 30), adult, plan_formed_on=d(2025, 6, 30)),  # last day
        ]
        # A2 again in April: one person, counted once.
        b.entry(a[1], d(2025, 4, 1), adult2)
        # Routes: A1, A2 (a superseded version and the issued one), A4-A8 in H1.
        b.route(e[0], d(2025, 1, 1))
        b.route(e[1], d(2025, 2, 20), DocumentStatus.SUPERSEDED)
        b.route(e[1], d(2025, 3, 1))
        for i in range(3, 8):
            b.route(e[i], d(2025, 6, 30) if i == 7 else d(2025, 4, 15))
        b.route(e[2], None, DocumentStatus.DRAFT)  # A3: a draft does not count
        b.route(e[8], d(2025, 7, 1))  # A9: issued the day after the half-year

        # Children identified in H1: C1-C6.
        c = [b.person(f"Ребёнок{i}", child=True) for i in range(1, 7)]
        ce = [
            b.entry(c[0], d(2025, 1, 1), child, plan_formed_on=d(2025, 1, 1)),
            b.entry(c[1], d(2025, 2, 14), child, plan_formed_on=d(2025, 3, 1)),
            b.entry(c[2], d(2025, 3, 14), child, plan_formed_on=d(2025, 4, 1)),
            b.entry(c[3], d(2025, 4, 14), child, plan_formed_on=d(2025, 6, 30)),
            b.entry(c[4], d(2025, 5, 14), child, plan_formed_on=d(2025, 7, 1)),
            b.entry(c[5], d(2025, 6, 14), child),
        ]
        for i in range(5):
            # C4's route has no registry entry: the person's latest entry says "child".
            b.route(ce[i], d(2025, 6, 30) if i == 4 else d(2025, 6, 1), linked=i != 3)
        b.route(ce[5], d(2025, 7, 1))  # C6: H2

        # Family members identified in H1: F1 with a route, F2 without.
        f1 = b.entry(b.person("Родственник1"), d(2025, 3, 3), family)
        b.entry(b.person("Родственник2"), d(2025, 5, 3), family)
        b.route(f1, d(2025, 5, 1))

        # Just outside: X1 identified 31 Dec 2024 (route in January: counts in routes,
        # plan on 31 Dec: does not), X2 and X3 identified 1 July 2025.
        x1 = b.entry(b.person("Внешний1"), d(2024, 12, 31), adult, plan_formed_on=d(2024, 12, 31))
        b.route(x1, d(2025, 1, 15))
        b.route(x1, d(2024, 12, 31), DocumentStatus.SUPERSEDED)
        b.entry(b.person("Внешний2", child=True), d(2025, 7, 1), child)
        b.entry(b.person("Внешний3", svo=True), d(2025, 7, 1), adult)


def _provider(db: Database) -> None:
    save_settings(db, dataclasses.replace(load_settings(db), provider_name=PROVIDER))


# --- the form's words --------------------------------------------------------------------


def test_headings_are_the_order_word_for_word() -> None:
    assert APPENDIX4_TITLE == EXPECTED_TITLE
    assert list(APPENDIX4_LEFT_HEADINGS) == EXPECTED_LEFT
    assert list(APPENDIX4_SECTIONS) == EXPECTED_SECTIONS
    assert list(APPENDIX4_HEADINGS) == EXPECTED_HEADINGS


# --- the columns -------------------------------------------------------------------------


def test_every_column_counts_its_own_people(db: Database) -> None:
    _half_year(db)
    _provider(db)
    report = semiannual_report(db, H1)
    assert report.cells == (1, PROVIDER, *EXPECTED_COUNTS)
    assert report.identified == SectionCounts(17, 9, 3, 6)
    assert report.routes == SectionCounts(14, 8, 2, 5)
    assert report.plans == SectionCounts(11, 7, 1, 4)
    assert report.as_of == "30.06.2025"
    assert report.period_title == "1 полугодие 2025 г."


def test_second_half_sees_the_other_side_of_the_boundary(db: Database) -> None:
    _half_year(db)
    report = semiannual_report(db, "2025H2")
    # X2 (child) and X3 (adult, SVO) identified on 1 July.
    assert report.identified == SectionCounts(2, 1, 1, 1)
    # A9 and C6 got their routes on 1 July.
    assert report.routes == SectionCounts(2, 1, 0, 1)
    # A2 (SVO) and C5 had their plans formed on 1 July.
    assert report.plans == SectionCounts(2, 1, 1, 1)
    previous = semiannual_report(db, "2024H2")
    assert previous.identified == SectionCounts(1, 1, 0, 0)
    assert previous.plans == SectionCounts(1, 1, 0, 0)
    # X1's first version, issued on 31 Dec and later superseded, was issued all the same.
    assert previous.routes == SectionCounts(1, 1, 0, 0)


def test_empty_database_and_bad_half(db: Database) -> None:
    report = semiannual_report(db, "2026H2")
    assert report.cells[2:] == (0,) * 12
    coverage = route_coverage(db, "2026H2")
    assert (coverage.issued, coverage.target, coverage.percent) == (0, 0, None)
    # Issue #12: no data is grey, not "0 из 0 … зелёный".
    assert coverage.level == "none" and coverage.level_title.startswith("серый: нет данных")
    with pytest.raises(InvalidPeriodError, match="2026H3"):
        semiannual_report(db, "2026H3")


# --- the indicator of 5.3 ----------------------------------------------------------------


def test_coverage_of_the_hand_built_half_year(db: Database) -> None:
    _half_year(db)
    coverage = route_coverage(db, H1)
    # Of the 9 + 6 disabled people and children identified in H1 (family members aside),
    # 14 had a route by 25 July: the 12 of columns 8 + 10 identified in H1 (X1's route
    # counts in column 8 but X1 was identified in 2024) and A9 and C6, whose routes of
    # 1 July came before the report's due date.
    assert (coverage.issued, coverage.target) == (14, 15)
    assert coverage.percent == pytest.approx(93.333, abs=0.001)
    assert coverage.level == "amber"


@pytest.mark.parametrize(
    ("target", "issued", "percent", "level"),
    [(20, 20, 100.0, "green"), (20, 19, 95.0, "amber"), (100, 89, 89.0, "red")],
)
def test_coverage_levels(
    db: Database, target: int, issued: int, percent: float, level: str
) -> None:
    with db.session_factory.begin() as s:
        b = _Builder(s)
        for i in range(target):
            child = i % 4 == 0
            entry = b.entry(
                b.person(f"Человек{i}", child=child),
                date(2025, 1 + i % 6, 1 + i % 28),
                TargetCategory.CHILD if child else TargetCategory.GROUP_II,
            )
            if i < issued:
                b.route(entry, date(2025, 6, 30))
    coverage = route_coverage(db, H1)
    assert (coverage.issued, coverage.target) == (issued, target)
    assert coverage.percent == pytest.approx(percent)
    assert coverage.level == level


@pytest.mark.parametrize(
    ("identified", "routed", "level"),
    [(10, 9, "amber"), (1000, 899, "red"), (1000, 900, "amber"), (3, 3, "green")],
)
def test_coverage_level_edges(identified: int, routed: int, level: str) -> None:
    target = {f"p{i}" for i in range(identified)}
    others = {f"x{i}" for i in range(50)}  # routes of people identified in another period
    coverage = coverage_of_people(H1, target, {f"p{i}" for i in range(routed)} | others)
    assert coverage.level == level
    assert (coverage.issued, coverage.target) == (routed, identified)


def test_5_3_is_a_share_of_the_same_people_never_above_100(db: Database) -> None:
    """Issue #13: routes of H1 for people identified the year before made the "share" pass
    100 %. Now: of the people identified in the half-year, those with a route by the
    report's due date (31-р 5.2: 25 July for H1)."""
    with db.session_factory.begin() as s:
        b = _Builder(s)
        earlier = b.entry(b.person("Прошлогодний"), date(2024, 11, 5), TargetCategory.GROUP_I)
        b.route(earlier, date(2025, 2, 1))  # issued in H1, identified in 2024: not counted
        june = b.entry(b.person("Июньский"), date(2025, 6, 28), TargetCategory.GROUP_II)
        b.route(june, date(2025, 7, 10))  # after the half-year, before the 25 July due date
        late = b.entry(b.person("Поздний"), date(2025, 6, 20), TargetCategory.CHILD)
        b.route(late, date(2025, 7, 28))  # after the due date: not counted for H1
    coverage = route_coverage(db, H1)
    assert (coverage.issued, coverage.target) == (1, 2)
    assert coverage.routes_by == date(2025, 7, 25)
    assert coverage.percent == pytest.approx(50.0)
    report = semiannual_report(db, H1)
    assert report.routes.adults == 1  # Appendix 4 column 8 still counts H1's issued routes


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_has_the_merged_heading_numbers_and_values(db: Database, tmp_path: Path) -> None:
    _half_year(db)
    _provider(db)
    out = tmp_path / "отчет.xlsx"
    result = export_semiannual(db, H1, "XLSX", out)
    assert (result.path, result.format, result.half) == (out, "xlsx", H1)
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    texts = [v for r in rows for v in r if isinstance(v, str)]
    assert PROVIDER in texts
    assert any("1 полугодие 2025 г." in t for t in texts)
    title_row = next(i for i, r in enumerate(rows, start=1) if r[0] == "N п/п")
    assert rows[title_row - 1][1] == EXPECTED_LEFT[1]
    assert rows[title_row - 1][2] == EXPECTED_TITLE.replace("___________", "30.06.2025")
    sections = rows[title_row]
    assert [sections[2], sections[6], sections[10]] == EXPECTED_SECTIONS
    assert rows[title_row + 1][2:] == EXPECTED_HEADINGS
    assert rows[title_row + 2] == list(range(1, 15))
    assert rows[title_row + 3] == [1, PROVIDER, *EXPECTED_COUNTS]
    merged = {str(r) for r in ws.merged_cells.ranges}
    t = title_row
    assert {
        f"A{t}:A{t + 2}",
        f"B{t}:B{t + 2}",
        f"C{t}:N{t}",
        f"C{t + 1}:F{t + 1}",
        f"G{t + 1}:J{t + 1}",
        f"K{t + 1}:N{t + 1}",
    } <= merged
    assert ws.page_setup.orientation == "landscape"


def test_export_refuses_unknown_format_and_missing_folder(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="docx"):
        export_semiannual(db, H1, "docx", tmp_path / "x.docx")
    with pytest.raises(UserError, match="не существует"):
        export_semiannual(db, H1, "pdf", tmp_path / "нет" / "x.pdf")
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith("ic.sqlite")]


def test_export_is_audited(db: Database, tmp_path: Path) -> None:
    _half_year(db)
    export_semiannual(db, H1, "xlsx", tmp_path / "r.xlsx")
    with db.session_factory() as s:
        details = s.scalars(
            select(models.AuditEvent.details).where(
                models.AuditEvent.action == "report.semiannual.export"
            )
        ).all()
    assert len(details) == 1
    recorded = json.loads(details[0] or "{}")
    assert recorded["half"] == H1 and recorded["format"] == "xlsx"
    assert recorded["cells"] == [1, *EXPECTED_COUNTS]


# --- PDF ---------------------------------------------------------------------------------


def _pdftotext(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_poppler
def test_pdf_is_a4_landscape_with_the_table_and_our_fonts(db: Database, tmp_path: Path) -> None:
    _half_year(db)
    _provider(db)
    out = tmp_path / "отчет.pdf"
    export_semiannual(db, H1, "pdf", out)
    layout = _pdftotext(out, "-layout")
    flat = " ".join(_pdftotext(out).split())
    for text in [EXPECTED_TITLE.replace("___________", "30.06.2025"), *EXPECTED_SECTIONS]:
        assert " ".join(text.split()) in flat
    for word in ("N п/п", "ВСЕГО:", "из них:", "Дети-инвалиды,", "1 полугодие 2025 г."):
        assert word in layout
    lines = layout.splitlines()
    numbers = [ln.split() for ln in lines if ln.split()[:3] == ["1", "2", "3"]]
    assert numbers == [[str(n) for n in range(1, 15)]]
    values = [ln.split() for ln in lines if ln.split()[-12:] == [str(v) for v in EXPECTED_COUNTS]]
    assert len(values) == 1 and values[0][0] == "1"
    fonts = subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(" yes yes " in f and "+PT" in f for f in fonts)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276" in info or "842 x 595" in info
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)


# --- CLI ---------------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own mistakes
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_semiannual_and_kpi(
    db: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _half_year(db)
    base = ("--db", db.url or str(db_path), "report")
    out_xlsx = tmp_path / "r.xlsx"
    code, out, err = _cli(
        capsys, *base, "semiannual", "--half", H1, "--format", "xlsx", "--out", str(out_xlsx)
    )
    assert code == EXIT_OK and err == ""
    assert out.strip() == f"Отчёт за 1 полугодие 2025 г. (XLSX) записан в {out_xlsx}."
    out_pdf = tmp_path / "r.pdf"
    code, out, _ = _cli(
        capsys, *base, "semiannual", "--half", "2025h1", "--format", "pdf", "--out", str(out_pdf)
    )
    assert code == EXIT_OK and out_pdf.read_bytes()[:5] == b"%PDF-"

    code, out, err = _cli(capsys, *base, "kpi", "--half", H1)
    assert code == EXIT_OK and err == ""
    assert out.splitlines() == [
        "Показатель 31-р п. 5.3 за 1 полугодие 2025 г.:",
        "получили маршрут: 14",
        "целевая категория: 15",
        "доля: 93,3 %",
        "маршруты учтены по: 25.07.2025",
        "уровень: жёлтый: в пределах допустимого отклонения (не ниже 90 %)",
    ]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["kpi", "--half", "2025H3"], "Не удалось распознать полугодие «2025H3»"),
        (["kpi"], "не указано: --half"),
        (["semiannual", "--half", H1, "--format", "docx", "--out", "x"], "--format"),
        (["semiannual", "--half", H1, "--format", "pdf", "--out", "/нет/x.pdf"], "не существует"),
        (["csv"], "неизвестное значение 'csv'"),
    ],
)
def test_cli_mistakes_are_one_russian_line_and_exit_2(
    db: Database,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    code, _, err = _cli(capsys, "--db", db.url or str(db_path), "report", *argv)
    assert code == EXIT_USER_ERROR
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ошибка: ")
    assert expected in lines[0]
    assert "Traceback" not in err


def test_the_people_behind_each_column_count_what_the_report_counts(db: Database) -> None:
    """Issue #11: the package carries each column's people; the centre counts a person
    reported by two providers once. Their numbers are the report's own."""
    from app.demo.generator import generate_demo
    from app.domain.periods import HalfYear
    from app.services.report import report_with_people

    _half_year(db)
    generate_demo(db, 150, 5, today=date(2025, 12, 20))
    for half in ("2025H1", "2025H2"):
        with db.session_factory() as session:
            built, people = report_with_people(db, session, HalfYear.parse(half))
        assert built == semiannual_report(db, half)
        assert [len(p) for p in people] == list(built.cells[2:])
        assert any(people)
