"""Realistic synthetic residents of the Tyumen Region newly recognised as disabled.

Pure and deterministic for a seed: no database, no clock (``today`` is passed in). Used for
demo extracts, benchmarks and tests. Name lists come from Faker's ru_RU providers, read once
and weighted towards the names people of each generation really have; picking is done with
``random.Random`` directly because Faker's own calls are far too slow for 100,000 people.
"""

from __future__ import annotations

import calendar
import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import accumulate
from typing import TypeAlias, TypeVar

from faker.providers.address.ru_RU import Provider as _FakerAddress
from faker.providers.person.ru_RU import Provider as _FakerPerson

from app.domain.enums import DisabilityGroup, MeasureKind, RepresentativeKind, Sex
from app.reference import District, districts

T = TypeVar("T")

#: When the data arrived: a month as (year, month), an inclusive (first, last) date range,
#: or None for the month before ``today``.
ReceivedIn: TypeAlias = tuple[int, int] | tuple[date, date] | None


@dataclass(frozen=True, slots=True)
class FakeRepresentative:
    last_name: str
    first_name: str
    middle_name: str
    sex: Sex
    kind: RepresentativeKind
    phone: str

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name} {self.middle_name}"


@dataclass(frozen=True, slots=True)
class FakePerson:
    last_name: str
    first_name: str
    middle_name: str
    sex: Sex
    birth_date: date
    snils: str  # 11 digits, valid check number
    district: str  # District.name, e.g. "г. Тюмень", "Абатский муниципальный округ"
    settlement: str
    postcode: str
    registration_address: str
    actual_address: str
    phone: str | None  # "+79XXXXXXXXX"; a child's is the representative's
    email: str | None
    group: DisabilityGroup
    disability_established_on: date
    first_time: bool
    selfcare_degree: int
    movement_degree: int
    behaviour_degree: int
    mental_disorder: bool
    stationary: bool
    veteran_svo: bool
    ipra_number: str
    ipra_date: date
    measures: tuple[MeasureKind, ...]
    representative: FakeRepresentative | None
    received_on: date

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name} {self.middle_name}"

    @property
    def snils_formatted(self) -> str:
        s = self.snils
        return f"{s[0:3]}-{s[3:6]}-{s[6:9]} {s[9:11]}"

    def age_on(self, day: date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


# --- СНИЛС -------------------------------------------------------------------------------

_SNILS_CHECKED_FROM = 1_001_999  # the check number is defined for numbers above 001-001-998


def _snils_check_number(first9: str) -> str:
    """Two check digits of a СНИЛС from its first nine digits.

    Each of the first nine digits is multiplied by its weight, 9 down to 1, and the products
    are added up; the sum gives the check number (see ``_check_from_sum``).
    """
    total = sum(int(c) * w for c, w in zip(first9, range(9, 0, -1), strict=True))
    return _check_from_sum(total)


def _check_from_sum(total: int) -> str:
    if total < 100:
        check = total
    elif total in (100, 101):
        check = 0
    else:
        check = total % 101
        if check == 100:
            check = 0
    return f"{check:02d}"


def _chunk_sums(weights: tuple[int, int, int]) -> tuple[int, ...]:
    a, b, c = weights
    return tuple(a * (i // 100) + b * (i // 10 % 10) + c * (i % 10) for i in range(1000))


_CHUNK_SUMS = (_chunk_sums((9, 8, 7)), _chunk_sums((6, 5, 4)), _chunk_sums((3, 2, 1)))


# --- name pools --------------------------------------------------------------------------

# Fathers' names with the patronymics they give; Tatar names are common in the region.
_FATHERS: dict[str, tuple[str, str]] = {
    "Александр": ("Александрович", "Александровна"),
    "Сергей": ("Сергеевич", "Сергеевна"),
    "Андрей": ("Андреевич", "Андреевна"),
    "Алексей": ("Алексеевич", "Алексеевна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Владимир": ("Владимирович", "Владимировна"),
    "Николай": ("Николаевич", "Николаевна"),
    "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Иван": ("Иванович", "Ивановна"),
    "Юрий": ("Юрьевич", "Юрьевна"),
    "Виктор": ("Викторович", "Викторовна"),
    "Игорь": ("Игоревич", "Игоревна"),
    "Олег": ("Олегович", "Олеговна"),
    "Павел": ("Павлович", "Павловна"),
    "Анатолий": ("Анатольевич", "Анатольевна"),
    "Василий": ("Васильевич", "Васильевна"),
    "Валерий": ("Валерьевич", "Валерьевна"),
    "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Вячеслав": ("Вячеславович", "Вячеславовна"),
    "Петр": ("Петрович", "Петровна"),
    "Григорий": ("Григорьевич", "Григорьевна"),
    "Федор": ("Федорович", "Федоровна"),
    "Леонид": ("Леонидович", "Леонидовна"),
    "Борис": ("Борисович", "Борисовна"),
    "Константин": ("Константинович", "Константиновна"),
    "Виталий": ("Витальевич", "Витальевна"),
    "Роман": ("Романович", "Романовна"),
    "Денис": ("Денисович", "Денисовна"),
    "Максим": ("Максимович", "Максимовна"),
    "Антон": ("Антонович", "Антоновна"),
    "Артем": ("Артемович", "Артемовна"),
    "Руслан": ("Русланович", "Руслановна"),
    "Владислав": ("Владиславович", "Владиславовна"),
    "Станислав": ("Станиславович", "Станиславовна"),
    "Вадим": ("Вадимович", "Вадимовна"),
    "Илья": ("Ильич", "Ильинична"),
    "Степан": ("Степанович", "Степановна"),
    "Егор": ("Егорович", "Егоровна"),
    "Кирилл": ("Кириллович", "Кирилловна"),
    "Эдуард": ("Эдуардович", "Эдуардовна"),
}
_TATAR_FATHERS: dict[str, tuple[str, str]] = {
    "Ринат": ("Ринатович", "Ринатовна"),
    "Рустам": ("Рустамович", "Рустамовна"),
    "Марат": ("Маратович", "Маратовна"),
    "Ильдар": ("Ильдарович", "Ильдаровна"),
    "Тимур": ("Тимурович", "Тимуровна"),
    "Айдар": ("Айдарович", "Айдаровна"),
    "Радик": ("Радикович", "Радиковна"),
    "Фарид": ("Фаридович", "Фаридовна"),
}

# Names much more common than the rest of Faker's list, by generation.
_COMMON_MALE = {
    "old": "Николай Владимир Александр Виктор Анатолий Василий Юрий Валерий Геннадий Михаил "
    "Иван Петр Борис Леонид Григорий Федор Евгений Алексей Сергей Вячеслав",
    "mid": "Александр Сергей Андрей Алексей Дмитрий Евгений Владимир Игорь Олег Юрий Михаил "
    "Николай Павел Денис Роман Вадим Константин Виталий Максим Антон Вячеслав Иван",
    "young": "Артем Максим Александр Михаил Иван Дмитрий Матвей Кирилл Даниил Тимофей Егор "
    "Никита Илья Андрей Алексей Марк Лев Роман Сергей Владислав Федор Арсений",
}
_COMMON_FEMALE = {
    "old": "Валентина Галина Нина Людмила Татьяна Любовь Надежда Вера Тамара Зинаида Раиса "
    "Лидия Антонина Мария Александра Анна Евдокия Клавдия Ольга Екатерина",
    "mid": "Елена Татьяна Ольга Наталья Ирина Светлана Марина Юлия Анна Екатерина Оксана "
    "Людмила Надежда Лариса Мария Евгения Виктория Галина Анастасия Жанна",
    "young": "София Анна Мария Виктория Алиса Полина Анастасия Дарья Варвара Ксения Елизавета "
    "Александра Вероника Ульяна Ева Валерия Кира Таисия Василиса Милана",
}
_TATAR_MALE = "Ринат Рустам Марат Ильдар Тимур Айдар Радик Фарид Ильнур Руслан Азат Артур"
_TATAR_FEMALE = "Гульнара Альфия Гузель Лилия Эльвира Айгуль Алсу Резеда Зульфия Диана Алина Ляйсан"
_TATAR_FAMILIES = (
    "Хайруллин Ахметов Абдуллин Сафин Юсупов Валиев Гарипов Исмаилов Рахимов Шарипов Галиев "
    "Мухаметов Ибрагимов Каримов Латыпов Яхин Закиров Нигматуллин Файзуллин Мусин"
)
_COMMON_WEIGHT = 100
_TATAR_SHARE = 0.07


def _table(items: Sequence[T], weights: Sequence[float], size: int = 4096) -> tuple[T, ...]:
    """A lookup table in which each item appears about in proportion to its weight.

    Picking ``table[int(random() * len(table))]`` is several times faster than
    ``random.choices``; the rounding error is far below what matters for test data.
    """
    total = sum(weights)
    out: list[T] = []
    for item, w in zip(items, weights, strict=True):
        out.extend([item] * max(1, round(w / total * size)))
    return tuple(out)


def _first_name_table(faker_names: Sequence[str], common: str) -> tuple[str, ...]:
    names = sorted(set(faker_names) | set(common.split()))
    boosted = set(common.split())
    return _table(names, [_COMMON_WEIGHT if n in boosted else 1 for n in names])


def _female_family(male: str) -> str:
    if male.endswith(("ов", "ев", "ин", "ын", "ёв")):
        return male + "а"
    if male.endswith(("ский", "цкий")):
        return male[:-2] + "ая"
    if male.endswith("ой"):
        return male[:-2] + "ая"
    return male  # Черных, Шевчук, Дурново: the same for both sexes


@dataclass(frozen=True, slots=True)
class _Pools:
    male_first: dict[str, tuple[str, ...]]
    female_first: dict[str, tuple[str, ...]]
    tatar_male_first: tuple[str, ...]
    tatar_female_first: tuple[str, ...]
    families: tuple[tuple[str, str], ...]  # (male form, female form)
    tatar_families: tuple[tuple[str, str], ...]
    fathers: tuple[str, ...]
    tatar_fathers: tuple[str, ...]
    patronymic: dict[str, tuple[str, str]]
    extra_male_patronymics: tuple[str, ...]
    extra_female_patronymics: tuple[str, ...]
    streets_city: tuple[str, ...]
    streets_tyumen: tuple[str, ...]
    streets_village: tuple[str, ...]


# Real streets of Tyumen, for addresses in the city.
# fmt: off
_TYUMEN_STREETS = (
    "ул. Республики", "ул. Мельникайте", "ул. 50 лет Октября", "ул. Широтная", "ул. Пермякова",
    "ул. Геологоразведчиков", "ул. Харьковская", "ул. Ленина", "ул. Холодильная",
    "ул. Щербакова", "ул. Федюнинского", "ул. Ямская", "ул. Ставропольская",
    "ул. Николая Федорова", "ул. Тимофея Чаркова", "ул. Газовиков", "ул. Мориса Тореза",
    "ул. Олимпийская", "ул. 30 лет Победы", "ул. Монтажников", "ул. Котовского",
    "ул. Одесская", "ул. Волгоградская", "ул. Луначарского", "ул. Малыгина", "ул. Камышинская",
    "ул. Депутатская", "ул. Энергетиков", "ул. Циолковского", "ул. Бабарынка",
    "ул. Пролетарская", "ул. Жуковского", "ул. Ватутина", "ул. Профсоюзная",
    "ул. Первомайская", "ул. Севастопольская", "ул. Минская", "ул. Клары Цеткин",
    "ул. Герцена", "ул. Парфенова", "ул. Станционная", "ул. Дамбовская",
    "ул. Краснооктябрьская", "ул. Семакова", "ул. Немцова", "ул. Чернышевского",
    "ул. Тульская", "ул. Велижанская", "ул. Избышева", "ул. Беляева", "Червишевский тракт",
    "Московский тракт", "Старый тобольский тракт", "проезд Геологоразведчиков",
)
# fmt: on


@cache
def _pools() -> _Pools:
    fp = _FakerPerson
    families = tuple(
        sorted(set(zip(fp.last_names_male, fp.last_names_female, strict=True)), key=lambda p: p[0])
    )
    # Faker lists surnames from the most common down: weight them accordingly.
    rank = {m: i for i, m in enumerate(fp.last_names_male)}
    family_table = _table(families, [1.0 / (rank[m] + 20) for m, _ in families])
    tatar = tuple((m, _female_family(m)) for m in _TATAR_FAMILIES.split())
    fathers = tuple(_FATHERS)
    patronymic = {**_FATHERS, **_TATAR_FATHERS}

    fa = _FakerAddress
    village = [f"ул. {t}" for t in fa.street_titles[:120]]
    village += [f"ул. {t}" for t in fa.street_titles_noflex[:80]]
    lanes = ("Школьная", "Садовая", "Лесная", "Новая", "Полевая", "Заречная", "Луговая")
    village += [f"пер. {fa.street_titles_irregular_masc.get(t, t[:-2] + 'ый')}" for t in lanes]
    return _Pools(
        male_first={e: _first_name_table(fp.first_names_male, c) for e, c in _COMMON_MALE.items()},
        female_first={
            e: _first_name_table(fp.first_names_female, c) for e, c in _COMMON_FEMALE.items()
        },
        tatar_male_first=tuple(_TATAR_MALE.split()),
        tatar_female_first=tuple(_TATAR_FEMALE.split()),
        families=family_table,
        tatar_families=tatar,
        fathers=_table(fathers, [3 if i < 12 else 1 for i in range(len(fathers))]),
        tatar_fathers=tuple(_TATAR_FATHERS),
        patronymic=patronymic,
        extra_male_patronymics=tuple(sorted(set(fp.middle_names_male))),
        extra_female_patronymics=tuple(sorted(set(fp.middle_names_female))),
        streets_city=tuple(village[:160]),
        streets_tyumen=_TYUMEN_STREETS,
        streets_village=tuple(village),
    )


# --- transliteration for e-mail addresses -----------------------------------------------

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip
_MAIL_DOMAINS = ("mail.ru", "mail.ru", "yandex.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru",
                 "inbox.ru", "rambler.ru")  # fmt: skip
# Mobile codes of the operators in the region.
_MOBILE_CODES = ("912", "919", "922", "904", "908", "950", "982", "902", "929", "996", "963")

# (degree weights for 0, 1, 2, 3) by group: self-care, movement.
_SELFCARE = {
    DisabilityGroup.GROUP_I: (2, 8, 40, 50),
    DisabilityGroup.GROUP_II: (10, 40, 40, 10),
    DisabilityGroup.GROUP_III: (30, 60, 10, 0),
    DisabilityGroup.CHILD: (15, 30, 35, 20),
}
_MOVEMENT = {
    DisabilityGroup.GROUP_I: (5, 15, 40, 40),
    DisabilityGroup.GROUP_II: (15, 35, 40, 10),
    DisabilityGroup.GROUP_III: (30, 55, 15, 0),
    DisabilityGroup.CHILD: (35, 30, 20, 15),
}
_BEHAVIOUR_MENTAL = (10, 30, 35, 25)
_BEHAVIOUR_OTHER = (85, 12, 3, 0)

# Adult age at assessment: (low, high, weight).
_ADULT_AGES = ((18, 29, 6), (30, 44, 16), (45, 59, 34), (60, 74, 34), (75, 94, 10))


def _cum(weights: Sequence[float]) -> tuple[float, ...]:
    total = sum(weights)
    return tuple(x / total for x in accumulate(weights))


_CUM_SELFCARE = {g: _cum(w) for g, w in _SELFCARE.items()}
_CUM_MOVEMENT = {g: _cum(w) for g, w in _MOVEMENT.items()}
_CUM_BEH_MENTAL = _cum(_BEHAVIOUR_MENTAL)
_CUM_BEH_OTHER = _cum(_BEHAVIOUR_OTHER)
_CUM_ADULT_AGES = _cum([w for _, _, w in _ADULT_AGES])

_ALL_KINDS = tuple(MeasureKind)
# Probability of each kind (in MeasureKind order) for adults of working age, older adults,
# children.
_MEASURE_P_WORKING = (0.95, 0.12, 0.40, 0.90, 0.40, 0.55, 0.15)
_MEASURE_P_OLDER = (0.95, 0.05, 0.03, 0.90, 0.30, 0.65, 0.20)
_MEASURE_P_CHILD = (0.95, 0.75, 0.05, 0.80, 0.40, 0.40, 0.10)


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a common year."""
    year = day.year - years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def _previous_month(today: date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


class PeopleGenerator:
    """Makes :class:`FakePerson` values; the same seed and ``today`` give the same people."""

    def __init__(self, seed: int, today: date) -> None:
        self._rng = random.Random(seed)
        self._random = self._rng.random
        self._today = today
        self._pools = _pools()
        self._used_snils: set[int] = set()
        self._districts: tuple[District, ...] = districts()
        self._district_cum = _cum([d.weight for d in self._districts])
        # Per settlement the two ways registration offices write the locality.
        self._localities: dict[tuple[str, str], tuple[str, str]] = {}
        for d in self._districts:
            for s in d.settlements:
                if d.is_city or s.name.startswith("г."):
                    self._localities[(d.name, s.name)] = (s.name, s.name)
                else:
                    self._localities[(d.name, s.name)] = (
                        f"{d.short_name} р-н, {s.name}",
                        f"{d.short_name} муниципальный округ, {s.name}",
                    )

    # -- public -----------------------------------------------------------------------

    def people(self, n: int, received_in: ReceivedIn = None) -> Iterator[FakePerson]:
        first, last = self._received_range(received_in)
        for _ in range(n):
            yield self._person(first, last)

    def person(self, received_in: ReceivedIn = None) -> FakePerson:
        first, last = self._received_range(received_in)
        return self._person(first, last)

    # -- helpers ----------------------------------------------------------------------

    def _between(self, low: int, high: int) -> int:
        """A whole number in [low, high]; ``randint`` costs three times as much."""
        return low + int(self._random() * (high - low + 1))

    def _received_range(self, received_in: ReceivedIn) -> tuple[int, int]:
        if received_in is None:
            received_in = _previous_month(self._today)
        a, b = received_in
        if isinstance(a, date) and isinstance(b, date):
            first, last = a, b
        elif isinstance(a, int) and isinstance(b, int):
            first, last = _month_range(a, b)
            last = min(last, self._today)
        else:
            raise TypeError(f"received_in must be (year, month) or (date, date): {received_in!r}")
        if first > last:
            raise ValueError(f"no day to receive data in {received_in!r} up to {self._today}")
        return first.toordinal(), last.toordinal()

    def _phone(self) -> str:
        rnd = self._random
        code = _MOBILE_CODES[int(rnd() * len(_MOBILE_CODES))]
        return f"+7{code}{int(rnd() * 10_000_000):07d}"

    def _snils(self) -> str:
        used = self._used_snils
        while True:
            n = self._between(_SNILS_CHECKED_FROM, 999_999_999)
            if n not in used:
                used.add(n)
                break
        # The weighted digit sum by 3-digit chunks from precomputed tables: same rule as
        # _snils_check_number, four times faster.
        hi, rest = divmod(n, 1_000_000)
        mid, lo = divmod(rest, 1000)
        total = _CHUNK_SUMS[0][hi] + _CHUNK_SUMS[1][mid] + _CHUNK_SUMS[2][lo]
        return f"{n:09d}{_check_from_sum(total)}"

    def _names(
        self, sex: Sex, era: str, tatar: bool, family: tuple[str, str] | None = None
    ) -> tuple[str, str, str]:
        """Last, first and middle name of a person of this sex and generation."""
        rnd = self._rng.random
        p = self._pools
        if family is None:
            fam = p.tatar_families if tatar else p.families
            family = fam[int(rnd() * len(fam))]
        male = sex is Sex.MALE
        if tatar:
            firsts = p.tatar_male_first if male else p.tatar_female_first
        else:
            firsts = (p.male_first if male else p.female_first)[era]
        first = firsts[int(rnd() * len(firsts))]
        return family[0 if male else 1], first, self._patronymic(sex, tatar)

    def _patronymic(self, sex: Sex, tatar: bool, father: str | None = None) -> str:
        rnd = self._rng.random
        p = self._pools
        male = sex is Sex.MALE
        if father is None:
            if not tatar and rnd() < 0.03:
                extra = p.extra_male_patronymics if male else p.extra_female_patronymics
                return extra[int(rnd() * len(extra))]
            fathers = p.tatar_fathers if tatar else p.fathers
            father = fathers[int(rnd() * len(fathers))]
        return p.patronymic[father][0 if male else 1]

    def _address(self, district: District, settlement: str, postcode: str, style: int) -> str:
        r = self._rng
        rnd = r.random
        p = self._pools
        if district.name == "г. Тюмень":
            streets = p.streets_tyumen
        elif district.is_city or settlement.startswith("г."):
            streets = p.streets_city
        else:
            streets = p.streets_village
        street = streets[int(rnd() * len(streets))]
        locality = self._localities[(district.name, settlement)][style]
        if district.is_city or settlement.startswith("г."):
            house = str(self._between(1, 160))
            x = rnd()
            if x < 0.08:
                house += "а"
            elif x < 0.14:
                house += f", корп. {self._between(1, 4)}"
            flat = f", кв. {self._between(1, 280)}" if rnd() < 0.85 else ""
        else:
            house = str(self._between(1, 90))
            flat = f", кв. {self._between(1, 16)}" if rnd() < 0.2 else ""
        return f"{postcode}, Тюменская обл., {locality}, {street}, д. {house}{flat}"

    def _email(self, last_name: str, first_name: str, birth_year: int) -> str:
        r = self._rng
        login = last_name.lower().translate(_TRANSLIT)
        x = r.random()
        if x < 0.4:
            login = f"{first_name.lower().translate(_TRANSLIT)[0]}.{login}"
        elif x < 0.7:
            login = f"{login}{birth_year % 100:02d}"
        else:
            login = f"{login}{self._between(1, 999)}"
        return f"{login}@{_MAIL_DOMAINS[int(r.random() * len(_MAIL_DOMAINS))]}"

    def _person(self, first_received: int, last_received: int) -> FakePerson:
        r = self._rng
        rnd = r.random
        between = self._between

        received_ord = between(first_received, last_received)
        established_ord = received_ord - between(3, 40)

        # Age in whole calendar years: an adult's at the assessment; a child's on the day the
        # data arrives, so that a "ребенок-инвалид" is still under 18 then (and so at the
        # assessment too).
        child = rnd() < 0.15
        if child:
            age = min(int(rnd() * 18), 17)
            anchor = date.fromordinal(received_ord)
        else:
            band = _ADULT_AGES[bisect(_CUM_ADULT_AGES, rnd())]
            age = between(band[0], band[1])
            anchor = date.fromordinal(established_ord)
        latest = _years_before(anchor, age).toordinal()
        earliest = _years_before(anchor, age + 1).toordinal() + 1
        birth_ord = latest - int(rnd() * (latest - earliest + 1))
        if age == 0:
            birth_ord = min(birth_ord, established_ord - 45)
        birth = date.fromordinal(birth_ord)
        era = "young" if birth.year >= 1995 else ("mid" if birth.year >= 1965 else "old")

        sex = Sex.MALE if rnd() < (0.55 if child else 0.5) else Sex.FEMALE
        tatar = rnd() < _TATAR_SHARE
        p = self._pools
        fam = p.tatar_families if tatar else p.families
        family = fam[int(rnd() * len(fam))]
        last_name, first_name, middle_name = self._names(sex, era, tatar, family)

        # Where they live.
        district = self._districts[bisect(self._district_cum, rnd())]
        sett = district.settlements[int(rnd() * len(district.settlements))]
        style = 0 if rnd() < 0.6 else 1
        registration = self._address(district, sett.name, sett.postcode, style)
        if rnd() < 0.85:
            actual = registration
        else:
            other = (
                sett
                if rnd() < 0.8
                else district.settlements[int(rnd() * len(district.settlements))]
            )
            actual = self._address(district, other.name, other.postcode, style)

        # Disability.
        if child:
            group = DisabilityGroup.CHILD
        else:
            x = rnd()
            group = (
                DisabilityGroup.GROUP_I
                if x < 0.25
                else DisabilityGroup.GROUP_II
                if x < 0.8
                else DisabilityGroup.GROUP_III
            )
        selfcare = bisect(_CUM_SELFCARE[group], rnd())
        movement = bisect(_CUM_MOVEMENT[group], rnd())
        mental = rnd() < (0.15 if child else 0.10)
        behaviour = bisect(_CUM_BEH_MENTAL if mental else _CUM_BEH_OTHER, rnd())
        stationary = rnd() < (0.04 if age >= 75 else 0.015)
        first_time = rnd() < 0.9
        received = date.fromordinal(received_ord)
        age_now = (
            received.year - birth.year - ((received.month, received.day) < (birth.month, birth.day))
        )
        veteran = sex is Sex.MALE and 20 <= age_now <= 60 and rnd() < 0.04

        established = date.fromordinal(established_ord)
        ipra_ord = min(established_ord + between(0, 4), received_ord)
        ipra_date = date.fromordinal(ipra_ord)
        ipra_number = f"{between(1, 2400)}.{between(1, 15)}.72/{ipra_date.year}"

        if child:
            probs = _MEASURE_P_CHILD
        elif age < 60:
            probs = _MEASURE_P_WORKING
        else:
            probs = _MEASURE_P_OLDER
        kinds = [k for k, pk in zip(_ALL_KINDS, probs, strict=True) if rnd() < pk]
        if child and age < 14 and MeasureKind.VOCATIONAL in kinds:
            kinds.remove(MeasureKind.VOCATIONAL)
        for needed in (MeasureKind.MEDICAL, MeasureKind.SOCIAL):
            if len(kinds) >= 2:
                break
            if needed not in kinds:
                kinds.append(needed)
        while len(kinds) > 5:
            kinds.pop(int(rnd() * len(kinds)))
        measures = tuple(k for k in _ALL_KINDS if k in kinds)

        # Representative and contacts.
        representative: FakeRepresentative | None = None
        if child:
            representative = self._parent_or_guardian(birth.year, family, tatar)
            if representative.kind is RepresentativeKind.PARENT and representative.sex is Sex.MALE:
                middle_name = self._patronymic(sex, tatar, representative.first_name)
        elif rnd() < (0.35 if mental and behaviour >= 2 else 0.07):
            kind = (
                RepresentativeKind.GUARDIAN
                if mental and behaviour >= 2
                else RepresentativeKind.AUTHORISED
            )
            rsex = Sex.FEMALE if rnd() < 0.65 else Sex.MALE
            rera = "mid" if birth.year < 1995 else "old"
            rl, rf, rm = self._names(rsex, rera, rnd() < _TATAR_SHARE)
            representative = FakeRepresentative(rl, rf, rm, rsex, kind, self._phone())

        if representative is not None and child:
            phone: str | None = representative.phone
        else:
            phone = self._phone() if rnd() < 0.97 else None
        email = (
            self._email(last_name, first_name, birth.year) if not child and rnd() < 0.35 else None
        )

        return FakePerson(
            last_name=last_name,
            first_name=first_name,
            middle_name=middle_name,
            sex=sex,
            birth_date=birth,
            snils=self._snils(),
            district=district.name,
            settlement=sett.name,
            postcode=sett.postcode,
            registration_address=registration,
            actual_address=actual,
            phone=phone,
            email=email,
            group=group,
            disability_established_on=established,
            first_time=first_time,
            selfcare_degree=selfcare,
            movement_degree=movement,
            behaviour_degree=behaviour,
            mental_disorder=mental,
            stationary=stationary,
            veteran_svo=veteran,
            ipra_number=ipra_number,
            ipra_date=ipra_date,
            measures=measures,
            representative=representative,
            received_on=received,
        )

    def _parent_or_guardian(
        self, child_birth_year: int, family: tuple[str, str], tatar: bool
    ) -> FakeRepresentative:
        rnd = self._rng.random
        parent_year = child_birth_year - self._between(20, 40)
        era = "young" if parent_year >= 1995 else ("mid" if parent_year >= 1965 else "old")
        if rnd() < 0.92:
            kind = RepresentativeKind.PARENT
            sex = Sex.FEMALE if rnd() < 0.85 else Sex.MALE
            if sex is Sex.MALE:
                fathers = self._pools.tatar_fathers if tatar else self._pools.fathers
                first = fathers[int(rnd() * len(fathers))]
                middle = self._patronymic(sex, tatar)
                last = family[0]
            else:
                last, first, middle = self._names(sex, era, tatar, family)
        else:
            kind = RepresentativeKind.GUARDIAN
            sex = Sex.FEMALE if rnd() < 0.8 else Sex.MALE
            last, first, middle = self._names(sex, "old" if parent_year < 1975 else era, tatar)
        return FakeRepresentative(last, first, middle, sex, kind, self._phone())
