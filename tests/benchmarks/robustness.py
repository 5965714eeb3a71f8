"""Robustness evidence (issue #10), run by hand (`make robustness`), never by the test command.

Rebuilds, with real `ic` processes, the evidence that bad input and sudden death never hurt
the data, and prints one table row per scenario:

    .venv/bin/python tests/benchmarks/robustness.py [--kills N] [--files N] [--seed S]
        [--keep DIR] [--only kills,files,concurrent]

1. ``kill -9`` at a random moment (uniform over the command's own duration, measured first)
   of `ic import-extract` (a 3,000-row demo extract), `ic demo --citizens 2000`,
   `ic registry form` (a month of demo data plus the extract, already formed once) and
   `ic dispatch post --out … --list …` (everyone whose agreed method is post; the command has
   no --month). Each trial works on a fresh copy of a prepared database (with its `.keys`),
   encrypted (`ic init`, signed in through IC_USER/IC_PASSWORD) in half the trials and
   `ic init --plain` in the other half. After the kill `ic check` must exit 0 and the
   database must hold either the state before the command or exactly the state a complete
   run leaves (table row counts and the audit events of the command; sign-ins and backups,
   which a kill may legitimately leave behind, are not compared). Besides: an import batch
   holds as many registry entries as it says it added and as many rows as the file; a formed
   month's numbers are all the old ones (with the old forming date) or all the new ones; a
   post batch is recorded only with both its files whole (the PDF with every page, the list
   with every row), and whatever file exists is whole; the `.NAME.*.tmp` a kill leaves
   beside an output is gone after the next run of the same command; nothing is left in the
   children's $TMPDIR (`ic-post-*` or anything else) nor in `<database>.tmp/` once the
   database was opened again; nor a killed backup's partial copy or empty reserved name in
   `backups/` (the application removes those only at a backup 15 minutes later or more).
2. Hostile files through `ic import-extract`: crafted ones (row 100,000,000 and cell
   ZZZZZZ2 in a 2 KB workbook, parts unpacking to hundreds of megabytes or lying about it,
   a 1,000,000-row sheet, 200 MB in one cell, a 50 MB shared string, corrupt deflate data,
   not a zip, CSV in UTF-16/UTF-32/CR-only, fields over 131,072 characters, …), each into an
   encrypted and a plain database, then random mutations of a good demo extract (bytes
   flipped, cut, inserted; its XML parts edited and zipped again; its CSV text mangled) and
   random CSV text. Each must exit 0 (read: one new import batch matching what was printed)
   or 2 (refused: exactly one line on stderr, every table as before), without a traceback,
   under 400 MB, and `ic check` must pass after it.
3. Concurrent writers: 12 rounds of two `ic` processes started together on one database
   (import + demo, import + import of different files, registry form + import): both must
   exit 0, `ic check` must pass and both results must be in the database.

Columns: trials; crashes (an exit other than 0, the expected user-error exit 2, or our own
kill; `ic check`'s exit 1 is a half-write, not a crash); tracebacks ("Traceback" on any
child's stderr); half-writes (the database fails `ic check`, or holds a partial result);
failures (any other broken expectation: exit 2 where 0 is due, more than one line on stderr
for a refused file, a result missing after concurrent writers); leftovers (temporary files
a killed run left behind that the next run did not remove); peak MB (the largest ru_maxrss
of the `ic` processes, from os.wait4 in a small launcher process, so that this script's own
size does not count). The exit status is 1 when any row has a non-zero count in those
columns or a peak of 400 MB or more; details of every failure follow the table, then
observations that are not counted (an audit detail that differs between complete runs).

Generated files live in a temporary folder removed at the end (--keep DIR: in DIR, kept,
with trials.jsonl: every child's arguments, exit, time, peak and stderr; the databases of
passed kill trials are removed anyway to save disk space). The defaults start about 1,300
`ic` processes of about a second each: about 24 minutes on the 2-core development machine,
where two processes at once run only about 1.2 times as fast as one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import random
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TODAY = "2026-11-23"
LOGIN, PASSWORD = "robot", "robustness-1"
USER_ERROR = 2
CHECK_PROBLEMS = 1
MEMORY_LIMIT_MB = 400
CHILD_TIMEOUT = 300.0  # seconds; a child still running then is killed and counted a crash
KINDS = ("encrypted", "plain")
EXTRACT_ROWS = 3000
DEMO_CITIZENS = 2000
SMALL_CITIZENS = 100  # the database hostile files are imported into
MUTATED_ROWS = 200  # the good extract the random mutations start from
CONCURRENT_ROUNDS = 12
REFERENCE_RUNS = 1  # complete runs timed per command and kind (2: results compared)
# Audit events a kill may leave without the command's result: the sign-in of an encrypted
# database (a transaction of its own) and the backup made before an import or a re-forming.
IGNORED_ACTIONS = ("user.sign_in", "backup.create")
# The field-by-field audit of ORM updates is compared on its own (State.record_updates): a
# complete run does not always write the same number of these (see the observations).
RECORD_UPDATE = "record.update"
SKIPPED_TABLES = ("audit_event", "alembic_version", "sqlite_sequence")
MB = 2**20

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
HEADINGS = ("ФИО", "Дата рождения", "Группа инвалидности", "СНИЛС")
PERSON = ("Иванова Анна Петровна", "05.06.1980", "II", "112-233-445 95")


# --- children -----------------------------------------------------------------------------


@dataclass
class Run:
    """One finished `ic` process."""

    argv: list[str]
    code: int | None  # exit status; None when it died of a signal
    signal: int | None
    killed: bool  # died of the SIGKILL this script sent
    timed_out: bool
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr

    def describe(self) -> str:
        words = " ".join(self.argv[1:])
        if self.timed_out:
            state = f"still running after {CHILD_TIMEOUT:.0f} s, killed"
        elif self.signal is not None:
            state = f"died of signal {self.signal}"
        else:
            state = f"exit {self.code}"
        tail = self.stderr.strip()[-1200:]
        return f"ic {words}: {state}" + (f"; stderr: {tail}" if tail else "; stderr empty")


def ic_path() -> str:
    return str(Path(sys.executable).parent / "ic")


# Starts `ic`, kills it on time, and reports its wait status and peak memory. It runs in a
# small process of its own because on Linux a child's ru_maxrss starts from the RSS of the
# process it was forked from: started from this script, grown by the files it makes, every
# child would look as big as this script.
_LAUNCHER = """
import json, os, signal, sys, time
report, kill_after, timeout = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
argv = sys.argv[4:]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
sent = timed_out = False
while True:
    got, status, usage = os.wait4(pid, os.WNOHANG)
    if got:
        break
    elapsed = time.perf_counter() - started
    if 0 <= kill_after <= elapsed:
        os.kill(pid, signal.SIGKILL)  # not reaped yet: the pid is still ours
        sent = True
    elif elapsed >= timeout:
        os.kill(pid, signal.SIGKILL)
        sent = timed_out = True
    if sent:
        got, status, usage = os.wait4(pid, 0)
        break
    left = kill_after - elapsed if kill_after >= 0 else 0.01
    time.sleep(max(0.0005, min(0.01, left)))
seconds = time.perf_counter() - started
with open(report, "w") as handle:
    json.dump({"status": status, "seconds": seconds, "maxrss_kib": usage.ru_maxrss,
               "sent": sent, "timed_out": timed_out}, handle)
