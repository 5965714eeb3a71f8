"""Errors a user can fix, each with a Russian message; anything else is a bug."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; ``str(error)`` is the Russian message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(UserError):
    """A value entered or imported is not valid (bad СНИЛС, impossible date, ...)."""


class InvalidSnilsError(ValidationError):
    """The СНИЛС has the wrong length or a wrong check number."""


class InvalidTrackingNumberError(ValidationError):
    """A Russian Post tracking number (ШПИ) is malformed."""


class InvalidPeriodError(ValidationError):
    """A reporting month or half-year could not be parsed."""


class BadFileError(UserError):
    """An input file cannot be read or has the wrong layout."""


class DatabaseError(UserError):
    """The database file cannot be used as it is (locked, corrupt, disk full, ...)."""


class DatabaseLockedError(DatabaseError):
    """Another program holds the database."""


class DatabaseTooNewError(DatabaseError):
    """The database was written by a newer version of the application."""


class DiskFullError(DatabaseError):
    """The disk holding the database is full."""


class DatabaseCorruptError(DatabaseError):
    """SQLite reports the file as damaged or not a database (or a wrong key)."""


class NotFoundError(UserError):
    """A record the user asked for does not exist."""


class NotOurDatabaseError(DatabaseError):
    """The file is another program's (or an empty file): refused, left unchanged."""


class StaleEditError(UserError):
    """Someone saved the record after this form loaded it (issue #15, optimistic locking):
    nothing was written. The message names who, when and which fields; the form keeps what
    was typed."""

    def __init__(self, message: str, *, who: str, when: str, fields: tuple[str, ...]) -> None:
        super().__init__(message)
        self.who = who
        self.when = when  # "dd.mm.yyyy в HH:MM", the organisation's time
        self.fields = fields  # Russian names of the fields that differ from what was loaded
