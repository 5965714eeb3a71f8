"""Scale benchmark, run by hand (`make bench`), never by the test command.

For each size (default 1k, 10k, 100k citizens) it builds a fresh database and times what
exists so far, each step in its own process so that peak memory is the step's own:

    .venv/bin/python tests/benchmarks/bench.py [--sizes 1000,10000,100000] [--keep DIR]

Targets (issue #2): `ic demo --citizens 100000` under 60 s on the 2-core machine.
Later issues add their rows to STEPS.
"""

from __future__ import annotations

import argparse
import json
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
    ("ic demo-extract ({n} rows)", ("demo-extract", "--rows", "{n}", "--out", "{dir}/x.xlsx")),
    ("ic import-extract ({n} rows)", ("import-extract", "{dir}/x.xlsx", "--today", TODAY)),
)

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", type=Path, default=None, help="keep databases in this folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ic-bench-") as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            db = base / f"bench-{size}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            for title, step in STEPS:
                result = run_step(db, base, size, title, step)
                results.append(result)
                print(
                    f"  {size:>7} {result.step:<34} {result.seconds:8.2f} s "
                    f"{result.peak_mib:8.0f} MiB",
                    file=sys.stderr,
                )
    print()
    print(f"| {'citizens':>8} | {'step':<34} | {'seconds':>8} | {'peak MiB':>8} | ok |")
    print(f"|{'-' * 10}|{'-' * 36}|{'-' * 10}|{'-' * 10}|----|")
    for r in results:
        mark = "да" if r.ok else "НЕТ"
        print(f"| {r.size:>8} | {r.step:<34} | {r.seconds:8.2f} | {r.peak_mib:8.0f} | {mark} |")
    demo_100k = [r for r in results if r.size == 100_000 and r.step == "ic demo"]
    if demo_100k:
        verdict = "в норме" if demo_100k[0].seconds < 60 else "МЕДЛЕННЕЕ ЦЕЛИ"
        print(
            f"\nic demo на 100 000 граждан: {demo_100k[0].seconds:.1f} с (цель < 60 с): {verdict}"
        )
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
