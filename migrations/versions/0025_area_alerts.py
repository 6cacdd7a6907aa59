"""Alerts for an area (issue 26.3) and the schedule of periodic jobs (area alerts, the open-data refresh)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 19:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'area_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('radius_m', sa.Integer(), nullable=True),
        sa.Column('frequency', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_digest_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_area_alert_district_id_district'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_area_alert_campaign_id_campaign'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_area_alert')),
    )
    with op.batch_alter_table('area_alert', schema=None) as batch_op:
        batch_op.create_index('ix_area_alert_email', ['email'], unique=False)
        batch_op.create_index('ix_area_alert_frequency_confirmed', ['frequency', 'confirmed_at'], unique=False)
    op.create_table(
        'area_alert_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['area_alert.id'], name=op.f('fk_area_alert_sent_alert_id_area_alert'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_area_alert_sent_report_id_report'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_area_alert_sent')),
        sa.UniqueConstraint('alert_id', 'report_id', name='uq_area_alert_sent'),
    )
    with op.batch_alter_table('area_alert_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_alert_sent_report_id'), ['report_id'], unique=False)
    op.create_table(
        'job_schedule',
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('last_period', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_job_schedule')),
    )


def downgrade():
    op.drop_table('job_schedule')
    with op.batch_alter_table('area_alert_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_alert_sent_report_id'))
    op.drop_table('area_alert_sent')
    with op.batch_alter_table('area_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_area_alert_frequency_confirmed')
        batch_op.drop_index('ix_area_alert_email')
    op.drop_table('area_alert')
