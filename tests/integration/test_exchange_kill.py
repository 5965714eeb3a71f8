"""`ic sync import` killed with SIGKILL at random moments (issue #11): the centre's
database passes `ic check` and holds the package either fully applied or not at all."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import EXIT_OK, main
from app.services import access, exchange_keys

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "petrova", "пароль-для-тестов"
KILLS = 20


def _ic(db: Path, *args: str) -> int:
    return main(["--db", str(db), *[str(a) for a in args]])


def _fingerprint(db_path: Path) -> str:
    db = access.sign_in(db_path, USER, PASSWORD)
    try:
        info = exchange_keys.installation(db)
        assert info is not None
        return info.fingerprint
    finally:
        db.close()


def _state(db_path: Path) -> tuple[int, int, int]:
    """(records, packages, report rows) the centre holds."""
    db = access.sign_in(db_path, USER, PASSWORD)
    try:
        with db.engine.connect() as conn:
            return (
                int(conn.exec_driver_sql("SELECT count(*) FROM provider_record").scalar() or 0),
                int(conn.exec_driver_sql("SELECT count(*) FROM exchange_package").scalar() or 0),
                int(conn.exec_driver_sql("SELECT count(*) FROM provider_report").scalar() or 0),
            )
    finally:
        db.close()


@pytest.mark.slow
def test_sync_import_killed_at_random_points_is_all_or_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, provider = tmp_path / "RC.sqlite", tmp_path / "P1.sqlite"
    assert _ic(hub, "init", "--role", "centre", "--code", "RC", "--organisation", "Центр") == 0
    assert _ic(provider, "init", "--role", "provider", "--code", "P1", "--organisation", "П") == 0
    assert _ic(provider, "demo", "--citizens", "2500", "--seed", "4") == EXIT_OK
    assert _ic(hub, "keys", "export", "--out", tmp_path / "rc.ickey") == EXIT_OK
    assert _ic(provider, "keys", "export", "--out", tmp_path / "p1.ickey") == EXIT_OK
    assert (
        _ic(provider, "centre", "pin", tmp_path / "rc.ickey", "--fingerprint", _fingerprint(hub))
        == 0
    )
    assert (
        _ic(hub, "providers", "add", tmp_path / "p1.ickey", "--fingerprint", _fingerprint(provider))
        == 0
    )
    package = tmp_path / "P1-1.icsync"
    assert _ic(provider, "sync", "export", "--out", package) == EXIT_OK

    # The centre before the import, kept aside: a probe import measures the duration, and
    # after a kill that came too late the centre is put back to this state.
    pristine = tmp_path / "pristine"
    pristine.mkdir()
    _copy_database(hub, pristine)
    probe = tmp_path / "probe"
    probe.mkdir()
    _copy_database(hub, probe)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def importing(db: Path) -> list[str]:
        return [sys.executable, "-m", "app", "--db", str(db), "sync", "import", str(package)]

    started = time.monotonic()
    subprocess.run(importing(probe / "RC.sqlite"), env=env, check=True, capture_output=True)
    duration = time.monotonic() - started
    full = _state(probe / "RC.sqlite")
    assert full[0] > 20000 and full[1] == 1 and full[2] > 0
    empty = _state(hub)
    assert empty == (0, 0, 0)

    rng = random.Random(11)
    seen = []
    for _ in range(KILLS):
        process = subprocess.Popen(
            importing(hub), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.05, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        capsys.readouterr()
        assert _ic(hub, "check") == EXIT_OK, capsys.readouterr().out
        state = _state(hub)
        assert state in (empty, full), state
        seen.append(state == full)
        if state == full:
            _copy_database(pristine / "RC.sqlite", hub.parent)
    # After all that, an import runs to the end and leaves exactly the package.
    assert subprocess.run(importing(hub), env=env, capture_output=True).returncode == 0
    assert _state(hub) == full
    assert not all(seen)  # at least one kill landed inside the import


def _copy_database(db: Path, folder: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (folder / (db.name + suffix)).unlink(missing_ok=True)
    shutil.copy(db, folder / db.name)
    shutil.copy(db.with_name(db.name + ".keys"), folder / (db.name + ".keys"))
