"""`ic --smoke` (issue #14): the check the Windows build runs after installing the program.

Run as the installed program is run, in its own process, on the offscreen platform.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SMOKE_TIMEOUT = 240  # seconds; the check itself takes about 6 s here


def _smoke(tmp_path: Path, *code: str) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    home = tmp_path / "данные пользователя"  # the user's data folder: must stay untouched
    scratch = tmp_path / "temp"  # the system's temporary folder
    scratch.mkdir()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "IC_HOME": str(home),
        "TMPDIR": str(scratch),
        "IC_USER": "someone",  # the smoke check signs in as its own user
        "IC_PASSWORD": "not-the-smoke-password",
    }
    command = [sys.executable, "-c", "\n".join(code)] if code else [sys.executable]
    if not code:
        command += ["-m", "app", "--smoke"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=SMOKE_TIMEOUT, check=False
    )
    return done, home, scratch


def test_smoke_opens_the_window_prints_a_route_and_cleans_up(tmp_path: Path) -> None:
    done, home, scratch = _smoke(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    match = re.fullmatch(r"smoke ok: (\d+)", lines[0])
    assert match is not None, lines[0]
    assert int(match.group(1)) > 10_000  # a PDF with the embedded fonts, not an empty file
    assert not home.exists()
    assert list(scratch.iterdir()) == []  # its temporary folder is removed


def test_a_failing_smoke_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    # The route cannot be printed (the service fails inside the check's own process).
    done, home, scratch = _smoke(
        tmp_path,
        "import sys",
        "from app.services import routes",
        "def broken(*args, **kwargs):",
        "    raise OSError('диск недоступен')",
        "routes.export_route_pdf = broken",
        "from app.cli import main",
        "sys.exit(main(['--smoke']))",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = done.stdout.splitlines()
    assert line.startswith("smoke failed: OSError: диск недоступен (папка: "), line
    (kept,) = scratch.iterdir()  # kept for its log
    assert line.endswith(f"{kept})")
    log = (kept / "logs" / "integration-consultant.log").read_text(encoding="utf-8")
    assert "smoke failed" in log and "диск недоступен" in log
    assert not home.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY is Linux's")
def test_smoke_without_a_screen_uses_the_offscreen_platform(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.pop("WAYLAND_DISPLAY", None)
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "app", "--smoke"],
        env=env,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("smoke ok: ")
