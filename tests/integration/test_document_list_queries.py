"""The lists of the «Маршруты» and «Планы сопровождения» sections (issue #12), on real files.

(Named apart from tests/ui/test_document_lists.py: the test folders are not packages.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.enums import (
    DeliveryMethod,
    DispatchDocument,
    DispatchStatus,
    MeasureKind,
    PlanStatus,
    Source,
    TargetCategory,
)
from app.domain.snils import snils_checksum
from app.services import plans, routes
from app.services.plans import PlanFilter
from app.services.routes import RouteFilter, RouteLineDraft
from db import models
from db.session import Database

TODAY = date(2026, 11, 23)


def _snils(n: int) -> str:
    first9 = f"{n:09d}"
    return first9 + f"{snils_checksum(first9):02d}"


@dataclass
class People:
    """Entry ids of the people the lists are checked on."""

    ivanova: int  # two issued versions, the second sent by e-mail
    yolkina: int  # «Ёлкина»: an issued route, not sent; a plan completed and sent by post
    petrov: int  # a draft only; an open plan
    snils_yolkina: str


def _person(
    session: object, last: str, first: str, number: int, month: str, day: int
) -> models.RegistryEntry:
    citizen = models.Citizen(
        last_name=last,
        first_name=first,
        middle_name="Петровна",
        search_name=f"{last} {first} петровна".lower().replace("ё", "е"),
        birth_date=date(1970, 3, 1),
        snils=_snils(200000000 + number),
        actual_address=f"627750, Тюменская обл., г. Ишим, ул. Мира, д. {number}",
        district="Ишимский район",
    )
    session.add(citizen)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    identified = date(int(month[:4]), int(month[5:]), day)
    entry = models.RegistryEntry(
        citizen_id=citizen.id,
        reporting_month=month,
        number=number,
        identified_on=identified,
        source=Source.EXTRACT,
        category=TargetCategory.GROUP_II,
        entered_on=identified,
        informed_on=identified,
    )
    session.add(entry)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return entry


def _route(db: Database, entry_id: int, service: str, on: date, *, issue: bool = True) -> int:
    draft = routes.propose_route(db, entry_id)
    lines = (RouteLineDraft(MeasureKind.SOCIAL, MeasureKind.SOCIAL.route_title, service, None),)
    route_id = routes.save_route_draft(db, replace(draft, lines=lines), on)
    return routes.issue_route(db, route_id, on) if issue else route_id


def _dispatch(
    db: Database, entry_id: int, method: DeliveryMethod, sent_on: date, **ids: int
) -> None:
    with db.session_factory.begin() as s:
        s.add(
            models.Dispatch(
                entry_id=entry_id,
                document=DispatchDocument.PLAN if "plan_id" in ids else DispatchDocument.ROUTE,
                method=method,
                status=DispatchStatus.SENT,
                sent_on=sent_on,
                **ids,
            )
        )
        entry = s.get(models.RegistryEntry, entry_id)
        assert entry is not None
        if "route_id" in ids:
            entry.route_sent_on, entry.route_sent_method = sent_on, method
        else:
            entry.plan_sent_method = method


@pytest.fixture
def people(db: Database) -> People:
    with db.session_factory.begin() as s:
        ivanova = _person(s, "Иванова", "Мария", 1, "2026-10", 5).id
        yolkina = _person(s, "Ёлкина", "Алёна", 2, "2026-10", 6).id
        petrov = _person(s, "Петрова", "Анна", 3, "2026-11", 2).id
    _route(db, ivanova, "Первая версия", date(2026, 10, 20))
    second = _route(db, ivanova, "Вторая версия", date(2026, 11, 2))
    _dispatch(db, ivanova, DeliveryMethod.EMAIL, date(2026, 11, 3), route_id=second)
    _route(db, yolkina, "Услуга", date(2026, 11, 5))
    _route(db, petrov, "Черновик", date(2026, 11, 20), issue=False)
    for entry_id, drawn, completed in (
        (yolkina, date(2026, 11, 6), date(2026, 11, 19)),
        (petrov, date(2026, 11, 21), None),
    ):
        form = plans.start_plan(db, entry_id, drawn)
        form = replace(
            form,
            questions=(plans.QuestionForm("Путёвка в санаторий"),),
            completed_on=completed.strftime("%d.%m.%Y") if completed else "",
        )
        plan_id = plans.save_plan(db, form, None, TODAY)
        if completed:
            _dispatch(db, entry_id, DeliveryMethod.POST, date(2026, 11, 20), plan_id=plan_id)
    return People(ivanova, yolkina, petrov, f"{_snils(200000002)}")


def _by_name(rows: tuple[routes.RouteRow, ...]) -> list[tuple[str, str, str]]:
    return [(r.name.split()[0], r.status_label, r.sent) for r in rows]


def test_routes_list_every_version_with_its_state_and_dispatch(
    db: Database, people: People
) -> None:
    found = routes.list_routes(db)
    assert found.total == 4
    # The latest issued or drawn up first.
    assert _by_name(found.rows) == [
        ("Петрова", "черновик (версия 1)", ""),
        ("Ёлкина", "выдан", ""),
        ("Иванова", "выдан, версия 2", "электронная почта, 03.11.2026"),
        ("Иванова", "заменён (версия 1)", ""),
    ]
    first = found.rows[1]
    assert first.snils == "200-000-002 " + people.snils_yolkina[-2:]
    assert (first.month, first.number, first.version) == ("2026-10", 2, 1)
    assert (first.drawn_up_on, first.issued_on) == (date(2026, 11, 5), date(2026, 11, 5))
    assert first.entry_id == people.yolkina
    assert first.file_stem == "Маршрут_Ёлкина_А_П_2026-10"


@pytest.mark.parametrize(
    ("search", "month", "status", "expected"),
    [
        ("елкина", None, None, ["Ёлкина"]),  # ё typed as е
        ("ЁЛКИНА алена", None, None, ["Ёлкина"]),  # any case, both words
        ("200-000-001", None, None, ["Иванова", "Иванова"]),  # СНИЛС as printed
        ("20000000", None, None, ["Петрова", "Ёлкина", "Иванова", "Иванова"]),
        ("", "2026-11", None, ["Петрова"]),
        ("", "2026-10", RouteFilter.ISSUED, ["Ёлкина", "Иванова"]),
        ("", None, RouteFilter.DRAFT, ["Петрова"]),
        ("", None, RouteFilter.UNSENT, ["Ёлкина"]),
        ("", None, RouteFilter.SUPERSEDED, ["Иванова"]),
        ("сидоров", None, None, []),
    ],
)
def test_routes_search_and_filters_run_in_sql(
    db: Database,
    people: People,
    search: str,
    month: str | None,
    status: RouteFilter | None,
    expected: list[str],
) -> None:
    found = routes.list_routes(db, search, month, status)
    assert [r.name.split()[0] for r in found.rows] == expected
    assert found.total == len(expected)


def test_a_list_shows_the_first_rows_and_counts_them_all(db: Database, people: People) -> None:
    found = routes.list_routes(db, limit=2)
    assert len(found.rows) == 2 and found.total == 4
    filtered = routes.list_routes(db, "иванова", limit=1)
    assert len(filtered.rows) == 1 and filtered.total == 2
    assert plans.list_plans(db, limit=1).total == 2


def test_plans_list_state_and_dispatch(db: Database, people: People) -> None:
    found = plans.list_plans(db)
    assert [(r.name.split()[0], r.status_label, r.sent) for r in found.rows] == [
        ("Петрова", "реализуется", ""),
        ("Ёлкина", "реализован", "почтовое отправление, 20.11.2026"),
    ]
    assert found.rows[1].file_stem == "План_Ёлкина_А_П_2026-10"
    assert found.rows[1].status == PlanStatus.COMPLETED
    assert found.rows[1].completed_on == date(2026, 11, 19)
    assert [r.name for r in plans.list_plans(db, "алёна").rows] == ["Ёлкина Алёна Петровна"]
    assert [r.month for r in plans.list_plans(db, month="2026-11").rows] == ["2026-11"]
    assert plans.list_plans(db, status=PlanFilter.OPEN).rows[0].entry_id == people.petrov
    assert [r.entry_id for r in plans.list_plans(db, status=PlanFilter.COMPLETED).rows] == [
        people.yolkina
    ]
    assert [r.entry_id for r in plans.list_plans(db, status=PlanFilter.UNSENT).rows] == [
        people.petrov
    ]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils needed")
def test_documents_for_the_preview_are_made_in_memory_and_printing_is_audited(
    db: Database, people: People, tmp_path: Path
) -> None:
    route = routes.list_routes(db, "елкина").rows[0]
    plan = plans.list_plans(db, "елкина").rows[0]
    for name, data in (
        ("route.pdf", routes.route_pdf_bytes(db, route.route_id)),
        ("plan.pdf", plans.plan_pdf_bytes(db, plan.plan_id)),
    ):
        (tmp_path / name).write_bytes(data)
        text = subprocess.run(
            ["pdftotext", str(tmp_path / name), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Ёлкина Алёна Петровна" in " ".join(text.split())
    routes.record_route_printed(db, route.route_id, "HP LaserJet", 1)
    plans.record_plan_printed(db, plan.plan_id, "HP LaserJet", 2)
    with db.session_factory() as s:
        events = s.execute(
            select(models.AuditEvent.action, models.AuditEvent.details).order_by(
                models.AuditEvent.id.desc()
            )
        ).all()
    assert [e.action for e in events[:2]] == ["plan.export", "route.export"]
    assert json.loads(events[0].details or "{}")["printer"] == "HP LaserJet"
