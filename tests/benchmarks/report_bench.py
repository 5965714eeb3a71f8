"""Times the semi-annual report (31-р Appendix 4) on an existing database, run by hand.

    .venv/bin/python tests/benchmarks/report_bench.py DB [--half 2026H1] [--repeat 3]

Prints one JSON line {"step": "semi-annual report", "seconds": ...} (the best of the
repeats) with the half-year, the database's registry size and the 14 columns. Target for
the 100k demo database (`ic --db DB demo --citizens 100000`): under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select  # noqa: E402

from app.services.report import route_coverage, semiannual_report  # noqa: E402
from db import models  # noqa: E402
from db.session import open_database  # noqa: E402

TARGET_SECONDS = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--half", default="2026H1")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.db.is_file():
        parser.error(f"no database at {args.db}")
    db = open_database(args.db)
    try:
        with db.session_factory() as session:
            entries = session.scalar(select(func.count(models.RegistryEntry.id))) or 0
        best = float("inf")
        report = None
        for _ in range(max(1, args.repeat)):
            start = time.perf_counter()
            report = semiannual_report(db, args.half)
            best = min(best, time.perf_counter() - start)
        coverage = route_coverage(db, args.half)
    finally:
        db.close()
    assert report is not None
    print(
        json.dumps(
            {
                "step": "semi-annual report",
                "seconds": round(best, 3),
                "ok": best < TARGET_SECONDS,
                "half": args.half,
                "registry_entries": entries,
                "columns": [c for c in report.cells if isinstance(c, int)][1:],
                "coverage_percent": coverage.percent,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
