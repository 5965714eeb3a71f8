"""Exchange files: key files (.ickey) and signed, sealed packages (.icsync, .icack).

Issue #11, DESIGN.md §5. A package is a file carried on a USB stick or sent by e-mail, so
everything in it is hostile until proven otherwise:

    magic (8 bytes)
    header length (4 bytes, big-endian) | header (UTF-8 JSON, at most 64 KiB)
    the content key sealed to the recipient's X25519 key (80 bytes)
    chunks: length (4 bytes) | SecretBox(zlib-compressed JSON lines), each <= 1 MiB
    a zero length (the end of the chunks)
    Ed25519 signature (64 bytes) over "IC-PACKAGE-1" + SHA-256 of everything before it

The signature is checked before anything is decrypted; the payload is read as a stream
(never whole in memory) with limits on its size, each line's length and the number of
lines, so a ZIP or JSON bomb costs a bounded amount of memory. The payload's last line
holds the header again (without the plaintext hash, which covers it); the reader compares.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import queue
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
import orjson
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from app.errors import UserError

FORMAT_VERSION = 1
MAGIC = {"sync": b"ICSYNC\x00\x01", "ack": b"ICACK\x00\x00\x01"}
KIND_TITLES = {"sync": "пакет", "ack": "подтверждение"}
SIGNATURE_CONTEXT = b"IC-PACKAGE-1"
KEY_FILE_FORMAT = "ic-public-keys/1"

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_KEY_FILE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
MAX_PLAINTEXT_BYTES = 4 * 1024 * 1024 * 1024  # decompressed, streamed
MAX_LINE_BYTES = 8 * 1024 * 1024
_SEALED_KEY_BYTES = 80  # a SealedBox of the 32-byte content key
_SIGNATURE_BYTES = 64
_BOX_OVERHEAD = nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES


class PackageError(UserError):
    """A package, acknowledgement or key file that is refused; the message says why."""


# --- keys --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPairs:
    """An installation's two key pairs: Ed25519 to sign, X25519 to receive sealed data."""

    signing: SigningKey
    box: PrivateKey

    @classmethod
    def generate(cls) -> KeyPairs:
        return cls(SigningKey.generate(), PrivateKey.generate())

    @property
    def sign_public(self) -> bytes:
        return bytes(self.signing.verify_key)

    @property
    def box_public(self) -> bytes:
        return bytes(self.box.public_key)

    def secret_bytes(self) -> bytes:
        return bytes(self.signing) + bytes(self.box)

    @classmethod
    def from_secret_bytes(cls, data: bytes) -> KeyPairs:
        if len(data) != 64:
            raise ValueError("64 bytes expected")
        return cls(SigningKey(data[:32]), PrivateKey(data[32:]))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, size: int | None = None) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError) as exc:
        raise ValueError("not base64") from exc
    if size is not None and len(data) != size:
        raise ValueError(f"{size} bytes expected")
    return data


def fingerprint(sign_public: bytes, box_public: bytes) -> str:
    """30 digits in six groups of five, for two people to read to each other by phone."""
    digest = hashlib.sha256(b"IC-KEY-FINGERPRINT-1" + sign_public + box_public).digest()
    number = int.from_bytes(digest[:16], "big") % 10**30
    digits = f"{number:030d}"
    return " ".join(digits[i : i + 5] for i in range(0, 30, 5))


def same_fingerprint(expected: str, typed: str) -> bool:
    """Spaces, dashes and dots typed between the digits do not matter."""
    cleaned = "".join(ch for ch in typed if not ch.isspace() and ch not in "-.")
    return cleaned.isdigit() and cleaned == expected.replace(" ", "")


# --- private keys at rest ----------------------------------------------------------------

_PWHASH_OPS = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
_PWHASH_MEM = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE  # 64 MiB: within the 400 MB bound


def seal_secret(secret: bytes, *, database_key: bytes | None, passphrase: str | None) -> str:
    """The private keys, encrypted under the database key or else an argon2id passphrase."""
    if database_key is not None:
        key = _from_database_key(database_key)
        wrapped: dict[str, Any] = {"wrap": "database"}
    elif passphrase:
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        key = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=_PWHASH_OPS,
            memlimit=_PWHASH_MEM,
        )
        wrapped = {"wrap": "passphrase", "salt": b64(salt), "ops": _PWHASH_OPS, "mem": _PWHASH_MEM}
    else:
        raise PackageError("Ключи обмена нельзя сохранить без пароля.")
    wrapped["box"] = b64(bytes(nacl.secret.SecretBox(key).encrypt(secret)))
    return json.dumps(wrapped)


