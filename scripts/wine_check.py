"""The installer and the Windows core under Wine, compared with Linux (issue #14; run by
scripts/wine_check.sh).

    .venv/bin/python scripts/wine_check.py dist/IntegrationConsultant-<version>-setup.exe

In the Wine prefix (WINEPREFIX) the real installer runs silently (/S) as a user without
administrator rights, and what it promises is checked: the program in
%LOCALAPPDATA%\\Programs\\IntegrationConsultant, modules compiled, the Start menu entry
«Интеграционный консультант», .icsync/.icack opening the program, the uninstaller's entry
under HKCU, `ic` on the user's PATH. Then the same commands run there with the installed
Windows CPython and wheels, and here with .venv, at the same instant (IC_NOW):

  ic --version                          the version of pyproject
  ic --help                             the default database is in %LOCALAPPDATA%
  ic init; ic check                     an encrypted database (sqlcipher3, a key wrapped
                                        by the password) in %LOCALAPPDATA%, opened again
  ic --db «…\\демо база.sqlite» init, demo --citizens 2000
  ic demo-extract; ic import-extract    a demo extract with Cyrillic and spaces in its name
  ic route pdf --month; ic report semiannual --format xlsx / pdf
  ic check                              on the demo database

Linux opens the databases Wine wrote (and Wine opens one Linux wrote), and the PDFs
(pdftotext) and the XLSX (every cell, openpyxl) made under Wine are compared with Linux's.
Last, the installer runs again over the installed program (an upgrade: the old files go,
the data folder is untouched, the database opens), and the uninstaller runs: the program,
its Start menu entry, file types and PATH entry go; the data folder stays byte for byte.
Prints one line per step; exits 1 on the first difference.
Known under Debian 12's Wine 8: Python 3.12 needs _wmi.pyd removed (platform.* hangs on
WMI; done after each install) and PYTHONLEGACYWINDOWSSTDIO=1 with output piped; Qt's window
is not started here (no icuuc.dll).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path, PureWindowsPath

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
LINUX_IC = [str(ROOT / ".venv" / "bin" / "python"), "-m", "app"]
NOW = "2026-11-23T05:00:00+00:00"
USER, PASSWORD = "admin", "Пароль проверки 1"
PROFILE = ["--name", "Иванова Анна Петровна", "--organisation", "АУ СОН ТО «Центр помощи»"]
PROGRAM = "Интеграционный консультант"
UNINSTALL_KEY = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\IntegrationConsultant"
WORK = "Данные консультанта"
HALF = "2026H1"
MONTH = "2026-10"

STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[wine-check {time.monotonic() - STARTED:5.0f} s] {message}", flush=True)


def fail(message: str) -> None:
    say(f"FAIL: {message}")
    sys.exit(1)


class Side:
    """One platform: how to run `ic` and where its files are (both names of each file)."""

    def __init__(self, name: str, command: list[str], folder: Path, shown: str) -> None:
        self.name = name
        self.command = command
        self.folder = folder  # the work folder as Linux sees it
        self.shown = shown  # the same folder as the program sees it

    def path(self, file_name: str) -> str:
        if self.name == "wine":
            return str(PureWindowsPath(self.shown) / file_name)
        return str(Path(self.shown) / file_name)

    def ic(self, *args: str, env: dict[str, str] | None = None, timeout: int = 300) -> str:
        # The log and settings beside the work files, unless the step says otherwise.
        home = {"IC_HOME": self.path("home")}
        full_env = {**os.environ, **base_env(), **home, **(env or {})}
        done = subprocess.run(
            [*self.command, *args],
            capture_output=True,
            timeout=timeout,
            env=full_env,
            cwd=self.folder,
        )
        out = done.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
        err = done.stderr.decode("utf-8", "replace").replace("\r\n", "\n")
        if done.returncode != 0:
            fail(f"{self.name}: ic {' '.join(args)} exited {done.returncode}\n{out}\n{err}")
        return out


def base_env() -> dict[str, str]:
    return {
        "IC_NOW": NOW,
        "IC_USER": USER,
        "IC_PASSWORD": PASSWORD,
        "PYTHONIOENCODING": "utf-8",
        "PYTHONLEGACYWINDOWSSTDIO": "1",
        "PYTHONUTF8": "1",
        "WINEDEBUG": "-all",
    }


def wine(*args: str, timeout: int = 600) -> str:
    done = subprocess.run(
        ["wine64", *args], capture_output=True, timeout=timeout, env={**os.environ, **base_env()}
    )
    return done.stdout.decode("utf-8", "replace").replace("\r\n", "\n")


def registry(key: str) -> dict[str, str]:
    """The values of one HKCU key (`reg query`), name -> data; {} when the key is missing."""
    values = {}
    for line in wine("reg", "query", key).splitlines():
        parts = line.strip().split("    ")
        if len(parts) == 3 and parts[1].startswith("REG_"):
            values[parts[0]] = parts[2]
    return values


def run_setup(setup: Path, what: str) -> None:
    """The real installer, silent (/S), as a consultant without administrator rights runs it."""
    started = time.monotonic()
    done = subprocess.run(
        ["wine64", str(setup), "/S"], capture_output=True, timeout=600, env=os.environ
    )
    if done.returncode != 0:
        fail(f"{setup.name} /S ({what}) exited {done.returncode}")
    say(f"wine: {setup.name} /S ({what}) in {time.monotonic() - started:.0f} s")


def check_installed(program: Path, user: Path, version: str) -> None:
    """What the installer promises (installer/ic.nsi): files, Start menu, file types, the
    uninstaller's entry, `ic` on the user's PATH — per user, under HKCU."""
    for part in (
        "Python/python.exe", "Python/pythonw.exe", "pkgs/app/__init__.py",
        "pkgs/db/migrations/versions", "pkgs/resources/fonts", "pkgs/holidays",
        "pkgs/PySide6", "pkgs/sqlcipher3", "launch.pyw", "bin/ic.exe", "uninstall.exe", "ic.ico",
    ):  # fmt: skip
        if not (program / part).exists():
            fail(f"the installer did not put {part} into {program}")
    if not list((program / "pkgs" / "app").rglob("*.pyc")):
        fail("the installer did not compile the program's modules")
    link = user / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs" / f"{PROGRAM}.lnk"
    if not link.is_file():
        fail(f"no Start menu entry «{PROGRAM}»")
    for ext in ("icsync", "icack"):
        cls = f"IntegrationConsultant.{ext}"
        if registry(f"HKCU\\Software\\Classes\\.{ext}").get("(Default)") != cls:
            fail(f".{ext} files are not associated with the program")
        command = registry(f"HKCU\\Software\\Classes\\{cls}\\shell\\open\\command")
        if not re.fullmatch(
            r'"\S+\\pythonw\.exe" "\S+\\launch\.pyw" "%1"', command.get("(Default)", "")
        ):
            fail(f".{ext} opens with {command}")
    entry = registry(f"HKCU\\{UNINSTALL_KEY}")
    if entry.get("DisplayVersion") != version or "uninstall.exe" not in entry.get(
        "QuietUninstallString", ""
    ):
        fail(f"the uninstaller's entry is wrong: {entry}")
    if "IntegrationConsultant\\bin" not in registry("HKCU\\Environment").get("PATH", ""):
        fail("ic is not on the user's PATH")
    say(
        f"wine: installed per user in {program.relative_to(user.parent.parent)}: Start menu "
        f"«{PROGRAM}», .icsync/.icack open the program, uninstaller entry {version}, ic on PATH"
    )


def without_wmi(program: Path) -> None:
    """Wine 8 only: Python 3.12's platform.* hangs on WMI there (not a Windows problem)."""
    (program / "Python" / "_wmi.pyd").unlink()


