"""Issue #11: packages between providers and the regional centre, on real files.

Every installation is a real encrypted database made by `ic init --role … --code …`;
packages and acknowledgements are real files carried between them by the `ic` commands.
The tests marked ``db`` run once more with every installation a database on a PostgreSQL
server (issue #15); the rest are about files (encryption, backups) or cost minutes twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import make_url

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.services import access, backups, centre, exchange, exchange_keys
from app.services.citizens import CitizenForm, load_card, save_citizen
from app.services.report import semiannual_report
from db.dialect import execute_driver
from db.session import Database

USER, PASSWORD = "petrova", "пароль-для-тестов"  # tests/conftest.py's IC_USER/IC_PASSWORD
HALF = "2026H1"


@dataclasses.dataclass
class Site:
    path: Path | str  # a database file, or a postgresql:// URL
    code: str
    name: str

    def open(self) -> Database:
        return access.sign_in(self.path, USER, PASSWORD)

    def ic(self, *args: str) -> int:
        return main(["--db", str(self.path), *[str(a) for a in args]])

    def fingerprint(self) -> str:
        db = self.open()
        try:
            info = exchange_keys.installation(db)
            assert info is not None
            return info.fingerprint
        finally:
            db.close()


def _site(
    tmp: Path,
    role: str,
    code: str,
    name: str,
    seed: int | None = None,
    server: Callable[[str], str] | None = None,
) -> Site:
    site = Site(server(code) if server is not None else tmp / f"{code}.sqlite", code, name)
    assert site.ic("init", "--role", role, "--code", code, "--organisation", name) == EXIT_OK
    if seed is not None:
        assert site.ic("demo", "--citizens", "120", "--seed", seed) == EXIT_OK
    return site


def _pin_both(tmp: Path, centre_site: Site, provider: Site) -> None:
    assert centre_site.ic("keys", "export", "--out", tmp / "centre.ickey") == EXIT_OK
    assert provider.ic("keys", "export", "--out", tmp / f"{provider.code}.ickey") == EXIT_OK
    assert (
        provider.ic(
            "centre", "pin", tmp / "centre.ickey", "--fingerprint", centre_site.fingerprint()
        )
        == EXIT_OK
    )
    assert (
        centre_site.ic(
            "providers",
            "add",
            tmp / f"{provider.code}.ickey",
            "--fingerprint",
            provider.fingerprint(),
        )
        == EXIT_OK
    )


@pytest.fixture
def region(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Site, list[Site]]:
    """A centre and three providers; parametrised ``"postgresql"``: each a server database."""
    server = None
    if getattr(request, "param", "sqlite") == "postgresql":
        server = request.getfixturevalue("server_databases")
    hub = _site(tmp_path, "centre", "RC", 'АУТО "Региональный центр"', server=server)
    providers = [
        _site(tmp_path, "provider", f"P{n}", f"Поставщик № {n}", seed=n * 7, server=server)
        for n in (1, 2, 3)
    ]
    for provider in providers:
        _pin_both(tmp_path, hub, provider)
    return hub, providers


@pytest.fixture
def server_databases(postgres_url: str, server_admin: Callable[[str], Any]) -> Iterator[Any]:
    """``make(code)``: the URL of a new, empty database on the server, dropped afterwards."""
    made: list[str] = []

    def make(code: str) -> str:
        name = f"ic_site_{code.lower()}_{uuid.uuid4().hex[:10]}"
        with server_admin(postgres_url) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with server_admin(postgres_url) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Files in every run; server databases in the run of the tests marked ``db`` (.ci/run), which
# leaves the minutes of the SQLite case to the full suite.
BOTH = pytest.mark.parametrize(
    "region", ["sqlite", pytest.param("postgresql", marks=pytest.mark.db)], indirect=True
)


def _provider_records(site: Site) -> dict[str, tuple[str, dict[str, Any]]]:
    """uuid -> (table, data) of every record the provider owns, as a package carries it."""
    db = site.open()
    found = {}
    try:
        with db.session_factory() as session:
            for name, table in exchange.SYNC_TABLES.items():
                for data, record_uuid, _v, _b in exchange._changed_rows(session, table, True):
                    if name == "organisation" and data.get("regional"):
                        continue
                    found[record_uuid] = (name, data)
    finally:
        db.close()
    return found


def _centre_records(hub: Site, code: str) -> dict[str, tuple[str, dict[str, Any]]]:
    db = hub.open()
    try:
        with db.engine.connect() as conn:
            rows = execute_driver(
                conn,
                "SELECT uuid, table_name, data FROM provider_record "
                "WHERE provider_code = ? AND data IS NOT NULL",
                (code,),
            ).all()
    finally:
        db.close()
    import uuid as uuid_module

    return {uuid_module.UUID(str(u)).hex: (t, json.loads(d)) for u, t, d in rows}


def _centre_state(hub: Site) -> str:
    """A digest of everything the exchange keeps at the centre."""
    db = hub.open()
    digest = hashlib.sha256()
    try:
        with db.engine.connect() as conn:
            for table in ("provider_record", "sync_conflict", "provider_report", "exchange_peer"):
                for row in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1"):
                    digest.update(repr(tuple(row)).encode())
            count = conn.exec_driver_sql("SELECT count(*) FROM exchange_package").scalar()
            digest.update(str(count).encode())
    finally:
        db.close()
    return digest.hexdigest()


def _send(tmp: Path, hub: Site, provider: Site, name: str, *extra: str) -> Path:
    package = tmp / f"{name}.icsync"
    assert provider.ic("sync", "export", "--out", package, *extra) == EXIT_OK
    assert hub.ic("sync", "import", package) == EXIT_OK
    assert provider.ic("sync", "import", package.with_suffix(".icack")) == EXIT_OK
    return package


def _edit_person(site: Site, **changes: str) -> str:
    """Change the first person's card; returns their uuid."""
    db = site.open()
    try:
        with db.engine.connect() as conn:
            citizen_id, citizen_uuid = conn.exec_driver_sql(
                "SELECT id, uuid FROM citizen ORDER BY id LIMIT 1"
            ).one()
        card = load_card(db, citizen_id)
        save_citizen(db, dataclasses.replace(card.form, **changes), citizen_id)
    finally:
        db.close()
    import uuid as uuid_module

    return uuid_module.UUID(str(citizen_uuid)).hex


