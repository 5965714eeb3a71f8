"""Exchange benchmark (issue #11), run by hand, never by the test command:

    .venv/bin/python tests/benchmarks/exchange_bench.py [--providers 30] [--people 10000]
        [--keep DIR]

Builds a regional centre and N provider databases (`ic demo`, a different seed each), pins
the keys both ways, and for every provider exports its first package (every record: the
people and their histories) and imports it at the centre. Timed, each in its own process
with its peak memory: the export of a package of 10,000 people, the import of the last
provider's package into a centre that already holds the others (300,000 people from 30
providers at the defaults), and the consolidated Appendix 4 of all providers.
Targets: export < 3 s, import < 10 s, consolidated report < 1 s, memory < 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

NOW = "2026-11-23T10:00:00+05:00"
USER, PASSWORD = "bench", "пароль-для-замеров"
HALF = "2026H1"
TARGETS = {"export": (3.0, 400.0), "import": (10.0, 400.0), "report": (1.0, 400.0)}

_CHILD = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": done.returncode, "seconds": elapsed, "peak_kib": peak,
                  "out": done.stdout[-300:], "stderr": done.stderr[-500:]}))
"""

# The consolidated report timed inside one process, without the interpreter's start-up.
_REPORT = """
import json, resource, sys, time
from pathlib import Path
from app.services import access, centre
db = access.sign_in(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
started = time.perf_counter()
report = centre.consolidated_report(db, sys.argv[4])
built = time.perf_counter() - started
centre.export_consolidated(db, sys.argv[4], "xlsx", Path(sys.argv[5]))
total = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": len(report.rows), "built": built, "total": total, "peak_kib": peak}))
"""


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "IC_NOW": NOW,
        "IC_USER": USER,
        "IC_PASSWORD": PASSWORD,
    }


def _ic(db: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"ic {' '.join(args)}: {done.stderr}")
    return done.stdout


def _timed(db: Path, *args: str) -> dict[str, object]:
    argv = [sys.executable, "-m", "app", "--db", str(db), *args]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    data: dict[str, object] = json.loads(out.stdout)
    if data["rc"] != 0:
        raise SystemExit(f"ic {' '.join(args)}: {data['stderr']}")
    return data


def _fingerprint(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("Отпечаток ключей:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no fingerprint in: " + output)


def _row(step: str, seconds: float, peak_mib: float, target: str | None) -> str:
    verdict = ""
    if target is not None:
        limit_s, limit_mib = TARGETS[target]
        met = seconds < limit_s and peak_mib < limit_mib
        verdict = f"< {limit_s:g} с, < {limit_mib:g} МБ: {'в норме' if met else 'НЕ В НОРМЕ'}"
    print(f"  {step:<62} {seconds:7.2f} s {peak_mib:7.0f} MiB  {verdict}", file=sys.stderr)
    return f"| {step} | {seconds:.2f} | {peak_mib:.0f} | {verdict} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=30)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ic-exchange-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        hub = work / "RC.sqlite"
        _ic(hub, "init", "--role", "centre", "--code", "RC", "--organisation", "Региональный центр")
        _ic(hub, "keys", "export", "--out", str(work / "rc.ickey"))
        hub_print = _fingerprint(_ic(hub, "keys", "show"))
        for n in range(1, args.providers + 1):
            code = f"P{n:02d}"
            db = work / f"{code}.sqlite"
            started = time.perf_counter()
            _ic(
                db,
                "init",
                "--role",
                "provider",
                "--code",
                code,
                "--organisation",
                f"Поставщик № {n}",
            )
            _ic(db, "demo", "--citizens", str(args.people), "--seed", str(n))
            _ic(db, "keys", "export", "--out", str(work / f"{code}.ickey"))
            _ic(db, "centre", "pin", str(work / "rc.ickey"), "--fingerprint", hub_print)
            provider_print = _fingerprint(_ic(db, "keys", "show"))
            _ic(
                hub,
                "providers",
                "add",
                str(work / f"{code}.ickey"),
                "--fingerprint",
                provider_print,
            )
            package = work / f"{code}-1.icsync"
            last = n == args.providers
            if n == 1 or last:
                data = _timed(db, "sync", "export", "--out", str(package))
                rows.append(
                    _row(
                        f"export: first package of {args.people:,} people ({code})",
                        float(data["seconds"]),  # type: ignore[arg-type]
                        int(data["peak_kib"]) / 1024,  # type: ignore[call-overload]
                        "export",
                    )
                )
            else:
                _ic(db, "sync", "export", "--out", str(package))
            if last:
                held = (n - 1) * args.people
                data = _timed(hub, "sync", "import", str(package))
                rows.append(
                    _row(
                        f"import: {args.people:,} people into a centre of {held:,} from {n - 1}",
                        float(data["seconds"]),  # type: ignore[arg-type]
                        int(data["peak_kib"]) / 1024,  # type: ignore[call-overload]
                        "import",
                    )
                )
            else:
                _ic(hub, "sync", "import", str(package))
            print(f"  {code}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                _REPORT,
                str(hub),
                USER,
                PASSWORD,
                HALF,
                str(work / "svod.xlsx"),
            ],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
        )
        data = json.loads(out.stdout)
        rows.append(
            _row(
                f"consolidated report of {data['rows']} providers (computed)",
                data["built"],
                data["peak_kib"] / 1024,
                "report",
            )
        )
        rows.append(
            _row(
                f"consolidated report of {data['rows']} providers, written as XLSX",
                data["total"],
                data["peak_kib"] / 1024,
                None,
            )
        )
    print()
    print("| step | seconds | peak MiB | target |")
    print("|---|---|---|---|")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