def needs_passphrase(sealed: str) -> bool:
    return bool(json.loads(sealed).get("wrap") == "passphrase")


def open_secret(sealed: str, *, database_key: bytes | None, passphrase: str | None) -> bytes:
    wrapped = json.loads(sealed)
    if wrapped["wrap"] == "database":
        if database_key is None:
            raise PackageError(
                "Ключи обмена зашифрованы ключом базы данных, а база открыта без него."
            )
        key = _from_database_key(database_key)
    else:
        if not passphrase:
            raise PackageError("Нужен пароль ключей обмена.")
        key = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            unb64(wrapped["salt"]),
            opslimit=int(wrapped["ops"]),
            memlimit=int(wrapped["mem"]),
        )
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(unb64(wrapped["box"])))
    except nacl.exceptions.CryptoError:
        raise PackageError("Неверный пароль ключей обмена.") from None


def _from_database_key(database_key: bytes) -> bytes:
    return hashlib.blake2b(database_key, digest_size=32, person=b"ic-exchange-key").digest()


# --- key files (.ickey) ------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKeys:
    """What one installation tells another about itself: who it is and its public keys."""

    mode: str  # "PROVIDER" | "REGIONAL_CENTRE"
    code: str
    name: str
    district: str | None
    sign_public: bytes
    box_public: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_public, self.box_public)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": KEY_FILE_FORMAT,
                "mode": self.mode,
                "code": self.code,
                "name": self.name,
                "district": self.district,
                "sign_public": b64(self.sign_public),
                "box_public": b64(self.box_public),
                "fingerprint": self.fingerprint,
            },
            ensure_ascii=False,
            indent=2,
        )


