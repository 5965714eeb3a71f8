"""post batches kept until every letter has its ШПИ

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:40:00.000000

Issue #12: a post batch (the letters printed together, form 103's "Список N") is kept
with who printed it and when; each dispatch knows its batch and its place in it. The
dispatch table is rebuilt in batch mode (SQLite cannot add a foreign key in place); its
rows are copied as they are, with no batch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('post_batch',
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('printed_on', sa.Date(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_post_batch_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_post_batch_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_batch')),
    sa.UniqueConstraint('number', name=op.f('uq_post_batch_number')),
    sa.UniqueConstraint('uuid', name=op.f('uq_post_batch_uuid'))
    )
    with op.batch_alter_table('post_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_batch_printed_on'), ['printed_on'], unique=False)

    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_batch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('batch_position', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_dispatch_post_batch_id'), ['post_batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dispatch_post_batch_id_post_batch'), 'post_batch', ['post_batch_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dispatch_post_batch_id_post_batch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dispatch_post_batch_id'))
        batch_op.drop_column('batch_position')
        batch_op.drop_column('post_batch_id')

    with op.batch_alter_table('post_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_batch_printed_on'))

    op.drop_table('post_batch')
