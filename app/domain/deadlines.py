"""Deadlines of 31-р, 510-п and 6-р (DESIGN 2, "Deadlines") and the status of a dated task."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.periods import HalfYear, Month
from app.domain.workdays import WorkCalendar

# The monthly and semi-annual deadlines are calendar dates ("до 10 числа",
# "до 15 числа", "до 30 числа", "до 25 числа месяца, следующего за отчетным").
# The seeds do not move them when they fall on a day off, so neither do we;
# the due date itself still counts as on time. The deadlines counted in
# working days follow the production calendar (WorkCalendar); their period
# starts the day after the event, so the event's own day never counts.

INFORMING_WORKING_DAYS = 7  # 31-р 4.1
EXTENSION_APPLICATION_WORKING_DAYS = 5  # 510-п 4.5
EXTENSION_DECISION_WORKING_DAYS = 5  # 510-п 4.5
SURVEY_WORKING_DAYS = 2  # 6-р 6
NEED_DECISION_WORKING_DAYS = 5  # 6-р 4
MAX_COURSE_DAYS_PER_MONTH = 12  # 510-п 4.4
MAX_EXTENSION_MONTHS = 3  # 510-п 4.5
DUE_SOON_DAYS = 7  # "this week": the next seven calendar days


class DeadlineKind(StrEnum):
    """One row of the deadline table; values are stored, never rename them."""

    EXTRACT_IMPORT = "EXTRACT_IMPORT"
    REGISTRY_FORMATION = "REGISTRY_FORMATION"
    INFORMING = "INFORMING"
    ROUTE_DISPATCH = "ROUTE_DISPATCH"
    SEMIANNUAL_REPORT = "SEMIANNUAL_REPORT"
    EXTENSION_APPLICATION = "EXTENSION_APPLICATION"
    EXTENSION_DECISION = "EXTENSION_DECISION"
    SURVEY = "SURVEY"
    NEED_DECISION = "NEED_DECISION"
    COURSE_ATTENDANCE = "COURSE_ATTENDANCE"
    CALL_BACK = "CALL_BACK"

    @property
    def label(self) -> str:
        """Russian name of the deadline (``label``, not ``title``: ``str.title`` exists)."""
        return _KIND_LABELS[self]

    @property
    def source(self) -> str:
        """The clause of the seed the deadline comes from, e.g. ``"31-р 4.1"``."""
        return _KIND_SOURCES[self]


_KIND_LABELS = {
    DeadlineKind.EXTRACT_IMPORT: "Выгрузка сведений из ЕИС СЗН за месяц",
    DeadlineKind.REGISTRY_FORMATION: "Формирование реестра за месяц",
    DeadlineKind.INFORMING: "Информирование по телефону",
    DeadlineKind.ROUTE_DISPATCH: "Направление маршрута и плана",
    DeadlineKind.SEMIANNUAL_REPORT: "Отчет за полугодие",
    DeadlineKind.EXTENSION_APPLICATION: "Заявление о продлении срока обслуживания",
    DeadlineKind.EXTENSION_DECISION: "Решение о продлении срока обслуживания",
    DeadlineKind.SURVEY: "Обследование условий жизнедеятельности",
    DeadlineKind.NEED_DECISION: "Решение о признании нуждающимся в социальном обслуживании",
    DeadlineKind.COURSE_ATTENDANCE: "Курс: не более 12 рабочих дней в месяц",
    DeadlineKind.CALL_BACK: "Повторный звонок",
}

_KIND_SOURCES = {
    DeadlineKind.EXTRACT_IMPORT: "31-р 3.1.1",
    DeadlineKind.REGISTRY_FORMATION: "31-р 3.2",
    DeadlineKind.INFORMING: "31-р 4.1",
    DeadlineKind.ROUTE_DISPATCH: "31-р 3.4, 4.6",
    DeadlineKind.SEMIANNUAL_REPORT: "31-р 5.2",
    DeadlineKind.EXTENSION_APPLICATION: "510-п 4.5",
    DeadlineKind.EXTENSION_DECISION: "510-п 4.5",
    DeadlineKind.SURVEY: "6-р 6",
    DeadlineKind.NEED_DECISION: "6-р 4",
    DeadlineKind.COURSE_ATTENDANCE: "510-п 4.4",
    # A call back agreed with the family keeps the informing of 31-р 4.1 going.
    DeadlineKind.CALL_BACK: "31-р 4.1",
}


def _day_of_next_month(month: Month, day: int) -> date:
    """``day`` of the month after ``month``, or that month's last day when it is shorter."""
    following = month.next()
    return date(following.year, following.month, min(day, following.days))


def extract_import_due(month: Month) -> date:
    """The extract for ``month`` is due by the 10th of the next month."""
    # 31-р 3.1.1: "до 10 числа месяца, следующего за отчетным периодом"
    return _day_of_next_month(month, 10)


def registry_formation_due(month: Month) -> date:
    """The registry for ``month`` is due by the 15th of the next month."""
    # 31-р 3.2: "в срок до 15 числа месяца, следующего за отчетным периодом"
    return _day_of_next_month(month, 15)


def route_dispatch_due(month: Month) -> date:
    """Routes and plans for ``month``: by the 30th of the next month (February: its last day)."""
    # 31-р 3.4: "в срок до 30 числа месяца, следующего за отчетным"; 4.6: the plan
    # goes with the route in the same term.
    return _day_of_next_month(month, 30)


