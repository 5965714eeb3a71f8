"""Intake under order 6-р: the application journal, the survey, the assessment, the decision.

Pure rules over dates, the production calendar (``WorkCalendar``) and the facts of an
application. Each function names its clause of 6-р (Appendix 1 to the order, "Порядок
проведения оценки условий жизнедеятельности гражданина"); the services in
``app/services/intake.py`` apply them to stored records.

What the seed does not carry: the order's appendices (the journal form of Appendix 1, the
criteria of individual need of Appendix 6 with their points, the decision and notice forms
of Appendices 7-9). The criteria are rows the consultant enters (criterion and points);
nothing here invents an official criterion.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from app.domain.dates import format_date
from app.domain.deadlines import need_decision_due, survey_due
from app.domain.enums import ApplicationDecision, Technology
from app.domain.workdays import WorkCalendar

CLAUSE_1 = "6-р, п. 1"
CLAUSE_3 = "6-р, п. 3"
CLAUSE_4 = "6-р, п. 4"
CLAUSE_5 = "6-р, п. 5"
CLAUSE_6 = "6-р, п. 6"
CLAUSE_7_3_G = "6-р, п. 7.3 «г»"
CLAUSE_8_V = "6-р, п. 8 «в»"

#: 7.3 г: "от 11 баллов и более" for "Реабилитационный центр на дому".
HOME_REHAB_MIN_POINTS = 11
#: A sanity bound on one criterion's points (Appendix 6 is not in the seed).
MAX_CRITERION_POINTS = 100

JOURNAL_TITLE = "Журнал регистрации заявлений и учета решений о социальном обслуживании"


class ServiceBasis(StrEnum):
    """The part of 510-п an application is made under, as 6-р names them (values stored).

    Section 2 is the stationary form, section 3 the semi-stationary form, section 4 service
    at home (6-р 1, 7.1-7.4).
    """

    S2_1 = "2.1"
    S2_2 = "2.2"
    S2_3 = "2.3"
    S2_3_1 = "2.3.1"
    S2_4 = "2.4"
    S3_1 = "3.1"
    S3_2 = "3.2"
    S3_3 = "3.3"
    S3_4 = "3.4"
    S4_1 = "4.1"
    S4_2 = "4.2"
    OTHER = "OTHER"

    @property
    def label(self) -> str:
        if self is ServiceBasis.OTHER:
            return "иное основание"
        section, subsection = self.value.split(".", 1)
        form = {"2": "стационарная", "3": "полустационарная", "4": "на дому"}[section]
        return f"510-п, раздел {section}, подраздел {subsection} ({form} форма)"

    @property
    def short(self) -> str:
        return (
            "иное"
            if self is ServiceBasis.OTHER
            else f"разд. {self.value[0]}, подр. {self.value[2:]}"
        )


#: 6-р 5, second paragraph: "Акт обследования ... в отношении категорий граждан, указанных в
#: подразделе 2 раздела 2; подразделах 3, 4 раздела 3 Постановления N 510-п, не составляется."
NO_SURVEY_BASES = frozenset({ServiceBasis.S2_2, ServiceBasis.S3_3, ServiceBasis.S3_4})

#: 6-р 1, second paragraph: the assessment for the stationary form under subsections 1, 3 of
#: section 2 and at home under subsection 1 of section 4 (except minors) follows order 4-р.
ORDER_4R_BASES = frozenset({ServiceBasis.S2_1, ServiceBasis.S2_3, ServiceBasis.S4_1})


def effective_basis(
    basis: ServiceBasis | None, technology: Technology | None
) -> ServiceBasis | None:
    """The basis of an application; one recorded before the basis was kept but with a
    technology of 510-п section 3 subsection 3 (1.5, 1.6, 4.4) is under subsection 3."""
    if basis is not None:
        return basis
    return ServiceBasis.S3_3 if technology is not None else None


def assessed_under_order_4r(basis: ServiceBasis | None, minor: bool | None) -> bool:
    """6-р 1: the assessment of these applications "осуществляется в порядке, определенном
    распоряжением ... от 10.02.2023 N 4-р" — not by this order, so 6-р's terms do not apply.
    Subsection 1 of section 4 is excepted for minors ("за исключением несовершеннолетних");
    an unknown age keeps the application under 6-р."""
    if basis not in ORDER_4R_BASES:
        return False
    if basis is ServiceBasis.S4_1:
        return minor is False
    return True


def survey_required(basis: ServiceBasis | None, minor: bool | None = None) -> bool:
    """Whether a survey act is drawn up (6-р 5, 6); an unknown basis keeps the duty."""
    if assessed_under_order_4r(basis, minor):
        return False
    return basis not in NO_SURVEY_BASES


def survey_exemption(basis: ServiceBasis | None, minor: bool | None = None) -> str | None:
    """Why no survey act is drawn up, in the consultant's words, or ``None`` when one is."""
    if assessed_under_order_4r(basis, minor):
        return f"Оценка проводится по распоряжению N 4-р ({CLAUSE_1}): сроки 6-р не применяются."
    if basis in NO_SURVEY_BASES:
        return f"Акт обследования не составляется ({CLAUSE_5}, второй абзац)."
    return None


