"""user roles; audit events hash-chained and append-only

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.domain.audit_chain import GENESIS, event_hash

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
)

# The same on a PostgreSQL server (issue #15): a trigger function raising an exception.
APPEND_ONLY_POSTGRESQL = (
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$BEGIN RAISE EXCEPTION 'audit_event is append-only'; END$$",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
)


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('role', sa.String(length=32), server_default='CONSULTANT', nullable=False)
        )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    conn = op.get_bind()
    # Until now the one local profile did everything: it becomes the supervisor.
    first = conn.execute(sa.text("SELECT min(id) FROM app_user")).scalar()
    if first is not None:
        conn.execute(sa.text("UPDATE app_user SET role = 'SUPERVISOR' WHERE id = :id"), {"id": first})
    # Chain the events written so far, in the order they were written.
    rows = conn.execute(sa.text(
        "SELECT id, uuid, at, action, entity, entity_uuid, details, created_by_id "
        "FROM audit_event ORDER BY id"
    )).all()
    prev = GENESIS
    for row in rows:
        digest = event_hash(prev, str(row.uuid), row.at, row.action, row.entity,
                            row.entity_uuid, row.details, row.created_by_id)
        conn.execute(
            sa.text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id"),
            {"p": prev, "h": digest, "id": row.id},
        )
        prev = digest
    for statement in APPEND_ONLY if conn.dialect.name == "sqlite" else APPEND_ONLY_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('role')
