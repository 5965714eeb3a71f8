"""Who is at the keyboard: encrypted databases, sign-in, users and roles (issue #10).

A new database is SQLCipher-encrypted with a random key; each user's password and the
recovery key unwrap it (db/keystore.py). Signing in is unwrapping: a wrong password opens
nothing. The signed-in user is the author of every change (``Database.user_id``) and a
read-only user's session refuses to write anything but audit events.

A database made before encryption (no key file beside it) still opens as the one local
profile until `ic db encrypt` converts it.

On a PostgreSQL server (issue #15) there is no key file and nothing to encrypt: the same
users and roles sign in against an argon2id hash of each password, kept in the ``setting``
table under ``signin.<user uuid>``. A server database without any such hash (``ic init
--plain``, or copied from an unencrypted file) opens as the one local profile until
``ic init`` names its supervisor. The schema is changed only with the owner's URL: an
everyday role that opens a database needing an upgrade is told to ask the administrator.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import sqlcipher3
from sqlalchemy import Engine, delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from app import clock
from app.domain.dates import format_date
from app.domain.enums import UserRole
from app.errors import DatabaseError, UserError
from app.services.common import PROFILE_KEY, audit, current_user
from db import models
from db.dialect import lock_tables
from db.keystore import (
    KeyStore,
    WrongPasswordError,
    check_pause,
    count_failure,
    raw_key_pragma,
)
from db.migrate import current_revision, head_revision, upgrade
from db.server import display_url, is_server_url
from db.session import Database, SessionFactory, open_database, translated_server_errors

logger = logging.getLogger(__name__)

ENV_USER = "IC_USER"
ENV_PASSWORD = "IC_PASSWORD"
MIN_PASSWORD = 8


class PermissionDeniedError(UserError):
    """The signed-in user's role does not allow this."""


@dataclass(frozen=True)
class UserInfo:
    login: str
    full_name: str
    role: UserRole
    active: bool


@dataclass(frozen=True)
class NewDatabase:
    database: Database
    recovery_key: str  # shown once, never stored; "" on a server (no key to recover)


#: Where a server database keeps a user's password hash: ``signin.<user uuid hex>``.
SIGN_IN_PREFIX = "signin."
# Wrong passwords counted per login on a server (the key store's record: count, until).
FAILED_SIGN_IN_PREFIX = "failed-signin."
MAX_LOGIN_KEY = 80  # setting.key holds 100 characters
#: The README section the server's administrator reads (backups, roles, upgrades).
SERVER_README = "«Общая база для нескольких специалистов» в README"


class MigrationNeedsOwnerError(DatabaseError):
    """A server database needs a schema upgrade the connected role may not make."""


def is_encrypted(path: Path | str) -> bool:
    """A SQLCipher file with its key file beside it (a server database never is)."""
    if is_server_url(path):
        return False
    return KeyStore.exists(Path(path))


def credentials_from_environment() -> tuple[str, str] | None:
    login, password = os.environ.get(ENV_USER, ""), os.environ.get(ENV_PASSWORD, "")
    return (login, password) if login and password else None


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"Пароль слишком короткий: нужно не меньше {MIN_PASSWORD} символов.")


def _check_login(login: str) -> str:
    login = login.strip().casefold()
    if not login or len(login) > 100 or any(ch.isspace() or ch == ":" for ch in login):
        raise UserError("Имя пользователя: одно слово без пробелов и двоеточий, до 100 символов.")
    return login


# -- creating and opening ---------------------------------------------------------------------


