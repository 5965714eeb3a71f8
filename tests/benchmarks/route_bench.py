"""Route PDF timings (31-р Appendix 2): python tests/benchmarks/route_bench.py [WORKDIR].

Builds a demo database (``python -m app --db X demo --citizens 2000 --seed 1 --today
2026-11-23``, which issues about a thousand routes), then times one route's PDF through the
service and 1,000 routes into one file: reading them (one query for the routes, one for
their lines) and rendering. Target: at least 200 routes per second for the batch. Prints
one JSON object per line: {"step": ..., "routes": ..., "seconds": ..., "routes_per_s": ...}.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from app.documents.route_pdf import write_routes_pdf
from app.domain.enums import DocumentStatus
from app.services.routes import export_route_pdf, route_documents
from db import models
from db.session import open_database

BATCH = 1000


def _emit(step: str, routes: int, seconds: float, **extra: object) -> None:
    print(
        json.dumps(
            {
                "step": step,
                "routes": routes,
                "seconds": round(seconds, 4),
                "routes_per_s": round(routes / seconds, 1),
                **extra,
            },
            ensure_ascii=False,
        )
    )
    sys.stdout.flush()


def main() -> int:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="ic-route-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "routes.sqlite"
    db_path.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db_path), "demo", "--plain", "--citizens",
         "2000", "--seed", "1", "--today", "2026-11-23"],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    db = open_database(db_path)
    try:
        with db.session_factory() as session:
            route = models.Route
            rows = session.execute(
                select(route.id, models.Citizen.snils)
                .join(models.Citizen, models.Citizen.id == route.citizen_id)
                .where(route.status == DocumentStatus.ISSUED, models.Citizen.snils.is_not(None))
                .order_by(route.id)
            ).all()
        ids = [r.id for r in rows][:BATCH]
        if len(ids) < BATCH:
            print(f"only {len(ids)} issued routes in the demo database", file=sys.stderr)

        one = work / "one.pdf"
        export_route_pdf(db, one, citizen_snils=rows[0].snils)  # warm-up: fonts, imports
        times = []
        for r in rows[1:21]:
            started = time.perf_counter()
            export_route_pdf(db, one, citizen_snils=r.snils)
            times.append(time.perf_counter() - started)
        _emit("one route: query, render, write (median of 20)", 1, statistics.median(times))

        started = time.perf_counter()
        documents = route_documents(db, ids)
        read = time.perf_counter() - started
        _emit("batch: read the documents", len(ids), read)
        batch = work / "batch.pdf"
        started = time.perf_counter()
        pages = write_routes_pdf(documents, batch)
        render = time.perf_counter() - started
        _emit("batch: render into one file", len(ids), render, pages=pages)
        _emit(
            "batch: total (target >= 200 routes/s)",
            len(ids),
            read + render,
            mib=round(batch.stat().st_size / 2**20, 2),
        )
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
