"""This installation's role, code and keys, and the peers it trusts (issue #11).

``ic init --role provider|centre --code CODE`` makes the installation: an Ed25519 signing
key pair and an X25519 box key pair (PyNaCl), the private halves sealed under the
database key (an encrypted database) or an argon2id passphrase (a plain one), never
plain on disk. Public keys travel as files (``ic keys export``); the other side pins them
only when the fingerprint read over the phone matches (``ic providers add``,
``ic centre pin``).
"""

from __future__ import annotations

import json
import logging
import re
import typing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.domain.enums import InstallationMode, UserRole
from app.domain.package import (
    KeyPairs,
    PackageError,
    PublicKeys,
    b64,
    fingerprint,
    needs_passphrase,
    open_secret,
    read_key_file,
    same_fingerprint,
    seal_secret,
    unb64,
)
from app.errors import UserError
from app.services import access
from app.services.common import audit, current_user
from app.services.files import check_output, write_atomically
from db import models
from db.dialect import lock_tables
from db.session import Database

logger = logging.getLogger(__name__)

MODE_TITLES = {
    InstallationMode.PROVIDER: "поставщик социальных услуг",
    InstallationMode.REGIONAL_CENTRE: "региональный центр",
}
ROLE_ARGUMENTS = {"provider": InstallationMode.PROVIDER, "centre": InstallationMode.REGIONAL_CENTRE}
_CODE = re.compile(r"^[A-Za-z0-9А-Яа-яЁё][A-Za-z0-9А-Яа-яЁё._-]{0,31}$")


@dataclass(frozen=True)
class InstallationInfo:
    mode: InstallationMode
    code: str
    name: str
    district: str | None
    fingerprint: str
    passphrase_needed: bool

    @property
    def is_centre(self) -> bool:
        return self.mode == InstallationMode.REGIONAL_CENTRE

    @property
    def mode_title(self) -> str:
        return MODE_TITLES[self.mode]


@dataclass(frozen=True)
class PeerInfo:
    id: int
    mode: InstallationMode
    code: str
    name: str
    district: str | None
    fingerprint: str
    pinned_at: datetime
    last_sequence: int
    last_received_at: datetime | None


def check_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise UserError(
            f"Код установки «{code}» не подходит: от 1 до 32 букв, цифр, точек, дефисов "
            "и подчёркиваний, например ПСУ-07 или RC."
        )
    return code


def setup_installation(
    db: Database,
    mode: InstallationMode,
    code: str,
    name: str,
    district: str | None = None,
    passphrase: str | None = None,
) -> InstallationInfo:
    """Give this database its role, code and fresh key pairs; once only.

    Asking again with the same role and code changes nothing; another role or code is
    refused (the centre has pinned these keys under this code).
    """
    code = check_code(code)
    name = name.strip()
    if not name:
        raise UserError(
            "Укажите наименование организации (--organisation): оно печатается в отчёте."
        )
    with db.session_factory.begin() as session:
        existing = session.scalar(select(models.Installation))
        if existing is not None:
            if existing.mode != mode or existing.code != code:
                raise UserError(
                    f"Эта база уже настроена для обмена: {MODE_TITLES[existing.mode]}, "
                    f"код {existing.code}. Роль и код не меняются: "
                    "центр закрепил ключи под этим кодом."
                )
            return _info(existing)
        keys = KeyPairs.generate()
        sealed = seal_secret(keys.secret_bytes(), database_key=db.key, passphrase=passphrase)
        row = models.Installation(
            mode=mode,
            code=code,
            name=name,
            district=district,
            sign_public=b64(keys.sign_public),
            box_public=b64(keys.box_public),
            secret_keys=sealed,
            next_sequence=1,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            current_user(session),
            "exchange.setup",
            "installation",
            str(row.uuid),
            mode=str(mode),
            code=code,
        )
        logger.info("exchange installation %s (%s) set up", code, mode)
        return _info(row)


def installation(db: Database) -> InstallationInfo | None:
    with db.session_factory() as session:
        row = session.scalar(select(models.Installation))
        return None if row is None else _info(row)


def require_installation(
    session: Session, mode: InstallationMode | None = None
) -> models.Installation:
    row = session.scalar(select(models.Installation))
    if row is None:
        raise UserError(
            "Эта база не настроена для обмена с региональным центром: "
            "ic init --role provider|centre --code КОД --organisation НАИМЕНОВАНИЕ"
        )
    if mode is not None and row.mode != mode:
        if mode == InstallationMode.REGIONAL_CENTRE:
            raise UserError(
                "Это действие выполняется в региональном центре, а эта база — поставщика."
            )
        raise UserError("Это действие выполняется у поставщика, а эта база — регионального центра.")
    return typing.cast(models.Installation, row)


