"""Closed vocabularies shared by the rules, the database and the documents.

Values are stable strings stored in the database and in sync packages: never
rename a value, only add new ones.
"""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


class DisabilityGroup(StrEnum):
    """Group set by the disability assessment (МСЭ); CHILD is "ребенок-инвалид"."""

    GROUP_I = "I"
    GROUP_II = "II"
    GROUP_III = "III"
    CHILD = "CHILD"

    @property
    def label(self) -> str:
        return {
            DisabilityGroup.GROUP_I: "I группа",
            DisabilityGroup.GROUP_II: "II группа",
            DisabilityGroup.GROUP_III: "III группа",
            DisabilityGroup.CHILD: "ребенок-инвалид",
        }[self]


class MeasureKind(StrEnum):
    """Kinds of rehabilitation measures recommended in an IPRA (31-р Appendix 2, rows 1-7)."""

    MEDICAL = "medical"
    PSYCHO_PEDAGOGICAL = "psycho_pedagogical"
    VOCATIONAL = "vocational"
    SOCIAL = "social"
    SPORT = "sport"
    DEVICES_FEDERAL = "devices_federal"
    DEVICES_REGIONAL = "devices_regional"

    @property
    def row_number(self) -> int:
        """The fixed row of the measure in the route table of Appendix 2."""
        return list(MeasureKind).index(self) + 1

    @property
    def route_title(self) -> str:
        """Wording of the row in 31-р Appendix 2."""
        return _MEASURE_ROUTE_TITLES[self]

    @property
    def short_title(self) -> str:
        return _MEASURE_SHORT_TITLES[self]


_MEASURE_ROUTE_TITLES = {
    MeasureKind.MEDICAL: "Мероприятия медицинской реабилитации или абилитации",
    MeasureKind.PSYCHO_PEDAGOGICAL: (
        "Мероприятия по психолого-педагогической реабилитации или абилитации"
    ),
    MeasureKind.VOCATIONAL: "Мероприятия по профессиональной реабилитации или абилитации",
    MeasureKind.SOCIAL: "Мероприятия социальной реабилитации или абилитации",
    MeasureKind.SPORT: "Физкультурно-оздоровительные мероприятия, мероприятия по занятию спортом",
    MeasureKind.DEVICES_FEDERAL: "Федеральные технические средства реабилитации",
    MeasureKind.DEVICES_REGIONAL: "Региональные технические средства реабилитации",
}

_MEASURE_SHORT_TITLES = {
    MeasureKind.MEDICAL: "медицинская",
    MeasureKind.PSYCHO_PEDAGOGICAL: "психолого-педагогическая",
    MeasureKind.VOCATIONAL: "профессиональная",
    MeasureKind.SOCIAL: "социальная",
    MeasureKind.SPORT: "физкультурно-оздоровительная",
    MeasureKind.DEVICES_FEDERAL: "ТСР федеральные",
    MeasureKind.DEVICES_REGIONAL: "ТСР региональные",
}


class Source(StrEnum):
    """Where the information about the person came from (31-р 3.1, Appendix 1 legend)."""

    EXTRACT = "EXTRACT"  # БД: the regional information system (3.1.1)
    WALK_IN = "WALK_IN"  # ЛП: personal visit (3.1.2)
    NGO = "NGO"  # ОО: public organisations of disabled people (3.1.3)

    @property
    def code(self) -> str:
        return {Source.EXTRACT: "БД", Source.WALK_IN: "ЛП", Source.NGO: "ОО"}[self]


class TargetCategory(StrEnum):
    """What Appendix 1 column 6 ("Целевая категория") says about the entry."""

    GROUP_I = "GROUP_I"
    GROUP_II = "GROUP_II"
    CHILD = "CHILD"
    FAMILY_MEMBER = "FAMILY_MEMBER"

    @property
    def label(self) -> str:
        return {
            TargetCategory.GROUP_I: "инвалид I группы",
            TargetCategory.GROUP_II: "инвалид II группы",
            TargetCategory.CHILD: "ребенок-инвалид",
            TargetCategory.FAMILY_MEMBER: "член семьи инвалида",
        }[self]


class DeliveryMethod(StrEnum):
    """How a route or plan is sent (31-р 3.4, 4.6)."""

    POST = "POST"
    EMAIL = "EMAIL"
    IN_PERSON = "IN_PERSON"

    @property
    def label(self) -> str:
        return {
            DeliveryMethod.POST: "почтовое отправление",
            DeliveryMethod.EMAIL: "электронная почта",
            DeliveryMethod.IN_PERSON: "лично",
        }[self]


