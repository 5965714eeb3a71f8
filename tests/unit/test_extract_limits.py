"""The small rules under the extract reader's limits: column names, headings, delimiters."""

from __future__ import annotations

import pytest

from app.services import extract_parse as xp


@pytest.mark.parametrize(
    ("number", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (28, "AB"), (200, "GR"), (702, "ZZ"), (703, "AAA"),
     (16_384, "XFD")],
)  # fmt: skip
def test_column_letters_as_excel_names_them(number: int, letters: str) -> None:
    assert xp.column_letters(number) == letters
    cache: dict[str, int] = {}
    assert xp._column_number(letters, cache) == number
    assert (letters in cache) == (number <= xp.MAX_COLUMNS)  # a forger's columns aren't kept


@pytest.mark.parametrize("letters", ["", "1A", "A-", "Ж", "A B"])
def test_a_cell_reference_without_letters_is_a_bad_value(letters: str) -> None:
    with pytest.raises(ValueError):
        xp._column_number(letters, {})


def test_a_reference_past_excel_s_last_column_is_not_worked_out() -> None:
    assert xp._column_number("ZZZZZZ", {}) > xp.MAX_COLUMNS
    assert xp._column_number("A" * 10_000, {}) > xp.MAX_COLUMNS


def test_header_matches_counts_known_headings_only() -> None:
    assert xp.header_matches(["ФИО", "дата рождения ", "С.Н.И.Л.С.", "Примечание", None, 7]) == 3


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("ФИО;Дата рождения;Группа\nА;1,2,3,4,5;I", ";"),  # commas in values: headings win
        ("ФИО,Дата рождения,Группа инвалидности;x", ","),
        ("ФИО\tДата рождения\tСНИЛС", "\t"),  # Excel's "Юникод-текст"
        ("a;b,c", ";"),  # no headings: the commoner, ";" on a tie
        ("a,b,c;d", ","),
    ],
)
def test_the_delimiter_is_the_one_that_makes_a_header_row(sample: str, delimiter: str) -> None:
    assert xp._delimiter(sample) == delimiter
