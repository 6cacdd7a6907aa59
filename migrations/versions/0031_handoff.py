"""Hand-off to the kommun's own systems: targets (e-mail or Open311), routes per department or category, and
each report's hand-off state (issue 26.2)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 22:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'handoff_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('endpoint', sa.String(length=500), nullable=False),
        sa.Column('api_key', sa.String(length=200), nullable=False),
        sa.Column('jurisdiction_id', sa.String(length=100), nullable=False),
        sa.Column('service_codes', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('polled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_target')),
        sa.UniqueConstraint('name', name=op.f('uq_handoff_target_name')),
    )
    op.create_table(
        'handoff_route',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_code', sa.String(length=20), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['department_code'], ['department.code'],
                                name=op.f('fk_handoff_route_department_code_department')),
        sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_handoff_route_category_id_category')),
        sa.ForeignKeyConstraint(['target_id'], ['handoff_target.id'],
                                name=op.f('fk_handoff_route_target_id_handoff_target')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_route')),
        sa.UniqueConstraint('department_code', name=op.f('uq_handoff_route_department_code')),
        sa.UniqueConstraint('category_id', name=op.f('uq_handoff_route_category_id')),
    )
    op.create_table(
        'report_handoff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('external_id', sa.String(length=100), nullable=False),
        sa.Column('external_token', sa.String(length=100), nullable=False),
        sa.Column('error_kind', sa.String(length=20), nullable=False),
        sa.Column('error_detail', sa.Text(), nullable=False),
        sa.Column('external_status', sa.String(length=20), nullable=False),
        sa.Column('external_note', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_handoff_report_id_report'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['handoff_target.id'],
                                name=op.f('fk_report_handoff_target_id_handoff_target')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_handoff')),
        sa.UniqueConstraint('report_id', name=op.f('uq_report_handoff_report_id')),
    )
    op.create_index(op.f('ix_report_handoff_target_id'), 'report_handoff', ['target_id'], unique=False)
    op.create_index(op.f('ix_report_handoff_state'), 'report_handoff', ['state'], unique=False)
    op.create_index(op.f('ix_report_handoff_external_id'), 'report_handoff', ['external_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_handoff_external_id'), table_name='report_handoff')
    op.drop_index(op.f('ix_report_handoff_state'), table_name='report_handoff')
    op.drop_index(op.f('ix_report_handoff_target_id'), table_name='report_handoff')
    op.drop_table('report_handoff')
    op.drop_table('handoff_route')
    op.drop_table('handoff_target')