"""


def run_ic(
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    kill_after: float | None = None,
    timeout: float = CHILD_TIMEOUT,
) -> Run:
    """Run `ic ARGS`; with ``kill_after``, SIGKILL it that many seconds after its start."""
    argv = [ic_path(), *args]
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        report = Path(scratch) / "report.json"
        kill = -1.0 if kill_after is None else kill_after
        launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report), str(kill),
                    str(timeout), *argv]  # fmt: skip
        done = subprocess.run(
            launcher, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd,
            timeout=timeout + 60, check=False,
        )  # fmt: skip
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        if done.returncode != 0 or not report.exists():
            raise SystemExit(f"the launcher failed (exit {done.returncode}): {stderr[-2000:]}")
        data = json.loads(report.read_text())
    status = int(data["status"])
    died = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return Run(
        argv=argv,
        code=None if died is not None else os.WEXITSTATUS(status),
        signal=died,
        killed=data["sent"] and not data["timed_out"] and died == signal.SIGKILL,
        timed_out=data["timed_out"],
        seconds=data["seconds"],
        peak_mb=data["maxrss_kib"] / 1024,
        stdout=stdout,
        stderr=stderr,
    )


def must(run: Run) -> Run:
    """A preparation step: it has to succeed."""
    if run.code != 0:
        raise SystemExit(f"preparation failed: {run.describe()}")
    return run


# --- the database as this script reads it ---------------------------------------------------


@dataclass(frozen=True)
class Batch:
    sha256: str
    rows_total: int
    added: int
    updated: int
    rejected: int
    entries: int  # registry entries that name the batch


@dataclass(frozen=True)
class State:
    counts: tuple[tuple[str, int], ...]  # every table but the audit log
    audit: tuple[tuple[str, int], ...]  # audit events per action, but IGNORED_ACTIONS
    record_updates: int  # audit events "record.update"
    batches: dict[int, Batch]
    numbers: dict[int, int | None]  # the month's registry numbers, by entry id
    formed_on: str | None  # the month's forming date
    month_entries: int

    @property
    def signature(self) -> tuple[object, ...]:
        return (self.counts, self.audit)

    def count(self, table: str) -> int:
        return dict(self.counts)[table]


def connect(path: Path, key: bytes | None) -> sqlite3.Connection:
    uri = f"{path.as_uri()}?mode=rw"
    if key is None:
        return sqlite3.connect(uri, uri=True)
    import sqlcipher3

    conn = sqlcipher3.connect(uri, uri=True)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn  # type: ignore[no-any-return]


def snapshot(path: Path, key: bytes | None, month: str | None = None) -> State:
    conn = connect(path, key)
    try:
        tables = [
            str(r[0])
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in SKIPPED_TABLES
        ]
        counts = tuple(
            sorted(
                (t, int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])) for t in tables
            )
        )
        marks = ",".join("?" * len(IGNORED_ACTIONS))
        audit = tuple(
            sorted(
                (str(a), int(n))
                for a, n in conn.execute(
                    f"SELECT action, count(*) FROM audit_event WHERE action NOT IN ({marks}) "
                    "GROUP BY action",
                    IGNORED_ACTIONS,
                )
            )
        )
        batches = {
            int(r[0]): Batch(str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
            for r in conn.execute(
                "SELECT b.id, b.sha256, b.rows_total, b.added, b.updated, b.rejected, "
                "(SELECT count(*) FROM registry_entry e WHERE e.import_batch_id = b.id) "
                "FROM import_batch b"
            )
        }
        numbers: dict[int, int | None] = {}
        formed_on = None
        if month is not None:
            numbers = {
                int(r[0]): r[1]
                for r in conn.execute(
                    "SELECT id, number FROM registry_entry WHERE reporting_month = ?", (month,)
                )
            }
            row = conn.execute(
                "SELECT formed_on FROM registry_month WHERE month = ?", (month,)
            ).fetchone()
            formed_on = None if row is None else str(row[0])
    finally:
        conn.close()
    updates = dict(audit).get(RECORD_UPDATE, 0)
    audit = tuple(item for item in audit if item[0] != RECORD_UPDATE)
    return State(counts, audit, updates, batches, numbers, formed_on, len(numbers))


def differences(state: State, other: State) -> str:
    """What differs between two states' counts, briefly."""
    a, b = dict(state.counts + state.audit), dict(other.counts + other.audit)
    return ", ".join(
        f"{k}: {a.get(k, 0)} (expected {b.get(k, 0)})"
        for k in sorted(set(a) | set(b))
        if a.get(k, 0) != b.get(k, 0)
    )


def copy_database(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for tail in ("", "-wal", ".keys"):
        from_ = Path(f"{source}{tail}")
        if from_.exists():
            shutil.copyfile(from_, f"{target}{tail}")


def database_key(path: Path) -> bytes:
    from db.keystore import KeyStore

    return KeyStore.load(path).open_with_password(LOGIN, PASSWORD)


# --- the table --------------------------------------------------------------------------------


@dataclass
class Row:
    title: str
    trials: int = 0
    crashes: int = 0
    tracebacks: int = 0
    half_writes: int = 0
    failures: int = 0
    leftovers: int = 0
    peak_mb: float = 0.0
    peak_what: str = ""
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def bad(self) -> bool:
        return bool(
            self.crashes
            or self.tracebacks
            or self.half_writes
            or self.failures
            or self.leftovers
            or self.peak_mb >= MEMORY_LIMIT_MB
        )

    def outcome_text(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items(), key=lambda i: -i[1]))


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    trials_log: Path | None = None  # one JSON line per trial (kept with --keep)

    def row(self, title: str) -> Row:
        self.rows.append(Row(title))
        return self.rows[-1]


@dataclass
class Trial:
    """What one trial found; added to its row under the report's lock."""

    name: str
    runs: list[Run] = field(default_factory=list)
    crash: list[str] = field(default_factory=list)
    half: list[str] = field(default_factory=list)
    failure: list[str] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    observation: list[str] = field(default_factory=list)  # reported, not counted
    outcome: str = ""

    def add(self, run: Run, *, expected: tuple[int, ...] = (0,), check: bool = False) -> Run:
        """A finished child: a crash unless it exited as ``expected`` or died of our kill."""
        self.runs.append(run)
        if run.killed:
            return run
        # `ic check`: 1 (a problem found) and 2 (cannot open) are half-writes, not crashes.
        if check and run.code in (CHECK_PROBLEMS, USER_ERROR):
            self.half.append(f"ic check failed: {run.describe()}")
            return run
        if run.code is None or run.timed_out or run.code not in (0, USER_ERROR):
            self.crash.append(run.describe())
        elif run.code not in expected:
            self.failure.append(f"unexpected exit: {run.describe()}")
        return run

    def commit(self, report: Report, row: Row) -> None:
        with report.lock:
            row.trials += 1
            row.crashes += bool(self.crash)
            row.tracebacks += any(r.traceback for r in self.runs)
            row.half_writes += bool(self.half)
            row.failures += bool(self.failure)
            row.leftovers += bool(self.leftover)
            for r in self.runs:
                if r.peak_mb > row.peak_mb:
                    row.peak_mb = r.peak_mb
                    row.peak_what = f"{self.name}: {' '.join(r.argv[1:])}"
            if report.trials_log is not None:
                line = {
                    "row": row.title,
                    "trial": self.name,
                    "outcome": self.outcome,
                    "problems": self.crash + self.half + self.failure + self.leftover,
                    "runs": [
                        {
                            "args": r.argv[1:],
                            "exit": r.code,
                            "signal": r.signal,
                            "killed": r.killed,
                            "seconds": round(r.seconds, 3),
                            "peak_mb": round(r.peak_mb, 1),
                            "stderr": r.stderr[-2000:],
                        }
                        for r in self.runs
                    ],
                }
                with report.trials_log.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            if self.outcome:
                row.outcomes[self.outcome] += 1
            for kind, items in (
                ("crash", self.crash),
                ("half-write", self.half),
                ("failure", self.failure),
                ("leftover", self.leftover),
            ):
                for item in items:
                    report.details.append(f"[{row.title} / {self.name}] {kind}: {item}")
            for item in self.observation:
                report.observations.append(f"[{row.title} / {self.name}] {item}")
            for r in self.runs:
                if r.traceback and not any(r.describe() in x for x in self.crash):
                    report.details.append(f"[{row.title} / {self.name}] traceback: {r.describe()}")
                if r.peak_mb >= MEMORY_LIMIT_MB:
                    report.details.append(
                        f"[{row.title} / {self.name}] memory {r.peak_mb:.0f} MB: "
                        f"{' '.join(r.argv[1:])}"
                    )


# --- the setting ------------------------------------------------------------------------------


@dataclass
class Setting:
    work: Path
    env: dict[str, str]
    seed: int
    key: bytes | None = None  # every encrypted database here comes from one `ic init`
    prepared: dict[tuple[str, str], Path] = field(default_factory=dict)  # (name, kind) -> db
    extract: Path | None = None  # 3,000 rows, seed+10
    extract_b: Path | None = None  # 3,000 other rows, seed+11
    good: Path | None = None  # 200 rows for the mutations, seed+12
    month: str = ""  # the reporting month of the extracts' people

    def key_of(self, kind: str) -> bytes | None:
        return self.key if kind == "encrypted" else None

    def env_for(self, home: Path | None = None) -> dict[str, str]:
        env = dict(self.env)
        if home is not None:  # a worker of its own: its log file and its $TMPDIR
            env["IC_HOME"] = str(home)
            env["TMPDIR"] = str(home / "tmp")
        return env


