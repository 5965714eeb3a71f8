"""Directory of organisations that provide rehabilitation measures and other help."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import Department, MeasureKind
from db.models.base import Base, RecordMixin, StrEnumType


class Organisation(RecordMixin, Base):
    """An organisation of any department; district None means it serves the whole region."""

    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[Department] = mapped_column(StrEnumType(Department))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(6))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(254))
    hours: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    # Organisations of the sample directory used only in demo databases.
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Kept by the regional centre and sent to providers (issue #11): read-only here.
    regional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    contacts: Mapped[list[OrganisationContact]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationContact.id",
    )
    services: Mapped[list[OrganisationService]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationService.position",
    )


class OrganisationContact(RecordMixin, Base):
    """A contact person at an organisation."""

    __tablename__ = "organisation_contact"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")


class OrganisationService(RecordMixin, Base):
    """A service an organisation provides, under one kind of IPRA measure (or none)."""

    __tablename__ = "organisation_service"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    measure_kind: Mapped[MeasureKind | None] = mapped_column(StrEnumType(MeasureKind), index=True)
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation] = relationship(back_populates="services")
