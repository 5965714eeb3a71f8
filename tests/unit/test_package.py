"""The exchange file format (app/domain/package.py) against hostile bytes (issue #11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain import package as pkg

SENDER = pkg.KeyPairs.generate()
RECIPIENT = pkg.KeyPairs.generate()


def _write(path: Path, lines: list[dict[str, Any]], kind: str = "sync") -> bytes:
    def emit_all(emit: Any) -> None:
        for line in lines:
            emit(line)

    pkg.write_package(path, kind, {"sender": "P1"}, emit_all, SENDER, RECIPIENT.box_public)
    return path.read_bytes()


def _read(path: Path, kind: str = "sync") -> list[dict[str, Any]]:
    opened = pkg.read_header(path, kind)
    pkg.verify_signature(opened, [SENDER.sign_public])
    return list(pkg.payload(opened, RECIPIENT.box))


LINES = [
    {"t": "citizen", "u": str(n), "d": {"last_name": "Иванова" * (n % 7)}} for n in range(3000)
]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _write(tmp_path_factory.mktemp("pkg") / "good.icsync", LINES)


def test_a_package_reads_back_with_its_header_last(tmp_path: Path, good: bytes) -> None:
    path = tmp_path / "p.icsync"
    path.write_bytes(good)
    read = _read(path)
    assert read[:-1] == LINES
    assert read[-1]["header"]["counts"] == {"citizen": 3000}
    assert pkg.read_header(path, "sync").header["plaintext_sha256"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_change_to_the_bytes_is_refused_with_a_package_error(
    tmp_path: Path, good: bytes, data: st.DataObject
) -> None:
    damaged = bytearray(good)
    how = data.draw(st.sampled_from(["flip", "cut", "insert", "append"]))
    position = data.draw(st.integers(0, len(good) - 1))
    if how == "flip":
        damaged[position] ^= data.draw(st.integers(1, 255))
    elif how == "cut":
        del damaged[position:]
    elif how == "insert":
        damaged[position:position] = data.draw(st.binary(min_size=1, max_size=64))
    else:
        damaged += data.draw(st.binary(min_size=1, max_size=64))
    path = tmp_path / "bad.icsync"
    path.write_bytes(bytes(damaged))
    with pytest.raises(pkg.PackageError):
        _read(path)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blob=st.binary(max_size=4096))
def test_random_bytes_are_refused_with_a_package_error(tmp_path: Path, blob: bytes) -> None:
    for prefix in (b"", pkg.MAGIC["sync"], pkg.MAGIC["sync"] + b"\x00\x00\x00\x02{}"):
        path = tmp_path / "random.icsync"
        path.write_bytes(prefix + blob)
        with pytest.raises(pkg.PackageError):
            _read(path)


def test_a_package_for_someone_else_cannot_be_opened(tmp_path: Path, good: bytes) -> None:
    path = tmp_path / "p.icsync"
    path.write_bytes(good)
    opened = pkg.read_header(path, "sync")
    with pytest.raises(pkg.PackageError, match="зашифрован не для этой установки"):
        list(pkg.payload(opened, pkg.KeyPairs.generate().box))


def test_an_acknowledgement_is_not_taken_for_a_package(tmp_path: Path) -> None:
    path = tmp_path / "a.icack"
    _write(path, [], kind="ack")
    with pytest.raises(pkg.PackageError, match="это подтверждение, а ожидается пакет"):
        pkg.read_header(path, "sync")


def test_a_compression_bomb_is_refused_at_the_line_limit(tmp_path: Path) -> None:
    # 64 MB of one character in one line compresses to ~64 KB; the reader stops at 8 MB.
    path = tmp_path / "bomb.icsync"
    _write(path, [{"t": "citizen", "u": "1", "d": {"x": "0" * (64 * 1024 * 1024)}}])
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(pkg.PackageError, match="содержимое повреждено"):
        _read(path)


def test_fingerprints_are_read_aloud_digits_and_compared_loosely() -> None:
    printed = pkg.fingerprint(SENDER.sign_public, SENDER.box_public)
    groups = printed.split(" ")
    assert len(groups) == 6 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert pkg.same_fingerprint(printed, printed.replace(" ", "-"))
    assert pkg.same_fingerprint(printed, printed.replace(" ", ""))
    assert not pkg.same_fingerprint(printed, printed[:-1] + ("1" if printed[-1] != "1" else "2"))
    assert not pkg.same_fingerprint(printed, "")


def test_private_keys_at_rest_open_only_with_their_secret() -> None:
    secret = SENDER.secret_bytes()
    sealed = pkg.seal_secret(secret, database_key=None, passphrase="пароль")
    assert secret.hex() not in sealed
    assert pkg.open_secret(sealed, database_key=None, passphrase="пароль") == secret
    with pytest.raises(pkg.PackageError, match="Неверный пароль"):
        pkg.open_secret(sealed, database_key=None, passphrase="другой")
    under_db = pkg.seal_secret(secret, database_key=b"k" * 32, passphrase=None)
    assert pkg.open_secret(under_db, database_key=b"k" * 32, passphrase=None) == secret
    with pytest.raises(pkg.PackageError):
        pkg.open_secret(under_db, database_key=b"j" * 32, passphrase=None)