def prepare(setting: Setting) -> None:
    work, env = setting.work, setting.env
    seed = setting.seed
    cwd = work / "prepared"
    cwd.mkdir(parents=True, exist_ok=True)
    setting.extract = cwd / "extract-3000.xlsx"
    setting.extract_b = cwd / "extract-3000-b.xlsx"
    setting.good = cwd / "extract-200.xlsx"
    for path, rows, extra in (
        (setting.extract, EXTRACT_ROWS, 10),
        (setting.extract_b, EXTRACT_ROWS, 11),
        (setting.good, MUTATED_ROWS, 12),
    ):
        must(
            run_ic(
                [
                    "demo-extract",
                    "--rows",
                    str(rows),
                    "--out",
                    str(path),
                    "--seed",
                    str(seed + extra),
                    "--today",
                    TODAY,
                ],
                env=env,
                cwd=cwd,
            )
        )
    for kind in KINDS:
        empty = cwd / f"empty-{kind}.sqlite"
        plain = ["--plain"] if kind == "plain" else []
        must(run_ic(["--db", str(empty), "init", "--name", "Робот", *plain], env=env, cwd=cwd))
        setting.prepared["empty", kind] = empty
        base = cwd / f"base-{kind}.sqlite"
        copy_database(empty, base)
        must(
            run_ic(
                [
                    "--db",
                    str(base),
                    "demo",
                    "--citizens",
                    str(DEMO_CITIZENS),
                    "--seed",
                    str(seed),
                    "--today",
                    TODAY,
                ],
                env=env,
                cwd=cwd,
            )
        )
        setting.prepared["base", kind] = base
        registry = cwd / f"registry-{kind}.sqlite"
        copy_database(base, registry)
        must(
            run_ic(
                ["--db", str(registry), "import-extract", str(setting.extract), "--today", TODAY],
                env=env,
                cwd=cwd,
            )
        )
        setting.prepared["registry", kind] = registry
        small = cwd / f"small-{kind}.sqlite"
        copy_database(empty, small)
        must(
            run_ic(
                [
                    "--db",
                    str(small),
                    "demo",
                    "--citizens",
                    str(SMALL_CITIZENS),
                    "--seed",
                    str(seed + 1),
                    "--today",
                    TODAY,
                ],
                env=env,
                cwd=cwd,
            )
        )
        setting.prepared["small", kind] = small
    setting.key = database_key(setting.prepared["empty", "encrypted"])
    # The month the extract's people enter: the one whose entries are not numbered yet.
    conn = connect(setting.prepared["registry", "plain"], None)
    try:
        setting.month = str(
            conn.execute(
                "SELECT reporting_month FROM registry_entry WHERE number IS NULL "
                "GROUP BY reporting_month ORDER BY count(*) DESC LIMIT 1"
            ).fetchone()[0]
        )
    finally:
        conn.close()
    shutil.rmtree(cwd / "backups", ignore_errors=True)


# --- scenario 1: kill -9 ----------------------------------------------------------------------


@dataclass
class Reference:
    """A command run to its end on a copy of its database: how long, and what it left."""

    seconds: float
    before: State
    after: State
    pdf_pages: int = 0
    list_rows: int = 0


@dataclass(frozen=True)
class Killed:
    title: str
    database: str  # prepared database name
    args: Callable[[Setting, Path], list[str]]
    month: bool = False  # the registry month's numbers are compared too


def _dispatch_args(_: Setting, folder: Path) -> list[str]:
    return [
        "dispatch",
        "post",
        "--out",
        str(folder / "post.pdf"),
        "--list",
        str(folder / "post.xlsx"),
        "--today",
        TODAY,
    ]


KILLED = (
    Killed(
        f"kill -9: ic import-extract ({EXTRACT_ROWS:,} rows)",
        "base",
        lambda s, _: ["import-extract", str(s.extract), "--today", TODAY],
    ),
    Killed(
        f"kill -9: ic demo --citizens {DEMO_CITIZENS}",
        "empty",
        lambda s, _: [
            "demo",
            "--citizens",
            str(DEMO_CITIZENS),
            "--seed",
            str(s.seed + 2),
            "--today",
            TODAY,
        ],
    ),
    Killed(
        "kill -9: ic registry form (month formed before)",
        "registry",
        lambda s, _: ["registry", "form", "--month", s.month, "--today", TODAY],
        month=True,
    ),
    Killed("kill -9: ic dispatch post --out --list", "base", _dispatch_args),
)


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def xlsx_rows(path: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows())
    finally:
        book.close()


def whole_outputs(folder: Path, ref: Reference) -> list[str]:
    """Problems with whichever of the post batch's files exist: each must be whole."""
    problems = []
    pdf, xlsx = folder / "post.pdf", folder / "post.xlsx"
    if pdf.exists():
        try:
            pages = pdf_pages(pdf)
            if pages != ref.pdf_pages:
                problems.append(f"post.pdf has {pages} pages, a whole one {ref.pdf_pages}")
        except Exception as exc:
            problems.append(f"post.pdf is not a whole PDF ({type(exc).__name__}: {exc})")
    if xlsx.exists():
        try:
            rows = xlsx_rows(xlsx)
            if rows != ref.list_rows:
                problems.append(f"post.xlsx has {rows} rows, a whole one {ref.list_rows}")
        except Exception as exc:
            problems.append(f"post.xlsx is not a whole workbook ({type(exc).__name__}: {exc})")
    return problems


def stale_temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.suffix == ".tmp")


def system_temp_left(tmpdir: Path) -> list[str]:
    names = sorted(p.name for p in tmpdir.iterdir())
    for name in names:
        path = tmpdir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return names


def reference(setting: Setting, spec: Killed, kind: str, report: Report) -> Reference:
    """``REFERENCE_RUNS`` complete runs on fresh copies; the longest time, the last result
    (the results must be the same: else a kill trial could not tell a partial result)."""
    seconds = 0.0
    month = setting.month if spec.month else None
    ref: Reference | None = None
    for attempt in range(REFERENCE_RUNS):
        first = ref
        folder = setting.work / "kill" / "reference" / f"{spec.database}-{kind}-{attempt}"
        db = folder / "ic.sqlite"
        copy_database(setting.prepared[spec.database, kind], db)
        before = snapshot(db, setting.key_of(kind), month)
        run = must(
            run_ic(["--db", str(db), *spec.args(setting, folder)], env=setting.env, cwd=folder)
        )
        seconds = max(seconds, run.seconds)
        after = snapshot(db, setting.key_of(kind), month)
        ref = Reference(seconds, before, after)
        if spec.args is _dispatch_args:
            ref.pdf_pages = pdf_pages(folder / "post.pdf")
            ref.list_rows = xlsx_rows(folder / "post.xlsx")
        shutil.rmtree(folder)
        if first is not None and (
            first.after.signature != after.signature
            or first.after.numbers != after.numbers
            or first.after.batches != after.batches
        ):
            raise SystemExit(
                f"{spec.title} ({kind}): two complete runs left different results: "
                f"{differences(after, first.after)}"
            )
        if first is not None and first.after.record_updates != after.record_updates:
            report.observations.append(
                f"{spec.title} ({kind}): two complete runs on copies of one database wrote "
                f"{first.after.record_updates - before.record_updates} and "
                f"{after.record_updates - before.record_updates} audit events "
                f"{RECORD_UPDATE!r}"
            )
    assert ref is not None
    ref.seconds = seconds
    return ref


