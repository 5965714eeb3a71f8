"""Scale benchmark, run by hand (`make bench`), never by the test command.

For each size (default 1k, 10k, 100k citizens) it builds a fresh database and times what
exists so far, each step in its own process so that peak memory is the step's own:

    .venv/bin/python tests/benchmarks/bench.py [--sizes 1000,10000,100000] [--keep DIR]
        [--import-only] [--repeat N]

Targets on the 2-core machine, for the 100k database (TARGETS): `ic demo --citizens 100000`
under 60 s (issue #2); importing a 10,000-row extract under 5 s and 400 MB, both for people
the database does not know and for the same file again, where every row updates a known
person. The extract's people come from another seed than the database's, so the first
import adds them. --import-only builds the database and times only the imports; with
--repeat N each import is timed N times, each time on a fresh copy of the database.
The registry grid's rows (first paint, keystroke, sorts, peak memory) come from
grid_bench.py, run on the same database in the real window, offscreen; the route PDF
rows (one route, 1,000 routes in one file, >= 200 routes/s) from route_bench.py on its own
2,000-citizen demo database (size 0 in the table; "ok" means the rate was met).
Later issues add their rows to STEPS.

On a PostgreSQL server (issue #15):

    .venv/bin/python tests/benchmarks/bench.py --backend postgresql [--url URL]
        [--size 300000] [--keep DIR] [--from-sqlite FILE]

builds (or takes, --from-sqlite) a plain SQLite demo database of --size citizens, copies
its rows into a fresh database ``ic_bench`` on the server of --url (default
$IC_TEST_POSTGRES_URL; the URL's user must be able to create databases) with COPY, and
times on both databases the same items: the registry grid's first paint and search
keystroke (grid_bench.py's window), the semi-annual report (best of 3) and importing a
10,000-row extract of new people, then the same file again. Targets (the centre's size,
300,000 people): paint < 300 ms, keystroke < 100 ms, report < 1 s, import < 10 s.
Each item runs in its own process; the times are of the work itself (no process start).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

TODAY = "2026-11-23"

# One step: a title and the `ic` arguments after --db; {n} is the size, {dir} the work folder.
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # A plain file (no sign-in), as the grid, report and post benches open it.
    ("ic demo", ("demo", "--plain", "--citizens", "{n}", "--seed", "1", "--today", TODAY)),
    ("ic check", ("check",)),
    ("ic deadlines --json", ("deadlines", "--on", TODAY, "--json")),
    ("ic workdays add", ("workdays", "add", TODAY, "30")),
)
# The extract import (issue #3): a 10,000-row extract of people the database does not
# know (seed 2; the database is seed 1), imported twice into a copy of the database.
EXTRACT_ROWS = 10_000
EXTRACT_STEP = (
    "ic demo-extract (10k rows)",
    (
        "demo-extract",
        *("--rows", str(EXTRACT_ROWS), "--seed", "2", "--today", TODAY),
        *("--out", "{dir}/x10k.xlsx"),
    ),
)
IMPORT_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("import 10k extract: new people", ("import-extract", "{dir}/x10k.xlsx", "--today", TODAY)),
    (
        "import 10k extract: same file again (updates)",
        ("import-extract", "{dir}/x10k.xlsx", "--today", TODAY),
    ),
)
# Step title -> (seconds, MiB) it must stay under on the 100k database.
TARGET_SIZE = 100_000
TARGETS: dict[str, tuple[float, float | None]] = {
    "ic demo": (60, None),
    "import 10k extract: new people": (5, 400),
    "import 10k extract: same file again (updates)": (5, 400),
    # The registry grid (issue #3), measured in the real window offscreen (grid_bench.py).
    "grid: first paint after open": (0.3, 400),
    "grid: search keystroke, worst of 9": (0.1, 400),
    "semi-annual report": (0.5, None),  # issue #5: Appendix 4 over 100k entries
}
REPORT_BENCH = Path(__file__).with_name("report_bench.py")
POST_BENCH = Path(__file__).with_name("post_bench.py")
GRID_BENCH = Path(__file__).with_name("grid_bench.py")
# Route PDFs (issue #4): its own 2,000-citizen demo database; target >= 200 routes/s.
ROUTE_BENCH = Path(__file__).with_name("route_bench.py")
ROUTES_PER_SECOND = 200

# Runs one command in a child and reports its wall time and peak RSS (ru_maxrss, KiB on Linux).
_CHILD = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": done.returncode, "seconds": elapsed, "peak_kib": peak,
                  "stderr": done.stderr[-500:]}))
"""


