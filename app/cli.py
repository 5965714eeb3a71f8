"""The `ic` command line (also `python -m app`); with no command it starts the window."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__, cli_access, cli_courses, cli_exchange, cli_intake, clock
from app.domain.dates import format_date, parse_date
from app.domain.deadlines import DueStatus
from app.errors import UserError, ValidationError
from app.logging_setup import setup_logging
from app.paths import default_database_path
from db.server import is_server_url

#: ``--db``: a database file, or a ``postgresql://`` URL of a server database (issue #15).
Target = cli_access.Target

if TYPE_CHECKING:
    from app.domain.workdays import WorkCalendar
    from app.services.settings import DocumentKind
    from db.session import Database

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found something wrong (`check`)
EXIT_USER_ERROR = 2


# argparse's own messages, in the words the rest of the program speaks.
_ARGPARSE_WORDS = (
    (re.compile(r"^argument (\S+): invalid choice: (.*?) \(choose from (.*)\)$"),
     r"аргумент \1: неизвестное значение \2 (возможны: \3)"),
    (re.compile(r"^argument (\S+): expected one argument$"), r"после \1 нужно значение"),
    (re.compile(r"^argument (\S+): invalid (?:int|float) value: (.*)$"),
     r"\1: \2 не является числом"),
    (re.compile(r"^the following arguments are required: (.*)$"), r"не указано: \1"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"непонятные аргументы: \1"),
    (re.compile(r"^one of the arguments (.*) is required$"), r"нужен один из аргументов: \1"),
    (re.compile(r"^argument (\S+): not allowed with argument (\S+)$"),
     r"\1 нельзя указывать вместе с \2"),
    # The general form last: the specific ones above must win.
    (re.compile(r"^argument (\S+): (.*)$"), r"\1: \2"),
)  # fmt: skip


def _russian(message: str) -> str:
    for pattern, replacement in _ARGPARSE_WORDS:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, no usage block: the user asked for a command, not for help.
        print(f"ошибка: {_russian(message)} (справка: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def _date_arg(text: str) -> date:
    try:
        return parse_date(text)
    except ValidationError as exc:
        # argparse names the argument itself: "--on: даты «31.02.2025» не существует."
        message = str(exc).removeprefix("Дата: ")
        raise argparse.ArgumentTypeError(message) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» не является целым числом") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"нужно число больше нуля, а не {value}")
    return value


def _db_target(text: str) -> Target:
    """``--db``: a server URL stays text, anything else is a file path."""
    return text.strip() if is_server_url(text) else Path(text)


def _exists(target: Target) -> bool:
    """A file that is there; a server database is asked when it is opened."""
    return is_server_url(target) or Path(target).exists()


def default_target() -> Target:
    """No ``--db``: the database chosen in «Настройки → База данных» on this computer
    (app/connection.py), else the default file in the data folder."""
    from app.connection import configured_database

    configured = configured_database()
    return _db_target(str(configured)) if configured else default_database_path()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ic",
        description="Интеграционный консультант: реестр, маршруты, планы, сроки и отчёты.",
    )
    parser.add_argument(
        "--db",
        type=_db_target,
        default=None,
        help=(
            "файл базы данных или адрес базы на сервере postgresql://пользователь@сервер/база "
            f"(по умолчанию выбранная в настройках, иначе {default_database_path()})"
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="версия программы"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="проверка установки: окно и печать маршрута на временной демонстрационной базе",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("init", help="создать базу данных и профиль специалиста")
    p.add_argument("--name", help="Ф.И.О. специалиста")
    p.add_argument("--position", default="", help="должность")
    p.add_argument("--organisation", default="", help="наименование организации")
    p.add_argument("--phone", default="", help="контактный телефон")
    p.add_argument("--email", default="", help="электронная почта")
    p.add_argument(
        "--role",
        choices=("provider", "centre"),
        default="provider",
        help="поставщик социальных услуг или региональный центр (обмен пакетами)",
    )
    p.add_argument("--code", default=None, help="код установки для обмена, например ПСУ-07")
    p.add_argument("--district", default=None, help="район (для списка поставщиков в центре)")
    _add_new_database_options(p)

    p = sub.add_parser("demo", help="заполнить базу демонстрационными данными")
    p.add_argument("--citizens", type=_positive, default=1000, help="сколько граждан создать")
    p.add_argument("--seed", type=int, default=1, help="зерно генератора (повторяемость)")
    p.add_argument("--today", type=_date_arg, default=None, help="«сегодня» для сроков")
    _add_new_database_options(p)

    p = sub.add_parser("demo-extract", help="создать демонстрационную выписку из ЕИС СЗН (XLSX)")
    p.add_argument("--rows", type=_positive, default=200)
    p.add_argument("--out", type=Path, required=True, help="файл .xlsx")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--month", default=None, help="отчётный месяц, например 2025-06")
    p.add_argument("--today", type=_date_arg, default=None)

    sub.add_parser("check", help="проверить целостность базы, версию схемы и число записей")

    p = sub.add_parser("import-extract", help="загрузить ежемесячную выписку (XLSX или CSV)")
    p.add_argument("file", metavar="ФАЙЛ", type=Path)
    p.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
    p.add_argument("--mapping", default=None, help="сохранённое сопоставление столбцов")
    p.add_argument(
        "--received", type=_date_arg, default=None, help="дата поступления, если её нет в файле"
    )
    p.add_argument("--today", type=_date_arg, default=None, help="дата внесения в реестр")
    p.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="ФАЙЛ.xlsx",
        help="записать отклонённые строки и не вошедших в целевую категорию в таблицу",
    )

    p = sub.add_parser("workdays", help="производственный календарь")
    wd = p.add_subparsers(dest="workdays_command", required=True, parser_class=_Parser)
    q = wd.add_parser("add", help="дата через N рабочих дней")
    q.add_argument("date", metavar="ДАТА", type=_date_arg)
    q.add_argument("n", metavar="N", type=int)
    q = wd.add_parser("between", help="число рабочих дней после даты С по дату ПО включительно")
    q.add_argument("a", metavar="С", type=_date_arg)
    q.add_argument("b", metavar="ПО", type=_date_arg)
    q = wd.add_parser("is", help="рабочий ли день")
    q.add_argument("date", metavar="ДАТА", type=_date_arg)
    q = wd.add_parser("override", help="поправка к календарю (региональный выходной и т. п.)")
    q.add_argument("date", metavar="ДАТА", type=_date_arg)
    kind = q.add_mutually_exclusive_group(required=True)
    kind.add_argument("--working", action="store_true", help="сделать день рабочим")
    kind.add_argument("--day-off", action="store_true", help="сделать день выходным")
    q.add_argument("--note", default="", help="основание (постановление, распоряжение)")
    q = wd.add_parser("remove-override", help="убрать поправку")
    q.add_argument("date", metavar="ДАТА", type=_date_arg)
    wd.add_parser("overrides", help="список поправок")

    p = sub.add_parser("deadlines", help="что просрочено и что подходит к сроку")
    p.add_argument("--on", type=_date_arg, default=None, help="на дату (по умолчанию сегодня)")
    p.add_argument("--json", action="store_true", help="вывести в JSON")
    p.add_argument("--all", action="store_true", help="включая выполненные и будущие")
    p.add_argument("--limit", type=int, default=50, help="сколько строк показать (текст)")

    p = sub.add_parser("registry", help="реестр за месяц (приложение N 1)")
    reg = p.add_subparsers(
        dest="registry_command", metavar="{form,export}", required=True, parser_class=_Parser
    )
    q = reg.add_parser("form", help="сформировать реестр: номера по дате поступления сведений")
    q.add_argument("--month", required=True, help="отчётный месяц, например 2025-06")
    q.add_argument("--today", type=_date_arg, default=None, help="дата формирования")
    q.add_argument(
        "--renumber",
        action="store_true",
        help="согласие сменить номера уже напечатанного или выгруженного реестра",
    )
    q = reg.add_parser("export", help="выгрузить реестр по форме приложения N 1")
    q.add_argument("--month", required=True, help="отчётный месяц, например 2025-06")
    q.add_argument("--format", required=True, choices=("xlsx", "pdf"), help="xlsx или pdf")
    q.add_argument("--out", type=Path, required=True, help="файл, который будет записан")
    p = sub.add_parser("journal", help="журнал услуг по телефону и через интернет (31-р п. 1.7)")
    jr = p.add_subparsers(
        dest="journal_command", metavar="{export}", required=True, parser_class=_Parser
    )
    q = jr.add_parser("export", help="выгрузить журнал за период (даты по времени Тюмени)")
    q.add_argument("--from", dest="start", type=_date_arg, required=True, help="с даты")
    q.add_argument("--to", dest="end", type=_date_arg, required=True, help="по дату включительно")
    q.add_argument("--format", required=True, choices=("xlsx", "pdf"), help="xlsx или pdf")
    q.add_argument("--out", type=Path, required=True, help="файл, который будет записан")

    p = sub.add_parser("eis-list", help="список для внесения в ЕИС СЗН (31-р п. 1.6.1)")
    p.add_argument("--from", dest="start", type=_date_arg, required=True, help="с даты")
    p.add_argument("--to", dest="end", type=_date_arg, required=True, help="по дату включительно")
    p.add_argument(
        "--format", default="xlsx", choices=("xlsx", "pdf"), help="xlsx (по умолчанию) или pdf"
    )
    p.add_argument("--out", type=Path, required=True, help="файл, который будет записан")
    p = sub.add_parser("directory", help="справочник организаций: выгрузка и загрузка XLSX")
    dr = p.add_subparsers(
        dest="directory_command", metavar="{export,import}", required=True, parser_class=_Parser
    )
    q = dr.add_parser("export", help="выгрузить справочник в XLSX (лист «Организации»)")
    q.add_argument("--out", type=Path, required=True, help="файл .xlsx, который будет записан")
    q = dr.add_parser("import", help="загрузить справочник из XLSX: добавить и обновить")
    q.add_argument("file", metavar="ФАЙЛ", type=Path)

    p = sub.add_parser("plan", help="план комплексного сопровождения (приложение N 3)")
    pl = p.add_subparsers(dest="plan_command", metavar="{pdf}", required=True, parser_class=_Parser)
    q = pl.add_parser("pdf", help="напечатать текущий план гражданина в PDF")
    q.add_argument("--snils", required=True, help="СНИЛС гражданина")
    q.add_argument("--out", type=Path, required=True, help="файл .pdf, который будет записан")
    p = sub.add_parser("route", help="индивидуальные реабилитационные маршруты (приложение N 2)")
    rt = p.add_subparsers(
        dest="route_command", metavar="{pdf}", required=True, parser_class=_Parser
    )
    q = rt.add_parser("pdf", help="маршрут гражданина или все выданные маршруты месяца в PDF")
    which = q.add_mutually_exclusive_group(required=True)
    which.add_argument("--snils", help="СНИЛС гражданина: его действующий маршрут")
    which.add_argument("--month", help="отчётный месяц реестра, например 2025-06")
    q.add_argument("--out", type=Path, required=True, help="файл, который будет записан")
    _add_dispatch_parser(sub)
    _add_report_parser(sub)
    cli_access.add_parsers(sub)
    cli_exchange.add_parsers(sub)
    cli_courses.add_parsers(sub)
    cli_intake.add_parsers(sub)
    return parser


def _add_new_database_options(p: _Parser) -> None:
    p.add_argument(
        "--plain",
        action="store_true",
        help="новую базу не шифровать (только для проверок и демонстрации)",
    )
    p.add_argument(
        "--recovery-sheet",
        type=Path,
        default=None,
        help="записать лист с ключом восстановления (PDF)",
    )


def _add_report_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("report", help="полугодовой отчёт (приложение N 4) и показатель 31-р п. 5.3")
    rp = p.add_subparsers(
        dest="report_command", metavar="{semiannual,kpi,sent}", required=True, parser_class=_Parser
    )
    q = rp.add_parser("semiannual", help="выгрузить отчёт за полугодие по форме приложения N 4")
    q.add_argument("--half", required=True, help="полугодие, например 2025H1")
    q.add_argument("--format", required=True, choices=("xlsx", "pdf"), help="xlsx или pdf")
    q.add_argument("--out", type=Path, required=True, help="файл, который будет записан")
    q.add_argument(
        "--consolidated",
        action="store_true",
        help="в региональном центре: сводный отчёт по всем поставщикам",
    )
    q = rp.add_parser("kpi", help="доля получивших маршрут от целевой категории (31-р п. 5.3)")
    q.add_argument("--half", required=True, help="полугодие, например 2025H1")
    q = rp.add_parser("sent", help="отметить: отчёт за полугодие отправлен в региональный центр")
    q.add_argument("--half", required=True, help="полугодие, например 2026H2")
    q.add_argument("--on", type=_date_arg, default=None, help="дата отправки (сегодня)")
    q.add_argument("--file", type=Path, default=None, help="отправленный файл отчёта")
    q.add_argument("--note", default=None, help="примечание, например: письмом № 12")


def _add_dispatch_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("dispatch", help="направление маршрутов и планов (31-р пп. 3.4, 4.6)")
    dp = p.add_subparsers(
        dest="dispatch_command",
        metavar="{list,post,tracking,email,eml,batches,batch}",
        required=True,
        parser_class=_Parser,
    )
    q = dp.add_parser("list", help="маршруты, которые готовы и ещё не направлены")
    q.add_argument("--today", type=_date_arg, default=None, help="«сегодня» для сроков")
    q.add_argument("--search", default="", help="часть Ф.И.О. гражданина или адресата")
    q.add_argument("--method", choices=("post", "email", "in-person"), default=None, help="способ")
    q.add_argument(
        "--state",
        choices=("overdue", "in-batch", "not-in-batch", "no-method"),
        default=None,
        help="срок истёк / в почтовой партии, ждут ШПИ / ещё не напечатаны / способ не согласован",
    )
    q = dp.add_parser("post", help="письма, маршруты, планы и конверты DL в один PDF")
    q.add_argument("--entry", type=_positive, action="append", help="номер записи (id)")
    q.add_argument("--out", type=Path, required=True, help="файл .pdf для печати")
    q.add_argument(
        "--list", type=Path, default=None, help="список ф. 103 (.xlsx или .pdf по имени файла)"
    )
    q.add_argument("--today", type=_date_arg, default=None)
    dp.add_parser("batches", help="почтовые партии: сначала те, где письма ждут ШПИ")
    q = dp.add_parser(
        "batch",
        help="почтовая партия: письма и ШПИ; напечатать снова, список ф. 103, убрать письмо",
    )
    q.add_argument("number", type=_positive, metavar="N", help="номер партии")
    q.add_argument("--reprint", action="store_true", help="напечатать письма и конверты снова")
    q.add_argument("--out", type=Path, default=None, help="файл .pdf для --reprint")
    q.add_argument(
        "--form103", type=Path, default=None, help="список ф. 103 (.xlsx или .pdf по имени файла)"
    )
    q.add_argument(
        "--remove", type=_positive, default=None, metavar="ОТПРАВЛЕНИЕ", help="убрать письмо"
    )
    q = dp.add_parser("tracking", help="ШПИ из квитанции: письмо отправлено")
    q.add_argument("dispatch_id", type=_positive, help="номер отправления")
    q.add_argument("tracking_number", help="ШПИ, 14 цифр")
    q.add_argument("--sent", type=_date_arg, default=None, help="дата отправки")
    q = dp.add_parser(
        "email",
        help="отправить по электронной почте (пароль: IC_SMTP_PASSWORD или сохранённый в "
        "настройках)",
    )
    q.add_argument("--entry", type=_positive, action="append", help="номер записи (id)")
    q.add_argument("--today", type=_date_arg, default=None)
    q = dp.add_parser("eml", help="сохранить готовое письмо .eml (нет связи)")
    q.add_argument("--entry", type=_positive, required=True, help="номер записи (id)")
    q.add_argument("--out-dir", type=Path, required=True, help="папка для файла .eml")
    q.add_argument("--today", type=_date_arg, default=None)


#: A package or acknowledgement the file manager opens the program with (`ic FILE.icsync`).
EXCHANGE_SUFFIXES = (".icsync", ".icack")


def _exchange_file_argument(argv: Sequence[str]) -> Path | None:
    """The file when it is the only argument: the window opens with it loaded."""
    if len(argv) == 1 and argv[0].lower().endswith(EXCHANGE_SUFFIXES):
        return Path(argv[0])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    open_file = _exchange_file_argument(given)
    args = build_parser().parse_args([] if open_file else given)
    # Every file the program creates (database, keys, backups, exports, log) is its user's
    # alone: personal data of a special category (152-ФЗ).
    os.umask(0o077)
    if args.smoke:
        # The installed program's self-check (ui/smoke.py): its own temporary folder, log and
        # sign-in, a database made by `ic init` + `ic demo`, the window, one route in PDF.
        from ui.app import smoke

        return smoke(_make_smoke_database)
    log_path = setup_logging()
    db_path: Target = args.db if args.db is not None else default_target()
    if args.command is None:
        if _no_screen():
            print(
                "ошибка: нет графического экрана (DISPLAY не задан). Запустите программу "
                "в графическом сеансе или используйте команды, например: ic check",
                file=sys.stderr,
            )
            return EXIT_USER_ERROR
        # The composition root: the only place app/ names the ui package.
        from ui.app import run

        return int(run(db_path, log_path, open_file))
    from db.engine import BUSY_MESSAGE, SQLITE_ERRORS, busy_listener, translate

    handler = _COMMANDS[args.command]
    try:
        with busy_listener(_say_once(BUSY_MESSAGE)):
            return handler(args, db_path)
    except UserError as exc:
        logger.info("user error in %s: %s", args.command, exc)
        print(f"ошибка: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except SQLITE_ERRORS as exc:
        # Disk full, read-only file, damaged file, locked: one line the user can act on.
        # A SQLite failure translate() cannot name is a bug: its traceback goes out.
        user_error = (
            _server_error(exc, str(db_path))
            if is_server_url(db_path)
            else translate(exc, Path(db_path))
        )
        if user_error is None:
            raise
        logger.warning("database error in %s: %s", args.command, exc)
        print(f"ошибка: {user_error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("прервано", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `ic deadlines | head`) went away: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _server_error(exc: BaseException, url: str) -> UserError | None:
    """A server failure in the middle of a command: the connection lost, a wrong password,
    no right to do this (the everyday role, ``ic db grant``); None for a bug."""
    from sqlalchemy.exc import DBAPIError

    from db.server import display_url, translate_server

    known = translate_server(exc, url)
    if known is not None:
        return known
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    if getattr(orig, "sqlstate", None) == "42501":  # insufficient_privilege
        return UserError(
            f"У учётной записи сервера нет прав на это действие в базе {display_url(url)}: "
            "изменения не сохранены. Обратитесь к администратору сервера."
        )
    return None


def _make_smoke_database(db_path: Path) -> None:
    """`ic --smoke`'s throw-away database, made as `ic init` and `ic demo` make one (signed in
    with the IC_USER/IC_PASSWORD the check sets)."""
    organisation = "Организация для проверки"
    for command in (
        ["init", "--name", "Смоук Проверка", "--organisation", organisation],
        ["demo", "--citizens", "40", "--seed", "1"],
    ):
        if main(["--db", str(db_path), *command]) != EXIT_OK:
            raise UserError(f"Команда ic {command[0]} не создала базу {db_path}.")


def _say_once(message: str) -> Callable[[bool], None]:
    """A busy listener: the first time a write waits for another process, one line on stderr."""
    said = False

    def notice(waiting: bool) -> None:
        nonlocal said
        if waiting and not said:
            said = True
            print(message, file=sys.stderr, flush=True)

    return notice


def _no_screen() -> bool:
    """On Linux, Qt aborts the process when there is no screen; say so instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_existing(db_path: Target) -> Database:
    """Open a database that must already exist: a mistyped --db never creates a new file
    (a server database that is not there is told by the server)."""
    if not _exists(db_path):
        raise UserError(
            f"Файл базы данных не найден: {db_path}. Новую базу создаёт команда: "
            f"ic --db {db_path} init"
        )
    return _open(db_path)


