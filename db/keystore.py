"""Key slots of an encrypted database: the random SQLCipher key, wrapped once per password.

The database key is 32 random bytes given to SQLCipher as a raw key. It is never stored as
is: a file beside the database (``ic.sqlite.keys``, JSON, readable only by its owner) holds
it wrapped (XSalsa20-Poly1305, PyNaCl's SecretBox) under a key derived from each user's
password with argon2id, and once more under the recovery key printed at set-up. Changing a
password rewraps one slot; the database file is never re-encrypted for it.

A wrong password fails to unwrap (the box's MAC does not match); the store counts failures
per login and makes the next attempt wait longer (5 wrong passwords: 30 s, then doubling).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from app import clock
from app.errors import UserError

FORMAT = 1
SUFFIX = ".keys"
KEY_BYTES = 32
RECOVERY_SLOT = "recovery"
# 31-char alphabet without 0/O, 1/I/L: read off paper and typed back.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_GROUPS = 8
RECOVERY_GROUP_LEN = 5
FREE_ATTEMPTS = 5
FIRST_PAUSE = timedelta(seconds=30)
MAX_PAUSE = timedelta(hours=1)
# argon2id at libsodium's "interactive" cost: about 0.15 s and 64 MiB per attempt here.
_OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
_MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
_MAX_FILE = 1_000_000


class WrongPasswordError(UserError):
    """The password (or recovery key) does not open any slot it was tried on."""


class SignInPausedError(UserError):
    """Too many wrong passwords: the next try must wait."""


def keystore_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + SUFFIX)


def raw_key_pragma(key: bytes) -> str:
    """SQLCipher's raw-key form (no PBKDF2 of its own: argon2id already stretched it)."""
    return f"x'{key.hex()}'"


def new_recovery_key() -> str:
    """A printable recovery key: 8 groups of 5 characters (about 198 bits)."""
    chars = [
        secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN)
    ]
    groups = [
        "".join(chars[i : i + RECOVERY_GROUP_LEN]) for i in range(0, len(chars), RECOVERY_GROUP_LEN)
    ]
    return "-".join(groups)


def normalise_recovery_key(text: str) -> str:
    """As typed back: any case, with or without spaces and dashes between the groups."""
    cleaned = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
    groups = [
        cleaned[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(cleaned), RECOVERY_GROUP_LEN)
    ]
    return "-".join(groups)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return bytes(
        nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            secret.encode("utf-8"),
            salt,
            opslimit=opslimit,
            memlimit=memlimit,
        )
    )


def _wrap(key: bytes, secret: str) -> dict[str, Any]:
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(secret, salt, _OPSLIMIT, _MEMLIMIT))
    return {
        "kdf": "argon2id",
        "salt": _b64(salt),
        "opslimit": _OPSLIMIT,
        "memlimit": _MEMLIMIT,
        "box": _b64(bytes(box.encrypt(key))),
    }


def _unwrap(slot: dict[str, Any], secret: str) -> bytes | None:
    try:
        salt = _unb64(slot["salt"])
        derived = _derive(secret, salt, int(slot["opslimit"]), int(slot["memlimit"]))
        return bytes(nacl.secret.SecretBox(derived).decrypt(_unb64(slot["box"])))
    except nacl.exceptions.CryptoError:
        return None
    except (KeyError, ValueError, TypeError) as exc:
        raise UserError(f"Файл ключей повреждён: {exc}") from exc


