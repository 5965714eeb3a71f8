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
    ("ic demo", ("demo", "--citizens", "{n}", "--seed", "1", "--today", TODAY)),
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", type=Path, default=None, help="keep databases in this folder")
    parser.add_argument(
        "--import-only", action="store_true", help="build the database, time only the imports"
    )
    parser.add_argument("--repeat", type=int, default=1, help="time each import N times")
    args = parser.parse_args()
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


if __name__ == "__main__":
    raise SystemExit(main())
