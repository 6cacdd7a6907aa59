"""Departments can be retired (kept for the reports and work orders that name them, no longer offered), each
category names the kind of work its reports usually need (the work order form's suggestion), as data, and an
account given a one-time password (`flask users reset-password`) must choose its own at the next login

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 01:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

SUGGESTED = [("littered", "cleaning"), ("litter_bin", "cleaning"), ("graffiti", "graffiti"),
             ("street_light", "light_repair"), ("dark_unsafe", "light_repair")]


def upgrade():
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_kind', sa.String(length=30), nullable=True))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_must_change', sa.Boolean(), nullable=False, server_default=sa.false()))
    # What the code suggested until now, for the categories seeded by 0002.
    for key, kind in SUGGESTED:
        op.execute(sa.text("UPDATE category SET work_kind = :kind WHERE key = :key").bindparams(kind=kind, key=key))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('password_must_change')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('work_kind')
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('active')
