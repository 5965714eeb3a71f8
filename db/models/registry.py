"""The monthly registry (31-р 3.2, Appendix 1), phone calls (4.1-4.2) and import log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import (
    Callee,
    CallOutcome,
    DeliveryMethod,
    Source,
    TargetCategory,
)
from db.models.base import Base, RecordMixin, StrEnumType, UtcDateTime
from db.models.people import Citizen, DisabilityAssessment, RehabProgramme


class RegistryMonth(RecordMixin, Base):
    """A reporting month whose registry was formed (numbered) on a date (31-р 3.2)."""

    __tablename__ = "registry_month"

    month: Mapped[str] = mapped_column(String(7), unique=True)  # "2025-06"
    formed_on: Mapped[date | None] = mapped_column(Date)


class ImportBatch(RecordMixin, Base):
    """One import of a monthly extract: who, when, which file, what came of it."""

    __tablename__ = "import_batch"

    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_on: Mapped[date | None] = mapped_column(Date)
    mapping_name: Mapped[str | None] = mapped_column(String(100))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    not_eligible: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # JSON list of {"row": n, "column": "...", "problem": "..."} for the import log.
    problems: Mapped[str | None] = mapped_column(Text)


class ColumnMapping(RecordMixin, Base):
    """A saved, named mapping of extract headings to fields (JSON object)."""

    __tablename__ = "column_mapping"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    mapping: Mapped[str] = mapped_column(Text)


class RegistryEntry(RecordMixin, Base):
    """One row of the registry of Appendix 1; columns are numbered as in the form."""

    __tablename__ = "registry_entry"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("disability_assessment.id", ondelete="SET NULL")
    )
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("rehab_programme.id", ondelete="SET NULL")
    )
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL"), index=True
    )
    reporting_month: Mapped[str] = mapped_column(String(7))  # month of identified_on
    number: Mapped[int | None] = mapped_column(Integer)  # 1: set when the registry is formed
    identified_on: Mapped[date] = mapped_column(Date)  # 2: the date the data arrived
    source: Mapped[Source] = mapped_column(StrEnumType(Source, 8))  # 3: БД / ЛП / ОО
    # 4 is the citizen's name; 5: date disability was established (copied on entry).
    disability_established_on: Mapped[date | None] = mapped_column(Date)
    category: Mapped[TargetCategory] = mapped_column(StrEnumType(TargetCategory, 16))  # 6
    eligibility_reasons: Mapped[str | None] = mapped_column(Text)
    # The day the person was entered in the registry: the 7 working days of 4.1 run from it.
    entered_on: Mapped[date] = mapped_column(Date)
    informed_on: Mapped[date | None] = mapped_column(Date)  # 7
    route_needed: Mapped[bool | None] = mapped_column(Boolean)  # 8
    route_sent_on: Mapped[date | None] = mapped_column(Date)  # 9
    route_sent_method: Mapped[DeliveryMethod | None] = mapped_column(
        StrEnumType(DeliveryMethod, 16)
    )  # 10
    plan_needed: Mapped[bool | None] = mapped_column(Boolean)  # 11 (4.7: "no plan" recorded)
    plan_formed_on: Mapped[date | None] = mapped_column(Date)  # 12
    plan_sent_method: Mapped[DeliveryMethod | None] = mapped_column(
        StrEnumType(DeliveryMethod, 16)
    )  # 13
    plan_completed_on: Mapped[date | None] = mapped_column(Date)  # 14
    # Agreed on the call (4.1): how the route will be sent and where to.
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(StrEnumType(DeliveryMethod, 16))
    delivery_address: Mapped[str | None] = mapped_column(Text)
    delivery_email: Mapped[str | None] = mapped_column(String(254))
    eis_recorded_on: Mapped[date | None] = mapped_column(Date)  # 1.6.1
    note: Mapped[str | None] = mapped_column(Text)

    citizen: Mapped[Citizen] = relationship()
    assessment: Mapped[DisabilityAssessment | None] = relationship()
    programme: Mapped[RehabProgramme | None] = relationship()
    import_batch: Mapped[ImportBatch | None] = relationship()
    calls: Mapped[list[CallAttempt]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="CallAttempt.called_at"
    )

    __table_args__ = (
        UniqueConstraint("citizen_id", "reporting_month"),
        Index("ix_registry_entry_month_identified", "reporting_month", "identified_on"),
        Index("ix_registry_entry_informed_on", "informed_on"),
        Index("ix_registry_entry_route_sent_on", "route_sent_on"),
        # The grid's default order and the report's plan columns (migration 0009).
        Index("ix_registry_entry_identified_id", "identified_on", "id"),
        Index("ix_registry_entry_plan_formed_on", "plan_formed_on"),
    )


class CallAttempt(RecordMixin, Base):
    """One attempt to phone the person or the representative (31-р 4.1-4.2, 1.7)."""

    __tablename__ = "call_attempt"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("registry_entry.id", ondelete="CASCADE"), index=True
    )
    called_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    callee: Mapped[Callee] = mapped_column(StrEnumType(Callee, 16))
    phone: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[CallOutcome] = mapped_column(StrEnumType(CallOutcome, 16))
    call_back_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # The checklist of 4.1 (what was told on a successful call).
    told_measures: Mapped[bool] = mapped_column(Boolean, default=False)
    told_organisations: Mapped[bool] = mapped_column(Boolean, default=False)
    told_route: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(StrEnumType(DeliveryMethod, 16))
    delivery_address: Mapped[str | None] = mapped_column(Text)
    delivery_email: Mapped[str | None] = mapped_column(String(254))
    plan_needed: Mapped[bool | None] = mapped_column(Boolean)  # 4.2
    questions: Mapped[str | None] = mapped_column(Text)  # become the plan's questions (4.3)
    comment: Mapped[str | None] = mapped_column(Text)

    entry: Mapped[RegistryEntry] = relationship(back_populates="calls")
