"""The database under stress (issue #10): two writers, foreign files, full disk, read-only, damage.

Every failure ends in one Russian line and exit 2 (or `ic check`'s findings and exit 1),
never a traceback. Processes are real `ic` processes where the behaviour is between
processes (locks) or needs a real file system (full, read-only: a private mount namespace).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from app.cli import EXIT_PROBLEMS, EXIT_USER_ERROR, main
from app.demo.extract import write_demo_extract
from app.demo.generator import generate_demo
from app.errors import DatabaseLockedError, DiskFullError, NotOurDatabaseError
from app.services import maintenance
from db import engine as db_engine
from db import session as db_session
from db.engine import BUSY_MESSAGE, busy_listener, translate
from db.keystore import raw_key_pragma
from db.migrate import APPLICATION_ID
from db.session import Database, open_database

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-23"
NOT_OURS = "не является базой данных программы «Интеграционный консультант»"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *, after: tuple[str, ...] = ()) -> str:
    """The error line (after the given notices); no traceback."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines[: len(after)] == list(after), err
    assert len(lines) == len(after) + 1, err
    assert lines[-1].startswith("ошибка: "), err
    return lines[-1]


def ic(*args: str) -> list[str]:
    """An `ic` command line running this tree's code."""
    return [sys.executable, "-m", "app", *args]


def ic_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def application_id(path: Path, key: bytes | None = None) -> int:
    conn: Any = sqlite3.connect(path) if key is None else sqlcipher3.connect(str(path))
    try:
        if key is not None:
            conn.execute(f'PRAGMA key = "{raw_key_pragma(key)}"')
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# -- two writers ------------------------------------------------------------------------


def _holds_write_lock(db_path: Path) -> bool:
    probe = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def _start_when_writing(
    db_path: Path, first: subprocess.Popen[str], second: list[str]
) -> subprocess.Popen[str]:
    """Start ``second`` once ``first`` holds the write lock (or has ended)."""
    deadline = time.monotonic() + 30
    while first.poll() is None and time.monotonic() < deadline:
        if _holds_write_lock(db_path):
            break
        time.sleep(0.01)
    return _popen(second)


