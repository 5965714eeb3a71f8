"""Files written for the user can't hurt (issue #10): never over the database or its files,
no live formulas from hostile names, no personal data left in temporary folders by a killed
run, and nothing written or recorded when one of the outputs cannot be."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet import _writer as openpyxl_writer
from sqlalchemy import func, select

from app.cli import main
from app.demo.generator import generate_demo
from app.domain.enums import DeliveryMethod, DocumentStatus
from app.domain.names import full_name
from app.paths import temp_dir
from app.services import dispatch
from app.services.directory import export_directory_xlsx
from app.services.informing import export_eis_list, export_journal
from app.services.profile import update_profile
from app.services.registry_month import export_registry
from app.services.report import export_semiannual
from app.services.settings import load_settings, save_settings
from db import models
from db.session import Database

TODAY = date(2026, 11, 23)
HALF = "2026H1"
FROM, TO = "01.01.2024", "23.11.2026"
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# OWASP's CSV/formula injection starters: "=" is what openpyxl would store as a formula.
HOSTILE = (
    '=HYPERLINK("http://example.invalid/?"&B5,"Подробнее")',
    "+7 900 123-45-67",
    "@SUM(1)",
    "-1+2",
)


def _cli(capsys: pytest.CaptureFixture[str], db_path: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(db_path), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_russian_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert CYRILLIC.search(lines[0]) and "Traceback" not in err and "Errno" not in err, err
    for word in words:
        assert word in lines[0], err


def _demo_month(db: Database) -> str:
    """The reporting month with the most issued routes."""
    entry, route = models.RegistryEntry, models.Route
    with db.session_factory() as s:
        month = s.scalar(
            select(entry.reporting_month)
            .join(route, route.entry_id == entry.id)
            .where(route.status == DocumentStatus.ISSUED)
            .group_by(entry.reporting_month)
            .order_by(func.count(route.id).desc())
            .limit(1)
        )
    assert month is not None
    return str(month)


def _snils_with_plan(db: Database) -> str:
    with db.session_factory() as s:
        snils = s.scalar(
            select(models.Citizen.snils)
            .join(models.SupportPlan, models.SupportPlan.citizen_id == models.Citizen.id)
            .where(models.Citizen.snils.is_not(None))
            .limit(1)
        )
    assert snils is not None
    return snils


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, 200, 7, today=TODAY)
    return db


# --- 1. never over the database ---------------------------------------------------------


def _commands(db: Database) -> dict[str, list[str]]:
    """Every command that writes a file for the user, without its --out value."""
    month = _demo_month(db)
    period = ["--from", FROM, "--to", TO]
    return {
        "registry-xlsx": ["registry", "export", "--month", month, "--format", "xlsx", "--out"],
        "registry-pdf": ["registry", "export", "--month", month, "--format", "pdf", "--out"],
        "route": ["route", "pdf", "--month", month, "--out"],
        "plan": ["plan", "pdf", "--snils", _snils_with_plan(db), "--out"],
        "journal-xlsx": ["journal", "export", *period, "--format", "xlsx", "--out"],
        "journal-pdf": ["journal", "export", *period, "--format", "pdf", "--out"],
        "eis-list": ["eis-list", *period, "--out"],
        "report-xlsx": ["report", "semiannual", "--half", HALF, "--format", "xlsx", "--out"],
        "report-pdf": ["report", "semiannual", "--half", HALF, "--format", "pdf", "--out"],
        "directory": ["directory", "export", "--out"],
        "dispatch-post": ["dispatch", "post", "--today", "23.11.2026", "--out"],
        "dispatch-list": ["dispatch", "post", "--out", "{tmp}/safe.pdf", "--list"],
        "demo-extract": ["demo-extract", "--rows", "5", "--out"],
    }


def _protected(db_path: Path) -> dict[str, Path]:
    """The database's own files, spelled as a user might: directly, through a symlink,
    through "..", inside its backups and temporary folders."""
    link = db_path.parent / "link.sqlite"
    link.symlink_to(db_path)
    xlsx_link = db_path.parent / "database.xlsx"  # what demo-extract takes
    xlsx_link.symlink_to(db_path)
    (db_path.parent / "sub").mkdir()
    return {
        "database": db_path,
        "wal": db_path.with_name(db_path.name + "-wal"),
        "shm": db_path.with_name(db_path.name + "-shm"),
        "journal": db_path.with_name(db_path.name + "-journal"),
        "keys": db_path.with_name(db_path.name + ".keys"),
        "backups": db_path.parent / "backups" / "copy.xlsx",
        "temporary": temp_dir(db_path) / "x.xlsx",
        "symlink": link,
        "xlsx-symlink": xlsx_link,
        "dot-dot": db_path.parent / "sub" / ".." / db_path.name,
    }


def _state(paths: dict[str, Path]) -> dict[str, bytes | None]:
    return {k: (p.read_bytes()[:16] if p.is_file() else None) for k, p in paths.items()}


def _run(
    capsys: pytest.CaptureFixture[str], db_path: Path, argv: list[str], out: Path
) -> tuple[int, str]:
    args = [a.replace("{tmp}", str(db_path.parent)) for a in argv]
    code, _, err = _cli(capsys, db_path, *args, str(out))
    return code, err


def test_no_command_writes_over_the_database_or_its_files(
    demo: Database, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (db_path.parent / "backups").mkdir(exist_ok=True)
    commands = _commands(demo)
    for name, argv in commands.items():  # each works with an ordinary file
        suffix = ".pdf" if "pdf" in name or name == "route" or name == "plan" else ".xlsx"
        code, err = _run(capsys, db_path, argv, db_path.parent / f"ok-{name}{suffix}")
        assert code == 0, (name, err)
    protected = _protected(db_path)
    with demo.session_factory() as s:
        dispatches = s.scalar(select(func.count(models.Dispatch.id)))
    before = _state(protected)
    for name, argv in commands.items():
        some = ("database", "wal", "keys", "backups", "xlsx-symlink")
        if name == "demo-extract":  # an extract is .xlsx: the database under that name
            some = ("xlsx-symlink", "backups", "temporary")
        targets = protected if name in ("registry-xlsx", "dispatch-list") else {
            k: protected[k] for k in some
        }  # fmt: skip
        for kind, target in targets.items():
            code, err = _run(capsys, db_path, argv, target)
            assert code == 2, (name, kind, err)
            _one_russian_line(err, target.name)
            assert "программы" in err, (name, kind, err)
    after = _state(protected)
    assert after == before  # the same first bytes: SQLite's, never PK (XLSX) or %PDF
    assert before["database"] is not None and before["database"].startswith(b"SQLite format 3")
    assert not protected["backups"].exists() and not protected["keys"].exists()
    assert not temp_dir(db_path).exists()
    with demo.session_factory() as s:
        assert s.scalar(select(func.count(models.Dispatch.id))) == dispatches
        assert s.execute(select(func.count(models.Citizen.id))).scalar_one() == 200


# --- 2. formula injection ---------------------------------------------------------------


def _plant_hostile_names(db: Database) -> set[str]:
    """Hostile text in every kind of field the XLSX files print; returns the citizens'
    names as printed ("Фамилия Имя Отчество")."""
    save_settings(db, replace(load_settings(db), provider_name=HOSTILE[0]))
    update_profile(db, full_name=HOSTILE[2], phone=HOSTILE[1])
    names: set[str] = set()
    with db.session_factory.begin() as s:
        for i, citizen in enumerate(s.scalars(select(models.Citizen).order_by(models.Citizen.id))):
            citizen.last_name = HOSTILE[i % len(HOSTILE)]
            names.add(full_name(citizen.last_name, citizen.first_name, citizen.middle_name))
            for rep in citizen.representatives:
                rep.last_name = HOSTILE[(i + 1) % len(HOSTILE)]
                names.add(full_name(rep.last_name, rep.first_name, rep.middle_name))
        for i, call in enumerate(s.scalars(select(models.CallAttempt))):
            call.phone = HOSTILE[1]
            call.comment = HOSTILE[i % len(HOSTILE)]
        orgs = s.scalars(select(models.Organisation).order_by(models.Organisation.id)).all()
        for i, org in enumerate(orgs):
            org.name = HOSTILE[i] if i < len(HOSTILE) else f"{HOSTILE[i % len(HOSTILE)]} {i}"
    return names


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(
            z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")
        )


def _texts(path: Path) -> set[str]:
    book = load_workbook(path)
    return {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}


def test_every_xlsx_stores_hostile_text_as_text_and_writes_no_sheet_to_a_temporary_file(
    demo: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # openpyxl's wb.save writes each sheet (names, addresses) to a plain temporary file
    # first; the program's save_workbook streams it into the archive instead (issue #10, 6).
    scratch: list[str] = []
    original = openpyxl_writer.create_temporary_file

    def spy(suffix: str = "") -> str:
        scratch.append(original(suffix))
        return scratch[-1]

    monkeypatch.setattr(openpyxl_writer, "create_temporary_file", spy)
    names = _plant_hostile_names(demo)
    month = _demo_month(demo)
    start, end = date(2024, 1, 1), TODAY
    files = {
        "registry": export_registry(demo, month, "xlsx", tmp_path / "registry.xlsx").path,
        "report": export_semiannual(demo, HALF, "xlsx", tmp_path / "report.xlsx").path,
        "directory": tmp_path / "directory.xlsx",
        "journal": tmp_path / "journal.xlsx",
        "eis": tmp_path / "eis.xlsx",
        "post-list": tmp_path / "post-list.xlsx",
    }
    export_directory_xlsx(demo, files["directory"])
    export_journal(demo, start, end, "xlsx", files["journal"])
    export_eis_list(demo, start, end, files["eis"])
    post = [i.entry_id for i in dispatch.to_send(demo, TODAY) if i.method is DeliveryMethod.POST]
    dispatch.prepare_post(demo, post, tmp_path / "post.pdf", TODAY, list_xlsx=files["post-list"])
    assert scratch == []
    texts = {kind: _texts(path) for kind, path in files.items()}
    for kind, path in files.items():
        xml = _sheet_xml(path)
        assert "<f>" not in xml and "<f " not in xml, kind  # the program writes no formulas
        assert 't="inlineStr"' in xml or 't="s"' in xml, kind
    # Each text exactly as entered: no apostrophe, nothing trimmed or evaluated.
    for kind in ("registry", "report", "journal", "eis"):
        assert HOSTILE[0] in texts[kind], kind  # the provider's name, a line of its own
    assert set(HOSTILE) <= texts["directory"]  # organisation names
    assert {HOSTILE[1], HOSTILE[2]} <= texts["journal"]  # the phone and the specialist
    for kind in ("registry", "journal", "eis", "post-list"):
        printed = names & texts[kind]
        for hostile in HOSTILE:
            assert any(n.startswith(hostile) for n in printed), (kind, hostile)


# --- 6. a killed post batch leaves no personal data in temporary folders ----------------


def _ic() -> list[str]:
    script = Path(sys.executable).with_name("ic")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def _post_dispatches(db: Database) -> int:
    with db.session_factory() as s:
        count = s.scalar(
            select(func.count(models.Dispatch.id)).where(
                models.Dispatch.method == DeliveryMethod.POST
            )
        )
    return count or 0


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and TMPDIR are POSIX")
def test_killed_post_batch_leaves_nothing_in_the_temp_folders(
    db: Database, db_path: Path, tmp_path: Path
) -> None:
    generate_demo(db, 1000, 7, today=TODAY)  # some 30 letters: about a second to render
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    folder = tmp_path / "out"
    folder.mkdir()
    out, post_list = folder / "post.pdf", folder / "list.xlsx"
    env = {**os.environ, "TMPDIR": str(system_temp), "TEMP": str(system_temp)}
    argv = [*_ic(), "--db", str(db_path), "dispatch", "post", "--today", "23.11.2026"]
    argv += ["--out", str(out), "--list", str(post_list)]
    posted = _post_dispatches(db)
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as process:
        try:
            deadline = time.monotonic() + 60
            while not any(p.name.startswith(".post.pdf.") for p in folder.iterdir()):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(0.2)  # well into rendering the letters, routes and plans
        finally:
            process.kill()  # SIGKILL: no handler, no cleanup runs
    assert process.returncode == -signal.SIGKILL
    assert not out.exists() and not post_list.exists(), "killed too late to prove anything"
    assert list(system_temp.iterdir()) == []  # no ic-post-*, no openpyxl.* with names
    assert [p.name for p in folder.iterdir() if p.name.startswith(".post.pdf.")]
    assert _post_dispatches(db) == posted  # nothing recorded for files never written

    # What a killed XLSX save leaves (openpyxl's sheet with names) waits in the database's
    # own folder, never the system's: the next start removes it.
    temp_dir(db_path).mkdir(mode=0o700, exist_ok=True)
    (temp_dir(db_path) / "openpyxl.leftover").write_text("Иванов Иван", encoding="utf-8")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["list.xlsx", "post.pdf"]
    assert not temp_dir(db_path).exists()
    assert list(system_temp.iterdir()) == []


# --- 7. all outputs checked before anything is written or recorded -----------------------


@pytest.mark.parametrize(
    "bad_list",
    ["/no/such/dir/list.xlsx", "{tmp}/post.pdf", "{tmp}/file.txt/list.xlsx"],
    ids=["missing-folder", "same-as-out", "under-a-file"],
)
def test_post_batch_with_a_bad_list_writes_and_records_nothing(
    demo: Database,
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad_list: str,
) -> None:
    (tmp_path / "file.txt").write_text("a file, not a folder", encoding="utf-8")
    bad = bad_list.replace("{tmp}", str(tmp_path))
    out = tmp_path / "post.pdf"
    with demo.session_factory() as s:
        before = s.scalar(select(func.count(models.Dispatch.id)))
        audited = s.scalar(select(func.count(models.AuditEvent.id)))
    code, stdout, err = _cli(
        capsys, db_path, "dispatch", "post", "--today", "23.11.2026", "--out", str(out),
        "--list", bad,
    )  # fmt: skip
    assert code == 2 and stdout == ""
    _one_russian_line(err, Path(bad).name)
    assert not out.exists() and not Path(bad).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with demo.session_factory() as s:
        assert s.scalar(select(func.count(models.Dispatch.id))) == before
        assert s.scalar(select(func.count(models.AuditEvent.id))) == audited


def test_post_batch_writes_the_list_with_the_letters(demo: Database, tmp_path: Path) -> None:
    post = [i.entry_id for i in dispatch.to_send(demo, TODAY) if i.method is DeliveryMethod.POST]
    batch = dispatch.prepare_post(
        demo, post, tmp_path / "post.pdf", TODAY, list_xlsx=tmp_path / "list.xlsx"
    )
    # Form 103 (issue #12): the letters under the headings and the row of column numbers.
    rows = list(load_workbook(tmp_path / "list.xlsx").active.iter_rows(values_only=True))
    first = next(n for n, r in enumerate(rows) if r[0] == "№ п/п") + 2
    assert rows[first + len(batch.items)][0] is None  # the list ends with its letters
    rows = rows[first : first + len(batch.items)]
    assert [(r[0], r[1], str(r[2]).split(",")[0]) for r in rows] == [
        (n, i.addressee, i.postcode) for n, i in enumerate(batch.items, start=1)
    ]
    again = tmp_path / "again.xlsx"
    assert dispatch.write_post_list(demo, batch.dispatch_ids, again) == len(rows)
    assert (
        list(load_workbook(again).active.iter_rows(values_only=True))[first:][: len(rows)] == rows
    )
    with demo.session_factory() as s:
        actions = s.scalars(select(models.AuditEvent.action)).all()
    assert actions.count("dispatch.post.list") == 2


# --- 4. names too long, folders that cannot be written ----------------------------------


def test_a_name_over_255_bytes_is_one_russian_line(
    demo: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_name = "Ж" * 130  # 260 bytes in UTF-8
    for argv in (
        ["directory", "export", "--out", str(tmp_path / f"{long_name}.xlsx")],
        ["dispatch", "post", "--today", "23.11.2026", "--out", str(tmp_path / f"{long_name}.pdf")],
        ["demo-extract", "--rows", "5", "--out", str(tmp_path / f"{long_name}.xlsx")],
    ):
        code, _, err = _cli(capsys, db_path, *argv)
        assert code == 2, err
        _one_russian_line(err, "слишком длинное имя")
    assert not [p for p in tmp_path.iterdir() if long_name[:10] in p.name]


def test_demo_extract_into_a_folder_that_cannot_be_written(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if getattr(os, "geteuid", lambda: -1)() == 0:  # root writes through chmod 0o500:
        (tmp_path / "file.txt").write_text("a file, not a folder", encoding="utf-8")
        out = tmp_path / "file.txt" / "out.xlsx"  # a file where the folder should be
        words = "file.txt"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        out = locked / "out.xlsx"
        words = "нет прав на запись"
    code, _, err = _cli(capsys, db_path, "demo-extract", "--rows", "5", "--out", str(out))
    assert code == 2
    _one_russian_line(err, words)
    assert "Not a directory" not in err and "Permission denied" not in err
    assert not out.exists()


def test_demo_extract_on_a_machine_with_no_data_folder_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found using the window: `ic demo-extract` before any database existed said it could
    not make the temporary folder beside the default database and printed a traceback."""
    # The data folder where platformdirs puts it (not IC_HOME, whose logs/ would make it).
    monkeypatch.delenv("IC_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "no-such-data-folder"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    out = tmp_path / "Выписка ноябрь.xlsx"
    done = subprocess.run(
        [*_ic(), "demo-extract", "--rows", "8", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "Выписка записана" in done.stdout
    assert load_workbook(out).active.max_row == 9
    assert not (tmp_path / "no-such-data-folder").exists()  # nothing made for it