def uninstall(program: Path, user: Path, data: Path, data_files: dict[str, str]) -> None:
    """The uninstaller (/S) takes the program, its Start menu entry, file types and PATH
    entry, and leaves the data folder byte for byte."""
    # NSIS's uninstaller copies itself to %TEMP% and returns at once; wait for it.
    subprocess.run(
        ["wine64", str(program / "uninstall.exe"), "/S"], capture_output=True, timeout=300
    )
    deadline = time.monotonic() + 180
    while program.exists() and time.monotonic() < deadline:
        time.sleep(2)
    subprocess.run(["wineserver", "-w"], timeout=300)
    if program.exists():
        fail(f"the uninstaller left {sorted(p.name for p in program.iterdir())}")
    link = user / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs" / f"{PROGRAM}.lnk"
    if link.exists() or registry(f"HKCU\\{UNINSTALL_KEY}"):
        fail("the uninstaller left the Start menu entry or its own entry")
    if registry("HKCU\\Software\\Classes\\.icsync") or registry(
        "HKCU\\Software\\Classes\\IntegrationConsultant.icack"
    ):
        fail("the uninstaller left the file types")
    if "IntegrationConsultant\\bin" in registry("HKCU\\Environment").get("PATH", ""):
        fail("the uninstaller left ic on the user's PATH")
    if digests(data) != data_files:
        fail(f"the uninstaller changed the data folder {data}")
    say(f"wine: uninstalled; the data folder kept every file ({len(data_files)}) unchanged")


