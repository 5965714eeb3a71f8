"""The minimal main window on real databases, driven offscreen with pytest-qt."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.services import profile
from app.services.demo import generate_demo
from db.session import Database
from ui.main_window import MainWindow

TODAY = date(2026, 11, 23)


def _rows(window: MainWindow, box: str) -> dict[str, str]:
    form = window.counts_form if box == "counts" else window.deadlines_form
    rows: dict[str, str] = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole).widget()
        value = form.itemAt(row, form.ItemRole.FieldRole).widget()
        rows[label.text()] = value.text()  # type: ignore[attr-defined]
    return rows


def test_new_database_shows_zero_counts_and_monthly_duties(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY)
    qtbot.addWidget(window)
    counts = _rows(window, "counts")
    assert counts["Граждане"] == "0"
    deadlines = _rows(window, "deadlines")
    # Nothing imported yet: the October extract is overdue (31-р 3.1.1).
    assert deadlines["просрочено: Выгрузка сведений из ЕИС СЗН за месяц"] == "1"
    assert window.deadlines_box.title() == "Сроки на 23.11.2026"
    assert str(db.path) in window.path_label.text()


def test_refresh_picks_up_new_data_and_profile(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    window = MainWindow(db, tmp_path / "ic.log", today=TODAY)
    qtbot.addWidget(window)
    generate_demo(db, 200, seed=2, today=TODAY)
    profile.update_profile(db, full_name="Петрова Анна Сергеевна", position="специалист")
    assert _rows(window, "counts")["Граждане"] == "0"  # not yet refreshed

    refresh = next(
        a for a in window.menuBar().actions()[0].menu().actions() if "Обновить" in a.text()
    )
    refresh.trigger()

    assert _rows(window, "counts")["Граждане"] == "200"
    deadlines = _rows(window, "deadlines")
    assert any(key.startswith("просрочено: Информирование") for key in deadlines)
    assert window.user_label.text() == "Специалист: Петрова Анна Сергеевна"
    image = window.grab()
    assert not image.isNull() and image.width() >= 600