def create_database(path: Path | str, login: str, password: str, full_name: str) -> NewDatabase:
    """A new encrypted database whose first user (``login``) is the supervisor.

    A server URL: the database is upgraded to the head and ``login`` becomes its supervisor
    (see :func:`create_on_server`); no recovery key."""
    login = _check_login(login)
    check_password(password)
    if not full_name.strip():
        raise UserError("Укажите Ф.И.О. первого пользователя.")
    if is_server_url(path):
        return NewDatabase(create_on_server(str(path), login, password, full_name), "")
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise UserError(f"Файл уже существует: {path}. Новая база создаётся только в новом файле.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Не удаётся создать папку для базы данных {path.parent}: {exc}") from exc
    store, key, recovery = KeyStore.create(path, login, password)
    try:
        database = open_database(path, key)
    except BaseException:
        store.path.unlink(missing_ok=True)
        raise
    with database.session_factory.begin() as session:
        user = models.User(
            full_name=full_name.strip(), login=login, role=UserRole.SUPERVISOR, active=True
        )
        session.add(user)
        session.flush()
        _make_profile(session, user)
        audit(session, user, "database.init", encrypted=True)
        audit(session, user, "user.add", "app_user", str(user.uuid), login=login, role=user.role)
        user_id = user.id
    database.close()
    return NewDatabase(_signed_in(path, key, user_id, UserRole.SUPERVISOR), recovery)


def sign_in(path: Path | str, login: str, password: str) -> Database:
    """Open the encrypted database at ``path`` as ``login``; wrong passwords are paused.
    A server URL: the password is checked against the server's hash of it."""
    if is_server_url(path):
        return sign_in_on_server(open_server_database(str(path)), login, password)
    path = Path(path)
    store = KeyStore.load(path)
    key = store.open_with_password(login, password)
    database = open_database(path, key)
    try:
        with database.session_factory.begin() as session:
            user = session.scalar(
                select(models.User).where(models.User.login == login.strip().casefold())
            )
            if user is None or not user.active:
                raise WrongPasswordError("Пользователь отключён. Обратитесь к руководителю.")
            audit(session, user, "user.sign_in", "app_user", str(user.uuid))
            user_id, role = user.id, user.role
    finally:
        database.close()
    return _signed_in(path, key, user_id, role)


def open_with_recovery_key(
    path: Path | str, recovery: str, login: str, new_password: str
) -> Database:
    """The recovery key sets a new password for ``login`` (a forgotten password)."""
    if is_server_url(path):
        raise UserError(NO_RECOVERY_ON_SERVER)
    path = Path(path)
    check_password(new_password)
    store = KeyStore.load(path)
    key = store.open_with_recovery(recovery)
    store.set_password(key, _check_login(login), new_password)
    database = sign_in(path, login, new_password)
    with database.session_factory.begin() as session:
        audit(session, current_user(session), "user.recovered", login=login)
    return database


def signed_in_login(db: Database) -> str | None:
    """The login of who signed in (None: an unencrypted database's local profile)."""
    if db.user_id is None:
        return None
    with db.session_factory() as session:
        user = session.get(models.User, db.user_id)
        return user.login if user is not None else None


def verify_password(db: Database, password: str) -> None:
    """The signed-in user's password again (unlocking after idle); wrong ones are paused."""
    login = signed_in_login(db)
    if login is not None and db.on_server:
        _check_on_server(db, login, password)
        with db.session_factory.begin() as session:
            audit(session, current_user(session), "user.unlock")
        return
    if login is None or db.key is None:
        return
    key = KeyStore.load(db.path).open_with_password(login, password)
    if key != db.key:
        raise WrongPasswordError("Неверный пароль.")
    with db.session_factory.begin() as session:
        audit(session, current_user(session), "user.unlock")


def _signed_in(path: Path, key: bytes, user_id: int, role: UserRole) -> Database:
    database = open_database(path, key, user_id=user_id)
    if role is UserRole.READ_ONLY:
        event.listen(database.session_factory, "before_flush", _refuse_writes)
    return database


# -- a database on a PostgreSQL server (issue #15) --------------------------------------------

NO_RECOVERY_ON_SERVER = (
    "У базы на сервере нет ключа восстановления: забытый пароль задаёт руководитель "
    "(ic users reset-password ИМЯ)."
)


