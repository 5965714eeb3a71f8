"""Where SQLite and PostgreSQL differ, one function each hides it (issue #15).

Case-insensitive search with ё = е needs none: names are searched through their stored
``search_name`` (app.domain.names.search_key: lower case, ё as е), compared with LIKE on
both databases.

Writers at the same time: on SQLite a unit of work holds the database's one write lock
from its first statement (BEGIN IMMEDIATE, db/engine.py), so whatever it numbers (the
registry's 1..N, a package's sequence, ids it assigns itself) cannot be numbered by
another process meanwhile. On PostgreSQL writers run side by side (READ COMMITTED);
:func:`lock_tables` gives a unit that numbers the same guarantee for the tables it names.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, FromClause, Select, Table, Text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


def is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


# A server's refusal of a transaction because of another writer's: deadlock detected,
# serialization failure, lock not available. The transaction was rolled back whole.
CONFLICT_STATES = frozenset({"40P01", "40001", "55P03"})
CONFLICT_ATTEMPTS = 3


def is_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is the server refusing a transaction for another's sake (see
    CONFLICT_STATES): the same unit of work may simply run again."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    state = getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(
        orig, "sqlstate", None
    )
    return state in CONFLICT_STATES


def retried_on_conflict(work: Callable[[], _T], *, attempts: int = CONFLICT_ATTEMPTS) -> _T:
    """``work()``, run again after a short random pause when the server rolled its
    transaction back for another writer's sake (two units each waiting for the other: the
    server breaks the deadlock by refusing one). ``work`` must be one unit of work, all or
    nothing; after ``attempts`` refusals the last one is raised (one Russian line for the
    user, db/server.py). SQLite never refuses so: its writers queue for the one lock."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not is_conflict(exc):
                raise
            logger.warning(
                "transaction refused by the server (%s), attempt %d of %d: running it again",
                str(exc.orig).splitlines()[0] if exc.orig else exc,
                attempt,
                attempts,
            )
            time.sleep(random.uniform(0.05, 0.25) * attempt)  # noqa: S311 - not a secret
    raise AssertionError("unreachable")


def estimated_rows(connection: Connection, stmt: Select[Any]) -> float | None:
    """How many rows ``stmt`` would return by the server planner's column statistics, at
    the cost of planning it (a millisecond or two); None on SQLite, which keeps no
    statistics a LIKE estimate could come from."""
    if is_sqlite(connection):
        return None
    compiled = stmt.compile(dialect=connection.dialect)
    found = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled.string}", compiled.params)
    plan: Any = found.scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        return float(plan[0]["Plan"]["Plan Rows"])
    except (TypeError, LookupError, ValueError):
        return None


def lock_tables(connection: Connection, tables: Iterable[Table | FromClause]) -> None:
    """Until the transaction ends no other writer may change ``tables``, and no other unit
    that locks one of them may begin its work; readers go on reading. Take it before
    reading what is numbered (max(...) + 1, the next sequence, the rows to number 1..N):
    on PostgreSQL every later statement then sees what the writer before committed.

    SQLite: nothing to do, the unit of work already holds the database's write lock.
    PostgreSQL: ``LOCK TABLE ... IN SHARE ROW EXCLUSIVE MODE`` (it conflicts with itself
    and with every writer). Tables are locked parents first, the order in which writers
    insert, so two lockers never wait for each other crosswise — provided each takes its
    lock before the unit of work writes anything: a unit holding a row it wrote (a
    RowExclusive lock) that then asks for a table another locker already holds, while that
    locker waits for the row's table, is a deadlock PostgreSQL ends by failing one of them.
    """
    if is_sqlite(connection):
        return
    # A model's __table__ is typed as a FromClause; it is a Table.
    unique = {t.name: t for t in tables if isinstance(t, Table)}
    if not unique:
        return
    order = {t.name: i for i, t in enumerate(next(iter(unique.values())).metadata.sorted_tables)}
    names = sorted(unique, key=lambda name: (order.get(name, len(order)), name))
    listed = ", ".join(f'"{name}"' for name in names)
    connection.exec_driver_sql(f"LOCK TABLE {listed} IN SHARE ROW EXCLUSIVE MODE")


def lock_for_new_ids(connection: Connection, tables: Iterable[Table]) -> None:
    """Before a bulk insert that numbers its rows itself (max(id) + 1, ...): no other writer
    may insert into ``tables`` until the transaction ends (:func:`lock_tables`)."""
    lock_tables(connection, tables)


def sync_id_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """After rows were inserted with explicit ids: the next id the database hands out comes
    after them. SQLite's INTEGER PRIMARY KEY does so by itself; a PostgreSQL serial column's
    sequence has to be moved."""
    if is_sqlite(connection):
        return
    for table in tables:
        if "id" not in table.c:
            continue
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'(SELECT coalesce(max(id), 0) + 1 FROM "{table.name}"), false)'
        )


def execute_driver(
    connection: Connection,
    sql: str,
    parameters: Sequence[Any] | Sequence[Sequence[Any]] | None = None,
) -> CursorResult[*tuple[Any, ...]]:
    """Raw SQL straight to the driver, written with ``?`` for its positional parameters
    (SQLite's style); psycopg's ``%s`` is put in on PostgreSQL. The SQL must hold no
    other ``?`` and no ``%``."""
    if not is_sqlite(connection):
        if "%" in sql:
            raise ValueError("a % in raw SQL for the driver")
        sql = sql.replace("?", "%s")
    if parameters is None:
        return connection.exec_driver_sql(sql)
    return connection.exec_driver_sql(sql, parameters)


_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class json_text(FunctionElement[str]):  # noqa: N801 - used as a SQL function
    """``json_text(column, "key")``: the text of a top-level key of a JSON document kept
    in a text column, NULL when missing: strings as they are, numbers as their text (not
    for true/false: SQLite gives 1/0). SQLite ``CAST(json_extract(column, '$.key') AS
    TEXT)``, PostgreSQL ``CAST(column AS jsonb) ->> 'key'``. The key is written into the
    SQL (a plain name), so the same expression in SELECT and GROUP BY is one expression."""

    type = Text()
    inherit_cache = True
    name = "json_text"
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("key", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement[Any], key: str) -> None:
        if not _KEY.match(key):
            raise ValueError(f"not a JSON key name: {key!r}")
        self.key = key
        super().__init__(column)


def _json_column(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(column, **kw)


@compiles(json_text)
def _json_text_sqlite(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    column = _json_column(element, compiler, **kw)
    return f"CAST(json_extract({column}, '$.{element.key}') AS TEXT)"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(CAST({_json_column(element, compiler, **kw)} AS jsonb) ->> '{element.key}')"


class month_text(FunctionElement[str]):  # noqa: N801 - used as a SQL function
    """``month_text(date_column)``: the month of a date as "2025-06" (the text
    app.domain.periods.Month prints). SQLite ``strftime('%Y-%m', ...)``, PostgreSQL
    ``to_char(..., 'YYYY-MM')``."""

    type = Text()
    inherit_cache = True
    name = "month_text"


@compiles(month_text)
def _month_text_sqlite(element: month_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_text, "postgresql")
def _month_text_postgresql(element: month_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"
