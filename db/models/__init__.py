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
    "ServiceProgramme",
    "Setting",
    "SupportPlan",
    "SyncState",
    "User",
]
