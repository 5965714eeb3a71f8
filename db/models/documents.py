"""Route (Appendix 2), support plan (Appendix 3) and their dispatch (31-р 3.3-3.4, 4.3-4.6).

Everything printed on an issued document is copied into it: a later change of the
person or of the directory does not rewrite a document already sent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import (
    DeliveryMethod,
    DispatchDocument,
    DispatchStatus,
    DocumentStatus,
    MeasureKind,
    PlanStatus,
)
from db.models.base import Base, RecordMixin, StrEnumType
from db.models.people import FamilyMember


class DeveloperMixin:
    """ "Маршрут/План разработал": the specialist's details as printed."""

    developer_name: Mapped[str | None] = mapped_column(String(300))
    developer_position: Mapped[str | None] = mapped_column(String(300))
    developer_organisation: Mapped[str | None] = mapped_column(Text)
    developer_phone: Mapped[str | None] = mapped_column(String(64))


class Route(DeveloperMixin, RecordMixin, Base):
    """Individual rehabilitation route; each re-issue is a new version, the old one kept."""

    __tablename__ = "route"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_entry.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[DocumentStatus] = mapped_column(StrEnumType(DocumentStatus, 16), index=True)
    drawn_up_on: Mapped[date | None] = mapped_column(Date)
    issued_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Fields 1-3 of Appendix 2 as printed.
    citizen_name: Mapped[str | None] = mapped_column(String(320))
    representative_name: Mapped[str | None] = mapped_column(String(320))
    birth_date: Mapped[date | None] = mapped_column(Date)
    actual_address: Mapped[str | None] = mapped_column(Text)
    # The P.S. of Appendix 2 is printed only when a support plan was drawn up (3.3.1).
    plan_drawn_up: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optimistic locking (issue #15): every UPDATE checks and bumps it (migration 0008).
    # Not ``version`` above, which is the route's issue number printed on it.
    row_version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": row_version}

    lines: Mapped[list[RouteLine]] = relationship(
        back_populates="route", cascade="all, delete-orphan", order_by="RouteLine.position"
    )


class RouteLine(RecordMixin, Base):
    """A row of the route table: rows 1-7 are the fixed kinds, 8 and on are added."""

    __tablename__ = "route_line"

    route_id: Mapped[int] = mapped_column(ForeignKey("route.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    measure_kind: Mapped[MeasureKind | None] = mapped_column(StrEnumType(MeasureKind))
    measure_title: Mapped[str] = mapped_column(Text)
    service_name: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    organisation_name: Mapped[str | None] = mapped_column(Text)
    organisation_address: Mapped[str | None] = mapped_column(Text)
    organisation_email: Mapped[str | None] = mapped_column(String(254))
    organisation_hours: Mapped[str | None] = mapped_column(Text)
    organisation_phone: Mapped[str | None] = mapped_column(String(64))

    route: Mapped[Route] = relationship(back_populates="lines")


class SupportPlan(DeveloperMixin, RecordMixin, Base):
    """Comprehensive support plan of Appendix 3 (31-р 4.3-4.6)."""

    __tablename__ = "support_plan"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_entry.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[PlanStatus] = mapped_column(StrEnumType(PlanStatus, 16), index=True)
    drawn_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    completed_on: Mapped[date | None] = mapped_column(Date)
    # Header of Appendix 3 as printed.
    person_name: Mapped[str | None] = mapped_column(String(640))
    category: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(64))
    # Optimistic locking (issue #15): every UPDATE checks and bumps it (migration 0008).
    row_version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": row_version}

    questions: Mapped[list[PlanQuestion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanQuestion.position"
    )


class PlanQuestion(RecordMixin, Base):
    """A question the family raised (formed from their words, Appendix 3 column 2)."""

    __tablename__ = "plan_question"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("support_plan.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # The family member the question is about (Appendix 3: "и членов его семьи"); None:
    # the participant or the representative.
    family_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL")
    )

    plan: Mapped[SupportPlan] = relationship(back_populates="questions")
    family_member: Mapped[FamilyMember | None] = relationship()
    interactions: Mapped[list[PlanInteraction]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="PlanInteraction.interacted_on",
    )


class PlanInteraction(RecordMixin, Base):
    """Contact with an organisation on the family's behalf (31-р 4.5, Appendix 3 cols 3-4)."""

    __tablename__ = "plan_interaction"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("plan_question.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    organisation_name: Mapped[str | None] = mapped_column(Text)
    organisation_website: Mapped[str | None] = mapped_column(String(254))
    organisation_email: Mapped[str | None] = mapped_column(String(254))
    organisation_location: Mapped[str | None] = mapped_column(Text)
    organisation_hours: Mapped[str | None] = mapped_column(Text)
    specialist_name: Mapped[str | None] = mapped_column(String(300))
    specialist_position: Mapped[str | None] = mapped_column(String(300))
    specialist_contacts: Mapped[str | None] = mapped_column(Text)
    interacted_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    question: Mapped[PlanQuestion] = relationship(back_populates="interactions")


class PostBatch(RecordMixin, Base):
    """Letters printed together and handed in at the post office with one list of form 103
    (issue #12). Kept, with who printed it and when, until each letter has its ШПИ: the
    receipt often comes a day or more after the printing. Local paperwork: it does not
    travel to the regional centre (the dispatches do, without it)."""

    __tablename__ = "post_batch"

    number: Mapped[int] = mapped_column(Integer, unique=True)  # "Список N" of form 103
    printed_on: Mapped[date] = mapped_column(Date, index=True)
    file_name: Mapped[str | None] = mapped_column(Text)  # the PDF last printed

    letters: Mapped[list[Dispatch]] = relationship(
        back_populates="post_batch", order_by="Dispatch.batch_position"
    )


class Dispatch(RecordMixin, Base):
    """Sending a route and/or plan by post or e-mail (31-р 3.4, 4.6)."""

    __tablename__ = "dispatch"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("registry_entry.id", ondelete="CASCADE"), index=True
    )
    route_id: Mapped[int | None] = mapped_column(ForeignKey("route.id", ondelete="SET NULL"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("support_plan.id", ondelete="SET NULL"))
    document: Mapped[DispatchDocument] = mapped_column(StrEnumType(DispatchDocument, 16))
    method: Mapped[DeliveryMethod] = mapped_column(StrEnumType(DeliveryMethod, 16))
    status: Mapped[DispatchStatus] = mapped_column(StrEnumType(DispatchStatus, 16))
    sent_on: Mapped[date | None] = mapped_column(Date)
    addressee: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(6))
    tracking_number: Mapped[str | None] = mapped_column(String(14), index=True)  # ШПИ
    email: Mapped[str | None] = mapped_column(String(254))
    error: Mapped[str | None] = mapped_column(Text)
    # A letter printed in a post batch, and its place there (№ п/п of form 103).
    post_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_batch.id", ondelete="SET NULL"), index=True
    )
    batch_position: Mapped[int | None] = mapped_column(Integer)

    post_batch: Mapped[PostBatch | None] = relationship(back_populates="letters")

    __table_args__ = (Index("ix_dispatch_status_sent", "status", "sent_on"),)
