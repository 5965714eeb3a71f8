"""Shared fixtures: a fresh migrated SQLite file per test; Qt on the offscreen platform."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from db.session import Database, open_database  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never touch the real user's data folder from a test.
    monkeypatch.setenv("IC_HOME", str(tmp_path_factory.mktemp("ic-home")))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ic.sqlite"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(db_path)
    yield database
    database.close()
