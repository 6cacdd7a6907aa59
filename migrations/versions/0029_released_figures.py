"""What a release of split figures showed, kept until the next release (third audit round, finding 2)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 20:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'released_figures',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('release_day', sa.Date(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_released_figures')),
    )


def downgrade():
    op.drop_table('released_figures')
