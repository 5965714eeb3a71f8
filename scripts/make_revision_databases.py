"""Make tests/data/databases/at-<revision>.sqlite: a small database at every schema revision.

    .venv/bin/python scripts/make_revision_databases.py [REVISION ...]

Each file is what a consultant's database looked like when that revision was the newest:
the schema made by Alembic's ``command.upgrade(config, REVISION)``, filled with INSERTs
written for that revision's own tables and columns. The rows come from a small demo at the
head (`ic init --plain`, `ic demo --citizens 40`, `ic demo-extract` + `ic import-extract`:
people, assessments, calls, routes, plans, dispatches, an import batch, the audit trail);
a column the revision did not have yet is left out, a row it could not hold is left out
(and then its dependants, by PRAGMA foreign_key_check). Written at a fixed instant (IC_NOW).

The files are plain, unencrypted SQLite holding only generated, fake people. Run again for a
new revision (with its number) and commit the new file; tests/integration/
test_upgrade_every_revision.py fails for a revision that has none.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402

from db.engine import create_db_engine  # noqa: E402
from db.migrate import alembic_config  # noqa: E402

OUT = ROOT / "tests" / "data" / "databases"
NOW = "2026-11-23T05:00:00+00:00"
ENV = {"IC_NOW": NOW, "IC_USER": "admin", "IC_PASSWORD": "unused", "PYTHONUTF8": "1"}


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def ic(*args: str, home: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "app", *args],
        check=True,
        cwd=ROOT,
        env={**os.environ, **ENV, "IC_HOME": str(home)},
        stdout=subprocess.DEVNULL,
    )


def source_database(work: Path) -> Path:
    """A small demo at the head revision, with an imported extract."""
    source = work / "head.sqlite"
    home = work / "home"
    ic("--db", str(source), "init", "--plain", "--name", "Иванова Анна Петровна",
       "--organisation", "АУ СОН ТО «Центр помощи»", home=home)  # fmt: skip
    ic("--db", str(source), "demo", "--citizens", "40", "--seed", "14", home=home)
    extract = work / "выписка.xlsx"
    ic("demo-extract", "--rows", "8", "--seed", "5", "--month", "2026-10", "--out",
       str(extract), home=home)  # fmt: skip
    ic("--db", str(source), "import-extract", str(extract), home=home)
    return source


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA {schema}.table_info("{table}")')]


def _drop_unreferenced(conn: sqlite3.Connection, tables: list[str], parent: str) -> None:
    """The demo's 139 sample organisations are most of a file: keep those a row points to."""
    if parent not in tables:
        return
    used = []
    for table in tables:
        for fk in conn.execute(f'PRAGMA main.foreign_key_list("{table}")').fetchall():
            if fk[2] == parent:
                used.append(f'SELECT "{fk[3]}" FROM main."{table}"')
    for child in ("organisation_contact", "organisation_service"):
        used = [u for u in used if f'"{child}"' not in u]
    keep = " UNION ".join(used) if used else "SELECT NULL"
    conn.execute(f'DELETE FROM main."{parent}" WHERE id NOT IN ({keep})')
    for child in ("organisation_contact", "organisation_service"):
        if child in tables:
            conn.execute(f'DELETE FROM main."{child}" WHERE organisation_id NOT IN'
                         f' (SELECT id FROM main."{parent}")')  # fmt: skip


#: Records with a row version (migration 0008, optimistic locking of issue #15).
VERSIONED = ("citizen", "route", "support_plan")


def _edited_since(conn: sqlite3.Connection, tables: list[str]) -> None:
    """From 0008 on: the demo's rows are all at version 1 (inserted, never edited); some are
    put at versions 2 and 3, as cards saved again are, so that an upgrade is seen keeping
    them. (An UPDATE leaving the version as it was would be bumped by the table's trigger.)"""
    for table in VERSIONED:
        if table in tables and "row_version" in _columns(conn, "main", table):
            conn.execute(f'UPDATE main."{table}" SET row_version = 1 + id % 3 WHERE id % 3 > 0')


def make(revision: str, source: Path, target: Path) -> dict[str, int]:
    target.unlink(missing_ok=True)
    engine = create_db_engine(target)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()

    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE"
            " 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
        )
    ]
    conn.execute("BEGIN")
    for table in tables:
        there = _columns(conn, "src", table)
        common = [c for c in _columns(conn, "main", table) if c in there]
        if not common:
            continue
        names = ", ".join(f'"{c}"' for c in common)
        marks = ", ".join("?" for _ in common)
        for row in conn.execute(f'SELECT {names} FROM src."{table}"').fetchall():
            # A value this revision could not hold: the row is left out.
            with contextlib.suppress(sqlite3.IntegrityError):
                conn.execute(f'INSERT INTO main."{table}" ({names}) VALUES ({marks})', row)
    # Rows whose parent was left out go too (until nothing points nowhere).
    while broken := conn.execute("PRAGMA main.foreign_key_check").fetchall():
        for table, rowid, _parent, _fk in broken:
            conn.execute(f'DELETE FROM main."{table}" WHERE rowid = ?', (rowid,))
    _drop_unreferenced(conn, tables, "organisation")
    _edited_since(conn, tables)
    conn.execute("COMMIT")
    conn.execute("DETACH DATABASE src")
    counts = {t: conn.execute(f'SELECT count(*) FROM main."{t}"').fetchone()[0] for t in tables}
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA page_size = 1024")
    conn.execute("VACUUM")
    conn.close()
    return counts


def main() -> None:
    wanted = sys.argv[1:] or revisions()
    unknown = set(wanted) - set(revisions())
    if unknown:
        sys.exit(f"unknown revisions: {sorted(unknown)}")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = source_database(Path(tmp))
        for revision in wanted:
            target = OUT / f"at-{revision}.sqlite"
            counts = make(revision, source, target)
            shown = ", ".join(
                f"{t} {counts.get(t, '-')}"
                for t in ("citizen", "call_attempt", "route", "support_plan", "dispatch",
                          "import_batch")
            )  # fmt: skip
            print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB; {shown}")


if __name__ == "__main__":
    main()
