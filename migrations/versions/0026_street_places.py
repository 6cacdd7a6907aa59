"""Streets and addresses for the place search without an outside geocoder (issue 24.7)

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-07 19:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'street_place',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('street', sa.String(length=120), nullable=False),
        sa.Column('number', sa.String(length=16), nullable=False),
        sa.Column('folded', sa.String(length=120), nullable=False),
        sa.Column('locality', sa.String(length=120), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_street_place')),
    )
    with op.batch_alter_table('street_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_street_place_folded'), ['folded'], unique=False)


def downgrade():
    with op.batch_alter_table('street_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_street_place_folded'))
    op.drop_table('street_place')