@dataclass(frozen=True)
class Result:
    size: int
    step: str
    seconds: float
    peak_mib: float
    ok: bool


def _ic() -> str:
    return str(Path(sys.executable).parent / "ic")


def run_step(db: Path, work: Path, size: int, title: str, args: tuple[str, ...]) -> Result:
    argv = [_ic(), "--db", str(db), *(a.format(n=size, dir=work) for a in args)]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv], capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout)
    if data["rc"] != 0:
        print(f"  {title}: exit {data['rc']}: {data['stderr']}", file=sys.stderr)
    return Result(
        size,
        title.format(n=size),
        data["seconds"],
        data["peak_kib"] / 1024,
        data["rc"] == 0,
    )


def run_grid(db: Path, size: int) -> list[Result]:
    """The grid's timings: one process, one JSON line per measurement."""
    out = subprocess.run(
        [sys.executable, str(GRID_BENCH), str(db)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        print(f"  grid: exit {out.returncode}: {out.stderr[-500:]}", file=sys.stderr)
        return [Result(size, "grid", 0.0, 0.0, False)]
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return [Result(size, r["step"], r["ms"] / 1000, r["peak_mib"], True) for r in rows]


def _copy(source: Path, target: Path) -> None:
    """Copy a database and wait until it is on disk: else the import's first fsync (at its
    commit) would also write back the whole copy, hundreds of megabytes, and be timed."""
    shutil.copyfile(source, target)
    descriptor = os.open(target, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def run_report(db: Path, size: int) -> list[Result]:
    """The semi-annual report's own time (report_bench.py), without process start-up."""
    out = subprocess.run(
        [sys.executable, str(REPORT_BENCH), str(db)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        print(f"  report: exit {out.returncode}: {out.stderr[-500:]}", file=sys.stderr)
        return [Result(size, "semi-annual report", 0.0, 0.0, False)]
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return [Result(size, r["step"], r["seconds"], 0.0, True) for r in rows[:1]]


def run_post(db: Path, size: int) -> list[Result]:
    """A post batch of 1,000 letters (letters, routes, plans, envelopes in one PDF)."""
    argv = [sys.executable, str(POST_BENCH), str(db), "1000"]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv], capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout)
    if data["rc"] != 0:
        print(f"  post: exit {data['rc']}: {data['stderr']}", file=sys.stderr)
        return [Result(size, "post batch", 0.0, 0.0, False)]
    return [Result(size, "post batch (letters+routes+plans+envelopes)", data["seconds"],
                   data["peak_kib"] / 1024, True)]  # fmt: skip


def run_routes(work: Path) -> list[Result]:
    """Route PDF timings, one row per JSON line of route_bench.py."""
    out = subprocess.run(
        [sys.executable, str(ROUTE_BENCH), str(work / "routes")],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        print(f"  routes: exit {out.returncode}: {out.stderr[-500:]}", file=sys.stderr)
        return [Result(0, "route PDF", 0.0, 0.0, False)]
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    results = []
    for r in rows:
        step = f"{r['step']} ({r['routes_per_s']:.0f} маршрутов/с)"
        fast = r["routes"] < 1000 or r["routes_per_s"] >= ROUTES_PER_SECOND
        results.append(Result(0, step, r["seconds"], 0.0, fast))
    return results


def _fresh(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _report(result: Result) -> None:
    print(
        f"  {result.size:>7} {result.step:<46} {result.seconds:8.2f} s {result.peak_mib:8.0f} MiB",
        file=sys.stderr,
    )


def _target(r: Result) -> str:
    target = TARGETS.get(r.step) if r.size == TARGET_SIZE else None
    if target is None:
        return ""
    seconds, mib = target
    met = r.ok and r.seconds < seconds and (mib is None or r.peak_mib < mib)
    wanted = f"< {seconds:g} с" + ("" if mib is None else f", < {mib:g} МБ")
    return f"{wanted}: {'в норме' if met else 'НЕ В НОРМЕ'}"


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in _CHILDREN:
        return _CHILDREN[sys.argv[1]](sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", default=None, help="postgresql://… (else IC_TEST_POSTGRES_URL)")
    parser.add_argument("--size", type=int, default=SERVER_SIZE, help="citizens (postgresql)")
    parser.add_argument("--from-sqlite", type=Path, default=None, help="a plain demo database")
    parser.add_argument("--server-only", action="store_true", help="time only the server")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", type=Path, default=None, help="keep databases in this folder")
    parser.add_argument(
        "--import-only", action="store_true", help="build the database, time only the imports"
    )
    parser.add_argument("--repeat", type=int, default=1, help="time each import N times")
    args = parser.parse_args()
    if args.backend == "postgresql":
        return main_server(args)
    sizes = [int(s) for s in args.sizes.split(",")]
    steps = STEPS[:1] if args.import_only else STEPS
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ic-bench-") as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            db = base / f"bench-{size}.sqlite"
            _fresh(db)
            for title, step in (*steps, EXTRACT_STEP):
                result = run_step(db, base, size, title, step)
                results.append(result)
                _report(result)
            if not args.import_only:
                for result in (*run_grid(db, size), *run_report(db, size), *run_post(db, size)):
                    results.append(result)
                    _report(result)
            # Each round imports into a fresh copy of the database as built above.
            built = base / f"bench-{size}-built.sqlite"
            _copy(db, built)
            for _ in range(args.repeat):
                _fresh(db)
                _copy(built, db)
                for title, step in IMPORT_STEPS:
                    result = run_step(db, base, size, title, step)
                    results.append(result)
                    _report(result)
            built.unlink()
        if not args.import_only:
            for result in run_routes(base):
                results.append(result)
                _report(result)
    print()
    print(f"| {'citizens':>8} | {'step':<46} | {'seconds':>8} | {'peak MiB':>8} | ok | target |")
    print(f"|{'-' * 10}|{'-' * 48}|{'-' * 10}|{'-' * 10}|----|--------|")
    for r in results:
        mark = "да" if r.ok else "НЕТ"
        print(
            f"| {r.size:>8} | {r.step:<46} | {r.seconds:8.2f} | {r.peak_mib:8.0f} | {mark} "
            f"| {_target(r)} |"
        )
    verdicts = [(r, _target(r)) for r in results if _target(r)]
    if verdicts:
        print()
    for r, verdict in verdicts:
        print(f"{r.step} на {r.size} гражданах: {r.seconds:.2f} с, {r.peak_mib:.0f} МБ ({verdict})")
    met = all("НЕ В НОРМЕ" not in verdict for _, verdict in verdicts)
    return 0 if met and all(r.ok for r in results) else 1


# --- PostgreSQL (issue #15) -------------------------------------------------------------

SERVER_SIZE = 300_000
PROVIDERS = 30  # the centre's consolidated report: 30 providers' rows
BENCH_DATABASE = "ic_bench"
HALF = "2026H1"
# Item -> seconds it must stay under on the centre's 300,000 people, on either database.
SERVER_TARGETS: dict[str, float] = {
    "grid: first paint after open": 0.3,
    "grid: search keystroke, worst of 9": 0.1,
    "semi-annual report": 1.0,
    f"consolidated semi-annual report, {PROVIDERS} providers": 1.0,
    "import 10k extract: new people": 10.0,
    "import 10k extract: same file again (updates)": 10.0,
}
BENCH_USER = ("bench", "bench-пароль-1")  # the demo's first user (`ic` asks for a sign-in)


def _open(target: str) -> object:
    from db.session import open_database

    return open_database(target if target.startswith("postgresql") else Path(target))


def _child_grid(argv: list[str]) -> int:
    """grid_bench.py's window on any database (its own main takes a file path)."""
    sys.path.insert(0, str(GRID_BENCH.parent))
    import grid_bench

    target = argv[0]
    grid_bench.open_database = lambda _path: _open(target)  # type: ignore[assignment]
    sys.argv = [str(GRID_BENCH), target]
    return int(grid_bench.main())


def _child_report(argv: list[str]) -> int:
    import time

    from app.services.report import semiannual_report

    db = _open(argv[0])
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        semiannual_report(db, HALF)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - started)
    db.close()  # type: ignore[attr-defined]
    print(json.dumps({"step": "semi-annual report", "seconds": best, "peak_mib": _peak()}))
    return 0


def _child_import(argv: list[str]) -> int:
    import time
    from datetime import date

    from app.services.extract_import import import_extract

    db = _open(argv[0])
    started = time.perf_counter()
    result = import_extract(db, Path(argv[1]), today=date.fromisoformat(TODAY))  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    db.close()  # type: ignore[attr-defined]
    print(json.dumps({"seconds": seconds, "peak_mib": _peak(), "result": repr(result)[:300]}))
    return 0


def _child_consolidated(argv: list[str]) -> int:
    """The centre's consolidated Appendix 4 over 30 providers' reports whose people are the
    database's own (its report's people for HALF, split 30 ways by a hash): what the centre
    holds once the 30 packages are in. The centre's rows are deleted afterwards."""
    import time
    import zlib
    from datetime import date

    from app import clock
    from app.domain.enums import InstallationMode
    from app.domain.periods import HalfYear
    from app.services.centre import consolidated_report
    from app.services.report import report_with_people
    from db import models

    db = _open(argv[0])
    half = HalfYear.parse(HALF)
    with db.session_factory() as session:  # type: ignore[attr-defined]
        _whole, people = report_with_people(db, session, half)  # type: ignore[arg-type]
    split: list[list[list[str]]] = [[[] for _ in people] for _ in range(PROVIDERS)]
    for column, persons in enumerate(people):
        for person in persons:
            split[zlib.crc32(person.encode()) % PROVIDERS][column].append(person)
    now = clock.now_utc()
    with db.session_factory.begin() as session:  # type: ignore[attr-defined]
        session.add(models.Installation(
            mode=InstallationMode.REGIONAL_CENTRE, code="RC", name="Региональный центр",
            sign_public="-", box_public="-", secret_keys="{}"))  # fmt: skip
        for n, columns in enumerate(split, start=1):
            code = f"P{n:02d}"
            session.add(models.ExchangePeer(
                mode=InstallationMode.PROVIDER, code=code, name=f"Поставщик {n}", position=n,
                sign_public="-", box_public="-", fingerprint="-", pinned_at=now))  # fmt: skip
            session.add(models.ProviderReport(
                provider_code=code, half=HALF, provider_name=f"Поставщик {n}",
                cells=json.dumps([len(c) for c in columns]), people=json.dumps(columns),
                first_received_on=date(2026, 7, 20), package_sequence=1))  # fmt: skip
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        report = consolidated_report(db, HALF)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - started)
    with db.session_factory.begin() as session:  # type: ignore[attr-defined]
        for model in (models.ProviderReport, models.ExchangePeer, models.Installation):
            session.query(model).delete()  # the database as it was
    db.close()  # type: ignore[attr-defined]
    people_total = sum(len(p) for p in people)
    print(json.dumps({"seconds": best, "peak_mib": _peak(), "rows": len(report.rows),
                      "people": people_total}))  # fmt: skip
    return 0


def _peak() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_CHILDREN = {"--grid-child": _child_grid, "--report-child": _child_report,
             "--import-child": _child_import,
             "--consolidated-child": _child_consolidated}  # fmt: skip


def _child(*argv: str) -> list[dict[str, object]]:
    out = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        print(f"  {argv[0]}: exit {out.returncode}: {out.stderr[-1500:]}", file=sys.stderr)
        return []
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def _measure(backend: str, target: str, extract: Path, size: int) -> list[Result]:
    """The items of SERVER_TARGETS (and the grid's other rows) on one database."""
    results: list[Result] = []
    for row in _child("--grid-child", target):
        step = f"{backend}: {row['step']}"
        results.append(Result(size, step, float(row["ms"]) / 1000, float(row["peak_mib"]), True))  # type: ignore[arg-type]
    for row in _child("--report-child", target):
        results.append(Result(size, f"{backend}: semi-annual report", float(row["seconds"]),  # type: ignore[arg-type]
                              float(row["peak_mib"]), True))  # type: ignore[arg-type]  # fmt: skip
    for title, _args in IMPORT_STEPS:
        for row in _child("--import-child", target, str(extract)):
            print(f"  {title}: {row['result']}", file=sys.stderr)
            results.append(Result(size, f"{backend}: {title}", float(row["seconds"]),  # type: ignore[arg-type]
                                  float(row["peak_mib"]), True))  # type: ignore[arg-type]  # fmt: skip
    for row in _child("--consolidated-child", target):
        print(f"  consolidated: {row['rows']} rows, {row['people']} people", file=sys.stderr)
        results.append(Result(size, f"{backend}: consolidated semi-annual report, {PROVIDERS} "
                              "providers", float(row["seconds"]), float(row["peak_mib"]), True))  # type: ignore[arg-type]  # fmt: skip
    for r in results:
        _report(r)
    return results


def fresh_server_database(url: str, name: str = BENCH_DATABASE) -> str:
    """An empty database ``name`` on the server of ``url`` (dropped first); its URL."""
    from sqlalchemy import create_engine, make_url

    admin = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def copy_to_server(source: Path, url: str) -> dict[str, int]:
    """Every row of the plain SQLite ``source`` into the server database ``url`` (migrated
    to the head by opening it), one COPY per table in foreign-key order, then the id
    sequences moved past the copied ids. A bench's shortcut, not ``ic db copy``: no
    checks beyond the row counts."""
    import sqlite3

    import psycopg
    from sqlalchemy import make_url

    from db import models
    from db.session import open_database

    open_database(url).close()  # the schema at the head
    plain = make_url(url).set(drivername="postgresql")
    counts: dict[str, int] = {}
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    with psycopg.connect(plain.render_as_string(hide_password=False)) as pg:
        for table in models.Base.metadata.sorted_tables:
            # A source at an older revision lacks newer columns: the server's defaults fill
            # them (SQLite would read a double-quoted missing column as a string literal).
            present = {str(r[1]) for r in lite.execute(f'PRAGMA table_info("{table.name}")')}
            kept = [c for c in table.columns if c.name in present]
            columns = ", ".join(f'"{c.name}"' for c in kept)
            booleans = {i for i, c in enumerate(kept) if _python_type(c) is bool}
            pg.execute(f'DELETE FROM "{table.name}"')  # rows the migrations seeded
            cursor = lite.execute(f'SELECT {columns} FROM "{table.name}"')
            n = 0
            with pg.cursor().copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for row in cursor:
                    if booleans:
                        row = tuple(
                            bool(v) if i in booleans and v is not None else v
                            for i, v in enumerate(row)
                        )
                    copy.write_row(row)
                    n += 1
            counts[table.name] = n
            for column in table.primary_key.columns:
                if column.autoincrement is True or (
                    column.autoincrement == "auto" and _python_type(column) is int
                ):
                    pg.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, %s), "
                        f'COALESCE((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, '
                        "false) WHERE pg_get_serial_sequence(%s, %s) IS NOT NULL",
                        (table.name, column.name, table.name, column.name),
                    )
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as pg:
        # What autovacuum does soon after a bulk load: statistics and the visibility map
        # (index-only scans), so the timings are of a settled database.
        pg.execute("VACUUM ANALYZE")
    lite.close()
    return counts


def _python_type(column: object) -> object:
    try:
        return column.type.python_type  # type: ignore[attr-defined]
    except NotImplementedError:
        return None


def main_server(args: argparse.Namespace) -> int:
    import time

    url = args.url or os.environ.get("IC_TEST_POSTGRES_URL")
    if not url:
        print("нужен адрес сервера: --url postgresql://… или IC_TEST_POSTGRES_URL", file=sys.stderr)
        return 2
    os.environ.setdefault("IC_USER", BENCH_USER[0])
    os.environ.setdefault("IC_PASSWORD", BENCH_USER[1])
    base = args.keep or Path(tempfile.mkdtemp(prefix="ic-bench-pg-"))
    base.mkdir(parents=True, exist_ok=True)
    size = args.size
    source = args.from_sqlite or base / f"bench-{size}.sqlite"
    results: list[Result] = []
    if args.from_sqlite is None:
        _fresh(source)
        demo = ("demo", "--plain", "--citizens", "{n}", "--seed", "1", "--today", TODAY)
        results.append(run_step(source, base, size, "ic demo (SQLite)", demo))
        _report(results[-1])
    extract = base / "x10k.xlsx"
    if not extract.exists():
        results.append(run_step(source, base, size, "ic demo-extract (10k rows)", EXTRACT_STEP[1]))
        _report(results[-1])

    # SQLite: the imports change the database, so they run on a copy.
    if not args.server_only:
        work = base / "work.sqlite"
        _fresh(work)
        _copy(source, work)
        results += _measure("SQLite", str(work), extract, size)
        _fresh(work)

    started = time.perf_counter()
    server = fresh_server_database(url)
    counts = copy_to_server(source, server)
    copied = time.perf_counter() - started
    print(f"  copied {sum(counts.values())} rows to the server in {copied:.0f} s", file=sys.stderr)
    results.append(Result(size, "copy SQLite -> PostgreSQL (bench COPY)", copied, 0.0, True))
    results += _measure("PostgreSQL", server, extract, size)

    print()
    print(f"| {'step':<60} | {'seconds':>8} | {'peak MiB':>8} | target |")
    print(f"|{'-' * 62}|{'-' * 10}|{'-' * 10}|--------|")
    missed = False
    for r in results:
        item = r.step.split(": ", 1)[-1]
        limit = SERVER_TARGETS.get(item)
        verdict = ""
        if limit is not None:
            met = r.ok and r.seconds < limit
            missed |= not met
            verdict = f"< {limit:g} с: {'в норме' if met else 'НЕ В НОРМЕ'}"
        print(f"| {r.step:<60} | {r.seconds:8.3f} | {r.peak_mib:8.0f} | {verdict} |")
    return 1 if missed or not all(r.ok for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
