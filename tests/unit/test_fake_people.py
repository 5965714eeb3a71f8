"""The synthetic people behind demo data and extracts: valid, consistent, plausible."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import cache

import pytest
from faker.providers.person.ru_RU import Provider as FakerPerson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.demo.people import FakePerson, FakeRepresentative, PeopleGenerator
from app.domain.enums import DisabilityGroup, MeasureKind, RepresentativeKind, Sex
from app.domain.snils import is_valid_snils, normalize_snils
from app.reference import district_names, districts

TODAY = date(2026, 11, 23)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
POPULATION = 2000

MALE_PATRONYMIC = ("вич", "ич", "оглы", "улы")
FEMALE_PATRONYMIC = ("вна", "ична", "кызы", "гызы")
FAKER_MALE = frozenset(FakerPerson.first_names_male)
FAKER_FEMALE = frozenset(FakerPerson.first_names_female)


@cache
def population(seed: int = 7) -> tuple[FakePerson, ...]:
    return tuple(PeopleGenerator(seed, TODAY).people(POPULATION, OCTOBER))


def share(people: tuple[FakePerson, ...], test: object) -> float:
    assert callable(test)
    return sum(1 for p in people if test(p)) / len(people)


def assert_named_as(sex: Sex, first: str, middle: str) -> None:
    if sex is Sex.MALE:
        assert middle.endswith(MALE_PATRONYMIC), (first, middle)
        assert first not in FAKER_FEMALE, first
    else:
        assert middle.endswith(FEMALE_PATRONYMIC), (first, middle)
        assert first not in FAKER_MALE, first


# -- determinism -----------------------------------------------------------------------


def test_the_same_seed_and_today_give_the_same_people() -> None:
    a = list(PeopleGenerator(42, TODAY).people(300, OCTOBER))
    b = list(PeopleGenerator(42, TODAY).people(300, OCTOBER))
    assert a == b


def test_another_seed_gives_other_people() -> None:
    a = list(PeopleGenerator(1, TODAY).people(50, OCTOBER))
    b = list(PeopleGenerator(2, TODAY).people(50, OCTOBER))
    assert {p.snils for p in a}.isdisjoint({p.snils for p in b})
    assert [p.full_name for p in a] != [p.full_name for p in b]


def test_people_and_person_draw_from_one_stream() -> None:
    batch = list(PeopleGenerator(9, TODAY).people(5, OCTOBER))
    generator = PeopleGenerator(9, TODAY)
    assert [generator.person(OCTOBER) for _ in range(5)] == batch


def test_people_is_lazy_and_yields_exactly_n() -> None:
    generator = PeopleGenerator(3, TODAY)
    assert list(generator.people(0, OCTOBER)) == []
    it = generator.people(3, OCTOBER)
    assert sum(1 for _ in it) == 3


# -- one person at a time --------------------------------------------------------------


def test_snils_is_valid_and_unique_within_a_generator() -> None:
    people = population()
    for p in people:
        assert len(p.snils) == 11 and p.snils.isdigit()
        assert normalize_snils(p.snils) == p.snils
        assert is_valid_snils(p.snils_formatted)
        assert p.snils_formatted == f"{p.snils[:3]}-{p.snils[3:6]}-{p.snils[6:9]} {p.snils[9:]}"
        # Above 001-001-998 the check number matters, so a wrong one is caught.
        assert int(p.snils[:9]) > 1_001_998
        wrong = f"{(int(p.snils[9:]) + 1) % 100:02d}"
        assert not is_valid_snils(p.snils[:9] + wrong)
    assert len({p.snils for p in people}) == len(people)


def test_sex_agrees_with_first_name_patronymic_and_surname() -> None:
    names_by_sex: dict[Sex, set[str]] = {Sex.MALE: set(), Sex.FEMALE: set()}
    for p in population():
        assert_named_as(p.sex, p.first_name, p.middle_name)
        names_by_sex[p.sex].add(p.first_name)
        if p.sex is Sex.MALE:
            assert not p.last_name.endswith(("ова", "ева", "ина", "ская", "цкая")), p.last_name
        else:
            assert not p.last_name.endswith(("ов", "ев", "ин", "ский", "цкий")), p.last_name
        rep = p.representative
        if rep is not None:
            assert_named_as(rep.sex, rep.first_name, rep.middle_name)
            names_by_sex[rep.sex].add(rep.first_name)
    assert names_by_sex[Sex.MALE].isdisjoint(names_by_sex[Sex.FEMALE])


def test_names_are_single_capitalised_cyrillic_words() -> None:
    for p in population():
        for part in (p.last_name, p.first_name, p.middle_name):
            assert part and part[0].isupper() and " " not in part, p.full_name
            assert all("а" <= ch.lower() <= "я" or ch in "ёЁ-" for ch in part), part
        assert p.full_name == f"{p.last_name} {p.first_name} {p.middle_name}"


def test_a_child_is_exactly_someone_under_18_when_the_data_arrives() -> None:
    # Several seeds: a child close to 18 who is assessed a few weeks before the data
    # arrives is rare, and the rule must hold for them too.
    for seed in range(1, 6):
        for p in PeopleGenerator(seed, TODAY).people(4000, OCTOBER):
            age = p.age_on(p.received_on)
            assert (p.group is DisabilityGroup.CHILD) == (age < 18), (p.birth_date, p.group)
            if p.group is not DisabilityGroup.CHILD:
                assert p.age_on(p.disability_established_on) >= 18


def test_dates_follow_each_other() -> None:
    for p in population():
        assert OCTOBER[0] <= p.received_on <= OCTOBER[1]
        assert p.birth_date < p.disability_established_on <= p.ipra_date <= p.received_on
        assert timedelta(days=3) <= p.received_on - p.disability_established_on
        assert p.received_on - p.disability_established_on <= timedelta(days=40)
        assert p.ipra_number.endswith(f".72/{p.ipra_date.year}")
        assert 0 <= p.age_on(p.received_on) <= 95


def test_districts_settlements_and_postcodes_are_real() -> None:
    by_name = {d.name: d for d in districts()}
    for p in population():
        assert p.district in district_names()
        d = by_name[p.district]
        assert (p.settlement, p.postcode) in {(s.name, s.postcode) for s in d.settlements}
        assert p.registration_address.startswith(f"{p.postcode}, Тюменская обл., ")
        assert p.actual_address.startswith(tuple(f"{s.postcode}, " for s in d.settlements))
        if not d.is_city and not p.settlement.startswith("г."):
            assert d.short_name in p.registration_address


def test_measures_are_a_non_empty_ordered_tuple_of_kinds() -> None:
    order = list(MeasureKind)
    for p in population():
        assert isinstance(p.measures, tuple)
        assert 2 <= len(p.measures) <= 5
        assert all(isinstance(k, MeasureKind) for k in p.measures)
        assert list(p.measures) == sorted(set(p.measures), key=order.index)
        if p.age_on(p.received_on) < 14:
            assert MeasureKind.VOCATIONAL not in p.measures


def test_degrees_and_flags_are_in_range() -> None:
    for p in population():
        for degree in (p.selfcare_degree, p.movement_degree, p.behaviour_degree):
            assert degree in (0, 1, 2, 3)
        if p.group is DisabilityGroup.GROUP_III:
            assert p.selfcare_degree < 3 and p.movement_degree < 3
        if p.veteran_svo:
            assert p.sex is Sex.MALE and 20 <= p.age_on(p.received_on) <= 60


def test_a_child_has_a_representative_whose_phone_is_the_childs() -> None:
    children = [p for p in population() if p.group is DisabilityGroup.CHILD]
    assert children
    patronymics: dict[tuple[str, Sex], set[str]] = {}
    for p in children:
        rep = p.representative
        assert isinstance(rep, FakeRepresentative)
        assert rep.kind in (RepresentativeKind.PARENT, RepresentativeKind.GUARDIAN)
        assert p.phone == rep.phone
        assert p.email is None
        if rep.kind is RepresentativeKind.PARENT:
            # A parent shares the family name (in the form of the parent's sex).
            assert rep.last_name[:4] == p.last_name[:4]
            if rep.sex is Sex.MALE:
                # The father's first name gives the child's patronymic ("Юрий": "Юрьевич").
                assert p.middle_name[:2] == rep.first_name[:2]
                patronymics.setdefault((rep.first_name, p.sex), set()).add(p.middle_name)
    assert patronymics, "some children are represented by their father"
    assert all(len(names) == 1 for names in patronymics.values()), patronymics


def test_phones_and_emails_look_real() -> None:
    for p in population():
        for phone in (p.phone, p.representative.phone if p.representative else None):
            if phone is not None:
                assert len(phone) == 12 and phone.startswith("+79") and phone[1:].isdigit()
        if p.email is not None:
            login, _, domain = p.email.partition("@")
            assert login and "." in domain and login.isascii(), p.email


# -- the month the data arrived --------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    first=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=400),
)
def test_received_on_stays_within_any_range(seed: int, first: date, days: int) -> None:
    last = first + timedelta(days=days)
    for p in PeopleGenerator(seed, TODAY).people(25, (first, last)):
        assert first <= p.received_on <= last
        assert is_valid_snils(p.snils)
        assert (p.group is DisabilityGroup.CHILD) == (p.age_on(p.received_on) < 18)
        assert p.measures


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 11, 23), date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 1, 5), date(2025, 12, 1), date(2025, 12, 31)),
        (date(2024, 3, 1), date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_by_default_the_data_arrived_last_month(today: date, first: date, last: date) -> None:
    days = {p.received_on for p in PeopleGenerator(5, today).people(400)}
    assert min(days) >= first and max(days) <= last
    assert len(days) > 20  # spread over the month, not piled on one day


def test_a_year_and_month_stop_at_today() -> None:
    today = date(2026, 11, 23)
    days = {p.received_on for p in PeopleGenerator(5, today).people(500, (2026, 11))}
    assert min(days) >= date(2026, 11, 1)
    assert max(days) == today  # reached, never passed


def test_a_whole_past_month_as_year_and_month() -> None:
    days = {p.received_on for p in PeopleGenerator(5, TODAY).people(500, (2024, 2))}
    assert min(days) == date(2024, 2, 1) and max(days) == date(2024, 2, 29)


def test_impossible_ranges_are_refused() -> None:
    generator = PeopleGenerator(1, TODAY)
    with pytest.raises(ValueError):
        list(generator.people(1, (2027, 1)))  # the month has not begun
    with pytest.raises(ValueError):
        list(generator.people(1, (date(2026, 5, 2), date(2026, 5, 1))))
    with pytest.raises(TypeError):
        list(generator.people(1, (date(2026, 5, 1), 5)))  # type: ignore[arg-type]


# -- the population as a whole ---------------------------------------------------------


def test_about_fifteen_percent_are_children() -> None:
    assert share(population(), lambda p: p.group is DisabilityGroup.CHILD) == pytest.approx(
        0.15, abs=0.03
    )


def test_groups_of_adults_are_mostly_second() -> None:
    adults = tuple(p for p in population() if p.group is not DisabilityGroup.CHILD)
    groups = Counter(p.group for p in adults)
    assert groups[DisabilityGroup.GROUP_I] / len(adults) == pytest.approx(0.25, abs=0.04)
    assert groups[DisabilityGroup.GROUP_II] / len(adults) == pytest.approx(0.55, abs=0.05)
    assert groups[DisabilityGroup.GROUP_III] / len(adults) == pytest.approx(0.20, abs=0.04)


def test_sexes_are_balanced_with_more_boys_among_children() -> None:
    people = population()
    assert share(people, lambda p: p.sex is Sex.MALE) == pytest.approx(0.5, abs=0.04)
    children = tuple(p for p in people if p.group is DisabilityGroup.CHILD)
    assert share(children, lambda p: p.sex is Sex.MALE) == pytest.approx(0.55, abs=0.09)


def test_ages_of_adults_lean_old() -> None:
    ages = [
        p.age_on(p.disability_established_on)
        for p in population()
        if p.group is not DisabilityGroup.CHILD
    ]
    assert min(ages) >= 18 and max(ages) <= 94
    older = sum(1 for a in ages if a >= 45) / len(ages)
    assert older == pytest.approx(0.78, abs=0.05)  # 34 + 34 + 10 of 100
    assert 55 <= sorted(ages)[len(ages) // 2] <= 65


def test_districts_follow_their_population_weights() -> None:
    people = population()
    total = sum(d.weight for d in districts())
    counts = Counter(p.district for p in people)
    tyumen = counts["г. Тюмень"] / len(people)
    assert tyumen == pytest.approx(850 / total, abs=0.05)
    assert counts["Тюменский муниципальный округ"] / len(people) == pytest.approx(
        170 / total, abs=0.03
    )
    assert len(counts) >= 20  # small districts appear too, only rarely


def test_contacts_and_representatives_are_plausible() -> None:
    people = population()
    adults = tuple(p for p in people if p.group is not DisabilityGroup.CHILD)
    assert share(adults, lambda p: p.phone is not None) == pytest.approx(0.97, abs=0.02)
    assert share(adults, lambda p: p.email is not None) == pytest.approx(0.35, abs=0.05)
    assert 0.03 < share(adults, lambda p: p.representative is not None) < 0.15
    assert share(people, lambda p: p.first_time) == pytest.approx(0.9, abs=0.03)
    assert share(people, lambda p: MeasureKind.MEDICAL in p.measures) > 0.9
    assert 0 < share(people, lambda p: p.stationary) < 0.05
    assert share(people, lambda p: p.registration_address != p.actual_address) == (
        pytest.approx(0.15, abs=0.04)
    )
