"""Creating a database and checking one: integrity, migration state, counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from app.domain.audit_chain import GENESIS, event_hash
from app.domain.dates import format_date
from app.services.common import audit, current_user
from db import models
from db.migrate import current_revision, head_revision
from db.session import Database

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
    foreign_key_problems: int
    revision: str | None
    head: str
    journal_mode: str
    counts: tuple[tuple[str, int], ...]
    audit_problem: str | None = None  # the first broken or missing audit event, in Russian

    @property
    def ok(self) -> bool:
        return (
            self.integrity == ("ok",)
            and self.foreign_key_problems == 0
            and self.revision == self.head
            and self.audit_problem is None
        )


def initialise(db: Database) -> None:
    """Make sure the local profile exists (the schema is created when the file is opened)."""
    with db.session_factory.begin() as session:
        user = current_user(session)
        audit(session, user, "database.init", path=str(db.path))


def check(db: Database) -> CheckReport:
    with db.engine.connect() as conn:
        integrity = tuple(str(r[0]) for r in conn.execute(text("PRAGMA integrity_check")))
        fk_problems = len(conn.execute(text("PRAGMA foreign_key_check")).all())
        journal = str(conn.execute(text("PRAGMA journal_mode")).scalar_one())
    return CheckReport(
        path=str(db.path),
        integrity=integrity,
        foreign_key_problems=fk_problems,
        revision=current_revision(db.engine),
        head=head_revision(),
        journal_mode=journal,
        counts=counts(db),
        audit_problem=verify_audit_chain(db),
    )


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
