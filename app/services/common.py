"""Pieces every use case shares: the author of a change and the audit trail."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app import clock
from app.domain.audit_chain import GENESIS, event_hash
from app.domain.masking import mask_snils
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
    user: User | None,
    action: str,
    entity: str | None = None,
    entity_uuid: str | None = None,
    **details: Any,
) -> None:
    """Record who did what; ``details`` must be JSON-serialisable.

    The event joins the hash chain: its hash covers the newest event's hash. Within one
    transaction the newest is remembered in ``session.info`` (events added during a flush
    are not queryable yet); they are inserted in the order they were added, so ids follow
    the chain.
    """
    prev = session.info.get(_TAIL)
    if prev is None:
        prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        uuid=uuid.uuid4(),
        at=now_utc(),
        action=action,
        entity=entity,
        entity_uuid=entity_uuid,
        details=json.dumps(details, ensure_ascii=False, default=str) if details else None,
        created_by_id=user.id if user is not None else None,
        updated_by_id=user.id if user is not None else None,
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
        user.id if user is not None else None,
    )
    session.add(event)
    session.info[_TAIL] = event.hash


_TAIL = "audit_chain_tail"
_CREATED = "created_in_transaction"
# Bookkeeping columns every write touches: not worth an audit line of their own.
_NOT_AUDITED = {"updated_at", "updated_by_id", "search_name"}


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_tail(session: Session) -> None:
    session.info.pop(_TAIL, None)
    session.info.pop(_CREATED, None)


@event.listens_for(Session, "after_flush")
def _remember_created(session: Session, _context: Any) -> None:
    # A record made in this transaction and filled in later is one creation, not updates.
    # Keyed by id() but holding the object itself: while it is held its id cannot be
    # reused by a record loaded later in the transaction (whose update must be audited).
    session.info.setdefault(_CREATED, {}).update((id(o), o) for o in session.new)


@event.listens_for(Session, "before_flush")
def _record_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Every update and deletion through the ORM is audited field by field (old → new).

    СНИЛС values are kept as their last two digits. Bulk writes of the extract import and
    the demo go through SQL, not the ORM; the import records its own batch event.
    """
    created = session.info.get(_CREATED, {})
    changed = [o for o in session.dirty if not isinstance(o, AuditEvent) and id(o) not in created]
    deleted = [o for o in session.deleted if not isinstance(o, AuditEvent)]
    deleted += _orphans(session, deleted)
    if not changed and not deleted:
        return
    user = _author_without_writing(session)  # a flush is under way: nothing may be added
    for obj in changed:
        state = inspect(obj)
        fields = []
        for attr in state.mapper.column_attrs:
            if attr.key in _NOT_AUDITED:
                continue
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            if "snils" in attr.key:
                old, new = mask_snils(old), mask_snils(new)
            fields.append({"field": attr.key, "old": old, "new": new})
        if fields:
            audit(
                session,
                user,
                "record.update",
                state.mapper.local_table.name,
                _uuid_text(obj),
                changes=fields,
            )
    for obj in deleted:
        audit(session, user, "record.delete", inspect(obj).mapper.local_table.name, _uuid_text(obj))


def _orphans(session: Session, deleted: list[object]) -> list[object]:
    """Stored records taken out of a "delete-orphan" collection (a route's line, a plan's
    question, a representative): the flush deletes them, but they are not yet in
    ``session.deleted`` when it starts, so they are found on their parents.
    """
    seen = {id(o) for o in deleted}
    orphans: list[object] = []
    for parent in session.dirty:
        state = inspect(parent)
        for relation in state.mapper.relationships:
            if not relation.cascade.delete_orphan:
                continue
            for child in state.attrs[relation.key].history.deleted:
                child_state = inspect(child)
                if child_state.key is None or id(child) in seen:
                    continue  # never stored, or deleted already
                back = relation.back_populates
                if back and getattr(child, back, None) is not None:
                    continue  # moved to another parent, not deleted
                seen.add(id(child))
                orphans.append(child)
    return orphans


def _author_without_writing(session: Session) -> User | None:
    """The author as ``current_user`` finds it, but never creating the local profile."""
    signed_in = session.info.get("user_id")
    if signed_in is not None:
        return session.get(User, int(signed_in))
    setting = session.scalar(select(Setting).where(Setting.key == PROFILE_KEY))
    if setting is not None:
        user = session.get(User, int(json.loads(setting.value)))
        if user is not None:
            return user
    return session.scalar(select(User).where(User.active.is_(True)).order_by(User.id))


def _uuid_text(obj: object) -> str | None:
    value = getattr(obj, "uuid", None)
    return str(value) if value is not None else None
