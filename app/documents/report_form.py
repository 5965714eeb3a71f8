"""The form of 31-р Appendix 4, the semi-annual report: its wording and the counts it prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.domain.periods import HalfYear

# --- the form of Appendix 4, word for word -----------------------------------------------

APPENDIX4_TITLE = (
    "Отчет о реализации технологии по сопровождению семей с инвалидами, "
    'детьми-инвалидами "Интеграционный консультант", по состоянию на ___________'
)
# Columns 1 and 2 span all heading rows.
APPENDIX4_LEFT_HEADINGS: tuple[str, str] = (
    "N п/п",
    "Наименование организации социального обслуживания",
)
# The three sections under the title, each over four columns (3-6, 7-10, 11-14).
APPENDIX4_SECTIONS: tuple[str, str, str] = (
    "Выявление",
    "Составление индивидуального реабилитационного маршрута",
    "Составление плана комплексного сопровождения",
)
# Columns 3-14.
APPENDIX4_HEADINGS: tuple[str, ...] = (
    "ВСЕГО:",
    "Граждане из числа целевой категории, имеющие 1/2 группу инвалидности и ограничение "
    "способности к самообслуживанию, самостоятельному передвижению 2, 3 ст., выявленные "
    "за отчетный период, чел.",
    "из них: участники СВО, чел.",
    "Дети-инвалиды, чел.",
    "ВСЕГО:",
    "Количество граждан из числа целевой категории, имеющих 1/2 группу инвалидности и "
    "ограничение способности к самообслуживанию, самостоятельному передвижению 2, 3 ст., "
    "в отношении которых в отчетном периоде составлен индивидуальный реабилитационный "
    "маршрут, чел.",
    "из них: участники СВО, чел.",
    "Дети-инвалиды, чел.",
    "ВСЕГО:",
    "Количество граждан из числа целевой категории, имеющих ограничение способности к "
    "самообслуживанию, самостоятельному передвижению 2, 3 ст., в отношении которых в "
    "отчетном периоде составлен план комплексного сопровождения, чел.",
    "из них: участники СВО, чел.",
    "Дети-инвалиды, чел.",
)
COLUMN_COUNT = 14


# --- what the form prints ----------------------------------------------------------------


@dataclass(frozen=True)
class SectionCounts:
    """Four columns of one section: ВСЕГО, adults of group I/II, of them SVO, children."""

    total: int
    adults: int
    adults_svo: int
    children: int

    @property
    def cells(self) -> tuple[int, int, int, int]:
        return (self.total, self.adults, self.adults_svo, self.children)


@dataclass(frozen=True)
class _HalfYearForm:
    """What every Appendix 4 says of its half-year."""

    half: str  # "2025H1"
    period_title: str  # "1 полугодие 2025 г."
    first_day: date
    last_day: date

    @property
    def as_of(self) -> str:
        """The date the form says "по состоянию на": the last day of the half-year."""
        return self.last_day.strftime("%d.%m.%Y")

    @property
    def period_line(self) -> str:
        """The line under the organisation's name: the half-year and its first and last days."""
        return (
            f"Отчетный период: {self.period_title} "
            f"({self.first_day:%d.%m.%Y} – {self.last_day:%d.%m.%Y})"
        )


@dataclass(frozen=True)
class SemiannualReport(_HalfYearForm):
    """Appendix 4 for one provider and one half-year; ``cells`` are columns 1-14."""

    provider: str
    identified: SectionCounts  # columns 3-6
    routes: SectionCounts  # columns 7-10
    plans: SectionCounts  # columns 11-14

    @classmethod
    def from_counts(cls, half: HalfYear, provider: str, counts: Sequence[int]) -> SemiannualReport:
        """The form from columns 3-14 as twelve numbers."""
        return cls(
            half=str(half),
            period_title=half.title,
            first_day=half.first_day,
            last_day=half.last_day,
            provider=provider,
            identified=SectionCounts(*counts[0:4]),
            routes=SectionCounts(*counts[4:8]),
            plans=SectionCounts(*counts[8:12]),
        )

    @property
    def cells(self) -> tuple[int | str, ...]:
        return (
            1,
            self.provider,
            *self.identified.cells,
            *self.routes.cells,
            *self.plans.cells,
        )

    @property
    def document_title(self) -> str:
        """The title in the file's properties."""
        return f"Отчет «Интеграционный консультант» — {self.period_title}"


def report_title(report: SemiannualReport) -> str:
    """The title of Appendix 4 with its blank "по состоянию на ___" filled: the half's last day."""
    return APPENDIX4_TITLE.replace("___________", report.as_of)


# --- the regional centre's consolidated Appendix 4 (issue #11) ----------------------------

TOTAL_LABEL = "Итого по региону"


@dataclass(frozen=True)
class ConsolidatedReport(_HalfYearForm):
    """Appendix 4 at the regional centre: a numbered row per provider, then the total.

    ``rows``: columns 1-14 of each provider in the order of the centre's provider list
    (column 1 N п/п, column 2 the organisation's name, columns 3-14 as that provider
    computed them). ``total``: columns 1-14 of the region, a person counted by several
    providers counted once (column 1 empty, column 2 ``TOTAL_LABEL``). ``notes``: the lines
    printed under the table (the counting rule, the 31-р 5.3 indicators, who is missing).
    """

    centre: str
    rows: tuple[tuple[int | str, ...], ...]
    total: tuple[int | str, ...]
    notes: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def document_title(self) -> str:
        return f"Сводный отчет «Интеграционный консультант» — {self.period_title}"

    @property
    def title(self) -> str:
        return APPENDIX4_TITLE.replace("___________", self.as_of)
