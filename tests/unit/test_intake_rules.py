"""6-р: the intake rules, from the text of the order (Appendix 1, "Порядок проведения оценки").

Each test name carries its clause. The calendar is the production calendar (holidays.RU
with the government's transfers), never a list of holidays written here.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import intake as rules
from app.domain.enums import ApplicationDecision, Technology
from app.domain.intake import ServiceBasis
from app.domain.workdays import WorkCalendar

CAL = WorkCalendar()
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
BASES = st.one_of(st.none(), st.sampled_from(ServiceBasis))
MINOR = st.one_of(st.none(), st.booleans())


# --- 6: "в течение двух рабочих дней с даты подачи заявления" ------------------------------


@settings(deadline=None)
@given(DAYS)
def test_6_survey_due_is_the_second_working_day_after_the_application(applied: date) -> None:
    due = rules.survey_due_on(applied, CAL)
    assert due > applied and CAL.is_working_day(due)
    between = [applied + timedelta(days=i) for i in range(1, (due - applied).days + 1)]
    assert sum(CAL.is_working_day(d) for d in between) == 2


def test_6_survey_due_skips_the_november_2025_holidays() -> None:
    # 3 and 4 Nov 2025 are off (the transfer decree), Saturday 1 Nov is a working day.
    assert rules.survey_due_on(date(2025, 10, 31), CAL) == date(2025, 11, 5)


# --- 4: "в течение пяти рабочих дней с даты подачи заявления" ------------------------------


@settings(deadline=None)
@given(DAYS)
def test_4_decision_due_is_the_fifth_working_day_after_the_application(applied: date) -> None:
    due = rules.decision_due_on(applied, CAL)
    between = [applied + timedelta(days=i) for i in range(1, (due - applied).days + 1)]
    assert sum(CAL.is_working_day(d) for d in between) == 5
    assert CAL.is_working_day(due)
    assert due >= rules.survey_due_on(applied, CAL)


# --- 5, second paragraph: no survey act for 510-п 2.2, 3.3, 3.4 ----------------------------


@given(MINOR)
def test_5_no_survey_act_for_section_2_subsection_2_and_section_3_subsections_3_4(
    minor: bool | None,
) -> None:
    for basis in (ServiceBasis.S2_2, ServiceBasis.S3_3, ServiceBasis.S3_4):
        assert not rules.survey_required(basis, minor)
        assert "п. 5" in (rules.survey_exemption(basis, minor) or "")
        assert rules.decision_required(basis, minor)  # 4 still applies


@given(BASES, MINOR)
def test_5_6_every_other_basis_under_6r_has_a_survey(
    basis: ServiceBasis | None, minor: bool | None
) -> None:
    required = rules.survey_required(basis, minor)
    if basis in rules.NO_SURVEY_BASES or rules.assessed_under_order_4r(basis, minor):
        assert not required
    else:
        assert required and rules.survey_exemption(basis, minor) is None


def test_5_a_subsection_3_technology_without_a_basis_is_under_subsection_3() -> None:
    for technology in Technology:
        basis = rules.effective_basis(None, technology)
        assert basis is ServiceBasis.S3_3
        assert not rules.survey_required(basis)
    assert rules.effective_basis(None, None) is None
    assert rules.survey_required(None)  # unknown basis: the duty stays


# --- 1, second paragraph: 2.1, 2.3 and 4.1 (except minors) follow order 4-р -----------------


def test_1_stationary_2_1_2_3_and_adults_at_home_4_1_are_assessed_under_order_4r() -> None:
    for basis in (ServiceBasis.S2_1, ServiceBasis.S2_3):
        assert rules.assessed_under_order_4r(basis, None)
        assert not rules.survey_required(basis) and not rules.decision_required(basis)
    assert rules.assessed_under_order_4r(ServiceBasis.S4_1, minor=False)
    # "за исключением несовершеннолетних граждан"; an unknown age stays under 6-р
    assert not rules.assessed_under_order_4r(ServiceBasis.S4_1, minor=True)
    assert not rules.assessed_under_order_4r(ServiceBasis.S4_1, minor=None)
    assert rules.assessment_clause(ServiceBasis.S4_1, True) == "7.4"


def test_7_each_basis_gets_the_items_of_its_subclause() -> None:
    assert rules.assessment_clause(ServiceBasis.S3_1, None) == "7.2"
    assert rules.assessment_clause(ServiceBasis.S3_2, None) == "7.1"
    factors = rules.assessment_factors(ServiceBasis.S3_3, None)
    assert len(factors) == 5 and "11 баллов" in factors[3] and "Комиссии" in factors[4]
    assert rules.assessment_factors(ServiceBasis.S2_1, None) == ()


# --- 7.3 г: "суммарное количество баллов ... от 11 баллов и более" --------------------------


@given(st.lists(st.integers(min_value=0, max_value=rules.MAX_CRITERION_POINTS), max_size=20))
def test_7_3_g_the_total_is_the_sum_and_11_or_more_admits_home_rehab(points: list[int]) -> None:
    total = rules.points_total(points)
    assert total == sum(points)
    assert rules.home_rehab_threshold_met(total) == (total >= 11)
    text = rules.total_text(total)
    assert ("— технология «Реабилитационный центр на дому»" in text) == (total >= 11)


def test_7_3_g_ten_points_are_not_enough_and_eleven_are() -> None:
    assert not rules.home_rehab_threshold_met(10)
    assert rules.home_rehab_threshold_met(11)


@given(st.text(max_size=20), st.integers(min_value=-50, max_value=150))
def test_7_3_g_a_criterion_needs_its_ground_and_points_in_range(text: str, points: int) -> None:
    refusal = rules.criterion_refusal(text, points)
    assert (refusal is None) == (bool(text.strip()) and 0 <= points <= rules.MAX_CRITERION_POINTS)


@settings(deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_7_3_g_home_rehab_is_recognised_only_from_11_points(
    applied: date, total: int, delay: int
) -> None:
    decided = applied + timedelta(days=delay)
    refusal = rules.decision_refusal(
        ApplicationDecision.GRANTED,
        applied_on=applied,
        decided_on=decided,
        today=decided,
        basis=ServiceBasis.S3_3,
        minor=None,
        surveyed=False,  # 5: no survey act under subsection 3
        technology=Technology.HOME_REHAB,
        total=total,
    )
    if total >= 11:
        assert refusal is None
    else:
        assert refusal is not None and "п. 7.3 «г»" in refusal and "от 11 баллов" in refusal


# --- 8 б, 8 в, 5: the decision -----------------------------------------------------------------


@given(st.text(max_size=10))
def test_8_v_a_refusal_names_its_ground(reason: str) -> None:
    refusal = rules.decision_refusal(
        ApplicationDecision.REFUSED,
        applied_on=date(2026, 3, 2),
        decided_on=date(2026, 3, 4),
        today=date(2026, 3, 5),
        basis=ServiceBasis.S3_1,
        minor=None,
        surveyed=True,
        technology=None,
        total=None,
        reason=reason,
    )
    assert (refusal is None) == bool(reason.strip())


def test_5_a_decision_under_3_1_waits_for_the_survey_act() -> None:
    kwargs = {
        "applied_on": date(2026, 3, 2),
        "decided_on": date(2026, 3, 4),
        "today": date(2026, 3, 5),
        "basis": ServiceBasis.S3_1,
        "minor": None,
        "technology": None,
        "total": None,
    }
    refusal = rules.decision_refusal(ApplicationDecision.GRANTED, surveyed=False, **kwargs)  # type: ignore[arg-type]
    assert refusal is not None and "акта обследования" in refusal and "п. 5" in refusal
    assert rules.decision_refusal(ApplicationDecision.GRANTED, surveyed=True, **kwargs) is None  # type: ignore[arg-type]


@settings(deadline=None)
@given(DAYS, st.integers(min_value=-10, max_value=10))
def test_8_b_a_decision_is_dated_between_the_application_and_today(
    applied: date, offset: int
) -> None:
    today = applied + timedelta(days=5)
    decided = today + timedelta(days=offset)
    refusal = rules.decision_refusal(
        ApplicationDecision.GRANTED,
        applied_on=applied,
        decided_on=decided,
        today=today,
        basis=ServiceBasis.S3_2,
        minor=None,
        surveyed=True,
        technology=None,
        total=None,
    )
    assert (refusal is None) == (applied <= decided <= today)


# --- 3: the journal's numbers ----------------------------------------------------------------


@given(st.lists(st.integers(min_value=1, max_value=500), max_size=20))
def test_3_journal_numbers_follow_in_each_year(numbers: list[int]) -> None:
    existing = [rules.journal_number(n, 2026) for n in numbers] + ["17/2025", "б/н", None]
    assert rules.next_journal_sequence(existing, 2026) == max(numbers, default=0) + 1
    assert rules.next_journal_sequence(existing, 2027) == 1