def decision_required(basis: ServiceBasis | None, minor: bool | None = None) -> bool:
    """Whether the 5-working-day decision of 6-р 4 applies (all but the 6-р 1 exception)."""
    return not assessed_under_order_4r(basis, minor)


def survey_due_on(applied_on: date, cal: WorkCalendar) -> date:
    """6-р 6: the survey "в течение двух рабочих дней с даты подачи заявления"."""
    return survey_due(applied_on, cal)


def decision_due_on(applied_on: date, cal: WorkCalendar) -> date:
    """6-р 4: the decision "в течение пяти рабочих дней с даты подачи заявления"."""
    return need_decision_due(applied_on, cal)


def is_minor(birth_date: date | None, on: date) -> bool | None:
    """Under 18 on ``on``; ``None`` when the birth date is unknown."""
    if birth_date is None:
        return None
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return years < 18


# --- 7: what the assessment weighs --------------------------------------------------------

_FACTORS_7_1 = (
    "а) условия проживания и другие сведения акта обследования (приложения 3, 4)",
    "б) состав семьи гражданина",
    "в) состояние здоровья, отсутствие медицинских противопоказаний",
    "г) результаты реализованной ИППСУ (при наличии)",
)
_FACTORS_7_2 = (
    "а) состояние здоровья, отсутствие медицинских противопоказаний",
    "б) сведения акта обследования (приложение 5)",
    "в) результаты реализованной ИППСУ (при наличии)",
    "г) рекомендации Комиссии",
)
_FACTORS_7_3 = (
    "а) состояние здоровья, функциональные возможности, отсутствие медицинских противопоказаний",
    "б) рекомендации ИПРА (для граждан, имеющих инвалидность)",
    "в) результаты реализованной ИППСУ (при наличии)",
    "г) суммарное количество баллов по Критериям индивидуальной нуждаемости (приложение 6): "
    "от 11 баллов — «Реабилитационный центр на дому»",
    "д) рекомендации Комиссии",
)
_FACTORS_7_4 = (
    "а) условия проживания и сведения акта обследования (приложение 4)",
    "б) состав семьи гражданина",
    "в) состояние здоровья, отсутствие медицинских противопоказаний",
    "г) результаты реализованной ИППСУ (при наличии)",
    "д) степень ограничения основных категорий жизнедеятельности ребенка-инвалида по ИПРА",
)


def assessment_clause(basis: ServiceBasis | None, minor: bool | None) -> str | None:
    """Which sub-clause of 6-р 7 lists what the assessment weighs for ``basis``."""
    if basis in (ServiceBasis.S2_3_1, ServiceBasis.S2_4, ServiceBasis.S3_2, ServiceBasis.S4_2):
        return "7.1"
    if basis is ServiceBasis.S3_1:
        return "7.2"
    if basis is ServiceBasis.S3_3:
        return "7.3"
    if basis is ServiceBasis.S4_1 and minor is True:
        return "7.4"
    return None


def assessment_factors(basis: ServiceBasis | None, minor: bool | None) -> tuple[str, ...]:
    """The items of 6-р 7.1-7.4 the office weighs for an application under ``basis``."""
    clause = assessment_clause(basis, minor)
    return {
        "7.1": _FACTORS_7_1,
        "7.2": _FACTORS_7_2,
        "7.3": _FACTORS_7_3,
        "7.4": _FACTORS_7_4,
    }.get(clause or "", ())


