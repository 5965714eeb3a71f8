"""Names of people: the printed full name and the key search matches against."""

from __future__ import annotations


def full_name(last: str, first: str, middle: str | None = None) -> str:
    """ "Фамилия Имя Отчество", skipping empty parts."""
    return " ".join(part.strip() for part in (last, first, middle or "") if part and part.strip())


def search_key(text: str) -> str:
    """Lower case, "ё" as "е", single spaces: what search-as-you-type compares."""
    return " ".join(text.lower().replace("ё", "е").split())
