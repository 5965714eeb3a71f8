"""Creating a database and checking one: integrity, migration state, counts.

A database on a PostgreSQL server (issue #15) has no PRAGMAs: its check asks the server's
catalogue instead (constraints not validated, invalid indexes), counts the rows whose
foreign keys point nowhere (possible only if someone loaded data with the checks off) and
checks the schema version, the counts and the audit chain as on a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select, text

from app.domain.audit_chain import GENESIS, event_hash
from app.domain.dates import format_date
from app.errors import DatabaseCorruptError
from app.services.common import audit, current_user
from db import models
from db.engine import SQLITE_ERRORS, translate
from db.migrate import current_revision, head_revision
from db.server import SERVER_ERRORS, translate_server
from db.session import Database

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

# What `ic check` counts, in the order a consultant thinks of them.
COUNTED: tuple[tuple[str, type[models.Base]], ...] = (
    ("Граждане", models.Citizen),
    ("Законные представители", models.Representative),
    ("Решения МСЭ", models.DisabilityAssessment),
    ("ИПРА", models.RehabProgramme),
    ("Записи реестра", models.RegistryEntry),
    ("Звонки", models.CallAttempt),
    ("Маршруты", models.Route),
    ("Планы сопровождения", models.SupportPlan),
    ("Направления документов", models.Dispatch),
    ("Организации", models.Organisation),
    ("ИППСУ", models.ServiceProgramme),
    ("Заявления (6-р)", models.IntakeApplication),
    ("Загрузки выписок", models.ImportBatch),
    ("Пользователи", models.User),
    ("События журнала", models.AuditEvent),
)


@dataclass(frozen=True)
class CheckReport:
    path: str
    integrity: tuple[str, ...]  # "ok" alone when SQLite finds nothing wrong
    foreign_key_problems: int | None  # None: could not be checked (see ``unreadable``)
    revision: str | None
    head: str
    journal_mode: str
    counts: tuple[tuple[str, int], ...]  # empty when they could not be read
    audit_problem: str | None = None  # the first broken or missing audit event, in Russian
    # Checks a damaged file did not let us finish, each a Russian line naming the check.
    unreadable: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            self.integrity == ("ok",)
            and self.foreign_key_problems == 0
            and self.revision == self.head
            and self.audit_problem is None
            and not self.unreadable
        )


def initialise(db: Database) -> None:
    """Make sure the local profile exists (the schema is created when the file is opened)."""
    with db.session_factory.begin() as session:
        user = current_user(session)
        audit(session, user, "database.init", path=str(db.path))


def check(db: Database) -> CheckReport:
    """Every check, each on its own: on a damaged file one that fails does not stop the rest."""
    unreadable: list[str] = []

    def attempt(what: str, step: Callable[[], _T], instead: _T) -> _T:
        try:
            return step()
        except (*SQLITE_ERRORS, *SERVER_ERRORS) as exc:
            error = translate_server(exc, db.url) if db.on_server else translate(exc)
            if error is None:
                raise
            logger.warning("check: %s failed: %s", what, exc)
            reason = "файл повреждён" if isinstance(error, DatabaseCorruptError) else str(error)
            unreadable.append(f"{what}: не удалось проверить — {reason}")
            return instead

    def pragma_rows(name: str) -> list[str]:
        with db.engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(text(f"PRAGMA {name}"))]

    def foreign_key_problems() -> int:
        with db.engine.connect() as conn:
            return len(conn.execute(text("PRAGMA foreign_key_check")).all())

    not_checked: tuple[str, ...] = ("не проверена",)
    if db.on_server:
        integrity = attempt("Целостность", lambda: server_integrity(db), not_checked)
        return CheckReport(
            path=db.url or str(db.path),
            integrity=integrity,
            foreign_key_problems=attempt("Внешние ключи", lambda: orphaned_rows(db), None),
            revision=attempt("Версия схемы", lambda: current_revision(db.engine), None),
            head=head_revision(),
            journal_mode=attempt("Сервер", lambda: server_version(db), "?"),
            counts=attempt("Количество записей", lambda: counts(db), ()),
            audit_problem=attempt("Журнал действий", lambda: verify_audit_chain(db), None),
            unreadable=tuple(unreadable),
        )
    integrity = attempt("Целостность", lambda: tuple(pragma_rows("integrity_check")), not_checked)
    return CheckReport(
        path=str(db.path),
        integrity=integrity,
        foreign_key_problems=attempt("Внешние ключи", foreign_key_problems, None),
        revision=attempt("Версия схемы", lambda: current_revision(db.engine), None),
        head=head_revision(),
        journal_mode=attempt("Журнал", lambda: pragma_rows("journal_mode")[0], "?"),
        counts=attempt("Количество записей", lambda: counts(db), ()),
        audit_problem=attempt("Журнал действий", lambda: verify_audit_chain(db), None),
        unreadable=tuple(unreadable),
    )


def server_integrity(db: Database) -> tuple[str, ...]:
    """("ok",), or a Russian line per constraint the server has not validated and per index
    it marked invalid (a CREATE INDEX CONCURRENTLY that failed)."""
    problems: list[str] = []
    with db.engine.connect() as conn:
        for name, table in conn.exec_driver_sql(
            "SELECT c.conname, t.relname FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT c.convalidated ORDER BY 2, 1"
        ):
            problems.append(f"ограничение {name} таблицы {table} не проверено сервером")
        for name, table in conn.exec_driver_sql(
            "SELECT i.relname, t.relname FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT (x.indisvalid AND x.indisready) "
            "ORDER BY 2, 1"
        ):
            problems.append(f"индекс {name} таблицы {table} недействителен")
    return tuple(problems) or ("ok",)


def orphaned_rows(db: Database) -> int:
    """Rows whose foreign key names a row that is not there (what PRAGMA foreign_key_check
    finds in a file). The server enforces the keys, so this is 0 unless data was loaded
    with triggers off (session_replication_role = replica)."""
    found = 0
    with db.engine.connect() as conn:
        for table in models.Base.metadata.sorted_tables:
            for fk in table.foreign_key_constraints:
                child = [table.c[c.name] for c in fk.columns]
                parent_table = fk.referred_table
                parent = [e.column for e in fk.elements]
                matches = [p == c for p, c in zip(parent, child, strict=True)]
                missing = ~select(1).select_from(parent_table).where(*matches).exists()
                query = (
                    select(func.count())
                    .select_from(table)
                    .where(*(c.is_not(None) for c in child), missing)
                )
                found += int(conn.execute(query).scalar() or 0)
    return found


def server_version(db: Database) -> str:
    with db.engine.connect() as conn:
        version = str(conn.exec_driver_sql("SHOW server_version").scalar())
    return f"PostgreSQL {version.split()[0]}"


def verify_audit_chain(db: Database) -> str | None:
    """None when every audit event is there and unchanged; else the first problem, in Russian.

    Each event's hash covers the previous event's hash, so an edited event breaks its own
    hash and a deleted one breaks the link of the next; ids are consecutive, so a deleted
    run shows as a gap even where the next link was rewritten to match.
    """
    event = models.AuditEvent
    query = select(
        event.id,
        event.uuid,
        event.at,
        event.action,
        event.entity,
        event.entity_uuid,
        event.details,
        event.created_by_id,
        event.prev_hash,
        event.hash,
    ).order_by(event.id)
    prev_hash = GENESIS
    prev_id: int | None = None
    with db.session_factory() as session:
        for row in session.execute(query.execution_options(yield_per=2000)):
            where = f"событие журнала № {row.id} ({format_date(row.at)}, {row.action})"
            if prev_id is not None and row.id != prev_id + 1:
                missing = row.id - prev_id - 1
                return f"Журнал действий: перед событием № {row.id} удалено событий: {missing}."
            if prev_id is None and row.id != 1:
                return f"Журнал действий: удалены первые события (до № {row.id})."
            if row.prev_hash != prev_hash:
                return (
                    f"Журнал действий: {where} не продолжает цепочку — "
                    "предыдущее событие изменено или удалено."
                )
            expected = event_hash(
                prev_hash,
                row.uuid.hex,
                row.at,
                row.action,
                row.entity,
                row.entity_uuid,
                row.details,
                row.created_by_id,
            )
            if row.hash != expected:
                return f"Журнал действий: {where} изменено после записи."
            prev_hash = row.hash
            prev_id = row.id
    return None


def counts(db: Database) -> tuple[tuple[str, int], ...]:
    """Number of records of each kind (cheap: no integrity check)."""
    with db.session_factory() as session:
        return tuple(
            (label, int(session.scalar(select(func.count()).select_from(model)) or 0))
            for label, model in COUNTED
        )