def _with_database(
    command: Callable[[argparse.Namespace, Database], int],
) -> Callable[[argparse.Namespace, Target], int]:
    """A command of an existing database, opened (signed in) for it and closed after."""

    def run(args: argparse.Namespace, db_path: Target) -> int:
        db = _open_existing(db_path)
        try:
            return command(args, db)
        finally:
            db.close()

    return run


def _open(db_path: Target) -> Database:
    from app.services.settings import apply_time_zone

    db = cli_access.open_signed_in(db_path)
    apply_time_zone(db)
    return db


def _cmd_init(args: argparse.Namespace, db_path: Target) -> int:
    from app.services import maintenance, profile

    db, created = cli_access.create_or_open(
        db_path, plain=args.plain, full_name=args.name, recovery_sheet=args.recovery_sheet
    )
    existed = not created
    try:
        maintenance.initialise(db)
        if args.name:
            profile.update_profile(
                db,
                full_name=args.name,
                position=args.position,
                organisation=args.organisation,
                phone=args.phone,
                email=args.email,
            )
        if args.organisation.strip():
            _name_the_organisation(db, args.organisation)
        who = profile.get_profile(db)
        cli_exchange.setup_from_init(
            db, args.role, args.code, args.organisation or who.organisation or "", args.district
        )
    finally:
        db.close()
    state = "уже существовала, схема актуальна" if existed else "создана"
    if db.on_server and not existed:  # an empty or copied database: now with its supervisor
        state = "схема актуальна, вход по паролям включён"
    print(f"База данных {db.url or db.path}: {state}.")
    print(f"Профиль специалиста: {who.signature}")
    return EXIT_OK


