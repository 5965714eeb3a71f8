"""Screenshots of the windows for docs/screenshots: python scripts/screenshots.py [DB]."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.demo.extract import write_demo_extract  # noqa: E402
from app.demo.generator import generate_demo  # noqa: E402
from app.domain.enums import CallOutcome, Source  # noqa: E402
from db.session import open_database  # noqa: E402
from ui.call_dialog import CallDialog  # noqa: E402
from ui.citizen_dialog import CitizenDialog  # noqa: E402
from ui.import_wizard import ImportWizard  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.plan_dialog import PlanDialog  # noqa: E402
from ui.route_dialog import RouteDialog  # noqa: E402

TODAY = date(2026, 11, 23)
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    work = Path(tempfile.mkdtemp(prefix="ic-shots-"))
    if len(sys.argv) > 1:
        db = open_database(Path(sys.argv[1]))
    else:
        db = open_database(work / "demo.sqlite")
        generate_demo(db, 2000, seed=1, today=TODAY)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        db, work / "ic.log", today=TODAY, settings=settings, start_section="registry"
    )
    window.resize(1400, 800)
    window.show()
    for _ in range(20):
        app.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(OUT / "main_window.png"))

    citizen_id = window.registry_page.selected_citizen_id()
    assert citizen_id is not None
    card = CitizenDialog(db, citizen_id, today=TODAY, parent=window)
    card.show()
    app.processEvents()
    card.grab().save(str(OUT / "citizen_card.png"))
    card.tabs.setCurrentIndex(2)
    app.processEvents()
    card.grab().save(str(OUT / "citizen_card_disability.png"))
    card.tabs.setCurrentIndex(3)
    app.processEvents()
    card.grab().save(str(OUT / "citizen_card_history.png"))
    card.close()

    new = CitizenDialog(db, None, today=TODAY, source=Source.WALK_IN, parent=window)
    new.edits["last_name"].setText("Ёлкина")
    new.edits["birth_date"].setText("31.02.1980")
    new.edits["snils"].setText("112-233-445 96")
    new.show()
    app.processEvents()
    new.grab().save(str(OUT / "citizen_card_new_errors.png"))
    new.close()
    entry_id = window.registry_page.selected_entry_id()
    assert entry_id is not None
    call = CallDialog(db, entry_id, parent=window)
    call.show()
    call.start_call()
    call.set_outcome(CallOutcome.REACHED)
    call.told_measures.setChecked(True)
    QTest.qWait(50)
    call.grab().save(str(OUT / "call_window.png"))
    call.close()
    route = RouteDialog(db, entry_id, today=TODAY, parent=window)
    route.resize(1200, 560)
    route.show()
    QTest.qWait(50)
    route.grab().save(str(OUT / "route_editor.png"))
    route.close()
    plan = PlanDialog(db, entry_id, today=TODAY, parent=window)
    plan.add_question("Оформить знак «Инвалид» для автомобиля")
    plan.show()
    QTest.qWait(50)
    plan.grab().save(str(OUT / "plan_editor.png"))
    plan.close()
    window.nav.setCurrentRow(5)
    task = window._deadline_task
    while task is not None and task.running:
        QTest.qWait(20)
    QTest.qWait(100)
    window.grab().save(str(OUT / "dashboard.png"))
    window.nav.setCurrentRow(4)
    QTest.qWait(50)
    window.grab().save(str(OUT / "dispatch.png"))
    window.nav.setCurrentRow(6)
    QTest.qWait(50)
    window.grab().save(str(OUT / "reports.png"))
    window.nav.setCurrentRow(7)
    QTest.qWait(50)
    window.grab().save(str(OUT / "directory.png"))
    window.nav.setCurrentRow(0)

    extract = work / "extract.xlsx"
    write_demo_extract(extract, rows=300, seed=9, today=TODAY, month=(2026, 10))
    wizard = ImportWizard(db, today=TODAY, path=extract, parent=window)
    wizard.resize(1000, 620)
    wizard.show()
    wizard.grab().save(str(OUT / "import_wizard_file.png"))
    wizard.next()
    while wizard.task is not None and wizard.task.running:
        QTest.qWait(20)  # not a processEvents() loop: see ui/worker.py
    QTest.qWait(100)
    wizard.grab().save(str(OUT / "import_wizard_check.png"))
    wizard.close()

    window.close()
    db.close()
    print(f"screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
