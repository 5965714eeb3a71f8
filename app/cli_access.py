"""The command line's sign-in and its `users` and `db` commands (issue #10).

Every command that opens an encrypted database signs in first: ``IC_USER`` and
``IC_PASSWORD`` in the environment answer (scripts, tests), else the terminal is asked.
A new database is encrypted unless ``--plain`` is given; its first user is the supervisor.

``--db`` is a file or a PostgreSQL URL (issue #15): on a server the same users sign in
against the server's password hashes (app/services/access.py); `ic db copy` moves a file
there and `ic db grant` gives the everyday role its rights.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain.enums import UserRole
from app.errors import UserError
from db.server import is_server_url

if TYPE_CHECKING:
    from db.session import Database

ENV_NEW_PASSWORD = "IC_NEW_PASSWORD"
#: Where the database is: a file, or a ``postgresql://`` URL of a server database.
Target = Path | str

ROLE_NAMES = {
    "consultant": UserRole.CONSULTANT,
    "supervisor": UserRole.SUPERVISOR,
    "read-only": UserRole.READ_ONLY,
}


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def ask_credentials(purpose: str = "Вход") -> tuple[str, str]:
    from app.services import access

    given = access.credentials_from_environment()
    if given is not None:
        return given
    if not _interactive():
        raise UserError(
            "Нужен вход в программу: задайте переменные IC_USER и IC_PASSWORD "
            "или запустите команду в терминале."
        )
    print(purpose, file=sys.stderr)
    login = input("Имя пользователя: ").strip()
    return login, getpass.getpass("Пароль: ")


def ask_new_password(login: str) -> str:
    given = os.environ.get(ENV_NEW_PASSWORD, "")
    if given:
        return given
    if not _interactive():
        raise UserError(
            f"Нужен новый пароль для «{login}»: задайте переменную {ENV_NEW_PASSWORD} "
            "или запустите команду в терминале."
        )
    first = getpass.getpass(f"Новый пароль для «{login}»: ")
    if getpass.getpass("Повторите пароль: ") != first:
        raise UserError("Пароли не совпадают.")
    return first


def open_signed_in(db_path: Target) -> Database:
    """Open an existing database, signing in when it is encrypted (a file) or when its
    users have passwords (a server)."""
    from app.services import access
    from db.session import open_database

    if is_server_url(db_path):
        db = access.open_server_database(str(db_path))
        if not access.server_sign_in_required(db):
            return db
        try:
            login, password = ask_credentials()
        except BaseException:
            db.close()
            raise
        return access.sign_in_on_server(db, login, password)
    if access.is_encrypted(db_path):
        login, password = ask_credentials()
        return access.sign_in(db_path, login, password)
    return open_database(db_path)


def create_or_open(
    db_path: Target, *, plain: bool, full_name: str | None, recovery_sheet: Path | None = None
) -> tuple[Database, bool]:
    """The database at ``db_path``, created when missing; True when it was created.

    A new encrypted database's recovery key is printed once (and written as a sheet to
    ``recovery_sheet`` when given). A server database is upgraded to the head and, unless
    someone can sign in there already (or ``plain``), its supervisor is IC_USER.
    """
    from app.services import access
    from db.session import open_database

    if is_server_url(db_path):
        if recovery_sheet is not None:
            raise UserError(f"--recovery-sheet: {access.NO_RECOVERY_ON_SERVER}")
        return _create_or_open_on_server(str(db_path), plain=plain, full_name=full_name)
    db_path = Path(db_path)
    if db_path.exists():
        return open_signed_in(db_path), False
    if plain:
        return open_database(db_path), True
    login, password = ask_credentials("Первый пользователь новой базы (руководитель)")
    new = access.create_database(db_path, login, password, full_name or login)
    print_recovery_key(new.recovery_key)
    if recovery_sheet is not None:
        access.write_recovery_sheet(new.database, new.recovery_key, recovery_sheet)
        print(f"Лист с ключом восстановления: {recovery_sheet}")
    return new.database, True


def _create_or_open_on_server(
    url: str, *, plain: bool, full_name: str | None
) -> tuple[Database, bool]:
    from app.services import access

    db = access.open_server_database(url)
    if access.server_sign_in_required(db):
        try:
            login, password = ask_credentials()
        except BaseException:
            db.close()
            raise
        return access.sign_in_on_server(db, login, password), False
    if plain:  # the one local profile, no sign-in: for checks and demonstrations only
        return db, False
    db.close()
    login, password = ask_credentials("Руководитель базы на сервере (первый пользователь)")
    return access.create_on_server(url, login, password, full_name), True


def print_recovery_key(recovery: str) -> None:
    print("База данных зашифрована. Ключ восстановления (показывается один раз):")
    print(f"    {recovery}")
    print("Запишите или распечатайте его (ic db recovery-sheet) и храните в сейфе.")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("users", help="пользователи: добавить, список, отключить, сменить пароль")
    us = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    q = us.add_parser("add", help="добавить пользователя (пароль: IC_NEW_PASSWORD или запрос)")
    q.add_argument("login", help="имя для входа")
    q.add_argument("--name", required=True, help="Ф.И.О.")
    q.add_argument("--role", choices=sorted(ROLE_NAMES), default="consultant", help="роль")
    us.add_parser("list", help="список пользователей")
    q = us.add_parser("disable", help="отключить пользователя (записи его остаются)")
    q.add_argument("login")
    q = us.add_parser("reset-password", help="задать новый пароль")
    q.add_argument("login")
    q = us.add_parser("recover", help="забыт пароль: новый пароль по ключу восстановления")
    q.add_argument("login")
    q.add_argument("--key", help="ключ восстановления (иначе запрос)")

    p = sub.add_parser(
        "db", help="база данных: шифрование, ключ восстановления, перенос на сервер, права"
    )
    dbs = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    q = dbs.add_parser("encrypt", help="зашифровать существующую незашифрованную базу")
    q.add_argument("--name", help="Ф.И.О. руководителя (первого пользователя)")
    q = dbs.add_parser("recovery-sheet", help="новый ключ восстановления и лист с ним (PDF)")
    q.add_argument("--out", type=Path, required=True, help="файл PDF")
    q = dbs.add_parser(
        "copy",
        help="перенести базу из файла в пустую базу на сервере PostgreSQL (одной транзакцией)",
    )
    q.add_argument("--from", dest="source", type=Path, required=True, help="файл базы данных")
    q.add_argument("--to", dest="target", required=True, help="адрес пустой базы: postgresql://…")
    q = dbs.add_parser(
        "grant",
        help="на сервере: дать рабочей учётной записи права на данные без права менять схему",
    )
    q.add_argument("--to", dest="role", required=True, help="роль сервера, например ic_app")

    p = sub.add_parser("backup", help="резервные копии базы данных")
    bs = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    bs.add_parser("list", help="список резервных копий, новые сверху")
    bs.add_parser("now", help="сделать резервную копию сейчас")
    p = sub.add_parser("restore", help="восстановить базу из резервной копии")
    p.add_argument("file", type=Path, help="файл резервной копии (см. ic backup list)")


def cmd_users(args: argparse.Namespace, db_path: Target) -> int:
    from app.services import access

    if args.action == "recover":
        if is_server_url(db_path):
            raise UserError(access.NO_RECOVERY_ON_SERVER)
        key = args.key or (getpass.getpass("Ключ восстановления: ") if _interactive() else "")
        if not key:
            raise UserError("Укажите ключ восстановления: --key или в терминале.")
        db = access.open_with_recovery_key(db_path, key, args.login, ask_new_password(args.login))
        db.close()
        print(f"Пароль пользователя «{args.login}» изменён.")
        return 0
    db = _existing(db_path)
    try:
        if args.action == "list":
            for user in access.list_users(db):
                state = "" if user.active else " (отключён)"
                print(f"{user.login:<20} {user.role.label:<16} {user.full_name}{state}")
        elif args.action == "add":
            role = ROLE_NAMES[args.role]
            access.add_user(db, args.login, args.name, role, ask_new_password(args.login))
            print(f"Пользователь «{args.login}» добавлен: {role.label}.")
        elif args.action == "disable":
            access.disable_user(db, args.login)
            print(f"Пользователь «{args.login}» отключён.")
        elif args.action == "reset-password":
            access.reset_password(db, args.login, ask_new_password(args.login))
            print(f"Пароль пользователя «{args.login}» изменён.")
    finally:
        db.close()
    return 0


def cmd_db(args: argparse.Namespace, db_path: Target) -> int:
    from app.services import access

    if args.action == "copy":
        return _copy(args)
    if args.action == "grant":
        return _grant(args, db_path)
    if args.action == "encrypt":
        if is_server_url(db_path):
            raise UserError(
                "Базу на сервере не шифруют ключом: её защищают сервер (TLS, права) и вход "
                "по паролям (ic init)."
            )
        db_path = Path(db_path)
        if not db_path.exists():
            raise UserError(f"Файл базы данных не найден: {db_path}")
        login, password = ask_credentials("Руководитель зашифрованной базы")
        recovery = access.encrypt_database(db_path, login, password, args.name)
        print(f"База данных {db_path} зашифрована; руководитель: {login}.")
        print_recovery_key(recovery)
        return 0
    db = _existing(db_path)
    try:
        recovery = access.new_recovery_key(db)
        access.write_recovery_sheet(db, recovery, args.out)
    finally:
        db.close()
    print(f"Новый ключ восстановления записан в {args.out}; прежний больше не действует.")
    return 0


def _copy(args: argparse.Namespace) -> int:
    from app.services import db_copy

    if not is_server_url(args.target):
        raise UserError(
            f"--to: нужен адрес базы на сервере PostgreSQL (postgresql://…), а не {args.target}"
        )
    given = None
    if access_is_encrypted(args.source):
        given = ask_credentials("Вход в переносимую базу (руководитель)")
    result = db_copy.copy_database(args.source, args.target, given)
    width = max(len(t.table) for t in result.tables)
    print(f"База данных {args.source} перенесена в {result.target}.")
    print(f"{'Таблица':<{width}}  {'в файле':>9}  {'на сервере':>10}  контрольная сумма")
    for t in result.tables:
        same = "совпадает" if t.source_sha256 == t.target_sha256 else "РАЗЛИЧАЕТСЯ"
        print(
            f"{t.table:<{width}}  {t.source_rows:>9}  {t.target_rows:>10}  "
            f"{t.target_sha256[:12]} {same}"
        )
    print(f"Всего строк: {result.rows}; число строк и контрольные суммы всех таблиц совпали.")
    for line in result.notes:
        print(line)
    return 0


def access_is_encrypted(path: Path) -> bool:
    from app.services import access

    return access.is_encrypted(path)


def _grant(args: argparse.Namespace, db_path: Target) -> int:
    from app.services import server_roles

    if not is_server_url(db_path):
        raise UserError(
            "ic db grant относится к базе на сервере: укажите её адрес владельца, "
            "ic --db postgresql://владелец@сервер/база db grant --to РОЛЬ"
        )
    db = open_signed_in(db_path)
    try:
        granted = server_roles.grant_everyday_role(db, args.role)
    finally:
        db.close()
    print(
        f"Роли «{granted.role}» даны права на данные базы {granted.database} "
        f"(таблиц {granted.tables}, последовательностей {granted.sequences}); "
        "менять схему она не может."
    )
    print(
        f"Программа у специалистов: ic --db postgresql://{granted.role}@{granted.host}/"
        f"{granted.dbname} (обновляет схему только владелец)."
    )
    return 0


def _existing(db_path: Target) -> Database:
    if not is_server_url(db_path) and not Path(db_path).exists():
        raise UserError(f"Файл базы данных не найден: {db_path}")
    return open_signed_in(db_path)


def cmd_backup(args: argparse.Namespace, db_path: Target) -> int:
    from app.services import backups

    if is_server_url(db_path):
        raise UserError(backups.SERVER_BACKUPS)
    db_path = Path(db_path)

    if args.action == "list":
        found = backups.list_backups(db_path)
        if not found:
            print(f"Резервных копий нет (папка {backups.backup_folder(db_path)}).")
        for item in found:
            size = f"{item.size / 1_048_576:.1f} МБ"
            print(f"{item.taken_at:%d.%m.%Y %H:%M}  {item.kind_label:<40} {size:>9}  {item.path}")
        return 0
    db = _existing(db_path)
    try:
        made = backups.make_backup(db, "manual")
    finally:
        db.close()
    print(f"Резервная копия: {made.path}")
    return 0


def cmd_restore(args: argparse.Namespace, db_path: Target) -> int:
    from app.services import access, backups

    if is_server_url(db_path):
        raise UserError(backups.SERVER_BACKUPS)
    db_path = Path(db_path)
    given = access.credentials_from_environment()
    needs_sign_in = access.is_encrypted(db_path) or access.is_encrypted(args.file)
    login, password = (given or ask_credentials()) if needs_sign_in else (None, None)
    aside = backups.restore(db_path, args.file, login, password)
    print(f"База данных восстановлена из {args.file}.")
    print(f"Прежнее состояние сохранено: {aside}")
    return 0


COMMANDS = {
    "users": cmd_users,
    "db": cmd_db,
    "backup": cmd_backup,
    "restore": cmd_restore,
}
