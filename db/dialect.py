"""Where SQLite and PostgreSQL differ, one function each hides it (issue #15).

Case-insensitive search with ё = е needs none: names are searched through their stored
``search_name`` (app.domain.names.search_key: lower case, ё as е), compared with LIKE on
both databases.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table


def is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def lock_for_new_ids(connection: Connection, tables: Iterable[Table]) -> None:
    """Before a bulk insert that numbers its rows itself (max(id) + 1, ...): no other writer
    may insert into ``tables`` until the transaction ends. SQLite: the write unit already
    holds the database's write lock. PostgreSQL: a table lock that lets readers read."""
    if is_sqlite(connection):
        return
    names = ", ".join(f'"{t.name}"' for t in tables)
    connection.exec_driver_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")


def sync_id_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """After rows were inserted with explicit ids: the next id the database hands out comes
    after them. SQLite's INTEGER PRIMARY KEY does so by itself; a PostgreSQL serial column's
    sequence has to be moved."""
    if is_sqlite(connection):
        return
    for table in tables:
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f'(SELECT coalesce(max(id), 0) + 1 FROM "{table.name}"), false)'
        )
