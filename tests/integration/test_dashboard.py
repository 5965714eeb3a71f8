"""The dashboard's service: what a deadline item opens, and the registry's monthly flow."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from app.demo.generator import generate_demo
from app.domain.periods import Month
from app.services import dashboard
from app.services.deadlines import due_items
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, 300, seed=4, today=TODAY)
    return db


def test_monthly_flow_counts_columns_2_7_9_per_month(demo: Database) -> None:
    flow = dashboard.monthly_flow(demo, Month(2026, 11), months=12)
    assert [m.month for m in flow][0] == "2025-12" and flow[-1].month == "2026-11"
    with demo.session_factory() as session:
        entries = session.scalars(select(models.RegistryEntry)).all()
        expected = {
            "identified": Counter(f"{e.identified_on:%Y-%m}" for e in entries),
            "informed": Counter(f"{e.informed_on:%Y-%m}" for e in entries if e.informed_on),
            "route_sent": Counter(f"{e.route_sent_on:%Y-%m}" for e in entries if e.route_sent_on),
        }
    for month in flow:
        assert month.identified == expected["identified"][month.month]
        assert month.informed == expected["informed"][month.month]
        assert month.route_sent == expected["route_sent"][month.month]
    assert sum(m.identified for m in flow) > 0


def test_every_item_with_a_record_opens_its_person(demo: Database) -> None:
    items = due_items(demo, TODAY)
    with_records = [i for i in items if i.entity_id is not None]
    assert {i.entity for i in with_records} >= {"registry_entry", "intake_application"}
    for item in with_records:
        citizen_id = dashboard.citizen_of_item(demo, item.entity, item.entity_id)
        assert citizen_id is not None, item
        with demo.session_factory() as session:
            citizen = session.get(models.Citizen, citizen_id)
            assert citizen is not None
            assert item.person.startswith(citizen.last_name)
    monthly = [i for i in items if i.entity_id is None]
    assert all(dashboard.citizen_of_item(demo, i.entity, i.entity_id) is None for i in monthly)
    assert dashboard.citizen_of_item(demo, "unknown_table", 1) is None