def open_server_database(url: str) -> Database:
    """A server database, upgraded to the head when the connected role may do so.

    The everyday role (``ic db grant``) cannot change the schema: a database that needs an
    upgrade is then one Russian line saying who must upgrade it, before anything is tried.
    """
    database = open_database(url, migrate=False)
    try:
        with translated_server_errors(url):
            current = current_revision(database.engine)
            if current != head_revision():
                if current is not None and not _may_change_schema(database.engine):
                    raise MigrationNeedsOwnerError(
                        f"База данных {display_url(url)} требует обновления схемы "
                        f"(версия {current}, нужна {head_revision()}), а у этой учётной "
                        "записи сервера нет на это прав. Попросите администратора обновить "
                        "её: ic --db <адрес владельца базы> check"
                    )
                if current is None and not _may_change_schema(database.engine):
                    raise MigrationNeedsOwnerError(
                        f"База данных {display_url(url)} на сервере пуста, а у этой учётной "
                        "записи нет прав создавать в ней таблицы. Создать базу может "
                        "администратор: ic --db <адрес владельца базы> init"
                    )
                upgrade(database.engine, None)
    except BaseException:
        database.close()
        raise
    return database


def _may_change_schema(engine: Engine) -> bool:
    """The connected role may create tables in the schema (the owner's role; a superuser)."""
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT has_schema_privilege(current_user, current_schema(), 'CREATE'), "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
        ).one()
    return bool(row[0]) or bool(row[1])


def server_sign_in_required(db: Database) -> bool:
    """Someone has a password on this server database: whoever opens it signs in."""
    with db.session_factory() as session:
        found = session.scalar(
            select(models.Setting.id).where(models.Setting.key.startswith(SIGN_IN_PREFIX)).limit(1)
        )
    return found is not None


def sign_in_on_server(database: Database, login: str, password: str) -> Database:
    """``database`` (open, no one signed in) as ``login``; closed when the password is wrong."""
    try:
        user_id = _check_on_server(database, login, password)
        with database.session_factory.begin() as session:
            user = session.get(models.User, user_id)
            assert user is not None
            audit(session, user, "user.sign_in", "app_user", str(user.uuid))
            role = user.role
    except BaseException:
        database.close()
        raise
    return as_user(database, user_id, role)


def as_user(database: Database, user_id: int, role: UserRole) -> Database:
    """The same server connection, with ``user_id`` the author of every change."""
    factory = SessionFactory(database.engine, expire_on_commit=False, info={"user_id": user_id})
    if role is UserRole.READ_ONLY:
        event.listen(factory, "before_flush", _refuse_writes)
    return dataclasses.replace(database, session_factory=factory, user_id=user_id)


def create_on_server(url: str, login: str, password: str, full_name: str | None) -> Database:
    """The server database (upgraded to the head) gets its supervisor ``login``.

    Refused when someone can already sign in there. The local profile (an empty database's
    first one, or the one of a database copied from an unencrypted file) becomes the
    supervisor, as `ic db encrypt` does with a file.
    """
    login = _check_login(login)
    check_password(password)
    database = open_server_database(url)
    try:
        if server_sign_in_required(database):
            raise UserError(
                f"В базе {database.url} на сервере уже есть пользователи с паролями: "
                "войдите одним из них (IC_USER и IC_PASSWORD)."
            )
        with database.session_factory.begin() as session:
            user = current_user(session)
            if user.login != login and session.scalar(
                select(models.User.id).where(models.User.login == login)
            ):
                raise UserError(f"Пользователь «{login}» уже есть.")
            user.login = login
            user.role = UserRole.SUPERVISOR
            user.active = True
            if full_name and full_name.strip():
                user.full_name = full_name.strip()
            set_server_password(session, user, password)
            audit(session, user, "database.init", server=database.url)
            audit(
                session, user, "user.add", "app_user", str(user.uuid), login=login, role=user.role
            )
            _make_profile(session, user)
            user_id = user.id
    except BaseException:
        database.close()
        raise
    return as_user(database, user_id, UserRole.SUPERVISOR)


def _hash_password(password: str) -> str:
    hashed = nacl.pwhash.argon2id.str(
        password.encode("utf-8"),
        opslimit=nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
        memlimit=nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
    )
    return hashed.decode("ascii")


def set_server_password(session: Session, user: models.User, password: str) -> None:
    key = f"{SIGN_IN_PREFIX}{user.uuid.hex}"
    value = json.dumps(_hash_password(password))
    setting = session.scalar(select(models.Setting).where(models.Setting.key == key))
    if setting is None:
        session.add(models.Setting(key=key, value=value))
    else:
        setting.value = value


