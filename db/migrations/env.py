"""Alembic environment: runs on the connection the application hands in."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import DateTime, String, create_engine

from db.models import Base, compared_by_autogenerate
from db.models.base import StrEnumType, UtcDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write our column types as plain SQL types so migrations never import app code."""
    if type_ == "type" and isinstance(obj, StrEnumType):
        return f"sa.String(length={obj.length})"
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime()"
    return False


def compare_type(
    context: Any, inspected: Any, metadata: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    if isinstance(metadata_type, StrEnumType):
        return not (
            isinstance(inspected_type, String) and inspected_type.length == metadata_type.length
        )
    if isinstance(metadata_type, UtcDateTime):
        return not isinstance(inspected_type, DateTime)
    return None


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # Batch mode (copy, rebuild, swap) is how SQLite alters a table; PostgreSQL has
        # ALTER TABLE (issue #15).
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=compare_type,
        render_item=render_item,
        include_object=compared_by_autogenerate,
    )


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
else:  # `alembic` from a developer's shell, with sqlalchemy.url in alembic.ini
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///dev.sqlite")
    with engine.begin() as conn:
        _configure(conn)
        context.run_migrations()