def _name_the_organisation(db: Database, name: str) -> None:
    """`init --organisation`: the name Appendix 4 prints in column 2 (kept if one is set)."""
    import dataclasses

    from app.services.settings import load_settings, save_settings

    current = load_settings(db)
    if not current.provider_name.strip():
        save_settings(db, dataclasses.replace(current, provider_name=name.strip()))


def _cmd_demo(args: argparse.Namespace, db_path: Target) -> int:
    from app.demo.generator import generate_demo
    from app.services.calendar import load_calendar

    db, _created = cli_access.create_or_open(
        db_path, plain=args.plain, full_name=None, recovery_sheet=args.recovery_sheet
    )
    started = time.perf_counter()
    try:
        summary = generate_demo(
            db,
            args.citizens,
            args.seed,
            today=args.today,
            progress=_progress_printer(),
            calendar=load_calendar(db),
        )
    finally:
        db.close()
    elapsed = time.perf_counter() - started
    print(
        f"Создано за {elapsed:.1f} с: граждан {summary.citizens}, "
        f"не входят в целевую категорию {summary.not_eligible}, "
        f"записей реестра {summary.registry_entries}, звонков {summary.calls}, "
        f"маршрутов {summary.routes}, планов {summary.plans}, "
        f"направлений {summary.dispatches}, организаций-образцов {summary.organisations}."
    )
    return EXIT_OK