def _remove_server_password(session: Session, user: models.User) -> None:
    key = f"{SIGN_IN_PREFIX}{user.uuid.hex}"
    setting = session.scalar(select(models.Setting).where(models.Setting.key == key))
    if setting is not None:
        session.delete(setting)


def _check_on_server(database: Database, login: str, password: str) -> int:
    """The id of ``login``'s user if ``password`` is theirs on the server. Wrong passwords
    are counted per login in the server's database and paused as the file's are
    (db.keystore: FREE_ATTEMPTS free, then 30 s doubling up to an hour), whichever computer
    they come from; the right one clears the count."""
    key = f"{FAILED_SIGN_IN_PREFIX}{login.strip().casefold()[:MAX_LOGIN_KEY]}"
    setting = models.Setting
    stored = select(setting.value).where(setting.key == key)
    with database.session_factory() as session:
        record = _failures(session.scalar(stored))
    check_pause(record)
    try:
        with database.session_factory() as session:
            user_id = _check_server_password(session, login, password).id
    except WrongPasswordError:
        # Written in SQL, not through the ORM: a count, not a change anyone made.
        with database.session_factory.begin() as session:
            lock_tables(session.connection(), [setting.__table__])  # two failing at once
            value = session.scalar(stored)
            record = _failures(value) or {"count": 0}
            count_failure(record)
            first = value is None
            value = json.dumps(record)
            if first:
                session.execute(insert(setting).values(key=key, value=value))
            else:
                session.execute(update(setting).where(setting.key == key).values(value=value))
        raise
    if record is not None:
        with database.session_factory.begin() as session:
            session.execute(delete(setting).where(setting.key == key))
    return user_id


def _failures(stored: str | None) -> dict[str, Any] | None:
    """The wrong-password record kept in a setting's value (None: none, or unreadable)."""
    try:
        record = json.loads(stored) if stored else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _check_server_password(session: Session, login: str, password: str) -> models.User:
    wrong = WrongPasswordError("Неверное имя пользователя или пароль.")
    user = session.scalar(select(models.User).where(models.User.login == login.strip().casefold()))
    if user is None:
        nacl.pwhash.argon2id.str(
            b"-",
            opslimit=nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
            memlimit=nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
        )
        raise wrong  # as slow as a wrong password: no hint which logins exist
    stored = session.scalar(
        select(models.Setting.value).where(models.Setting.key == f"{SIGN_IN_PREFIX}{user.uuid.hex}")
    )
    if stored is None:
        if not user.active:
            raise WrongPasswordError("Пользователь отключён. Обратитесь к руководителю.")
        raise WrongPasswordError(
            f"У пользователя «{user.login}» нет пароля на сервере: его задаёт руководитель "
            f"(ic users reset-password {user.login})."
        )
    try:
        nacl.pwhash.verify(str(json.loads(stored)).encode("ascii"), password.encode("utf-8"))
    except nacl.exceptions.InvalidkeyError:
        raise wrong from None
    if not user.active:
        raise WrongPasswordError("Пользователь отключён. Обратитесь к руководителю.")
    return user


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    # Looking and printing write only audit events (who printed or exported what).
    changed = [*session.new, *session.dirty, *session.deleted]
    if any(not isinstance(obj, models.AuditEvent) for obj in changed):
        raise PermissionDeniedError("У вас право только просмотра: изменения не сохранены.")


def _make_profile(session: Session, user: models.User) -> None:
    setting = session.scalar(select(models.Setting).where(models.Setting.key == PROFILE_KEY))
    value = str(user.id)
    if setting is None:
        session.add(models.Setting(key=PROFILE_KEY, value=value))
    else:
        setting.value = value


# -- roles ------------------------------------------------------------------------------------


def role_of(db: Database) -> UserRole:
    """The signed-in user's role; the local profile of an unencrypted database supervises."""
    if db.user_id is None:
        return UserRole.SUPERVISOR
    with db.session_factory() as session:
        user = session.get(models.User, db.user_id)
        return user.role if user is not None else UserRole.READ_ONLY


