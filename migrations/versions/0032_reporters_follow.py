"""Reporters who gave an e-mail follow their own open reports (status mails, each with a one-click stop)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 22:45:00

Reports made before this only told the reporter on "fixed". An open report with the reporter's address gets a
confirmed follower row for that address, as a new report does from now on (webapp/reports/intake.py).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

OPEN = ("received", "confirmed", "planned", "in_progress")


def upgrade():
    op.execute(f"""
        INSERT INTO report_follower (report_id, email, locale, created_at, confirmed_at)
        SELECT r.id, r.reporter_email, COALESCE(r.locale, 'sv'), r.created_at, r.created_at
        FROM report r
        WHERE r.reporter_email IS NOT NULL
          AND r.status IN ({", ".join(f"'{s}'" for s in OPEN)})
          AND NOT EXISTS (SELECT 1 FROM report_follower f WHERE f.report_id = r.id AND f.email = r.reporter_email)
    """)


def downgrade():
    pass  # the rows are ordinary follows now; an unsubscribe link removes each
