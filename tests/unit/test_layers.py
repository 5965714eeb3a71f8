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
