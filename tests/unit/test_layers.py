"""Data flows ui -> app.services -> db: app/ and db/ never import Qt or ui."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "shiboken6", "ui")
# The `ic` entry point is the composition root: with no command it starts the
# window, so it alone may name the ui package (lazily, inside the function).
ENTRY_POINT_ALLOWED = {("app/cli.py", "ui.app")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["app", "db"])
def test_core_packages_do_not_import_qt_or_ui(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            where = str(path.relative_to(ROOT))
            if name.split(".")[0] in FORBIDDEN and (where, name) not in ENTRY_POINT_ALLOWED:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_ui_does_not_touch_the_database_directly() -> None:
    offenders = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] == "sqlalchemy" or (
                name.startswith("db") and name not in {"db.session"}
            ):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


# Only the commands that generate demo data may use app.demo: `ic demo` / `ic demo-extract`
# (lazily, inside their functions in app/cli.py); tests, benchmarks and scripts may too.
DEMO_USERS_ALLOWED = {"app/cli.py"}


@pytest.mark.parametrize("package", ["app", "db", "ui"])
def test_the_application_does_not_import_demo_data(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        where = str(path.relative_to(ROOT))
        if where.startswith("app/demo/") or where in DEMO_USERS_ALLOWED:
            continue
        offenders.extend(
            f"{where} imports {name}"
            for name in _imports(path)
            if name == "app.demo" or name.startswith("app.demo.")
        )
    assert offenders == []


def test_the_cli_imports_demo_data_only_inside_the_demo_commands() -> None:
    tree = ast.parse((ROOT / "app/cli.py").read_text(encoding="utf-8"))
    users = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app.demo"):
                users.add(function.name)
    top_level = {
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app.demo")
    }
    assert top_level == set()
    assert users == {"_cmd_demo", "_cmd_demo_extract"}


# The writers are handed the form they print; they never reach back for data.
DOCUMENTS_MAY_IMPORT = ("app.documents", "app.domain", "app.errors", "app.reference")


def test_documents_import_neither_services_nor_the_database() -> None:
    offenders = []
    for path in sorted((ROOT / "app" / "documents").rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = any(name == p or name.startswith(f"{p}.") for p in DOCUMENTS_MAY_IMPORT)
            if top in {"db", "sqlalchemy"} or (top == "app" and not allowed):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []
