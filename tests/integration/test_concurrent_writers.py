"""Two consultants writing at once (issue #15): two real processes import extracts, enter
walk-ins, edit people, form the registry (31-р 3.2) and write packages for the centre
against the same database; nothing is lost, numbers stay unique and consecutive.

On SQLite the database's one write lock serialises them (BEGIN IMMEDIATE, busy timeout);
on PostgreSQL the units that number take table locks (db/dialect.py lock_tables).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.demo.extract import write_demo_extract
from app.domain.enums import InstallationMode
from app.services import exchange, exchange_keys
from app.services.registry_month import form_registry
from db import models
from db.session import Database, open_database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

WORKER = Path(__file__).with_name("concurrent_worker.py")
TODAY = date(2026, 11, 23)
ROUNDS = 3
PASSPHRASE = "ключи-обмена"  # a server database has no SQLCipher key to seal them under
EXTRACT_ROWS = 40


def _target(db: Database) -> str:
    return db.url if db.url is not None else str(db.path)


def _centre(tmp_path: Path, provider: Database) -> Database:
    """A regional centre (its own SQLite file) and the provider pinned to each other."""
    centre = open_database(tmp_path / "centre.sqlite")
    exchange_keys.setup_installation(
        centre,
        InstallationMode.REGIONAL_CENTRE,
        "RC",
        'АУТО "Региональный центр"',
        passphrase=PASSPHRASE,
    )
    exchange_keys.setup_installation(
        provider, InstallationMode.PROVIDER, "P1", "Поставщик № 1", passphrase=PASSPHRASE
    )
    for source, target, name in ((centre, provider, "centre"), (provider, centre, "p1")):
        keys = exchange_keys.export_keys(source, tmp_path / f"{name}.ickey")
        info = exchange_keys.installation(source)
        assert info is not None
        exchange_keys.pin_peer(target, keys, info.fingerprint)
    return centre


def _digits(text: object) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit())


def _receipt_order(db: Database) -> list[tuple[int | None, date, int]]:
    entry = models.RegistryEntry
    with db.session_factory() as session:
        rows = session.execute(
            select(entry.number, entry.identified_on, entry.id)
            .where(entry.reporting_month == "2026-10")
            .order_by(entry.identified_on, entry.entered_on, entry.created_at, entry.id)
        ).all()
    return [(r.number, r.identified_on, r.id) for r in rows]


def _run_workers(db: Database, tmp_path: Path, rounds: int, *mode: str) -> list[dict[str, Any]]:
    """Both processes started, released together, waited for; what each printed."""
    env = {**os.environ, "PYTHONPATH": str(WORKER.parents[2]), "IC_TEST_PASSPHRASE": PASSPHRASE}
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), _target(db), str(w), str(rounds), str(tmp_path), *mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for w in (0, 1)
    ]
    (tmp_path / "go").touch()
    done = []
    for process in workers:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        done.append(json.loads(out.strip().splitlines()[-1]))
    return done


def test_two_processes_forming_the_same_month_leave_one_numbering(
    db: Database, tmp_path: Path
) -> None:
    """31-р 3.2: each enters people identified ever earlier and forms September again at
    once with the other; the registry ends numbered 1..N in the order of receipt."""
    rounds = 27  # without the lock the race showed in 1 run of 4 to 1 of 2 at this length
    done = _run_workers(db, tmp_path, rounds, "forming")
    assert sorted(len(d["walk_ins"]) for d in done) == [rounds, rounds]
    # Each process, after each forming, saw 1..k: no forming wrote over another's half.
    assert [d["broken"] for d in done] == [[], []]
    entry = models.RegistryEntry
    with db.session_factory() as session:
        numbers = session.scalars(
            select(entry.number)
            .where(entry.reporting_month == "2026-09")
            .order_by(entry.identified_on, entry.entered_on, entry.created_at, entry.id)
        ).all()
        formed = session.scalars(
            select(models.RegistryMonth.formed_on).where(models.RegistryMonth.month == "2026-09")
        ).all()
    assert formed == [TODAY]
    # The last forming saw every entry (each process formed after its own last one, and the
    # other's last forming came after it or waited for it): all numbered, none twice.
    assert list(numbers) == list(range(1, 2 * rounds + 1))


def test_two_processes_import_edit_number_and_send_at_once(db: Database, tmp_path: Path) -> None:
    centre = _centre(tmp_path, db)
    for worker in (0, 1):
        for round_ in range(ROUNDS):
            write_demo_extract(
                tmp_path / f"extract-{worker}-{round_}.xlsx",
                rows=EXTRACT_ROWS,
                seed=100 + worker * 10 + round_,
                today=TODAY,
                month=(2026, 10),
            )
    with db.session_factory() as session:
        people_before = len(session.scalars(select(models.Citizen.id)).all())

    done = _run_workers(db, tmp_path, ROUNDS)

    # The sync sequence: one number per package, 1..6, none twice, none skipped.
    sequences = sorted(s for d in done for s in d["sequences"])
    assert sequences == list(range(1, 2 * ROUNDS + 1))
    assert all(d["sequences"] == sorted(d["sequences"]) for d in done)
    with db.session_factory() as session:
        sent = session.scalars(
            select(models.ExchangePackage.sequence)
            .where(models.ExchangePackage.outgoing.is_(True))
            .order_by(models.ExchangePackage.sequence)
        ).all()
        own = session.scalar(select(models.Installation))
        assert own is not None and own.next_sequence == 2 * ROUNDS + 1
    assert list(sent) == sequences

    # Nobody lost: every import's and every walk-in's person is there, every edit kept.
    with db.session_factory() as session:
        phones = dict(session.execute(select(models.Citizen.id, models.Citizen.phone)).all())
        batches = session.scalars(select(models.ImportBatch.added)).all()
    added = sum(int(d["added"]) for d in done)
    walk_ins = [c for d in done for c in d["walk_ins"]]
    assert added > 0
    assert sum(batches) == added
    people = sum(int(d["people"]) for d in done)
    assert len(phones) == people_before + people + len(walk_ins)
    assert len(set(walk_ins)) == 2 * ROUNDS * 3
    for d in done:
        for citizen_id, phone in d["edited"]:
            assert _digits(phones[citizen_id]) == _digits(phone)

    # 31-р 3.2: the numbers the concurrent formings left are 1..k in the order of receipt,
    # none twice; whoever arrived after the last forming has none yet.
    order = _receipt_order(db)
    numbered = [number for number, _, _ in order if number is not None]
    assert sorted(numbered) == list(range(1, len(numbered) + 1))
    assert numbered == sorted(numbered)
    form_registry(db, "2026-10", TODAY)
    assert [number for number, _, _ in _receipt_order(db)] == list(range(1, len(order) + 1))

    # The centre, loading the six packages in order, holds every record as the provider
    # holds it now: no change made while a package was written went unsent.
    final = exchange.export_package(db, tmp_path / "final.icsync", passphrase=PASSPHRASE)
    assert final.sequence == 2 * ROUNDS + 1
    packages = [tmp_path / f"w{w}-r{r}.icsync" for w, d in enumerate(done) for r in range(ROUNDS)]
    by_sequence = dict(zip([s for d in done for s in d["sequences"]], packages, strict=True))
    by_sequence[final.sequence] = final.path
    try:
        for sequence in sorted(by_sequence):
            result = exchange.import_package(
                centre,
                by_sequence[sequence],
                ack_out=tmp_path / f"ack-{sequence}.icack",
                passphrase=PASSPHRASE,
            )
            assert result.sequence == sequence and result.conflicts == 0
        with db.session_factory() as session:
            provider_people = {u.hex for u in session.scalars(select(models.Citizen.uuid)).all()}
        with centre.session_factory() as session:
            centre_people = {
                u.hex
                for u in session.scalars(
                    select(models.ProviderRecord.uuid).where(
                        models.ProviderRecord.table_name == "citizen",
                        models.ProviderRecord.data.is_not(None),
                    )
                ).all()
            }
            held = {
                _digits(json.loads(data)["phone"])
                for data in session.scalars(
                    select(models.ProviderRecord.data).where(
                        models.ProviderRecord.table_name == "citizen"
                    )
                ).all()
            }
    finally:
        centre.close()
    assert centre_people == provider_people
    for d in done:
        for _, phone in d["edited"]:
            assert _digits(phone) in held
