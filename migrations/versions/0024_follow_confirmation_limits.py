"""Follow confirmations sent at most once a day per address and report, and at most a few a day per recipient
(counted by an HMAC of the address, never the address) (issue 23.7)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_follower', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'follow_confirmation_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_confirmation_sent')),
    )
    with op.batch_alter_table('follow_confirmation_sent', schema=None) as batch_op:
        batch_op.create_index('ix_follow_confirmation_sent_recipient_sent_at', ['recipient', 'sent_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('follow_confirmation_sent', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_confirmation_sent_recipient_sent_at')
    op.drop_table('follow_confirmation_sent')
    with op.batch_alter_table('report_follower', schema=None) as batch_op:
        batch_op.drop_column('confirmation_sent_at')
