"""What a post batch prints (31-р 3.4): covering letters, DL envelopes, the registered list."""

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
class PostListRow:
    number: int
    addressee: str
    address: str
    postcode: str
    tracking_number: str
    sent_on: str
