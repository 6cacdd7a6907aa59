"""The citizen dialogue: its questions, anonymous answers, and the citizen promise with its actions (issue 27.2)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 22:08:03.386651

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('citizen_promise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_citizen_promise_campaign_id_campaign')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_promise')),
    sa.UniqueConstraint('year', name=op.f('uq_citizen_promise_year'))
    )
    op.create_table('dialogue_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_dialogue_question_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialogue_question'))
    )
    with op.batch_alter_table('dialogue_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialogue_question_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('dialogue_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('gender', sa.String(length=20), nullable=True),
    sa.Column('age_group', sa.String(length=20), nullable=True),
    sa.Column('housing', sa.String(length=20), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('entered_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_dialogue_response_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialogue_response'))
    )
    with op.batch_alter_table('dialogue_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialogue_response_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('dialogue_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('scale', sa.Integer(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['dialogue_question.id'], name=op.f('fk_dialogue_answer_question_id_dialogue_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['dialogue_response.id'], name=op.f('fk_dialogue_answer_response_id_dialogue_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialogue_answer'))
    )
    with op.batch_alter_table('dialogue_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialogue_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dialogue_answer_response_id'), ['response_id'], unique=False)

    op.create_table('promise_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('promise_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('department_code', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_promise_action_department_code_department')),
    sa.ForeignKeyConstraint(['promise_id'], ['citizen_promise.id'], name=op.f('fk_promise_action_promise_id_citizen_promise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promise_action'))
    )
    with op.batch_alter_table('promise_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promise_action_promise_id'), ['promise_id'], unique=False)


def downgrade():
    with op.batch_alter_table('promise_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promise_action_promise_id'))

    op.drop_table('promise_action')
    with op.batch_alter_table('dialogue_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialogue_answer_response_id'))
        batch_op.drop_index(batch_op.f('ix_dialogue_answer_question_id'))

    op.drop_table('dialogue_answer')
    with op.batch_alter_table('dialogue_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialogue_response_campaign_id'))

    op.drop_table('dialogue_response')
    with op.batch_alter_table('dialogue_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialogue_question_campaign_id'))

    op.drop_table('dialogue_question')
    op.drop_table('citizen_promise')
