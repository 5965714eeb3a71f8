"""The consultant's profile: the author of changes and "developed by" of documents."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import ValidationError
from app.services.common import audit, current_user
from db.models import User
from db.session import Database


@dataclass(frozen=True)
class UserProfile:
    id: int
    uuid: str
    full_name: str
    position: str
    organisation: str
    phone: str
    email: str

    @property
    def signature(self) -> str:
        """The "developed by" line of Appendices 2 and 3: name, position, organisation, phone."""
        parts = [self.full_name, self.position, self.organisation, self.phone]
        return ", ".join(p for p in parts if p)


def _profile(user: User) -> UserProfile:
    return UserProfile(
        id=user.id,
        uuid=str(user.uuid),
        full_name=user.full_name,
        position=user.position or "",
        organisation=user.organisation or "",
        phone=user.phone or "",
        email=user.email or "",
    )


def get_profile(db: Database) -> UserProfile:
    with db.session_factory.begin() as session:
        return _profile(current_user(session))


def update_profile(
    db: Database,
    *,
    full_name: str,
    position: str = "",
    organisation: str = "",
    phone: str = "",
    email: str = "",
) -> UserProfile:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError("Укажите Ф.И.О. специалиста в профиле.")
    with db.session_factory.begin() as session:
        user = current_user(session)
        user.full_name = full_name
        user.position = position.strip() or None
        user.organisation = organisation.strip() or None
        user.phone = phone.strip() or None
        user.email = email.strip() or None
        user.updated_by_id = user.id
        audit(session, user, "profile.update", "app_user", str(user.uuid))
        session.flush()
        return _profile(user)
