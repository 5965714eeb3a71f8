"""The SMTP password in the system's credential store, never in the database (issue #12);
the test message; `ic dispatch email` signing in with the stored password."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.cli import EXIT_OK, main
from app.demo.generator import generate_demo
from app.domain.enums import DeliveryMethod
from app.errors import UserError
from app.services import dispatch, mail_secret
from app.services.settings import load_settings, save_settings
from app.settings import SmtpSettings
from db.session import Database

TODAY = date(2026, 11, 23)
LOGIN, PASSWORD = "kcson", "s3cret-Pa55"  # tests/conftest.py's SMTP_LOGIN, SMTP_PASSWORD
SMTP = SmtpSettings(host="127.0.0.1", port=2525, security="none", login=LOGIN, sender="k@ex.org")
ACCOUNT = (mail_secret.SERVICE, f"{LOGIN}@127.0.0.1")


@pytest.fixture(autouse=True)
def _no_password_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(mail_secret.ENV_PASSWORD, raising=False)


def test_stored_read_and_deleted_under_login_at_host(
    memory_keyring: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not mail_secret.has_stored_password(SMTP)
    assert mail_secret.password_for(SMTP) == ""
    mail_secret.store_password(SMTP, PASSWORD)
    assert memory_keyring == {("Integration Consultant SMTP", "kcson@127.0.0.1"): PASSWORD}
    assert mail_secret.password_for(SMTP) == PASSWORD
    # The environment wins, for scripts.
    monkeypatch.setenv("IC_SMTP_PASSWORD", "from-the-script")
    assert mail_secret.password_for(SMTP) == "from-the-script"
    monkeypatch.delenv("IC_SMTP_PASSWORD")
    # Another server or login is another account.
    assert mail_secret.password_for(dataclasses.replace(SMTP, login="other")) == ""
    assert mail_secret.delete_password(SMTP) is True
    assert memory_keyring == {}
    assert mail_secret.delete_password(SMTP) is False
    # A server without login needs no password and no store.
    assert mail_secret.password_for(dataclasses.replace(SMTP, login="")) == ""


def test_an_account_needs_a_server_and_a_login(memory_keyring: dict[Any, str]) -> None:
    with pytest.raises(UserError, match="сначала укажите сервер SMTP и имя для входа"):
        mail_secret.store_password(dataclasses.replace(SMTP, host=""), PASSWORD)
    with pytest.raises(UserError, match="Пароль почты пуст"):
        mail_secret.store_password(SMTP, "")
    assert memory_keyring == {}


def test_no_credential_store_is_said_in_words() -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(UserError) as refused:
            mail_secret.store_password(SMTP, PASSWORD)
        assert str(refused.value).startswith(
            "Пароль почты не сохранён: хранилище паролей системы недоступно"
        )
        assert "IC_SMTP_PASSWORD" in str(refused.value)
        with pytest.raises(UserError, match="Пароль почты не прочитан"):
            mail_secret.password_for(SMTP)
    finally:
        keyring.set_keyring(previous)


def test_a_failing_store_is_said_in_words(memory_keyring: dict[Any, str]) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Locked(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("хранилище заблокировано")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise RuntimeError("хранилище заблокировано")

        def delete_password(self, service: str, username: str) -> None:
            raise RuntimeError("хранилище заблокировано")

    keyring.set_keyring(Locked())  # memory_keyring puts the previous one back
    with pytest.raises(UserError, match="ответило ошибкой: хранилище заблокировано"):
        mail_secret.store_password(SMTP, PASSWORD)


def test_the_test_message_goes_through_the_server_with_the_password(
    smtp_with_login: tuple[list[Any], list[tuple[str, str]], int],
) -> None:
    received, tried, port = smtp_with_login
    smtp = dataclasses.replace(SMTP, port=port)
    with pytest.raises(UserError, match="Тестовое письмо не отправлено. Сервер почты не принял"):
        mail_secret.send_test_message(smtp, "wrong", "kcson@example.org", "КЦСОН")
    assert received == []
    line = mail_secret.send_test_message(smtp, PASSWORD, "kcson@example.org", "КЦСОН")
    assert line == f"Тестовое письмо отправлено на kcson@example.org через 127.0.0.1:{port}."
    (message,) = received
    assert message["Subject"] == "Проверка почты — Интеграционный консультант"
    assert message["To"] == "kcson@example.org"
    body = message.get_body(("plain",)).get_content()
    assert "Это тестовое письмо программы «Интеграционный консультант»" in body
    assert "Организация: КЦСОН" in body
    # smtplib tries each method the server offers with the wrong one; the right one passes.
    assert set(tried) == {(LOGIN, "wrong"), (LOGIN, PASSWORD)} and tried[-1] == (LOGIN, PASSWORD)
    with pytest.raises(UserError, match="«нет-адреса» не адрес"):
        mail_secret.send_test_message(smtp, PASSWORD, "нет-адреса", "КЦСОН")


def test_ic_dispatch_email_signs_in_with_the_stored_password(
    db: Database,
    db_path: Path,
    memory_keyring: dict[Any, str],
    smtp_with_login: tuple[list[Any], list[tuple[str, str]], int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    received, tried, port = smtp_with_login
    generate_demo(db, 200, 7, today=TODAY)
    item = next(i for i in dispatch.to_send(db, TODAY) if i.method is DeliveryMethod.EMAIL)
    smtp = dataclasses.replace(SMTP, port=port)
    save_settings(db, dataclasses.replace(load_settings(db), smtp=smtp))
    mail_secret.store_password(smtp, PASSWORD)
    args = ["--db", str(db_path), "dispatch", "email", "--entry", str(item.entry_id)]
    assert main([*args, "--today", "23.11.2026"]) == EXIT_OK
    assert f"{item.entry_id}\t{item.email}\tотправлено" in capsys.readouterr().out
    assert tried == [(LOGIN, PASSWORD)]
    assert len(received) == 1 and item.email in received[0]["To"]
    # The password is in the store only: not in the database file.
    db.close()
    assert PASSWORD.encode() not in db_path.read_bytes()