def kill_trial(
    setting: Setting, spec: Killed, kind: str, ref: Reference, index: int, moment: float
) -> Trial:
    trial = Trial(f"trial {index} ({kind}, kill at {moment:.3f} s of {ref.seconds:.2f} s)")
    folder = setting.work / "kill" / f"{index:04d}"
    db = folder / "ic.sqlite"
    copy_database(setting.prepared[spec.database, kind], db)
    tmpdir = Path(setting.env["TMPDIR"])
    args = ["--db", str(db), *spec.args(setting, folder)]
    run = trial.add(run_ic(args, env=setting.env, cwd=folder, kill_after=moment))
    trial.outcome = "killed" if run.killed else "finished first"
    check = trial.add(run_ic(["--db", str(db), "check"], env=setting.env, cwd=folder), check=True)
    month = setting.month if spec.month else None
    if check.code == 0:
        state = snapshot(db, setting.key_of(kind), month)
        trial.half.extend(kill_invariants(spec, state, ref, folder))
        if state.signature == ref.after.signature != ref.before.signature and (
            state.record_updates != ref.after.record_updates
        ):
            trial.observation.append(
                f"the complete result carries {state.record_updates - ref.before.record_updates} "
                f"audit events {RECORD_UPDATE!r}, the reference run "
                f"{ref.after.record_updates - ref.before.record_updates}"
            )
    scratch = Path(f"{db}.tmp")
    if scratch.exists() and any(scratch.iterdir()):
        trial.leftover.append(
            f"{scratch.name}/ not emptied by the next open: "
            f"{sorted(p.name for p in scratch.iterdir())}"
        )
    temps = stale_temps(folder)
    if temps:  # the next run of the same command must remove them
        trial.add(run_ic(args, env=setting.env, cwd=folder))
        still = stale_temps(folder)
        if still:
            trial.leftover.append(f"{still} left beside the output after the next run")
    # A killed backup's partial copy (a whole copy of the data) and the empty name it had
    # reserved (listed by `ic backup list`): the app removes them only at a backup made 15
    # minutes later at the earliest, so they count at once.
    backups = folder / "backups"
    parts = sorted(
        p.name
        for p in (backups.iterdir() if backups.is_dir() else ())
        if p.name.endswith(".part") or (p.suffix == ".sqlite" and p.stat().st_size == 0)
    )
    if parts:
        trial.leftover.append(f"partial backup copies or empty backup names in backups/: {parts}")
    left = system_temp_left(tmpdir)
    if left:
        trial.leftover.append(f"left in $TMPDIR: {left}")
    if not (trial.crash or trial.half or trial.failure or trial.leftover or run.traceback):
        shutil.rmtree(folder, ignore_errors=True)
    return trial


def kill_invariants(spec: Killed, state: State, ref: Reference, folder: Path) -> list[str]:
    old = state.signature == ref.before.signature
    new = state.signature == ref.after.signature
    problems: list[str] = []
    if not (old or new):
        problems.append(
            "the database holds neither the state before nor the complete result: "
            f"against before: {differences(state, ref.before)}; "
            f"against the complete run: {differences(state, ref.after)}"
        )
    if spec.month:
        numbers_old = (
            state.numbers == ref.before.numbers and state.formed_on == ref.before.formed_on
        )
        numbers_new = state.numbers == ref.after.numbers and state.formed_on == ref.after.formed_on
        if not (numbers_old or numbers_new):
            old_ones = sum(1 for k, v in state.numbers.items() if ref.before.numbers.get(k) == v)
            new_ones = sum(1 for k, v in state.numbers.items() if ref.after.numbers.get(k) == v)
            problems.append(
                f"registry month half renumbered: of {len(state.numbers)} numbers {old_ones} "
                f"are the old ones and {new_ones} the new ones; formed on {state.formed_on} "
                f"(before {ref.before.formed_on}, after {ref.after.formed_on})"
            )
        elif (old and numbers_new) or (new and numbers_old):
            problems.append("the month's numbers and its audit event disagree")
    for batch_id, batch in state.batches.items():
        if batch_id in ref.before.batches:
            continue
        expected = ref.after.batches.get(batch_id)
        if batch.entries != batch.added or (expected is not None and batch != expected):
            problems.append(
                f"import batch {batch_id} is partial: {batch} (a complete one: {expected})"
            )
    if spec.args is _dispatch_args:
        pdf, xlsx = folder / "post.pdf", folder / "post.xlsx"
        if new and not (pdf.exists() and xlsx.exists()):
            problems.append(
                f"dispatches recorded without their files: post.pdf "
                f"{'exists' if pdf.exists() else 'missing'}, post.xlsx "
                f"{'exists' if xlsx.exists() else 'missing'}"
            )
        problems.extend(whole_outputs(folder, ref))
    return problems


