"""A post batch of 1,000 letters (31-р 3.4): python tests/benchmarks/post_bench.py DB [N].

Works on a copy of DB (the batch records PREPARED dispatches). Takes the first N people of
the list to send whose method is post and whose address has a postcode, and writes one PDF
of covering letters, routes, plans and envelopes. Prints one JSON line:
{"step": "post batch of N letters", "seconds": ..., "letters": ..., "pdf_mib": ...}.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.domain.enums import DeliveryMethod  # noqa: E402
from app.services import dispatch  # noqa: E402
from db.session import open_database  # noqa: E402

TODAY = date(2026, 11, 23)


def main() -> int:
    source = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with tempfile.TemporaryDirectory(prefix="ic-post-bench-") as work:
        copy = Path(work) / "db.sqlite"
        shutil.copyfile(source, copy)
        db = open_database(copy)
        try:
            items = dispatch.to_send(db, TODAY)
            chosen = [
                i.entry_id
                for i in items
                if i.method is DeliveryMethod.POST and i.postcode and i.address
            ][:count]
            out = Path(work) / "post.pdf"
            started = time.perf_counter()
            batch = dispatch.prepare_post(db, chosen, out, TODAY)
            seconds = time.perf_counter() - started
            size = out.stat().st_size / 2**20
        finally:
            db.close()
    print(
        json.dumps(
            {
                "step": f"post batch of {len(batch.items)} letters",
                "seconds": round(seconds, 2),
                "letters": len(batch.items),
                "pdf_mib": round(size, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
