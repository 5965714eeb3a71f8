"""The person: citizen, legal representative, disability assessment and IPRA."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import DisabilityGroup, MeasureKind, RepresentativeKind, Sex
from db.models.base import Base, RecordMixin, StrEnumType


class Citizen(RecordMixin, Base):
    """A person in the target category or being screened for it (31-р 2.1)."""

    __tablename__ = "citizen"

    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    # Lower case, "ё" folded to "е", "фамилия имя отчество": what search-as-you-type matches.
    search_name: Mapped[str] = mapped_column(String(320), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[Sex | None] = mapped_column(StrEnumType(Sex, 1))
    # 11 digits without separators; unique where known (persons are identified by it).
    snils: Mapped[str | None] = mapped_column(String(11), unique=True)
    registration_address: Mapped[str | None] = mapped_column(Text)
    actual_address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(6))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    # Optimistic locking (issue #15): every UPDATE checks and bumps it (migration 0008).
    row_version: Mapped[int] = mapped_column(Integer, server_default="1")

    representatives: Mapped[list[Representative]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="Representative.id"
    )
    assessments: Mapped[list[DisabilityAssessment]] = relationship(
        back_populates="citizen",
        cascade="all, delete-orphan",
        order_by="DisabilityAssessment.established_on",
    )
    programmes: Mapped[list[RehabProgramme]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="RehabProgramme.issued_on"
    )
    family: Mapped[list[FamilyMember]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="FamilyMember.id"
    )

    __table_args__ = (Index("ix_citizen_name_birth", "search_name", "birth_date"),)
    __mapper_args__ = {"version_id_col": row_version}


class FamilyMember(RecordMixin, Base):
    """A member of the participant's family (31-р 2.1 "а также члены их семей"; the plan of
    Appendix 3 is "получателя услуг ... и членов его семьи"). Recorded on the participant's
    card; not an entry of the Appendix 1 registry."""

    __tablename__ = "family_member"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(60))  # мать, супруг, сын...
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)

    citizen: Mapped[Citizen] = relationship(back_populates="family")


class Representative(RecordMixin, Base):
    """Legal representative: parent, guardian or authorised person."""

    __tablename__ = "representative"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RepresentativeKind] = mapped_column(StrEnumType(RepresentativeKind))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    sex: Mapped[Sex | None] = mapped_column(StrEnumType(Sex, 1))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(6))
    authority_document: Mapped[str | None] = mapped_column(Text)

    citizen: Mapped[Citizen] = relationship(back_populates="representatives")


class DisabilityAssessment(RecordMixin, Base):
    """What the disability assessment (МСЭ) established: group, degrees, flags."""

    __tablename__ = "disability_assessment"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    disability_group: Mapped[DisabilityGroup] = mapped_column(StrEnumType(DisabilityGroup, 8))
    established_on: Mapped[date | None] = mapped_column(Date)
    # None: the source did not say (an empty cell of the extract). DESIGN §2: an unknown
    # fact is never read as "no" or 0, so it is kept unknown (migration 0005).
    first_time: Mapped[bool | None] = mapped_column(Boolean)
    review_on: Mapped[date | None] = mapped_column(Date)
    # Limitation degrees 0-3 (0 = no limitation; None = not stated).
    selfcare_degree: Mapped[int | None] = mapped_column(SmallInteger)
    movement_degree: Mapped[int | None] = mapped_column(SmallInteger)
    behaviour_degree: Mapped[int | None] = mapped_column(SmallInteger)
    mental_disorder: Mapped[bool] = mapped_column(Boolean, default=False)
    stationary: Mapped[bool] = mapped_column(Boolean, default=False)
    veteran_svo: Mapped[bool] = mapped_column(Boolean, default=False)

    citizen: Mapped[Citizen] = relationship(back_populates="assessments")


class RehabProgramme(RecordMixin, Base):
    """The IPRA issued with the assessment and the kinds of measures it recommends."""

    __tablename__ = "rehab_programme"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("disability_assessment.id", ondelete="SET NULL"), index=True
    )
    number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    citizen: Mapped[Citizen] = relationship(back_populates="programmes")
    assessment: Mapped[DisabilityAssessment | None] = relationship()
    measures: Mapped[list[RehabMeasure]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="RehabMeasure.id"
    )


class RehabMeasure(RecordMixin, Base):
    """One kind of measure recommended in an IPRA (Appendix 2 rows 1-7)."""

    __tablename__ = "rehab_measure"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("rehab_programme.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MeasureKind] = mapped_column(StrEnumType(MeasureKind))
    note: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    programme: Mapped[RehabProgramme] = relationship(back_populates="measures")
