"""Creating a database and checking one: integrity, migration state, counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

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

    @property
    def ok(self) -> bool:
        return (
            self.integrity == ("ok",)
            and self.foreign_key_problems == 0
            and self.revision == self.head
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
    )


def counts(db: Database) -> tuple[tuple[str, int], ...]:
    """Number of records of each kind (cheap: no integrity check)."""
    with db.session_factory() as session:
        return tuple(
            (label, int(session.scalar(select(func.count()).select_from(model)) or 0))
            for label, model in COUNTED
        )
