"""family members, unknown assessment facts, plan questions about a family member

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:50:00.000000

Issue #13: an empty «Контроль за поведением» (or «Впервые», a degree) in an extract was
stored as 0 / "no", so the card judged 31-р 2.1 on a guess and differently from the import:
the assessment's first_time and degrees may now be unknown (NULL). Family members of a
participant (31-р 2.1, Appendix 3) get a table of their own, and a plan question may be
about one of them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('family_member',
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=60), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_family_member_citizen_id_citizen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_family_member_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_family_member_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_member')),
    sa.UniqueConstraint('uuid', name=op.f('uq_family_member_uuid'))
    )
    with op.batch_alter_table('family_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_member_citizen_id'), ['citizen_id'], unique=False)

    with op.batch_alter_table('disability_assessment', schema=None) as batch_op:
        batch_op.alter_column('first_time', existing_type=sa.Boolean(), nullable=True)
        batch_op.alter_column('selfcare_degree', existing_type=sa.SmallInteger(), nullable=True)
        batch_op.alter_column('movement_degree', existing_type=sa.SmallInteger(), nullable=True)
        batch_op.alter_column('behaviour_degree', existing_type=sa.SmallInteger(), nullable=True)

    with op.batch_alter_table('plan_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_member_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_question_family_member_id_family_member'), 'family_member', ['family_member_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('plan_question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_question_family_member_id_family_member'), type_='foreignkey')
        batch_op.drop_column('family_member_id')

    op.execute("UPDATE disability_assessment SET first_time = 0 WHERE first_time IS NULL")
    for column in ('selfcare_degree', 'movement_degree', 'behaviour_degree'):
        op.execute(f"UPDATE disability_assessment SET {column} = 0 WHERE {column} IS NULL")
    with op.batch_alter_table('disability_assessment', schema=None) as batch_op:
        batch_op.alter_column('first_time', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('selfcare_degree', existing_type=sa.SmallInteger(), nullable=False)
        batch_op.alter_column('movement_degree', existing_type=sa.SmallInteger(), nullable=False)
        batch_op.alter_column('behaviour_degree', existing_type=sa.SmallInteger(), nullable=False)

    with op.batch_alter_table('family_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_member_citizen_id'))

    op.drop_table('family_member')
