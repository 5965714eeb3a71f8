"""Small services on a real database file: calendar overrides, profile, settings, audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.enums import InstallationMode
from app.errors import NotFoundError, ValidationError
from app.services import calendar, maintenance, profile
from app.services.settings import load_settings, save_settings
from app.settings import Settings, SmtpSettings
from db import models
from db.session import Database, open_database


def _audit_actions(db: Database) -> list[str]:
    with db.session_factory() as session:
        return list(
            session.scalars(select(models.AuditEvent.action).order_by(models.AuditEvent.id))
        )


def test_override_moves_working_day_arithmetic_and_is_audited(db: Database) -> None:
    # 31.12.2026 is a day off by the 2026 transfer; a provider told to work makes it working.
    assert not calendar.load_calendar(db).is_working_day(date(2026, 12, 31))
    calendar.set_override(db, date(2026, 12, 31), True, "  приказ № 5  ")
    cal = calendar.load_calendar(db)
    assert cal.is_working_day(date(2026, 12, 31))
    assert cal.add_working_days(date(2026, 12, 30), 1) == date(2026, 12, 31)
    assert calendar.list_overrides(db) == [
        calendar.Override(date(2026, 12, 31), True, "приказ № 5")
    ]

    calendar.set_override(db, date(2026, 12, 31), False)  # changing it keeps one row
    assert [o.is_working for o in calendar.list_overrides(db)] == [False]
    calendar.remove_override(db, date(2026, 12, 31))
    assert calendar.list_overrides(db) == []
    assert _audit_actions(db).count("calendar.override") == 2
    assert "calendar.override.remove" in _audit_actions(db)


def test_removing_a_missing_override_says_which_day(db: Database) -> None:
    with pytest.raises(NotFoundError, match="05.01.2026"):
        calendar.remove_override(db, date(2026, 1, 5))


def test_profile_is_the_author_and_survives_reopening(db_path: Path) -> None:
    db = open_database(db_path)
    try:
        first = profile.get_profile(db)
        assert first.full_name  # a default profile exists from the first start
        updated = profile.update_profile(
            db,
            full_name="  Петрова   Анна Сергеевна ",
            position="специалист по социальной работе",
            organisation="АСУСОН ТО «КЦСОН г. Тюмени»",
            phone="+7 3452 00-00-00",
        )
        assert updated.full_name == "Петрова Анна Сергеевна"
        assert "Петрова Анна Сергеевна" in updated.signature
        with pytest.raises(ValidationError, match="Ф.И.О."):
            profile.update_profile(db, full_name="   ")
    finally:
        db.close()
    db = open_database(db_path)
    try:
        again = profile.get_profile(db)
        assert again.full_name == "Петрова Анна Сергеевна"
        assert again.id == first.id
        with db.session_factory() as session:
            assert session.scalar(select(models.User).where(models.User.id == again.id)) is not None
            event = session.scalars(select(models.AuditEvent)).all()[-1]
            assert event.action == "profile.update"
            assert event.created_by_id == again.id
    finally:
        db.close()


def test_settings_round_trip_and_defaults(db_path: Path) -> None:
    db = open_database(db_path)
    try:
        assert load_settings(db) == Settings()
        wanted = Settings(
            mode=InstallationMode.REGIONAL_CENTRE,
            provider_name="КЦСОН",
            smtp=SmtpSettings(host="smtp.example.ru", port=465, security="tls"),
        )
        save_settings(db, wanted)
    finally:
        db.close()
    db = open_database(db_path)
    try:
        assert load_settings(db) == wanted
    finally:
        db.close()


def test_a_stored_value_this_version_does_not_know_falls_back_to_the_default(
    db: Database,
) -> None:
    save_settings(db, Settings(provider_name="КЦСОН"))
    with db.session_factory.begin() as session:
        row = session.scalar(select(models.Setting).where(models.Setting.key.endswith("mode")))
        assert row is not None
        row.value = '"SOMETHING_NEWER"'
    loaded = load_settings(db)
    assert loaded.mode is Settings().mode
    assert loaded.provider_name == "КЦСОН"


def test_counts_cover_the_main_tables(db: Database) -> None:
    labels = [label for label, _ in maintenance.counts(db)]
    assert {"Граждане", "Записи реестра", "Маршруты", "Звонки"} <= set(labels)
