"""Importing the monthly extract (31-р 3.1.1) into the registry, in one transaction.

Rows with problems are rejected with the reason; eligible people (31-р 2.1) get a registry
entry in the reporting month of the date their data arrived; a person already in the
database is updated, not added again, so the same file imported twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.eligibility import EligibilityFacts, Verdict, assess
from app.domain.enums import DisabilityGroup, RepresentativeKind, Source
from app.domain.names import full_name, search_key
from app.domain.periods import Month
from app.errors import BadFileError, NotFoundError, UserError
from app.services.common import audit, current_user, now_utc
from app.services.extract_parse import (
    ExtractRow,
    Problem,
    apply_saved_mapping,
    auto_mapping,
    missing_fields,
    parse_row,
    read_table,
)
from db import models
from db.session import Database

Progress = Callable[[int, int], None]


class ImportCancelledError(UserError):
    """The user stopped the import; nothing was written."""


@dataclass(frozen=True)
class NotEligible:
    row: int
    person: str
    reasons: str


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    sha256: str
    rows_total: int
    added: int
    updated: int
    not_eligible: tuple[NotEligible, ...]
    rejected: tuple[Problem, ...]  # one per problem; a row may have several
    dry_run: bool
    batch_id: int | None
    same_file_before: bool  # a file with this SHA-256 was imported already

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.rejected})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_mapping(db: Database, name: str, mapping: dict[str, str]) -> None:
    """Save (or replace) a named mapping: heading text -> field key."""
    name = name.strip()
    if not name:
        raise UserError("Укажите название сопоставления столбцов.")
    with db.session_factory.begin() as session:
        user = current_user(session)
        row = session.scalar(select(models.ColumnMapping).where(models.ColumnMapping.name == name))
        if row is None:
            row = models.ColumnMapping(name=name, created_by_id=user.id)
            session.add(row)
        row.mapping = json.dumps(mapping, ensure_ascii=False)
        row.updated_by_id = user.id


def load_mapping(db: Database, name: str) -> dict[str, str]:
    with db.session_factory() as session:
        row = session.scalar(select(models.ColumnMapping).where(models.ColumnMapping.name == name))
    if row is None:
        raise NotFoundError(f"Сопоставление столбцов «{name}» не найдено.")
    data = json.loads(row.mapping)
    return {str(k): str(v) for k, v in data.items()}


def _duplicates(rows: list[ExtractRow]) -> tuple[list[ExtractRow], list[Problem]]:
    """A person twice in one file: the second row is rejected, naming the first."""
    seen: dict[object, int] = {}
    kept: list[ExtractRow] = []
    problems: list[Problem] = []
    for row in rows:
        keys: list[object] = [("name", search_key(_name(row)), row.birth_date)]
        if row.snils:
            keys.append(("snils", row.snils))
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            problems.append(Problem(row.row, "ФИО", f"повтор человека из строки {first}"))
            continue
        for key in keys:
            seen[key] = row.row
        kept.append(row)
    return kept, problems


def _name(row: ExtractRow) -> str:
    return full_name(row.last_name, row.first_name, row.middle_name)


def _verdict(row: ExtractRow) -> Verdict:
    # 31-р 2.1 and 3.1.1: the extract is screened by the target category.
    return assess(
        EligibilityFacts(
            group=row.group,
            first_time=row.first_time,
            selfcare_degree=row.selfcare_degree,
            movement_degree=row.movement_degree,
            behaviour_degree=row.behaviour_degree,
            mental_disorder=row.mental_disorder,
            stationary=row.stationary,
        )
    )


class _Known:
    """Citizens of the database who may be in the file, looked up once for all rows."""

    CHUNK = 500

    def __init__(self, session: Session, rows: list[ExtractRow]) -> None:
        self.by_snils: dict[str, int] = {}
        self.by_name: dict[tuple[str, date], int] = {}
        snils = [r.snils for r in rows if r.snils]
        names = sorted({search_key(_name(r)) for r in rows})
        citizen = models.Citizen
        for i in range(0, len(snils), self.CHUNK):
            by_snils = select(citizen.id, citizen.snils).where(
                citizen.snils.in_(snils[i : i + self.CHUNK])
            )
            for id_, number in session.execute(by_snils):
                if number is not None:
                    self.by_snils[number] = id_
        for i in range(0, len(names), self.CHUNK):
            by_name = select(citizen.id, citizen.search_name, citizen.birth_date).where(
                citizen.search_name.in_(names[i : i + self.CHUNK])
            )
            for id_, name, birth in session.execute(by_name):
                if birth is not None:
                    self.by_name.setdefault((name, birth), id_)

    def find(self, session: Session, row: ExtractRow) -> models.Citizen | None:
        found = self.by_snils.get(row.snils or "") or self.by_name.get(
            (search_key(_name(row)), row.birth_date)
        )
        return session.get(models.Citizen, found) if found is not None else None


def _set(obj: object, name: str, value: object) -> bool:
    """Set a field when the extract has a value and it differs; True when it changed."""
    if value is None or value == "" or getattr(obj, name) == value:
        return False
    setattr(obj, name, value)
    return True


def _add_new(
    session: Session,
    row: ExtractRow,
    user_id: int,
    verdict: Verdict,
    received: date,
    today: date,
    batch: models.ImportBatch,
) -> None:
    """A person the database does not know: the whole record graph, flushed later in bulk."""
    author = {"created_by_id": user_id, "updated_by_id": user_id}
    citizen = models.Citizen(
        last_name=row.last_name,
        first_name=row.first_name,
        middle_name=row.middle_name or None,
        search_name=search_key(_name(row)),
        birth_date=row.birth_date,
        sex=row.sex,
        snils=row.snils,
        registration_address=row.registration_address,
        actual_address=row.actual_address,
        district=row.district,
        phone=row.phone,
        email=row.email,
        **author,
    )
    assessment = models.DisabilityAssessment(
        citizen=citizen,
        disability_group=row.group,
        established_on=row.established_on,
        first_time=bool(row.first_time),
        selfcare_degree=row.selfcare_degree,
        movement_degree=row.movement_degree,
        behaviour_degree=row.behaviour_degree,
        mental_disorder=row.mental_disorder,
        stationary=row.stationary,
        veteran_svo=row.veteran_svo,
        **author,
    )
    programme = None
    if row.ipra_number or row.measures:
        programme = models.RehabProgramme(
            citizen=citizen,
            assessment=assessment,
            number=row.ipra_number,
            issued_on=row.ipra_date,
            measures=[
                models.RehabMeasure(kind=kind, position=position, **author)
                for position, kind in enumerate(row.measures)
            ],
            **author,
        )
    representative = _representative(row, user_id)
    if representative is not None:
        representative.citizen = citizen
    session.add(citizen)
    if verdict.eligible and verdict.category is not None:
        session.add(_entry(row, citizen, assessment, programme, verdict, received, today, batch))


def _representative(row: ExtractRow, user_id: int) -> models.Representative | None:
    parts = (row.representative or "").split()
    if len(parts) < 2:
        return None
    return models.Representative(
        kind=RepresentativeKind.PARENT
        if row.group is DisabilityGroup.CHILD
        else RepresentativeKind.GUARDIAN,
        last_name=parts[0],
        first_name=parts[1],
        middle_name=" ".join(parts[2:]) or None,
        phone=row.representative_phone,
        address=row.actual_address,
        created_by_id=user_id,
        updated_by_id=user_id,
    )


def _entry(
    row: ExtractRow,
    citizen: models.Citizen,
    assessment: models.DisabilityAssessment,
    programme: models.RehabProgramme | None,
    verdict: Verdict,
    received: date,
    today: date,
    batch: models.ImportBatch,
) -> models.RegistryEntry:
    assert verdict.category is not None
    return models.RegistryEntry(
        citizen=citizen,
        assessment=assessment,
        programme=programme,
        import_batch=batch,
        reporting_month=str(Month.of(received)),
        identified_on=received,  # Appendix 1 column 2: the date the data arrived
        source=Source.EXTRACT,
        disability_established_on=row.established_on,
        category=verdict.category,
        eligibility_reasons="\n".join(verdict.reasons),
        entered_on=today,
        created_by_id=batch.created_by_id,
        updated_by_id=batch.created_by_id,
    )


def _store(
    session: Session,
    row: ExtractRow,
    user_id: int,
    verdict: Verdict,
    received: date,
    today: date,
    batch: models.ImportBatch,
    known: _Known,
) -> tuple[bool, bool]:
    """Write one person; returns (person existed, registry entry added)."""
    citizen = known.find(session, row)
    if citizen is None:
        _add_new(session, row, user_id, verdict, received, today, batch)
        return False, bool(verdict.eligible and verdict.category is not None)
    for name in (
        "sex",
        "snils",
        "registration_address",
        "actual_address",
        "district",
        "phone",
        "email",
    ):
        _set(citizen, name, getattr(row, name))
    citizen.updated_by_id = user_id

    assessment = next(
        (
            a
            for a in citizen.assessments
            if a.disability_group is row.group and a.established_on == row.established_on
        ),
        None,
    )
    if assessment is None:
        assessment = models.DisabilityAssessment(
            disability_group=row.group,
            established_on=row.established_on,
            first_time=bool(row.first_time),
            created_by_id=user_id,
        )
        citizen.assessments.append(assessment)
    for name in ("selfcare_degree", "movement_degree", "behaviour_degree"):
        setattr(assessment, name, getattr(row, name))
    for name in ("mental_disorder", "stationary", "veteran_svo"):
        setattr(assessment, name, getattr(row, name))
    if row.first_time is not None:
        assessment.first_time = row.first_time
    assessment.updated_by_id = user_id

    if row.ipra_number or row.measures:
        programme = next(
            (p for p in citizen.programmes if row.ipra_number and p.number == row.ipra_number),
            None,
        )
        if programme is None:
            programme = models.RehabProgramme(
                assessment=assessment,
                number=row.ipra_number,
                issued_on=row.ipra_date,
                created_by_id=user_id,
            )
            citizen.programmes.append(programme)
        _set(programme, "issued_on", row.ipra_date)
        if row.measures and tuple(m.kind for m in programme.measures) != row.measures:
            programme.measures.clear()
            for position, kind in enumerate(row.measures):
                programme.measures.append(
                    models.RehabMeasure(kind=kind, position=position, created_by_id=user_id)
                )
        programme.updated_by_id = user_id
    else:
        programme = None

    representative = _representative(row, user_id)
    if representative is not None:
        known_names = {
            search_key(full_name(r.last_name, r.first_name, r.middle_name))
            for r in citizen.representatives
        }
        if search_key(row.representative or "") not in known_names:
            citizen.representatives.append(representative)

    if not verdict.eligible or verdict.category is None:
        return True, False
    month = str(Month.of(received))
    entry = session.scalar(
        select(models.RegistryEntry).where(
            models.RegistryEntry.citizen_id == citizen.id,
            models.RegistryEntry.reporting_month == month,
        )
    )
    if entry is not None:
        return True, False
    session.add(_entry(row, citizen, assessment, programme, verdict, received, today, batch))
    return True, True


def import_extract(
    db: Database,
    path: Path,
    *,
    received: date | None = None,
    mapping_name: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportResult:
    """Read, check and (unless ``dry_run``) write the extract; all or nothing."""
    today = today or date.today()
    table = read_table(path)
    headings = table.headings
    if mapping_name:
        mapping = apply_saved_mapping(headings, load_mapping(db, mapping_name))
    else:
        mapping = auto_mapping(headings)
    missing = missing_fields(mapping)
    if missing:
        raise BadFileError(
            f"Файл {path.name}: не найдены столбцы: {', '.join(missing)} "
            f"(строка заголовков {table.header_index + 1})."
        )
    sha = file_sha256(path)
    parsed: list[ExtractRow] = []
    rejected: list[Problem] = []
    data = list(table.data_rows())
    for number, cells in data:
        result = parse_row(number, cells, mapping, today)
        if isinstance(result, list):
            rejected.extend(result)
        else:
            parsed.append(result)
    parsed, duplicates = _duplicates(parsed)
    rejected.extend(duplicates)
    rejected.sort(key=lambda p: p.row)

    added = updated = 0
    not_eligible: list[NotEligible] = []
    session = db.session_factory()
    try:
        # One transaction: committed below, or rolled back on any error or cancel.
        user = current_user(session)
        same_before = (
            session.scalar(
                select(models.ImportBatch.id).where(models.ImportBatch.sha256 == sha).limit(1)
            )
            is not None
        )
        batch = models.ImportBatch(
            file_name=path.name,
            sha256=sha,
            imported_at=now_utc(),
            received_on=received,
            mapping_name=mapping_name,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
        session.add(batch)
        session.flush()
        known = _Known(session, parsed)
        for done, row in enumerate(parsed, start=1):
            if cancelled is not None and cancelled():
                raise ImportCancelledError("Загрузка выписки отменена: база данных не изменена.")
            verdict = _verdict(row)
            if not verdict.eligible:
                not_eligible.append(NotEligible(row.row, _name(row), verdict.explanation))
            day = row.received_on or received or today
            with session.no_autoflush:
                existed, entry_added = _store(
                    session, row, user.id, verdict, day, today, batch, known
                )
            if done % 500 == 0:
                session.flush()
            added += entry_added
            updated += existed
            if progress is not None and (done % 200 == 0 or done == len(parsed)):
                progress(done, len(parsed))
        batch.rows_total = len(data)
        batch.added = added
        batch.updated = updated
        batch.not_eligible = len(not_eligible)
        batch.rejected = len({p.row for p in rejected})
        batch.problems = "\n".join(str(p) for p in rejected) or None
        audit(
            session,
            user,
            "extract.import",
            "import_batch",
            str(batch.uuid),
            file=path.name,
            sha256=sha,
            added=added,
            rejected=batch.rejected,
        )
        session.flush()
        batch_id = batch.id
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return ImportResult(
        file_name=path.name,
        sha256=sha,
        rows_total=len(data),
        added=added,
        updated=updated,
        not_eligible=tuple(not_eligible),
        rejected=tuple(rejected),
        dry_run=dry_run,
        batch_id=None if dry_run else batch_id,
        same_file_before=same_before,
    )