def require(db: Database, *roles: UserRole) -> None:
    role = role_of(db)
    if role not in roles:
        allowed = ", ".join(r.label for r in roles)
        raise PermissionDeniedError(
            f"Это может сделать только пользователь с ролью: {allowed} (у вас: {role.label})."
        )


def require_writer(db: Database) -> None:
    require(db, UserRole.CONSULTANT, UserRole.SUPERVISOR)


# -- users ------------------------------------------------------------------------------------


def list_users(db: Database) -> list[UserInfo]:
    with db.session_factory() as session:
        users = session.scalars(select(models.User).order_by(models.User.login)).all()
        return [UserInfo(u.login or "", u.full_name, u.role, u.active) for u in users if u.login]


def add_user(db: Database, login: str, full_name: str, role: UserRole, password: str) -> None:
    require(db, UserRole.SUPERVISOR)
    key = _key_of(db)
    login = _check_login(login)
    check_password(password)
    if not full_name.strip():
        raise UserError("Укажите Ф.И.О. пользователя.")
    with db.session_factory.begin() as session:
        taken = session.scalar(select(models.User).where(models.User.login == login))
        if taken is not None:
            raise UserError(f"Пользователь «{login}» уже есть.")
        user = models.User(full_name=full_name.strip(), login=login, role=role, active=True)
        session.add(user)
        session.flush()
        audit(
            session,
            current_user(session),
            "user.add",
            "app_user",
            str(user.uuid),
            login=login,
            role=role,
        )
        if db.on_server:
            set_server_password(session, user, password)
        else:
            KeyStore.load(db.path).set_password(key, login, password)


def disable_user(db: Database, login: str) -> None:
    """The user can no longer sign in: the slot is removed, the record stays (authorship)."""
    require(db, UserRole.SUPERVISOR)
    login = _check_login(login)
    with db.session_factory.begin() as session:
        user = _user(session, login)
        me = current_user(session)
        if user.id == me.id:
            raise UserError("Нельзя отключить самого себя.")
        if user.role is UserRole.SUPERVISOR and _active_supervisors(session) <= 1:
            raise UserError("Нельзя отключить последнего руководителя.")
        user.active = False
        audit(session, me, "user.disable", "app_user", str(user.uuid), login=login)
        if db.on_server:
            _remove_server_password(session, user)
        elif db.key is not None:
            KeyStore.load(db.path).remove_login(login)


def reset_password(db: Database, login: str, new_password: str) -> None:
    """A supervisor sets someone's new password (or the signed-in user changes their own)."""
    login = _check_login(login)
    check_password(new_password)
    key = _key_of(db)
    with db.session_factory.begin() as session:
        user = _user(session, login)
        me = current_user(session)
        if user.id != me.id:
            require(db, UserRole.SUPERVISOR)
        if not user.active:
            raise UserError(f"Пользователь «{login}» отключён.")
        audit(session, me, "user.password", "app_user", str(user.uuid), login=login)
        if db.on_server:
            set_server_password(session, user, new_password)
        else:
            KeyStore.load(db.path).set_password(key, login, new_password)


def new_recovery_key(db: Database) -> str:
    """Replace the recovery key (the old sheet no longer opens the database)."""
    require(db, UserRole.SUPERVISOR)
    if db.on_server:
        raise UserError(NO_RECOVERY_ON_SERVER)
    key = _key_of(db)
    with db.session_factory.begin() as session:
        audit(session, current_user(session), "recovery.replace")
        return KeyStore.load(db.path).replace_recovery(key)


def write_recovery_sheet(db: Database, recovery: str, out: Path) -> Path:
    """The sheet with the recovery key and its QR code, to print and keep in the safe."""
    from app.documents.recovery_sheet import RecoverySheet
    from app.documents.recovery_sheet import write_recovery_sheet as render
    from app.services import profile
    from app.services.files import write_atomically

    who = profile.get_profile(db)
    sheet = RecoverySheet(
        organisation=who.organisation or "",
        database_file=str(db.path),
        created=format_date(clock.today()),
        supervisor=who.full_name,
        recovery_key=recovery,
    )
    return write_atomically(out, lambda temp: render(sheet, temp), database=db.path)


