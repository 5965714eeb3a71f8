"""Whether a disabled person is in the target category of 31-р 2.1, with the reasons in words."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.enums import DisabilityGroup, TargetCategory

# 31-р 2.1: "граждане, впервые признанные ... инвалидами I или II группы,
# имеющие ограничение способности к самообслуживанию, самостоятельному
# передвижению II, III степени или получившие категорию "ребенок-инвалид",
# а также члены их семей (за исключением граждан, страдающих психическими
# расстройствами, имеющих ограничение способности к контролю за своим
# поведением III степени, а также граждан, имеющих регистрацию в стационарных
# учреждениях органов социальной защиты населения, здравоохранения)".
# 3.1.1 repeats the same test for the monthly extract.
#
# Our reading:
# - "впервые" governs groups I and II; "получившие категорию" is the parallel
#   participle and means the category was newly given, so a child must also be
#   recognised for the first time (the registry of 3.2 lists people "впервые
#   признанных ... или получивших категорию"). Re-examinations are not new.
# - The II/III degree requirement applies to groups I and II only; for a child
#   the category alone is enough.
# - Either limitation suffices: self-care OR movement at degree II or III.
# - Both exclusions apply to everyone, children included. The behaviour
#   exclusion needs both a mental disorder and behaviour control of degree III.
# - Family members are in the category through the disabled person; this
#   module assesses the disabled person only.
# - Missing data never makes a person eligible: the verdict is "not eligible"
#   and a reason names each missing fact, so the consultant can complete it.
# - Degrees outside 0-3 are a caller's bug (the importer validates them and
#   reports the row): EligibilityFacts raises ValueError.

CLAUSE = "(31-р, п. 2.1)"
MIN_DEGREE = 2  # degree II or III of 31-р 2.1

_ROMAN = {1: "I", 2: "II", 3: "III"}


@dataclass(frozen=True, slots=True)
class EligibilityFacts:
    """What the assessment (МСЭ) and the registration say about a person; ``None`` is unknown."""

    group: DisabilityGroup | None
    first_time: bool | None
    selfcare_degree: int | None
    movement_degree: int | None
    behaviour_degree: int | None
    mental_disorder: bool = False
    stationary: bool = False

    def __post_init__(self) -> None:
        for name in ("selfcare_degree", "movement_degree", "behaviour_degree"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3
            ):
                raise ValueError(f"{name} must be 0-3 or None, got {value!r}")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer: eligible or not, the category for the registry, and why, in Russian."""

    eligible: bool
    category: TargetCategory | None
    reasons: tuple[str, ...]
    # Unknown facts that alone keep the person out (empty for a definite answer).
    missing: tuple[str, ...] = ()

    @property
    def explanation(self) -> str:
        """The reasons as one paragraph."""
        return "; ".join(self.reasons)


def _degree_words(degree: int) -> str:
    return f"{_ROMAN[degree]} степени"


def _group_category(group: DisabilityGroup) -> TargetCategory | None:
    return {
        DisabilityGroup.GROUP_I: TargetCategory.GROUP_I,
        DisabilityGroup.GROUP_II: TargetCategory.GROUP_II,
        DisabilityGroup.CHILD: TargetCategory.CHILD,
    }.get(group)


def _limitation_reasons(facts: EligibilityFacts) -> tuple[bool | None, list[str], list[str]]:
    """Self-care or movement limited to degree II-III (None: unknown), with reasons, missing."""
    limitations = (
        (
            "самообслуживанию",
            "степень ограничения способности к самообслуживанию",
            facts.selfcare_degree,
        ),
        (
            "самостоятельному передвижению",
            "степень ограничения способности к самостоятельному передвижению",
            facts.movement_degree,
        ),
    )
    reasons: list[str] = []
    missing: list[str] = []
    qualifying = [
        f"Ограничение способности к {ability} {_degree_words(degree)} {CLAUSE}"
        for ability, _, degree in limitations
        if degree is not None and degree >= MIN_DEGREE
    ]
    if qualifying:
        return True, qualifying, missing
    for ability, missing_name, degree in limitations:
        if degree is None:
            missing.append(missing_name)
            reasons.append(f"Не указана {missing_name} {CLAUSE}")
        elif degree == 0:
            reasons.append(f"Ограничение способности к {ability} отсутствует {CLAUSE}")
        else:
            reasons.append(
                f"Ограничение способности к {ability} {_degree_words(degree)}, "
                f"а требуется II или III степень {CLAUSE}"
            )
    return (None if missing else False), reasons, missing


def assess(facts: EligibilityFacts) -> Verdict:
    """Decide whether the person is in the target category of 31-р 2.1, with reasons."""
    reasons: list[str] = []
    missing: list[str] = []
    qualifies: bool | None  # None: cannot tell for lack of data

    # 31-р 2.1: who is in — first-time group I/II with a limitation, or a child
    group = facts.group
    if group is None:
        missing.append("группа инвалидности")
        reasons.append(f"Не указана группа инвалидности {CLAUSE}")
        qualifies = None
    elif group is DisabilityGroup.GROUP_III:
        reasons.append(f"Инвалидность III группы не входит в целевую категорию {CLAUSE}")
        qualifies = False
    else:
        what = (
            "Категория «ребенок-инвалид»"
            if group is DisabilityGroup.CHILD
            else f"Инвалидность {group.value} группы"
        )
        if facts.first_time is None:
            missing.append("признак «впервые»")
            reasons.append(
                f"Не указано, впервые ли установлена инвалидность ({group.label}) {CLAUSE}"
            )
            qualifies = None
        elif not facts.first_time:
            reasons.append(f"{what} установлена не впервые {CLAUSE}")
            qualifies = False
        else:
            reasons.append(f"{what} установлена впервые {CLAUSE}")
            qualifies = True
        if group is not DisabilityGroup.CHILD:
            limited, limit_reasons, limit_missing = _limitation_reasons(facts)
            reasons.extend(limit_reasons)
            missing.extend(limit_missing)
            if limited is False:
                qualifies = False
            elif limited is None and qualifies is not False:
                qualifies = None

    # 31-р 2.1: who is out, whatever the above — behaviour control III with a
    # mental disorder, and registration in a stationary institution
    excluded = False
    if facts.mental_disorder:
        if facts.behaviour_degree == 3:
            excluded = True
            reasons.append(
                "Психическое расстройство с ограничением способности к контролю за своим "
                f"поведением III степени — исключение {CLAUSE}"
            )
        elif facts.behaviour_degree is None:
            missing.append("степень ограничения способности к контролю за своим поведением")
            reasons.append(
                "При психическом расстройстве не указана степень ограничения способности "
                f"к контролю за своим поведением {CLAUSE}"
            )
    if facts.stationary:
        excluded = True
        reasons.append(f"Регистрация в стационарном учреждении — исключение {CLAUSE}")

    eligible = qualifies is True and not excluded and not missing
    category = _group_category(group) if eligible and group is not None else None
    if eligible:
        reasons.append(f"Исключений не выявлено: гражданин входит в целевую категорию {CLAUSE}")
    # Missing facts are listed only when they are what stands between the
    # person and the category; a definite "no" does not depend on them.
    undecided = not eligible and not excluded and qualifies is not False
    return Verdict(
        eligible=eligible,
        category=category,
        reasons=tuple(reasons),
        missing=tuple(missing) if undecided else (),
    )