def read_key_file(path: Path) -> PublicKeys:
    """A key file, refused with one Russian sentence when it is not one."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PackageError(f"{path.name}: это не файл ключей.")
        if size > MAX_KEY_FILE_BYTES:
            raise PackageError(f"{path.name}: файл ключей слишком велик ({size} байт).")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PackageError(f"Файл ключей не найден: {path}") from None
    except OSError as exc:
        raise PackageError(f"Не удаётся прочитать файл ключей {path.name}: {exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != KEY_FILE_FORMAT:
            raise ValueError("format")
        keys = PublicKeys(
            mode=str(data["mode"]),
            code=str(data["code"]),
            name=str(data["name"]),
            district=None if data.get("district") is None else str(data["district"]),
            sign_public=unb64(data["sign_public"], 32),
            box_public=unb64(data["box_public"], 32),
        )
        if keys.mode not in ("PROVIDER", "REGIONAL_CENTRE"):
            raise ValueError("mode")
        VerifyKey(keys.sign_public)
        PublicKey(keys.box_public)
    except (ValueError, KeyError, TypeError, AttributeError, nacl.exceptions.CryptoError):
        raise PackageError(
            f"{path.name}: это не файл открытых ключей «Интеграционного консультанта»."
        ) from None
    return keys


# --- packages ----------------------------------------------------------------------------


def write_package(
    path: Path,
    kind: str,
    header: dict[str, Any],
    lines: Callable[[Callable[[dict[str, Any]], None]], None],
    keys: KeyPairs,
    recipient_box: bytes,
) -> tuple[dict[str, Any], str]:
    """Write a package to ``path``; ``lines(emit)`` emits the payload's JSON lines.

    ``header`` gets ``counts`` (from the lines' ``"t"``) and ``plaintext_sha256``; the
    payload ends with the header again. Returns the final header and the file's SHA-256.
    """
    content_key = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)
    counts: dict[str, int] = {}
    body_path = path.with_name(path.name + ".body")
    batch: list[bytes] = []
    batched = 0
    with body_path.open("wb") as body:
        sealer = _Sealer(body, nacl.secret.SecretBox(content_key))

        def emit_raw(line: bytes) -> None:
            nonlocal batched
            batch.append(line)
            batched += len(line)
            if batched >= 256 * 1024:
                sealer.put(b"".join(batch))
                batch.clear()
                batched = 0

        def emit(obj: dict[str, Any]) -> None:
            table = obj.get("t")
            if isinstance(table, str):
                counts[table] = counts.get(table, 0) + 1
            emit_raw(_dump(obj))

        try:
            lines(emit)
            header = {**header, "format": FORMAT_VERSION, "kind": kind, "counts": counts}
            emit_raw(_dump({"header": header}))
            sealer.put(b"".join(batch))
            plain_hash = sealer.finish()
            body.write(struct.pack(">I", 0))
        except BaseException:
            sealer.abandon()
            body.close()
            body_path.unlink(missing_ok=True)
            raise
    header = {**header, "plaintext_sha256": plain_hash.hexdigest()}
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if len(head) > MAX_HEADER_BYTES:
        body_path.unlink(missing_ok=True)
        raise ValueError("header too large")
    file_hash = hashlib.sha256()
    try:
        with path.open("wb") as out, body_path.open("rb") as body_in:

            def put(data: bytes) -> None:
                file_hash.update(data)
                out.write(data)

            put(MAGIC[kind])
            put(struct.pack(">I", len(head)))
            put(head)
            put(SealedBox(PublicKey(recipient_box)).encrypt(content_key))
            while block := body_in.read(CHUNK_BYTES):
                put(block)
            signature = keys.signing.sign(SIGNATURE_CONTEXT + file_hash.digest()).signature
            out.write(signature)
            file_hash.update(signature)
            out.flush()
            os.fsync(out.fileno())
    finally:
        body_path.unlink(missing_ok=True)
    return header, file_hash.hexdigest()


class _Sealer:
    """Hash, compress, encrypt and write the payload on a second thread: zlib, SHA-256 and
    libsodium release the GIL, so this overlaps with reading the database (2 cores)."""

    def __init__(self, body: BinaryIO, box: nacl.secret.SecretBox) -> None:
        self._body = body
        self._box = box
        self._hash = hashlib.sha256()
        self._compressor = zlib.compressobj(1)  # level 1: a third of the time of 6
        self._pending = bytearray()
        self._blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="package-sealer", daemon=True)
        self._thread.start()

    def put(self, block: bytes) -> None:
        while True:
            if self._failure is not None:
                raise self._failure
            try:
                self._blocks.put(block, timeout=0.5)
                return
            except queue.Full:
                continue

    def finish(self) -> Any:
        self.put(b"")
        self._blocks.put(None)
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        self._pending.extend(self._compressor.flush())
        self._flush(final=True)
        return self._hash

    def abandon(self) -> None:
        with contextlib.suppress(queue.Full):
            self._blocks.put_nowait(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while (block := self._blocks.get()) is not None:
                self._hash.update(block)
                self._pending.extend(self._compressor.compress(block))
                self._flush(final=False)
        except BaseException as exc:  # handed to the writing thread
            self._failure = exc

    def _flush(self, final: bool) -> None:
        pending = self._pending
        while len(pending) >= CHUNK_BYTES or (final and pending):
            sealed = self._box.encrypt(bytes(pending[:CHUNK_BYTES]))
            del pending[:CHUNK_BYTES]
            self._body.write(struct.pack(">I", len(sealed)))
            self._body.write(sealed)


def _dump(obj: dict[str, Any]) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)


@dataclass(frozen=True)
class PackageFile:
    """A package whose outer header has been read (nothing verified yet)."""

    path: Path
    kind: str
    header: dict[str, Any]
    size: int
    body_offset: int  # where the sealed content key starts

    @property
    def title(self) -> str:
        return KIND_TITLES[self.kind]


def read_header(path: Path, kind: str) -> PackageFile:
    """The outer header, with the file's size and shape checked; no cryptography yet."""
    title = KIND_TITLES[kind]
    name = path.name
    try:
        if not path.is_file():
            raise PackageError(f"Файл не найден или это не файл: {path}")
        size = path.stat().st_size
    except OSError as exc:
        raise PackageError(f"Не удаётся прочитать {path}: {exc}") from None
    if size > MAX_FILE_BYTES:
        raise PackageError(
            f"{name}: файл слишком велик ({size // 1024 // 1024} МБ), это не {title}."
        )
    try:
        with path.open("rb") as f:
            magic = f.read(len(MAGIC[kind]))
            if magic != MAGIC[kind]:
                other = next((k for k, m in MAGIC.items() if m == magic), None)
                if other is not None:
                    raise PackageError(f"{name}: это {KIND_TITLES[other]}, а ожидается {title}.")
                raise PackageError(f"{name}: это не {title} «Интеграционного консультанта».")
            length_bytes = f.read(4)
            if len(length_bytes) != 4:
                raise PackageError(f"{name}: файл обрезан.")
            (length,) = struct.unpack(">I", length_bytes)
            if length > MAX_HEADER_BYTES:
                raise PackageError(f"{name}: заголовок повреждён (слишком длинный).")
            head = f.read(length)
    except OSError as exc:
        raise PackageError(f"Не удаётся прочитать {name}: {exc}") from None
    if len(head) != length:
        raise PackageError(f"{name}: файл обрезан.")
    try:
        header = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise PackageError(f"{name}: заголовок повреждён.") from None
    if not isinstance(header, dict):
        raise PackageError(f"{name}: заголовок повреждён.")
    body_offset = len(MAGIC[kind]) + 4 + length
    if size < body_offset + _SEALED_KEY_BYTES + 4 + _SIGNATURE_BYTES:
        raise PackageError(f"{name}: файл обрезан.")
    return PackageFile(path, kind, header, size, body_offset)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def verify_signature(package: PackageFile, sign_publics: list[bytes]) -> bytes:
    """Check the signature with any of the given keys; return the key that made it."""
    digest = hashlib.sha256()
    with package.path.open("rb") as f:
        remaining = package.size - _SIGNATURE_BYTES
        while remaining > 0:
            block = f.read(min(CHUNK_BYTES, remaining))
            if not block:
                break
            digest.update(block)
            remaining -= len(block)
        signature = f.read(_SIGNATURE_BYTES)
    message = SIGNATURE_CONTEXT + digest.digest()
    for key in sign_publics:
        try:
            VerifyKey(key).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
            continue
        return key
    raise PackageError(
        f"{package.path.name}: подпись не сходится — файл изменён или подписан чужим ключом."
    )


def recipient_key(package: PackageFile, box_keys: tuple[PrivateKey, ...]) -> PrivateKey:
    """Which of our box keys (current, then those a rotation replaced) the package is
    sealed to; ``PackageError`` when none."""
    with package.path.open("rb") as f:
        f.seek(package.body_offset)
        sealed_key = f.read(_SEALED_KEY_BYTES)
    for key in box_keys:
        try:
            SealedBox(key).decrypt(sealed_key)
        except nacl.exceptions.CryptoError:
            continue
        return key
    raise PackageError(f"{package.path.name}: {package.title} зашифрован не для этой установки.")


def payload(package: PackageFile, box_key: PrivateKey) -> Iterator[dict[str, Any]]:
    """The payload's lines, decrypted and decompressed as a stream; the header line last.

    Raises ``PackageError`` as soon as anything is wrong: run it to the end once before
    applying anything.
    """
    name = package.path.name
    damaged = PackageError(f"{name}: содержимое повреждено, {package.title} не принят.")
    plain_hash = hashlib.sha256()
    decompressor = zlib.decompressobj()
    total = 0
    buffer = bytearray()
    end = package.size - _SIGNATURE_BYTES
    with package.path.open("rb") as f:
        f.seek(package.body_offset)
        try:
            content_key = SealedBox(box_key).decrypt(f.read(_SEALED_KEY_BYTES))
        except nacl.exceptions.CryptoError:
            raise PackageError(
                f"{name}: {package.title} зашифрован не для этой установки."
            ) from None
        box = nacl.secret.SecretBox(content_key)
        ended = False
        while not ended:
            if f.tell() + 4 > end:
                raise damaged
            (length,) = struct.unpack(">I", f.read(4))
            if length == 0:
                ended = True
                if f.tell() != end:
                    raise damaged
                chunk_plain = decompressor.flush()
            else:
                if length > CHUNK_BYTES + _BOX_OVERHEAD or f.tell() + length > end:
                    raise damaged
                try:
                    compressed = box.decrypt(f.read(length))
                except nacl.exceptions.CryptoError:
                    raise damaged from None
                data = compressed
                while True:
                    try:
                        piece = decompressor.decompress(data, MAX_LINE_BYTES)
                    except zlib.error:
                        raise damaged from None
                    total += len(piece)
                    if total > MAX_PLAINTEXT_BYTES:
                        raise PackageError(
                            f"{name}: содержимое слишком велико, {package.title} не принят."
                        )
                    yield from _take_lines(piece, buffer, plain_hash, damaged)
                    data = decompressor.unconsumed_tail
                    if not data and len(piece) < MAX_LINE_BYTES:
                        break
                continue
            yield from _take_lines(chunk_plain, buffer, plain_hash, damaged)
    if buffer or not decompressor.eof:
        raise damaged
    if plain_hash.hexdigest() != package.header.get("plaintext_sha256"):
        raise PackageError(f"{name}: контрольная сумма содержимого не сходится.")


def _take_lines(
    piece: bytes, buffer: bytearray, plain_hash: Any, damaged: PackageError
) -> Iterator[dict[str, Any]]:
    buffer.extend(piece)
    while True:
        newline = buffer.find(b"\n")
        if newline < 0:
            if len(buffer) > MAX_LINE_BYTES:
                raise damaged
            return
        if newline > MAX_LINE_BYTES:
            raise damaged
        line = bytes(buffer[: newline + 1])
        del buffer[: newline + 1]
        plain_hash.update(line)
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise damaged from None
        if not isinstance(obj, dict):
            raise damaged
        yield obj
