"""optimistic locking: a row version on the records a consultant edits in a form

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:00:00.000000

Issue #15, several consultants on one database: the person's card, the route draft and the
support plan carry ``row_version`` (1 for every row there is). The ORM checks and bumps it
on every UPDATE (``version_id_col``); a form that saves what it loaded at version N is
refused when the row is at N+1 or later. (``route.version`` is the route's issue number
printed on the document, not this.)

Writers that go through SQL rather than the ORM keep working unchanged: the extract import
updates people with executemany (a trigger adds 1 whenever an UPDATE leaves the version as
it was), and the demo's bulk INSERT names every column with NULL for one it does not fill
(the version is 1 then: SQLite's NOT NULL ON CONFLICT REPLACE takes the default, on
PostgreSQL the trigger does it).

SQLite drops a table's triggers, and the conflict clause, when batch mode rebuilds the
table: a later migration that rebuilds one of these tables must make them again
(tests/integration/test_optimistic_locking.py checks them on the head schema).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('citizen', 'route', 'support_plan')


def sqlite_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_row_version AFTER UPDATE ON {table} FOR EACH ROW "
        "WHEN NEW.row_version = OLD.row_version "
        f"BEGIN UPDATE {table} SET row_version = OLD.row_version + 1 WHERE id = OLD.id; END"
    )


POSTGRESQL_FUNCTION = (
    "CREATE FUNCTION bump_row_version() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
    "IF TG_OP = 'INSERT' THEN NEW.row_version := coalesce(NEW.row_version, 1); "
    "ELSIF NEW.row_version IS NULL OR NEW.row_version = OLD.row_version THEN "
    "NEW.row_version := OLD.row_version + 1; END IF; RETURN NEW; END$$"
)


def postgresql_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_row_version BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION bump_row_version()"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for table in TABLES:
            # ALTER TABLE ADD COLUMN (what batch mode does for a new column alone), with the
            # conflict clause SQLAlchemy cannot write: an INSERT naming NULL gets 1.
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN row_version INTEGER "
                "NOT NULL ON CONFLICT REPLACE DEFAULT 1"
            )
            op.execute(sqlite_trigger(table))
    else:
        for table in TABLES:
            op.add_column(
                table, sa.Column('row_version', sa.Integer(), server_default='1', nullable=False)
            )
        op.execute(POSTGRESQL_FUNCTION)
        for table in TABLES:
            op.execute(postgresql_trigger(table))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in TABLES:
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_row_version")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_row_version ON {table}")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS bump_row_version()")
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('row_version')
