"""What a post batch prints (31-р 3.4): covering letters, DL envelopes, the list of form 103."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Letter:
    """The covering letter as printed."""

    sender_name: str
    sender_address: str
    recipient_dative: str  # "Кому": the name declined to the dative
    recipient_address: str
    postcode: str
    greeting: str  # "Уважаемая Анна Сергеевна!"
    paragraphs: tuple[str, ...]
    signature: tuple[str, ...]
    dated: str


@dataclass(frozen=True)
class Envelope:
    """A DL envelope (220×110 mm): sender top left, recipient bottom right."""

    sender_name: str
    sender_address: str
    sender_postcode: str
    recipient: str
    recipient_address: str
    recipient_postcode: str


@dataclass(frozen=True)
class Form103Row:
    """A letter of the list: "№ п/п", the addressee, the address with its postcode, the ШПИ."""

    number: int
    addressee: str
    address: str  # "625000, г. Тюмень, ..." (the postcode first)
    tracking_number: str  # "" until the post office's receipt gives it
    note: str = ""


@dataclass(frozen=True)
class Form103:
    """Russian Post's form 103, "Список внутренних почтовых отправлений": the list of a
    post batch handed in with the letters (issue #12)."""

    number: int  # the batch's number: "Список N"
    dated: str  # dd.mm.yyyy, the day the batch was printed
    sender_name: str
    sender_address: str  # with its postcode
    rows: tuple[Form103Row, ...]
    handed_over_by: str = ""  # «Сдал»: the consultant's position and name
    kind: str = "письмо"  # "Вид РПО"
    category: str = "заказное"  # "Категория РПО"

    @property
    def title(self) -> str:
        return f"Список N {self.number} внутренних почтовых отправлений"

    @property
    def heading_lines(self) -> tuple[str, ...]:
        return (
            f"от {self.dated}",
            f"Вид РПО: {self.kind}",
            f"Категория РПО: {self.category}",
            f"Отправитель: {self.sender_name}",
            f"Адрес отправителя: {self.sender_address}",
            "Наименование и индекс места приёма: ______________________________",
        )

    @property
    def total_line(self) -> str:
        return f"Всего отправлений: {len(self.rows)}"


FORM103_NAME = "ф. 103"
FORM103_HEADINGS = (
    "№ п/п",
    "Адресат (Ф.И.О.)",
    "Адрес (индекс, адрес)",
    "ШПИ (почтовый идентификатор)",
    "Масса (кг)",
    "Объявленная ценность (руб.)",
    "Сумма наложенного платежа (руб.)",
    "Примечание",
)
FORM103_SIGNATURES = (
    ("Сдал", "(должность, подпись, Ф.И.О.)"),
    ("Принял", "(должность, подпись, Ф.И.О. работника ОПС, оттиск КПШ)"),
)


def with_postcode(address: str, postcode: str) -> str:
    """The address as form 103 and the envelope give it: the postcode first, once."""
    address = " ".join(address.split())
    if not postcode or address.startswith(postcode):
        return address
    return f"{postcode}, {address}" if address else postcode