class CallOutcome(StrEnum):
    REACHED = "REACHED"
    NO_ANSWER = "NO_ANSWER"
    BUSY = "BUSY"
    WRONG_NUMBER = "WRONG_NUMBER"
    REFUSED = "REFUSED"
    CALL_BACK = "CALL_BACK"

    @property
    def label(self) -> str:
        return {
            CallOutcome.REACHED: "дозвонились",
            CallOutcome.NO_ANSWER: "не отвечает",
            CallOutcome.BUSY: "занято",
            CallOutcome.WRONG_NUMBER: "неверный номер",
            CallOutcome.REFUSED: "отказ от разговора",
            CallOutcome.CALL_BACK: "перезвонить",
        }[self]


class Callee(StrEnum):
    CITIZEN = "CITIZEN"
    REPRESENTATIVE = "REPRESENTATIVE"


class Department(StrEnum):
    """Departments whose organisations appear in routes and plans."""

    HEALTH = "HEALTH"
    EDUCATION = "EDUCATION"
    EMPLOYMENT = "EMPLOYMENT"
    SOCIAL_PROTECTION = "SOCIAL_PROTECTION"
    SPORT = "SPORT"
    SOCIAL_FUND = "SOCIAL_FUND"
    REGIONAL_DEVICES = "REGIONAL_DEVICES"
    CULTURE = "CULTURE"
    NGO = "NGO"
    CHARITY = "CHARITY"
    OTHER = "OTHER"

    @property
    def label(self) -> str:
        return {
            Department.HEALTH: "здравоохранение",
            Department.EDUCATION: "образование",
            Department.EMPLOYMENT: "занятость населения",
            Department.SOCIAL_PROTECTION: "социальная защита",
            Department.SPORT: "физическая культура и спорт",
            Department.SOCIAL_FUND: "Социальный фонд России (федеральные ТСР)",
            Department.REGIONAL_DEVICES: "региональные ТСР",
            Department.CULTURE: "культура",
            Department.NGO: "общественные организации инвалидов",
            Department.CHARITY: "благотворительные фонды",
            Department.OTHER: "иные организации",
        }[self]


class DocumentStatus(StrEnum):
    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    SUPERSEDED = "SUPERSEDED"


class PlanStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"


class DispatchDocument(StrEnum):
    ROUTE = "ROUTE"
    PLAN = "PLAN"
    ROUTE_AND_PLAN = "ROUTE_AND_PLAN"


class DispatchStatus(StrEnum):
    PREPARED = "PREPARED"
    SENT = "SENT"
    FAILED = "FAILED"


class RepresentativeKind(StrEnum):
    PARENT = "PARENT"
    GUARDIAN = "GUARDIAN"
    AUTHORISED = "AUTHORISED"

    @property
    def label(self) -> str:
        return {
            RepresentativeKind.PARENT: "родитель",
            RepresentativeKind.GUARDIAN: "опекун (попечитель)",
            RepresentativeKind.AUTHORISED: "уполномоченный представитель",
        }[self]


class Technology(StrEnum):
    """Technologies of semi-stationary service (510-п subsection 3, 1.5-1.6, 4.4)."""

    COURSE = "COURSE"
    HOME_REHAB = "HOME_REHAB"
    SUPPORTED_LIVING = "SUPPORTED_LIVING"
    AUTISM_COURSE = "AUTISM_COURSE"


class ServiceForm(StrEnum):
    """In person or remote: remote by the citizen's written choice (510-п subsection 3, 1.3)."""

    IN_PERSON = "IN_PERSON"
    REMOTE = "REMOTE"

    @property
    def label(self) -> str:
        return "очно" if self is ServiceForm.IN_PERSON else "дистанционно"


class ProgrammeStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"


class ApplicationDecision(StrEnum):
    PENDING = "PENDING"
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"


class SyncDirection(StrEnum):
    EXPORT = "EXPORT"
    IMPORT = "IMPORT"


class InstallationMode(StrEnum):
    PROVIDER = "PROVIDER"
    REGIONAL_CENTRE = "REGIONAL_CENTRE"


class UserRole(StrEnum):
    """What a signed-in person may do (issue #10: consultant, supervisor, read-only)."""

    CONSULTANT = "CONSULTANT"  # everyday work
    SUPERVISOR = "SUPERVISOR"  # also settings, users, re-forming a printed registry, the audit
    READ_ONLY = "READ_ONLY"  # looking and printing

    @property
    def label(self) -> str:
        return {
            UserRole.CONSULTANT: "консультант",
            UserRole.SUPERVISOR: "руководитель",
            UserRole.READ_ONLY: "только просмотр",
        }[self]
