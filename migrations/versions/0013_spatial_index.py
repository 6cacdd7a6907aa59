"""A spatial index on report positions: an R*Tree on SQLite, a GiST index on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 22:45:00

"""
from alembic import op

from webapp.reports import spatial

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    spatial.ensure(op.get_bind())


def downgrade():
    spatial.drop(op.get_bind())