def semiannual_report_due(half: HalfYear) -> date:
    """25 July for the first half-year, 25 January of the next year for the second."""
    # 31-р 5.2: "до 25 числа месяца, следующего за отчетным периодом"
    return _day_of_next_month(half.last_month, 25)


def informing_due(entered_on: date, cal: WorkCalendar) -> date:
    """The phone call is due within 7 working days of entering the person in the registry."""
    # 31-р 4.1: "в течение 7 рабочих дней со дня формирования сведений в Реестре"
    return cal.add_working_days(entered_on, INFORMING_WORKING_DAYS)


def extension_application_due(programme_ends_on: date, cal: WorkCalendar) -> date:
    """The extension application is due 5 working days before the programme ends."""
    # 510-п 4.5: "не позднее пяти рабочих дней до окончания срока действия
    # индивидуальной программы"
    return cal.add_working_days(programme_ends_on, -EXTENSION_APPLICATION_WORKING_DAYS)


def extension_decision_due(applied_on: date, cal: WorkCalendar) -> date:
    """The office decides on an extension within 5 working days of the application."""
    # 510-п 4.5: "в течение пяти рабочих дней со дня получения заявления"
    return cal.add_working_days(applied_on, EXTENSION_DECISION_WORKING_DAYS)


def survey_due(applied_on: date, cal: WorkCalendar) -> date:
    """The living-conditions survey is due within 2 working days of the application."""
    # 6-р 6: "в течение двух рабочих дней с даты подачи заявления"
    return cal.add_working_days(applied_on, SURVEY_WORKING_DAYS)


def need_decision_due(applied_on: date, cal: WorkCalendar) -> date:
    """The decision on the need for services is due within 5 working days of the application."""
    # 6-р 4: "в течение пяти рабочих дней с даты подачи заявления"
    return cal.add_working_days(applied_on, NEED_DECISION_WORKING_DAYS)


def course_days_by_month(days: Iterable[date], cal: WorkCalendar) -> dict[Month, int]:
    """Attendance days that are working days, counted per calendar month (duplicates once)."""
    counts = Counter(Month.of(d) for d in set(days) if cal.is_working_day(d))
    return dict(sorted(counts.items()))


def course_days_exceeding(days: Iterable[date], cal: WorkCalendar) -> list[Month]:
    """The months in which a course has more than 12 working days of attendance, in order.

    510-п 4.4 limits a course to "не более 12 рабочих дней в течение месяца".
    The month is the calendar month; a date given twice counts once; a visit
    on a day off is not a working day and does not count towards the limit.
    """
    return [
        month
        for month, count in course_days_by_month(days, cal).items()
        if count > MAX_COURSE_DAYS_PER_MONTH
    ]


def extension_allowed(months: int) -> bool:
    """Whether an extension by ``months`` months is allowed: 1 to 3 (510-п 4.5)."""
    # 510-п 4.5: "может быть продлен, но не более чем на три месяца"
    return 1 <= months <= MAX_EXTENSION_MONTHS


class DueStatus(StrEnum):
    """Where a dated task stands on a given day."""

    OVERDUE = "OVERDUE"
    DUE_TODAY = "DUE_TODAY"
    DUE_THIS_WEEK = "DUE_THIS_WEEK"
    LATER = "LATER"
    DONE = "DONE"
    DONE_LATE = "DONE_LATE"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Whether the task still has to be done."""
        return self not in (DueStatus.DONE, DueStatus.DONE_LATE)


_STATUS_LABELS = {
    DueStatus.OVERDUE: "просрочено",
    DueStatus.DUE_TODAY: "срок сегодня",
    DueStatus.DUE_THIS_WEEK: "срок в ближайшие 7 дней",
    DueStatus.LATER: "в срок",
    DueStatus.DONE: "выполнено",
    DueStatus.DONE_LATE: "выполнено с нарушением срока",
}


def due_status(
    due: date, today: date, done_on: date | None = None, cal: WorkCalendar | None = None
) -> DueStatus:
    """The status of a task due on ``due`` as seen on ``today``.

    Done tasks are DONE when finished on or before the due date, else DONE_LATE.
    Open tasks are OVERDUE after the due date, DUE_TODAY on it, DUE_THIS_WEEK
    when it is 1-7 calendar days ahead, LATER beyond. ``cal`` is accepted so
    every deadline helper has the same call shape; the status itself counts
    calendar days, because the due date already carries the working-day rule.
    """
    del cal
    if done_on is not None:
        return DueStatus.DONE if done_on <= due else DueStatus.DONE_LATE
    if today > due:
        return DueStatus.OVERDUE
    if today == due:
        return DueStatus.DUE_TODAY
    if due - today <= timedelta(days=DUE_SOON_DAYS):
        return DueStatus.DUE_THIS_WEEK
    return DueStatus.LATER


@dataclass(frozen=True, slots=True)
class DueState:
    """A deadline of one kind with its status on a given day, ready to show."""

    kind: DeadlineKind
    due: date
    status: DueStatus
    done_on: date | None
    working_days_left: int  # from today to the due date; negative when overdue

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def source(self) -> str:
        return self.kind.source


def due_state(
    kind: DeadlineKind, due: date, today: date, done_on: date | None, cal: WorkCalendar
) -> DueState:
    """Bundle ``due_status`` with the working days left, for lists and reminders."""
    return DueState(
        kind=kind,
        due=due,
        status=due_status(due, today, done_on),
        done_on=done_on,
        working_days_left=cal.working_days_between(today, due),
    )
