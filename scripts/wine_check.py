"""The Windows core under Wine, compared with Linux (issue #14; run by scripts/wine_check.sh).

    .venv/bin/python scripts/wine_check.py STAGED_DIR

STAGED_DIR is what the installer unpacks (installer/build.py --stage: Python\\, pkgs\\,
bin\\ic.exe, launch.pyw). It is copied to «C:\\Program Files\\Интеграционный консультант»
of the Wine prefix (WINEPREFIX), and the same commands run there with the Windows CPython
and the Windows wheels, and here with .venv, at the same instant (IC_NOW):

  ic --version                          the version of pyproject
  ic --help                             the default database is in %LOCALAPPDATA%
  ic init; ic check                     an encrypted database (sqlcipher3, a key wrapped
                                        by the password) in %LOCALAPPDATA%, opened again
  ic --db «…\\демо база.sqlite» init, demo --citizens 2000
  ic demo-extract; ic import-extract    a demo extract with Cyrillic and spaces in its name
  ic route pdf --month; ic report semiannual --format xlsx / pdf
  ic check                              on the demo database

Then Linux opens the databases Wine wrote (and Wine opens one Linux wrote), and the PDFs
(pdftotext) and the XLSX (every cell, openpyxl) made under Wine are compared with Linux's.
Prints one line per step; exits 1 on the first difference.
Known under Debian 12's Wine 8: Python 3.12 needs _wmi.pyd removed (platform.* hangs on
WMI) and PYTHONLEGACYWINDOWSSTDIO=1 with output piped; Qt's window is not started here.
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


def install(staged: Path, prefix: Path) -> Path:
    """Copy the payload where the installer would put it (here: a folder named in Russian,
    with a space, under Program Files) and take out _wmi.pyd (Wine 8)."""
    target = prefix / "drive_c" / "Program Files" / PROGRAM
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    # Where installer.nsi puts each part (resources\ goes into pkgs\, beside app\).
    for part, destination in (
        ("Python", "Python"),
        ("pkgs", "pkgs"),
        ("resources", "pkgs/resources"),
        ("bin", "bin"),
        ("launch.pyw", "launch.pyw"),
    ):
        source = staged / part
        if source.is_dir():
            shutil.copytree(source, target / destination)
        else:
            shutil.copy2(source, target / destination)
    (target / "Python" / "_wmi.pyd").unlink()
    return target


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
    staged = Path(sys.argv[1]).resolve()
    prefix = Path(os.environ["WINEPREFIX"])
    with (ROOT / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]

    program = install(staged, prefix)
    say(f"payload copied to {program}")
    ic_exe = str(PureWindowsPath("C:/Program Files") / PROGRAM / "bin" / "ic.exe")
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
    user = wine_user_dir(prefix)
    local = user / "AppData" / "Local" / "IntegrationConsultant"
    shutil.rmtree(local, ignore_errors=True)
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
    say("all passed")


def wine_python_version(prefix: Path, program: Path) -> str:
    python = str(PureWindowsPath("C:/Program Files") / PROGRAM / "Python" / "python.exe")
    done = subprocess.run(
        ["wine64", python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        env={**os.environ, **base_env()},
    )
    return done.stdout.strip()


if __name__ == "__main__":
    main()
