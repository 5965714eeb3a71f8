"""6-р in the database: the journal (3), the survey (5, 6), the assessment (7.3 г), the
decision (4, 8 б, в), the notice, the journal as XLSX and PDF, the dashboard duties and the
`ic intake` commands, on a real SQLite file.

The test clock reads 23.11.2026 (Monday).
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.domain.deadlines import DeadlineKind, DueStatus
from app.domain.enums import ApplicationDecision, Sex, Technology
from app.domain.intake import JOURNAL_TITLE, ServiceBasis
from app.domain.names import search_key
from app.errors import ValidationError
from app.services import intake
from app.services.deadlines import due_items
from db import models
from db.session import Database

ALL = tuple(DueStatus)
TODAY = date(2026, 11, 23)


def citizen(
    db: Database,
    last: str = "Иванова",
    first: str = "Мария",
    middle: str = "Петровна",
    birth: date | None = date(1970, 5, 1),
) -> int:
    with db.session_factory.begin() as s:
        person = models.Citizen(
            last_name=last,
            first_name=first,
            middle_name=middle,
            search_name=search_key(f"{last} {first} {middle}"),
            sex=Sex.FEMALE,
            birth_date=birth,
            actual_address="г. Ялуторовск, ул. Ленина, д. 5, кв. 2",
            postcode="627010",
        )
        s.add(person)
        s.flush()
        return person.id


def _events(db: Database, action: str) -> list[dict[str, object]]:
    with db.session_factory() as s:
        rows = s.scalars(select(models.AuditEvent).where(models.AuditEvent.action == action))
        return [json.loads(r.details or "{}") for r in rows]


def _count(db: Database) -> int:
    with db.session_factory() as s:
        return len(s.scalars(select(models.IntakeApplication)).all())


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


# --- 3: the journal --------------------------------------------------------------------------


def test_3_registered_on_the_day_received_numbered_in_its_year(db: Database) -> None:
    person = citizen(db)
    first = intake.register(db, person, ServiceBasis.S3_1, date(2026, 11, 20))
    second = intake.register(db, person, ServiceBasis.S3_2)
    old = intake.register(db, person, ServiceBasis.S3_1, date(2025, 12, 30))
    assert (first.journal_number, first.applied_on) == ("1/2026", date(2026, 11, 20))
    assert (second.journal_number, second.applied_on) == ("2/2026", TODAY)
    assert old.journal_number == "1/2025"
    assert _events(db, "intake.register")[0] == {
        "journal_number": "1/2026",
        "received_on": "2026-11-20",
        "basis": "3.1",
    }
    with db.session_factory() as s:
        row = s.get(models.IntakeApplication, first.id)
        assert row is not None and row.created_by_id is not None


def test_3_a_day_not_yet_come_is_refused_and_nothing_is_stored(db: Database) -> None:
    person = citizen(db)
    with pytest.raises(ValidationError, match=r"24\.11\.2026 ещё не наступила.*п\. 3"):
        intake.register(db, person, ServiceBasis.S3_1, date(2026, 11, 24))
    with pytest.raises(ValidationError, match="подразделу 3"):
        intake.register(db, person, ServiceBasis.S3_1, TODAY, Technology.HOME_REHAB)
    assert _count(db) == 0


# --- 6, 5: the survey ------------------------------------------------------------------------


def test_6_survey_due_in_2_working_days_closes_the_duty(db: Database) -> None:
    person = citizen(db)
    view = intake.register(db, person, ServiceBasis.S3_1, date(2026, 11, 19))
    assert view.survey_due == date(2026, 11, 23) and view.survey_status is DueStatus.DUE_TODAY
    assert view.decision_due == date(2026, 11, 26)
    items = [i for i in due_items(db, TODAY) if i.entity_id == view.id]
    assert {i.kind for i in items} == {DeadlineKind.SURVEY, DeadlineKind.NEED_DECISION}
    assert {i.entity for i in items} == {"intake_application"}
    done = intake.record_survey(db, view.id, TODAY, "Смирнова О. И.", "Проживает одна")
    assert done.surveyed_on == TODAY and done.survey_status is DueStatus.DONE
    assert done.surveys[0].surveyor == "Смирнова О. И."
    assert [i.kind for i in due_items(db, TODAY) if i.entity_id == view.id] == [
        DeadlineKind.NEED_DECISION
    ]
    survey = next(i for i in due_items(db, TODAY, ALL) if i.kind is DeadlineKind.SURVEY)
    assert survey.status is DueStatus.DONE
    assert _events(db, "intake.survey")[0]["late"] is False


def test_6_a_late_survey_is_recorded_and_closes_late(db: Database) -> None:
    view = intake.register(db, citizen(db), ServiceBasis.S3_2, date(2026, 11, 16))
    done = intake.record_survey(db, view.id, date(2026, 11, 20), "Смирнова О. И.")
    assert done.survey_due == date(2026, 11, 18)
    assert done.survey_status is DueStatus.DONE_LATE
    assert _events(db, "intake.survey")[0]["late"] is True


def test_5_no_survey_act_under_3_3_no_duty_and_recording_one_is_refused(db: Database) -> None:
    view = intake.register(db, citizen(db), ServiceBasis.S3_3, TODAY, Technology.HOME_REHAB)
    assert not view.survey_required and view.survey_due is None
    assert "не составляется" in (view.survey_exemption or "")
    kinds = {i.kind for i in due_items(db, TODAY, ALL) if i.entity_id == view.id}
    assert kinds == {DeadlineKind.NEED_DECISION}
    with pytest.raises(ValidationError, match=r"не составляется \(6-р, п\. 5"):
        intake.record_survey(db, view.id, TODAY, "Смирнова О. И.")
    assert intake.get_application(db, view.id).surveys == ()


def test_1_an_adult_at_home_under_4_1_is_assessed_under_order_4r_a_minor_is_not(
    db: Database,
) -> None:
    adult = intake.register(db, citizen(db), ServiceBasis.S4_1, TODAY)
    child_id = citizen(db, "Петров", "Иван", "Ильич", date(2015, 3, 3))
    child = intake.register(db, child_id, ServiceBasis.S4_1, TODAY)
    assert adult.survey_due is None and adult.decision_due is None
    assert "4-р" in (adult.survey_exemption or "")
    assert child.survey_due == date(2026, 11, 25) and child.minor is True
    ids = {i.entity_id for i in due_items(db, TODAY, ALL) if i.entity == "intake_application"}
    assert ids == {child.id}


def test_6_a_survey_before_the_application_or_in_the_future_is_refused(db: Database) -> None:
    view = intake.register(db, citizen(db), ServiceBasis.S3_1, date(2026, 11, 20))
    with pytest.raises(ValidationError, match="раньше подачи"):
        intake.record_survey(db, view.id, date(2026, 11, 19), "Смирнова О. И.")
    with pytest.raises(ValidationError, match="ещё не наступила"):
        intake.record_survey(db, view.id, date(2026, 11, 24), "Смирнова О. И.")
    with pytest.raises(ValidationError, match="Кто обследовал"):
        intake.record_survey(db, view.id, TODAY, "  ")
    assert intake.get_application(db, view.id).surveys == ()


# --- 7.3 г: criteria and points; 7.3 д: the Commission ---------------------------------------


def test_7_3_g_criteria_with_points_total_and_the_11_point_rule(db: Database) -> None:
    view = intake.register(db, citizen(db), ServiceBasis.S3_3, TODAY, Technology.HOME_REHAB)
    rows = [("Основание 1 (по форме приложения 6)", 6), ("Основание 2", 4)]
    ten = intake.assess(db, view.id, rows, commission_recommendation="Рекомендовать")
    assert ten.total == 10 and ten.assessed_on == TODAY
    assert ten.commission_recommendation == "Рекомендовать"
    with pytest.raises(ValidationError, match=r"10 баллов.*от 11 баллов.*7\.3 «г»"):
        intake.decide(db, view.id, ApplicationDecision.GRANTED)
    eleven = intake.assess(db, view.id, [*rows, ("Основание 3", 1)])
    assert eleven.total == 11 and [c.points for c in eleven.criteria] == [6, 4, 1]
    assert eleven.commission_recommendation == ""  # replaced as a whole
    decided = intake.decide(db, view.id, ApplicationDecision.GRANTED)
    assert decided.decision is ApplicationDecision.GRANTED and decided.decided_on == TODAY
    assert decided.decision_status is DueStatus.DONE
    assert _events(db, "intake.assess")[-1] == {
        "criteria": 3,
        "total": 11,
        "home_rehab_threshold": True,
    }


def test_7_3_g_criteria_only_for_subsection_3_and_need_a_ground(db: Database) -> None:
    other = intake.register(db, citizen(db), ServiceBasis.S3_1, TODAY)
    with pytest.raises(ValidationError, match="разделу 3, подразделу 3"):
        intake.assess(db, other.id, [("Основание", 5)])
    home = intake.register(db, citizen(db), ServiceBasis.S3_3, TODAY, Technology.HOME_REHAB)
    with pytest.raises(ValidationError, match="не заполнено основание"):
        intake.assess(db, home.id, [(" ", 5)])
    with pytest.raises(ValidationError, match="от 0 до 100"):
        intake.assess(db, home.id, [("Основание", -1)])
    assert intake.get_application(db, home.id).criteria == ()
    with pytest.raises(ValidationError, match=r"оценку по Критериям.*7\.3 «г»"):
        intake.decide(db, home.id, ApplicationDecision.GRANTED)


# --- 4, 8: the decision ----------------------------------------------------------------------


def test_8_v_a_refusal_needs_its_ground_and_a_decision_is_not_in_the_future(db: Database) -> None:
    view = intake.register(db, citizen(db), ServiceBasis.S3_1, date(2026, 11, 16))
    with pytest.raises(ValidationError, match=r"акта обследования.*п\. 5"):
        intake.decide(db, view.id, ApplicationDecision.GRANTED)
    intake.record_survey(db, view.id, date(2026, 11, 17), "Смирнова О. И.")
    with pytest.raises(ValidationError, match=r"Основание отказа.*8 «в»"):
        intake.decide(db, view.id, ApplicationDecision.REFUSED, "  ")
    with pytest.raises(ValidationError, match="ещё не наступила"):
        intake.decide(db, view.id, ApplicationDecision.REFUSED, "нет оснований", date(2026, 11, 24))
    assert intake.get_application(db, view.id).decision is ApplicationDecision.PENDING
    done = intake.decide(db, view.id, ApplicationDecision.REFUSED, "нет оснований")
    # 5 working days from 16.11: 23.11 is the day itself
    assert done.decision_due == TODAY and done.decision_status is DueStatus.DONE
    assert done.refusal_reason == "нет оснований"
    with pytest.raises(ValidationError, match="решение уже принято"):
        intake.decide(db, view.id, ApplicationDecision.GRANTED)
    assert _events(db, "intake.decide")[0]["decision"] == "REFUSED"


def test_4_a_decision_after_5_working_days_closes_late(db: Database) -> None:
    view = intake.register(db, citizen(db), ServiceBasis.S2_2, date(2026, 11, 13))
    done = intake.decide(db, view.id, ApplicationDecision.GRANTED)
    assert done.decision_due == date(2026, 11, 20)
    assert done.decision_status is DueStatus.DONE_LATE
    item = next(i for i in due_items(db, TODAY, ALL) if i.entity_id == view.id)
    assert (item.kind, item.status) == (DeadlineKind.NEED_DECISION, DueStatus.DONE_LATE)


def test_8_g_the_programme_made_after_recognition_is_linked(db: Database) -> None:
    from app.services import courses

    person = citizen(db)
    view = intake.register(db, person, ServiceBasis.S3_2, TODAY)
    course = courses.create_course(
        db, person, Technology.COURSE, date(2026, 12, 1), date(2026, 12, 31)
    )
    with pytest.raises(ValidationError, match="после признания"):
        intake.link_programme(db, view.id, course.programme_id)
    intake.record_survey(db, view.id, TODAY, "Смирнова О. И.")
    intake.decide(db, view.id, ApplicationDecision.GRANTED)
    assert intake.link_programme(db, view.id, course.programme_id).programme_ids == (
        course.programme_id,
    )


# --- the notice and the journal --------------------------------------------------------------


def test_8_the_notice_names_the_decision_and_the_ground_of_a_refusal(
    db: Database, tmp_path: Path
) -> None:
    view = intake.register(db, citizen(db), ServiceBasis.S3_2, date(2026, 11, 18))
    with pytest.raises(ValidationError, match="после решения"):
        intake.write_notice(db, view.id, tmp_path / "early.pdf")
    intake.record_survey(db, view.id, date(2026, 11, 19), "Смирнова О. И.")
    intake.decide(db, view.id, ApplicationDecision.REFUSED, "отсутствуют обстоятельства")
    pdf = intake.write_notice(db, view.id, tmp_path / "уведомление.pdf")
    flat = _pdf_text(pdf)
    assert "Уведомление об отказе в социальном обслуживании" in flat
    assert "Ивановой Марии Петровне" in flat
    assert "от 18.11.2026 (регистрационный № 1/2026)" in flat
    assert "Основание отказа: отсутствуют обстоятельства" in flat
    assert "пункт 8 «в»" in flat and "N 6-р" in flat
    assert _events(db, "intake.notice")[0]["file"] == "уведомление.pdf"

    granted = intake.register(db, citizen(db), ServiceBasis.S3_3, TODAY, Technology.COURSE)
    intake.decide(db, granted.id, ApplicationDecision.GRANTED)
    flat = _pdf_text(intake.write_notice(db, granted.id, tmp_path / "g.pdf"))
    assert "о признании Вас нуждающимся в социальном обслуживании" in flat
    assert "курсовая комплексная реабилитация" in flat


def test_3_the_journal_as_xlsx_and_pdf(db: Database, tmp_path: Path) -> None:
    first = intake.register(db, citizen(db), ServiceBasis.S3_1, date(2026, 11, 16))
    intake.record_survey(db, first.id, date(2026, 11, 17), "Смирнова О. И.")
    intake.decide(db, first.id, ApplicationDecision.REFUSED, "нет оснований", date(2026, 11, 20))
    intake.register(
        db, citizen(db, "Петров", "Иван", "Ильич"), ServiceBasis.S3_3, TODAY, Technology.HOME_REHAB
    )
    intake.register(db, citizen(db), ServiceBasis.S3_1, date(2025, 3, 3))  # another year
    assert intake.export_journal(db, tmp_path / "j.xlsx", 2026) == 2
    ws = load_workbook(tmp_path / "j.xlsx").active
    assert ws is not None
    values = [tuple(row) for row in ws.iter_rows(values_only=True)]
    assert values[0][0] == JOURNAL_TITLE
    header = next(i for i, r in enumerate(values) if r[0] == "№ п/п")
    assert values[header][1:4] == (
        "Регистрационный номер",
        "Дата подачи (регистрации) заявления",
        "ФИО гражданина",
    )
    one, two = values[header + 1], values[header + 2]
    assert one[:4] == (1, "1/2026", "16.11.2026", "Иванова Мария Петровна")
    assert one[7:] == ("17.11.2026", "отказано", "20.11.2026", "нет оснований")
    assert two[1:4] == ("2/2026", "23.11.2026", "Петров Иван Ильич")
    assert "не составляется" in str(two[7]) and two[8] == "ожидает решения"
    assert intake.export_journal(db, tmp_path / "j.pdf", 2026) == 2
    flat = _pdf_text(tmp_path / "j.pdf")
    assert JOURNAL_TITLE in flat and "за 2026 год" in flat
    assert "Петров Иван Ильич" in flat and "нет оснований" in flat
    with pytest.raises(ValidationError, match=r"\.xlsx или \.pdf"):
        intake.export_journal(db, tmp_path / "j.csv", 2026)
    assert [e["rows"] for e in _events(db, "intake.journal")] == [2, 2]


def test_lists_filter_by_state_search_year_and_person(db: Database) -> None:
    ivanova = citizen(db)
    late = intake.register(db, ivanova, ServiceBasis.S3_1, date(2026, 11, 10))
    done = intake.register(db, citizen(db, "Петров", "Иван", "Ильич"), ServiceBasis.S2_2, TODAY)
    intake.decide(db, done.id, ApplicationDecision.GRANTED)
    assert [r.id for r in intake.list_applications(db)] == [done.id, late.id]
    assert [r.id for r in intake.list_applications(db, state="overdue")] == [late.id]
    assert [r.id for r in intake.list_applications(db, state="granted")] == [done.id]
    assert [r.id for r in intake.list_applications(db, search="петров иван")] == [done.id]
    assert [r.id for r in intake.list_applications(db, search="1/2026")] == [late.id]
    assert intake.list_applications(db, year=2025) == []
    assert [r.id for r in intake.list_applications(db, citizen_id=ivanova)] == [late.id]
    row = intake.list_applications(db, citizen_id=ivanova)[0]
    assert row.survey == "до 12.11.2026" and row.survey_status is DueStatus.OVERDUE
    assert intake.application_of(db, "intake_application", late.id) == late.id
    assert intake.application_of(db, "registry_entry", late.id) is None


# --- ic intake -------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_ic_intake_register_survey_assess_decide_notice_journal_list(
    db: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    person = citizen(db)
    base = ("--db", str(db_path), "intake")
    code, out, err = run(
        capsys, *base, "register", "--citizen", str(person), "--basis", "3.3",
        "--technology", "HOME_REHAB", "--received", "20.11.2026",
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert "№ 1/2026" in out and "не составляется" in out and "до 27.11.2026" in out
    app_id = intake.list_applications(db)[0].id
    code, out, err = run(capsys, *base, "survey", "--application", str(app_id),
                         "--on", "23.11.2026", "--surveyor", "Смирнова")  # fmt: skip
    assert code == EXIT_USER_ERROR and "не составляется" in err
    code, out, err = run(
        capsys, *base, "assess", "--application", str(app_id),
        "--criterion", "Основание 1=7", "--criterion", "Основание 2=3",
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert "Итого 10 баллов: менее 11" in out
    code, out, err = run(capsys, *base, "decide", "--application", str(app_id), "--grant")
    assert code == EXIT_USER_ERROR and "от 11 баллов" in err
    code, out, err = run(
        capsys, *base, "decide", "--application", str(app_id), "--refuse", "--reason",
        "менее 11 баллов",
    )  # fmt: skip
    assert code == EXIT_OK, err
    pdf = tmp_path / "n.pdf"
    code, out, err = run(capsys, *base, "notice", "--application", str(app_id), "--out", str(pdf))
    assert code == EXIT_OK, err
    assert "Основание отказа: менее 11 баллов" in _pdf_text(pdf)
    xlsx = tmp_path / "journal.xlsx"
    code, out, err = run(capsys, *base, "journal", "--year", "2026", "--out", str(xlsx))
    assert code == EXIT_OK and "Записано заявлений: 1" in out
    code, out, err = run(capsys, *base, "list", "--state", "refused")
    assert code == EXIT_OK and "1/2026" in out and "отказано" in out
    code, out, err = run(capsys, *base, "register", "--citizen", str(person), "--basis", "3.1",
                         "--received", "24.11.2026")  # fmt: skip
    assert code == EXIT_USER_ERROR and "ещё не наступила" in err
