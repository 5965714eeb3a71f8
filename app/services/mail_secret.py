"""The e-mail account of «Настройки»: its password kept in the operating system's credential
store (Windows Credential Manager, through ``keyring``), never in the database; and the
test message that proves the settings work (issue #12).

Scripts may still give the password in ``IC_SMTP_PASSWORD``, which wins over the store.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, TypeVar

from app import clock
from app.errors import UserError, ValidationError
from app.services.credentials import use_credential_store
from app.settings import SmtpSettings

logger = logging.getLogger(__name__)

#: The entry's name in the credential store; its user name is ``login@host``.
SERVICE = "Integration Consultant SMTP"
ENV_PASSWORD = "IC_SMTP_PASSWORD"

_T = TypeVar("_T")


def account(smtp: SmtpSettings) -> str:
    """The store's user name for the account: ``login@host``."""
    if not smtp.host.strip() or not smtp.login.strip():
        raise ValidationError(
            "Пароль почты сохраняется для сервера и имени для входа: сначала укажите "
            "сервер SMTP и имя для входа."
        )
    return f"{smtp.login.strip()}@{smtp.host.strip()}"


def _store(what: str, call: Callable[[Any], _T]) -> _T:
    return use_credential_store(
        f"Пароль почты {what}",
        call,
        f" Для отправки из командной строки задайте переменную {ENV_PASSWORD}.",
    )


def store_password(smtp: SmtpSettings, password: str) -> None:
    """Keep ``password`` for the account of ``smtp`` in the credential store."""
    if not password:
        raise ValidationError("Пароль почты пуст: введите его.")
    name = account(smtp)
    _store("не сохранён", lambda k: k.set_password(SERVICE, name, password))
    logger.info("SMTP password stored for %s", name)


def stored_password(smtp: SmtpSettings) -> str | None:
    """The stored password of the account, None when none is stored."""
    name = account(smtp)
    value = _store("не прочитан", lambda k: k.get_password(SERVICE, name))
    return value if isinstance(value, str) else None


def has_stored_password(smtp: SmtpSettings) -> bool:
    return stored_password(smtp) is not None


def delete_password(smtp: SmtpSettings) -> bool:
    """Forget the stored password; False when there was none."""
    name = account(smtp)
    if stored_password(smtp) is None:
        return False
    _store("не удалён", lambda k: k.delete_password(SERVICE, name))
    logger.info("SMTP password deleted for %s", name)
    return True


def password_for(smtp: SmtpSettings) -> str:
    """The password to sign in with: ``IC_SMTP_PASSWORD`` if set, else the stored one;
    "" for a server without login or with nothing stored (the server then says no)."""
    given = os.environ.get(ENV_PASSWORD)
    if given:
        return given
    if not smtp.login.strip():
        return ""
    return stored_password(smtp) or ""


# --- the test message ------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def send_test_message(smtp: SmtpSettings, password: str, to: str, organisation: str) -> str:
    """Send a short Russian message to ``to`` through the server of ``smtp``; the line
    to show on success. Refusals of the server come back as ``UserError``."""
    from app.services.dispatch import _connect, _smtp_error

    to = to.strip()
    if not _EMAIL.fullmatch(to):
        raise ValidationError(
            f"Адрес для тестового письма: «{to}» не адрес электронной почты."
            if to
            else "Укажите адрес для тестового письма (например, почту организации)."
        )
    sender = smtp.sender.strip()
    if not _EMAIL.fullmatch(sender):
        raise ValidationError("Не указан адрес отправителя электронной почты: заполните его.")
    now = clock.now_local()
    message = EmailMessage()
    message["Subject"] = "Проверка почты — Интеграционный консультант"
    message["From"] = formataddr((organisation, sender)) if organisation else sender
    message["To"] = to
    message["Date"] = format_datetime(clock.now_utc())
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    message.set_content(
        "\n".join(
            (
                "Здравствуйте!",
                "",
                "Это тестовое письмо программы «Интеграционный консультант». Раз оно "
                "пришло, маршруты и планы можно направлять гражданам по электронной почте.",
                "",
                f"Организация: {organisation or 'не указана'}",
                f"Сервер: {smtp.host}:{smtp.port}",
                f"Отправлено: {now:%d.%m.%Y %H:%M}",
            )
        )
    )
    try:
        client = _connect(smtp, password)
        try:
            client.send_message(message)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("test message via %s:%s failed: %s", smtp.host, smtp.port, exc)
        raise UserError(f"Тестовое письмо не отправлено. {_smtp_error(exc)}") from None
    logger.info("test message sent via %s:%s", smtp.host, smtp.port)
    return f"Тестовое письмо отправлено на {to} через {smtp.host}:{smtp.port}."
