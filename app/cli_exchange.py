"""The command line of the exchange with the regional centre (issue #11).

``ic keys export|show``, ``ic providers add|list`` (centre), ``ic centre pin`` (provider),
``ic centre conflicts|resolve|duplicates`` (centre), ``ic sync export|import|status``.
The exchange keys of an unencrypted database are sealed under a passphrase: ``IC_PASSWORD``
answers, else the terminal is asked.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain.dates import format_date
from app.errors import UserError

if TYPE_CHECKING:
    from db.session import Database

EXIT_OK = 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("keys", help="ключи обмена этой установки: отпечаток, файл открытых ключей")
    parser_class = type(p)
    ks = p.add_subparsers(dest="action", required=True, parser_class=parser_class)
    ks.add_parser("show", help="роль, код и отпечаток ключей (сверить по телефону)")
    ks.add_parser(
        "rotate",
        help="новые ключи: следующий пакет подписан прежними и несёт новые открытые ключи",
    )
    q = ks.add_parser("export", help="записать открытые ключи в файл для другой стороны")
    q.add_argument("--out", type=Path, required=True, help="файл .ickey")

    p = sub.add_parser("providers", help="поставщики (в региональном центре)")
    ps = p.add_subparsers(dest="action", required=True, parser_class=parser_class)
    q = ps.add_parser("add", help="закрепить ключи поставщика после сверки отпечатка")
    q.add_argument("file", type=Path, help="файл открытых ключей поставщика (.ickey)")
    q.add_argument("--fingerprint", required=True, help="отпечаток, прочитанный по телефону")
    q = ps.add_parser("list", help="поставщики, их пакеты и отчёты за полугодие")
    q.add_argument(
        "--half", default=None, help="полугодие, например 2026H1 (по умолчанию прошедшее)"
    )

    p = sub.add_parser("centre", help="региональный центр: ключи, конфликты, совпадения людей")
    cs = p.add_subparsers(dest="action", required=True, parser_class=parser_class)
    q = cs.add_parser("pin", help="у поставщика: закрепить ключи центра после сверки отпечатка")
    q.add_argument("file", type=Path, help="файл открытых ключей центра (.ickey)")
    q.add_argument("--fingerprint", required=True, help="отпечаток, прочитанный по телефону")
    cs.add_parser("conflicts", help="очередь конфликтов: изменения на устаревшей версии записи")
    q = cs.add_parser("resolve", help="разрешить конфликт")
    q.add_argument("conflict", type=int, help="номер конфликта (ic centre conflicts)")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--keep", action="store_true", help="оставить версию центра")
    how.add_argument("--take", action="store_true", help="взять версию из пакета")
    q = cs.add_parser("duplicates", help="граждане, известные двум и более поставщикам (XLSX)")
    q.add_argument("--out", type=Path, required=True, help="файл .xlsx")

    p = sub.add_parser("sync", help="пакеты обмена с региональным центром")
    ss = p.add_subparsers(dest="action", required=True, parser_class=parser_class)
    q = ss.add_parser(
        "export",
        help="у поставщика: пакет изменений для центра; в центре: справочник для поставщиков",
    )
    q.add_argument(
        "--out",
        type=Path,
        required=True,
        help="файл .icsync (у поставщика); в центре файл .icack, а для всех — папка",
    )
    q.add_argument("--full", action="store_true", help="все записи (первый пакет или после потери)")
    q.add_argument("--provider", default=None, help="в центре: код поставщика (иначе всем)")
    q = ss.add_parser("import", help="загрузить пакет (.icsync в центре, .icack у поставщика)")
    q.add_argument("file", type=Path, help="файл пакета или подтверждения")
    q.add_argument(
        "--ack-out", type=Path, default=None, help="в центре: куда записать подтверждение"
    )
    ss.add_parser("status", help="что уйдёт в следующем пакете и история пакетов")


def _passphrase(db: Database) -> str | None:
    """The exchange keys' passphrase: needed on an unencrypted database, and once on a
    database encrypted since (the keys then move under the database key)."""
    from app.services import exchange_keys

    info = exchange_keys.installation(db)
    if db.key is not None and (info is None or not info.passphrase_needed):
        return None
    given = os.environ.get("IC_PASSWORD", "")
    if given:
        return given
    if sys.stdin is None or not sys.stdin.isatty():
        raise UserError(
            "Нужен пароль ключей обмена: задайте переменную IC_PASSWORD "
            "или запустите команду в терминале."
        )
    return getpass.getpass("Пароль ключей обмена: ")


def setup_from_init(
    db: Database, role: str, code: str | None, name: str, district: str | None
) -> None:
    """``ic init --role … --code …``: make the installation's keys (once)."""
    from app.services import exchange_keys

    if code is None:
        if role != "provider":
            raise UserError("Для роли centre укажите код установки: --code КОД")
        return
    info = exchange_keys.setup_installation(
        db,
        exchange_keys.ROLE_ARGUMENTS[role],
        code,
        name,
        district,
        passphrase=_passphrase(db) if db.key is None else None,
    )
    print(f"Обмен: {info.mode_title}, код {info.code}.")
    print(f"Отпечаток ключей: {info.fingerprint}")


