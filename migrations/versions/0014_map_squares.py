"""Counts of public reports per 0.001° square, kept by triggers, for the public map's busy views

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 10:40:00

"""
import sqlalchemy as sa
from alembic import op

from webapp.reports import spatial

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "map_square",
        sa.Column("sx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sy", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sx", "sy", name=op.f("pk_map_square")),
    )
    spatial.ensure_squares(op.get_bind())


def downgrade():
    spatial.drop_squares(op.get_bind())
    op.drop_table("map_square")
