"""One of the two processes of tests/integration/test_concurrent_writers.py (issue #15).

``python concurrent_worker.py TARGET WORKER ROUNDS FOLDER``: waits for ``FOLDER/go``, then
ROUNDS times imports its extract of the round, enters walk-ins, edits a person it entered,
forms the registry of October and writes a package for the centre; prints what it did as
one JSON line. TARGET is a database file or a postgresql:// URL. With a sixth argument
``forming``: ROUNDS times enters a walk-in and forms the registry of September again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.domain.enums import DisabilityGroup, MeasureKind, Sex, Source  # noqa: E402
from app.services import exchange  # noqa: E402
from app.services.citizens import CitizenForm, load_card, save_citizen  # noqa: E402
from app.services.extract_import import import_extract  # noqa: E402
from app.services.registry_month import form_registry  # noqa: E402
from db import models  # noqa: E402
from db.session import open_database  # noqa: E402

TODAY = date(2026, 11, 23)
MONTH = "2026-10"
WALK_INS = 3
PASSPHRASE = os.environ.get("IC_TEST_PASSPHRASE")

FIRST_NAMES = ("Артём", "Илья", "Пётр", "Семён", "Фёдор", "Яков", "Олег", "Глеб", "Лев")


def walk_in(worker: int, round_: int, n: int) -> CitizenForm:
    return CitizenForm(
        last_name=f"Процессов{'аб'[worker]}",
        first_name=FIRST_NAMES[(round_ * WALK_INS + n) % len(FIRST_NAMES)],
        middle_name=f"Раунд{'абвгдежзик'[round_ % 10]}ович",
        birth_date=f"{10 + n:02d}.{1 + round_ % 12:02d}.19{70 + worker}",
        sex=Sex.MALE,
        registration_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
        actual_address="г. Тюмень, ул. Республики, д. 1, кв. 2",
        postcode="625000",
        district="г. Тюмень",
        phone="+79123456789",
        group=DisabilityGroup.GROUP_I,
        established_on="02.10.2026",
        first_time=True,
        review_on="01.10.2027",
        selfcare_degree=2,
        movement_degree=1,
        behaviour_degree=0,
        ipra_number=f"{worker}{round_}{n}.5.72/2026",
        ipra_issued_on="05.10.2026",
        ipra_valid_until="01.10.2027",
        measures=(MeasureKind.MEDICAL, MeasureKind.SOCIAL),
    )


def main(target: str, worker: int, rounds: int, folder: Path) -> dict[str, object]:
    db = open_database(target, migrate=False)
    done: dict[str, object] = {
        "added": 0,
        "people": 0,
        "walk_ins": [],
        "edited": [],
        "sequences": [],
    }
    try:
        while not (folder / "go").exists():
            time.sleep(0.01)
        for round_ in range(rounds):
            result = import_extract(db, folder / f"extract-{worker}-{round_}.xlsx", today=TODAY)
            done["added"] = int(str(done["added"])) + result.added
            # New people: entered in the registry or recorded as not in the category.
            done["people"] = int(str(done["people"])) + result.added + len(result.not_eligible)
            for n in range(WALK_INS):
                saved = save_citizen(
                    db,
                    walk_in(worker, round_, n),
                    source=Source.WALK_IN,
                    identified_on=date(2026, 10, 20 + worker * 5 + round_),
                    today=TODAY,
                )
                typing_list(done["walk_ins"]).append(saved.citizen_id)
            # An edit of a person this process entered (the other never touches them).
            edited = typing_list(done["walk_ins"])[round_]
            card = load_card(db, edited)
            phone = f"+7912{worker}{round_:02d}00{worker}{round_}"
            save_citizen(db, dataclasses.replace(card.form, phone=phone), edited, today=TODAY)
            typing_list(done["edited"]).append([edited, phone])
            form_registry(db, MONTH, TODAY)
            package = exchange.export_package(
                db, folder / f"w{worker}-r{round_}.icsync", passphrase=PASSPHRASE
            )
            typing_list(done["sequences"]).append(package.sequence)
    finally:
        db.close()
    return done


def forming(target: str, worker: int, rounds: int, folder: Path) -> dict[str, object]:
    """ROUNDS times: a walk-in identified earlier than everyone before (so numbering moves
    every entry), then the registry of September formed again."""
    db = open_database(target, migrate=False)
    entered: list[int] = []
    broken: list[list[int | None]] = []
    try:
        while not (folder / "go").exists():
            time.sleep(0.01)
        for round_ in range(rounds):
            day = date(2026, 9, 30 - round_ % 27)
            form = dataclasses.replace(
                walk_in(worker, round_, 0),
                middle_name=f"Сентябрь{worker}-{round_}",
                established_on="01.09.2026",
                ipra_issued_on="02.09.2026",
            )
            saved = save_citizen(db, form, source=Source.WALK_IN, identified_on=day, today=TODAY)
            entered.append(saved.citizen_id)
            form_registry(db, "2026-09", TODAY)
            # Whatever the other process committed meanwhile: the numbers given are 1..k.
            with db.session_factory() as session:
                numbers = sorted(
                    session.scalars(
                        select(models.RegistryEntry.number).where(
                            models.RegistryEntry.reporting_month == "2026-09",
                            models.RegistryEntry.number.is_not(None),
                        )
                    ).all()
                )
            if numbers != list(range(1, len(numbers) + 1)):
                broken.append(numbers)
    finally:
        db.close()
    return {"walk_ins": entered, "broken": broken}


def typing_list(value: object) -> list[object]:
    assert isinstance(value, list)
    return value


if __name__ == "__main__":
    target, worker, rounds, folder = sys.argv[1:5]
    run = forming if sys.argv[5:] == ["forming"] else main
    print(json.dumps(run(target, int(worker), int(rounds), Path(folder))))
