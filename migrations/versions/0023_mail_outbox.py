"""A durable mail outbox (mail waits and is retried while the mail server is down) and the job workers' heartbeat

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 01:40:00

mail_outbox holds one row per outgoing mail: the whole message until it is delivered or given up (then it is
emptied, since it holds a private tracking link and the address). job_worker holds one row per `flask jobs work`
process with the time it last said it was alive, for /healthz.
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_status_next", "mail_outbox", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "job_worker",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_worker")),
    )


def downgrade():
    op.drop_table("job_worker")
    op.drop_index("ix_mail_outbox_status_next", table_name="mail_outbox")
    op.drop_table("mail_outbox")
