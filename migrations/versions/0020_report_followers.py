"""Followers of a report: e-mail updates for supporters and anyone who asks (issue 15.7)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 04:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_follower',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_follower_report_id_report'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_follower')),
        sa.UniqueConstraint('report_id', 'email', name='uq_report_follower_email'),
    )
    with op.batch_alter_table('report_follower', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_follower_report_id'), ['report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_follower', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_follower_report_id'))
    op.drop_table('report_follower')
