"""The journal of phone services (31-р 1.7) and the list for the regional system (1.6.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.dates import format_date

# 1.6.1: the measure under which the service is entered in the regional system, and the
# service named in the journal of 1.7.
SERVICE_NAME = "Информирование и консультирование по вопросам социально-средовой реабилитации"

# 1.7, word for word.
JOURNAL_TITLE = (
    "Журнал учета предоставления срочных социальных услуг, предоставленных с использованием "
    "электронной или телефонной связи, информационно-телекоммуникационной сети «Интернет»"
)
JOURNAL_HEADINGS: tuple[str, ...] = (
    "№ п/п",
    "Дата",
    "Время",
    "Ф.И.О. получателя",
    "Телефон",
    "Услуга",
    "Результат",
    "Специалист",
)

EIS_TITLE = (
    "Сведения для внесения в Единую информационную систему социальной защиты населения "
    "Тюменской области (вкладка «Результаты» ИПРА)"
)
EIS_HEADINGS: tuple[str, ...] = (
    "№ п/п",
    "Ф.И.О.",
    "СНИЛС",
    "Дата консультирования посредством телефонной связи",
    "Периодичность телефонных звонков",
    "Комментарий",
)


def _period_text(start: date, end: date) -> str:
    """The line under the title: "за период с 01.06.2025 по 30.06.2025"."""
    return f"за период с {format_date(start)} по {format_date(end)}"


# --- what the forms print ----------------------------------------------------------------


@dataclass(frozen=True)
class JournalRow:
    """One call in the journal of 1.7; every field is the printed text."""

    number: str
    date: str  # dd.mm.yyyy, Tyumen time
    time: str  # HH:MM, Tyumen time
    person: str
    phone: str
    service: str
    result: str
    specialist: str

    @property
    def cells(self) -> tuple[str, ...]:
        return (
            self.number,
            self.date,
            self.time,
            self.person,
            self.phone,
            self.service,
            self.result,
            self.specialist,
        )


@dataclass(frozen=True)
class Journal:
    """What the journal prints for a period."""

    start: date
    end: date
    provider: str
    rows: tuple[JournalRow, ...]

    @property
    def period_text(self) -> str:
        return _period_text(self.start, self.end)


@dataclass(frozen=True)
class EisRow:
    """One registry entry with calls in the period, as entered in the regional system."""

    number: str
    person: str
    snils: str
    consulted_on: str  # the successful call's date, dd.mm.yyyy, or ""
    calls: str  # "3 (01.06.2025, 02.06.2025, 05.06.2025)"
    comment: str

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.number, self.person, self.snils, self.consulted_on, self.calls, self.comment)


@dataclass(frozen=True)
class EisList:
    start: date
    end: date
    provider: str
    rows: tuple[EisRow, ...]

    @property
    def period_text(self) -> str:
        return _period_text(self.start, self.end)