def digests(folder: Path) -> dict[str, str]:
    import hashlib

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def wine_user_dir(prefix: Path) -> Path:
    users = [p for p in (prefix / "drive_c" / "users").iterdir() if p.name != "Public"]
    if len(users) != 1:
        fail(f"cannot tell the Wine user among {users}")
    return users[0]


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def xlsx_cells(path: Path) -> list[tuple[str, str, object]]:
    book = load_workbook(path, read_only=True)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells.append((sheet.title, cell.coordinate, cell.value))
    book.close()
    return cells


def same(what: str, linux: object, wine: object) -> None:
    if linux != wine:
        if isinstance(linux, str) and isinstance(wine, str):
            import difflib

            diff = "\n".join(
                list(difflib.unified_diff(linux.splitlines(), wine.splitlines(), lineterm=""))[:40]
            )
            fail(f"{what} differs between Linux and Wine:\n{diff}")
        fail(f"{what} differs between Linux and Wine")
    say(f"same on Linux and Wine: {what}")


def printed(output: str) -> str:
    """A command's output without the extract's SHA-256: openpyxl stamps each file it writes
    with the time it was written, so two extracts of the same rows differ in their bytes."""
    return re.sub(r"SHA-256 [0-9a-f]+…?", "SHA-256 <hash>", output)


def counts(check_output: str) -> list[str]:
    """`ic check`'s lines without the file's path (the paths differ by design) and the count
    of audit events (each sign-in of a later `ic check` adds one)."""
    return [
        line
        for line in check_output.splitlines()
        if not line.startswith("База данных:") and "События журнала" not in line
    ]


def scenario(side: Side) -> dict[str, str]:
    """The commands of the docstring on one side; returns what they printed."""
    db = side.path("демо база.sqlite")
    out: dict[str, str] = {}
    out["init"] = side.ic("--db", db, "init", *PROFILE)
    say(f"{side.name}: ic init (encrypted) in «{WORK}»")
    out["demo"] = side.ic("--db", db, "demo", "--citizens", "2000", "--seed", "7")
    say(f"{side.name}: ic demo --citizens 2000: {out['demo'].strip().splitlines()[-1][:90]}")
    extract = side.path(f"выписка {MONTH}.xlsx")
    side.ic("demo-extract", "--rows", "40", "--seed", "3", "--month", MONTH, "--out", extract)
    out["import"] = side.ic("--db", db, "import-extract", extract)
    say(f"{side.name}: ic import-extract «выписка {MONTH}.xlsx»")
    out["route"] = side.ic(
        "--db", db, "route", "pdf", "--month", MONTH, "--out", side.path("маршруты за месяц.pdf")
    )
    for fmt in ("xlsx", "pdf"):
        out[f"report-{fmt}"] = side.ic(
            "--db", db, "report", "semiannual", "--half", HALF, "--format", fmt,
            "--out", side.path(f"отчёт {HALF}.{fmt}"),
        )  # fmt: skip
    say(f"{side.name}: ic route pdf --month {MONTH}; ic report semiannual --half {HALF}")
    out["check"] = side.ic("--db", db, "check")
    return out