@dataclass
class KeyStore:
    """The slots file of one database; changes are written at once (whole or not at all)."""

    path: Path
    data: dict[str, Any]

    # -- creating and reading ---------------------------------------------------------------

    @classmethod
    def create(cls, db_path: Path, login: str, password: str) -> tuple[KeyStore, bytes, str]:
        """A new random key with a slot for ``login`` and the recovery slot.

        Returns the store, the database key and the recovery key (shown once, never stored).
        """
        path = keystore_path(db_path)
        if path.exists():
            raise UserError(f"Файл ключей уже существует: {path}")
        key = nacl.utils.random(KEY_BYTES)
        recovery = new_recovery_key()
        store = cls(path, {"format": FORMAT, "cipher": "sqlcipher", "slots": {}, "failures": {}})
        store.data["slots"][_user_slot(login)] = _wrap(key, password)
        store.data["slots"][RECOVERY_SLOT] = _wrap(key, recovery)
        store.save()
        return store, key, recovery

    @classmethod
    def load(cls, db_path: Path) -> KeyStore:
        path = keystore_path(db_path)
        try:
            if path.stat().st_size > _MAX_FILE:
                raise UserError(f"Файл ключей слишком большой, он не от этой программы: {path}")
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(
                f"Нет файла ключей {path.name} рядом с базой данных: без него зашифрованную "
                "базу не открыть. Верните его из резервной копии."
            ) from None
        except (OSError, ValueError) as exc:
            raise UserError(f"Файл ключей не читается: {path} ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise UserError(f"Файл ключей другой версии или повреждён: {path}")
        data.setdefault("failures", {})
        return cls(path, data)

    @staticmethod
    def exists(db_path: Path) -> bool:
        return keystore_path(db_path).exists()

    def save(self) -> None:
        temp = self.path.with_name(self.path.name + ".tmp")
        text = json.dumps(self.data, ensure_ascii=False, indent=1)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        os.chmod(self.path, 0o600)

    # -- slots -------------------------------------------------------------------------------

    def logins(self) -> list[str]:
        return sorted(s.split(":", 1)[1] for s in self.data["slots"] if s.startswith("user:"))

    def has_login(self, login: str) -> bool:
        return _user_slot(login) in self.data["slots"]

    def open_with_password(self, login: str, password: str) -> bytes:
        """The database key, if ``password`` is ``login``'s; failures are counted and paused."""
        login = login.strip().casefold()
        self._check_pause(login)
        slot = self.data["slots"].get(_user_slot(login))
        key = _unwrap(slot, password) if slot is not None else None
        if key is None:
            self._count_failure(login)
            raise WrongPasswordError("Неверное имя пользователя или пароль.")
        if login in self.data["failures"]:
            del self.data["failures"][login]
            self.save()
        return key

    def open_with_recovery(self, recovery: str) -> bytes:
        self._check_pause(RECOVERY_SLOT)
        key = _unwrap(self.data["slots"][RECOVERY_SLOT], normalise_recovery_key(recovery))
        if key is None:
            self._count_failure(RECOVERY_SLOT)
            raise WrongPasswordError("Ключ восстановления не подходит к этой базе данных.")
        return key

    def set_password(self, key: bytes, login: str, password: str) -> None:
        """Add or rewrap ``login``'s slot for the (already unwrapped) database key."""
        self.data["slots"][_user_slot(login)] = _wrap(key, password)
        self.data["failures"].pop(login.strip().casefold(), None)
        self.save()

    def remove_login(self, login: str) -> None:
        self.data["slots"].pop(_user_slot(login), None)
        self.save()

    def replace_recovery(self, key: bytes) -> str:
        recovery = new_recovery_key()
        self.data["slots"][RECOVERY_SLOT] = _wrap(key, recovery)
        self.save()
        return recovery

    # -- wrong passwords ---------------------------------------------------------------------

    def _check_pause(self, login: str) -> None:
        check_pause(self.data["failures"].get(login))

    def _count_failure(self, login: str) -> None:
        record = self.data["failures"].setdefault(login, {"count": 0})
        count_failure(record)
        self.save()


def check_pause(record: dict[str, Any] | None) -> None:
    """Refuse a sign-in while the pause after the failures in ``record`` lasts (the file's
    key store and the server's sign-in keep the same record: count, until)."""
    if not record or not record.get("until"):
        return
    until = datetime.fromisoformat(str(record["until"]))
    now = clock.now_utc()
    if now < until:
        wait = int((until - now).total_seconds()) + 1
        raise SignInPausedError(f"Слишком много неверных попыток входа. Повторите через {wait} с.")


def count_failure(record: dict[str, Any]) -> None:
    """One more wrong password: after FREE_ATTEMPTS, a pause doubling up to MAX_PAUSE."""
    record["count"] = int(record.get("count", 0)) + 1
    extra = record["count"] - FREE_ATTEMPTS
    if extra >= 0:
        pause = min(FIRST_PAUSE * (2**extra), MAX_PAUSE)
        record["until"] = (clock.now_utc() + pause).isoformat()


def _user_slot(login: str) -> str:
    return f"user:{login.strip().casefold()}"