def _progress_printer() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\r{done} из {total}", end="" if done < total else "\n", file=sys.stderr)

    return show


def _cmd_demo_extract(args: argparse.Namespace, db_path: Target) -> int:
    from app.demo.extract import write_demo_extract
    from app.domain.periods import Month

    month = Month.parse(args.month) if args.month else None
    summary = write_demo_extract(
        args.out,
        rows=args.rows,
        seed=args.seed,
        today=args.today or clock.today(),
        month=(month.year, month.month) if month else None,
        database=None if is_server_url(db_path) else Path(db_path),
    )
    print(f"Выписка записана: {summary.path} (строк: {summary.rows}).")
    if summary.bad_rows:
        print(f"Строки с намеренными ошибками ({len(summary.bad_rows)}):")
        for row, problem in summary.bad_rows:
            print(f"  строка {row}: {problem}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, db_path: Target) -> int:
    from app.services import maintenance

    db = _open_existing(db_path)
    try:
        report = maintenance.check(db)
    finally:
        db.close()
    print(f"База данных: {report.path}")
    print(f"Целостность: {'в порядке' if report.integrity == ('ok',) else 'НАРУШЕНА'}")
    for line in report.integrity if report.integrity != ("ok",) else ():
        for part in line.splitlines():  # SQLite may put several findings in one row
            print(f"  {part}")
    fk = report.foreign_key_problems
    print(f"Нарушения внешних ключей: {'не проверены' if fk is None else fk}")
    state = "актуальна" if report.revision == report.head else "ТРЕБУЕТ ОБНОВЛЕНИЯ"
    print(f"Версия схемы: {report.revision} (последняя {report.head}) — {state}")
    on_server = is_server_url(report.path)
    print(f"{'Сервер' if on_server else 'Журнал'}: {report.journal_mode}")
    if report.audit_problem or not report.unreadable:
        print(report.audit_problem or "Журнал действий: цепочка событий не нарушена")
    for line in report.unreadable:  # a damaged file: what could not be checked, and why
        print(line)
    width = max((len(label) for label, _ in report.counts), default=0)
    for label, count in report.counts:
        print(f"  {label:<{width}}  {count:>9}")
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _cmd_workdays(args: argparse.Namespace, db_path: Target) -> int:
    from app.domain.workdays import WorkCalendar
    from app.services import calendar

    command = args.workdays_command
    if command in ("add", "between", "is") and not _exists(db_path):
        # No database yet: the official calendar without local overrides.
        return _print_workdays(args, WorkCalendar())
    db = _open_existing(db_path)
    try:
        if command == "override":
            calendar.set_override(db, args.date, bool(args.working), args.note)
            what = "рабочим" if args.working else "выходным"
            print(f"{format_date(args.date)} отмечен {what} днём.")
            return EXIT_OK
        if command == "remove-override":
            calendar.remove_override(db, args.date)
            print(f"Поправка на {format_date(args.date)} удалена.")
            return EXIT_OK
        if command == "overrides":
            for item in calendar.list_overrides(db):
                what = "рабочий" if item.is_working else "выходной"
                print(f"{format_date(item.day)}  {what}  {item.note}".rstrip())
            return EXIT_OK
        cal = calendar.load_calendar(db)
    finally:
        db.close()
    return _print_workdays(args, cal)


def _print_workdays(args: argparse.Namespace, cal: WorkCalendar) -> int:
    command = args.workdays_command
    if command == "add":
        print(format_date(cal.add_working_days(args.date, args.n)))
    elif command == "between":
        print(cal.working_days_between(args.a, args.b))
    elif command == "is":
        print("рабочий" if cal.is_working_day(args.date) else "выходной")
    return EXIT_OK


def _cmd_deadlines(args: argparse.Namespace, db_path: Target) -> int:
    from app.services.deadlines import ACTIONABLE, due_items

    on = args.on or clock.today()
    statuses = tuple(DueStatus) if args.all else ACTIONABLE
    db = _open_existing(db_path)
    try:
        items = due_items(db, on, statuses)
    finally:
        db.close()
    if args.json:
        payload = {"on": on.isoformat(), "items": [i.as_json() for i in items]}
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return EXIT_OK
    print(f"Сроки на {format_date(on)}: всего {len(items)}")
    summary: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item.status.label, item.kind.label)
        summary[key] = summary.get(key, 0) + 1
    for (status, kind), count in summary.items():
        print(f"  {status}: {kind} — {count}")
    if items:
        print()
    for item in items[: max(args.limit, 0)]:
        who = f" — {item.person}" if item.person else ""
        print(
            f"{format_date(item.due_on)}  {item.status.label:<16} {item.kind.label}{who}: "
            f"{item.title} ({item.kind.source})"
        )
    if len(items) > args.limit >= 0:
        print(f"… и ещё {len(items) - args.limit} (все: --limit {len(items)} или --json)")
    return EXIT_OK


