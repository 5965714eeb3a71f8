"""Pieces every use case shares: the author of a change and the audit trail."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from db.models import AuditEvent, Setting, User

PROFILE_KEY = "profile.user_id"
DEFAULT_PROFILE_NAME = "Интеграционный консультант"


def now_utc() -> datetime:
    return clock.now_utc()


def current_user(session: Session) -> User:
    """The local profile: until sign-in exists it is the author of every change."""
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
    """Record who did what; ``details`` must be JSON-serialisable."""
    session.add(
        AuditEvent(
            at=now_utc(),
            action=action,
            entity=entity,
            entity_uuid=entity_uuid,
            details=json.dumps(details, ensure_ascii=False, default=str) if details else None,
            created_by_id=user.id,
            updated_by_id=user.id,
        )
    )