@BOTH  # on SQLite and PostgreSQL (issue #15)
def test_round_trip_three_providers_twice_and_reimports_change_nothing(
    region: tuple[Site, list[Site]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, providers = region
    first = [_send(tmp_path, hub, p, f"{p.code}-1") for p in providers]
    for p in providers:
        assert _centre_records(hub, p.code) == _provider_records(p)

    # Second round: an edit, a deletion, and nothing else travels.
    person = _edit_person(providers[0], phone="+7 912 000-00-01", note="изменено у поставщика")
    db = providers[1].open()
    try:
        with db.engine.begin() as conn:
            call = conn.exec_driver_sql("SELECT uuid FROM call_attempt LIMIT 1").scalar()
            execute_driver(conn, "DELETE FROM call_attempt WHERE uuid = ?", (call,))
    finally:
        db.close()
    capsys.readouterr()
    assert providers[0].ic("sync", "status") == EXIT_OK
    status = capsys.readouterr().out
    assert "граждане: 1" in status
    second = [_send(tmp_path, hub, p, f"{p.code}-2") for p in providers]
    header = json.loads(
        second[0].read_bytes()[12 : 12 + int.from_bytes(second[0].read_bytes()[8:12], "big")]
    )
    assert header["counts"].get("citizen") == 1 and header["sequence"] == 2
    for p in providers:
        assert _centre_records(hub, p.code) == _provider_records(p)
    assert _centre_records(hub, "P1")[person][1]["note"] == "изменено у поставщика"

    # Re-importing any package changes nothing, and says so.
    before = _centre_state(hub)
    for package in first + second:
        capsys.readouterr()
        assert hub.ic("sync", "import", package) == EXIT_OK
        assert "уже загружен, ничего не изменилось" in capsys.readouterr().out
    assert _centre_state(hub) == before

    # Each provider's row of the consolidated Appendix 4 is its own report.
    hub_db = hub.open()
    try:
        consolidated = centre.consolidated_report(hub_db, HALF)
    finally:
        hub_db.close()
    assert [row[1] for row in consolidated.rows] == [p.name for p in providers]
    for n, (row, p) in enumerate(zip(consolidated.rows, providers, strict=True), start=1):
        db = p.open()
        try:
            own = semiannual_report(db, HALF)
        finally:
            db.close()
        assert row == (n, *own.cells[1:])
        assert any(own.cells[2:])  # the demo has people in that half-year
    assert consolidated.missing == ()


def test_centre_lists_providers_with_their_report_status(
    region: tuple[Site, list[Site]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, providers = region
    _send(tmp_path, hub, providers[0], "P1-1")
    db = hub.open()
    try:
        rows = centre.providers(db, HALF)
        consolidated = centre.consolidated_report(db, HALF)
    finally:
        db.close()
    assert [r.code for r in rows] == ["P1", "P2", "P3"]
    # 31-р 5.2: due by 25.07.2026; received on 23.11.2026 (the tests' today): late.
    assert rows[0].status == "late" and rows[0].last_sequence == 1
    assert rows[1].status == "missing" and rows[1].last_received_at is None
    assert rows[0].coverage is not None
    assert [m.split(" (")[0] for m in consolidated.missing] == ["Поставщик № 2", "Поставщик № 3"]
    assert any(
        "Не представили отчёт" in note and "Поставщик № 3" in note for note in consolidated.notes
    )
    capsys.readouterr()
    assert hub.ic("providers", "list", "--half", HALF) == EXIT_OK
    out = capsys.readouterr().out
    assert "получен с опозданием" in out and "не получен" in out


def test_report_status_by_the_25th_of_the_next_month() -> None:
    from datetime import date

    from app.domain.periods import HalfYear

    half = HalfYear.parse("2026H1")
    assert centre.report_status(date(2026, 7, 25), half, date(2026, 8, 1)) == "on_time"
    assert centre.report_status(date(2026, 7, 26), half, date(2026, 8, 1)) == "late"
    assert centre.report_status(None, half, date(2026, 7, 25)) == "expected"
    assert centre.report_status(None, half, date(2026, 7, 26)) == "missing"


def _refused(hub: Site, package: Path, capsys: pytest.CaptureFixture[str]) -> str:
    before = _centre_state(hub)
    capsys.readouterr()
    assert hub.ic("sync", "import", package) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert _centre_state(hub) == before
    return err


def test_refusals_each_with_its_message_and_nothing_written(
    region: tuple[Site, list[Site]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, providers = region
    package = tmp_path / "P1-1.icsync"
    assert providers[0].ic("sync", "export", "--out", package) == EXIT_OK
    data = package.read_bytes()

    # A flipped byte anywhere: header, sealed key, payload, signature.
    for position in (20, len(data) // 3, len(data) // 2, len(data) - 70, len(data) - 1):
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        bad = tmp_path / f"flipped-{position}.icsync"
        bad.write_bytes(bytes(damaged))
        err = _refused(hub, bad, capsys)
        assert any(
            reason in err
            for reason in ("подпись не сходится", "заголовок повреждён", "не закреплён")
        ), err

    # A truncated file.
    cut = tmp_path / "cut.icsync"
    cut.write_bytes(data[: len(data) // 2])
    assert "подпись не сходится" in _refused(hub, cut, capsys) or "обрезан" in _refused(
        hub, cut, capsys
    )

    # Not a package at all; an acknowledgement given where a package is expected.
    junk = tmp_path / "junk.icsync"
    junk.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert "это не пакет" in _refused(hub, junk, capsys)

    # A sequence gap: package 3 before package 2.
    assert providers[1].ic("sync", "export", "--out", tmp_path / "P2-1.icsync") == EXIT_OK
    assert providers[1].ic("sync", "export", "--out", tmp_path / "P2-2.icsync") == EXIT_OK
    assert "не хватает пакета № 1 от Поставщик № 2" in _refused(
        hub, tmp_path / "P2-2.icsync", capsys
    )

    # Signed by a key the centre never pinned (an installation it does not know).
    stranger = _site(tmp_path, "provider", "P9", "Неизвестный поставщик", seed=99)
    assert (
        stranger.ic("centre", "pin", tmp_path / "centre.ickey", "--fingerprint", hub.fingerprint())
        == EXIT_OK
    )
    assert stranger.ic("sync", "export", "--out", tmp_path / "P9.icsync") == EXIT_OK
    assert "не закреплён" in _refused(hub, tmp_path / "P9.icsync", capsys)

    # The same provider code with another key (a second installation claiming P3).
    twin_dir = tmp_path / "twin"
    twin_dir.mkdir()
    twin = _site(twin_dir, "provider", "P3", "Двойник", seed=5)
    assert (
        twin.ic("centre", "pin", tmp_path / "centre.ickey", "--fingerprint", hub.fingerprint())
        == EXIT_OK
    )
    assert twin.ic("sync", "export", "--out", tmp_path / "twin.icsync") == EXIT_OK
    assert "подписан не тем ключом" in _refused(hub, tmp_path / "twin.icsync", capsys)

    # A package for another centre.
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other_hub = _site(other_dir, "centre", "RC2", "Другой центр")
    assert other_hub.ic("keys", "export", "--out", other_dir / "rc2.ickey") == EXIT_OK
    elsewhere_dir = tmp_path / "elsewhere"
    elsewhere_dir.mkdir()
    elsewhere = Site(elsewhere_dir / "P1.sqlite", "P1", "Поставщик № 1")
    import shutil

    shutil.copy(providers[0].path, elsewhere.path)
    shutil.copy(providers[0].path.with_name("P1.sqlite.keys"), elsewhere_dir / "P1.sqlite.keys")
    db = elsewhere.open()
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM exchange_peer")
    finally:
        db.close()
    assert (
        elsewhere.ic(
            "centre", "pin", other_dir / "rc2.ickey", "--fingerprint", other_hub.fingerprint()
        )
        == EXIT_OK
    )
    assert elsewhere.ic("sync", "export", "--out", tmp_path / "for-rc2.icsync") == EXIT_OK
    assert "адресован установке «RC2»" in _refused(hub, tmp_path / "for-rc2.icsync", capsys)

    # From a future schema revision (made with the provider's real keys).
    future = tmp_path / "future.icsync"
    _forge(providers[0], hub, future, schema="9999")
    assert "более новой версией программы" in _refused(hub, future, capsys)

    # A JSON bomb: one line far over the limit; refused, bounded memory.
    bomb = tmp_path / "bomb.icsync"
    _forge(providers[0], hub, bomb, line="0" * (9 * 1024 * 1024))
    assert "содержимое повреждено" in _refused(hub, bomb, capsys)

    # Nothing of the above reached the centre; the real package still goes in.
    assert hub.ic("sync", "import", package) == EXIT_OK


def _forge(
    provider: Site, hub: Site, out: Path, *, schema: str | None = None, line: str | None = None
) -> None:
    from app.domain.package import unb64, write_package
    from db import models
    from db.migrate import head_revision

    db = provider.open()
    try:
        with db.session_factory() as session:
            own = exchange_keys.require_installation(session)
            keys = exchange_keys.own_keys(db, own, None)
            hub_box = session.query(models.ExchangePeer).one().box_public
            header = {
                "package_uuid": "00000000-0000-4000-8000-000000000001",
                "sender": own.code,
                "sender_name": own.name,
                "sender_sign_public": own.sign_public,
                "recipient": hub.code,
                "sequence": 1,
                "previous_sha256": None,
                "last_ack_seen": None,
                "schema": schema or head_revision(),
                "full": True,
                "made_at": "2026-11-23T05:00:00+00:00",
            }

            def lines(emit: Any) -> None:
                if line is not None:
                    emit({"t": "citizen", "u": "x", "d": {"last_name": line}})

            write_package(out, "sync", header, lines, keys, unb64(hub_box))
    finally:
        db.close()


def test_a_restored_backup_edited_again_goes_to_the_conflict_queue(
    region: tuple[Site, list[Site]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, providers = region
    provider = providers[0]
    _send(tmp_path, hub, provider, "P1-1")
    db = provider.open()
    try:
        yesterday = backups.make_backup(db, "manual")
    finally:
        db.close()
    person = _edit_person(provider, note="версия центра")
    _send(tmp_path, hub, provider, "P1-2")
    assert provider.ic("restore", yesterday.path) == EXIT_OK
    _edit_person(provider, note="правка после восстановления")
    package = tmp_path / "P1-2-again.icsync"
    assert provider.ic("sync", "export", "--out", package) == EXIT_OK
    capsys.readouterr()
    assert hub.ic("sync", "import", package) == EXIT_OK
    out = capsys.readouterr().out
    assert "в очередь конфликтов 1" in out and "восстановил резервную копию" in out

    held = _centre_records(hub, "P1")[person][1]
    assert held["note"] == "версия центра"  # nothing overwritten
    db = hub.open()
    try:
        (conflict,) = centre.conflicts(db)
        notes = [d for d in conflict.differences if d.field == "note"]
        assert notes and notes[0].held == "версия центра"
        assert notes[0].incoming == "правка после восстановления"
    finally:
        db.close()
    capsys.readouterr()
    assert hub.ic("centre", "conflicts") == EXIT_OK
    assert "правка после восстановления" in capsys.readouterr().out
    assert hub.ic("centre", "resolve", str(conflict.id), "--take") == EXIT_OK
    assert _centre_records(hub, "P1")[person][1]["note"] == "правка после восстановления"
    db = hub.open()
    try:
        assert centre.conflicts(db) == []
        with db.engine.connect() as conn:
            actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_event")]
        assert "exchange.conflict.resolve" in actions
    finally:
        db.close()


@BOTH  # on SQLite and PostgreSQL (issue #15)
def test_people_known_to_two_providers_linked_by_snils_or_listed_as_candidates(
    region: tuple[Site, list[Site]], tmp_path: Path
) -> None:
    hub, providers = region
    same = CitizenForm(
        last_name="Ёлкина",
        first_name="Анна",
        middle_name="Петровна",
        birth_date="01.02.1980",
        snils="112-233-445 95",
    )
    twin = CitizenForm(last_name="Пак-Ли", first_name="Олег", birth_date="03.04.1975")
    twin_spaced = dataclasses.replace(twin, last_name="пак ли")
    for site, forms in ((providers[0], (same, twin)), (providers[1], (same, twin_spaced))):
        db = site.open()
        try:
            for form in forms:
                save_citizen(db, form)
        finally:
            db.close()
    for p in providers[:2]:
        _send(tmp_path, hub, p, f"{p.code}-1")
    db = hub.open()
    try:
        people = centre.people_across_providers(db)
    finally:
        db.close()
    linked = [p for p in people if p.linked and p.snils == "11223344595"]
    candidates = [p for p in people if not p.linked and "Олег" in p.full_name]
    assert len(linked) == 1 and {s.provider_code for s in linked[0].sightings} == {"P1", "P2"}
    assert len(candidates) == 1
    out = tmp_path / "people.xlsx"
    assert hub.ic("centre", "duplicates", "--out", out) == EXIT_OK
    ws = load_workbook(out).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert any(row[4] == "11223344595" and "Поставщик № 1" in row[5] for row in values)
    assert any(str(row[1]).startswith("кандидат") for row in values)


def test_keys_fingerprint_must_match_to_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = _site(tmp_path, "centre", "RC", "Центр")
    provider = _site(tmp_path, "provider", "P1", "Поставщик")
    assert provider.ic("keys", "export", "--out", tmp_path / "p1.ickey") == EXIT_OK
    capsys.readouterr()
    assert (
        hub.ic("providers", "add", tmp_path / "p1.ickey", "--fingerprint", "12345 67890")
        == EXIT_USER_ERROR
    )
    assert "Отпечаток не совпадает" in capsys.readouterr().err
    typed = provider.fingerprint().replace(" ", "-")
    assert hub.ic("providers", "add", tmp_path / "p1.ickey", "--fingerprint", typed) == EXIT_OK
    assert hub.ic("keys", "show") == EXIT_OK
    shown = capsys.readouterr().out
    assert hub.fingerprint() in shown
    # No private key lies in plain text: neither in the database nor in the key file.
    db = provider.open()
    try:
        with db.session_factory() as session:
            own = exchange_keys.require_installation(session)
            keys = exchange_keys.own_keys(db, own, None)
    finally:
        db.close()
    secret = bytes(keys.signing)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    with (
        sqlite3.connect(tmp_path / "p1.ickey") if False else open(tmp_path / "p1.ickey", "rb") as f
    ):
        assert b"secret" not in f.read()


def test_key_rotation_travels_inside_a_package_signed_by_the_old_key(
    region: tuple[Site, list[Site]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, providers = region
    provider = providers[0]
    _send(tmp_path, hub, provider, "P1-1")
    old_print = provider.fingerprint()
    assert provider.ic("keys", "rotate") == EXIT_OK
    new_print = provider.fingerprint()
    assert new_print != old_print
    # The next package is signed by the old key and carries the new one: the centre takes it.
    _edit_person(provider, note="после смены ключей")
    _send(tmp_path, hub, provider, "P1-2")
    db = hub.open()
    try:
        (row,) = [p for p in exchange_keys.peers(db) if p.code == "P1"]
        assert row.fingerprint == new_print
    finally:
        db.close()
    # The centre confirmed it knows the new keys: from now on the new key signs alone.
    _edit_person(provider, note="подписано новым ключом")
    package = _send(tmp_path, hub, provider, "P1-3")
    header = json.loads(
        package.read_bytes()[12 : 12 + int.from_bytes(package.read_bytes()[8:12], "big")]
    )
    assert "new_keys" not in header
    db = provider.open()
    try:
        with db.session_factory() as session:
            own = exchange_keys.require_installation(session)
            assert header["sender_sign_public"] == own.sign_public
    finally:
        db.close()
    # The centre rotates too: its acknowledgement carries its new keys to the provider.
    assert hub.ic("keys", "rotate") == EXIT_OK
    _edit_person(provider, note="после смены ключей центра")
    _send(tmp_path, hub, provider, "P1-4")
    db = provider.open()
    try:
        (centre_row,) = exchange_keys.peers(db)
        assert centre_row.fingerprint == hub.fingerprint()
    finally:
        db.close()
    _edit_person(provider, note="последняя правка")
    _send(tmp_path, hub, provider, "P1-5")
    assert _centre_records(hub, "P1") == _provider_records(provider)
    capsys.readouterr()
    db = hub.open()
    try:
        with db.engine.connect() as conn:
            actions = {r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_event")}
        assert {"exchange.keys.rotate", "exchange.peer.rotate"} <= actions
    finally:
        db.close()


def test_the_regional_directory_and_calendar_reach_providers_read_only(
    region: tuple[Site, list[Site]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.domain.enums import Department, MeasureKind
    from app.errors import UserError
    from app.services import directory
    from app.services.directory import ContactForm, OrganisationForm

    hub, providers = region
    provider = providers[0]
    db = hub.open()
    try:
        hospital = directory.save_organisation(
            db,
            OrganisationForm(
                name="ГБУЗ ТО «Областная больница № 3»",
                department=Department.HEALTH,
                district="г. Тобольск",
                phone="+7 3456 22-22-22",
                services=((MeasureKind.MEDICAL, "медицинская реабилитация"),),
                contacts=(
                    ContactForm(full_name="Сидорова Ольга Ивановна", phone="+7 3456 22-22-23"),
                ),
            ),
        )
    finally:
        db.close()
    assert (
        hub.ic("workdays", "override", "2026-12-31", "--day-off", "--note", "решение области")
        == EXIT_OK
    )

    own_before = _local_organisations(provider)
    _send(tmp_path, hub, provider, "P1-1")
    db = provider.open()
    try:
        rows = {r.name: r for r in directory.list_organisations(db)}
        regional = rows["ГБУЗ ТО «Областная больница № 3»"]
        assert regional.regional and regional.district == "г. Тобольск"
        form = directory.load_organisation(db, regional.organisation_id)
        assert form.contacts[0].full_name == "Сидорова Ольга Ивановна"
        assert form.services[0][1] == "медицинская реабилитация"
        with pytest.raises(UserError, match="из регионального справочника"):
            directory.save_organisation(
                db, dataclasses.replace(form, phone="+7 000"), regional.organisation_id
            )
        with pytest.raises(UserError, match="из регионального справочника"):
            directory.set_archived(db, regional.organisation_id, True)
        with db.engine.connect() as conn:
            day = conn.exec_driver_sql(
                "SELECT is_working, note FROM calendar_override WHERE day = '2026-12-31'"
            ).one()
        assert tuple(day) == (0, "решение области")
    finally:
        db.close()
    assert _local_organisations(provider) == own_before  # the provider's own are untouched
    # The regional directory does not travel back to the centre.
    assert not any(
        t == "organisation" and d["name"].startswith("ГБУЗ ТО")
        for t, d in _centre_records(hub, "P1").values()
    )

    # The centre archives it and sends the directory alone: archived at the provider too.
    db = hub.open()
    try:
        directory.set_archived(db, hospital, True)
    finally:
        db.close()
    out = tmp_path / "directory"
    capsys.readouterr()
    assert hub.ic("sync", "export", "--out", out) == EXIT_OK
    assert "для поставщиков: 3" in capsys.readouterr().out
    assert provider.ic("sync", "import", out / "P1.icack") == EXIT_OK
    db = provider.open()
    try:
        archived = [
            r
            for r in directory.list_organisations(db, include_archived=True)
            if r.name.startswith("ГБУЗ ТО")
        ]
        assert len(archived) == 1 and archived[0].archived  # archived, never deleted
    finally:
        db.close()


def _local_organisations(site: Site) -> list[tuple[Any, ...]]:
    db = site.open()
    try:
        with db.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "SELECT uuid, name, updated_at FROM organisation "
                    "WHERE NOT regional ORDER BY uuid"
                )
            ]
    finally:
        db.close()


def test_a_person_reported_by_two_providers_is_counted_once_in_the_regional_total(
    region: tuple[Site, list[Site]], tmp_path: Path
) -> None:
    from app.domain.periods import HalfYear
    from app.services.report import report_with_people

    hub, providers = region

    def identified(site: Site) -> list[str]:
        db = site.open()
        try:
            with db.session_factory() as session:
                _, people = report_with_people(db, session, HalfYear.parse(HALF))
            return sorted(people[0])
        finally:
            db.close()

    # A person P1 identified in the half-year is identified by P2 too (the same СНИЛС).
    first, second = identified(providers[0])[0], identified(providers[1])[0]
    db = providers[0].open()
    try:
        with db.engine.connect() as conn:
            snils = conn.exec_driver_sql(
                "SELECT snils FROM citizen WHERE uuid = ?", (first.replace("-", ""),)
            ).scalar()
    finally:
        db.close()
    assert snils
    db = providers[1].open()
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE citizen SET snils = ? WHERE uuid = ?", (snils, second.replace("-", ""))
            )
    finally:
        db.close()
    for p in providers:
        _send(tmp_path, hub, p, f"{p.code}-1")
    db = hub.open()
    try:
        report = centre.consolidated_report(db, HALF)
    finally:
        db.close()
    column3 = [int(row[2]) for row in report.rows]
    assert report.total[2] == sum(column3) - 1  # 31-р Appendix 4 col. 3, counted once
    assert any("учтён один раз" in note for note in report.notes)
    assert any("повторно" in note for note in report.notes)


def test_keys_of_a_plain_database_move_under_the_database_key_once_it_is_encrypted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #11: private keys under a passphrase (IC_PASSWORD) on an unencrypted database,
    under the database key once the database is encrypted; never plain."""
    hub = _site(tmp_path, "centre", "RC", "Центр")
    plain = tmp_path / "plain.sqlite"
    assert (
        main(["--db", str(plain), "init", "--plain", "--role", "provider", "--code", "P1",
              "--organisation", "Поставщик"])
        == EXIT_OK
    )  # fmt: skip
    provider = Site(plain, "P1", "Поставщик")
    from db.session import open_database

    db = open_database(plain)
    try:
        with db.session_factory() as session:
            sealed = exchange_keys.require_installation(session).secret_keys
        assert json.loads(sealed)["wrap"] == "passphrase"
    finally:
        db.close()
    assert provider.ic("keys", "export", "--out", tmp_path / "p1.ickey") == EXIT_OK
    assert hub.ic("keys", "export", "--out", tmp_path / "rc.ickey") == EXIT_OK
    assert (
        provider.ic("centre", "pin", tmp_path / "rc.ickey", "--fingerprint", hub.fingerprint()) == 0
    )
    db = open_database(plain)
    try:
        fingerprint = exchange_keys.installation(db).fingerprint  # type: ignore[union-attr]
    finally:
        db.close()
    assert hub.ic("providers", "add", tmp_path / "p1.ickey", "--fingerprint", fingerprint) == 0
    assert provider.ic("sync", "export", "--out", tmp_path / "P1-1.icsync") == EXIT_OK
    assert hub.ic("sync", "import", tmp_path / "P1-1.icsync") == EXIT_OK

    assert provider.ic("db", "encrypt", "--name", "Петрова А. С.") == EXIT_OK
    assert provider.ic("sync", "import", tmp_path / "P1-1.icack") == EXIT_OK
    db = provider.open()
    try:
        with db.session_factory() as session:
            assert (
                json.loads(exchange_keys.require_installation(session).secret_keys)["wrap"]
                == "database"
            )
        assert exchange_keys.installation(db).fingerprint == fingerprint  # type: ignore[union-attr]
    finally:
        db.close()
    assert provider.ic("sync", "export", "--out", tmp_path / "P1-2.icsync") == EXIT_OK
    assert hub.ic("sync", "import", tmp_path / "P1-2.icsync") == EXIT_OK
