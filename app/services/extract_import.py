"""Importing the monthly extract (31-р 3.1.1) into the registry, in one transaction.

Rows with problems are rejected with the reason; eligible people (31-р 2.1) get a registry
entry in the reporting month of the date their data arrived; a person already in the
database is updated, not added again, so the same file imported twice adds nothing.

A 10,000-row extract into a database of 100,000 people takes a few seconds: the people of
the file are looked up and read with their records in a few IN queries, every row's changes
are worked out in memory, new rows are written with one executemany per table and 1,000
rows, and known rows are updated only where a value changed.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Select, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app import clock
from app.domain.dates import format_date
from app.domain.eligibility import EligibilityFacts, Verdict, assess
from app.domain.enums import DisabilityGroup, MeasureKind, RepresentativeKind, Source
from app.domain.names import full_name, search_key
from app.domain.periods import Month
from app.errors import BadFileError, NotFoundError, UserError
from app.services import backups
from app.services.common import audit, current_user, now_utc
from app.services.extract_parse import (
    ExtractRow,
    Problem,
    apply_saved_mapping,
    auto_mapping,
    duplicate_columns,
    missing_fields,
    parse_row,
    read_table,
)
from db import models
from db.dialect import is_sqlite, lock_for_new_ids, retried_on_conflict, sync_id_sequences
from db.session import Database

Progress = Callable[[int, int], None]
PROGRESS_TOTAL = 100
# Spans of the progress bar, in %: reading the file, checking its rows, finding the people
# in the database, working out the changes, writing them; the rest is the commit. Roughly
# their shares of the time for 10,000 new people.
_READ = (0, 30)
_CHECK = (30, 45)
_MATCH = (45, 52)
_PLAN = (52, 62)
_WRITE = (62, 95)
IN_CHUNK = 900  # values in one IN (...): SQLite allows at most 999 parameters in old builds
WRITE_CHUNK = 1000  # rows in one INSERT executemany, between progress ticks
IMPORT_CACHE_KIB = 32 * 1024  # SQLite page cache while importing (the default is 2 MiB)
# Fields of a known citizen that the extract overwrites when it has a value there.
_CITIZEN_UPDATED = (
    "sex",
    "snils",
    "registration_address",
    "actual_address",
    "district",
    "phone",
    "email",
)
# Fields of a known assessment that the extract always overwrites.
_ASSESSMENT_UPDATED = (
    "selfcare_degree",
    "movement_degree",
    "behaviour_degree",
    "mental_disorder",
    "stationary",
    "veteran_svo",
)
_T = TypeVar("_T")
# Tables the import inserts into, parents before children.
_INSERTED: tuple[type[models.Base], ...] = (
    models.Citizen,
    models.DisabilityAssessment,
    models.RehabProgramme,
    models.RehabMeasure,
    models.Representative,
    models.RegistryEntry,
)


class ImportCancelledError(UserError):
    """The user stopped the import; nothing was written."""


@dataclass(frozen=True)
class NotEligible:
    row: int
    person: str
    reasons: str


@dataclass(frozen=True)
class AlreadyInRegistry:
    """A row about a person the registry already holds (31-р 3.1.1, 3.2 speak of people
    recognised for the first time): updated, not entered again. ``question`` is a later
    date of disability than the registry's — possibly a new recognition, which the
    consultant decides (the card's «Внести в реестр»), the import does not."""

    row: int
    person: str
    month: str  # the reporting month of the newest entry, "2026-06"
    question: bool
    message: str


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    sha256: str
    rows_total: int
    added: int
    updated: int  # known people the file changed something of
    unchanged: int  # known people the file changed nothing of
    not_eligible: tuple[NotEligible, ...]
    # People already in the registry: updated, not entered again; the questions first.
    already_in_registry: tuple[AlreadyInRegistry, ...]
    # One per problem; a row may have several. Notes on the header row (a column twice)
    # come first and reject nothing.
    rejected: tuple[Problem, ...]
    dry_run: bool
    batch_id: int | None
    same_file_before: bool  # a file with this SHA-256 was imported already

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.rejected if p.rejects_row})


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
        keys: list[object] = [("name", row.search_name, row.birth_date)]
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


