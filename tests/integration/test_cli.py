"""The `ic` command line on real database files: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.services import access

TODAY = "2026-11-23"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv)) if argv else main([])
    out, err = capsys.readouterr()
    return code, out, err


def run_error(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """A command that fails: argparse exits, our handlers return; either way one line."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, err


def assert_one_line_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ошибка: ")
    assert "Traceback" not in err


def test_init_then_check_on_a_new_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_file = tmp_path / "new" / "ic.sqlite"
    code, out, _ = run(capsys, "--db", str(db_file), "init")
    assert code == EXIT_OK
    assert db_file.is_file()
    assert "создана" in out

    code, out, _ = run(capsys, "--db", str(db_file), "check")
    assert code == EXIT_OK
    assert "Целостность: в порядке" in out
    assert "Нарушения внешних ключей: 0" in out
    assert "актуальна" in out
    assert "Журнал: wal" in out
    assert "Граждане" in out

    code, out, _ = run(capsys, "--db", str(db_file), "init")
    assert code == EXIT_OK
    assert "уже" in out  # a second init keeps the data and says so


def test_missing_database_is_a_one_line_error_and_no_file_appears(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_file = tmp_path / "typo.sqlite"
    for command in (["check"], ["deadlines", "--on", TODAY], ["workdays", "overrides"]):
        code, err = run_error(capsys, "--db", str(db_file), *command)
        assert code == EXIT_USER_ERROR, command
        assert_one_line_error(err)
        assert "не найден" in err
        assert not db_file.exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["workdays", "add", "31.02.2025", "1"], "даты «31.02.2025» не существует"),
        (["workdays", "add", "2025-01-01", "abc"], "не является числом"),
        (["workdays", "between", "2025-01-01", "завтра"], "не является датой"),
        (["deadlines", "--on", "1.1"], "не является датой"),
        (["demo", "--citizens", "0"], "больше нуля"),
        (["demo-extract", "--rows", "10"], "не указано: --out"),
        (["workdays", "override", "2026-12-31"], "--working --day-off"),
        (["nonsense"], "неизвестное значение"),
    ],
)
def test_user_mistakes_are_one_russian_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    code, err = run_error(capsys, "--db", str(tmp_path / "ic.sqlite"), *argv)
    assert code == EXIT_USER_ERROR
    assert_one_line_error(err)
    assert expected in err


def test_workdays_pin_the_2026_new_year_holidays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "ic.sqlite")
    # Without a database: the official calendar.
    assert run(capsys, "--db", db, "workdays", "add", "30.12.2025", "1")[1] == "12.01.2026\n"
    assert run(capsys, "--db", db, "workdays", "between", "2026-01-01", "2026-01-31")[1] == "15\n"
    assert run(capsys, "--db", db, "workdays", "is", "31.12.2025")[1] == "выходной\n"
    assert not Path(db).exists()


def test_workday_override_changes_the_arithmetic_and_can_be_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "ic.sqlite")
    run(capsys, "--db", db, "init")
    code, out, _ = run(
        capsys, "--db", db, "workdays", "override", "05.01.2026", "--working", "--note", "пример"
    )
    assert code == EXIT_OK
    assert run(capsys, "--db", db, "workdays", "add", "30.12.2025", "1")[1] == "05.01.2026\n"
    assert "05.01.2026  рабочий  пример" in run(capsys, "--db", db, "workdays", "overrides")[1]
    run(capsys, "--db", db, "workdays", "remove-override", "05.01.2026")
    assert run(capsys, "--db", db, "workdays", "add", "30.12.2025", "1")[1] == "12.01.2026\n"
    assert run(capsys, "--db", db, "workdays", "overrides")[1] == ""


def test_deadlines_json_on_an_empty_database_lists_the_monthly_duties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "ic.sqlite")
    run(capsys, "--db", db, "init")  # installed on 23.11.2026
    code, out, _ = run(capsys, "--db", db, "deadlines", "--on", TODAY, "--json", "--all")
    assert code == EXIT_OK
    payload = json.loads(out)
    assert payload["on"] == TODAY
    # The October extract (10.11), registry (15.11) and the report for the first
    # half-year (25.07) fell due before the program was installed (issue #12).
    assert payload["items"] == []
    code, out, _ = run(capsys, "--db", db, "deadlines", "--on", "2026-12-11", "--json")
    by_kind = {item["kind"]: item for item in json.loads(out)["items"]}
    # Nothing imported: the November extract was due on 10.12.2026 (31-р 3.1.1).
    assert by_kind["EXTRACT_IMPORT"]["due_on"] == "2026-12-10"
    assert by_kind["EXTRACT_IMPORT"]["status"] == "OVERDUE"
    assert by_kind["REGISTRY_FORMATION"]["due_on"] == "2026-12-15"
    assert "SEMIANNUAL_REPORT" not in by_kind
    assert all(item["person"] == "" for item in by_kind.values())


def test_demo_then_check_and_deadlines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "ic.sqlite")
    code, out, _ = run(
        capsys, "--db", db, "demo", "--citizens", "400", "--seed", "7", "--today", TODAY
    )
    assert code == EXIT_OK
    assert "граждан 400" in out

    code, out, _ = run(capsys, "--db", db, "check")
    assert code == EXIT_OK
    assert "Целостность: в порядке" in out
    citizens_line = next(line for line in out.splitlines() if "Граждане" in line)
    assert citizens_line.split()[-1] == "400"

    code, out, _ = run(capsys, "--db", db, "deadlines", "--on", TODAY, "--json")
    items = json.loads(out)["items"]
    kinds = {item["kind"] for item in items}
    statuses = {item["status"] for item in items}
    assert {"INFORMING", "ROUTE_DISPATCH"} <= kinds
    assert "OVERDUE" in statuses
    assert all(item["status"] in ("OVERDUE", "DUE_TODAY", "DUE_THIS_WEEK") for item in items)
    with_person = [item for item in items if item["entity_id"] is not None]
    assert with_person and all(item["person"] for item in with_person)

    code, text_out, _ = run(capsys, "--db", db, "deadlines", "--on", TODAY, "--limit", "5")
    assert text_out.startswith("Сроки на 23.11.2026: всего ")
    assert f"всего {len(items)}" in text_out

    code, out, _ = run(capsys, "--db", db, "deadlines", "--on", TODAY, "--json", "--all")
    assert len(json.loads(out)["items"]) > len(items)  # done and later ones too


def test_window_without_a_screen_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    code, err = run_error(capsys, "--db", str(tmp_path / "ic.sqlite"))
    assert code == EXIT_USER_ERROR
    assert_one_line_error(err)
    assert "нет графического экрана" in err


def test_entry_points_ic_and_python_m_app(tmp_path: Path) -> None:
    db_file = tmp_path / "ic.sqlite"
    ic = Path(sys.executable).parent / "ic"
    done = subprocess.run(
        [str(ic), "--db", str(db_file), "init"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db_file), "workdays", "add", "bad", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == EXIT_USER_ERROR
    assert_one_line_error(done.stderr)
    # `ic init` encrypts a new database: it opens by signing in (IC_USER/IC_PASSWORD).
    database = access.sign_in(db_file, os.environ["IC_USER"], os.environ["IC_PASSWORD"])
    try:
        assert database.path == db_file and database.encrypted
    finally:
        database.close()
