"""Reference data shipped in resources/: districts of the region, kinds of measures, fonts."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.domain.enums import MeasureKind

CITY_OKRUG = "городской округ"
MUNICIPAL_OKRUG = "муниципальный округ"


@dataclass(frozen=True, slots=True)
class Settlement:
    """A town or village with the postcode of its post office."""

    name: str
    postcode: str


@dataclass(frozen=True, slots=True)
class District:
    """A municipal formation of the Tyumen Region.

    ``name`` is the form printed and stored ("г. Тюмень", "Абатский муниципальный округ");
    ``short_name`` is its stem ("Тюмень", "Абатский"); ``weight`` is the relative population.
    """

    name: str
    kind: str
    centre: str
    postcode: str
    settlements: tuple[Settlement, ...]
    weight: float
    short_name: str = ""
    former_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def is_city(self) -> bool:
        return self.kind == CITY_OKRUG


def resources_dir() -> Path:
    """The resources folder: next to app/ in a checkout, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def _load_json(relative: str) -> Any:
    with (resources_dir() / relative).open(encoding="utf-8") as f:
        return json.load(f)


@cache
def districts() -> tuple[District, ...]:
    """All municipal formations of the region, cities first, as in districts.json."""
    raw = _load_json("reference/districts.json")
    return tuple(
        District(
            name=d["name"],
            kind=d["kind"],
            centre=d["centre"],
            postcode=d["postcode"],
            settlements=tuple(Settlement(s["name"], s["postcode"]) for s in d["settlements"]),
            weight=float(d["weight"]),
            short_name=d["short_name"],
            former_names=tuple(d["former_names"]),
            aliases=tuple(d["aliases"]),
        )
        for d in raw["districts"]
    )


def district_names() -> tuple[str, ...]:
    return tuple(d.name for d in districts())


# Words that say what kind of formation it is or which region, not which one.
_DISTRICT_NOISE = frozenset(
    {
        "г",
        "гор",
        "город",
        "городской",
        "го",
        "муниципальный",
        "муниципальное",
        "образование",
        "мун",
        "мо",
        "мр",
        "округ",
        "район",
        "р-н",
        "рн",
        "тюменской",
        "тюменская",
        "области",
        "область",
        "обл",
    }
)
_WORD = re.compile(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*")
# Abbreviations written letter by letter with dots: "г.о." is "го", "м.р." is "мр".
_DOTTED_ABBREVIATION = re.compile(r"\b([а-я])\.\s?([а-я])\.")


def _join_abbreviation(match: re.Match[str]) -> str:
    joined = match[1] + match[2]
    # Only a known one: "г. г. Тюмень" is two "г", not a word "гг".
    return f"{joined} " if joined in _DISTRICT_NOISE else match[0]


def _district_key(text: str) -> str:
    text = _DOTTED_ABBREVIATION.sub(_join_abbreviation, text.lower().replace("ё", "е"))
    words = _WORD.findall(text)
    return " ".join(w for w in words if w not in _DISTRICT_NOISE)


@cache
def _district_index() -> dict[str, District]:
    index: dict[str, District] = {}
    for d in districts():
        for text in (d.name, d.short_name, *d.former_names, *d.aliases):
            key = _district_key(text)
            if key:
                index.setdefault(key, d)
    return index


def find_district(text: str) -> District | None:
    """The district a free-text name points to, or None when it points to none.

    Case, "ё", dots and the kind of formation do not matter: "г. Тюмень" and "Тюмень" are
    the city, "Тюменский р-н" and "Тюменский муниципальный округ" the district around it.
    """
    key = _district_key(text)
    if not key:
        return None
    return _district_index().get(key)


def font_path(name: str) -> Path:
    """A font file in resources/fonts, e.g. ``font_path("PTSerif-Regular.ttf")``."""
    if name in ("", ".", "..") or Path(name).name != name:
        raise ValueError(f"font name must be a bare file name: {name!r}")
    path = resources_dir() / "fonts" / name
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


_MEASURE_PUNCTUATION = re.compile(r"[.,;:()\"«»]")
_AROUND_HYPHEN = re.compile(r"\s*-\s*")
_SPACES = re.compile(r"\s+")


def normalise_measure(text: str) -> str:
    """The form in which spellings of a measure kind are compared."""
    s = _MEASURE_PUNCTUATION.sub(" ", text.lower().replace("ё", "е"))
    s = _AROUND_HYPHEN.sub("-", s)
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True, slots=True)
class MeasureKindInfo:
    kind: MeasureKind
    route_title: str
    short_title: str
    spellings: tuple[str, ...]


@cache
def measure_kinds() -> dict[MeasureKind, MeasureKindInfo]:
    """The seven kinds in Appendix 2 order, with the spellings people write."""
    raw = _load_json("reference/measure_kinds.json")["kinds"]
    return {
        kind: MeasureKindInfo(
            kind=kind,
            route_title=raw[kind.value]["route_title"],
            short_title=raw[kind.value]["short_title"],
            spellings=tuple(raw[kind.value]["spellings"]),
        )
        for kind in MeasureKind
    }


@cache
def _measure_spellings() -> dict[str, MeasureKind]:
    result: dict[str, MeasureKind] = {}
    for info in measure_kinds().values():
        for text in (info.short_title, info.route_title, *info.spellings):
            key = normalise_measure(text)
            other = result.setdefault(key, info.kind)
            if other is not info.kind:
                raise ValueError(f"spelling {text!r} is given for both {other} and {info.kind}")
    return result


def measure_spellings() -> dict[str, MeasureKind]:
    """Known spellings, normalised with :func:`normalise_measure`, to the kind they mean."""
    return dict(_measure_spellings())


def find_measure(text: str) -> MeasureKind | None:
    """The kind one spelling means ("мед.", "ТСР (федеральные)"), or None if unknown."""
    return _measure_spellings().get(normalise_measure(text))
