"""The form of 31-р Appendix 2, the individual rehabilitation route: its wording and values."""

from __future__ import annotations

from dataclasses import dataclass

# --- the form of Appendix 2, word for word -----------------------------------------------

APPENDIX2_APPENDIX = ("Приложение N 2", "к Положению")
APPENDIX2_TITLE = "Индивидуальный реабилитационный маршрут"
FIELD_CITIZEN = "1. Ф.И.О. ГРАЖДАНИНА"
FIELD_REPRESENTATIVE = "1.1. Ф.И.О. ЗАКОННОГО (УПОЛНОМОЧЕННОГО) ПРЕДСТАВИТЕЛЯ"
FIELD_BIRTH_DATE = "2. ДАТА РОЖДЕНИЯ"
FIELD_ADDRESS = "3. АДРЕС ФАКТИЧЕСКОГО ПРОЖИВАНИЯ"
FIELD_SERVICES = "4. УСЛУГИ В РАМКАХ РЕАЛИЗАЦИИ ИПР(А):"
APPENDIX2_HEADINGS: tuple[str, ...] = (
    "N/N",
    "Рекомендованные виды реабилитационных и абилитационных мероприятий, предусмотренных в ИПРА",
    "Наименование услуги",
    "Наименование организации исполнителя (в т.ч. на территории проживания)",
    "Адрес организации, электронная почта",
    "График и режим работы организации",
    "Контактный телефон",
)
DEVELOPED_BY = "Маршрут разработал"
DEVELOPED_BY_HINT = "(Ф.И.О., должность специалиста, наименование организации, контактный телефон)"
# 3.3.1: printed only when a support plan was drawn up (the form's own P.S. says so).
PLAN_NOTE = (
    "Учитывая наличие потребности/заинтересованности в комплексном сопровождении и "
    "социальной поддержке Вам (Вашему ребенку) составлен Индивидуальный план "
    "комплексного сопровождения"
)


# --- what the form prints ----------------------------------------------------------------


@dataclass(frozen=True)
class RouteDocumentRow:
    """A row of the table of Appendix 2; every field is the text printed in its column."""

    number: str
    measure_title: str
    service_name: str
    organisation_name: str
    address_email: str
    hours: str
    phone: str

    @property
    def cells(self) -> tuple[str, ...]:
        return (
            self.number,
            self.measure_title,
            self.service_name,
            self.organisation_name,
            self.address_email,
            self.hours,
            self.phone,
        )


@dataclass(frozen=True)
class RouteDocument:
    """Everything Appendix 2 prints for one route, as strings."""

    route_id: int
    status: str  # "DRAFT" / "ISSUED" / "SUPERSEDED"
    version: int
    issued_on: str
    citizen_name: str  # 1
    representative_name: str  # 1.1
    birth_date: str  # 2
    actual_address: str  # 3
    rows: tuple[RouteDocumentRow, ...]  # 4: 7 fixed rows, then 8, 9, ...
    plan_drawn_up: bool  # print PLAN_NOTE
    developer: str  # "Маршрут разработал": name, position, organisation, phone