def _info(row: models.Installation) -> InstallationInfo:
    return InstallationInfo(
        mode=row.mode,
        code=row.code,
        name=row.name,
        district=row.district,
        fingerprint=fingerprint(unb64(row.sign_public), unb64(row.box_public)),
        passphrase_needed=json.loads(row.secret_keys).get("wrap") == "passphrase",
    )


def own_keys(db: Database, row: models.Installation, passphrase: str | None) -> KeyPairs:
    secret = open_secret(row.secret_keys, database_key=db.key, passphrase=passphrase)
    return KeyPairs.from_secret_bytes(secret)


@dataclass(frozen=True)
class KeyRing:
    """This installation's current key pairs and those a rotation replaced (newest first)."""

    current: KeyPairs
    previous: tuple[KeyPairs, ...]

    @property
    def all(self) -> tuple[KeyPairs, ...]:
        return (self.current, *self.previous)

    def signer_for(self, peer: models.ExchangePeer) -> tuple[KeyPairs, dict[str, str] | None]:
        """The keys to sign for ``peer`` and, after a rotation the peer has not pinned yet,
        the new public keys to carry: a package signed by the old key that carries the new
        one (issue #11). A peer that never said which keys it pinned is taken to have the
        current ones (it pinned them from the latest key file)."""
        for keys in self.previous:
            if peer.knows_fingerprint == fingerprint(keys.sign_public, keys.box_public):
                new = {
                    "sign_public": b64(self.current.sign_public),
                    "box_public": b64(self.current.box_public),
                }
                return keys, new
        return self.current, None


def key_ring(db: Database, row: models.Installation, passphrase: str | None) -> KeyRing:
    """The key pairs, opened. Keys sealed under a passphrase on a database encrypted since
    (``ic db encrypt``) move under the database key here, in the caller's transaction."""
    previous = tuple(
        KeyPairs.from_secret_bytes(open_secret(sealed, database_key=db.key, passphrase=passphrase))
        for sealed in json.loads(row.previous_keys or "[]")
    )
    ring = KeyRing(own_keys(db, row, passphrase), previous)
    if db.key is not None and needs_passphrase(row.secret_keys):
        row.secret_keys = seal_secret(
            ring.current.secret_bytes(), database_key=db.key, passphrase=None
        )
        row.previous_keys = json.dumps(
            [seal_secret(k.secret_bytes(), database_key=db.key, passphrase=None) for k in previous]
        )
    return ring


def rotate_keys(db: Database, passphrase: str | None = None) -> InstallationInfo:
    """New key pairs for this installation. The old ones are kept, sealed as before: the
    next package to each peer is signed by them and carries the new public keys, and what
    a peer still seals to the old box key can be opened."""
    access.require(db, UserRole.SUPERVISOR)
    with db.session_factory.begin() as session:
        row = require_installation(session)
        ring = key_ring(db, row, passphrase)
        fresh = KeyPairs.generate()
        previous = [row.secret_keys, *json.loads(row.previous_keys or "[]")]
        row.previous_keys = json.dumps(previous)
        row.secret_keys = seal_secret(
            fresh.secret_bytes(), database_key=db.key, passphrase=passphrase
        )
        row.sign_public = b64(fresh.sign_public)
        row.box_public = b64(fresh.box_public)
        info = _info(row)
        audit(
            session,
            current_user(session),
            "exchange.keys.rotate",
            "installation",
            str(row.uuid),
            fingerprint=info.fingerprint,
            previous=fingerprint(ring.current.sign_public, ring.current.box_public),
        )
        return info


def accept_new_keys(session: Session, peer: models.ExchangePeer, header: dict[str, object]) -> bool:
    """After every check of a package passed: the peer's rotated keys (carried inside a
    package signed by the keys pinned for it) replace the pinned ones; the old signing key
    is retired, still accepted for packages already on their way."""
    known = header.get("recipient_fingerprint")
    if isinstance(known, str):
        peer.knows_fingerprint = known
    new = header.get("new_keys")
    if not isinstance(new, dict):
        return False
    try:
        sign_public = unb64(str(new["sign_public"]), 32)
        box_public = unb64(str(new["box_public"]), 32)
    except (KeyError, ValueError):
        raise PackageError("Новые ключи в пакете повреждены.") from None
    if b64(sign_public) == peer.sign_public and b64(box_public) == peer.box_public:
        return False
    old = peer.fingerprint
    peer.retired_keys = json.dumps([peer.sign_public, *json.loads(peer.retired_keys or "[]")])
    peer.sign_public = b64(sign_public)
    peer.box_public = b64(box_public)
    peer.fingerprint = fingerprint(sign_public, box_public)
    audit(
        session,
        current_user(session),
        "exchange.peer.rotate",
        "exchange_peer",
        str(peer.uuid),
        code=peer.code,
        fingerprint=peer.fingerprint,
        previous=old,
    )
    return True


