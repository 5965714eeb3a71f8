"""Pieces every use case shares: the author of a change and the audit trail."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.domain.audit_chain import GENESIS, event_hash
from app.errors import UserError
from db.models import AuditEvent, Setting, User

PROFILE_KEY = "profile.user_id"
DEFAULT_PROFILE_NAME = "Интеграционный консультант"


def now_utc() -> datetime:
    return clock.now_utc()


def current_user(session: Session) -> User:
    """The author of every change: who signed in, else the local profile.

    An encrypted database is opened by signing in (app/services/access.py), which puts the
    user's id in the session's ``info``; an unencrypted one has the one local profile.
    """
    signed_in = session.info.get("user_id")
    if signed_in is not None:
        user = session.get(User, int(signed_in))
        if user is None or not user.active:
            raise UserError("Пользователь отключён или удалён: войдите заново.")
        return user
    setting = session.scalar(select(Setting).where(Setting.key == PROFILE_KEY))
    if setting is not None:
        user = session.get(User, int(json.loads(setting.value)))
        if user is not None:
            return user
    user = session.scalar(select(User).where(User.active.is_(True)).order_by(User.id))
    if user is None:
        user = User(full_name=DEFAULT_PROFILE_NAME, active=True)
        session.add(user)
        session.flush()
    if setting is None:
        session.add(Setting(key=PROFILE_KEY, value=json.dumps(user.id)))
    else:
        setting.value = json.dumps(user.id)
    session.flush()
    return user


def audit(
    session: Session,
    user: User,
    action: str,
    entity: str | None = None,
    entity_uuid: str | None = None,
    **details: Any,
) -> None:
    """Record who did what; ``details`` must be JSON-serialisable.

    The event joins the hash chain: its hash covers the newest event's hash (the query
    flushes events added earlier in this transaction first, so they chain in order).
    """
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        uuid=uuid.uuid4(),
        at=now_utc(),
        action=action,
        entity=entity,
        entity_uuid=entity_uuid,
        details=json.dumps(details, ensure_ascii=False, default=str) if details else None,
        created_by_id=user.id,
        updated_by_id=user.id,
    )
    event.prev_hash = prev or GENESIS
    event.hash = event_hash(
        event.prev_hash,
        event.uuid.hex,
        event.at,
        action,
        entity,
        entity_uuid,
        event.details,
        user.id,
    )
    session.add(event)
