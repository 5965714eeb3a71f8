"""Semi-stationary courses of 510-п subsection 3: days a month, course lengths, extensions.

Pure rules over dates and the production calendar (``WorkCalendar``: holidays.RU with the
government's transfers and the user's corrections). Each function names its clause; the
services in ``app/services/courses.py`` apply them to stored records.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from datetime import date, timedelta

from app.domain.dates import format_date
from app.domain.deadlines import (
    MAX_COURSE_DAYS_PER_MONTH,
    MAX_EXTENSION_MONTHS,
    extension_application_due,
    extension_decision_due,
)
from app.domain.enums import ServiceForm, Technology
from app.domain.periods import Month
from app.domain.workdays import WorkCalendar

# How a refusal names its source, in the consultant's words.
CLAUSE_1_3 = "510-п, подраздел 3, п. 1.3"
CLAUSE_4_4 = "510-п, подраздел 3, п. 4.4"
CLAUSE_4_4_B = "510-п, подраздел 3, п. 4.4 «б»"
CLAUSE_4_4_G = "510-п, подраздел 3, п. 4.4 «г»"
CLAUSE_4_5 = "510-п, подраздел 3, п. 4.5"

#: 4.4 г: "Курс составляет 3 месяца".
SUPPORTED_LIVING_COURSE_MONTHS = 3

TECHNOLOGY_LABELS = {
    Technology.COURSE: "Курсовая комплексная реабилитация (4.4 «а»)",
    Technology.AUTISM_COURSE: "Дети-инвалиды с РАС 3–8 лет (4.4 «б»)",
    Technology.HOME_REHAB: "Реабилитационный центр на дому (1.5, 4.4 «в»)",
    Technology.SUPPORTED_LIVING: "Сопровождаемое проживание (1.6, 4.4 «г»)",
}

#: 1.3: the remote format is for the citizens of 1.1.1 (disabled people, disabled
#: children); 4.4 а serves them, and "Реабилитационный центр на дому" (1.5) serves 1.1.1
#: people with a limited ability to move. Children with autism (1.1.4, 4.4 б) and people
#: of 1.1.3 (4.4 г, supported living) are not named in 1.3.
REMOTE_TECHNOLOGIES = frozenset({Technology.COURSE, Technology.HOME_REHAB})


def technology_label(technology: Technology) -> str:
    return TECHNOLOGY_LABELS[technology]


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, kept within the target month (31.05 + 3 → 31.08,
    30.11 + 3 → 28.02 or 29.02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- 1.3: in person or remote by written choice ------------------------------------


def form_refusal(technology: Technology, form: ServiceForm, chosen_on: date | None) -> str | None:
    """Why the form cannot be recorded, or ``None``.

    1.3: for the citizens of 1.1.1 services "могут предоставляться в очном или
    дистанционном формате по выбору гражданина, выраженному в письменной форме".
    """
    if form is ServiceForm.IN_PERSON:
        return None
    if technology not in REMOTE_TECHNOLOGIES:
        return (
            f"Дистанционный формат: по {CLAUSE_1_3} он возможен только для граждан "
            f"подпункта 1.1.1, а не для технологии «{technology_label(technology)}»."
        )
    if chosen_on is None:
        return (
            "Дистанционный формат: укажите дату письменного заявления гражданина о выборе "
            f"формата ({CLAUSE_1_3}: «по выбору гражданина, выраженному в письменной форме»)."
        )
    return None


# --- 4.4: course lengths -------------------------------------------------------------


def supported_living_course_end(starts_on: date) -> date:
    """4.4 г: "Курс составляет 3 месяца" — the last day of the three months from the start."""
    return add_months(starts_on, SUPPORTED_LIVING_COURSE_MONTHS) - timedelta(days=1)


def course_dates_refusal(technology: Technology, starts_on: date, ends_on: date) -> str | None:
    """Why a course from ``starts_on`` to ``ends_on`` (its planned end) is refused, or ``None``.

    4.4 б: the course of children with autism "равен периоду действия индивидуальной
    программы" — the course is created with the programme's period, so any period is one.
    4.4 г: the course "составляет 3 месяца" — exactly three months from the start.
    """
    if ends_on < starts_on:
        return f"Плановое окончание {format_date(ends_on)} раньше начала {format_date(starts_on)}."
    if technology is Technology.SUPPORTED_LIVING:
        wanted = supported_living_course_end(starts_on)
        if ends_on != wanted:
            return (
                f"Курс составляет 3 месяца ({CLAUSE_4_4_G}): при начале {format_date(starts_on)} "
                f"плановое окончание — {format_date(wanted)}, а не {format_date(ends_on)}."
            )
    return None


# --- 4.4: at most 12 working days in a month -------------------------------------------


def working_days_ticked(days: Iterable[date], month: Month, cal: WorkCalendar) -> int:
    """Ticked days of ``month`` that are working days (a date given twice counts once)."""
    return sum(1 for d in set(days) if month.contains(d) and cal.is_working_day(d))


def tick_refusal(
    day: date,
    ticked: Collection[date],
    starts_on: date,
    ends_on: date,
    cal: WorkCalendar,
) -> str | None:
    """Why ``day`` cannot be ticked as attended, or ``None`` when it can.

    4.4: the course "составляет не более 12 рабочих дней в течение месяца": a day outside
    the course, a day off of the production calendar (a working Saturday counts, a holiday
    does not) and a 13th working day in a calendar month are refused. A day already ticked
    is accepted again (nothing changes).
    """
    if day in ticked:
        return None
    if day < starts_on or day > ends_on:
        return (
            f"{format_date(day)} вне курса: курс идёт с {format_date(starts_on)} "
            f"по {format_date(ends_on)}."
        )
    if not cal.is_working_day(day):
        return (
            f"{format_date(day)} — нерабочий день по производственному календарю: курс "
            f"считается в рабочих днях ({CLAUSE_4_4})."
        )
    month = Month.of(day)
    count = working_days_ticked(ticked, month, cal)
    if count >= MAX_COURSE_DAYS_PER_MONTH:
        return (
            f"За {month.title} уже отмечено {count} рабочих дней: курс составляет не более "
            f"{MAX_COURSE_DAYS_PER_MONTH} рабочих дней в течение месяца ({CLAUSE_4_4})."
        )
    return None


# --- 4.5: extension -----------------------------------------------------------------------


def extension_application_late(received_on: date, ends_on: date, cal: WorkCalendar) -> bool:
    """4.5: the application is given "не позднее пяти рабочих дней до окончания срока"."""
    return received_on > extension_application_due(ends_on, cal)


def extension_late_warning(received_on: date, ends_on: date, cal: WorkCalendar) -> str | None:
    """The warning shown when an application arrives later than 4.5 asks, else ``None``."""
    if not extension_application_late(received_on, ends_on, cal):
        return None
    due = extension_application_due(ends_on, cal)
    return (
        f"Заявление получено {format_date(received_on)}, позже срока: не позднее пяти рабочих "
        f"дней до окончания программы ({format_date(ends_on)}) — до {format_date(due)} "
        f"({CLAUSE_4_5}). Заявление зарегистрировано в день получения."
    )


def extension_limit(original_ends_on: date) -> date:
    """4.5: the term "может быть продлен, но не более чем на три месяца" from its first end."""
    return add_months(original_ends_on, MAX_EXTENSION_MONTHS)


def extension_months_refusal(months: int) -> str | None:
    """The proposed term of an application: 1 to 3 months (4.5)."""
    if 1 <= months <= MAX_EXTENSION_MONTHS:
        return None
    return (
        f"Предлагаемый срок продления {months} мес.: продление возможно не более чем на "
        f"три месяца ({CLAUSE_4_5})."
    )


def extension_refusal(
    original_ends_on: date, current_ends_on: date, new_ends_on: date
) -> str | None:
    """Why the term cannot be extended to ``new_ends_on``, or ``None`` (4.5)."""
    if new_ends_on <= current_ends_on:
        return (
            f"Новое окончание {format_date(new_ends_on)} должно быть позже нынешнего "
            f"{format_date(current_ends_on)}."
        )
    limit = extension_limit(original_ends_on)
    if new_ends_on > limit:
        return (
            f"Продление возможно не более чем на три месяца ({CLAUSE_4_5}): срок, "
            f"оканчивавшийся {format_date(original_ends_on)}, продлевается не дальше "
            f"{format_date(limit)}, а не до {format_date(new_ends_on)}."
        )
    return None


def decision_due(received_on: date, cal: WorkCalendar) -> date:
    """4.5: the decision "в течение пяти рабочих дней со дня получения заявления"."""
    return extension_decision_due(received_on, cal)


def decision_late(received_on: date, decided_on: date, cal: WorkCalendar) -> bool:
    return decided_on > decision_due(received_on, cal)
