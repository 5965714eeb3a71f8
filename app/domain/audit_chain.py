"""The audit trail's hash chain: each event's hash covers the previous hash and its content.

Pure functions, shared by the service that writes events, `ic check` that verifies them and
the migration that chained the events written before the chain existed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS = ""  # the previous hash of the first event


def stamp_text(at: datetime | str) -> str:
    """The instant as SQLite stores a UTC column: ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    if isinstance(at, str):
        return at
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def event_hash(
    prev_hash: str,
    uuid_hex: str,
    at: datetime | str,
    action: str,
    entity: str | None,
    entity_uuid: str | None,
    details: str | None,
    user_id: int | None,
) -> str:
    """SHA-256 (hex) of the previous hash and the event, in a canonical JSON form."""
    content = json.dumps(
        [
            prev_hash,
            uuid_hex.replace("-", "").lower(),
            stamp_text(at),
            action,
            entity,
            entity_uuid,
            details,
            user_id,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
