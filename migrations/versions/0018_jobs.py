"""Durable background jobs (imports, large exports) that a worker takes up again after a restart

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 04:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=80), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_status_heartbeat", "job", ["status", "heartbeat_at"], unique=False)
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_import_run_job_id_job"), "job", ["job_id"], ["id"])
    # An import left "running" or "queued" by the old daemon thread never finishes: say so.
    op.execute("UPDATE import_run SET status = 'failed' WHERE status IN ('queued', 'running')")


def downgrade():
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_import_run_job_id_job"), type_="foreignkey")
        batch_op.drop_column("job_id")
    op.drop_index("ix_job_status_heartbeat", table_name="job")
    op.drop_table("job")
