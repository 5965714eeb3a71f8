"""Reference data in resources/: districts and how free text finds them, fonts, measure kinds."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.pdfbase.ttfonts import TTFont

from app.domain.enums import MeasureKind
from app.reference import (
    CITY_OKRUG,
    MUNICIPAL_OKRUG,
    District,
    district_names,
    districts,
    find_district,
    find_measure,
    font_path,
    measure_kinds,
    measure_spellings,
    normalise_measure,
    resources_dir,
)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
RAW_DISTRICTS = json.loads(
    (RESOURCES / "reference" / "districts.json").read_text(encoding="utf-8")
)["districts"]
RAW_MEASURES = json.loads(
    (RESOURCES / "reference" / "measure_kinds.json").read_text(encoding="utf-8")
)["kinds"]
FONT_FILES = sorted(p.name for p in (RESOURCES / "fonts").glob("*.ttf"))

# The full Russian alphabet with Ё/ё and the numero sign, as printed in routes and plans.
RUSSIAN = "".join(chr(c) for c in range(0x0410, 0x0450)) + "Ёё№"


def raw_spellings_of(raw: dict[str, Any]) -> list[str]:
    """Every way districts.json names one district."""
    return [raw["name"], raw["short_name"], *raw["former_names"], *raw["aliases"]]


# -- districts -------------------------------------------------------------------------


def test_resources_dir_is_the_checkout_folder() -> None:
    assert resources_dir() == RESOURCES


def test_districts_mirror_the_json_file_in_order() -> None:
    loaded = districts()
    assert [d.name for d in loaded] == [raw["name"] for raw in RAW_DISTRICTS]
    assert district_names() == tuple(raw["name"] for raw in RAW_DISTRICTS)
    for d, raw in zip(loaded, RAW_DISTRICTS, strict=True):
        assert d.kind == raw["kind"]
        assert d.centre == raw["centre"]
        assert d.postcode == raw["postcode"]
        assert d.weight == float(raw["weight"])
        assert d.short_name == raw["short_name"]
        assert d.former_names == tuple(raw["former_names"])
        assert d.aliases == tuple(raw["aliases"])
        assert [(s.name, s.postcode) for s in d.settlements] == [
            (s["name"], s["postcode"]) for s in raw["settlements"]
        ]


def test_the_region_has_four_cities_first_then_twenty_two_okrugs() -> None:
    kinds = [d.kind for d in districts()]
    assert kinds == [CITY_OKRUG] * 4 + [MUNICIPAL_OKRUG] * 22
    assert [d.name for d in districts() if d.is_city] == [
        "г. Тюмень",
        "г. Тобольск",
        "г. Ишим",
        "г. Ялуторовск",
    ]
    assert len(set(district_names())) == len(districts())


@pytest.mark.parametrize("district", districts(), ids=lambda d: d.short_name)
def test_every_district_is_well_formed(district: District) -> None:
    d = district
    assert d.weight > 0
    assert d.settlements, "the people generator picks a settlement in every district"
    postcodes = [d.postcode, *(s.postcode for s in d.settlements)]
    # Post offices of the Tyumen Region are numbered 625xxx-627xxx.
    assert all(re.fullmatch(r"62[5-7]\d{3}", code) for code in postcodes), postcodes
    assert all(s.name.strip() == s.name and s.name for s in d.settlements)
    if d.is_city:
        assert d.name == f"г. {d.short_name}"
    else:
        assert d.name == f"{d.short_name} {MUNICIPAL_OKRUG}"


def test_tyumen_holds_most_of_the_population() -> None:
    weights = {d.name: d.weight for d in districts()}
    assert max(weights, key=weights.__getitem__) == "г. Тюмень"
    assert weights["г. Тюмень"] / sum(weights.values()) == pytest.approx(0.53, abs=0.05)


@pytest.mark.parametrize(
    ("raw", "text"),
    [(raw, text) for raw in RAW_DISTRICTS for text in raw_spellings_of(raw)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_name_in_the_file_finds_its_district(raw: dict[str, Any], text: str) -> None:
    found = find_district(text)
    assert found is not None, text
    assert found.name == raw["name"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("г. Тюмень", "г. Тюмень"),
        ("Тюмень", "г. Тюмень"),
        ("город Тюмень", "г. Тюмень"),
        ("г.Тюмень", "г. Тюмень"),
        ("  ТЮМЕНЬ ", "г. Тюмень"),
        ("городской округ город Тюмень", "г. Тюмень"),
        ("г.о. Ишим", "г. Ишим"),
        ("г. о. Ишим", "г. Ишим"),
        ("г. г. Тюмень", "г. Тюмень"),
        ("г.о.г. Тюмень", "г. Тюмень"),
        ("м.о. Ялуторовский", "Ялуторовский муниципальный округ"),
        ("Тюменский р-н", "Тюменский муниципальный округ"),
        ("Тюменский район", "Тюменский муниципальный округ"),
        ("тюменский муниципальный район Тюменской области", "Тюменский муниципальный округ"),
        ("Тюменский м.р.", "Тюменский муниципальный округ"),
        ("Тобольский МО", "Тобольский муниципальный округ"),
        ("г. Тобольск", "г. Тобольск"),
        ("Ишим", "г. Ишим"),
        ("Ишимский р-н", "Ишимский муниципальный округ"),
        ("Ялуторовск", "г. Ялуторовск"),
        ("Ялуторовский район", "Ялуторовский муниципальный округ"),
        ("Заводоуковск", "Заводоуковский муниципальный округ"),
        ("Голышмановский городской округ", "Голышмановский муниципальный округ"),
        ("Сорокинский", "Сорокинский муниципальный округ"),
        ("Ярковский район", "Ярковский муниципальный округ"),
    ],
)
def test_usual_spellings_find_the_district(text: str, expected: str) -> None:
    found = find_district(text)
    assert found is not None, text
    assert found.name == expected


def test_the_city_and_the_district_around_it_stay_apart() -> None:
    for city, okrug in (
        ("Тюмень", "Тюменский"),
        ("Тобольск", "Тобольский"),
        ("Ишим", "Ишимский"),
        ("Ялуторовск", "Ялуторовский"),
    ):
        a, b = find_district(f"г. {city}"), find_district(f"{okrug} р-н")
        assert a is not None and b is not None
        assert a.is_city and not b.is_city
        assert a != b


def test_yo_and_e_are_the_same_letter() -> None:
    # No district name has "ё" today: the key must fold it anyway, both ways.
    assert find_district("Тюмёнь") == find_district("Тюмень")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "г.",
        "муниципальный округ",
        "Тюменская область",
        "Москва",
        "г. Екатеринбург",
        "Тюменский Ишимский",
        "Курганский р-н",
        "-",
    ],
)
def test_unknown_or_empty_text_finds_nothing(text: str) -> None:
    assert find_district(text) is None


@given(st.text(alphabet="абвгдежзийклмнопрстуфхцчшщыэюя .-", max_size=30))
def test_find_district_never_fails_and_finds_only_real_districts(text: str) -> None:
    found = find_district(text)
    assert found is None or found in districts()


@given(
    st.sampled_from([(raw, t) for raw in RAW_DISTRICTS for t in raw_spellings_of(raw)]),
    st.sampled_from(["", "г. ", "город ", "МО "]),
    st.sampled_from(["", " р-н", " район", " муниципальный округ", ", Тюменская обл."]),
    st.booleans(),
)
def test_case_and_kind_words_do_not_matter(
    pair: tuple[dict[str, Any], str], prefix: str, suffix: str, upper: bool
) -> None:
    raw, text = pair
    written = f"{prefix}{text}{suffix}"
    found = find_district(written.upper() if upper else written)
    assert found is not None, written
    assert found.name == raw["name"]


# -- fonts -----------------------------------------------------------------------------


def test_the_six_pt_fonts_are_shipped() -> None:
    assert FONT_FILES == [
        "PTSans-Bold.ttf",
        "PTSans-Regular.ttf",
        "PTSerif-Bold.ttf",
        "PTSerif-BoldItalic.ttf",
        "PTSerif-Italic.ttf",
        "PTSerif-Regular.ttf",
    ]


@pytest.mark.parametrize("name", FONT_FILES)
def test_every_font_loads_in_reportlab_with_the_russian_alphabet(name: str) -> None:
    path = font_path(name)
    assert path == RESOURCES / "fonts" / name
    font = TTFont(name.removesuffix(".ttf"), str(path))
    covered = font.face.charToGlyph
    missing = [ch for ch in RUSSIAN if ord(ch) not in covered]
    assert not missing, f"{name} lacks {''.join(missing)}"
    # A glyph id of 0 is .notdef: present in the table but printed as a box.
    assert all(covered[ord(ch)] != 0 for ch in RUSSIAN)
    assert font.stringWidth("Маршрут № 1 — Ёлкин", 12) > 0


@pytest.mark.parametrize(
    "name",
    [
        "../reference/districts.json",
        "..",
        ".",
        "",
        "fonts/PTSans-Regular.ttf",
        "/etc/passwd",
        str(RESOURCES / "fonts" / "PTSans-Regular.ttf"),
        "sub/../PTSans-Regular.ttf",
    ],
)
def test_font_path_refuses_anything_but_a_bare_file_name(name: str) -> None:
    with pytest.raises(ValueError, match="bare file name"):
        font_path(name)


def test_font_path_of_a_missing_font_raises() -> None:
    with pytest.raises(FileNotFoundError):
        font_path("Arial.ttf")
    with pytest.raises(FileNotFoundError):
        font_path("README")  # README.md is there, README is not


# -- measure kinds ---------------------------------------------------------------------


def test_measure_kinds_are_the_seven_in_appendix_order() -> None:
    kinds = measure_kinds()
    assert list(kinds) == list(MeasureKind)
    for kind, info in kinds.items():
        assert info.kind is kind
        # The JSON and the enum word the route rows the same way.
        assert info.route_title == kind.route_title == RAW_MEASURES[kind.value]["route_title"]
        assert info.short_title == kind.short_title == RAW_MEASURES[kind.value]["short_title"]
        assert info.spellings == tuple(RAW_MEASURES[kind.value]["spellings"])
    assert set(RAW_MEASURES) == {k.value for k in MeasureKind}


@pytest.mark.parametrize(
    ("kind", "spelling"),
    [
        (kind, text)
        for kind in MeasureKind
        for text in (
            RAW_MEASURES[kind.value]["short_title"],
            RAW_MEASURES[kind.value]["route_title"],
            *RAW_MEASURES[kind.value]["spellings"],
        )
    ],
    ids=lambda v: str(v),
)
def test_every_spelling_in_the_file_means_its_kind(kind: MeasureKind, spelling: str) -> None:
    assert find_measure(spelling) is kind
    assert find_measure(spelling.upper()) is kind
    assert find_measure(f"  {spelling}. ") is kind
    assert measure_spellings()[normalise_measure(spelling)] is kind


def test_no_spelling_is_claimed_by_two_kinds() -> None:
    seen: dict[str, str] = {}
    for value, raw in RAW_MEASURES.items():
        for text in (raw["short_title"], raw["route_title"], *raw["spellings"]):
            key = normalise_measure(text)
            assert seen.setdefault(key, value) == value, text
    assert set(measure_spellings()) == set(seen)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Мед.", MeasureKind.MEDICAL),
        ("ТСР (федеральные)", MeasureKind.DEVICES_FEDERAL),
        ("тср  федеральные", MeasureKind.DEVICES_FEDERAL),
        ("«ТСР региональные»", MeasureKind.DEVICES_REGIONAL),
        ("психолого - педагогическая", MeasureKind.PSYCHO_PEDAGOGICAL),
        ("Психолого-педагогическая", MeasureKind.PSYCHO_PEDAGOGICAL),
        ("ТСР за счёт средств областного бюджета", MeasureKind.DEVICES_REGIONAL),
        ("Социокультурная", MeasureKind.SOCIAL),
        ("афк", MeasureKind.SPORT),
    ],
)
def test_usual_variants_find_the_kind(text: str, kind: MeasureKind) -> None:
    assert find_measure(text) is kind


@pytest.mark.parametrize(
    "text", ["ТСР", "тср.", "(ТСР)", "", "  ", "реабилитация", "мероприятия", "хирургия"]
)
def test_a_bare_tsr_or_unknown_word_means_no_kind(text: str) -> None:
    # "ТСР" alone does not say federal or regional: it must not be guessed.
    assert find_measure(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  ТСР (Федеральные)  ", "тср федеральные"),
        ("Психолого - педагогическая", "психолого-педагогическая"),
        ("мед.", "мед"),
        ("«Ёлка»;  и:  всё,", "елка и все"),
    ],
)
def test_normalise_measure(text: str, expected: str) -> None:
    assert normalise_measure(text) == expected


@given(st.text(max_size=40))
def test_normalise_measure_is_idempotent(text: str) -> None:
    once = normalise_measure(text)
    assert normalise_measure(once) == once
    assert once == once.strip()
    assert "  " not in once


def test_measure_spellings_is_a_copy() -> None:
    spellings = measure_spellings()
    spellings["тср"] = MeasureKind.DEVICES_FEDERAL
    assert find_measure("ТСР") is None
