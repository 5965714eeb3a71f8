"""The target category of 31-р 2.1: every clause, every exclusion, missing data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.eligibility import EligibilityFacts, Verdict, assess
from app.domain.enums import DisabilityGroup, TargetCategory

G1, G2, G3, CHILD = (
    DisabilityGroup.GROUP_I,
    DisabilityGroup.GROUP_II,
    DisabilityGroup.GROUP_III,
    DisabilityGroup.CHILD,
)


def facts(
    group: DisabilityGroup | None = G1,
    first_time: bool | None = True,
    selfcare: int | None = 2,
    movement: int | None = 0,
    behaviour: int | None = 0,
    mental: bool = False,
    stationary: bool = False,
) -> EligibilityFacts:
    return EligibilityFacts(
        group=group,
        first_time=first_time,
        selfcare_degree=selfcare,
        movement_degree=movement,
        behaviour_degree=behaviour,
        mental_disorder=mental,
        stationary=stationary,
    )


# (case, facts, eligible, category, reason fragments that must appear)
CASES: list[tuple[str, EligibilityFacts, bool, TargetCategory | None, tuple[str, ...]]] = [
    (
        "group I first time, self-care II",
        facts(G1, True, 2, 0),
        True,
        TargetCategory.GROUP_I,
        (
            "Инвалидность I группы установлена впервые (31-р, п. 2.1)",
            "Ограничение способности к самообслуживанию II степени (31-р, п. 2.1)",
        ),
    ),
    (
        "group II first time, movement III",
        facts(G2, True, 0, 3),
        True,
        TargetCategory.GROUP_II,
        (
            "Инвалидность II группы установлена впервые",
            "Ограничение способности к самостоятельному передвижению III степени",
        ),
    ),
    (
        "both limitations qualify: both named",
        facts(G1, True, 3, 2),
        True,
        TargetCategory.GROUP_I,
        ("самообслуживанию III степени", "самостоятельному передвижению II степени"),
    ),
    (
        "self-care unknown but movement qualifies",
        facts(G2, True, None, 2),
        True,
        TargetCategory.GROUP_II,
        ("самостоятельному передвижению II степени",),
    ),
    (
        "limitations only degree I",
        facts(G1, True, 1, 1),
        False,
        None,
        ("самообслуживанию I степени, а требуется II или III степень",),
    ),
    (
        "no limitations",
        facts(G2, True, 0, 0),
        False,
        None,
        ("Ограничение способности к самообслуживанию отсутствует",),
    ),
    (
        "group III",
        facts(G3, True, 3, 3),
        False,
        None,
        ("Инвалидность III группы не входит в целевую категорию (31-р, п. 2.1)",),
    ),
    (
        "group I not first time",
        facts(G1, False, 3, 3),
        False,
        None,
        ("Инвалидность I группы установлена не впервые (31-р, п. 2.1)",),
    ),
    (
        "child first time, no limitation needed",
        facts(CHILD, True, None, None),
        True,
        TargetCategory.CHILD,
        ("Категория «ребенок-инвалид» установлена впервые (31-р, п. 2.1)",),
    ),
    (
        "child again (re-examination)",
        facts(CHILD, False, 3, 3),
        False,
        None,
        ("Категория «ребенок-инвалид» установлена не впервые",),
    ),
    (
        "mental disorder with behaviour III: excluded",
        facts(G1, True, 3, 3, behaviour=3, mental=True),
        False,
        None,
        (
            "Психическое расстройство с ограничением способности к контролю за своим "
            "поведением III степени — исключение (31-р, п. 2.1)",
        ),
    ),
    (
        "child with mental disorder and behaviour III: excluded too",
        facts(CHILD, True, behaviour=3, mental=True),
        False,
        None,
        ("поведением III степени — исключение",),
    ),
    (
        "mental disorder with behaviour II: not excluded",
        facts(G2, True, 2, 0, behaviour=2, mental=True),
        True,
        TargetCategory.GROUP_II,
        ("Исключений не выявлено",),
    ),
    (
        "behaviour III without a mental disorder: not excluded",
        facts(G1, True, 2, 0, behaviour=3, mental=False),
        True,
        TargetCategory.GROUP_I,
        ("установлена впервые",),
    ),
    (
        "stationary: excluded",
        facts(G1, True, 3, 3, stationary=True),
        False,
        None,
        ("Регистрация в стационарном учреждении — исключение (31-р, п. 2.1)",),
    ),
    (
        "child in a stationary institution: excluded",
        facts(CHILD, True, stationary=True),
        False,
        None,
        ("Регистрация в стационарном учреждении — исключение",),
    ),
    (
        "both exclusions: both named",
        facts(G1, True, 3, 3, behaviour=3, mental=True, stationary=True),
        False,
        None,
        ("поведением III степени — исключение", "стационарном учреждении — исключение"),
    ),
    (
        "group unknown",
        facts(None, True, 3, 3),
        False,
        None,
        ("Не указана группа инвалидности (31-р, п. 2.1)",),
    ),
    (
        "first time unknown",
        facts(G2, None, 3, 3),
        False,
        None,
        ("Не указано, впервые ли установлена инвалидность (II группа)",),
    ),
    (
        "both degrees unknown",
        facts(G1, True, None, None),
        False,
        None,
        (
            "Не указана степень ограничения способности к самообслуживанию",
            "Не указана степень ограничения способности к самостоятельному передвижению",
        ),
    ),
    (
        "one degree unknown, the other too low",
        facts(G1, True, None, 1),
        False,
        None,
        ("Не указана степень ограничения способности к самообслуживанию",),
    ),
    (
        "mental disorder with behaviour degree unknown",
        facts(G1, True, 2, 0, behaviour=None, mental=True),
        False,
        None,
        ("При психическом расстройстве не указана степень",),
    ),
]


@pytest.mark.parametrize(
    ("given_facts", "eligible", "category", "fragments"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_clause_table(
    given_facts: EligibilityFacts,
    eligible: bool,
    category: TargetCategory | None,
    fragments: tuple[str, ...],
) -> None:
    verdict = assess(given_facts)
    assert verdict.eligible is eligible
    assert verdict.category is category
    for fragment in fragments:
        assert any(fragment in reason for reason in verdict.reasons), (fragment, verdict.reasons)
    assert all(reason.endswith("(31-р, п. 2.1)") for reason in verdict.reasons)


def test_missing_lists_only_what_decides() -> None:
    assert assess(facts(None)).missing == ("группа инвалидности",)
    assert assess(facts(G1, None)).missing == ("признак «впервые»",)
    assert assess(facts(G1, True, None, 1)).missing == (
        "степень ограничения способности к самообслуживанию",
    )
    # a definite "no" does not depend on the missing facts
    assert assess(facts(G1, False, None, None)).missing == ()
    assert assess(facts(G1, True, None, None, stationary=True)).missing == ()
    assert assess(facts(G3, None)).missing == ()
    # nor does a "yes"
    assert assess(facts(G1, True, None, 2)).missing == ()


def test_explanation_joins_reasons() -> None:
    verdict = assess(facts(G1, True, 2, 0))
    assert verdict.explanation == "; ".join(verdict.reasons)


@pytest.mark.parametrize("field", ["selfcare_degree", "movement_degree", "behaviour_degree"])
@pytest.mark.parametrize("value", [-1, 4, True])
def test_degrees_outside_0_to_3_are_a_bug(field: str, value: int) -> None:
    changes: dict[str, Any] = {field: value}
    with pytest.raises(ValueError, match=field):
        replace(facts(), **changes)


degrees = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
all_facts = st.builds(
    EligibilityFacts,
    group=st.one_of(st.none(), st.sampled_from(DisabilityGroup)),
    first_time=st.one_of(st.none(), st.booleans()),
    selfcare_degree=degrees,
    movement_degree=degrees,
    behaviour_degree=degrees,
    mental_disorder=st.booleans(),
    stationary=st.booleans(),
)


def reference(f: EligibilityFacts) -> bool:
    """31-р 2.1 as one boolean expression, for the property test."""
    adult = (
        f.group in (G1, G2)
        and f.first_time is True
        and ((f.selfcare_degree or 0) >= 2 or (f.movement_degree or 0) >= 2)
    )
    child = f.group is CHILD and f.first_time is True
    behaviour_known = not f.mental_disorder or f.behaviour_degree is not None
    excluded = (f.mental_disorder and f.behaviour_degree == 3) or f.stationary
    return (adult or child) and behaviour_known and not excluded


@given(all_facts)
def test_verdict_invariants(f: EligibilityFacts) -> None:
    verdict = assess(f)
    assert isinstance(verdict, Verdict)
    assert len(verdict.reasons) >= 1
    assert verdict.eligible is reference(f)
    if verdict.eligible:
        assert verdict.category is not None
        assert verdict.missing == ()
    else:
        assert verdict.category is None
    if f.stationary:
        assert not verdict.eligible
    if f.group is G3:
        assert not verdict.eligible


@given(all_facts)
def test_category_follows_the_group(f: EligibilityFacts) -> None:
    verdict = assess(f)
    if verdict.eligible:
        expected = {
            G1: TargetCategory.GROUP_I,
            G2: TargetCategory.GROUP_II,
            CHILD: TargetCategory.CHILD,
        }
        assert f.group is not None
        assert verdict.category is expected[f.group]
