"""Names of people: the printed full name and the key search matches against."""

from __future__ import annotations


def full_name(last: str, first: str, middle: str | None = None) -> str:
    """ "Фамилия Имя Отчество", skipping empty parts."""
    return " ".join(part.strip() for part in (last, first, middle or "") if part and part.strip())


def search_key(text: str) -> str:
    """Lower case, "ё" as "е", single spaces: what search-as-you-type compares."""
    return " ".join(text.lower().replace("ё", "е").split())


_NOT_IN_FILE_NAMES = str.maketrans({ch: "_" for ch in '<>:"/\\|?*'})


def document_file_name(kind: str, last: str, first: str, middle: str | None, month: str) -> str:
    """«Маршрут_Иванов_И_И_2026-11»: the kind, the surname, the initials and the month —
    the default name of a document's file (issue #12), without a character Windows refuses."""
    initials = [part.strip()[0].upper() for part in (first, middle or "") if part.strip()]
    parts = [kind, "-".join(last.split()), *initials, month]
    return "_".join(p for p in parts if p).translate(_NOT_IN_FILE_NAMES)
