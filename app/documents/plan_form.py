"""The form of 31-р Appendix 3, the plan of comprehensive support: its wording and values."""

from __future__ import annotations

from dataclasses import dataclass

# --- the form of Appendix 3, word for word -----------------------------------------------

APPENDIX3_APPENDIX = ("Приложение N 3", "к Положению")
APPENDIX3_TITLE = (
    "План комплексного сопровождения получателя услуг",
    'по технологии "Интеграционный консультант"',
    "и членов его семьи",
)
APPENDIX3_PERSON = "Ф.И.О. инвалида, ребенка-инвалида (законного (уполномоченного) представителя)"
APPENDIX3_CATEGORY = "категория:"
APPENDIX3_ADDRESS = "адрес:"
APPENDIX3_PHONE = "тел."
# (heading, the explanation in brackets on its second line, or "")
APPENDIX3_HEADINGS: tuple[tuple[str, str], ...] = (
    ("N п/п", ""),
    (
        "Перечень вопросов, интересующих гражданина, законного уполномоченного представителя",
        "(сформирован со слов гражданина)",
    ),
    (
        "Наименование организаций, с которой осуществлялось взаимодействие",
        "(указывается полное наименование организации, ссылка на официальный сайт, адрес "
        "электронной почты, место нахождения, часы работы)",
    ),
    (
        "Ф.И.О., должность специалиста организации, с которым осуществлялось взаимодействие "
        "(указываются контактные данные специалиста)",
        "",
    ),
    ("Примечание", "(заполняется в случае наличия дополнительной информации)"),
)
APPENDIX3_DATE = "Дата составления плана"
APPENDIX3_DEVELOPER = "План разработал"
APPENDIX3_DEVELOPER_HINT = (
    "(указывается Ф.И.О., должность специалиста, ответственного за реализацию Плана, "
    "контактный телефон)"
)


# --- what the form prints ----------------------------------------------------------------


@dataclass(frozen=True)
class InteractionForm:
    """One contact with an organisation (Appendix 3 columns 3-4); dates as dd.mm.yyyy."""

    organisation_id: int | None  # from the directory; None for one typed by hand
    organisation_name: str
    website: str = ""
    email: str = ""
    location: str = ""
    hours: str = ""
    specialist_name: str = ""
    specialist_position: str = ""
    specialist_contacts: str = ""
    interacted_on: str = ""
    note: str = ""


@dataclass(frozen=True)
class QuestionForm:
    question: str
    note: str = ""
    interactions: tuple[InteractionForm, ...] = ()
    # The family member the question is about (Appendix 3: "и членов его семьи"), None for
    # the participant or the representative; ``about`` is how the form names the member.
    family_member_id: int | None = None
    about: str = ""


@dataclass(frozen=True)
class PlanForm:
    citizen_id: int
    entry_id: int | None
    drawn_up_on: str
    completed_on: str = ""
    questions: tuple[QuestionForm, ...] = ()


@dataclass(frozen=True)
class PlanHeader:
    """What the printed form says about the person and the developer, as stored."""

    person_name: str
    category: str
    address: str
    phone: str
    developer: str  # "План разработал": name, position, organisation, phone
