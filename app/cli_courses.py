"""The command line of semi-stationary courses (510-п subsection 3, issue #13).

``ic courses list [--month YYYY-MM] [--search ТЕКСТ] [--pending]``, ``ic courses export
--out F.xlsx``, ``ic courses tick|untick --course N --day ДД.ММ.ГГГГ``, ``ic courses extend
--course N --months 1-3 [--received ДД.ММ.ГГГГ]``, ``ic courses grant|refuse --application N``,
``ic courses notice --application N --out F.pdf``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain.dates import format_date, parse_date
from app.domain.enums import Technology
from app.domain.periods import Month
from app.errors import ValidationError

if TYPE_CHECKING:
    from db.session import Database

EXIT_OK = 0


def _date(text: str) -> Any:
    try:
        return parse_date(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("Дата: ")) from None


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("courses", help="курсы в полустационарной форме (510-п, подраздел 3)")
    parser_class = type(p)
    cs = p.add_subparsers(dest="action", required=True, parser_class=parser_class)
    q = cs.add_parser("list", help="программы и курсы: рабочих дней за месяц (не более 12)")
    q.add_argument("--month", type=_month, default=None, help="месяц ГГГГ-ММ (текущий)")
    q.add_argument("--search", default="", help="часть ФИО или номера ИППСУ")
    q.add_argument(
        "--technology", choices=[t.value for t in Technology], default=None, help="технология"
    )
    q.add_argument("--pending", action="store_true", help="только с заявлением без решения")
    q = cs.add_parser("export", help="выгрузить список курсов в XLSX (лист «Курсы»)")
    q.add_argument("--out", type=Path, required=True, help="файл .xlsx")
    q.add_argument("--month", type=_month, default=None, help="месяц ГГГГ-ММ (текущий)")
    for name, text in (("tick", "отметить день посещения"), ("untick", "снять отметку дня")):
        q = cs.add_parser(name, help=text)
        q.add_argument(
            "--course", type=int, required=True, help="номер программы (ic courses list)"
        )
        q.add_argument("--day", type=_date, required=True, help="день ДД.ММ.ГГГГ")
    q = cs.add_parser("extend", help="зарегистрировать заявление о продлении (п. 4.5)")
    q.add_argument("--course", type=int, required=True, help="номер программы")
    q.add_argument("--months", type=int, required=True, help="предлагаемый срок, 1-3 месяца")
    q.add_argument("--received", type=_date, default=None, help="дата получения (сегодня)")
    q = cs.add_parser("grant", help="решение: продлить до даты (не более 3 месяцев)")
    q.add_argument("--application", type=int, required=True, help="номер заявления")
    q.add_argument("--until", type=_date, required=True, help="новое окончание ДД.ММ.ГГГГ")
    q.add_argument("--on", type=_date, default=None, help="дата решения (сегодня)")
    q = cs.add_parser("refuse", help="решение: отказать в продлении с указанием причины")
    q.add_argument("--application", type=int, required=True, help="номер заявления")
    q.add_argument("--reason", required=True, help="причина отказа")
    q.add_argument("--on", type=_date, default=None, help="дата решения (сегодня)")
    q = cs.add_parser("notice", help="уведомление об отказе в продлении (PDF)")
    q.add_argument("--application", type=int, required=True, help="номер заявления")
    q.add_argument("--out", type=Path, required=True, help="файл .pdf")


def cmd_courses(args: argparse.Namespace, db: Database) -> int:
    from app.services import courses

    if args.action == "list":
        month = args.month or None
        rows = courses.list_programmes(
            db,
            month,
            args.search,
            Technology(args.technology) if args.technology else None,
            pending_only=args.pending,
        )
        title = (month or Month.of(_today())).title
        print(f"Курсы (510-п, подраздел 3), рабочие дни за {title}. Программ: {len(rows)}")
        for r in rows:
            pending = "; заявление о продлении ждёт решения" if r.pending_extension else ""
            print(
                f"№ {r.programme_id}  {r.person}  {r.technology_label}, {r.service_form.label}, "
                f"{format_date(r.starts_on)}–{format_date(r.ends_on)}, "
                f"дней: {r.days_in_month} из 12, {r.status_label}{pending}"
            )
        return EXIT_OK
    if args.action == "export":
        count = courses.export_xlsx(db, args.out, args.month)
        print(f"Записано программ: {count} → {args.out}")
        return EXIT_OK
    if args.action in ("tick", "untick"):
        do = courses.tick if args.action == "tick" else courses.untick
        result = do(db, args.course, args.day)
        verb = "отмечен" if args.action == "tick" else "снят"
        print(
            f"{format_date(args.day)} {verb}: {result.view.person}, за "
            f"{Month.of(args.day).title} {result.month_count} из 12 рабочих дней"
        )
        return EXIT_OK
    if args.action == "extend":
        registered = courses.register_extension(db, args.course, args.months, args.received)
        a = registered.application
        print(
            f"Заявление № {a.id} зарегистрировано {format_date(a.received_on)}; решение — "
            f"до {format_date(a.decision_due)} (510-п, п. 4.5)"
        )
        if registered.warning:
            print(f"внимание: {registered.warning}")
        return EXIT_OK
    if args.action == "grant":
        view = courses.grant_extension(db, args.application, args.until, args.on)
        print(f"Продлено до {format_date(view.ends_on)}: {view.person}")
        return EXIT_OK
    if args.action == "refuse":
        view = courses.refuse_extension(db, args.application, args.reason, args.on)
        print(f"Отказано в продлении: {view.person}; уведомление: ic courses notice")
        return EXIT_OK
    path = courses.write_refusal_notice(db, args.application, args.out)
    print(f"Уведомление об отказе записано: {path}")
    return EXIT_OK


def _today() -> Any:
    from app import clock

    return clock.today()


COMMANDS = {"courses": cmd_courses}