def _verdict(row: ExtractRow) -> Verdict:
    # 31-р 2.1 and 3.1.1: the extract is screened by the target category.
    return _assess(
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


# A few dozen combinations of facts cover a whole extract; a verdict is immutable.
_assess = lru_cache(maxsize=1024)(assess)


class _Steps:
    """One progress bar over the whole import, reported and checked for cancel at every 1%."""

    def __init__(self, progress: Progress | None, cancelled: Callable[[], bool] | None) -> None:
        self.progress = progress
        self.cancelled = cancelled
        self.done = -1

    def stage(self, start: int, end: int) -> Callable[[float], None]:
        """A callback taking the share (0..1) of a stage that spans ``start``..``end`` %."""

        def tick(share: float) -> None:
            self.advance(start + int((end - start) * min(share, 1.0)))

        return tick

    def advance(self, done: int) -> None:
        if done <= self.done:
            return
        self.done = done
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelledError("Загрузка выписки отменена: база данных не изменена.")
        if self.progress is not None:
            self.progress(done, PROGRESS_TOTAL)

    def finish(self) -> None:
        """The whole bar, once committed (or rolled back after a check): too late to cancel."""
        if self.progress is not None:
            self.progress(PROGRESS_TOTAL, PROGRESS_TOTAL)


@dataclass(eq=False, slots=True)
class _Record:
    """One row of a table as the import leaves it: read from the database, or new."""

    id: int
    values: dict[str, Any]  # a new row's values include its id
    loaded: dict[str, Any] | None = None  # as read; None for a row this import inserts

    @classmethod
    def read_all(cls, session: Session, query: Select[Any]) -> list[_Record]:
        """The rows of a query whose first column is "id"."""
        result = session.execute(query)
        keys = list(result.keys())
        return [
            cls(row[0], dict(zip(keys, row, strict=True)), dict(zip(keys, row, strict=True)))
            for row in result.all()
        ]

    def changes(self) -> dict[str, Any]:
        assert self.loaded is not None
        return {k: v for k, v in self.values.items() if self.loaded[k] != v}


@dataclass(eq=False, slots=True)
class _Programme:
    record: _Record
    measures: tuple[MeasureKind, ...]
    new_measures: list[_Record] | None = None  # replacing all the measures it had


@dataclass(eq=False, slots=True)
class _Person:
    """A citizen of the database with what the import compares: assessments, IPRAs and so on."""

    citizen: _Record
    assessments: list[_Record] = field(default_factory=list)
    programmes: list[_Programme] = field(default_factory=list)
    representatives: set[str] = field(default_factory=set)  # search keys of their names
    months: set[str] = field(default_factory=set)  # reporting months with an entry
    # Every registry entry of the person: (reporting month, date of disability).
    entries: list[tuple[str, date | None]] = field(default_factory=list)


def _chunks(items: Sequence[_T], size: int = IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Known:
    """Citizens of the database who are in the file, with their records, read in bulk."""

    def __init__(
        self,
        session: Session,
        rows: Sequence[ExtractRow],
        months: set[str],
        tick: Callable[[float], None],
    ) -> None:
        self.by_snils: dict[str, int] = {}
        self.by_name: dict[tuple[str, date], int] = {}
        citizen = models.Citizen.__table__.c
        snils = sorted({r.snils for r in rows if r.snils})
        for chunk in _chunks(snils):
            by_snils = select(citizen.id, citizen.snils).where(citizen.snils.in_(chunk))
            for id_, number in session.execute(by_snils).all():
                self.by_snils[number] = id_
        tick(0.2)
        names = sorted({r.search_name for r in rows})
        for chunk in _chunks(names):
            by_name = (
                select(citizen.id, citizen.search_name, citizen.birth_date)
                .where(citizen.search_name.in_(chunk))
                .order_by(citizen.id)
            )
            for id_, name, birth in session.execute(by_name).all():
                if birth is not None:
                    self.by_name.setdefault((name, birth), id_)
        tick(0.4)
        ids = sorted({i for r in rows if (i := self.citizen_id(r)) is not None})
        self.people: dict[int, _Person] = {}
        for number, some in enumerate(_chunks(ids), start=1):
            self._read_people(session, some, months)
            tick(0.4 + 0.6 * number * IN_CHUNK / len(ids))

    def citizen_id(self, row: ExtractRow) -> int | None:
        return self.by_snils.get(row.snils or "") or self.by_name.get(
            (row.search_name, row.birth_date)
        )

    def _read_people(self, session: Session, ids: Sequence[int], months: set[str]) -> None:
        citizen = models.Citizen.__table__.c
        query = select(citizen.id, *(citizen[n] for n in (*_CITIZEN_UPDATED, "updated_by_id")))
        for record in _Record.read_all(session, query.where(citizen.id.in_(ids))):
            self.people[record.id] = _Person(record)
        assessment = models.DisabilityAssessment.__table__.c
        query = (
            select(
                assessment.id,
                assessment.citizen_id,
                assessment.disability_group,
                assessment.established_on,
                assessment.first_time,
                *(assessment[n] for n in _ASSESSMENT_UPDATED),
                assessment.updated_by_id,
            )
            .where(assessment.citizen_id.in_(ids))
            .order_by(assessment.established_on, assessment.id)  # as Citizen.assessments
        )
        for record in _Record.read_all(session, query):
            self.people[record.values["citizen_id"]].assessments.append(record)
        programme = models.RehabProgramme.__table__.c
        query = (
            select(
                programme.id,
                programme.citizen_id,
                programme.number,
                programme.issued_on,
                programme.updated_by_id,
            )
            .where(programme.citizen_id.in_(ids))
            .order_by(programme.issued_on, programme.id)  # as Citizen.programmes
        )
        programmes: dict[int, _Programme] = {}
        for record in _Record.read_all(session, query):
            programmes[record.id] = _Programme(record, ())
            self.people[record.values["citizen_id"]].programmes.append(programmes[record.id])
        measure = models.RehabMeasure.__table__.c
        query = (
            select(measure.programme_id, measure.kind)
            .join_from(models.RehabMeasure.__table__, models.RehabProgramme.__table__)
            .where(programme.citizen_id.in_(ids))
            .order_by(measure.id)  # as RehabProgramme.measures
        )
        for programme_id, kind in session.execute(query).all():
            found = programmes[programme_id]
            found.measures = (*found.measures, kind)
        representative = models.Representative.__table__.c
        query = select(
            representative.citizen_id,
            representative.last_name,
            representative.first_name,
            representative.middle_name,
        ).where(representative.citizen_id.in_(ids))
        for citizen_id, last, first, middle in session.execute(query).all():
            self.people[citizen_id].representatives.add(search_key(full_name(last, first, middle)))
        entry = models.RegistryEntry.__table__.c
        query = select(
            entry.citizen_id, entry.reporting_month, entry.disability_established_on
        ).where(entry.citizen_id.in_(ids))
        for citizen_id, month, established in session.execute(query).all():
            person = self.people[citizen_id]
            person.entries.append((month, established))
            if month in months:
                person.months.add(month)


def _already(row: ExtractRow, entries: list[tuple[str, date | None]]) -> AlreadyInRegistry:
    """What the import says of a row whose person has a registry entry (31-р 3.1.1, 3.2)."""
    month, established = max(entries, key=lambda e: (e[0], e[1] or date.min))
    where = f"уже в реестре за {Month.parse(month).title}"
    known = [e for _, e in entries if e is not None]
    later = row.established_on is not None and bool(known) and row.established_on > max(known)
    if later:
        assert row.established_on is not None
        return AlreadyInRegistry(
            row.row,
            row.full_name,
            month,
            True,
            f"{where}, а в выписке дата установления инвалидности "
            f"{format_date(row.established_on)} позже прежней ({format_date(max(known))}): "
            "возможно, это новое признание — решите, вносить ли в реестр (карточка → "
            "«Внести в реестр»); сведения карточки обновлены",
        )
    return AlreadyInRegistry(
        row.row,
        row.full_name,
        month,
        False,
        f"{where}: сведения карточки обновлены, повторно в реестр не вносится "
        "(31-р, пп. 3.1.1, 3.2: впервые признанные)",
    )


class _Writer:
    """Turns each row into rows to insert and changes to update, then writes them in bulk.

    Made once the import holds SQLite's write lock (after the batch row is flushed): no one
    else can insert until it commits, so new rows get their ids here, the next after the
    largest, as SQLite would give them, and children can refer to them before anything is
    written.
    """

    def __init__(
        self,
        session: Session,
        known: _Known,
        user_id: int,
        batch: models.ImportBatch,
        today: date,
    ) -> None:
        self.known = known
        self.user_id = user_id
        self.batch = batch
        self.today = today
        self.now = now_utc()
        self.created = 0  # records planned so far (a known person gaining one has changed)
        lock_for_new_ids(session.connection(), [_table(model) for model in _INSERTED])
        self.last_ids = {
            model: session.scalar(select(func.max(_table(model).c.id))) or 0 for model in _INSERTED
        }
        self.citizens: list[_Record] = []
        self.assessments: list[_Record] = []
        self.programmes: list[_Programme] = []
        self.replaced: list[_Programme] = []  # IPRAs given new measures, in file order
        self.representatives: list[_Record] = []
        self.already: list[AlreadyInRegistry] = []  # rows of people the registry holds
        self.entries: list[_Record] = []

    def _new(self, model: type[models.Base], values: dict[str, Any]) -> _Record:
        self.created += 1
        self.last_ids[model] += 1
        values["id"] = self.last_ids[model]
        return _Record(values["id"], values)

    def _author(self) -> dict[str, Any]:
        return {"created_by_id": self.user_id, "updated_by_id": self.user_id}

    def store(self, row: ExtractRow, verdict: Verdict, received: date) -> tuple[bool, bool, bool]:
        """Plan one person's writes; returns (person existed, registry entry added, anything
        of a known person changed: card, МСЭ, ИПРА or a new representative)."""
        created_before = self.created
        citizen_id = self.known.citizen_id(row)
        person = None if citizen_id is None else self.known.people[citizen_id]
        if person is None:
            person = self._add_person(row)
            existed = False
        else:
            existed = True
            citizen = person.citizen.values
            for name in _CITIZEN_UPDATED:
                value = getattr(row, name)
                if value is not None and value != "":
                    citizen[name] = value
            citizen["updated_by_id"] = self.user_id
        assessment = self._assessment(person, row)
        programme = self._programme(person, row, assessment)
        self._representative(person, row)
        changed = existed and (
            self.created != created_before
            or any(
                _changed(record)
                for record in (person.citizen, assessment, programme.record if programme else None)
            )
        )
        if not verdict.eligible or verdict.category is None:
            return existed, False, changed
        month = str(Month.of(received))
        if person.entries:
            self.already.append(_already(row, person.entries))
            return existed, False, changed
        if month in person.months:  # entered by an earlier row of this file
            return existed, False, changed
        person.months.add(month)
        person.entries.append((month, row.established_on))
        values = {
            "citizen_id": person.citizen.id,
            "assessment_id": assessment.id,
            "programme_id": None if programme is None else programme.record.id,
            "import_batch_id": self.batch.id,
            "reporting_month": month,
            "identified_on": received,  # Appendix 1 column 2: the date the data arrived
            "source": Source.EXTRACT,
            "disability_established_on": row.established_on,
            "category": verdict.category,
            "eligibility_reasons": "\n".join(verdict.reasons),
            "entered_on": self.today,
            "created_by_id": self.batch.created_by_id,
            "updated_by_id": self.batch.created_by_id,
        }
        self.entries.append(self._new(models.RegistryEntry, values))
        return existed, True, changed

    def _add_person(self, row: ExtractRow) -> _Person:
        values = {
            "last_name": row.last_name,
            "first_name": row.first_name,
            "middle_name": row.middle_name or None,
            "search_name": row.search_name,
            "birth_date": row.birth_date,
            **{name: getattr(row, name) for name in _CITIZEN_UPDATED},
            **self._author(),
        }
        person = _Person(self._new(models.Citizen, values))
        self.citizens.append(person.citizen)
        return person

    def _assessment(self, person: _Person, row: ExtractRow) -> _Record:
        assessment = next(
            (
                a
                for a in person.assessments
                if a.values["disability_group"] is row.group
                and a.values["established_on"] == row.established_on
            ),
            None,
        )
        if assessment is None:
            values = {
                "citizen_id": person.citizen.id,
                "disability_group": row.group,
                "established_on": row.established_on,
                "first_time": row.first_time,  # None: the extract did not say
                "created_by_id": self.user_id,
            }
            assessment = self._new(models.DisabilityAssessment, values)
            person.assessments.append(assessment)
            self.assessments.append(assessment)
        for name in _ASSESSMENT_UPDATED:
            value = getattr(row, name)
            # An empty degree in a later extract does not erase one known before.
            if value is not None or name not in assessment.values:
                assessment.values[name] = value
        if row.first_time is not None:
            assessment.values["first_time"] = row.first_time
        assessment.values["updated_by_id"] = self.user_id
        return assessment

    def _programme(
        self, person: _Person, row: ExtractRow, assessment: _Record
    ) -> _Programme | None:
        if not row.ipra_number and not row.measures:
            return None
        programme = next(
            (
                p
                for p in person.programmes
                if row.ipra_number and p.record.values["number"] == row.ipra_number
            ),
            None,
        )
        new_person = person.citizen.loaded is None
        if programme is None:
            values = {
                "citizen_id": person.citizen.id,
                "assessment_id": assessment.id,
                "number": row.ipra_number,
                "issued_on": row.ipra_date,
                "created_by_id": self.user_id,
                "updated_by_id": self.user_id,
            }
            record = self._new(models.RehabProgramme, values)
            programme = _Programme(record, ())
            person.programmes.append(programme)
            self.programmes.append(programme)
        if row.ipra_date is not None:
            programme.record.values["issued_on"] = row.ipra_date
        if row.measures and programme.measures != row.measures:
            programme.measures = row.measures
            # Measures of a new person carry their author in both fields; measures replaced
            # on a known person's IPRA only in created_by_id, as the import always did.
            updated_by = self.user_id if new_person else None
            if programme.new_measures is None:
                self.replaced.append(programme)
            programme.new_measures = [
                self._new(
                    models.RehabMeasure,
                    {
                        "programme_id": programme.record.id,
                        "kind": kind,
                        "position": position,
                        "created_by_id": self.user_id,
                        "updated_by_id": updated_by,
                    },
                )
                for position, kind in enumerate(row.measures)
            ]
        programme.record.values["updated_by_id"] = self.user_id
        return programme

    def _representative(self, person: _Person, row: ExtractRow) -> None:
        parts = (row.representative or "").split()
        if len(parts) < 2:
            return
        key = search_key(row.representative or "")
        if key in person.representatives:
            return
        person.representatives.add(key)
        values = {
            "citizen_id": person.citizen.id,
            "kind": RepresentativeKind.PARENT
            if row.group is DisabilityGroup.CHILD
            else RepresentativeKind.GUARDIAN,
            "last_name": parts[0],
            "first_name": parts[1],
            "middle_name": " ".join(parts[2:]) or None,
            "phone": row.representative_phone,
            "address": row.actual_address,
            **self._author(),
        }
        self.representatives.append(self._new(models.Representative, values))

    def write(self, connection: Connection, tick: Callable[[float], None]) -> None:
        """Insert the new rows and update the changed ones, parents before children."""
        known = list(self.known.people.values())
        # A known IPRA whose measures changed loses the old ones (delete-orphan).
        cleared = [{"programme": p.record.id} for p in self.replaced if p.record.loaded is not None]
        if cleared:
            measure = _table(models.RehabMeasure)
            connection.execute(
                delete(measure).where(measure.c.programme_id == bindparam("programme")), cleared
            )
        inserts = {
            models.Citizen: self.citizens,
            models.DisabilityAssessment: self.assessments,
            models.RehabProgramme: [p.record for p in self.programmes],
            models.RehabMeasure: [m for p in self.replaced for m in p.new_measures or ()],
            models.Representative: self.representatives,
            models.RegistryEntry: self.entries,
        }
        total = sum(len(records) for records in inserts.values()) + 1
        written = 0
        for model, records in inserts.items():
            for chunk in self._insert(connection, model, records):
                written += chunk
                tick(written / total)
        self._update(connection, models.Citizen, [p.citizen for p in known])
        assessments = [a for p in known for a in p.assessments if a.loaded is not None]
        self._update(connection, models.DisabilityAssessment, assessments)
        programmes = [p.record for person in known for p in person.programmes]
        loaded = [p for p in programmes if p.loaded is not None]
        self._update(connection, models.RehabProgramme, loaded)
        sync_id_sequences(connection, [_table(model) for model in _INSERTED])
        tick(1.0)

    def _insert(
        self, connection: Connection, model: type[models.Base], records: list[_Record]
    ) -> Iterator[int]:
        """INSERT the records, yielding how many went in after each chunk.

        SQLAlchemy's executemany builds every row's parameters generically (~15 µs a row,
        a second for a 10,000-row extract); here each column's own bind processor converts
        the values, the statement is SQLAlchemy's, and the driver's executemany runs it.
        """
        if not records:
            return
        table = _table(model)
        if not is_sqlite(connection):
            yield from self._insert_generic(connection, table, records)
            return
        dialect = connection.dialect
        names = list(records[0].values)
        columns = [*names, "uuid", "created_at", "updated_at"]
        statement = insert(table).compile(dialect=dialect, column_keys=columns)
        assert statement.positiontup is not None  # SQLite's parameters are positional
        pick = itemgetter(*(columns.index(key) for key in statement.positiontup))
        sql = str(statement)
        processors = [_bind_processor(table, name, dialect) for name in names]
        stamp_processor = _bind_processor(table, "created_at", dialect)
        stamp = self.now if stamp_processor is None else stamp_processor(self.now)
        for chunk in _chunks(records, WRITE_CHUNK):
            rows = [[r.values[name] for name in names] for r in chunk]
            if any(len(r.values) != len(names) for r in chunk):
                raise AssertionError(f"{table.name}: new rows with different columns")
            for index, processor in enumerate(processors):
                if processor is not None:
                    # Columns repeat a few values (dates, kinds, flags): convert each once.
                    converted = {v: processor(v) for v in {row[index] for row in rows}}
                    for row in rows:
                        row[index] = converted[row[index]]
            for row, uuid_hex in zip(rows, _new_uuids(len(chunk)), strict=True):
                row += (uuid_hex, stamp, stamp)
            params = [pick(row) for row in rows]
            connection.exec_driver_sql(sql, params)
            yield len(chunk)

    def _insert_generic(
        self, connection: Connection, table: Table, records: list[_Record]
    ) -> Iterator[int]:
        """The same rows through SQLAlchemy's own executemany (a server database: psycopg
        takes named parameters and sends the rows in batches itself)."""
        statement = insert(table)
        for chunk in _chunks(records, WRITE_CHUNK):
            params = [
                {
                    **r.values,
                    "uuid": uuid.UUID(hex=u),
                    "created_at": self.now,
                    "updated_at": self.now,
                }
                for r, u in zip(chunk, _new_uuids(len(chunk)), strict=True)
            ]
            connection.execute(statement, params)
            yield len(chunk)

    def _update(
        self, connection: Connection, model: type[models.Base], records: list[_Record]
    ) -> None:
        """UPDATE only what changed, one executemany per set of changed columns."""
        table = _table(model)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for record in records:
            changes = record.changes()
            if changes:
                changes["updated_at"] = self.now
                params = {f"new_{k}": v for k, v in changes.items()} | {"record_id": record.id}
                groups.setdefault(tuple(sorted(changes)), []).append(params)
        for columns, params_list in groups.items():
            statement = (
                update(table)
                .where(table.c.id == bindparam("record_id"))
                .values({c: bindparam(f"new_{c}", type_=table.c[c].type) for c in columns})
            )
            connection.execute(statement, params_list)


def _changed(record: _Record | None) -> bool:
    """A record read from the database whose values this import changes (its author aside)."""
    if record is None or record.loaded is None:
        return False
    return any(name != "updated_by_id" for name in record.changes())


def _new_uuids(count: int) -> list[str]:
    """Time-ordered (version 7, RFC 9562) UUIDs as the Uuid column stores them: 32 hex digits.

    48 bits of Unix milliseconds, the version, a 12-bit sequence within the millisecond,
    the variant and 62 random bits. Still unique and stable across sync like the random
    (version 4) ones elsewhere, but a bulk insert appends to the UUID index instead of
    rewriting pages all over it (measured ≈0.5 s of a 10,000-person import).
    """
    now_ms = int(clock.now_utc().timestamp() * 1000)
    randomness = os.urandom(8 * count)
    result = []
    for index in range(count):
        stamp = now_ms + (index >> 12)  # 4,096 per millisecond, then the next one
        high = (stamp << 16) | 0x7000 | (index & 0xFFF)
        low = int.from_bytes(randomness[8 * index : 8 * index + 8], "big")
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        result.append(f"{high:016x}{low:016x}")
    return result


def _bind_processor(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of the column before handing it to the driver."""
    return table.c[column].type.dialect_impl(dialect).bind_processor(dialect)


def _table(model: type[models.Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


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
    """Read, check and (unless ``dry_run``) write the extract; all or nothing.

    ``progress(done, total)`` hears how far the whole import is, about once per 1% of it
    (``total`` is ``PROGRESS_TOTAL``; ``done == total`` once committed), and ``cancelled()``
    is asked before each report but the last: when it answers True, ``ImportCancelledError``
    is raised and nothing is written.

    A real import into a database that already holds people is preceded by a backup
    (issue #10: before every import), so that a wrong file can be undone by a restore.
    """
    # A server database is backed up by its administrator (pg_dump), not copied here.
    if not dry_run and not db.on_server and _holds_people(db):
        backups.make_backup(db, "before-import", record=False)
    with _cyclic_gc_paused():
        # On a server another consultant's unit may deadlock with this one and the server
        # rolls one back: the whole import (one transaction) runs again, from the file.
        return retried_on_conflict(
            lambda: _import(db, path, received, mapping_name, dry_run, today, progress, cancelled)
        )


LOGGED_PROBLEMS = 5_000  # problems kept in the import log; the counts cover all of them


def _problems_text(problems: list[Problem]) -> str | None:
    lines = [str(p) for p in problems[:LOGGED_PROBLEMS]]
    if len(problems) > LOGGED_PROBLEMS:
        lines.append(f"… и ещё {len(problems) - LOGGED_PROBLEMS} (весь список — в проверке файла)")
    return "\n".join(lines) or None


def _holds_people(db: Database) -> bool:
    with db.session_factory() as session:
        return session.scalar(select(models.Citizen.id).limit(1)) is not None


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Hold back the cyclic garbage collector for the duration of a bulk import.

    An import allocates a million short-lived containers (XML elements, rows, records). Each
    full collection re-scans everything alive, and with the rows of a 10,000-row extract
    alive that cost about a third of the import; the import itself makes no reference
    cycles worth collecting early. Reference counting still frees memory as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _page_cache(connection: Connection) -> Iterator[None]:
    """A bigger SQLite page cache on the import's connection while it reads and writes.

    Inserting rows with random UUIDs touches most leaves of each table's UUID index; with
    SQLite's default 2 MiB cache they are read again and again (~10% of the import).
    """
    if not is_sqlite(connection):
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or 0)}")


def _import(
    db: Database,
    path: Path,
    received: date | None,
    mapping_name: str | None,
    dry_run: bool,
    today: date | None,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> ImportResult:
    today = today or clock.today()
    steps = _Steps(progress, cancelled)
    steps.advance(0)
    table = read_table(path, steps.stage(*_READ))
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
    rejected: list[Problem] = duplicate_columns(table, mapping)
    data = list(table.data_rows())
    tick = steps.stage(*_CHECK)
    for done, (number, cells) in enumerate(data, start=1):
        result = parse_row(number, cells, mapping, today)
        if isinstance(result, list):
            rejected.extend(result)
        else:
            parsed.append(result)
        tick(done / len(data))
    parsed, duplicates = _duplicates(parsed)
    rejected.extend(duplicates)
    rejected.sort(key=lambda p: p.row)
    days = [row.received_on or received or today for row in parsed]

    added = updated = unchanged = 0
    not_eligible: list[NotEligible] = []
    session = db.session_factory.writer()  # takes the write lock at its first statement
    try:
        # One transaction: committed below, or rolled back on any error or cancel.
        with _page_cache(session.connection()):
            # On a server: every table the import writes is locked before its first write
            # (the batch row below). Locking them only later, holding the batch row, could
            # deadlock with a package export that locks the same tables in order.
            lock_for_new_ids(
                session.connection(),
                [_table(models.ImportBatch), *(_table(model) for model in _INSERTED)],
            )
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
            session.flush()  # from here on the import holds the database's write lock
            months = {str(Month.of(day)) for day in days}
            known = _Known(session, parsed, months, steps.stage(*_MATCH))
            writer = _Writer(session, known, user.id, batch, today)
            tick = steps.stage(*_PLAN)
            for done, (row, day) in enumerate(zip(parsed, days, strict=True), start=1):
                verdict = _verdict(row)
                if not verdict.eligible:
                    not_eligible.append(NotEligible(row.row, row.full_name, verdict.explanation))
                existed, entry_added, changed = writer.store(row, verdict, day)
                added += entry_added
                # Issue #12: a known person the file changes nothing of is unchanged, not
                # "updated" (the same file again reported "обновлены 296").
                updated += existed and changed
                unchanged += existed and not changed
                tick(done / len(parsed))
            writer.write(session.connection(), steps.stage(*_WRITE))
            already = tuple(sorted(writer.already, key=lambda a: (not a.question, a.row)))
            batch.rows_total = len(data)
            batch.added = added
            batch.updated = updated
            batch.not_eligible = len(not_eligible)
            batch.rejected = len({p.row for p in rejected if p.rejects_row})
            batch.problems = _problems_text(rejected)
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
                already_in_registry=len(already),
                new_recognition_questions=sum(a.question for a in already),
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
    steps.finish()
    return ImportResult(
        file_name=path.name,
        sha256=sha,
        rows_total=len(data),
        added=added,
        updated=updated,
        unchanged=unchanged,
        not_eligible=tuple(not_eligible),
        already_in_registry=already,
        rejected=tuple(rejected),
        dry_run=dry_run,
        batch_id=None if dry_run else batch_id,
        same_file_before=same_before,
    )
