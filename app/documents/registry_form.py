"""The form of 31-р Appendix 1, the monthly registry: its wording and the values it prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.dates import format_date

# --- the form of Appendix 1, word for word -----------------------------------------------

APPENDIX1_TITLE = (
    "Реестр граждан, впервые признанных федеральными учреждениями медико-социальной "
    'экспертизы инвалидами I или II группы или получивших категорию "ребенок-инвалид"'
)

APPENDIX1_HEADINGS: tuple[str, ...] = (
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
    # "формировании" is the order's own spelling; the department compares printouts with it.
    "Дата формировании индивидуального плана комплексного сопровождения",
    "Способ направления индивидуального плана комплексного сопровождения",
    "Реализован индивидуальный план комплексного сопровождения формирования "
    "(дата окончания реализации)",
)

# The footnote to column 3, as printed under the form.
APPENDIX1_LEGEND: tuple[str, ...] = (
    "<*> условные обозначения:",
    "БД - банк данных (Единая информационная система социальной защиты населения "
    "Тюменской области);",
    "ЛП - личный прием;",
    "ОО - сведения общественных организаций",
)

NEEDED = "имеется"
NOT_NEEDED = "отсутствует"


# --- what the form prints ----------------------------------------------------------------


@dataclass(frozen=True)
class RegistryRow:
    """One row of Appendix 1; every field is the text printed in its column."""

    entry_id: int
    number: str  # 1
    identified_on: str  # 2
    source: str  # 3: БД / ЛП / ОО
    citizen: str  # 4
    disability_established_on: str  # 5
    category: str  # 6
    informed_on: str  # 7
    route_needed: str  # 8: имеется / отсутствует / ""
    route_sent_on: str  # 9
    route_sent_method: str  # 10
    plan_needed: str  # 11
    plan_formed_on: str  # 12
    plan_sent_method: str  # 13
    plan_completed_on: str  # 14

    @property
    def cells(self) -> tuple[str, ...]:
        """The 14 values in the column order of Appendix 1."""
        return (
            self.number,
            self.identified_on,
            self.source,
            self.citizen,
            self.disability_established_on,
            self.category,
            self.informed_on,
            self.route_needed,
            self.route_sent_on,
            self.route_sent_method,
            self.plan_needed,
            self.plan_formed_on,
            self.plan_sent_method,
            self.plan_completed_on,
        )


@dataclass(frozen=True)
class RegistryForm:
    """Everything Appendix 1 prints for one reporting month."""

    month: str  # "2025-06"
    month_title: str  # "июнь 2025"
    formed: bool  # False: numbers are the receipt order, not yet recorded (warn the user)
    formed_on: date | None
    provider: str  # the organisation's name, or "" when none is set
    rows: tuple[RegistryRow, ...]
    unnumbered: int  # entries added after the month was formed: it needs forming again

    @property
    def formed_on_text(self) -> str:
        return format_date(self.formed_on)

    @property
    def month_line(self) -> str:
        return f"Отчетный месяц: {self.month_title} г."

    @property
    def status_line(self) -> str:
        """Whether the numbers are the formed ones, printed under the title."""
        if not self.formed:
            return "Реестр не сформирован: номера даны по порядку поступления сведений"
        status = f"Реестр сформирован {self.formed_on_text}"
        if self.unnumbered:
            status += f"; внесено после формирования (без номера): {self.unnumbered}"
        return status

    @property
    def document_title(self) -> str:
        """The title in the file's properties."""
        return f"{APPENDIX1_TITLE} — {self.month_title}"
