"""The kinds of work a crew member does, and which categories are positive (never a job)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 04:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_kinds', sa.JSON(), nullable=True))
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('positive', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE category SET positive = true WHERE key = 'feels_safe'")


def downgrade():
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('positive')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('work_kinds')
