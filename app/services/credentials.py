"""The system's credential store (Windows Credential Manager, through ``keyring``), for
every password the program keeps there: the SMTP account's and the database server's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from app.errors import UserError

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class CredentialStoreError(UserError):
    """The credential store is missing or refused: said in words, never a traceback."""


def use_credential_store(subject: str, call: Callable[[Any], _T], hint: str = "") -> _T:
    """Run ``call(keyring)``; any failure of the store becomes one Russian line starting
    with ``subject`` («Пароль почты не сохранён»), then ``hint``."""
    try:
        import keyring
        from keyring.errors import NoKeyringError

        return call(keyring)
    except NoKeyringError as exc:
        logger.warning("no credential store: %s", exc)
        raise CredentialStoreError(
            f"{subject}: хранилище паролей системы недоступно (в Windows это "
            f"«Диспетчер учётных данных»).{hint}"
        ) from None
    except Exception as exc:  # any backend's own failure (locked, refused, D-Bus...)
        logger.warning("credential store failed", exc_info=True)
        raise CredentialStoreError(
            f"{subject}: хранилище паролей системы ответило ошибкой: {exc}"
        ) from None