def _key_of(db: Database) -> bytes:
    if db.on_server:
        if db.user_id is None:
            raise UserError(
                f"В базе {db.url} на сервере ещё нет руководителя с паролем: сначала "
                f"ic --db {db.url} init (руководитель — из IC_USER и IC_PASSWORD)."
            )
        return b""
    if db.key is None:
        raise UserError(
            "База данных не зашифрована: сначала зашифруйте её (ic db encrypt), "
            "тогда можно будет заводить пользователей с паролями."
        )
    return db.key


def _user(session: Session, login: str) -> models.User:
    user = session.scalar(select(models.User).where(models.User.login == login))
    if user is None:
        raise UserError(f"Пользователь «{login}» не найден.")
    return user


def _active_supervisors(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(models.User)
            .where(models.User.role == UserRole.SUPERVISOR, models.User.active.is_(True))
        )
        or 0
    )


# -- converting an unencrypted database -------------------------------------------------------


def encrypt_database(path: Path | str, login: str, password: str, full_name: str | None) -> str:
    """Encrypt the plain database at ``path`` in place; return the recovery key.

    A verified encrypted copy is made first (sqlcipher_export, then every table's row
    count compared and an integrity check), then swapped in; the plain file is
    overwritten with zeros and removed. The local profile becomes ``login``, supervisor.
    """
    if is_server_url(path):
        raise UserError(
            "Базу на сервере не шифруют ключом: её защищают сервер (TLS, права) и вход по "
            "паролям (ic init)."
        )
    path = Path(path)
    login = _check_login(login)
    check_password(password)
    if is_encrypted(path):
        raise UserError(f"База данных уже зашифрована: {path}")
    if not path.is_file():
        raise UserError(f"Файл базы данных не найден: {path}")
    plain = open_database(path)  # migrated to head; refuses what is not ours
    with plain.session_factory.begin() as session:
        user = current_user(session)
        user.login = login
        user.role = UserRole.SUPERVISOR
        user.active = True
        if full_name:
            user.full_name = full_name
        audit(session, user, "database.encrypt", "app_user", str(user.uuid), login=login)
    with plain.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    plain.close()

    encrypted = path.with_name(path.name + ".encrypting")
    aside = path.with_name(path.name + ".plain")
    encrypted.unlink(missing_ok=True)
    store, key, recovery = KeyStore.create(path, login, password)
    try:
        _export_encrypted(path, encrypted, key)
    except BaseException:
        encrypted.unlink(missing_ok=True)
        store.path.unlink(missing_ok=True)
        raise
    os.replace(path, aside)
    os.replace(encrypted, path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    _shred(aside)
    logger.info("database encrypted: %s", path.name)
    return recovery


def _export_encrypted(plain: Path, target: Path, key: bytes) -> None:
    conn = sqlcipher3.connect(str(plain))
    try:
        conn.execute(f'ATTACH DATABASE ? AS encrypted KEY "{raw_key_pragma(key)}"', (str(target),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        for pragma in ("user_version", "application_id"):  # what marks the file as ours
            value = conn.execute(f"PRAGMA main.{pragma}").fetchone()[0]
            conn.execute(f"PRAGMA encrypted.{pragma} = {int(value)}")
        tables = [
            r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            quoted = table.replace('"', '""')
            a = conn.execute(f'SELECT count(*) FROM main."{quoted}"').fetchone()[0]
            b = conn.execute(f'SELECT count(*) FROM encrypted."{quoted}"').fetchone()[0]
            if a != b:
                raise UserError(f"Шифрование прервано: в копии таблицы {table} {b} строк из {a}.")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    check = sqlcipher3.connect(str(target))
    try:
        check.execute(f'PRAGMA key = "{raw_key_pragma(key)}"')
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        raise UserError(f"Шифрование прервано: зашифрованная копия не прошла проверку ({result}).")


def _shred(path: Path) -> None:
    """Overwrite the plain file with zeros before removing it."""
    try:
        size = path.stat().st_size
        with path.open("r+b") as handle:
            chunk = b"\0" * (1 << 20)
            left = size
            while left > 0:
                handle.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        logger.warning("could not overwrite %s: %s", path.name, exc)
    path.unlink(missing_ok=True)
