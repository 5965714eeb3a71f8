"""indexes for the registry grid and the semi-annual report at the centre's size

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:00:00.000000

Issue #15, the benchmark at 300,000 people: on both databases

- ``registry_entry (identified_on, id)``: the grid's default order (newest first, then by
  id) is read from the index instead of sorting every entry;
- ``registry_entry (plan_formed_on)``: the report's plan columns (31-р Appendix 4, 11-14)
  look up the half-year's plans instead of scanning every entry.

(The filter lists already have theirs: ``reporting_month`` leads
``ix_registry_entry_month_identified`` and ``citizen.district`` has ``ix_citizen_district``.)

On PostgreSQL only, when the extension ``pg_trgm`` can be had: a GIN trigram index on
``citizen.search_name``, which serves the grid's ``search_name LIKE '%…%'`` for words of
three letters and more. ``CREATE EXTENSION`` needs the right to create in the database
(pg_trgm is a trusted extension from PostgreSQL 13 on: the database's owner may); where the
extension is not installed on the server or may not be created, the upgrade goes on
without the index (the search then scans, as before) and says so in the log. SQLite has no
such index: a trigram index is not in the models' metadata (db.models.SERVER_ONLY_INDEXES,
left out of autogenerate's comparison). Downgrade drops the indexes, not the extension.
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import exc

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger('alembic.runtime.migration')

TRIGRAM_INDEX = 'ix_citizen_search_name_trgm'


def _may_create_trigram_extension() -> str | None:
    """None when pg_trgm is there or may be created; else why not (for the log)."""
    conn = op.get_bind()
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first():
        return None
    # Trusted extensions (and the column saying so) came with PostgreSQL 13.
    trusted = "bool_or(trusted)" if (conn.dialect.server_version_info or (0,)) >= (13,) else "false"
    row = conn.exec_driver_sql(
        f"SELECT {trusted}, count(*) FROM pg_available_extension_versions"
        " WHERE name = 'pg_trgm'"
    ).first()
    if row is None or not row[1]:
        return "the server has no extension pg_trgm (package postgresql-contrib)"
    superuser = conn.exec_driver_sql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).scalar()
    if superuser:
        return None
    if not row[0]:
        return "pg_trgm is not a trusted extension on this server and the role is no superuser"
    may_create = conn.exec_driver_sql(
        "SELECT has_database_privilege(current_database(), 'CREATE')"
    ).scalar()
    if not may_create:
        return "the role may not create in this database (GRANT CREATE ON DATABASE …)"
    return None


def _trigram_index() -> None:
    why_not = _may_create_trigram_extension()
    if why_not is None:
        conn = op.get_bind()
        savepoint = conn.begin_nested()
        try:
            conn.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS pg_trgm')
            conn.exec_driver_sql(
                f'CREATE INDEX {TRIGRAM_INDEX} ON citizen USING gin (search_name gin_trgm_ops)'
            )
        except exc.DBAPIError as error:
            savepoint.rollback()
            why_not = str(error.orig).strip().splitlines()[0]
        else:
            savepoint.commit()
            return
    logger.warning(
        'No trigram index on citizen.search_name: %s. The registry search works without it '
        '(a scan of every person per keystroke).',
        why_not,
    )


def upgrade() -> None:
    op.create_index(
        'ix_registry_entry_identified_id', 'registry_entry', ['identified_on', 'id'], unique=False
    )
    op.create_index(
        'ix_registry_entry_plan_formed_on', 'registry_entry', ['plan_formed_on'], unique=False
    )
    if op.get_bind().dialect.name == 'postgresql':
        _trigram_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {TRIGRAM_INDEX}')
    op.drop_index('ix_registry_entry_plan_formed_on', table_name='registry_entry')
    op.drop_index('ix_registry_entry_identified_id', table_name='registry_entry')
