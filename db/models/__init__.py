"""SQLAlchemy models of everything the application keeps (DESIGN.md §4)."""

from db.models.base import Base, RecordMixin
from db.models.directory import Organisation, OrganisationContact, OrganisationService
from db.models.documents import (
    Dispatch,
    PlanInteraction,
    PlanQuestion,
    PostBatch,
    Route,
    RouteLine,
    SupportPlan,
)
from db.models.exchange import (
    ExchangePackage,
    ExchangePeer,
    Installation,
    ProviderRecord,
    ProviderReport,
    SyncConflict,
    SyncLedger,
)
from db.models.people import (
    Citizen,
    DisabilityAssessment,
    FamilyMember,
    RehabMeasure,
    RehabProgramme,
    Representative,
)
from db.models.registry import (
    CallAttempt,
    ColumnMapping,
    ImportBatch,
    RegistryEntry,
    RegistryMonth,
)
from db.models.social_services import (
    AttendanceDay,
    Course,
    ExtensionApplication,
    IntakeApplication,
    LivingConditionsSurvey,
    NeedCriterion,
    ServiceProgramme,
)
from db.models.system import (
    AuditEvent,
    CalendarOverride,
    ReportSubmission,
    Setting,
    SyncState,
    User,
)

#: Indexes only a PostgreSQL server has, made by a migration when it can (0009: pg_trgm's
#: trigram index for the name search). SQLite has no such index, so they are not in the
#: metadata; autogenerate's comparison leaves them out (db/migrations/env.py).
SERVER_ONLY_INDEXES = frozenset({"ix_citizen_search_name_trgm"})


def compared_by_autogenerate(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's ``include_object``: everything but :data:`SERVER_ONLY_INDEXES`."""
    return not (type_ == "index" and name in SERVER_ONLY_INDEXES)


__all__ = [
    "ExchangePackage",
    "ExchangePeer",
    "Installation",
    "ProviderRecord",
    "ProviderReport",
    "SyncConflict",
    "SyncLedger",
    "AttendanceDay",
    "AuditEvent",
    "Base",
    "CalendarOverride",
    "CallAttempt",
    "compared_by_autogenerate",
    "Citizen",
    "ColumnMapping",
    "Course",
    "DisabilityAssessment",
    "Dispatch",
    "ExtensionApplication",
    "FamilyMember",
    "ImportBatch",
    "IntakeApplication",
    "LivingConditionsSurvey",
    "NeedCriterion",
    "Organisation",
    "OrganisationContact",
    "OrganisationService",
    "PlanInteraction",
    "PlanQuestion",
    "PostBatch",
    "RecordMixin",
    "RegistryEntry",
    "RegistryMonth",
    "RehabMeasure",
    "RehabProgramme",
    "ReportSubmission",
    "Representative",
    "Route",
    "RouteLine",
    "SERVER_ONLY_INDEXES",
    "ServiceProgramme",
    "Setting",
    "SupportPlan",
    "SyncState",
    "User",
]
