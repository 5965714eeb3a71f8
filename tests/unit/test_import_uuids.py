"""UUIDs of rows written by the extract import: version 7, unique, in time order."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from app import clock
from app.services.extract_import import _new_uuids


@given(st.integers(min_value=1, max_value=9000))
def test_time_ordered_uuids_are_valid_unique_and_sorted(count: int) -> None:
    before = int(clock.now_utc().timestamp() * 1000)
    values = [uuid.UUID(text) for text in _new_uuids(count)]
    assert all(v.version == 7 and v.variant == uuid.RFC_4122 for v in values)
    assert len(set(values)) == count
    assert values == sorted(values)  # appended to the index, not scattered over it
    stamp = values[0].int >> 80
    assert before <= stamp <= int(clock.now_utc().timestamp() * 1000)
