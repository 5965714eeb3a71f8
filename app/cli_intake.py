"""The command line of intake under order 6-р (issue #13).

``ic intake register --citizen N --basis 3.1 [--technology T] [--received ДД.ММ.ГГГГ]``,
``ic intake list [--search ТЕКСТ] [--state pending|overdue|granted|refused] [--year ГГГГ]``,
``ic intake survey --application N --on ДД.ММ.ГГГГ --surveyor ФИО [--findings ТЕКСТ]``,
``ic intake assess --application N --criterion "основание=баллы" ... [--commission ТЕКСТ]``,
``ic intake decide --application N --grant|--refuse --reason ТЕКСТ [--on ДД.ММ.ГГГГ]``,
``ic intake notice --application N --out F.pdf``, ``ic intake journal --out F.xlsx|F.pdf``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain.dates import format_date, parse_date
from app.domain.enums import ApplicationDecision, Technology
from app.domain.intake import ServiceBasis, total_text
from app.errors import ValidationError

if TYPE_CHECKING:
    from app.services.intake import ApplicationView
    from db.session import Database

EXIT_OK = 0


def _date(text: str) -> Any:
    try:
        return parse_date(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("Дата: ")) from None


def _criterion(text: str) -> tuple[str, int]:
    ground, sep, points = text.rpartition("=")
    if not sep or not points.strip().lstrip("-").isdigit():
        raise argparse.ArgumentTypeError(f"критерий «{text}»: нужно «основание=баллы»")
    return ground.strip(), int(points)


def add_parsers(sub: Any) -> None:
    from app.services.intake import FILTERS

    p = sub.add_parser("intake", help="заявления и решения о социальном обслуживании (6-р)")
    parser_class = type(p)
    cs = p.add_subparsers(dest="action", required=True, parser_class=parser_class)
    q = cs.add_parser("register", help="зарегистрировать заявление в журнале (п. 3)")
    q.add_argument("--citizen", type=int, required=True, help="номер гражданина")
    q.add_argument(
        "--basis",
        choices=[b.value for b in ServiceBasis],
        required=True,
        help="раздел.подраздел 510-п (3.3 — полустационарная, подраздел 3)",
    )
    q.add_argument("--technology", choices=[t.value for t in Technology], default=None)
    q.add_argument("--received", type=_date, default=None, help="дата подачи (сегодня)")
    q.add_argument("--note", default="", help="примечание")
    q = cs.add_parser("list", help="заявления: сроки обследования и решения")
    q.add_argument("--search", default="", help="часть ФИО или регистрационного номера")
    q.add_argument("--state", choices=[k for k in FILTERS if k], default="", help="отбор")
    q.add_argument("--year", type=int, default=None, help="год подачи")
    q = cs.add_parser("survey", help="акт обследования условий жизнедеятельности (п. 6)")
    q.add_argument("--application", type=int, required=True, help="номер заявления")
    q.add_argument("--on", type=_date, required=True, help="дата обследования")
    q.add_argument("--surveyor", required=True, help="кто обследовал")
    q.add_argument("--findings", default="", help="выводы")
    q = cs.add_parser("assess", help="критерии индивидуальной нуждаемости, баллы (п. 7.3 «г»)")
    q.add_argument("--application", type=int, required=True, help="номер заявления")
    q.add_argument(
        "--criterion", type=_criterion, action="append", default=[], help="«основание=баллы»"
    )
    q.add_argument("--on", type=_date, default=None, help="дата оценки (сегодня)")
    q.add_argument("--commission", default="", help="рекомендация Комиссии")
    q.add_argument("--commission-on", type=_date, default=None, help="дата рекомендации")
    q = cs.add_parser("decide", help="решение в течение 5 рабочих дней (п. 4, 8)")
    q.add_argument("--application", type=int, required=True, help="номер заявления")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--grant", action="store_true", help="признать нуждающимся")
    how.add_argument("--refuse", action="store_true", help="отказать (с основанием)")
    q.add_argument("--reason", default="", help="основание отказа (п. 8 «в»)")
    q.add_argument("--on", type=_date, default=None, help="дата решения (сегодня)")
    q = cs.add_parser("notice", help="уведомление заявителю о решении (PDF)")
    q.add_argument("--application", type=int, required=True, help="номер заявления")
    q.add_argument("--out", type=Path, required=True, help="файл .pdf")
    q = cs.add_parser("journal", help="журнал регистрации заявлений и учета решений (п. 3)")
    q.add_argument("--out", type=Path, required=True, help="файл .xlsx или .pdf")
    q.add_argument("--year", type=int, default=None, help="год (текущий)")


def _terms(view: ApplicationView) -> str:
    survey = (
        f"обследование до {format_date(view.survey_due)}"
        if view.survey_due
        else (view.survey_exemption or "")
    )
    decision = f"решение до {format_date(view.decision_due)}" if view.decision_due else ""
    return "; ".join(t for t in (survey, decision) if t)


def cmd_intake(args: argparse.Namespace, db: Database) -> int:
    from app.services import intake

    if args.action == "register":
        view = intake.register(
            db,
            args.citizen,
            ServiceBasis(args.basis),
            args.received,
            Technology(args.technology) if args.technology else None,
            args.note,
        )
        print(
            f"Заявление № {view.journal_number} ({view.id}) зарегистрировано "
            f"{format_date(view.applied_on)}: {view.person}; {_terms(view)}"
        )
        return EXIT_OK
    if args.action == "list":
        rows = intake.list_applications(db, args.search, args.state, args.year)
        print(f"Заявления (6-р): {len(rows)}")
        for r in rows:
            decided = f" {format_date(r.decided_on)}" if r.decided_on else ""
            due = (
                f", решение до {format_date(r.decision_due)}"
                if r.decision_due and r.decision is ApplicationDecision.PENDING
                else ""
            )
            print(
                f"{r.id}  № {r.journal_number}  {format_date(r.applied_on)}  {r.person}  "
                f"{r.basis.short if r.basis else '—'}; обследование: {r.survey}; "
                f"{r.decision_label}{decided}{due}"
            )
        return EXIT_OK
    if args.action == "survey":
        view = intake.record_survey(db, args.application, args.on, args.surveyor, args.findings)
        print(f"Акт обследования от {format_date(args.on)} внесён: {view.person}")
        return EXIT_OK
    if args.action == "assess":
        view = intake.assess(
            db, args.application, args.criterion, args.on, args.commission, args.commission_on
        )
        print(f"Оценка внесена: {view.person}; критериев: {len(view.criteria)}")
        if view.total is not None:
            print(total_text(view.total))
        return EXIT_OK
    if args.action == "decide":
        decision = ApplicationDecision.GRANTED if args.grant else ApplicationDecision.REFUSED
        view = intake.decide(db, args.application, decision, args.reason, args.on)
        print(
            f"Решение от {format_date(view.decided_on)}: {view.decision_label} — {view.person}; "
            "уведомление: ic intake notice"
        )
        return EXIT_OK
    if args.action == "notice":
        path = intake.write_notice(db, args.application, args.out)
        print(f"Уведомление записано: {path}")
        return EXIT_OK
    count = intake.export_journal(db, args.out, args.year)
    print(f"Записано заявлений: {count} → {args.out}")
    return EXIT_OK


COMMANDS = {"intake": cmd_intake}