# --- 7.3 г: the points of the criteria of individual need ---------------------------------


def points_total(points: Iterable[int]) -> int:
    """7.3 г: "суммарное количество баллов, установленных по каждому основанию"."""
    return sum(points)


def home_rehab_threshold_met(total: int) -> bool:
    """7.3 г: "от 11 баллов и более" for the technology "Реабилитационный центр на дому"."""
    return total >= HOME_REHAB_MIN_POINTS


def criterion_refusal(criterion: str, points: int) -> str | None:
    """Why a criterion row cannot be recorded, or ``None``."""
    if not criterion.strip():
        return "Критерий: не заполнено основание (как в приложении 6 к Порядку)."
    if points < 0 or points > MAX_CRITERION_POINTS:
        return (
            f"Баллы по критерию «{criterion.strip()}»: {points} — нужно от 0 "
            f"до {MAX_CRITERION_POINTS}."
        )
    return None


def total_text(total: int) -> str:
    """The total as the assessment window shows it, naming the 11-point threshold."""
    if home_rehab_threshold_met(total):
        return (
            f"Итого {total} баллов: от {HOME_REHAB_MIN_POINTS} баллов — технология "
            f"«Реабилитационный центр на дому» ({CLAUSE_7_3_G})."
        )
    return (
        f"Итого {total} баллов: менее {HOME_REHAB_MIN_POINTS} — для «Реабилитационного центра "
        f"на дому» нужно от {HOME_REHAB_MIN_POINTS} баллов ({CLAUSE_7_3_G})."
    )


# --- 4, 8: the decision ---------------------------------------------------------------------


def decision_refusal(
    decision: ApplicationDecision,
    *,
    applied_on: date,
    decided_on: date,
    today: date,
    basis: ServiceBasis | None,
    minor: bool | None,
    surveyed: bool,
    technology: Technology | None,
    total: int | None,
    reason: str = "",
) -> str | None:
    """Why the decision cannot be recorded, or ``None``.

    8 б: the decision recognises the citizen as needing services or refuses; 8 в: a refusal
    names its ground; 5: the assessment rests on the survey act where one is drawn up;
    7.3 г: «Реабилитационный центр на дому» takes 11 points or more.
    """
    if decision is ApplicationDecision.PENDING:
        return "Решение: выберите «признать нуждающимся» или «отказать»."
    if decided_on > today:
        return f"Дата решения {format_date(decided_on)} ещё не наступила."
    if decided_on < applied_on:
        return (
            f"Дата решения {format_date(decided_on)} раньше подачи заявления "
            f"{format_date(applied_on)}."
        )
    if survey_required(basis, minor) and not surveyed:
        return (
            "Нет акта обследования условий жизнедеятельности: оценка проводится на основании "
            f"документов и акта обследования ({CLAUSE_5}). Внесите обследование."
        )
    if decision is ApplicationDecision.REFUSED:
        if not reason.strip():
            return (
                "Основание отказа: не заполнено — уведомление об отказе указывает основание "
                f"({CLAUSE_8_V})."
            )
        return None
    if technology is Technology.HOME_REHAB:
        if total is None:
            return (
                "Для «Реабилитационного центра на дому» внесите оценку по Критериям "
                f"индивидуальной нуждаемости ({CLAUSE_7_3_G})."
            )
        if not home_rehab_threshold_met(total):
            return (
                f"По Критериям индивидуальной нуждаемости {total} баллов: технология "
                f"«Реабилитационный центр на дому» — от {HOME_REHAB_MIN_POINTS} баллов и более "
                f"({CLAUSE_7_3_G})."
            )
    return None


def is_late(done_on: date, due: date) -> bool:
    return done_on > due


# --- 3: the journal ---------------------------------------------------------------------------


def journal_number(sequence: int, year: int) -> str:
    """The registration number in the journal: the application's place in its year."""
    return f"{sequence}/{year}"


def next_journal_sequence(numbers: Iterable[str | None], year: int) -> int:
    """One more than the highest number of ``year`` in the journal (numbering restarts each
    year); numbers written otherwise (typed by hand, older records) are skipped."""
    highest = 0
    suffix = f"/{year}"
    for number in numbers:
        if number and number.endswith(suffix) and number[: -len(suffix)].isdigit():
            highest = max(highest, int(number[: -len(suffix)]))
    return highest + 1
