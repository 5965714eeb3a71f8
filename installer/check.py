"""make installer-test: the built installer is a Windows program that carries the whole app.

    python3 installer/check.py [dist/IntegrationConsultant-<version>-setup.exe]

Checks, printing one line each and exiting 1 on the first failure:
- the .exe is a valid PE file (MZ header, PE signature, AMD64 or i386 machine, GUI subsystem)
  and an NSIS installer (7z reads it as one);
- `7z l` lists the payload: the embeddable Python, the launcher and the `ic` command, the
  app's packages and their dist-info (the version), resources/fonts and reference data,
  every Alembic revision of db/migrations/versions, holidays' Russian calendar and
  translations, Qt (QtWidgets, the Windows platform plugin, Russian translations),
  sqlcipher3's extension;
- every DLL that the kept Qt modules and plugins import from Qt, PySide, shiboken or the
  C++ runtime is in the payload (the installer drops parts of the Qt wheel);
- its size is under SIZE_LIMIT_MB.
Standard library only, plus 7z and objdump (binutils) on the PATH.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE_LIMIT_MB = 50

EXPECTED = [
    "Python/python.exe",
    "Python/pythonw.exe",
    "Python/python312.dll",
    "Python/python312.zip",
    "Python/python312._pth",
    "Python/sqlite3.dll",
    "launch.pyw",
    "bin/ic.exe",
    "ic.ico",
    "pkgs/app/cli.py",
    "pkgs/app/services/citizens.py",
    "pkgs/app/documents/route_pdf.py",
    "pkgs/db/engine.py",
    "pkgs/db/migrations/env.py",
    "pkgs/db/migrations/script.py.mako",
    "pkgs/ui/main_window.py",
    "pkgs/ui/help/registry.md",
    "pkgs/resources/fonts/PTSerif-Regular.ttf",
    "pkgs/resources/fonts/PTSans-Regular.ttf",
    "pkgs/resources/reference/districts.json",
    "pkgs/resources/reference/measure_kinds.json",
    "pkgs/holidays/countries/russia.py",
    "pkgs/holidays/locale/ru/LC_MESSAGES/RU.mo",
    "pkgs/PySide6/QtWidgets.pyd",
    "pkgs/PySide6/QtPrintSupport.pyd",
    "pkgs/PySide6/plugins/platforms/qwindows.dll",
    "pkgs/PySide6/translations/qtbase_ru.qm",
    "pkgs/shiboken6/shiboken6.abi3.dll",
    "pkgs/sqlalchemy/__init__.py",
    "pkgs/alembic/__init__.py",
    "pkgs/reportlab/__init__.py",
    "pkgs/openpyxl/__init__.py",
    "pkgs/pypdfium2_raw/pdfium.dll",
    "pkgs/tzdata/zoneinfo/Asia/Yekaterinburg",
]
EXPECTED_PATTERNS = [
    r"pkgs/sqlcipher3/_sqlite3\..*\.pyd",
    r"pkgs/nacl/.*\.pyd",
    # The PostgreSQL driver (issue #15) with its own libpq for Windows.
    r"pkgs/psycopg/__init__\.py",
    r"pkgs/psycopg_binary/.*\.pyd",
    r"pkgs/integration_consultant-[^/]+\.dist-info/METADATA",
]
# DLLs the program must carry when something it keeps imports them; any other import is a
# Windows system DLL.
SHIPPED_DLL = re.compile(
    r"^(qt6.*|pyside6.*|shiboken6.*|python3.*|msvcp140.*|vcruntime140.*|concrt140)\.dll$", re.I
)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


def ok(message: str) -> None:
    print(f"ok: {message}")


def check_pe(exe: Path) -> None:
    data = exe.read_bytes()[:4096]
    if data[:2] != b"MZ":
        fail(f"{exe.name} has no MZ header")
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe_offset : pe_offset + 4] != b"PE\0\0":
        fail(f"{exe.name} has no PE signature")
    (machine,) = struct.unpack_from("<H", data, pe_offset + 4)
    if machine != 0x8664:
        fail(f"{exe.name}: machine {machine:#x} is not x64 (the program is 64-bit Python)")
    optional = pe_offset + 24
    (magic,) = struct.unpack_from("<H", data, optional)
    (subsystem,) = struct.unpack_from("<H", data, optional + 68)
    if magic not in (0x10B, 0x20B) or subsystem != 2:
        fail(f"{exe.name}: optional header {magic:#x}, subsystem {subsystem} (want GUI, 2)")
    ok(f"{exe.name} is a PE file (machine {machine:#x}, Windows GUI)")


def listing(exe: Path) -> list[str]:
    out = subprocess.run(
        ["7z", "l", "-slt", str(exe)], capture_output=True, text=True, check=True
    ).stdout
    if "Type = Nsis" not in out:
        fail("7z does not read it as an NSIS installer")
    names = [line[7:].replace("\\", "/") for line in out.splitlines() if line.startswith("Path = ")]
    return names[1:]  # the first is the archive itself


def check_payload(names: list[str]) -> None:
    present = set(names)
    missing = [n for n in EXPECTED if n not in present]
    for pattern in EXPECTED_PATTERNS:
        if not any(re.fullmatch(pattern, n) for n in names):
            missing.append(pattern)
    revisions = sorted(p.name for p in (ROOT / "db/migrations/versions").glob("[0-9]*.py"))
    missing += [
        f"pkgs/db/migrations/versions/{r}"
        for r in revisions
        if f"pkgs/db/migrations/versions/{r}" not in present
    ]
    if missing:
        fail("not in the installer: " + ", ".join(missing))
    ok(
        f"payload: {len(names)} files; Python, app/db/ui, resources, "
        f"{len(revisions)} Alembic revisions, holidays, Qt, sqlcipher3, psycopg"
    )


def check_dlls(exe: Path, names: list[str]) -> None:
    wanted = [
        n
        for n in names
        if n.startswith(("pkgs/PySide6/", "pkgs/shiboken6/", "Python/"))
        and n.lower().endswith((".dll", ".pyd"))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["7z", "x", "-y", f"-o{tmp}", str(exe), *wanted],
            check=True,
            capture_output=True,
        )
        shipped = {Path(n).name.lower() for n in names}
        lacking: dict[str, str] = {}
        for n in wanted:
            out = subprocess.run(
                ["objdump", "-p", str(Path(tmp) / n)], capture_output=True, text=True
            ).stdout
            for dll in re.findall(r"DLL Name: (\S+)", out):
                if SHIPPED_DLL.match(dll) and dll.lower() not in shipped:
                    lacking[dll] = n
    if lacking:
        fail("imported but not shipped: " + ", ".join(f"{d} (by {n})" for d, n in lacking.items()))
    ok(f"{len(wanted)} DLL/PYD files of Python and Qt: every Qt/C++ runtime import is shipped")


def main() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]
    exe = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else ROOT / "dist" / f"IntegrationConsultant-{version}-setup.exe"
    )
    if not exe.is_file():
        fail(f"{exe} does not exist (make installer)")
    check_pe(exe)
    names = listing(exe)
    check_payload(names)
    check_dlls(exe, names)
    size = exe.stat().st_size / 1e6
    if size >= SIZE_LIMIT_MB:
        fail(f"{exe.name} is {size:.1f} MB, over the {SIZE_LIMIT_MB} MB limit")
    ok(f"{exe.name}: {size:.1f} MB (limit {SIZE_LIMIT_MB} MB)")


if __name__ == "__main__":
    main()