def _cmd_import_extract(args: argparse.Namespace, db_path: Target) -> int:
    from app.services.extract_import import import_extract
    from app.services.import_report import check_report_path, write_import_report

    db = _open_existing(db_path)
    try:
        if args.report is not None:  # a wrong report path is told before anything is written
            check_report_path(db, args.report)
        result = import_extract(
            db,
            args.file,
            received=args.received,
            mapping_name=args.mapping,
            dry_run=args.dry_run,
            today=args.today,
        )
        report = write_import_report(db, result, args.report) if args.report else None
    finally:
        db.close()
    head = "Проверка выписки (ничего не записано)" if result.dry_run else "Выписка загружена"
    print(f"{head}: {result.file_name}, строк {result.rows_total}, SHA-256 {result.sha256[:12]}…")
    if result.same_file_before:
        print("Этот файл уже загружался раньше: повторно внесённые люди не добавлены.")
    print(f"  добавлено в реестр:          {result.added}")
    print(f"  обновлено (уже были в базе): {result.updated}")
    print(f"  без изменений (уже в базе):  {result.unchanged}")
    print(f"  не входят в целевую категорию: {len(result.not_eligible)}")
    for person in result.not_eligible:  # 31-р 2.1: each named with the reason
        print(f"    строка {person.row}, {person.person}: {person.reasons}")
    already = result.already_in_registry
    if already:
        questions = sum(a.question for a in already)
        print(
            f"  уже в реестре (обновлены, повторно не внесены): {len(already)}, "
            f"из них вопросов: {questions}"
        )
        for note in already:  # 31-р 3.1.1, 3.2: the questions first
            mark = "ВОПРОС: " if note.question else ""
            print(f"    строка {note.row}, {note.person}: {mark}{note.message}")
    print(f"  отклонено строк:             {result.rejected_rows}")
    for problem in result.rejected:
        print(f"    {problem}")
    if report is not None:
        print(f"Отчёт о загрузке записан в {report}.")
    return EXIT_OK