def public_keys(db: Database) -> PublicKeys:
    with db.session_factory() as session:
        row = require_installation(session)
        return PublicKeys(
            mode=str(row.mode),
            code=row.code,
            name=row.name,
            district=row.district,
            sign_public=unb64(row.sign_public),
            box_public=unb64(row.box_public),
        )


def export_keys(db: Database, out: Path) -> Path:
    """The public keys with the installation's code and name, for the other side."""
    keys = public_keys(db)
    out = check_output(out, db.path)
    text = keys.to_json()
    write_atomically(out, lambda temp: temp.write_text(text, encoding="utf-8"), database=db.path)
    with db.session_factory.begin() as session:
        audit(session, current_user(session), "exchange.keys.export", path=str(out))
    return out


def pin_peer(db: Database, key_file: Path, typed_fingerprint: str) -> PeerInfo:
    """Pin the other side's keys, only if the fingerprint read over the phone matches.

    At the centre this adds a provider; at a provider it pins the centre (one only).
    Pinning the same keys again changes nothing; another key under a pinned code is
    refused (a key rotation arrives inside a signed package instead).
    """
    access.require(db, UserRole.SUPERVISOR)
    keys = read_key_file(key_file)
    if not same_fingerprint(keys.fingerprint, typed_fingerprint):
        raise UserError(
            f"Отпечаток не совпадает с ключами в файле {key_file.name}: ключи не закреплены. "
            "Сверьте все 30 цифр по телефону с тем, кто прислал файл."
        )
    with db.session_factory.begin() as session:
        own = require_installation(session)
        wanted = (
            InstallationMode.PROVIDER
            if own.mode == InstallationMode.REGIONAL_CENTRE
            else InstallationMode.REGIONAL_CENTRE
        )
        if keys.mode != wanted:
            what = "поставщика" if wanted == InstallationMode.PROVIDER else "регионального центра"
            raise UserError(f"{key_file.name}: это ключи не {what} (код {keys.code}).")
        if keys.code == own.code:
            raise UserError(f"{key_file.name}: это ключи этой же установки ({own.code}).")
        peer = session.scalar(
            select(models.ExchangePeer).where(models.ExchangePeer.code == keys.code)
        )
        if peer is not None:
            if (
                unb64(peer.sign_public) == keys.sign_public
                and unb64(peer.box_public) == keys.box_public
            ):
                return _peer_info(peer)
            raise UserError(
                f"Код {keys.code} уже закреплён за другими ключами (отпечаток {peer.fingerprint}). "
                "Две установки не могут работать под одним кодом."
            )
        if wanted == InstallationMode.REGIONAL_CENTRE:
            other = session.scalar(select(models.ExchangePeer))
            if other is not None:
                raise UserError(f"Центр уже закреплён: {other.name} (код {other.code}).")
        # max + 1 under a lock: two keys taken at once on a server get two places (#15).
        lock_tables(session.connection(), [models.ExchangePeer.__table__])
        position = session.scalar(select(func.coalesce(func.max(models.ExchangePeer.position), 0)))
        peer = models.ExchangePeer(
            mode=InstallationMode(keys.mode),
            code=keys.code,
            name=keys.name,
            district=keys.district,
            sign_public=b64(keys.sign_public),
            box_public=b64(keys.box_public),
            fingerprint=keys.fingerprint,
            position=int(position or 0) + 1,
            pinned_at=clock.now_utc(),
            last_sequence=0,
        )
        session.add(peer)
        session.flush()
        audit(
            session,
            current_user(session),
            "exchange.peer.pin",
            "exchange_peer",
            str(peer.uuid),
            code=keys.code,
            fingerprint=keys.fingerprint,
        )
        return _peer_info(peer)


def peers(db: Database) -> list[PeerInfo]:
    with db.session_factory() as session:
        rows = session.scalars(select(models.ExchangePeer).order_by(models.ExchangePeer.position))
        return [_peer_info(row) for row in rows]


def _peer_info(row: models.ExchangePeer) -> PeerInfo:
    return PeerInfo(
        id=row.id,
        mode=row.mode,
        code=row.code,
        name=row.name,
        district=row.district,
        fingerprint=row.fingerprint,
        pinned_at=row.pinned_at,
        last_sequence=row.last_sequence,
        last_received_at=row.last_received_at,
    )


def peer_sign_keys(peer: models.ExchangePeer) -> list[bytes]:
    """The pinned signing key, then former ones a rotation retired (newest first)."""
    keys = [unb64(peer.sign_public)]
    keys += [unb64(k) for k in json.loads(peer.retired_keys or "[]")]
    return keys


__all__ = ["PackageError"]