def _popen(argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=ic_env(),
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _added(out: str) -> int:
    line = next(x for x in out.splitlines() if "добавлено в реестр" in x)
    return int(line.split()[-1])


@pytest.mark.slow
def test_two_writing_processes_both_succeed(tmp_path: Path) -> None:
    """`ic demo` and `ic import-extract`, then two imports, at once on one file, 3 rounds.

    Before BEGIN IMMEDIATE the second writer failed with "database is locked" at once
    (a deferred transaction that has read cannot wait for the lock).
    """
    extracts = []
    for seed in range(11, 17):
        path = tmp_path / f"extract-{seed}.xlsx"
        write_demo_extract(path, rows=300, seed=seed)
        extracts.append(path)
    db_file = tmp_path / "ic.sqlite"
    done = subprocess.run(
        ic("--db", str(db_file), "init", "--plain"),
        capture_output=True,
        text=True,
        env=ic_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    waited = 0
    imported: list[int] = []
    for round_ in range(3):
        demo = _popen(
            ic("--db", str(db_file), "demo", "--citizens", "3000", "--seed", str(round_ + 1))
        )
        first = _start_when_writing(
            db_file, demo, ic("--db", str(db_file), "import-extract", str(extracts[2 * round_]))
        )
        results = [_finish(demo), _finish(first)]
        # Two imports started together: both read, then both want to write.
        second = _popen(ic("--db", str(db_file), "import-extract", str(extracts[2 * round_ + 1])))
        third = _popen(ic("--db", str(db_file), "import-extract", str(extracts[0])))
        results += [_finish(second), _finish(third)]
        for code, _out, err in results:
            assert code == 0, err
            assert "Traceback" not in err
            assert err.replace(BUSY_MESSAGE, "", 1).strip() == "", err  # said at most once
            waited += BUSY_MESSAGE in err
        imported += [_added(out) for _, out, _ in results[1:]]
        with sqlite3.connect(db_file) as conn:
            citizens = conn.execute("SELECT count(*) FROM citizen").fetchone()[0]
            batches = conn.execute(
                "SELECT added FROM import_batch WHERE file_name LIKE 'extract-%'"
            ).fetchall()
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert citizens >= 3000 * (round_ + 1) + imported[0]  # both writers' people are there
        assert sorted(a for (a,) in batches) == sorted(imported)
        assert integrity == "ok"
    # Whether a writer waited long enough to announce it depends on timing (an import reads
    # and backs up before it writes): test_a_write_waits_for_another_writer_and_says_so
    # checks the wait itself deterministically.


def _hold_write_lock(db_path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def _release_after(seconds: float, holder: sqlite3.Connection) -> None:
    # A plain thread with time.sleep, not threading.Timer: under libfaketime (the suite's
    # second run in .ci/run) timed condition waits never return, sleeps do.
    def release() -> None:
        time.sleep(seconds)
        holder.rollback()

    threading.Thread(target=release, daemon=True).start()


def test_a_write_waits_for_another_writer_and_says_so(db: Database) -> None:
    holder = _hold_write_lock(db.path)
    _release_after(0.8, holder)
    heard: list[bool] = []
    with busy_listener(heard.append):
        maintenance.initialise(db)  # a unit of work: session_factory.begin()
    holder.close()
    assert heard == [True, False]
    assert dict(maintenance.counts(db))["Пользователи"] == 1


def test_a_short_wait_is_not_announced(db: Database) -> None:
    holder = _hold_write_lock(db.path)
    _release_after(0.05, holder)
    heard: list[bool] = []
    with busy_listener(heard.append):
        maintenance.initialise(db)
    holder.close()
    assert heard == []


def test_a_write_gives_up_after_the_bound_with_one_russian_line(
    db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_engine, "WRITE_WAIT_SECONDS", 1.0)
    holder = _hold_write_lock(db.path)
    try:
        started = time.monotonic()
        code, _, err = run(capsys, "--db", str(db.path), "init")
        waited = time.monotonic() - started
        with pytest.raises(DatabaseLockedError):
            maintenance.initialise(db)
    finally:
        holder.close()
    assert code == EXIT_USER_ERROR
    line = assert_one_line_error(err, after=(BUSY_MESSAGE,))
    assert "занята другим процессом дольше 1 с" in line
    assert 0.9 < waited < 10
    code, _, err = run(capsys, "--db", str(db.path), "init")  # free again: it works
    assert code == 0, err


def test_the_progress_dialog_says_the_database_is_busy(db: Database, qtbot: Any) -> None:
    from PySide6.QtWidgets import QProgressDialog, QWidget

    from ui.worker import run_with_progress

    parent = QWidget()
    qtbot.addWidget(parent)
    holder = _hold_write_lock(db.path)
    outcome: list[object] = []
    task = run_with_progress(
        parent,
        "Запись…",
        lambda _report, _cancelled: maintenance.initialise(db),
        outcome.append,
        outcome.append,
    )
    dialog = parent.findChild(QProgressDialog)
    with qtbot.waitSignal(task.busy, timeout=10_000) as busy:
        pass
    assert busy.args == [True]
    assert dialog.labelText() == BUSY_MESSAGE
    with qtbot.waitSignal(task.done, timeout=10_000):
        holder.rollback()
    holder.close()
    assert outcome == [None]


# -- a file that is not ours ------------------------------------------------------------


def _photos(path: Path, journal: str = "delete", app_id: int = 0) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    if app_id:
        conn.execute(f"PRAGMA application_id = {app_id}")
    conn.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, name TEXT, taken TEXT)")
    conn.executemany(
        "INSERT INTO photo (name, taken) VALUES (?, ?)",
        [(f"IMG_{i:04d}.jpg", "2024-07-01") for i in range(200)],
    )
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("journal", "app_id"),
    [("delete", 0), ("wal", 0), ("delete", 0x4D50_4C53), ("wal", 0x4D50_4C53)],
)
def test_another_programs_sqlite_file_is_refused_and_left_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], journal: str, app_id: int
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    photos = folder / "photos.sqlite"
    _photos(photos, journal, app_id)
    before = folder_state(folder)
    for command in (["check"], ["init"], ["demo", "--citizens", "5"], ["deadlines"]):
        code, out, err = run(capsys, "--db", str(photos), *command)
        assert code == EXIT_USER_ERROR, command
        assert NOT_OURS in assert_one_line_error(err), command
        assert out == ""
    with pytest.raises(NotOurDatabaseError, match=NOT_OURS):
        open_database(photos)
    assert folder_state(folder) == before  # not a byte, not a -wal, -shm, backup or .tmp