def scenario_kills(setting: Setting, report: Report, kills: int) -> None:
    rng = random.Random(f"{setting.seed}-kills")
    rows = {spec.title: report.row(spec.title) for spec in KILLED}
    refs: dict[tuple[str, str], Reference] = {}
    for spec in KILLED:
        for kind in KINDS:
            refs[spec.title, kind] = reference(setting, spec, kind, report)
            ref = refs[spec.title, kind]
            report.notes.append(f"{spec.title} ({kind}): a complete run takes {ref.seconds:.2f} s")
            log(f"  measured {spec.title} ({kind}): {ref.seconds:.2f} s")
    for index in range(kills):
        spec = KILLED[index % len(KILLED)]
        kind = KINDS[(index // len(KILLED)) % len(KINDS)]
        ref = refs[spec.title, kind]
        moment = rng.uniform(0, ref.seconds)
        trial = kill_trial(setting, spec, kind, ref, index, moment)
        trial.commit(report, rows[spec.title])
        if (index + 1) % 20 == 0 or index + 1 == kills:
            log(f"  kills: {index + 1}/{kills}")


# --- scenario 2: hostile files ----------------------------------------------------------------


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def _row(number: int, texts: Iterable[str]) -> str:
    cells = "".join(_cell(f"{column_letters(i)}{number}", t) for i, t in enumerate(texts, 1))
    return f'<row r="{number}">{cells}</row>'


HEADER = _row(1, HEADINGS)
PERSON_ROW = _row(2, PERSON)


def _sheet(rows: str, after: str = "") -> str:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData>{after}</worksheet>'


Chunks = str | bytes | Iterable[bytes]
DATE_STYLES = (
    f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
)


def book(
    path: Path,
    sheet: Chunks,
    shared: Chunks | None = None,
    styles: str | None = None,
    workbook: str | None = None,
    relations: str | None = None,
) -> Path:
    """A workbook of one sheet (a big part comes as chunks of bytes, streamed)."""
    overrides = f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>'
    parts: dict[str, Chunks] = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": workbook
        or (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Выписка" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG_REL}">'
            + (
                relations
                or f'<Relationship Id="rId1" Type="{REL}/worksheet" '
                'Target="worksheets/sheet1.xml"/>'
            )
            + (
                f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
                if shared is not None
                else ""
            )
            + (
                f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>'
                if styles is not None
                else ""
            )
            + "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    if styles is not None:
        parts["xl/styles.xml"] = styles
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            if isinstance(data, str | bytes):
                archive.writestr(name, data)
            else:
                with archive.open(name, "w") as part:
                    for chunk in data:
                        part.write(chunk)
    return path


def _shared(texts: Iterable[str]) -> str:
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in texts)
    return f'<sst xmlns="{MAIN}">{items}</sst>'


def _directory_entry(data: bytes, name: str) -> int:
    at = -1
    while (at := data.find(b"PK\x01\x02", at + 1)) >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name.encode():
            return at
    raise LookupError(f"no {name} in the archive")


def forge(
    path: Path,
    name: str,
    *,
    size: int | None = None,
    flags: int | None = None,
    method: int | None = None,
) -> Path:
    """Make the archive's directory lie about a part: its size, flags or compression."""
    data = bytearray(path.read_bytes())
    at = _directory_entry(bytes(data), name)
    if flags is not None:
        struct.pack_into("<H", data, at + 8, flags)
    if method is not None:
        struct.pack_into("<H", data, at + 10, method)
    if size is not None:
        struct.pack_into("<L", data, at + 24, size)
    path.write_bytes(bytes(data))
    return path


def corrupt_deflate(path: Path, name: str, filler: Callable[[int], bytes]) -> Path:
    """Overwrite the part's compressed data (the archive's headers stay as they were)."""
    data = bytearray(path.read_bytes())
    entry = _directory_entry(bytes(data), name)
    packed = struct.unpack_from("<L", data, entry + 20)[0]
    local = struct.unpack_from("<L", data, entry + 42)[0]
    start = local + 30 + sum(struct.unpack_from("<HH", data, local + 26))
    middle = start + packed // 3
    data[middle : start + packed] = filler(start + packed - middle)
    path.write_bytes(bytes(data))
    return path


def repeated(piece: bytes, total: int, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    block = piece * max(1, MB // len(piece))
    yield head
    for _ in range(max(1, total // len(block))):
        yield block
    yield tail


def million_rows() -> Iterator[bytes]:
    """A sheet of the header and 1,000,000 plausible rows, made a chunk at a time."""
    yield f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}'.encode()
    names = ("Иванова Анна Петровна", "Петров Пётр Ильич", "Сидорова Мария Ивановна")
    chunk: list[str] = []
    for number in range(2, 1_000_002):
        chunk.append(
            f'<row r="{number}">'
            f'<c r="A{number}" t="inlineStr"><is><t>{names[number % 3]}</t></is></c>'
            f'<c r="B{number}" t="inlineStr"><is><t>{1 + number % 28:02d}.0{1 + number % 9}.19'
            f"{40 + number % 60}</t></is></c>"
            f'<c r="C{number}" t="inlineStr"><is><t>{"I" * (1 + number % 2)}</t></is></c>'
            f'<c r="D{number}" t="inlineStr"><is><t>{number % 1000:03d}-{number % 997:03d}-'
            f"{number % 991:03d} {number % 97:02d}</t></is></c></row>"
        )
        if len(chunk) == 10_000:
            yield "".join(chunk).encode()
            chunk.clear()
    yield ("".join(chunk) + "</sheetData></worksheet>").encode()


def long_cells(rows: int, length: int = 2000) -> Iterator[bytes]:
    """A sheet within every limit of the reader: ``rows`` rows of one cell of ``length``
    Cyrillic letters (the longest a cell may be), made a chunk at a time."""
    yield f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}'.encode()
    text = "Ж" * length
    chunk: list[str] = []
    for number in range(2, rows + 2):
        chunk.append(
            f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        )
        if len(chunk) == 1000:
            yield "".join(chunk).encode()
            chunk.clear()
    yield ("".join(chunk) + "</sheetData></worksheet>").encode()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def csv_file(path: Path, lines: Iterable[str], encoding: str = "utf-8", end: str = "\r\n") -> Path:
    path.write_bytes((end.join(lines) + end).encode(encoding))
    return path


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def many_parts(path: Path) -> Path:
    book(path, _sheet(HEADER + PERSON_ROW))
    with zipfile.ZipFile(path, "a") as archive:
        for index in range(20_000):
            archive.writestr(f"junk/{index}", b"")
    return path


def good_csv_lines(setting: Setting, delimiter: str = ";") -> list[str]:
    rows = extract_rows(setting)
    return [delimiter.join(cells) for cells in rows[:4]]


_ROWS_CACHE: dict[Path, list[list[str]]] = {}


def extract_rows(setting: Setting) -> list[list[str]]:
    """The good extract's cells as text (dates as dd.mm.yyyy), headings first."""
    assert setting.good is not None
    if setting.good not in _ROWS_CACHE:
        from openpyxl import load_workbook

        book_ = load_workbook(setting.good, read_only=True)
        rows = []
        for values in book_.worksheets[0].iter_rows(values_only=True):
            cells = []
            for value in values:
                if value is None:
                    cells.append("")
                elif isinstance(value, datetime | date):
                    cells.append(f"{value:%d.%m.%Y}")
                else:
                    cells.append(str(value))
            rows.append(cells)
        book_.close()
        _ROWS_CACHE[setting.good] = rows
    return _ROWS_CACHE[setting.good]


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def symlink(path: Path, target: str) -> Path:
    path.symlink_to(target)
    return path


Maker = Callable[[Path, Setting], Path]
NESTED = 1_000_000
NUMBERS = (
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999999",
    "2958466",
    "-1",
    "1e-320",
    "0x1A",
    "",
)

# The crafted cases, each made once in its own folder and imported into both databases.
CRAFTED: dict[str, Maker] = {
    "2 KB XLSX: row 100,000,000 and cell ZZZZZZ2": lambda d, _: book(
        d / "x.xlsx",
        _sheet(
            HEADER + f'<row r="2">{_cell("ZZZZZZ2", "x")}</row>'
            '<row r="100000000"><c r="A100000000"><v>1</v></c></row>'
        ),
    ),
    "row 100,000,000": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + '<row r="100000000"><c r="A100000000"><v>1</v></c></row>'),
    ),
    "cell ZZZZZZ2": lambda d, _: book(
        d / "x.xlsx", _sheet(HEADER + f'<row r="2">{_cell("ZZZZZZ2", "x")}</row>')
    ),
    "cell XFD1048576 and row 1048576": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + PERSON_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    ),
    "row numbers inf, -1, 0, 1e10": lambda d, _: book(
        d / "x.xlsx",
        _sheet(
            HEADER
            + "".join(f'<row r="{r}"><c><v>1</v></c></row>' for r in ("inf", "-1", "0", "1e10"))
        ),
    ),
    "cell references A0, 1A, empty, 9999999999": lambda d, _: book(
        d / "x.xlsx",
        _sheet(
            HEADER
            + '<row r="2">'
            + "".join(f'<c r="{r}"><v>1</v></c>' for r in ("A0", "1A", "", "A9999999999"))
            + "</row>"
        ),
    ),
    "numbers 1e308, nan, inf in date columns (date style)": lambda d, _: book(
        d / "x.xlsx",
        _sheet(
            HEADER
            + "".join(
                f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>Иванова Анна {i}</t></is></c>'
                f'<c r="B{i}" s="1"><v>{n}</v></c><c r="C{i}"><v>{n}</v></c>'
                f'<c r="D{i}" s="1"><v>{n}</v></c></row>'
                for i, n in enumerate(NUMBERS, 2)
            )
        ),
        styles=DATE_STYLES,
    ),
    "sheet unpacks to 600 MB (stated)": lambda d, _: book(
        d / "x.xlsx",
        repeated(
            b"<row><c><v>1</v></c></row>",
            600 * MB,
            f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}'.encode(),
            b"</sheetData></worksheet>",
        ),
    ),
    "sheet unpacks to 64 MB, directory says 1 MB": lambda d, _: forge(
        book(
            d / "x.xlsx",
            repeated(
                b"<row><c><v>1</v></c></row>",
                64 * MB,
                f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}'.encode(),
                b"</sheetData></worksheet>",
            ),
        ),
        "xl/worksheets/sheet1.xml",
        size=MB,
    ),
    "directory says the sheet unpacks to 4 GB": lambda d, _: forge(
        book(d / "x.xlsx", _sheet(HEADER + PERSON_ROW)),
        "xl/worksheets/sheet1.xml",
        size=0xFFFFFFF0,
    ),
    "400 MB of spaces between two rows": lambda d, _: book(
        d / "x.xlsx",
        repeated(
            b" " * 1024,
            400 * MB,
            f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}'.encode(),
            f"{PERSON_ROW}</sheetData></worksheet>".encode(),
        ),
    ),
    "1,000,000-row sheet": lambda d, _: book(d / "x.xlsx", million_rows()),
    "120,000 rows of one 2,000-character cell (a 3.6 MB file)": lambda d, _: book(
        d / "x.xlsx", long_cells(120_000)
    ),
    "200 MB string in one cell": lambda d, _: book(
        d / "x.xlsx",
        repeated(
            "Адрес ".encode(),
            200 * MB,
            f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}<row r="2">'
            '<c r="B2" t="inlineStr"><is><t>'.encode(),
            b"</t></is></c></row></sheetData></worksheet>",
        ),
    ),
    "50 MB shared string": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'),
        shared=repeated(
            "г. Тюмень, ул. Ленина, ".encode(),
            50 * MB,
            f'<sst xmlns="{MAIN}"><si><t>'.encode(),
            b"</t></si></sst>",
        ),
    ),
    "2,000,001 shared strings": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + '<row r="2"><c r="A2" t="s"><v>2000000</v></c></row>'),
        shared=iter(
            [
                f'<sst xmlns="{MAIN}">'.encode(),
                *(
                    ("".join(f"<si><t>{i}</t></si>" for i in range(s, s + 100_000))).encode()
                    for s in range(0, 2_000_001, 100_000)
                ),
                b"</sst>",
            ]
        ),
    ),
    "shared string index 9, -1, 10**20": lambda d, _: book(
        d / "x.xlsx",
        _sheet(
            HEADER + '<row r="2"><c r="A2" t="s"><v>9</v></c><c r="B2" t="s"><v>-1</v></c>'
            '<c r="C2" t="s"><v>100000000000000000000</v></c></row>'
        ),
        shared=_shared(["ФИО"]),
    ),
    "1,000,000 nested elements in a cell": lambda d, _: book(
        d / "x.xlsx",
        iter(
            [
                f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}<row r="2">'
                '<c r="A2" t="inlineStr"><is>'.encode(),
                b"<r>" * NESTED,
                b"<t>x</t>",
                b"</r>" * NESTED,
                b"</is></c></row></sheetData></worksheet>",
            ]
        ),
    ),
    "2,000,000 nested elements in a cell (a 67 KB file)": lambda d, _: book(
        d / "x.xlsx",
        iter(
            [
                f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}<row r="2">'
                '<c r="A2" t="inlineStr"><is>'.encode(),
                b"<a>" * (2 * NESTED),
                b"<t>x</t>",
                b"</a>" * (2 * NESTED),
                b"</is></c></row></sheetData></worksheet>",
            ]
        ),
    ),
    "2,000,000 nested elements in a shared string": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'),
        shared=iter(
            [
                f'<sst xmlns="{MAIN}"><si>'.encode(),
                b"<a>" * (2 * NESTED),
                b"<t>x</t>",
                b"</a>" * (2 * NESTED),
                b"</si></sst>",
            ]
        ),
    ),
    "entities multiplied (billion laughs)": lambda d, _: book(
        d / "x.xlsx",
        '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + f']><worksheet xmlns="{MAIN}"><sheetData>{HEADER}<row r="2">'
        '<c r="A2" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>',
    ),
    "external entity (file:///etc/passwd)": lambda d, _: book(
        d / "x.xlsx",
        '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}<row r="2">'
        '<c r="A2" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>',
    ),
    "workbook without sheets": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + PERSON_ROW),
        workbook=f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets/></workbook>',
    ),
    "sheet relation to a missing part and to ../../etc/passwd": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + PERSON_ROW),
        relations=f'<Relationship Id="rId1" Type="{REL}/worksheet" '
        'Target="../../../../etc/passwd"/>',
    ),
    "sheet relation to the content types part": lambda d, _: book(
        d / "x.xlsx",
        _sheet(HEADER + PERSON_ROW),
        relations=f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="/[Content_Types].xml"/>',
    ),
    "corrupt deflate data (0xFF)": lambda d, _: corrupt_deflate(
        book(d / "x.xlsx", _sheet(HEADER + PERSON_ROW * 50)),
        "xl/worksheets/sheet1.xml",
        lambda n: b"\xff" * n,
    ),
    "corrupt deflate data (random bytes)": lambda d, s: corrupt_deflate(
        write(d / "x.xlsx", s.good.read_bytes()),  # type: ignore[union-attr]
        "xl/worksheets/sheet1.xml",
        lambda n: random.Random(n).randbytes(n),
    ),
    "encrypted part flag": lambda d, _: forge(
        book(d / "x.xlsx", _sheet(HEADER + PERSON_ROW)), "xl/worksheets/sheet1.xml", flags=1
    ),
    "unknown compression method": lambda d, _: forge(
        book(d / "x.xlsx", _sheet(HEADER + PERSON_ROW)), "xl/worksheets/sheet1.xml", method=99
    ),
    "20,000 parts": lambda d, _: many_parts(d / "x.xlsx"),
    "half a workbook": lambda d, s: write(
        d / "x.xlsx",
        s.good.read_bytes()[: s.good.stat().st_size // 2],  # type: ignore[union-attr]
    ),
    "not a zip (text)": lambda d, _: write(d / "x.xlsx", "ФИО;Дата рождения\n".encode()),
    "not a zip (random bytes)": lambda d, _: write(d / "x.xlsx", random.Random(7).randbytes(4096)),
    "empty file": lambda d, _: write(d / "x.xlsx", b""),
    "XLS (OLE) under an XLSX name": lambda d, _: write(
        d / "x.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    ),
    "XLSX over 100 MB (sparse)": lambda d, _: sparse(d / "x.xlsx", 101 * MB),
    "good XLSX named .csv": lambda d, s: write(d / "x.csv", s.good.read_bytes()),  # type: ignore[union-attr]
    "good CSV named .xlsx": lambda d, s: csv_file(d / "x.xlsx", good_csv_lines(s)),
    "unknown extension .pdf": lambda d, s: csv_file(d / "x.pdf", good_csv_lines(s)),
    "a FIFO named .csv": lambda d, _: fifo(d / "x.csv"),
    "a symlink to /dev/zero named .csv": lambda d, _: symlink(d / "x.csv", "/dev/zero"),
    "a folder named .xlsx": lambda d, _: (d / "x.xlsx").mkdir() or d / "x.xlsx",
    "CSV UTF-16 with BOM, tabs": lambda d, s: csv_file(
        d / "x.csv", good_csv_lines(s, "\t"), "utf-16"
    ),
    "CSV UTF-16-BE without BOM": lambda d, s: csv_file(d / "x.csv", good_csv_lines(s), "utf-16-be"),
    "CSV UTF-32": lambda d, s: csv_file(d / "x.csv", good_csv_lines(s), "utf-32"),
    "CSV CR-only line ends": lambda d, s: csv_file(d / "x.csv", good_csv_lines(s), end="\r"),
    "CSV UTF-16 cut short": lambda d, s: write(
        d / "x.csv", "\r\n".join(good_csv_lines(s)).encode("utf-16")[:-1]
    ),
    "CSV quoted field over 131,072 chars": lambda d, _: csv_file(
        d / "x.csv", [";".join(HEADINGS), f'Иванова Анна;"{"1" * 140_000}";II;']
    ),
    "CSV unquoted field over 131,072 chars": lambda d, _: csv_file(
        d / "x.csv", [";".join(HEADINGS), f"Иванова Анна;{'1' * 140_000};II;"]
    ),
    "CSV with NUL bytes": lambda d, s: write(
        d / "x.csv", "\r\n".join(good_csv_lines(s)).replace("а", "\0").encode()
    ),
    "CSV line of a million separators": lambda d, _: csv_file(
        d / "x.csv", [";".join(HEADINGS), ";" * 1_000_001]
    ),
    "CSV of 50 MB without a line end": lambda d, _: write(
        d / "x.csv", (";".join(HEADINGS) + "\r\n").encode() + b"x" * (50 * MB)
    ),
    "CSV opening quote never closed": lambda d, s: csv_file(
        d / "x.csv", [";".join(HEADINGS), '"' + "Иванова;" * 200_000]
    ),
    "CSV of 1,000,000 lines": lambda d, _: write(
        d / "x.csv",
        (";".join(HEADINGS) + "\r\n" + (";".join(PERSON) + "\r\n") * 1_000_000).encode(),
    ),
    "CSV over 100 MB (sparse)": lambda d, _: sparse(d / "x.csv", 101 * MB),
    "CSV neither UTF-8 nor Windows-1251": lambda d, _: write(
        d / "x.csv", ";".join(HEADINGS).encode("cp1251") + b"\r\n\x98\x98\r\n"
    ),
}


# Random mutations of the good extract ------------------------------------------------------

XML_TOKENS = (
    '<row r="99999999">',
    '<c r="XFD1">',
    "</row>",
    "<row>",
    '<c t="s"><v>7</v></c>',
    "&amp;",
    "&#0;",
    "&#xD800;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?xml version='1.0'?>",
    '<!DOCTYPE x [<!ENTITY e "ee">]>',
    "&e;",
    "<v>1e309</v>",
    "<v>nan</v>",
    't="e"',
    't="b"',
    't="str"',
    't="d"',
    "<f>SUM(A1:A9)</f>",
    "\x00",
    "\ufeff",
    "Ё" * 2500,
    ">",
    "<",
)
CSV_NOISE = (
    '"',
    ";",
    ",",
    "\t",
    "\r",
    "\n",
    "\r\n",
    '""',
    "\0",
    "\ufeff",
    "ё",
    "=",
    "𝕏",
    "\u202e",
    "\ud800",
    "1e308",
    "31.02.2025",
    "00.00.0000",
    "999-999-999 99",
    "+7" + "9" * 40,
    "Ё" * 2001,
)
FIELD_POOL = (
    "ФИО",
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Пол",
    "СНИЛС",
    "Адрес",
    "Телефон",
    "Группа инвалидности",
    "Дата установления инвалидности",
    "Впервые",
    "Самообслуживание",
    "Передвижение",
    "Мероприятия ИПРА",
    "Законный представитель",
    "Дата поступления сведений",
    "Муниципальное образование",
    "Участник СВО",
    "",
)
VALUE_POOL = (
    "Иванова Анна Петровна",
    "05.06.1980",
    "1980-06-05",
    "II",
    "2",
    "III",
    "I группа",
    "ребёнок-инвалид",
    "112-233-445 95",
    "11223344595",
    "ж",
    "М",
    "да",
    "нет",
    "",
    "III степень",
    "мед.; соц.",
    "г. Тюмень",
    "+7 (912) 000-00-00",
    "31.02.2025",
    "29.02.2023",
    "01.01.0001",
    "31.12.9999",
    "-1",
    "1e308",
    "NaN",
    "None",
    "null",
    "0",
    "\u00a0",
    "Ёжикова-Оглы Айгуль Рашид кызы",
    "=1+1",
    "@SUM(1)",
    "x" * 300,
)


def _mangle_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    how = rng.choice(("flip", "cut", "insert", "delete", "duplicate"))
    if how == "flip":
        for _ in range(rng.randint(1, 16)):
            at = rng.randrange(len(data))
            data[at] ^= 1 << rng.randrange(8)
    elif how == "cut":
        del data[rng.randrange(len(data)) :]
    elif how == "insert":
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.randbytes(rng.randint(1, 64))
    elif how == "delete":
        at = rng.randrange(len(data))
        del data[at : at + rng.randint(1, 256)]
    else:
        at = rng.randrange(len(data))
        piece = data[at : at + rng.randint(1, 512)]
        data[at:at] = piece * rng.randint(1, 50)
    return bytes(data)


def _mangle_text(text: str, rng: random.Random, noise: tuple[str, ...]) -> str:
    for _ in range(rng.randint(1, 12)):
        at = rng.randrange(len(text) + 1)
        how = rng.random()
        if how < 0.5:
            text = text[:at] + rng.choice(noise) + text[at:]
        elif how < 0.75:
            text = text[:at] + text[at + rng.randint(1, 64) :]
        else:
            piece = text[at : at + rng.randint(1, 200)]
            text = text[:at] + piece * rng.randint(1, 20) + text[at:]
    return text


def mutated(folder: Path, setting: Setting, rng: random.Random) -> tuple[Path, str]:
    """A random mutation of the good extract: the file and how it was made."""
    assert setting.good is not None
    good = setting.good.read_bytes()
    kind = rng.choices(("xlsx bytes", "xlsx part", "csv text", "csv random"), weights=(3, 4, 3, 2))[
        0
    ]
    if kind == "xlsx bytes":
        return write(folder / "m.xlsx", _mangle_bytes(good, rng)), kind
    if kind == "xlsx part":
        with zipfile.ZipFile(io.BytesIO(good)) as source:
            parts = {info.filename: source.read(info) for info in source.infolist()}
        names = sorted(parts)
        name = rng.choices(names, weights=[20 if "sheet1" in n else 1 for n in names])[0]
        text = parts[name].decode("utf-8")
        if rng.random() < 0.5:
            parts[name] = _mangle_text(text, rng, XML_TOKENS).encode("utf-8", "surrogatepass")
        else:
            parts[name] = _mangle_bytes(parts[name], rng)
        path = folder / "m.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, data in parts.items():
                archive.writestr(part, data)
        return path, f"{kind} ({name})"
    encoding = rng.choice(("utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-le", "utf-32"))
    if kind == "csv text":
        delimiter = rng.choice((";", ",", "\t"))
        lines = [delimiter.join(cells) for cells in extract_rows(setting)]
        text = _mangle_text("\r\n".join(lines[: rng.randint(1, len(lines))]), rng, CSV_NOISE)
    else:
        delimiter = rng.choice((";", ",", "\t", "|"))
        width = rng.randint(1, 30)
        heading = [rng.choice(FIELD_POOL) for _ in range(width)]
        lines = [delimiter.join(heading)]
        for _ in range(rng.randint(0, 60)):
            cells = [rng.choice(VALUE_POOL) for _ in range(rng.randint(0, width + 3))]
            lines.append(delimiter.join(cells))
        text = rng.choice(("\r\n", "\n", "\r")).join(lines)
        if rng.random() < 0.3:
            text = _mangle_text(text, rng, CSV_NOISE)
    data = (
        text.encode(encoding, "surrogatepass")
        if "utf" in encoding
        else text.encode(encoding, "replace")
    )
    suffix = rng.choice((".csv", ".csv", ".txt"))
    return write(folder / f"m{suffix}", data), f"{kind} ({encoding})"


# Running them --------------------------------------------------------------------------------

_ADDED = re.compile(r"добавлено в реестр:\s+(\d+)")
_ROWS = re.compile(r"строк (\d+), SHA-256")


@dataclass(frozen=True)
class HostileCase:
    index: int
    title: str
    kind: str  # database kind
    crafted: str | None  # name in CRAFTED, or None for a mutation


def hostile_trial(setting: Setting, case: HostileCase, worker: int, made: dict[str, Path]) -> Trial:
    folder = setting.work / "files" / f"{case.index:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    if case.crafted is not None:
        path, how = made[case.crafted], case.crafted
    else:
        path, how = mutated(folder, setting, random.Random(f"{setting.seed}-file-{case.index}"))
    trial = Trial(f"file {case.index} ({case.kind}): {how}: {path}")
    db = setting.work / "files" / f"worker-{worker}-{case.kind}" / "ic.sqlite"
    key = setting.key_of(case.kind)
    env = setting.env_for(db.parent / "home")
    before = snapshot(db, key)
    run = trial.add(
        run_ic(
            ["--db", str(db), "import-extract", str(path), "--today", TODAY], env=env, cwd=folder
        ),
        expected=(0, USER_ERROR),
    )
    check = trial.add(run_ic(["--db", str(db), "check"], env=env, cwd=folder), check=True)
    after = snapshot(db, key) if check.code == 0 else None
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    if run.code == USER_ERROR:
        trial.outcome = "refused (exit 2)"
        if len(lines) != 1:
            trial.failure.append(f"refused with {len(lines)} lines on stderr: {run.describe()}")
        if after is not None and after.signature != before.signature:
            trial.half.append(f"refused, yet the database changed: {differences(after, before)}")
    elif run.code == 0:
        trial.outcome = "read (exit 0)"
        if lines:
            trial.failure.append(f"read, yet stderr is not empty: {run.describe()}")
        if after is not None:
            new = {k: v for k, v in after.batches.items() if k not in before.batches}
            rows, added = _ROWS.search(run.stdout), _ADDED.search(run.stdout)
            if len(new) != 1:
                trial.half.append(f"read, with {len(new)} new import batches")
            else:
                (batch,) = new.values()
                said = (int(rows.group(1)) if rows else -1, int(added.group(1)) if added else -1)
                if (batch.rows_total, batch.added) != said or batch.entries != batch.added:
                    trial.half.append(
                        f"import batch {batch} does not match what was printed "
                        f"(rows {said[0]}, added {said[1]})"
                    )
    left = sorted(p.name for p in Path(env["TMPDIR"]).iterdir())
    if left:
        trial.leftover.append(f"left in $TMPDIR: {left}")
        system_temp_left(Path(env["TMPDIR"]))
    if case.crafted is None and not (trial.crash or trial.half or trial.failure or run.traceback):
        shutil.rmtree(folder, ignore_errors=True)
    return trial


def scenario_files(setting: Setting, report: Report, files: int, workers: int = 2) -> None:
    crafted_row = report.row(f"hostile files: crafted ({len(CRAFTED)} cases × 2 databases)")
    mutation_row = report.row("hostile files: random mutations of a good extract")
    made: dict[str, Path] = {}
    started = time.perf_counter()
    for number, (name, make) in enumerate(CRAFTED.items()):
        folder = setting.work / "files" / "crafted" / f"{number:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        made[name] = make(folder, setting)
    log(f"  {len(CRAFTED)} crafted files made in {time.perf_counter() - started:.0f} s")
    cases = [
        HostileCase(i, name, kind, name)
        for i, (name, kind) in enumerate((n, k) for n in CRAFTED for k in KINDS)
    ]
    cases = cases[:files]
    cases += [HostileCase(i, "mutation", KINDS[i % 2], None) for i in range(len(cases), files)]
    for worker in range(workers):
        for kind in KINDS:
            db = setting.work / "files" / f"worker-{worker}-{kind}" / "ic.sqlite"
            copy_database(setting.prepared["small", kind], db)
            (db.parent / "home" / "tmp").mkdir(parents=True, exist_ok=True)
    todo: queue.Queue[HostileCase] = queue.Queue()
    for case in cases:
        todo.put(case)
    done = Counter[str]()

    def work(worker: int) -> None:
        while True:
            try:
                case = todo.get_nowait()
            except queue.Empty:
                return
            trial = hostile_trial(setting, case, worker, made)
            row = crafted_row if case.crafted is not None else mutation_row
            trial.commit(report, row)
            with report.lock:
                done["n"] += 1
                if done["n"] % 50 == 0 or done["n"] == len(cases):
                    log(f"  files: {done['n']}/{len(cases)}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- scenario 3: concurrent writers -----------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    title: str
    first: Callable[[Setting, Path], list[str]]
    second: Callable[[Setting, Path], list[str]]


def _import_a(s: Setting, db: Path) -> list[str]:
    return ["--db", str(db), "import-extract", str(s.extract), "--today", TODAY]


def _import_b(s: Setting, db: Path) -> list[str]:
    return ["--db", str(db), "import-extract", str(s.extract_b), "--today", TODAY]


def _demo(s: Setting, db: Path) -> list[str]:
    return [
        "--db",
        str(db),
        "demo",
        "--citizens",
        str(DEMO_CITIZENS),
        "--seed",
        str(s.seed + 3),
        "--today",
        TODAY,
    ]


def _form(s: Setting, db: Path) -> list[str]:
    return ["--db", str(db), "registry", "form", "--month", s.month, "--today", TODAY]


PAIRS = (
    Pair("concurrent: ic import-extract + ic demo", _import_a, _demo),
    Pair("concurrent: ic import-extract + ic import-extract (other file)", _import_a, _import_b),
    Pair("concurrent: ic registry form + ic import-extract", _form, _import_b),
)


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def concurrent_results(
    setting: Setting, pair: Pair, runs: list[Run], before: State, after: State
) -> tuple[list[str], list[str]]:
    """(missing results, partial results) of a round whose database passed `ic check`."""
    missing: list[str] = []
    partial: list[str] = []
    files = {sha256(p): p.name for p in (setting.extract, setting.extract_b) if p is not None}
    new = {k: v for k, v in after.batches.items() if k not in before.batches}
    ours = {k: v for k, v in new.items() if v.sha256 in files}
    makers = (pair.first, pair.second)
    wanted = [
        p
        for m, p in ((_import_a, setting.extract), (_import_b, setting.extract_b))
        if m in makers and p is not None
    ]
    for path in wanted:
        found = [b for b in ours.values() if b.sha256 == sha256(path)]
        if len(found) != 1:
            missing.append(f"{len(found)} import batches of {path.name}, 1 expected")
    for batch_id, batch in ours.items():
        if batch.entries != batch.added or batch.rows_total != EXTRACT_ROWS:
            partial.append(f"import batch {batch_id} is partial: {batch}")
    # Citizens: each import adds the rows it read that matched nobody; demo adds its own.
    expected = sum(b.rows_total - b.rejected - b.updated for b in ours.values())
    if _demo in makers:
        expected += DEMO_CITIZENS
    got = after.count("citizen") - before.count("citizen")
    if got != expected:
        (missing if got < expected else partial).append(
            f"citizens added: {got}, expected {expected} (imports and demo together)"
        )
    if _form in makers:
        numbers = sorted(n for n in after.numbers.values() if n is not None)
        unnumbered = after.month_entries - len(numbers)
        if after.formed_on != TODAY:
            missing.append(f"month {setting.month} formed on {after.formed_on}, not {TODAY}")
        if numbers != list(range(1, len(numbers) + 1)):
            partial.append(f"month {setting.month} numbered with gaps or repeats")
        entries_of_import = sum(b.added for b in ours.values())
        if unnumbered not in (0, entries_of_import):
            partial.append(
                f"month {setting.month}: {unnumbered} entries without a number, expected 0 "
                f"(formed after the import) or {entries_of_import} (formed before it)"
            )
    return missing, partial


def scenario_concurrent(setting: Setting, report: Report, rounds: int) -> None:
    rows = {pair.title: report.row(pair.title) for pair in PAIRS}
    for index in range(rounds):
        pair = PAIRS[index % len(PAIRS)]
        kind = KINDS[(index // len(PAIRS)) % len(KINDS)]
        folder = setting.work / "concurrent" / f"{index:02d}"
        db = folder / "ic.sqlite"
        copy_database(setting.prepared["base", kind], db)
        key = setting.key_of(kind)
        before = snapshot(db, key, setting.month)
        trial = Trial(f"round {index} ({kind})")
        results: list[Run | None] = [None, None]

        def one(
            slot: int, args: list[str], results: list[Run | None] = results, cwd: Path = folder
        ) -> None:
            results[slot] = run_ic(args, env=setting.env, cwd=cwd)

        threads = [
            threading.Thread(target=one, args=(slot, maker(setting, db)))
            for slot, maker in enumerate((pair.first, pair.second))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        runs = [r for r in results if r is not None]
        for run in runs:
            trial.add(run)
        waited = sum("База занята" in r.stderr for r in runs)
        check = trial.add(
            run_ic(["--db", str(db), "check"], env=setting.env, cwd=folder), check=True
        )
        if check.code == 0:
            after = snapshot(db, key, setting.month)
            missing, partial = concurrent_results(setting, pair, runs, before, after)
            trial.failure.extend(f"result missing: {m}" for m in missing)
            trial.half.extend(partial)
        trial.outcome = ("both exit 0" if all(r.code == 0 for r in runs) else "a writer failed") + (
            ", one waited" if waited else ""
        )
        trial.commit(report, rows[pair.title])
        if not (trial.crash or trial.half or trial.failure):
            shutil.rmtree(folder, ignore_errors=True)
        log(f"  round {index + 1}/{rounds}: {pair.title} ({kind}): {trial.outcome}")


# --- output -----------------------------------------------------------------------------------

COLUMNS = (
    "scenario",
    "trials",
    "crashes",
    "tracebacks",
    "half-writes",
    "failures",
    "leftovers",
    "peak MB",
    "outcomes",
)


def cells(row: Row) -> list[str]:
    return [
        row.title,
        str(row.trials),
        str(row.crashes),
        str(row.tracebacks),
        str(row.half_writes),
        str(row.failures),
        str(row.leftovers),
        f"{row.peak_mb:.0f}",
        row.outcome_text(),
    ]


def markdown(report: Report) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" if i in (0, 8) else "---:" for i in range(len(COLUMNS))) + "|",
    ]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in report.rows]
    return "\n".join(lines)


def plain_table(report: Report) -> str:
    table = [list(COLUMNS), *(cells(row) for row in report.rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i in (0, 8) else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in table
    )


_START = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _START:7.1f} s] {message}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="kill -9 trials (default 100)")
    parser.add_argument("--files", type=int, default=500, help="hostile files (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    parser.add_argument(
        "--only",
        default="kills,files,concurrent",
        help="scenarios to run, comma-separated (default: kills,files,concurrent)",
    )
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    report = Report()
    temporary = None
    if args.keep is None:
        temporary = tempfile.mkdtemp(prefix="ic-robustness-")
        work = Path(temporary)
    else:
        work = args.keep.expanduser().absolute()
        work.mkdir(parents=True, exist_ok=True)
    try:
        tmpdir = work / "systmp"  # the children's $TMPDIR: it must stay empty
        tmpdir.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("IC_")}
        env.update(
            IC_USER=LOGIN, IC_PASSWORD=PASSWORD, IC_HOME=str(work / "home"), TMPDIR=str(tmpdir)
        )
        setting = Setting(work, env, args.seed)
        report.trials_log = work / "trials.jsonl"
        log(f"work folder {work}; preparing databases and extracts")
        prepare(setting)
        log(f"prepared; the extracts' people enter the registry of {setting.month}")
        timings: list[str] = []
        for name, scenario in (
            ("kills", lambda: scenario_kills(setting, report, args.kills)),
            ("files", lambda: scenario_files(setting, report, args.files)),
            ("concurrent", lambda: scenario_concurrent(setting, report, CONCURRENT_ROUNDS)),
        ):
            if name not in only:
                continue
            started = time.perf_counter()
            log(f"scenario {name}")
            scenario()
            timings.append(f"{name} {time.perf_counter() - started:.0f} s")
        total = time.perf_counter() - _START
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    print(plain_table(report), file=sys.stderr)
    print()
    print(markdown(report))
    print()
    print(
        f"Total {total / 60:.1f} min ({', '.join(timings)}) on {os.cpu_count()} cores; "
        f"command: {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}"
    )
    for note in report.notes:
        print(f"- {note}")
    for row in report.rows:
        if row.peak_what:
            print(f"- largest peak of «{row.title}»: {row.peak_mb:.0f} MB, {row.peak_what}")
    if report.details:
        print()
        print(f"Failures ({len(report.details)}):")
        for detail in report.details:
            print(f"- {detail}")
    if report.observations:
        print()
        print(f"Observations, not counted as failures ({len(report.observations)}):")
        for observation in report.observations:
            print(f"- {observation}")
    return 1 if any(row.bad for row in report.rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
