"""The registry grid: filter, search and sort in SQL, ordered ids, row values in batches."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app import clock
from app.domain import deadlines as rules
from app.domain.dates import format_date
from app.domain.enums import DeliveryMethod, DocumentStatus, Source, TargetCategory
from app.domain.names import full_name, search_key
from app.domain.periods import Month
from app.domain.snils import format_snils
from app.domain.workdays import WorkCalendar
from app.services.calendar import load_calendar
from db import models
from db.dialect import estimated_rows
from db.session import Database

# SQLite caps bound parameters (999 in old builds): row batches stay below it.
MAX_BATCH = 500
MIN_WORD = 2  # search words shorter than this are ignored
# Entries a search looks at, newest first, for its first screenful (``first_rows``), and
# the share of people below which a word is rare enough to be listed whole at once.
WALK_ENTRIES = 3000
RARE_SHARE = 0.005

_DIGITS = re.compile(r"\D")
# A СНИЛС or phone as people type them: digits with spaces, dashes, brackets, a plus.
_NUMBER = re.compile(r"[+(]*\d[\d()\-]*")


class EntryStatus(StrEnum):
    """Where the work on one registry entry stands (31-р 4.1, 3.3-3.4, 4.3-4.7)."""

    NOT_INFORMED = "NOT_INFORMED"
    INFORMING_OVERDUE = "INFORMING_OVERDUE"
    ROUTE_TO_DRAW = "ROUTE_TO_DRAW"
    ROUTE_UNSENT = "ROUTE_UNSENT"
    PLAN_OPEN = "PLAN_OPEN"
    DONE = "DONE"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    EntryStatus.NOT_INFORMED: "не проинформирован",
    EntryStatus.INFORMING_OVERDUE: "информирование просрочено",
    EntryStatus.ROUTE_TO_DRAW: "составить маршрут",
    EntryStatus.ROUTE_UNSENT: "маршрут не направлен",
    EntryStatus.PLAN_OPEN: "план реализуется",
    EntryStatus.DONE: "работа завершена",
}


@dataclass(frozen=True)
class GridColumn:
    key: str
    title: str
    # The full heading (Appendix 1 wording where the column comes from it): the tooltip.
    heading: str
    visible_by_default: bool = True


# Columns 1-14 of 31-р Appendix 1, then the working columns, then optional extras.
COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("number", "№", "N (31-р, приложение 1, графа 1)"),
    GridColumn(
        "identified_on", "Дата\nвыявления", "Дата выявления граждан из числа целевой категории"
    ),
    GridColumn("source", "Источник", "Источник получения информации: БД, ЛП, ОО"),
    GridColumn("name", "Ф.И.О.", "Ф.И.О. гражданина"),
    GridColumn("disability_on", "Инвалидность\nустановлена", "Дата установления инвалидности"),
    GridColumn("category", "Целевая\nкатегория", "Целевая категория (указать)"),
    GridColumn("informed_on", "Дата инфор-\nмирования", "Дата информирования в рамках технологии"),
    GridColumn(
        "route_needed",
        "Маршрут\nнужен",
        "Имеется/отсутствует необходимость в составлении индивидуального "
        "реабилитационного маршрута",
    ),
    GridColumn(
        "route_sent_on",
        "Маршрут\nнаправлен",
        "Дата направления индивидуального реабилитационного маршрута",
    ),
    GridColumn(
        "route_method",
        "Способ\n(маршрут)",
        "Способ направления индивидуального реабилитационного маршрута",
    ),
    GridColumn(
        "plan_needed",
        "План\nнужен",
        "Имеется/отсутствует необходимость в формировании индивидуального плана "
        "комплексного сопровождения",
    ),
    GridColumn(
        "plan_formed_on",
        "План\nсформирован",
        "Дата формирования индивидуального плана комплексного сопровождения",
    ),
    GridColumn(
        "plan_method",
        "Способ\n(план)",
        "Способ направления индивидуального плана комплексного сопровождения",
    ),
    GridColumn(
        "plan_completed_on",
        "План\nреализован",
        "Реализован индивидуальный план комплексного сопровождения (дата окончания реализации)",
    ),
    GridColumn("status", "Состояние", "Где стоит работа с гражданином"),
    GridColumn(
        "next_due",
        "Ближайший\nсрок",
        "Ближайший срок по 31-р (4.1 — информирование, 3.4 — маршрут)",
    ),
    GridColumn("month", "Отчетный\nмесяц", "Месяц, в реестр которого внесен гражданин", False),
    GridColumn("snils", "СНИЛС", "СНИЛС", False),
    GridColumn("birth_date", "Дата\nрождения", "Дата рождения", False),
    GridColumn("phone", "Телефон", "Телефон гражданина", False),
    GridColumn("district", "Район", "Муниципальное образование", False),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
_CITIZEN_KEYS = frozenset({"name", "snils", "birth_date", "phone", "district"})
_NOT_NULL_KEYS = frozenset({"identified_on", "source", "name", "category", "month", "status"})


@dataclass(frozen=True)
class GridFilter:
    """What the consultant asked to see; empty fields do not filter."""

    text: str = ""
    month: str | None = None
    source: Source | None = None
    district: str | None = None
    category: TargetCategory | None = None
    status: EntryStatus | None = None


@dataclass(frozen=True)
class GridRow:
    entry_id: int
    citizen_id: int
    values: tuple[str, ...]  # in COLUMNS order
    status: EntryStatus
    next_due: date | None
    overdue: bool


@dataclass(frozen=True)
class FilterChoices:
    months: tuple[str, ...]  # newest first
    districts: tuple[str, ...]


@dataclass
class _Context:
    """Per-query facts derived from ``today`` and the production calendar."""

    today: date
    cal: WorkCalendar
    informing_cutoff: date = field(init=False)

    def __post_init__(self) -> None:
        # informing_due is non-decreasing in entered_on, so "overdue" is entered_on <= cutoff:
        # the latest day whose 7 working days (31-р 4.1) ended before today.
        day = self.today
        while rules.informing_due(day, self.cal) >= self.today:
            day -= timedelta(days=1)
        self.informing_cutoff = day


class RegistryGridService:
    """Queries for one open grid; keeps the calendar so each keystroke costs one query."""

    def __init__(self, db: Database, today: date | None = None) -> None:
        self._db = db
        self._ctx = _Context(today or clock.today(), load_calendar(db))
        self._informing_cache: dict[str, str] = {}
        self._route_cache: dict[str, str] = {}
        self._people_estimate: float | None = None  # the server planner's count of people

    @property
    def today(self) -> date:
        return self._ctx.today

    def reload_calendar(self) -> None:
        self._ctx = _Context(self._ctx.today, load_calendar(self._db))
        self._informing_cache.clear()

    # -- SQL pieces -------------------------------------------------------------------------

    def _issued_route(self) -> ColumnElement[bool]:
        return exists().where(
            models.Route.entry_id == models.RegistryEntry.id,
            models.Route.status == DocumentStatus.ISSUED,
        )

    def _status_expr(self) -> ColumnElement[str]:
        e = models.RegistryEntry
        route_open = and_(
            or_(e.route_needed.is_(None), e.route_needed.is_(True)), e.route_sent_on.is_(None)
        )
        return case(
            (
                and_(e.informed_on.is_(None), e.entered_on <= self._ctx.informing_cutoff),
                literal(EntryStatus.INFORMING_OVERDUE.value),
            ),
            (e.informed_on.is_(None), literal(EntryStatus.NOT_INFORMED.value)),
            (
                and_(route_open, not_(self._issued_route())),
                literal(EntryStatus.ROUTE_TO_DRAW.value),
            ),
            (route_open, literal(EntryStatus.ROUTE_UNSENT.value)),
            (
                and_(e.plan_needed.is_(True), e.plan_completed_on.is_(None)),
                literal(EntryStatus.PLAN_OPEN.value),
            ),
            else_=literal(EntryStatus.DONE.value),
        )

    def _next_due_expr(self, session: Session) -> ColumnElement[Any]:
        e = models.RegistryEntry
        informing, route = self._deadline_functions(session)
        return case(
            (e.informed_on.is_(None), informing(e.entered_on)),
            (
                and_(
                    or_(e.route_needed.is_(None), e.route_needed.is_(True)),
                    e.route_sent_on.is_(None),
                ),
                route(e.reporting_month),
            ),
            else_=None,
        )

    def _deadline_functions(
        self, session: Session
    ) -> tuple[Callable[[Any], ColumnElement[Any]], Callable[[Any], ColumnElement[Any]]]:
        """The informing (4.1) and route (3.4) due dates as SQL, for sorting: they need the
        production calendar, which SQL does not have. SQLite: Python functions registered
        on the connection (ISO text). A server (PostgreSQL) cannot call back into Python:
        a CASE over the distinct dates and months the entries hold, worked out here."""
        if session.get_bind().dialect.name == "sqlite":
            self._register_functions(session)
            return func.ic_informing_due, func.ic_route_due
        e = models.RegistryEntry
        entered = session.scalars(
            select(e.entered_on).where(e.informed_on.is_(None)).distinct()
        ).all()
        months = distinct_values(session, e.reporting_month)
        cal = self._ctx.cal
        informing_due = {d: rules.informing_due(d, cal) for d in entered if d is not None}
        route_due = {m: rules.route_dispatch_due(Month.parse(m)) for m in months if m}
        return _lookup(informing_due), _lookup(route_due)

    def _register_functions(self, session: Session) -> None:
        """Deadlines that need the production calendar, as SQL functions for sorting."""
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        cal = self._ctx.cal
        informing_cache = self._informing_cache
        route_cache = self._route_cache

        def informing(entered_on: str | None) -> str | None:
            if entered_on is None:
                return None
            hit = informing_cache.get(entered_on)
            if hit is None:
                hit = rules.informing_due(date.fromisoformat(entered_on), cal).isoformat()
                informing_cache[entered_on] = hit
            return hit

        def route(month: str | None) -> str | None:
            if month is None:
                return None
            hit = route_cache.get(month)
            if hit is None:
                hit = rules.route_dispatch_due(Month.parse(month)).isoformat()
                route_cache[month] = hit
            return hit

        create: Callable[..., None] = raw.create_function
        for name, fn in (("ic_informing_due", informing), ("ic_route_due", route)):
            try:
                create(name, 1, fn, deterministic=True)
            except TypeError:  # drivers without the keyword (pysqlcipher3)
                create(name, 1, fn)

    def _where(self, flt: GridFilter) -> list[ColumnElement[bool]]:
        e = models.RegistryEntry
        c = models.Citizen
        where: list[ColumnElement[bool]] = []
        if flt.month:
            where.append(e.reporting_month == flt.month)
        if flt.source is not None:
            where.append(e.source == flt.source)
        if flt.district:
            where.append(c.district == flt.district)
        if flt.category is not None:
            where.append(e.category == flt.category)
        if flt.status is not None:
            where.append(self._status_expr() == flt.status.value)
        conditions = _search_conditions(flt.text)
        if conditions:
            # People first, then their entries: SQLite scans the name index once instead
            # of looking up the person of every entry (38 ms instead of 51 on 100k).
            where.append(e.citizen_id.in_(select(c.id).where(*conditions)))
        return where

    def _sort_key(self, key: str, session: Session) -> Any:
        e = models.RegistryEntry
        c = models.Citizen
        keys: dict[str, Any] = {
            "number": e.number,
            "identified_on": e.identified_on,
            "source": _by_label(e.source, {v: v.code for v in Source}),
            "name": c.search_name,
            "disability_on": e.disability_established_on,
            "category": _by_label(e.category, {v: v.label for v in TargetCategory}),
            "informed_on": e.informed_on,
            "route_needed": e.route_needed,
            "route_sent_on": e.route_sent_on,
            "route_method": _by_label(e.route_sent_method, _METHOD_LABELS),
            "plan_needed": e.plan_needed,
            "plan_formed_on": e.plan_formed_on,
            "plan_method": _by_label(e.plan_sent_method, _METHOD_LABELS),
            "plan_completed_on": e.plan_completed_on,
            "status": _by_label(self._status_expr(), {v: v.label for v in EntryStatus}),
            "next_due": self._next_due_expr(session) if key == "next_due" else None,
            "month": e.reporting_month,
            "snils": c.snils,
            "birth_date": c.birth_date,
            "phone": c.phone,
            "district": c.district,
        }
        return keys[key]

    # -- queries ---------------------------------------------------------------------------

    def search(
        self,
        flt: GridFilter,
        sort_key: str = "identified_on",
        descending: bool = False,
        limit: int | None = None,
    ) -> list[int]:
        """Ids of the matching entries in display order; with ``limit``, the first ones only
        (the screenful a big registry shows while its whole list is read on a worker)."""
        if sort_key not in COLUMN_KEYS:
            raise ValueError(f"unknown column {sort_key!r}")
        e = models.RegistryEntry
        with self._db.session_factory() as session:
            order = self._sort_key(sort_key, session)
            terms: list[Any] = []
            if sort_key not in _NOT_NULL_KEYS:
                terms.append(order.is_(None))  # empty values last whichever way it goes
            terms.append(order.desc() if descending else order.asc())
            terms.append(e.id.desc() if descending else e.id)  # a stable order among equals
            stmt: Select[Any] = select(e.id).where(*self._where(flt)).order_by(*terms)
            # The person's table only when the filter or the order needs it: a keystroke on
            # 100k entries costs half as much without the join.
            if flt.district or sort_key in _CITIZEN_KEYS:
                stmt = stmt.join(models.Citizen, models.Citizen.id == e.citizen_id)
            if limit is not None:
                stmt = stmt.limit(limit)
            return _ids(session, stmt)

    def first_rows(
        self,
        flt: GridFilter,
        sort_key: str,
        descending: bool,
        count: int,
    ) -> tuple[list[int], bool]:
        """The first ids of ``search`` (at most ``count``) and whether they are all there
        are: what a big registry shows at once while its whole list is read on a worker
        (issue #15). Whatever it returns is the start of ``search``'s list.

        Without a search word the order's index gives the first ids straight away. A name
        typed into the search, in the grid's usual order (date of identification), looks
        at the newest ``WALK_ENTRIES`` entries one by one and shows the matches among them:
        a common word («ив», 8% of 300,000 people) fills a screenful in a few milliseconds,
        where finding every match scans every person. A word the server's statistics call
        rare gets its whole list at once, which the trigram index finds quickly."""
        words = search_words(flt.text)
        if not words:
            ids = self.search(flt, sort_key, descending, limit=count + 1)
            return ids[:count], len(ids) <= count
        if sort_key != "identified_on" or any(_NUMBER.fullmatch(w) for w in words):
            # No index walks these in order (СНИЛС and phones: an OR with the
            # representatives' phones): the whole list, as before.
            return self.search(flt, sort_key, descending), True
        share = self._estimated_share(words)
        if share is not None and share < RARE_SHARE:
            return self.search(flt, sort_key, descending), True
        ids = self._walk_newest(flt, words, descending, count)
        # Older entries may match too: the whole list says (even when the walk found none).
        return ids, False

    def _estimated_share(self, words: tuple[str, ...]) -> float | None:
        """The share of people whose name holds every word, as the server's planner
        estimates it from its column statistics (None on SQLite)."""
        c = models.Citizen
        matching = select(c.id).where(*_search_conditions(" ".join(words)))
        with self._db.session_factory() as session:
            connection = session.connection()
            found = estimated_rows(connection, matching)
            if found is not None and self._people_estimate is None:
                self._people_estimate = estimated_rows(connection, select(c.id))
        if found is None or not self._people_estimate:
            return None
        return found / self._people_estimate

    def _walk_newest(
        self, flt: GridFilter, words: tuple[str, ...], descending: bool, count: int
    ) -> list[int]:
        """Up to ``count`` matching ids among the ``WALK_ENTRIES`` first entries in the
        order of identification. The person's name is read per entry by a correlated
        subquery, which neither planner turns into a scan of every person."""
        e = models.RegistryEntry
        c = models.Citizen
        order = (e.identified_on.desc(), e.id.desc()) if descending else (e.identified_on, e.id)
        others = self._where(replace(flt, text=""))
        inner = select(e.id, e.citizen_id, e.identified_on).where(*others)
        if flt.district:
            inner = inner.join(c, c.id == e.citizen_id)
        newest = inner.order_by(*order).limit(WALK_ENTRIES).subquery("newest")
        name = select(c.search_name).where(c.id == newest.c.citizen_id).scalar_subquery()
        outer_order = (
            (newest.c.identified_on.desc(), newest.c.id.desc())
            if descending
            else (newest.c.identified_on, newest.c.id)
        )
        stmt = (
            select(newest.c.id)
            .where(*(name.contains(word, autoescape=True) for word in words))
            .order_by(*outer_order)
            .limit(count)
        )
        with self._db.session_factory() as session:
            return _ids(session, stmt)

    def rows(self, entry_ids: Sequence[int]) -> dict[int, GridRow]:
        """Display values of the given entries (at most ``MAX_BATCH`` at a time)."""
        result: dict[int, GridRow] = {}
        e = models.RegistryEntry
        c = models.Citizen
        with self._db.session_factory() as session:
            for start in range(0, len(entry_ids), MAX_BATCH):
                chunk = list(entry_ids[start : start + MAX_BATCH])
                stmt = (
                    select(
                        e.id,
                        e.citizen_id,
                        e.number,
                        e.identified_on,
                        e.source,
                        e.disability_established_on,
                        e.category,
                        e.entered_on,
                        e.informed_on,
                        e.route_needed,
                        e.route_sent_on,
                        e.route_sent_method,
                        e.plan_needed,
                        e.plan_formed_on,
                        e.plan_sent_method,
                        e.plan_completed_on,
                        e.reporting_month,
                        c.last_name,
                        c.first_name,
                        c.middle_name,
                        c.snils,
                        c.birth_date,
                        c.phone,
                        c.district,
                        self._status_expr().label("status"),
                    )
                    .join(c, c.id == e.citizen_id)
                    .where(e.id.in_(chunk))
                )
                for row in session.execute(stmt):
                    result[row.id] = self._grid_row(row)
        return result

    def _grid_row(self, row: Any) -> GridRow:
        status = EntryStatus(row.status)
        next_due: date | None = None
        if row.informed_on is None:
            next_due = rules.informing_due(row.entered_on, self._ctx.cal)
        elif row.route_needed is not False and row.route_sent_on is None:
            next_due = rules.route_dispatch_due(Month.parse(row.reporting_month))
        overdue = next_due is not None and next_due < self._ctx.today
        values = {
            "number": "" if row.number is None else str(row.number),
            "identified_on": format_date(row.identified_on),
            "source": row.source.code,
            "name": full_name(row.last_name, row.first_name, row.middle_name),
            "disability_on": format_date(row.disability_established_on),
            "category": row.category.label,
            "informed_on": format_date(row.informed_on),
            "route_needed": _need(row.route_needed),
            "route_sent_on": format_date(row.route_sent_on),
            "route_method": _method(row.route_sent_method),
            "plan_needed": _need(row.plan_needed),
            "plan_formed_on": format_date(row.plan_formed_on),
            "plan_method": _method(row.plan_sent_method),
            "plan_completed_on": format_date(row.plan_completed_on),
            "status": status.label,
            "next_due": format_date(next_due),
            "month": row.reporting_month,
            "snils": format_snils(row.snils) if row.snils else "",
            "birth_date": format_date(row.birth_date),
            "phone": row.phone or "",
            "district": row.district or "",
        }
        return GridRow(
            entry_id=row.id,
            citizen_id=row.citizen_id,
            values=tuple(values[k] for k in COLUMN_KEYS),
            status=status,
            next_due=next_due,
            overdue=overdue,
        )

    def choices(self) -> FilterChoices:
        """The filter lists: one index lookup per month or district there is, not a scan of
        every entry and person (asked several times as the window opens)."""
        with self._db.session_factory() as session:
            months = distinct_values(session, models.RegistryEntry.reporting_month)
            districts = distinct_values(session, models.Citizen.district)
        return FilterChoices(tuple(reversed(months)), tuple(d for d in districts if d))

    def has_at_least(self, count: int) -> bool:
        """Whether the registry holds ``count`` entries or more, without counting them all
        (the primary key's index, ``count`` steps)."""
        e = models.RegistryEntry
        with self._db.session_factory() as session:
            stmt = select(e.id).order_by(e.id).offset(max(count - 1, 0)).limit(1)
            return session.scalar(stmt) is not None

    def total(self) -> int:
        self._people_estimate = None  # asked again at the next search: people were added
        with self._db.session_factory() as session:
            return int(session.scalar(select(func.count(models.RegistryEntry.id))) or 0)


def distinct_values(session: Session, column: Any) -> list[Any]:
    """The distinct non-NULL values of an indexed ``column``, ascending (in the column's
    collation, as ORDER BY sorts them). A recursive query steps from each value to the next
    greater one through the index: a few dozen lookups for a few dozen values, where
    ``SELECT DISTINCT`` reads every row (neither SQLite nor PostgreSQL 15 skips through an
    index by itself)."""

    def first_after(previous: Any | None) -> Any:
        stmt = select(column).where(column.is_not(None) if previous is None else column > previous)
        return stmt.order_by(column).limit(1).scalar_subquery()

    seed = select(first_after(None).label("value")).cte("distinct_values", recursive=True)
    steps = seed.union_all(select(first_after(seed.c.value)).where(seed.c.value.is_not(None)))
    return list(session.scalars(select(steps.c.value).where(steps.c.value.is_not(None))))


def _ids(session: Session, stmt: Select[Any]) -> list[int]:
    """Run a one-column id query straight on the driver: 100k ints need no row processing."""
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect)
    names = compiled.positiontup or []
    # Dates as ISO text, as SQLAlchemy stores them (sqlite3's own date adapter is deprecated).
    params = [
        p.isoformat() if isinstance(p, date) else p for p in (compiled.params[n] for n in names)
    ]
    # sqlite3 adapts these itself exactly as SQLAlchemy would (dates as ISO text).
    if connection.dialect.name == "sqlite" and all(
        isinstance(p, int | float | str | date) or p is None for p in params
    ):
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute(compiled.string, params)
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()
    if connection.dialect.name == "postgresql":
        # One value, the ids as an array in the query's order (ARRAY(subquery) keeps it):
        # a row per id through the driver and the ORM costs 0.36 s for 183,000 ids.
        ids = connection.execute(select(func.array(stmt.scalar_subquery()))).scalar()
        return list(ids or [])
    return list(connection.execute(stmt).scalars().all())


_METHOD_LABELS = {v: v.label for v in DeliveryMethod}


def _lookup(table: dict[Any, date]) -> Callable[[Any], ColumnElement[Any]]:
    """``column -> CASE column WHEN key THEN value ... END`` (NULL for other keys)."""

    def expr(column: Any) -> ColumnElement[Any]:
        if not table:
            return null()
        return case({key: literal(value) for key, value in table.items()}, value=column)

    return expr


def _by_label(column: Any, labels: dict[Any, str]) -> Any:
    """Sort a coded column by what the grid shows (alphabetical Russian), not by the code."""
    order = {code: rank for rank, code in enumerate(sorted(labels, key=lambda c: labels[c]))}
    return case({str(code): rank for code, rank in order.items()}, value=column, else_=None)


def _need(value: bool | None) -> str:
    if value is None:
        return ""
    return "имеется" if value else "отсутствует"


def _method(value: DeliveryMethod | None) -> str:
    return value.label if value is not None else ""


def search_words(text: str) -> tuple[str, ...]:
    """The words a search text really searches for (short words are ignored)."""
    return tuple(word for word in _words(text) if len(word) >= MIN_WORD)


def _search_conditions(text: str) -> list[ColumnElement[bool]]:
    """Each word must occur in the name (ё = е, any case); digits also match СНИЛС and phones."""
    c = models.Citizen
    conditions: list[ColumnElement[bool]] = []
    # One letter matches nearly everyone: such words wait for the next keystroke.
    for word in search_words(text):
        if _NUMBER.fullmatch(word):
            conditions.append(_digits_condition(_DIGITS.sub("", word)))
        else:
            conditions.append(c.search_name.contains(word, autoescape=True))
    return conditions


def _words(text: str) -> list[str]:
    """Search words; numbers typed in groups ("8 912 345 67 89") are one number."""
    words: list[str] = []
    for word in search_key(text).split():
        if words and _NUMBER.fullmatch(word) and _NUMBER.fullmatch(words[-1]):
            words[-1] += word
        else:
            words.append(word)
    return words


def _digits_condition(digits: str) -> ColumnElement[bool]:
    c = models.Citizen
    r = models.Representative
    variants = {digits}
    # A phone typed the domestic way (8 912 ...) is stored as +7 912 ...
    if len(digits) >= 4 and digits[0] in "78":
        variants.add(digits[1:])
    options: list[ColumnElement[bool]] = [c.snils.contains(digits, autoescape=True)]
    for variant in variants:
        options.append(c.phone.contains(variant, autoescape=True))
        options.append(
            exists().where(r.citizen_id == c.id, r.phone.contains(variant, autoescape=True))
        )
    return or_(*options)
