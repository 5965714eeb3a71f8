"""Opening a database on a PostgreSQL server for the window (issue #15): the server's own
password comes from the credential store (db/server.py); when people on that database have
passwords, whoever starts the program signs in as themself."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from app.services import access
from app.services.server_settings import shown_url
from db.session import Database
from ui.sign_in import CredentialsDialog


def open_server_for_window(url: str, parent: QWidget | None = None) -> Database | None:
    """The server database, signed in when its users have passwords (IC_USER/IC_PASSWORD,
    else the dialog); None when the dialog is left. Connection failures are ``UserError``."""
    database = access.open_server_database(url)
    try:
        required = access.server_sign_in_required(database)
    except BaseException:
        database.close()
        raise
    if not required:
        return database
    given = access.credentials_from_environment()
    if given is not None:
        return access.sign_in_on_server(database, *given)
    database.close()
    dialog = ServerSignInDialog(url, parent)
    return dialog.database if dialog.exec() == QDialog.DialogCode.Accepted else None


class ServerSignInDialog(CredentialsDialog):
    """Login and password of a person of the server database (not the server's account)."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        self.url = url
        super().__init__(
            f"База данных на сервере: {shown_url(url)}",
            lambda login, password: access.sign_in_on_server(
                access.open_server_database(url), login, password
            ),
            parent,
        )
