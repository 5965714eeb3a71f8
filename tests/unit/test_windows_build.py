"""The Windows build in CI (issue #14): the workflow, the PyInstaller spec and the Inno Setup
script hold what the build needs. They run on GitHub's Windows runner only; here their text
is checked (the workflow parsed when PyYAML is installed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"
SPEC = ROOT / "installer" / "ic.spec"
ISS = ROOT / "installer" / "ic.iss"


def test_the_workflow_has_each_step_in_order() -> None:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job = workflow["jobs"]["windows"]
    assert job["runs-on"] == "windows-latest"
    steps = job["steps"]
    names = [step["name"] for step in steps]
    assert names == [
        "Checkout",
        "Set up Python 3.12",
        "Install with pip",
        "Install pdftotext",
        "Lint",
        "Run the test suite",
        "Build the PyInstaller folder",
        "Build the Inno Setup installer",
        "Install silently",
        "Run the installed program with --smoke",
        "Upload the installer",
    ]
    by_name = {step["name"]: step for step in steps}
    assert by_name["Set up Python 3.12"]["with"]["python-version"] == "3.12"
    assert 'pip install -e ".[dev]"' in by_name["Install with pip"]["run"]
    suite = by_name["Run the test suite"]
    assert suite["env"]["QT_QPA_PLATFORM"] == "offscreen" and "pytest" in suite["run"]
    assert "installer/ic.spec" in by_name["Build the PyInstaller folder"]["run"]
    assert "installer\\ic.iss" in by_name["Build the Inno Setup installer"]["run"]
    install = by_name["Install silently"]["run"]
    assert '"/VERYSILENT", "/CURRENTUSER"' in install
    smoke = by_name["Run the installed program with --smoke"]
    assert smoke["env"]["QT_QPA_PLATFORM"] == "offscreen"
    assert '"ic.exe") --smoke' in smoke["run"] and "^smoke ok: \\d+$" in smoke["run"]
    upload = by_name["Upload the installer"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "dist/inno/*.exe"


def test_the_spec_is_python_and_ships_what_is_read_as_files() -> None:
    text = SPEC.read_text(encoding="utf-8")
    ast.parse(text)  # PyInstaller executes it
    assert 'ROOT / "app" / "__main__.py"' in text
    for data in ('"resources"', '"ui" / "help"', '"db" / "migrations"'):
        assert data in text
    for package in ("holidays", "tzdata", "petrovich", "pypdfium2_raw"):
        assert f'"{package}"' in text
    for hidden in ("sqlcipher3._sqlite3", "keyring.backends.Windows", "win32ctypes.core"):
        assert f'"{hidden}"' in text
    # The two programs of the folder: the window without a console, `ic` with one.
    assert re.search(r"name=NAME,\s*icon=ICON,\s*console=False", text)
    assert re.search(r'name="ic",\s*icon=ICON,\s*console=True', text)
    # What the folders the code reads are called.
    assert (ROOT / "db" / "migrations" / "env.py").is_file()
    assert list((ROOT / "ui" / "help").glob("*.md"))


def _setup_section(text: str) -> dict[str, str]:
    section = text.split("[Setup]", 1)[1].split("\n[", 1)[0]
    pairs = (line.split("=", 1) for line in section.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith(";")}


def test_the_inno_script_installs_per_user_and_keeps_the_data() -> None:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Inno Setup reads it as UTF-8
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    setup = _setup_section(text)
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"] == r"{autopf}\{#AppName}"
    assert '#define AppName "Интеграционный консультант"' in text
    assert setup["ChangesAssociations"] == "yes"
    assert 'Name: "{autoprograms}\\{#AppName}"; Filename: "{app}\\{#AppExe}"' in text
    for ext in (".icsync", ".icack"):
        assert f'Root: HKCU; Subkey: "Software\\Classes\\{ext}"' in text
    assert text.count('ValueData: """{app}\\{#AppExe}"" ""%1"""') == 2
    assert "HKLM" not in text
    # Nothing of the data folder is deleted on uninstall.
    sections = [line for line in text.splitlines() if line.startswith("[")]
    assert sections == [
        "[Setup]",
        "[Languages]",
        "[InstallDelete]",
        "[Files]",
        "[Icons]",
        "[Registry]",
        "[Run]",
    ]
    assert "IntegrationConsultant\\IntegrationConsultant" not in text
    assert (
        'Source: "{#Bundle}\\*"' in text
        and '#define Bundle "..\\dist\\IntegrationConsultant"' in text
    )