def _cmd_registry(args: argparse.Namespace, db_path: Target) -> int:
    from app.domain.periods import Month
    from app.services.registry_month import RenumberPrintedError, export_registry, form_registry

    month = Month.parse(args.month)  # a bad month is refused before the database is opened
    db = _open_existing(db_path)
    try:
        if args.registry_command == "form":
            try:
                formed = form_registry(
                    db, str(month), today=args.today, renumber_printed=args.renumber
                )
            except RenumberPrintedError as exc:
                raise UserError(
                    f"{exc} Если да: ic registry form --month {month} --renumber"
                ) from None
            print(
                f"Реестр за {month.title} сформирован {format_date(formed.formed_on)}: "
                f"записей {formed.entries}, номер получили или сменили {formed.renumbered}."
            )
            return EXIT_OK
        exported = export_registry(db, str(month), args.format, args.out)
    finally:
        db.close()
    print(
        f"Реестр за {month.title} ({exported.format.upper()}) записан в {exported.path}: "
        f"строк {exported.rows}."
    )
    if not exported.formed:
        print(
            f"внимание: реестр за {month.title} ещё не сформирован, номера даны по порядку "
            f"поступления сведений (сформировать: ic registry form --month {month})",
            file=sys.stderr,
        )
    return EXIT_OK


def _period_checked(args: argparse.Namespace) -> None:
    """A reversed period is refused before the database is opened."""
    if args.end < args.start:
        raise ValidationError(
            f"период: --to {format_date(args.end)} раньше --from {format_date(args.start)}."
        )


def _cmd_journal(args: argparse.Namespace, db_path: Target) -> int:
    from app.services.informing import export_journal

    _period_checked(args)
    db = _open_existing(db_path)
    try:
        rows = export_journal(db, args.start, args.end, args.format, args.out)
    finally:
        db.close()
    print(
        f"Журнал за {format_date(args.start)}–{format_date(args.end)} "
        f"({args.format.upper()}) записан в {args.out}: строк {rows}."
    )
    return EXIT_OK


def _cmd_eis_list(args: argparse.Namespace, db_path: Target) -> int:
    from app.services.informing import export_eis_list

    _period_checked(args)
    db = _open_existing(db_path)
    try:
        rows = export_eis_list(db, args.start, args.end, args.out, args.format)
    finally:
        db.close()
    print(
        f"Список для ЕИС за {format_date(args.start)}–{format_date(args.end)} "
        f"записан в {args.out}: записей {rows}."
    )
    return EXIT_OK


