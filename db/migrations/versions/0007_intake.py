"""intake under 6-р: the basis of an application, the Commission, the criteria with points

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00.000000

Issue #13: an application records the part of 510-п it is under (6-р 5, second paragraph:
no survey act for section 2 subsection 2 and section 3 subsections 3, 4; 6-р 1: order 4-р
for 2.1, 2.3 and adults under 4.1), the Commission's recommendation (7.2 г, 7.3 д) and the
day of the assessment; the grounds of the Criteria of individual need with their points
(7.3 г, Appendix 6) get a table of their own. An application that already names a
technology of section 3 subsection 3 is under subsection 3.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('intake_application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('commission_recommendation', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('commission_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('assessed_on', sa.Date(), nullable=True))
    op.execute("UPDATE intake_application SET basis = '3.3' WHERE technology IS NOT NULL")
    op.create_table('need_criterion',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('criterion', sa.Text(), nullable=False),
    sa.Column('points', sa.SmallInteger(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['intake_application.id'], name=op.f('fk_need_criterion_application_id_intake_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_need_criterion_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_need_criterion_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_criterion')),
    sa.UniqueConstraint('uuid', name=op.f('uq_need_criterion_uuid'))
    )
    with op.batch_alter_table('need_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_criterion_application_id'), ['application_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('need_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_criterion_application_id'))
    op.drop_table('need_criterion')
    with op.batch_alter_table('intake_application', schema=None) as batch_op:
        batch_op.drop_column('assessed_on')
        batch_op.drop_column('commission_on')
        batch_op.drop_column('commission_recommendation')
        batch_op.drop_column('basis')