def cmd_keys(args: argparse.Namespace, db: Database) -> int:
    from app.services import exchange_keys

    if args.action == "export":
        out = exchange_keys.export_keys(db, args.out)
        print(
            f"Открытые ключи записаны в {out}. Передайте файл другой стороне "
            "и продиктуйте отпечаток."
        )
        return EXIT_OK
    if args.action == "rotate":
        rotated = exchange_keys.rotate_keys(db, passphrase=_passphrase(db))
        print(f"Новые ключи созданы. Отпечаток: {rotated.fingerprint}")
        print(
            "Следующий пакет (подтверждение) будет подписан прежним ключом и передаст новые "
            "открытые ключи другой стороне; прежние ключи остаются для уже отправленного."
        )
        return EXIT_OK
    info = exchange_keys.installation(db)
    if info is None:
        raise UserError(
            "Эта база не настроена для обмена: ic init --role provider|centre --code КОД "
            "--organisation НАИМЕНОВАНИЕ"
        )
    print(f"Роль: {info.mode_title}")
    print(f"Код: {info.code}")
    print(f"Организация: {info.name}")
    print(f"Отпечаток ключей: {info.fingerprint}")
    return EXIT_OK


def cmd_providers(args: argparse.Namespace, db: Database) -> int:
    from app.services import centre, exchange_keys

    if args.action == "add":
        peer = exchange_keys.pin_peer(db, args.file, args.fingerprint)
        print(f"Поставщик закреплён: {peer.name} (код {peer.code}), отпечаток {peer.fingerprint}.")
        return EXIT_OK
    rows = centre.providers(db, args.half)
    if not rows:
        print("Поставщиков пока нет: ic providers add ФАЙЛ --fingerprint ЦИФРЫ")
        return EXIT_OK
    for row in rows:
        last = (
            f"пакет № {row.last_sequence} от {format_date(row.last_received_at)}"
            if row.last_received_at
            else "пакетов не было"
        )
        coverage = "—"
        if row.coverage is not None and row.coverage.percent is not None:
            coverage = f"{row.coverage.percent:.1f} %".replace(".", ",")
        print(
            f"{row.position}. {row.code} — {row.name}; {last}; отчёт за {row.half}: "
            f"{row.status_title}; 31-р п. 5.3: {coverage}; конфликтов: {row.open_conflicts}"
        )
    return EXIT_OK


def cmd_centre(args: argparse.Namespace, db: Database) -> int:
    from app.services import centre, exchange_keys

    if args.action == "pin":
        peer = exchange_keys.pin_peer(db, args.file, args.fingerprint)
        print(f"Ключи центра закреплены: {peer.name} (код {peer.code}).")
        return EXIT_OK
    if args.action == "duplicates":
        out = centre.export_people_across_providers(db, args.out)
        print(f"Список записан в {out}.")
        return EXIT_OK
    if args.action == "resolve":
        centre.resolve_conflict(db, args.conflict, take_package=args.take)
        print(f"Конфликт № {args.conflict} разрешён.")
        return EXIT_OK
    found = centre.conflicts(db)
    if not found:
        print("Открытых конфликтов нет.")
    for c in found:
        what = "удалена поставщиком" if c.deleted_by_provider else "изменена на устаревшей версии"
        if c.person:
            what += f" — {c.person}"
        print(
            f"№ {c.id}: {c.provider_code}, {c.table_title}, запись {c.record_uuid} {what} "
            f"(пакет № {c.package_sequence})"
        )
        for d in c.differences:
            print(f"    {d.field}: в центре «{d.held}», в пакете «{d.incoming}»")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace, db: Database) -> int:
    from app.services import exchange

    if args.action == "export":
        from app.services import exchange_keys

        info = exchange_keys.installation(db)
        if info is not None and info.is_centre:
            written = exchange.export_directory(
                db, args.out, args.provider, passphrase=_passphrase(db)
            )
            print(f"Региональный справочник записан для поставщиков: {len(written)}.")
            for path in written:
                print(f"    {path}")
            return EXIT_OK
        result = exchange.export_package(db, args.out, full=args.full, passphrase=_passphrase(db))
        print(
            f"Пакет № {result.sequence} записан в {result.path}: "
            f"записей {sum(result.counts.values())}"
            f" (удалений {result.tombstones}), строк отчёта {result.reports}."
        )
        return EXIT_OK
    if args.action == "import":
        from app.services import exchange_keys

        info = exchange_keys.installation(db)
        if info is not None and not info.is_centre:
            ack = exchange.import_ack(db, args.file, passphrase=_passphrase(db))
            print(ack.message)
            return EXIT_OK
        imported = exchange.import_package(
            db, args.file, ack_out=args.ack_out, passphrase=_passphrase(db)
        )
        print(imported.message)
        if imported.ack_path is not None:
            print(f"Подтверждение для поставщика: {imported.ack_path}")
        return EXIT_OK
    pending = exchange.pending(db)
    print(f"В следующем пакете: {pending.total} записей")
    for table, count in pending.changed.items():
        print(f"    {exchange.TABLE_TITLES.get(table, table)}: {count}")
    if pending.tombstones:
        print(f"    удаления: {pending.tombstones}")
    for row in exchange.package_log(db, 20):
        if row.kind == "sync":
            what, direction = "пакет", "отправлен" if row.outgoing else "получен"
        else:
            what, direction = "подтверждение", "отправлено" if row.outgoing else "получено"
        acked = f", подтверждён {format_date(row.acknowledged_at)}" if row.acknowledged_at else ""
        print(
            f"{what} № {row.sequence} {direction} {format_date(row.processed_at)} "
            f"({row.records} записей){acked}"
        )
    return EXIT_OK


COMMANDS = {"keys": cmd_keys, "providers": cmd_providers, "centre": cmd_centre, "sync": cmd_sync}