def main() -> None:
    setup = Path(sys.argv[1]).resolve()
    prefix = Path(os.environ["WINEPREFIX"])
    with (ROOT / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]

    user = wine_user_dir(prefix)
    program = user / "AppData" / "Local" / "Programs" / "IntegrationConsultant"
    local = user / "AppData" / "Local" / "IntegrationConsultant"
    for folder in (program, local):
        shutil.rmtree(folder, ignore_errors=True)
    run_setup(setup, "first install")
    check_installed(program, user, version)
    without_wmi(program)
    ic_exe = str(PureWindowsPath(f"C:/users/{user.name}/AppData/Local/Programs")
                 / "IntegrationConsultant" / "bin" / "ic.exe")  # fmt: skip
    wine_work = prefix / "drive_c" / WORK
    linux_work = Path(os.environ.get("IC_WINE_CHECK_LINUX", "/tmp/ic-wine-check")) / WORK
    for folder in (wine_work, linux_work):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    wine = Side("wine", ["wine64", ic_exe], wine_work, f"C:\\{WORK}")
    linux = Side("linux", LINUX_IC, linux_work, str(linux_work))

    # The version, and the data folder under %LOCALAPPDATA% (platformdirs on Windows).
    shown = wine.ic("--version").strip()
    if shown != f"ic {version}":
        fail(f"ic --version under Wine printed {shown!r}, not 'ic {version}'")
    say(f"wine: {shown}; Python {wine_python_version(prefix, program)}")
    no_home = {"IC_HOME": ""}
    help_text = wine.ic("--help", env=no_home)
    expected = f"{user.name}\\AppData\\Local\\IntegrationConsultant"
    if expected not in help_text.replace("\n", "").replace(" ", ""):
        fail(f"the default database is not under %LOCALAPPDATA%: {help_text}")
    say(f"wine: the default database is under C:\\users\\{user.name}\\AppData\\Local")

    # An encrypted database in the default place: made, closed, opened again.
    wine.ic("init", *PROFILE, env=no_home)
    checked = wine.ic("check", env=no_home)
    default_db = local / "IntegrationConsultant" / "integration-consultant.sqlite"
    if not default_db.is_file() or not (default_db.parent / (default_db.name + ".keys")).is_file():
        fail(f"ic init did not write {default_db} and its .keys")
    if b"SQLite format 3" in default_db.read_bytes()[:16]:
        fail("the database made under Wine is not encrypted")
    if "Целостность: в порядке" not in checked:
        fail(f"ic check under Wine:\n{checked}")
    say("wine: ic init + ic check: an encrypted database in %LOCALAPPDATA% opens again")
    from_linux = linux.ic("--db", str(default_db), "check")
    same("ic check of the encrypted database made under Wine", counts(checked), counts(from_linux))

    results = {side.name: scenario(side) for side in (wine, linux)}
    for key in ("import", "route", "report-xlsx", "report-pdf"):
        same(
            f"what ic {key} printed",
            printed(results["linux"][key].replace(str(linux_work), "<work>")),
            printed(results["wine"][key].replace(f"C:\\{WORK}", "<work>").replace("\\", "/")),
        )
    same("ic check of the demo database", counts(results["linux"]["check"]),
         counts(results["wine"]["check"]))  # fmt: skip
    same(
        "route PDF (pdftotext)",
        pdf_text(linux_work / "маршруты за месяц.pdf"),
        pdf_text(wine_work / "маршруты за месяц.pdf"),
    )
    same(
        "semi-annual report PDF (pdftotext)",
        pdf_text(linux_work / f"отчёт {HALF}.pdf"),
        pdf_text(wine_work / f"отчёт {HALF}.pdf"),
    )
    same(
        "semi-annual report XLSX (every cell)",
        xlsx_cells(linux_work / f"отчёт {HALF}.xlsx"),
        xlsx_cells(wine_work / f"отчёт {HALF}.xlsx"),
    )
    # The other way: Wine opens the encrypted database Linux wrote.
    shutil.copy2(linux_work / "демо база.sqlite", wine_work / "из Linux.sqlite")
    shutil.copy2(linux_work / "демо база.sqlite.keys", wine_work / "из Linux.sqlite.keys")
    same(
        "ic check of Linux's encrypted demo database opened under Wine",
        counts(results["linux"]["check"]),
        counts(wine.ic("--db", wine.path("из Linux.sqlite"), "check")),
    )

    server_round_trip(wine, linux)

    # Installing again over the installed program (what an upgrade does): the old program's
    # files go (a module left by "the older version" is gone), the data folder stays as it
    # was, and the program opens its database again.
    data = local / "IntegrationConsultant"
    kept = digests(data)
    stale = program / "pkgs" / "app" / "left_by_the_older_version.py"
    stale.write_text("raise SystemExit('an old module survived the upgrade')\n")
    run_setup(setup, "again, over the installed program")
    check_installed(program, user, version)
    without_wmi(program)
    if stale.exists():
        fail("installing over the program left the older version's module")
    if digests(data) != kept:
        fail("installing over the program changed the data folder")
    again = wine.ic("check", env=no_home)
    same("ic check of the default database after installing again", counts(checked),
         counts(again))  # fmt: skip
    uninstall(program, user, data, digests(data))
    same("ic check (on Linux) of the database the uninstaller left", counts(checked),
         counts(linux.ic("--db", str(default_db), "check")))  # fmt: skip
    say("all passed")


