"""The support plan of 31-р 4.3-4.6 and Appendix 3 on a real database file and real PDFs.

Expected wording is a literal copy of Appendix 3 of 31-р (seeds/000_37c79242903c4d6c.txt),
not the constants under test. PDFs are read back with poppler's pdftotext and pdffonts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import EXIT_OK, EXIT_USER_ERROR, main
from app.documents.plan_form import InteractionForm, PlanForm, QuestionForm
from app.domain.enums import (
    Callee,
    CallOutcome,
    Department,
    DisabilityGroup,
    MeasureKind,
    PlanStatus,
    RepresentativeKind,
    Sex,
    Source,
)
from app.errors import NotFoundError, ValidationError
from app.services import profile
from app.services.citizens import CitizenForm, save_citizen
from app.services.directory import (
    ContactForm,
    OrganisationForm,
    load_organisation,
    save_organisation,
)
from app.services.plans import (
    current_plan,
    export_plan_pdf,
    load_plan,
    save_plan,
    start_plan,
    validate_plan,
)
from db import models
from db.session import Database

pytestmark = pytest.mark.db  # on SQLite and PostgreSQL (issue #15)

TODAY = date(2026, 11, 23)
SNILS = "112-233-445 95"
PERSON = CitizenForm(
    last_name="Фёдоров",
    first_name="Артём",
    middle_name="Ильич",
    birth_date="14.03.2015",
    sex=Sex.MALE,
    snils=SNILS,
    actual_address="625000, г. Тюмень, ул. Мельникайте, д. 10, кв. 5",
    district="г. Тюмень",
    phone="+79123456789",
    rep_kind=RepresentativeKind.PARENT,
    rep_last_name="Фёдорова",
    rep_first_name="Нина",
    rep_middle_name="Павловна",
    rep_phone="+73452123456",
    group=DisabilityGroup.CHILD,
    established_on="02.11.2026",
    first_time=True,
    measures=(MeasureKind.MEDICAL,),
)
FUND = OrganisationForm(
    name="Благотворительный фонд «Доброе дело»",
    department=Department.CHARITY,
    address="625000, г. Тюмень, ул. Республики, д. 1",
    email="fund@example.org",
    website="https://fund.example.org",
    hours="пн-пт 9:00-18:00",
    contacts=(ContactForm("Кравец Ольга Петровна", "координатор", "+73452000001", "ok@fund.ru"),),
)

# Appendix 3 of 31-р, copied by hand from the order.
SEED_LINES = [
    "Приложение N 3",
    "к Положению",
    "План комплексного сопровождения получателя услуг",
    'по технологии "Интеграционный консультант"',
    "и членов его семьи",
    "Ф.И.О. инвалида, ребенка-инвалида (законного (уполномоченного) представителя)",
    "категория:",
    "адрес:",
    "тел.",
    "Дата составления плана",
    "План разработал",
    "(указывается Ф.И.О., должность специалиста, ответственного за реализацию Плана, "
    "контактный телефон)",
]
SEED_HEADINGS = [
    "N п/п",
    "Перечень вопросов, интересующих гражданина, законного уполномоченного представителя "
    "(сформирован со слов гражданина)",
    "Наименование организаций, с которой осуществлялось взаимодействие (указывается полное "
    "наименование организации, ссылка на официальный сайт, адрес электронной почты, место "
    "нахождения, часы работы)",
    "Ф.И.О., должность специалиста организации, с которым осуществлялось взаимодействие "
    "(указываются контактные данные специалиста)",
    "Примечание (заполняется в случае наличия дополнительной информации)",
]


def _person(db: Database) -> tuple[int, int]:
    result = save_citizen(
        db, PERSON, source=Source.WALK_IN, identified_on=date(2026, 11, 10), today=TODAY
    )
    assert result.entry_id is not None
    return result.citizen_id, result.entry_id


def _call(db: Database, entry_id: int, hour: int, questions: str | None) -> None:
    with db.session_factory.begin() as session:
        session.add(
            models.CallAttempt(
                entry_id=entry_id,
                called_at=datetime(2026, 11, 12, hour, tzinfo=UTC),
                callee=Callee.REPRESENTATIVE,
                outcome=CallOutcome.REACHED,
                plan_needed=True,
                questions=questions,
            )
        )


def _entry(db: Database, entry_id: int) -> models.RegistryEntry:
    with db.session_factory() as session:
        entry = session.get(models.RegistryEntry, entry_id)
        assert entry is not None
        return entry


def _plan_form(citizen_id: int, entry_id: int, org_id: int | None) -> PlanForm:
    return PlanForm(
        citizen_id=citizen_id,
        entry_id=entry_id,
        drawn_up_on="13.11.2026",
        questions=(
            QuestionForm(
                "Как получить путёвку в летний лагерь для ребенка-инвалида?",
                note="Мама просит звонить после 17:00",
                interactions=(
                    InteractionForm(
                        organisation_id=org_id,
                        organisation_name="" if org_id else "Фонд, набранный вручную",
                        specialist_name="Кравец Ольга Петровна",
                        specialist_position="координатор",
                        interacted_on="16.11.2026",
                        note="Путёвка будет в мае",
                    ),
                    InteractionForm(
                        organisation_id=None,
                        organisation_name="Управление социальной защиты населения г. Тюмени",
                        location="г. Тюмень, ул. Ленина, д. 5",
                        specialist_name="Орлов Игорь",
                        specialist_contacts="+7 3452 555555",
                        interacted_on="17.11.2026",
                    ),
                ),
            ),
            QuestionForm("Помощь с ремонтом пандуса в подъезде"),
        ),
    )


def test_start_plan_takes_the_questions_from_the_calls(db: Database) -> None:
    citizen_id, entry_id = _person(db)
    _call(db, entry_id, 5, "Путёвка в лагерь\n  \n- Ремонт пандуса")
    _call(db, entry_id, 3, None)
    _call(db, entry_id, 7, "ремонт пандуса\nКонсультация юриста по наследству")
    form = start_plan(db, entry_id, TODAY)
    assert form.citizen_id == citizen_id
    assert form.entry_id == entry_id
    assert form.drawn_up_on == "23.11.2026"
    assert [q.question for q in form.questions] == [
        "Путёвка в лагерь",
        "Ремонт пандуса",
        "Консультация юриста по наследству",
    ]
    with pytest.raises(NotFoundError):
        start_plan(db, 999, TODAY)


def test_save_load_round_trip_copies_the_organisation_and_fills_the_header(
    db: Database,
) -> None:
    profile.update_profile(
        db,
        full_name="Смирнова Елена Викторовна",
        position="специалист по социальной работе",
        organisation="АУ СОН ТО «ЦСПСиД»",
        phone="+7 3452 400000",
    )
    citizen_id, entry_id = _person(db)
    org_id = save_organisation(db, FUND)
    plan_id = save_plan(db, _plan_form(citizen_id, entry_id, org_id), None, TODAY)

    loaded_id, form = load_plan(db, plan_id)
    assert loaded_id == plan_id
    first = form.questions[0].interactions[0]
    assert first == InteractionForm(
        organisation_id=org_id,
        organisation_name=FUND.name,
        website=FUND.website,
        email=FUND.email,
        location=FUND.address,
        hours=FUND.hours,
        specialist_name="Кравец Ольга Петровна",
        specialist_position="координатор",
        specialist_contacts="+73452000001, ok@fund.ru",
        interacted_on="16.11.2026",
        note="Путёвка будет в мае",
    )
    expected = _plan_form(citizen_id, entry_id, org_id)
    assert form.questions[0].interactions[1] == expected.questions[0].interactions[1]
    assert form.questions[1] == expected.questions[1]
    assert form.questions[0].note == expected.questions[0].note
    assert (form.drawn_up_on, form.completed_on) == ("13.11.2026", "")
    assert current_plan(db, citizen_id) == (plan_id, form)
    # Saving what was loaded changes nothing.
    assert save_plan(db, form, plan_id, TODAY) == plan_id
    assert load_plan(db, plan_id) == (plan_id, form)

    with db.session_factory() as session:
        plan = session.get(models.SupportPlan, plan_id)
        assert plan is not None
        assert plan.status is PlanStatus.OPEN
        assert plan.person_name == (
            "Фёдоров Артём Ильич (законный (уполномоченный) представитель: Фёдорова Нина Павловна)"
        )
        assert plan.category == "ребенок-инвалид"
        assert plan.address == PERSON.actual_address
        assert plan.phone == "+79123456789, +73452123456"
        assert (plan.developer_name, plan.developer_phone) == (
            "Смирнова Елена Викторовна",
            "+7 3452 400000",
        )
        actions = list(session.scalars(select(models.AuditEvent.action)))
        assert actions.count("plan.create") == 1 and actions.count("plan.update") == 1
        assert session.scalar(select(func.count(models.SupportPlan.id))) == 1


def test_registry_columns_follow_the_plan(db: Database) -> None:
    citizen_id, entry_id = _person(db)
    form = _plan_form(citizen_id, entry_id, None)
    plan_id = save_plan(db, form, None, TODAY)
    entry = _entry(db, entry_id)
    assert (entry.plan_needed, entry.plan_formed_on, entry.plan_completed_on) == (
        True,
        date(2026, 11, 13),
        None,
    )
    done = PlanForm(**{**form.__dict__, "completed_on": "20.11.2026"})
    save_plan(db, done, plan_id, TODAY)
    entry = _entry(db, entry_id)
    assert entry.plan_completed_on == date(2026, 11, 20)
    with db.session_factory() as session:
        plan = session.get(models.SupportPlan, plan_id)
        assert plan is not None and plan.status is PlanStatus.COMPLETED
    # Re-opened: the completion date goes from the registry too.
    save_plan(db, form, plan_id, TODAY)
    assert _entry(db, entry_id).plan_completed_on is None


def test_copied_organisation_details_survive_a_directory_edit(db: Database) -> None:
    citizen_id, entry_id = _person(db)
    org_id = save_organisation(db, FUND)
    plan_id = save_plan(db, _plan_form(citizen_id, entry_id, org_id), None, TODAY)
    moved = OrganisationForm(
        **{**load_organisation(db, org_id).__dict__, "address": "г. Тюмень, ул. Новая, д. 2"}
    )
    save_organisation(db, moved, org_id)
    _, form = load_plan(db, plan_id)
    assert form.questions[0].interactions[0].location == FUND.address
    save_plan(db, form, plan_id, TODAY)  # re-saving keeps the copy too
    _, form = load_plan(db, plan_id)
    assert form.questions[0].interactions[0].location == FUND.address


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"drawn_up_on": ""}, "Дата составления плана не указана"),
        ({"drawn_up_on": "31.02.2026"}, "не существует"),
        ({"drawn_up_on": "24.11.2026"}, "ещё не наступила"),
        ({"completed_on": "01.11.2026"}, "раньше даты его составления"),
        ({"questions": ()}, "нет ни одного вопроса"),
        ({"questions": (QuestionForm(" "),)}, "Вопрос 1: текст вопроса не указан"),
        (
            {"questions": (QuestionForm("?", interactions=(InteractionForm(None, ""),)),)},
            "Вопрос 1, взаимодействие 1: наименование организации не указано",
        ),
        (
            {
                "questions": (
                    QuestionForm(
                        "?", interactions=(InteractionForm(None, "X", interacted_on="1"),)
                    ),
                )
            },
            "Вопрос 1, взаимодействие 1: дата взаимодействия",
        ),
        (
            {
                "questions": (
                    QuestionForm(
                        "?", interactions=(InteractionForm(None, "X", interacted_on="01.11.2026"),)
                    ),
                )
            },
            "раньше даты составления плана",
        ),
    ],
)
def test_validation_names_the_field_and_nothing_is_written(
    db: Database, changes: dict[str, object], words: str
) -> None:
    citizen_id, entry_id = _person(db)
    form = PlanForm(**{**_plan_form(citizen_id, entry_id, None).__dict__, **changes})
    problems = validate_plan(form, TODAY)
    assert any(words in p for p in problems), problems
    with pytest.raises(ValidationError, match=re.escape(words)):
        save_plan(db, form, None, TODAY)
    assert current_plan(db, citizen_id) is None
    assert _entry(db, entry_id).plan_formed_on is None


def _pdftotext(pdf: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_has_the_wording_of_appendix_3_and_embedded_fonts(db: Database, tmp_path: Path) -> None:
    profile.update_profile(db, full_name="Смирнова Елена Викторовна", position="специалист")
    citizen_id, entry_id = _person(db)
    org_id = save_organisation(db, FUND)
    plan_id = save_plan(db, _plan_form(citizen_id, entry_id, org_id), None, TODAY)
    out = tmp_path / "план.pdf"
    export_plan_pdf(db, plan_id, out)

    layout = _pdftotext(out, "-layout")
    lines = [_squash(line) for line in layout.splitlines()]
    for seed in SEED_LINES:
        assert any(seed in line for line in lines), seed
    assert 'Дата составления плана "13" ноября 2026 г.' in lines
    assert any("План разработал Смирнова Елена Викторовна, специалист" in line for line in lines)
    assert any("категория: ребенок-инвалид" in line for line in lines)
    # Headings wrap inside their cells: read each cell's lines in drawing order.
    raw = _squash(_pdftotext(out, "-raw"))
    for heading in SEED_HEADINGS:
        assert heading in raw, heading
    for text in (
        "Как получить путёвку в летний лагерь для ребенка-инвалида?",
        "дата взаимодействия: 16.11.2026",
        "Кравец Ольга Петровна",
        "Помощь с ремонтом пандуса в подъезде",
    ):
        assert text in raw, text
    assert raw.index(SEED_HEADINGS[0]) < raw.index(SEED_HEADINGS[4])

    fonts = subprocess.run(
        ["pdffonts", str(out)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        assert "PT" in line.split()[0], line
        assert line.split()[-5] == "yes", line  # emb
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True)
    assert "595.276 x 841.89 pts (A4)" in info.stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_long_plan_repeats_the_heading_on_later_pages(db: Database, tmp_path: Path) -> None:
    citizen_id, entry_id = _person(db)
    long_question = "Очень длинный вопрос семьи о помощи " * 8
    form = PlanForm(
        citizen_id,
        entry_id,
        "13.11.2026",
        questions=tuple(
            QuestionForm(
                f"{n}. {long_question}",
                interactions=(InteractionForm(None, "Организация " + "очень " * 20),),
            )
            for n in range(1, 25)
        ),
    )
    plan_id = save_plan(db, form, None, TODAY)
    out = tmp_path / "long.pdf"
    export_plan_pdf(db, plan_id, out)
    pages = _pdftotext(out, "-raw").split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    for page in pages:
        assert "Перечень вопросов, интересующих гражданина" in _squash(page)
    assert "План разработал" in pages[-1]


def test_cli_plan_pdf(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    citizen_id, entry_id = _person(db)
    out = tmp_path / "p.pdf"
    argv = ["--db", db.url or str(db.path), "plan", "pdf", "--snils", SNILS, "--out", str(out)]
    assert main(argv) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ошибка: ") and "нет плана" in err[0]

    save_plan(db, _plan_form(citizen_id, entry_id, None), None, TODAY)
    assert main(argv) == EXIT_OK
    assert out.read_bytes().startswith(b"%PDF")
    assert "записан" in capsys.readouterr().out

    for bad, words in (
        (["--snils", "112-233-445 96"], "СНИЛС"),
        (["--snils", "123-456-789 64"], "не найден"),
    ):
        code = main(["--db", db.url or str(db.path), "plan", "pdf", *bad, "--out", str(out)])
        assert code == EXIT_USER_ERROR
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("ошибка: ") and words in err[0], err
    code = main(
        [
            "--db",
            db.url or str(db.path),
            "plan",
            "pdf",
            "--snils",
            SNILS,
            "--out",
            str(tmp_path / "no/x.pdf"),
        ]
    )
    assert code == EXIT_USER_ERROR
    assert "не существует" in capsys.readouterr().err