def test_another_programs_tables_without_our_revision_are_refused(tmp_path: Path) -> None:
    # Other programs use Alembic too: a revision we do not know is not ours.
    path = tmp_path / "other.sqlite"
    _photos(path)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('4f2e8a1b9c0d')")
    before = path.read_bytes()
    with pytest.raises(NotOurDatabaseError):
        open_database(path)
    assert path.read_bytes() == before


def test_an_empty_file_is_refused_and_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "ic.sqlite"
    empty.touch()
    for command in (["check"], ["init"], ["init", "--plain"], ["demo", "--citizens", "5"]):
        code, _, err = run(capsys, "--db", str(empty), *command)
        assert code == EXIT_USER_ERROR, command
        assert "пуст (0 байт)" in assert_one_line_error(err), command
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ic.sqlite"]


def test_new_databases_are_marked_as_ours(tmp_path: Path) -> None:
    plain = tmp_path / "plain.sqlite"
    open_database(plain).close()
    assert application_id(plain) == APPLICATION_ID
    key = bytes(range(32))
    encrypted = tmp_path / "encrypted.sqlite"
    open_database(encrypted, key=key).close()
    assert application_id(encrypted, key) == APPLICATION_ID


def test_a_database_made_before_the_mark_gets_it_when_opened(db_path: Path) -> None:
    open_database(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA application_id = 0")
    assert application_id(db_path) == 0
    open_database(db_path).close()
    assert application_id(db_path) == APPLICATION_ID


def test_encrypted_files_are_checked_inside_with_the_key(tmp_path: Path) -> None:
    key = bytes(range(32))
    ours = tmp_path / "ours.sqlite"
    open_database(ours, key=key).close()
    conn: Any = sqlcipher3.connect(str(ours))
    conn.execute(f'PRAGMA key = "{raw_key_pragma(key)}"')
    conn.execute("PRAGMA application_id = 0")  # made before the mark
    conn.commit()
    conn.close()
    open_database(ours, key=key).close()
    assert application_id(ours, key) == APPLICATION_ID

    foreign = tmp_path / "foreign.sqlite"
    conn = sqlcipher3.connect(str(foreign))
    conn.execute(f'PRAGMA key = "{raw_key_pragma(key)}"')
    conn.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photo (name) VALUES ('IMG_0001.jpg')")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    with pytest.raises(NotOurDatabaseError, match=NOT_OURS):
        open_database(foreign, key=key)
    assert foreign.read_bytes() == before


# -- disk full, read-only ---------------------------------------------------------------


def _every_connection(monkeypatch: pytest.MonkeyPatch, pragma: Callable[[int], str]) -> None:
    """Engines opened from here on run ``pragma(the file's page count)`` on each connection."""
    real = db_session.create_db_engine

    def patched(path: Path | str, key: str | None = None, *, echo: bool = False) -> Engine:
        engine = real(path, key, echo=echo)

        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(pragma(pages))

        return engine

    monkeypatch.setattr(db_session, "create_db_engine", patched)


def test_disk_full_is_sqlite_full_and_one_russian_line(
    db_path: Path,
    _migrated_template: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The file may not grow past a few more pages: SQLite's own SQLITE_FULL, as on a full
    # disk (test_a_really_full_disk_... fills a real one where a mount namespace is allowed).
    _every_connection(monkeypatch, lambda pages: f"PRAGMA max_page_count = {pages + 8}")
    shutil.copyfile(_migrated_template, db_path)
    database = open_database(db_path)
    try:
        with pytest.raises(OperationalError) as raised:
            generate_demo(database, 300, seed=1)
    finally:
        database.close()
    assert raised.value.orig.sqlite_errorcode == sqlite3.SQLITE_FULL  # type: ignore[union-attr]
    assert isinstance(translate(raised.value), DiskFullError)

    code, _, err = run(capsys, "--db", str(db_path), "demo", "--citizens", "300")
    assert code == EXIT_USER_ERROR
    assert "Недостаточно места на диске" in assert_one_line_error(err)


def test_a_refused_write_is_one_russian_line(
    db_path: Path,
    _migrated_template: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SQLITE_READONLY as query_only gives it (the real read-only file: the namespace test).
    _every_connection(monkeypatch, lambda _pages: "PRAGMA query_only = ON")
    shutil.copyfile(_migrated_template, db_path)
    code, _, err = run(capsys, "--db", str(db_path), "init")
    assert code == EXIT_USER_ERROR
    assert "доступен только для чтения" in assert_one_line_error(err)


def _namespace_available() -> bool:
    if not shutil.which("unshare") or not shutil.which("mount"):
        return False
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


needs_namespace = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _namespace_available(),
    reason="needs a private mount namespace (unshare -rm) to make a full or read-only disk",
)


def _in_namespace(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["unshare", "-rm", "sh", "-ec", script],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=ic_env(),
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@needs_namespace
def test_a_really_full_disk_is_one_russian_line_and_the_database_survives(
    tmp_path: Path,
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    base = disk / "ic.sqlite"
    command = " ".join(ic())
    done = _in_namespace(
        f"mount -t tmpfs -o size=1m tmpfs {disk}\n"
        f"{command} --db {base} init --plain > /dev/null\n"
        f"if {command} --db {base} demo --citizens 500 2> {tmp_path}/demo.err; then exit 9; fi\n"
        f"{command} --db {base} check > {tmp_path}/check.out\n"
    )
    assert done.returncode == 0, done.stderr
    line = assert_one_line_error((tmp_path / "demo.err").read_text(encoding="utf-8"))
    assert "Недостаточно места на диске" in line
    assert "Целостность: в порядке" in (tmp_path / "check.out").read_text(encoding="utf-8")


@pytest.mark.slow
@needs_namespace
def test_a_read_only_file_or_folder_is_one_russian_line(
    tmp_path: Path, _migrated_template: Path
) -> None:
    command = " ".join(ic())
    # The file read-only in a writable folder (a file with the "read-only" attribute):
    # SQLite opens it for reading, and the first write fails with SQLITE_READONLY.
    base = tmp_path / "file" / "ic.sqlite"
    base.parent.mkdir()
    shutil.copyfile(_migrated_template, base)
    done = _in_namespace(
        f"mount --bind {base} {base}\nmount -o remount,bind,ro {base}\n"
        f"{command} --db {base} check > {tmp_path}/check.out\n"
        f"if {command} --db {base} init 2> {tmp_path}/init.err; then exit 9; fi\n"
    )
    assert done.returncode == 0, done.stderr
    assert "Целостность: в порядке" in (tmp_path / "check.out").read_text(encoding="utf-8")
    line = assert_one_line_error((tmp_path / "init.err").read_text(encoding="utf-8"))
    assert "доступен только для чтения" in line
    # The whole folder read-only (a CD, a read-only share) and no -wal/-shm there yet:
    # SQLite cannot open a WAL database at all.
    base = tmp_path / "share" / "ic.sqlite"
    base.parent.mkdir()
    shutil.copyfile(_migrated_template, base)
    done = _in_namespace(
        f"mount --bind {base.parent} {base.parent}\nmount -o remount,bind,ro {base.parent}\n"
        f"if {command} --db {base} check 2> {tmp_path}/check.err; then exit 9; fi\n"
    )
    assert done.returncode == 0, done.stderr
    line = assert_one_line_error((tmp_path / "check.err").read_text(encoding="utf-8"))
    assert "доступна только для чтения" in line


# -- a damaged file ---------------------------------------------------------------------


def _damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        if how == "overwritten":
            handle.seek(size // 2)
            handle.write(b"\xa5" * 8192)
        else:
            handle.truncate(size // 2)


@pytest.mark.parametrize("how", ["overwritten", "truncated"])
def test_check_on_a_damaged_database_reports_it_without_a_traceback(
    db: Database, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    generate_demo(db, 300, seed=1)
    db.close()
    _damage(db.path, how)
    code, out, err = run(capsys, "--db", str(db.path), "check")
    assert "Traceback" not in err
    if code == EXIT_PROBLEMS:
        assert "Целостность: НАРУШЕНА" in out
    else:
        assert code == EXIT_USER_ERROR
        assert "повреждён" in assert_one_line_error(err)
    for command in (["deadlines", "--on", TODAY], ["registry", "form", "--month", "2026-10"]):
        code, _, err = run(capsys, "--db", str(db.path), *command)
        if code != 0:
            assert code == EXIT_USER_ERROR, command
            assert_one_line_error(err)
