"""Semi-stationary services (510-п subsection 3) and intake with survey (6-р)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import ApplicationDecision, ProgrammeStatus, ServiceForm, Technology
from app.domain.intake import ServiceBasis
from db.models.base import Base, RecordMixin, StrEnumType


class ServiceProgramme(RecordMixin, Base):
    """Individual programme of social services (ИППСУ) for semi-stationary service."""

    __tablename__ = "service_programme"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    intake_id: Mapped[int | None] = mapped_column(
        ForeignKey("intake_application.id", ondelete="SET NULL")
    )
    number: Mapped[str | None] = mapped_column(String(64))
    technology: Mapped[Technology] = mapped_column(StrEnumType(Technology))
    status: Mapped[ProgrammeStatus] = mapped_column(StrEnumType(ProgrammeStatus, 16))
    issued_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # 510-п subsection 3, 1.3: in person, or remote by the citizen's written choice
    # (the date of that written statement).
    service_form: Mapped[ServiceForm] = mapped_column(
        StrEnumType(ServiceForm, 16),
        default=ServiceForm.IN_PERSON,
        server_default=ServiceForm.IN_PERSON.value,
    )
    form_chosen_on: Mapped[date | None] = mapped_column(Date)

    courses: Mapped[list[Course]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="Course.starts_on"
    )
    extensions: Mapped[list[ExtensionApplication]] = relationship(
        back_populates="programme",
        cascade="all, delete-orphan",
        order_by="ExtensionApplication.applied_on",
    )


class Course(RecordMixin, Base):
    """A course of rehabilitation: at most 12 working days in a month (510-п 4.4)."""

    __tablename__ = "course"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("service_programme.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    programme: Mapped[ServiceProgramme] = relationship(back_populates="courses")
    days: Mapped[list[AttendanceDay]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="AttendanceDay.day"
    )


class AttendanceDay(RecordMixin, Base):
    """A day the person attended a course."""

    __tablename__ = "attendance_day"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)

    course: Mapped[Course] = relationship(back_populates="days")

    __table_args__ = (UniqueConstraint("course_id", "day"),)


class ExtensionApplication(RecordMixin, Base):
    """Application to extend a programme by at most 3 months (510-п 4.5)."""

    __tablename__ = "extension_application"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("service_programme.id", ondelete="CASCADE"), index=True
    )
    applied_on: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(SmallInteger)
    decision: Mapped[ApplicationDecision] = mapped_column(StrEnumType(ApplicationDecision, 16))
    decided_on: Mapped[date | None] = mapped_column(Date)
    new_ends_on: Mapped[date | None] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    # The programme's end when the application came: the 5 working days of 4.5 count back
    # from it, and the first one bounds all extensions to 3 months.
    ends_on_before: Mapped[date | None] = mapped_column(Date)

    programme: Mapped[ServiceProgramme] = relationship(back_populates="extensions")


class IntakeApplication(RecordMixin, Base):
    """Application for social services, from the application journal (6-р 3)."""

    __tablename__ = "intake_application"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    journal_number: Mapped[str | None] = mapped_column(String(64))
    applied_on: Mapped[date] = mapped_column(Date, index=True)
    technology: Mapped[Technology | None] = mapped_column(StrEnumType(Technology))
    # Decision on the need for services, due 5 working days after the application (6-р 4).
    decision: Mapped[ApplicationDecision] = mapped_column(StrEnumType(ApplicationDecision, 16))
    decided_on: Mapped[date | None] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # The part of 510-п the application is under: 6-р 5 draws no survey act for some (2.2,
    # 3.3, 3.4), 6-р 1 sends others to order 4-р; 6-р 7.1-7.4 say what the assessment weighs.
    basis: Mapped[ServiceBasis | None] = mapped_column(StrEnumType(ServiceBasis, 16))
    # 6-р 7.2 г, 7.3 д: the recommendation of the Commission on individual need.
    commission_recommendation: Mapped[str | None] = mapped_column(Text)
    commission_on: Mapped[date | None] = mapped_column(Date)
    # 6-р 7.3 г: the day the points by the criteria of individual need were set.
    assessed_on: Mapped[date | None] = mapped_column(Date)

    surveys: Mapped[list[LivingConditionsSurvey]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="LivingConditionsSurvey.surveyed_on",
    )
    criteria: Mapped[list[NeedCriterion]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="NeedCriterion.position",
    )


class LivingConditionsSurvey(RecordMixin, Base):
    """Living-conditions survey (акт обследования), due in 2 working days (6-р 6)."""

    __tablename__ = "living_conditions_survey"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("intake_application.id", ondelete="CASCADE"), index=True
    )
    surveyed_on: Mapped[date | None] = mapped_column(Date)
    surveyor_name: Mapped[str | None] = mapped_column(String(300))
    # Not used since issue #13: the points of 6-р 7.3 г are the office's assessment
    # (NeedCriterion rows), not part of the survey act, which 6-р 5 does not even draw up
    # for subsection 3 of section 3.
    score: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[str | None] = mapped_column(Text)

    application: Mapped[IntakeApplication] = relationship(back_populates="surveys")


class NeedCriterion(RecordMixin, Base):
    """One ground of the Criteria of individual need with its points (6-р 7.3 г, Appendix 6).

    The seed does not carry Appendix 6, so the consultant enters each ground and its points
    as the form has them; the total decides the 11-point threshold.
    """

    __tablename__ = "need_criterion"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("intake_application.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    criterion: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(SmallInteger)

    application: Mapped[IntakeApplication] = relationship(back_populates="criteria")