def _cmd_directory(args: argparse.Namespace, db_path: Target) -> int:
    from app.services.directory import export_directory_xlsx, import_directory_xlsx

    db = _open_existing(db_path)
    try:
        if args.directory_command == "export":
            count = export_directory_xlsx(db, args.out)
            print(f"Справочник записан в {args.out}: организаций {count}.")
            return EXIT_OK
        result = import_directory_xlsx(db, args.file)
    finally:
        db.close()
    if result.problems:
        for problem in result.problems:
            print(problem)
        raise ValidationError(
            f"справочник не загружен, ничего не записано: строк с ошибками "
            f"{len({p.row for p in result.problems})} (перечислены выше)."
        )
    print(f"Справочник загружен: добавлено {result.added}, обновлено {result.updated}.")
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace, db_path: Target) -> int:
    from app.services.plans import export_plan_pdf, plan_of_snils

    db = _open_existing(db_path)
    try:
        plan_id = plan_of_snils(db, args.snils)
        export_plan_pdf(db, plan_id, args.out)
    finally:
        db.close()
    print(f"План комплексного сопровождения записан в {args.out}.")
    return EXIT_OK


def _cmd_route(args: argparse.Namespace, db_path: Target) -> int:
    from app.domain.periods import Month
    from app.domain.snils import normalize_snils
    from app.services.routes import export_route_pdf

    # A bad СНИЛС or month is refused before the database is opened.
    snils = normalize_snils(args.snils) if args.snils is not None else None
    month = str(Month.parse(args.month)) if args.month is not None else None
    db = _open_existing(db_path)
    try:
        written = export_route_pdf(db, args.out, citizen_snils=snils, month=month)
    finally:
        db.close()
    what = f"за {Month.parse(month).title}" if month else f"гражданина со СНИЛС {args.snils}"
    print(f"Маршруты {what} записаны в {args.out}: маршрутов {written}.")
    return EXIT_OK


def _cmd_dispatch(args: argparse.Namespace, db_path: Target) -> int:
    from app.domain.enums import DeliveryMethod, DispatchDocument
    from app.services import dispatch, mail_secret
    from app.services.settings import load_settings

    today = getattr(args, "today", None) or clock.today()
    if args.dispatch_command == "batch":
        _check_batch_options(args)
    db = _open_existing(db_path)
    try:
        if args.dispatch_command in ("batches", "batch"):
            return _dispatch_batches(db, args)
        if args.dispatch_command == "list":
            wanted = {
                "post": DeliveryMethod.POST,
                "email": DeliveryMethod.EMAIL,
                "in-person": DeliveryMethod.IN_PERSON,
            }.get(args.method or "")
            wanted_state = {
                "overdue": dispatch.SendFilter.OVERDUE,
                "in-batch": dispatch.SendFilter.IN_BATCH,
                "not-in-batch": dispatch.SendFilter.NOT_IN_BATCH,
                "no-method": dispatch.SendFilter.NO_METHOD,
            }.get(args.state or "", dispatch.SendFilter.ALL)
            for item in dispatch.to_send(db, today):
                if not dispatch.matches(item, args.search, wanted, wanted_state):
                    continue
                where = item.email if item.method is DeliveryMethod.EMAIL else item.address
                method = item.method.label if item.method else "способ не согласован"
                late = (
                    f"просрочено на {-item.days_left} дн."
                    if item.days_left < 0
                    else (f"осталось {item.days_left} дн.")
                )
                plan = ", с планом" if item.plan_id else ""
                if item.document is DispatchDocument.PLAN:
                    plan = ", только план (маршрут направлен ранее)"
                in_batch = (
                    f"\tв почтовой партии N {item.batch_number}, ждёт ШПИ"
                    if item.batch_number is not None
                    else ""
                )
                print(
                    f"{item.entry_id}\t{item.addressee}\t{method}{plan}\t{where}\t"
                    f"до {format_date(item.due)} ({late}){in_batch}"
                )
            return EXIT_OK

        def chosen(method: DeliveryMethod) -> list[int]:
            if args.entry:
                return list(args.entry)
            return [i.entry_id for i in dispatch.to_send(db, today) if i.method is method]

        if args.dispatch_command == "post":
            _refuse_without_details(db, "letters")
            batch = dispatch.prepare_post(
                db, chosen(DeliveryMethod.POST), args.out, today, list_xlsx=args.list
            )
            print(f"Письма для отправки почтой записаны в {args.out}: {len(batch.items)}.")
            for posted in batch.items:
                print(f"отправление {posted.dispatch_id}\t{posted.addressee}\t{posted.postcode}")
            if not batch.names_declined:
                print("Внимание: часть имён в блоке «Кому» не просклонена (не указан пол).")
            if args.list is not None:
                print(f"Список ф. 103 записан в {args.list}.")
        elif args.dispatch_command == "tracking":
            record = dispatch.record_tracking(
                db, args.dispatch_id, args.tracking_number, args.sent or clock.today()
            )
            print(f"Отправление {record.dispatch_id}: ШПИ {record.tracking_number}, отмечено.")
        elif args.dispatch_command == "email":
            smtp = load_settings(db).smtp
            # IC_SMTP_PASSWORD, else the one «Настройки» kept in the system's store.
            password = mail_secret.password_for(smtp)
            outcomes = dispatch.send_email(
                db, chosen(DeliveryMethod.EMAIL), smtp, today, password=password
            )
            for outcome in outcomes:
                state = "отправлено" if outcome.sent else f"ошибка: {outcome.error}"
                print(f"{outcome.entry_id}\t{outcome.email}\t{state}")
            if any(not o.sent for o in outcomes):
                return EXIT_USER_ERROR
        else:
            path = dispatch.save_eml(db, args.entry, args.out_dir, today)
            print(f"Письмо сохранено: {path}")
    finally:
        db.close()
    return EXIT_OK


