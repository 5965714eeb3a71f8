"""A database made at every schema revision that ever shipped upgrades to the head keeping
every record (issue #14).

tests/data/databases/at-<revision>.sqlite (scripts/make_revision_databases.py; plain SQLite
holding only generated, fake people) has people, calls, routes, plans, dispatches and an
import batch. A copy of each is opened by the program (which upgrades it): a backup of the
file as it was is made first, every row of every table keeps every value of every column
the revision had, and `ic check` passes. A revision file without its database fails here.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.services import maintenance
from db.migrate import MIGRATIONS_DIR, head_revision
from db.session import open_database

DATA = Path(__file__).resolve().parents[1] / "data" / "databases"
_REVISION = re.compile(r"^revision: str = '(?P<rev>[^']+)'", re.MULTILINE)
# What each file must hold (table: at least this many rows).
HELD = {
    "citizen": 10,
    "call_attempt": 10,
    "route": 5,
    "support_plan": 1,
    "dispatch": 5,
    "import_batch": 1,
}


def _revisions() -> list[str]:
    found = []
    for script in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        match = _REVISION.search(script.read_text(encoding="utf-8"))
        if match:
            found.append(match["rev"])
    return found


def _rows(path: Path) -> dict[str, dict[int, dict[str, object]]]:
    """Every row of every table (by rowid), column name -> value."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        result: dict[str, dict[int, dict[str, object]]] = {}
        for table in tables:
            cursor = conn.execute(f'SELECT rowid, * FROM "{table}"')
            names = [d[0] for d in cursor.description][1:]
            result[table] = {row[0]: dict(zip(names, row[1:], strict=True)) for row in cursor}
        return result
    finally:
        conn.close()


def test_every_revision_has_its_database() -> None:
    revisions = _revisions()
    assert head_revision() in revisions
    missing = [r for r in revisions if not (DATA / f"at-{r}.sqlite").is_file()]
    assert not missing, (
        f"no database for revision(s) {missing}: run "
        f".venv/bin/python scripts/make_revision_databases.py {' '.join(missing)}"
    )


@pytest.mark.parametrize("revision", _revisions())
def test_a_database_at_each_revision_upgrades_keeping_every_record(
    revision: str, tmp_path: Path
) -> None:
    source = DATA / f"at-{revision}.sqlite"
    if not source.is_file():
        pytest.fail(f"tests/data/databases/at-{revision}.sqlite is missing")
    path = tmp_path / "старая база.sqlite"
    shutil.copyfile(source, path)
    before = _rows(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (revision,)
    for table, least in HELD.items():
        assert len(before[table]) >= least, f"at-{revision}.sqlite: too few rows in {table}"

    database = open_database(path)  # the program's own start-up upgrade
    try:
        report = maintenance.check(database)
    finally:
        database.close()

    assert report.ok, report
    assert report.revision == head_revision()
    backups = list((tmp_path / "backups").glob("*.sqlite"))
    if revision == head_revision():
        assert backups == []  # nothing to upgrade, nothing copied
    else:
        assert len(backups) == 1 and "before-migration" in backups[0].name
        assert _rows(backups[0]) == before  # the copy is the file as it was
    after = _rows(path)
    for table, rows in before.items():
        assert table in after, f"table {table} is gone after the upgrade from {revision}"
        for rowid, values in rows.items():
            kept = after[table].get(rowid)
            assert kept is not None, f"{table} row {rowid} lost upgrading from {revision}"
            changed = {c: (v, kept.get(c, "<column gone>")) for c, v in values.items()
                       if kept.get(c, "<column gone>") != v}  # fmt: skip
            assert not changed, f"{table} row {rowid} changed upgrading from {revision}: {changed}"
