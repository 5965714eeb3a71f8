"""The per-computer database choice (app/connection.py, issue #15)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from app import connection
from app.connection import configured_database, connection_file, save_configured_database
from app.paths import data_dir


def test_nothing_configured_means_the_default_file() -> None:
    assert not connection_file().exists()
    assert configured_database() is None


def test_server_url_round_trips_and_lands_in_the_data_folder() -> None:
    url = "postgresql://petrova@server.local:5433/ic?sslmode=verify-full&sslrootcert=C:/ca.pem"
    save_configured_database(url)
    assert connection_file().parent == data_dir()
    assert json.loads(connection_file().read_text(encoding="utf-8")) == {"database": url}
    assert configured_database() == url


def test_file_path_round_trips(tmp_path: Path) -> None:
    target = str(tmp_path / "Моя база" / "ic.sqlite")
    save_configured_database(target)
    assert configured_database() == target


def test_password_in_url_is_never_written() -> None:
    save_configured_database("postgresql://petrova:s3cret-пароль@server/ic?sslmode=require")
    text = connection_file().read_text(encoding="utf-8")
    assert "s3cret" not in text
    assert "пароль" not in text
    assert configured_database() == "postgresql://petrova@server/ic?sslmode=require"


def test_none_or_blank_goes_back_to_the_default() -> None:
    save_configured_database("postgresql://petrova@server/ic")
    save_configured_database(None)
    assert configured_database() is None
    save_configured_database("postgresql://petrova@server/ic")
    save_configured_database("   ")
    assert configured_database() is None


def test_write_is_atomic_no_temporary_files_left() -> None:
    save_configured_database("postgresql://a@b/c")
    save_configured_database("postgresql://a@b/d")
    assert sorted(p.name for p in data_dir().iterdir()) == ["connection.json"]


def test_failed_write_keeps_the_previous_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    save_configured_database("postgresql://a@b/c")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", broken_replace)
        with pytest.raises(OSError):
            save_configured_database("postgresql://a@b/other")
    assert configured_database() == "postgresql://a@b/c"
    assert sorted(p.name for p in data_dir().iterdir()) == ["connection.json"]


@pytest.mark.parametrize("url", ["postgresql://", "postgresql://user@server", "postgres:///ic"])
def test_malformed_url_is_refused_on_save(url: str) -> None:
    with pytest.raises(ValueError):
        save_configured_database(url)
    assert not connection_file().exists()


@pytest.mark.parametrize(
    "content",
    [
        b"not json at all",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"postgresql://a@b/c"',
        b'{"database": 42}',
        b'{"database": ["postgresql://a@b/c"]}',
        b'{"database": {"url": "x"}}',
        b'{"database": ""}',
        b'{"database": "a\\u0000b"}',
        b'{"database": "postgresql://user@server"}',
        b'{"database": "postgresql://"}',
        b"[" * 100_000,
        b"",
    ],
)
def test_hostile_content_is_not_configured_and_logged(
    content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = connection_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="app.connection"):
        assert configured_database() is None
    assert caplog.records, "a hostile file must leave a log line"


def test_huge_file_is_not_read(caplog: pytest.LogCaptureFixture) -> None:
    path = connection_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    padding = " " * (connection.MAX_BYTES + 10)
    path.write_text(json.dumps({"database": "postgresql://a@b/c"}) + padding, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="app.connection"):
        assert configured_database() is None
    assert "bytes" in caplog.text


def test_a_directory_in_place_of_the_file_is_not_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    connection_file().mkdir(parents=True)
    with caplog.at_level(logging.WARNING, logger="app.connection"):
        assert configured_database() is None
    assert caplog.records


def test_a_password_planted_in_the_file_is_not_used(caplog: pytest.LogCaptureFixture) -> None:
    path = connection_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"database": "postgresql://u:pw@h/d"}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="app.connection"):
        assert configured_database() == "postgresql://u@h/d"
    assert "password" in caplog.text
    assert "pw" not in caplog.text.replace("password", "")


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_unreadable_file_is_not_configured(caplog: pytest.LogCaptureFixture) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    save_configured_database("postgresql://a@b/c")
    connection_file().chmod(0)
    try:
        with caplog.at_level(logging.WARNING, logger="app.connection"):
            assert configured_database() is None
        assert caplog.records
    finally:
        connection_file().chmod(0o600)
