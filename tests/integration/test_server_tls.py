"""A server reached over TLS with sslmode=verify-full (issue #15): the throw-away server of
scripts/pg_test_server.sh has a CA of its own and a certificate for "localhost" only. The
program works through it; a wrong CA, a name the certificate does not carry and a missing
root certificate file are each one Russian line, nothing written."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from db.session import open_database

pytestmark = pytest.mark.db

PROFILE = ["--name", "Петрова Анна Сергеевна", "--organisation", "КЦСОН"]


@pytest.fixture
def tls_database(
    postgres_url: str, empty_server_db: str, server_admin: Callable[[str], Any]
) -> Iterator[tuple[str, Path]]:
    """(an empty server database's URL by the name "localhost", the server's CA file)."""
    with server_admin(postgres_url) as admin:
        ssl = admin.execute("SHOW ssl").fetchone()[0]
        ca = admin.execute("SHOW ssl_ca_file").fetchone()[0]
    if ssl != "on" or not ca or not Path(ca).is_file():
        pytest.skip("the test server has no TLS (scripts/pg_test_server.sh makes one)")
    url = make_url(empty_server_db).set(host="localhost")
    yield url.render_as_string(hide_password=False), Path(ca)


def _with(url: str, **query: str) -> str:
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


def test_verify_full_with_the_servers_ca_works_encrypted(
    tls_database: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url, ca = tls_database
    secure = _with(url, sslmode="verify-full", sslrootcert=str(ca))
    assert main(["--db", secure, "init", *PROFILE]) == EXIT_OK
    assert main(["--db", secure, "check"]) == EXIT_OK
    assert "Целостность: в порядке" in capsys.readouterr().out
    db = open_database(secure)
    try:
        with db.engine.connect() as conn:
            used = conn.execute(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).scalar()
    finally:
        db.close()
    assert used is True


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("other_ca", "не подписан указанным корневым сертификатом"),
        ("ip_address", "не совпадает с именем в его сертификате"),
        ("missing_file", "файл корневого сертификата (sslrootcert) не найден"),
    ],
)
def test_verify_full_refuses_in_one_line_and_writes_nothing(
    tls_database: tuple[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: str,
    reason: str,
) -> None:
    url, ca = tls_database
    if change == "other_ca":
        other = tmp_path / "other-ca.crt"
        other.write_bytes(_self_signed_certificate(tmp_path))
        target = _with(url, sslmode="verify-full", sslrootcert=str(other))
    elif change == "ip_address":
        target = _with(
            make_url(url).set(host="127.0.0.1").render_as_string(hide_password=False),
            sslmode="verify-full",
            sslrootcert=str(ca),
        )
    else:
        target = _with(url, sslmode="verify-full", sslrootcert=str(tmp_path / "нет.crt"))
    assert main(["--db", target, "init", *PROFILE]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "защищённое соединение" in err and reason in err
    # Nothing was written: the same database over a good connection is still empty.
    secure = _with(url, sslmode="verify-full", sslrootcert=str(ca))
    db = open_database(secure, migrate=False)
    try:
        with db.engine.connect() as conn:
            tables = conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            ).scalar()
    finally:
        db.close()
    assert tables == 0


def _self_signed_certificate(folder: Path) -> bytes:
    """Another CA's certificate (openssl, as scripts/pg_test_server.sh makes the server's)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
         "-subj", "/CN=Another CA", "-keyout", str(folder / "other.key"),
         "-out", str(folder / "other.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    return (folder / "other.crt").read_bytes()