def _refuse_without_details(db: Database, document: DocumentKind) -> None:
    """Documents never go out with a blank name, position or organisation (issue #12)."""
    from app.services.settings import document_refusal

    refusal = document_refusal(db, document)
    if refusal is not None:
        raise ValidationError(f"{refusal} Заполните их в окне программы: раздел «Настройки».")


def _check_batch_options(args: argparse.Namespace) -> None:
    """`ic dispatch batch N`: options that go together, told before the database opens."""
    if args.reprint and args.out is None:
        raise UserError("--reprint: укажите файл для печати: --out ФАЙЛ.pdf.")
    if args.out is not None and not args.reprint:
        raise UserError("--out указывается вместе с --reprint.")
    if args.remove is not None and (args.reprint or args.form103 is not None):
        raise UserError("--remove нельзя указывать вместе с --reprint или --form103.")


def _dispatch_batches(db: Database, args: argparse.Namespace) -> int:
    """`ic dispatch batches` and `ic dispatch batch N [...]` (issue #12)."""
    from app.services import dispatch

    if args.dispatch_command == "batches":
        batches = dispatch.post_batches(db)
        if not batches:
            print("Почтовых партий нет.")
        for b in batches:
            state = f"ждут ШПИ {b.awaiting}" if b.open else "все с ШПИ"
            print(
                f"N {b.number}\t{format_date(b.printed_on)}\tписем {b.letters}\t{state}\t"
                f"напечатал(а) {b.printed_by or '—'}\t{b.file_name}"
            )
        return EXIT_OK
    number = args.number
    if args.remove is not None:
        dispatch.remove_from_batch(db, number, args.remove)
        print(f"Отправление {args.remove} убрано из почтовой партии N {number}.")
    elif args.reprint:
        path = dispatch.reprint_post_batch(db, number, args.out, form103=args.form103)
        print(f"Почтовая партия N {number} напечатана снова: {path}.")
        if args.form103 is not None:
            print(f"Список ф. 103 записан в {args.form103}.")
    elif args.form103 is not None:
        rows = dispatch.write_form103(db, number, args.form103)
        print(f"Список ф. 103 почтовой партии N {number} записан в {args.form103}: писем {rows}.")
    detail = dispatch.open_post_batch(db, number)
    s = detail.summary
    print(
        f"Почтовая партия N {s.number} от {format_date(s.printed_on)}, напечатал(а) "
        f"{s.printed_by or '—'}: писем {s.letters}, ждут ШПИ {s.awaiting}."
    )
    for letter in detail.letters:
        spi = (
            f"ШПИ {letter.tracking_number}, отправлено {format_date(letter.sent_on)}"
            if not letter.awaiting
            else "ждёт ШПИ"
        )
        print(f"отправление {letter.dispatch_id}\t{letter.addressee}\t{letter.postcode}\t{spi}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace, db_path: Target) -> int:
    from app.domain.periods import HalfYear
    from app.services.report import export_semiannual, mark_report_sent, route_coverage

    half = HalfYear.parse(args.half)  # a bad half-year is refused before the database is opened
    db = _open_existing(db_path)
    try:
        if args.report_command == "semiannual" and args.consolidated:
            from app.services.centre import export_consolidated

            written = export_consolidated(db, str(half), args.format, args.out)
            print(f"Сводный отчёт за {half.title} ({args.format.upper()}) записан в {written}.")
            return EXIT_OK
        if args.report_command == "sent":
            state = mark_report_sent(db, str(half), args.on or clock.today(), args.file, args.note)
            print(state.text)
            return EXIT_OK
        if args.report_command == "semiannual":
            _refuse_without_details(db, "report")
            exported = export_semiannual(db, str(half), args.format, args.out)
            print(f"Отчёт за {half.title} ({exported.format.upper()}) записан в {exported.path}.")
            return EXIT_OK
        coverage = route_coverage(db, str(half))
    finally:
        db.close()
    percent = "—" if coverage.percent is None else f"{coverage.percent:.1f} %".replace(".", ",")
    print(f"Показатель 31-р п. 5.3 за {half.title}:")
    print(f"получили маршрут: {coverage.issued}")
    print(f"целевая категория: {coverage.target}")
    print(f"доля: {percent}")
    if coverage.routes_by is not None:
        print(f"маршруты учтены по: {format_date(coverage.routes_by)}")
    print(f"уровень: {coverage.level_title}")
    return EXIT_OK


_COMMANDS: dict[str, Callable[[argparse.Namespace, Target], int]] = {
    "import-extract": _cmd_import_extract,
    "init": _cmd_init,
    "demo": _cmd_demo,
    "demo-extract": _cmd_demo_extract,
    "check": _cmd_check,
    "workdays": _cmd_workdays,
    "deadlines": _cmd_deadlines,
    "registry": _cmd_registry,
    "directory": _cmd_directory,
    "plan": _cmd_plan,
    "journal": _cmd_journal,
    "eis-list": _cmd_eis_list,
    "route": _cmd_route,
    "dispatch": _cmd_dispatch,
    "report": _cmd_report,
    **cli_access.COMMANDS,
    **{name: _with_database(command) for name, command in cli_exchange.COMMANDS.items()},
    **{name: _with_database(command) for name, command in cli_courses.COMMANDS.items()},
    **{name: _with_database(command) for name, command in cli_intake.COMMANDS.items()},
}