def server_round_trip(wine: Side, linux: Side) -> None:
    """The PostgreSQL driver of the installer (psycopg with its own libpq) under Wine, and,
    with IC_TEST_POSTGRES_URL set (.ci/run starts a throw-away server first), the same
    server database used from Wine and from Linux: Wine makes it and imports an extract,
    Linux's `ic check` counts what Wine wrote, Wine's `ic check` agrees."""
    impl = wine_python(
        "import psycopg, sqlalchemy.dialects.postgresql.psycopg; print(psycopg.pq.__impl__)"
    )
    if impl != "binary":
        fail(f"psycopg under Wine: implementation {impl!r}, not 'binary' (libpq missing?)")
    say("wine: psycopg loads its own libpq (binary implementation)")
    url = os.environ.get("IC_TEST_POSTGRES_URL")
    if not url:
        say("no IC_TEST_POSTGRES_URL: the server database round trip is not run")
        return
    import psycopg
    from sqlalchemy import make_url

    base = make_url(url)
    name = "ic_wine_check"
    with psycopg.connect(
        base.set(drivername="postgresql").render_as_string(hide_password=False),
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    target = base.set(database=name).render_as_string(hide_password=False)
    wine.ic("--db", target, "init", *PROFILE)
    wine.ic("--db", target, "import-extract", wine.path(f"выписка {MONTH}.xlsx"))
    from_wine = wine.ic("--db", target, "check")
    if "Граждане" not in from_wine:
        fail(f"ic check of the server database under Wine:\n{from_wine}")
    same("ic check of a server database filled from Wine", counts(from_wine),
         counts(linux.ic("--db", target, "check")))  # fmt: skip


def wine_python(code: str) -> str:
    """What the installed Windows Python prints for ``code``."""
    user = wine_user_dir(Path(os.environ["WINEPREFIX"])).name
    python = str(PureWindowsPath(f"C:/users/{user}/AppData/Local/Programs")
                 / "IntegrationConsultant" / "Python" / "python.exe")  # fmt: skip
    done = subprocess.run(
        ["wine64", python, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **base_env()},
        timeout=300,
    )
    return done.stdout.strip()


def wine_python_version(prefix: Path, program: Path) -> str:
    user = program.parents[3].name  # drive_c/users/<user>/AppData/Local/Programs/...
    python = str(PureWindowsPath(f"C:/users/{user}/AppData/Local/Programs")
                 / "IntegrationConsultant" / "Python" / "python.exe")  # fmt: skip
    done = subprocess.run(
        ["wine64", python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        env={**os.environ, **base_env()},
    )
    return done.stdout.strip()


if __name__ == "__main__":
    main()
