"""courses of 510-п subsection 3: service form and the end an extension asked to extend

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 10:00:00.000000

Issue #13: a programme records its form, in person or remote by the citizen's written
choice (510-п subsection 3, 1.3), with the date of that choice; an extension application
records the programme's end it asked to extend (4.5: five working days before it, and at
most three months beyond the first one). Existing programmes are in person.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service_programme', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('service_form', sa.String(length=16), server_default='IN_PERSON', nullable=False)
        )
        batch_op.add_column(sa.Column('form_chosen_on', sa.Date(), nullable=True))
    with op.batch_alter_table('extension_application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_on_before', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('extension_application', schema=None) as batch_op:
        batch_op.drop_column('ends_on_before')
    with op.batch_alter_table('service_programme', schema=None) as batch_op:
        batch_op.drop_column('form_chosen_on')
        batch_op.drop_column('service_form')
