"""Importing an extract into a database that already knows the people (31-р 3.1.1).

The importer reads known people in bulk and writes only what changed; these tests pin
down what a second, changed file does to each kind of record, and that a cancelled or
dry-run import leaves every table as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.cli import EXIT_OK, main
from app.domain.enums import MeasureKind, Source, TargetCategory
from app.domain.snils import snils_checksum
from app.services.extract_import import (
    PROGRESS_TOTAL,
    ImportCancelledError,
    ImportResult,
    import_extract,
)
from db import models
from db.session import Database

TODAY = date(2026, 11, 23)
HEADINGS = (
    "ФИО",
    "Дата рождения",
    "Пол",
    "СНИЛС",
    "Адрес регистрации",
    "Муниципальное образование",
    "Телефон",
    "Электронная почта",
    "Группа инвалидности",
    "Дата установления инвалидности",
    "Впервые",
    "Самообслуживание",
    "Передвижение",
    "Номер ИПРА",
    "Дата ИПРА",
    "Мероприятия ИПРА",
    "Законный представитель",
    "Телефон представителя",
    "Дата поступления сведений",
)
TABLES = (
    models.Citizen,
    models.DisabilityAssessment,
    models.RehabProgramme,
    models.RehabMeasure,
    models.Representative,
    models.RegistryEntry,
    models.ImportBatch,
    models.AuditEvent,
)


def _snils(n: int) -> str:
    first9 = f"{100_000_000 + n * 7919:09d}"
    return first9 + f"{snils_checksum(first9):02d}"


def _person(n: int, **changes: str) -> dict[str, str]:
    """An eligible person (group I for the first time, self-care limited), row ``n``."""
    values = {
        "ФИО": f"Тестова{n or ''} Анна Сергеевна",
        "Дата рождения": f"{1 + n % 28:02d}.03.1980",
        "Пол": "Ж",
        "СНИЛС": _snils(n),
        "Адрес регистрации": f"г. Тюмень, ул. Первая, д. {n + 1}",
        "Муниципальное образование": "г. Тюмень",
        "Телефон": f"+7912000{n:04d}",
        "Электронная почта": f"a{n}@example.ru",
        "Группа инвалидности": "I",
        "Дата установления инвалидности": "01.10.2026",
        "Впервые": "да",
        "Самообслуживание": "2",
        "Передвижение": "0",
        "Номер ИПРА": f"{n}.1/2026",
        "Дата ИПРА": "05.10.2026",
        "Мероприятия ИПРА": "медицинская, социальная",
        "Законный представитель": "",
        "Телефон представителя": "",
        "Дата поступления сведений": "12.10.2026",
    }
    values.update(changes)
    return values


def _write(path: Path, people: list[dict[str, str]]) -> Path:
    assert not any(";" in value for p in people for value in p.values())
    lines = [";".join(HEADINGS)] + [";".join(p[h] for h in HEADINGS) for p in people]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counts(db: Database) -> dict[str, int]:
    with db.session_factory() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in TABLES
        }


def _import(db: Database, path: Path, **options: object) -> ImportResult:
    return import_extract(db, path, today=TODAY, **options)  # type: ignore[arg-type]


def _citizen(db: Database, n: int) -> models.Citizen:
    with db.session_factory() as session:
        citizen = session.scalar(select(models.Citizen).where(models.Citizen.snils == _snils(n)))
        assert citizen is not None
        # Load what the tests look at before the session closes.
        for programme in citizen.programmes:
            _ = programme.measures
        _ = citizen.assessments, citizen.representatives
        session.expunge_all()
        return citizen


def _updated_at(db: Database, model: type[models.Base]) -> dict[int, datetime]:
    with db.session_factory() as session:
        table = model.__table__
        rows = session.execute(select(table.c.id, table.c.updated_at)).all()
        return {id_: stamp for id_, stamp in rows}


@pytest.fixture
def five(db: Database, tmp_path: Path) -> Iterator[list[dict[str, str]]]:
    """Five people already imported from an October extract."""
    people = [_person(n) for n in range(5)]
    first = _import(db, _write(tmp_path / "october.csv", people))
    assert (first.added, first.updated, first.rejected) == (5, 0, ())
    yield people


def test_a_changed_file_changes_exactly_the_changed_fields(
    db: Database, tmp_path: Path, five: list[dict[str, str]]
) -> None:
    before = {n: _citizen(db, n) for n in range(5)}
    citizens_before = _updated_at(db, models.Citizen)
    programmes_before = _updated_at(db, models.RehabProgramme)
    people = list(five)
    people[0] = _person(0, **{"Телефон": "8 (912) 345-67-89"})
    people[1] = _person(1, **{"Мероприятия ИПРА": "медицинская, социальная, ТСР региональные"})
    people[2] = _person(2, **{"Муниципальное образование": "Ишимский район"})
    people[3] = _person(3, **{"Электронная почта": ""})  # empty: the known value is kept
    counts = _counts(db)

    result = _import(db, _write(tmp_path / "october-2.csv", people))

    # Issue #12: people 3 (an empty cell keeps the value) and 4 are unchanged, not updated.
    assert (result.added, result.updated, result.unchanged, result.rejected) == (0, 3, 2, ())
    after = {n: _citizen(db, n) for n in range(5)}
    assert after[0].phone == "+79123456789"
    assert after[2].district == "Ишимский муниципальный округ"
    assert after[3].email == before[3].email == "a3@example.ru"
    for n in range(5):
        a, b = after[n], before[n]
        if n != 0:
            assert a.phone == b.phone
        if n != 2:
            assert a.district == b.district
        assert (a.last_name, a.birth_date, a.snils, a.sex, a.email) == (
            b.last_name,
            b.birth_date,
            b.snils,
            b.sex,
            b.email,
        )
        assert len(a.assessments) == len(b.assessments) == 1
    kinds = [m.kind for m in after[1].programmes[0].measures]
    assert kinds == [MeasureKind.MEDICAL, MeasureKind.SOCIAL, MeasureKind.DEVICES_REGIONAL]
    assert [m.position for m in after[1].programmes[0].measures] == [0, 1, 2]
    for n in (0, 2, 3, 4):
        assert [m.kind for m in after[n].programmes[0].measures] == [
            MeasureKind.MEDICAL,
            MeasureKind.SOCIAL,
        ]
    # One measure more, one batch, one audit event; nothing else added.
    expected = dict(counts, rehab_measure=counts["rehab_measure"] + 1)
    expected.update(import_batch=counts["import_batch"] + 1, audit_event=counts["audit_event"] + 1)
    assert _counts(db) == expected
    # Only the people whose data changed were written to; the IPRA rows were not.
    citizens_after = _updated_at(db, models.Citizen)
    changed = {id_ for id_, stamp in citizens_after.items() if stamp != citizens_before[id_]}
    assert changed == {after[0].id, after[2].id}
    assert _updated_at(db, models.RehabProgramme) == programmes_before


def test_the_same_file_again_writes_nothing_but_the_batch(
    db: Database, tmp_path: Path, five: list[dict[str, str]]
) -> None:
    stamps = {model: _updated_at(db, model) for model in TABLES[:6]}
    counts = _counts(db)
    result = _import(db, _write(tmp_path / "october.csv", five))
    # Issue #12: the same file again reported "обновлены 5": they are unchanged.
    assert (result.added, result.updated, result.unchanged, result.same_file_before) == (
        0,
        0,
        5,
        True,
    )
    assert _counts(db) == dict(
        counts,
        import_batch=counts["import_batch"] + 1,
        audit_event=counts["audit_event"] + 1,
    )
    assert {model: _updated_at(db, model) for model in TABLES[:6]} == stamps


def test_a_new_ipra_group_and_representative_are_added_beside_the_known_ones(
    db: Database, tmp_path: Path, five: list[dict[str, str]]
) -> None:
    people = [
        _person(0, **{"Номер ИПРА": "77.2/2026", "Мероприятия ИПРА": "профессиональная"}),
        _person(1, **{"Группа инвалидности": "II", "Дата установления инвалидности": "01.11.2026"}),
        _person(2, **{"Законный представитель": "Тестов Олег Ильич"}),
        _person(3, **{"Законный представитель": "Тестов Олег"}),
    ]
    result = _import(db, _write(tmp_path / "more.csv", people))
    assert (result.added, result.updated) == (0, 4)

    first = _citizen(db, 0)
    assert [p.number for p in first.programmes] == ["0.1/2026", "77.2/2026"]
    assert [m.kind for m in first.programmes[1].measures] == [MeasureKind.VOCATIONAL]
    assert first.programmes[1].assessment_id == first.assessments[0].id
    second = _citizen(db, 1)
    assert [str(a.disability_group) for a in second.assessments] == ["I", "II"]
    assert second.assessments[1].established_on == date(2026, 11, 1)
    assert [r.last_name for r in _citizen(db, 2).representatives] == ["Тестов"]
    assert [r.first_name for r in _citizen(db, 3).representatives] == ["Олег"]

    again = _import(db, _write(tmp_path / "more-again.csv", people))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert len(_citizen(db, 0).programmes) == 2
    assert len(_citizen(db, 1).assessments) == 2
    assert len(_citizen(db, 2).representatives) == 1


def test_3_1_1_a_person_in_the_registry_is_updated_not_entered_again_in_a_later_month(
    db: Database, tmp_path: Path, five: list[dict[str, str]]
) -> None:
    """31-р 3.1.1 and 3.2 speak of people recognised for the first time: someone entered in
    October who is in November's extract again is updated, not given a second entry (with a
    second informing and dispatch duty), and the import says so for the row (issue #13)."""
    late_october = [_person(n, **{"Дата поступления сведений": "28.10.2026"}) for n in range(3)]
    result = _import(db, _write(tmp_path / "late.csv", late_october))
    assert (result.added, result.updated, result.unchanged) == (0, 0, 3)
    november = [
        _person(0, **{"Дата поступления сведений": "03.11.2026"}),
        _person(1, **{"Дата поступления сведений": "03.11.2026", "Телефон": "+79120009999"}),
        _person(5, **{"Дата поступления сведений": "03.11.2026"}),
    ]
    result = _import(db, _write(tmp_path / "november.csv", november))
    assert (result.added, result.updated, result.unchanged) == (1, 1, 1)
    assert [(a.row, a.month, a.question) for a in result.already_in_registry] == [
        (2, "2026-10", False),
        (3, "2026-10", False),
    ]
    assert "уже в реестре за октябрь 2026" in result.already_in_registry[0].message
    assert _citizen(db, 1).phone == "+79120009999"  # updated all the same
    with db.session_factory() as session:
        months = session.execute(
            select(models.RegistryEntry.reporting_month, func.count())
            .group_by(models.RegistryEntry.reporting_month)
            .order_by(models.RegistryEntry.reporting_month)
        ).all()
        assert [tuple(m) for m in months] == [("2026-10", 5), ("2026-11", 1)]
        entry = session.scalar(
            select(models.RegistryEntry).where(models.RegistryEntry.reporting_month == "2026-11")
        )
        assert entry is not None
        assert entry.source is Source.EXTRACT and entry.identified_on == date(2026, 11, 3)


def test_3_1_1_a_later_date_of_disability_is_a_question_for_the_consultant_not_an_entry(
    db: Database, tmp_path: Path, five: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A later date of disability than the registry's may be a new recognition: listed as
    a question first, not decided silently either way (issue #13)."""
    again = _person(
        2,
        **{
            "Дата поступления сведений": "10.11.2026",
            "Дата установления инвалидности": "05.11.2026",
        },
    )
    path = _write(tmp_path / "november.csv", [_person(0), again])
    code = main(["--db", str(db.path), "import-extract", str(path), "--today", "23.11.2026"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "уже в реестре (обновлены, повторно не внесены): 2, из них вопросов: 1" in out
    lines = [line.strip() for line in out.splitlines()]
    question = next(line for line in lines if line.startswith("строка 3, "))
    assert "ВОПРОС" in question and "05.11.2026 позже прежней (01.10.2026)" in question
    with db.session_factory() as session:
        count = session.scalar(select(func.count()).select_from(models.RegistryEntry))
    assert count == 5  # nobody entered twice


def test_an_entry_made_by_hand_for_the_month_is_not_duplicated(
    db: Database, tmp_path: Path, five: list[dict[str, str]]
) -> None:
    citizen = _citizen(db, 0)
    with db.session_factory.begin() as session:
        session.add(
            models.RegistryEntry(
                citizen_id=citizen.id,
                reporting_month="2026-11",
                identified_on=date(2026, 11, 2),
                source=Source.WALK_IN,
                category=TargetCategory.GROUP_I,
                entered_on=date(2026, 11, 2),
            )
        )
    result = _import(
        db,
        _write(tmp_path / "nov.csv", [_person(0, **{"Дата поступления сведений": "05.11.2026"})]),
    )
    assert (result.added, result.updated, result.unchanged) == (0, 0, 1)


def test_one_person_found_twice_in_the_database_keeps_one_entry(
    db: Database, tmp_path: Path, five: list[dict[str, str]]
) -> None:
    # Row 1 finds person 0 by СНИЛС under a new surname; row 2 finds her by name and birth date.
    people = [
        _person(0, **{"ФИО": "Иванова Анна Сергеевна", "Дата поступления сведений": "02.11.2026"}),
        _person(0, **{"СНИЛС": "", "Дата поступления сведений": "02.11.2026"}),
    ]
    result = _import(db, _write(tmp_path / "twice.csv", people))
    # She is in October's registry already (31-р 3.1.1): both rows update her, neither adds.
    assert (result.added, result.updated, result.unchanged, result.rejected) == (0, 0, 2, ())
    assert [(a.row, a.month) for a in result.already_in_registry] == [
        (2, "2026-10"),
        (3, "2026-10"),
    ]
    assert _citizen(db, 0).last_name == "Тестова"  # names are never rewritten by an extract
    with db.session_factory() as session:
        entries = session.scalar(
            select(func.count())
            .select_from(models.RegistryEntry)
            .where(models.RegistryEntry.citizen_id == _citizen(db, 0).id)
        )
    assert entries == 1


def test_new_rows_get_fresh_ids_uuids_and_utc_stamps(db: Database, tmp_path: Path) -> None:
    start = clock.now_utc()
    with_parent = {"Законный представитель": "Тестов Олег Ильич"}
    _import(db, _write(tmp_path / "a.csv", [_person(n, **with_parent) for n in range(3)]))
    _import(db, _write(tmp_path / "b.csv", [_person(n, **with_parent) for n in range(3, 6)]))
    with db.session_factory() as session:
        for model in TABLES[:6]:
            rows = session.scalars(select(model)).all()
            assert rows, model
            ids = [r.id for r in rows]
            assert ids == list(range(1, len(rows) + 1))
            uuids = [r.uuid for r in rows]
            assert len(set(uuids)) == len(uuids)
            assert all(isinstance(u, uuid.UUID) and u.version == 7 for u in uuids)
            assert all(start <= r.created_at <= r.updated_at <= clock.now_utc() for r in rows)
            assert all(r.created_by_id is not None for r in rows)


def test_progress_is_one_bar_and_cancel_is_asked_at_every_step(
    db: Database, tmp_path: Path
) -> None:
    path = _write(tmp_path / "many.csv", [_person(n) for n in range(300)])
    seen: list[tuple[int, int]] = []
    asked = 0

    def cancelled() -> bool:
        nonlocal asked
        asked += 1
        return False

    _import(db, path, dry_run=True, progress=lambda d, t: seen.append((d, t)), cancelled=cancelled)
    assert {t for _, t in seen} == {PROGRESS_TOTAL}
    done = [d for d, _ in seen]
    assert done == sorted(set(done)) and done[0] == 0 and done[-1] == PROGRESS_TOTAL
    # About every 1% once the file is read (a CSV is read in one go), not once per stage.
    assert len(done) > PROGRESS_TOTAL // 3
    assert asked == len(seen) - 1  # not after the commit


@pytest.mark.parametrize("stop_at", [31, 50, 60, 80, 94])
def test_cancel_at_any_step_leaves_every_table_as_it_was(
    db: Database, tmp_path: Path, five: list[dict[str, str]], stop_at: int
) -> None:
    # Changes to known people and new people, so that every table would be written.
    people = [_person(n, **{"Телефон": "+79990000000"}) for n in range(5)]
    people += [_person(n) for n in range(5, 300)]
    path = _write(tmp_path / "big.csv", people)
    counts = _counts(db)
    stamps = _updated_at(db, models.Citizen)
    reached = 0

    def progress(done: int, total: int) -> None:
        nonlocal reached
        reached = done

    with pytest.raises(ImportCancelledError, match="база данных не изменена"):
        _import(db, path, progress=progress, cancelled=lambda: reached >= stop_at)
    assert stop_at <= reached < PROGRESS_TOTAL
    assert _counts(db) == counts
    assert _updated_at(db, models.Citizen) == stamps
    result = _import(db, path)  # and the import can then run to the end
    assert (result.added, result.updated) == (295, 5)


def test_cancel_after_n_questions_during_the_write(db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "big.csv", [_person(n) for n in range(400)])
    questions = 0

    def count() -> bool:
        nonlocal questions
        questions += 1
        return False

    _import(db, path, dry_run=True, cancelled=count)
    counts = _counts(db)
    n = questions - 3  # near the end: the rows are being written
    asked = 0

    def after_n() -> bool:
        nonlocal asked
        asked += 1
        return asked > n

    with pytest.raises(ImportCancelledError):
        _import(db, path, cancelled=after_n)
    assert _counts(db) == counts
