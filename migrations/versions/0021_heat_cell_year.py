"""Heat-map counts per 100 m cell and calendar year, for a year's heat map at a million reports

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 06:30:00

A year's heat map read its twelve months from heat_cell_month, one row per cell, category and time of day
(about one row per report: ~100 000 at a million reports); heat_cell_year holds one row per cell and year. Its
counts are kept by the same triggers as the tables of 0017, which migrations/env.py (re)creates after every
migration (webapp.reports.spatial.ensure_heat_cells): on SQLite they are dropped here so that they come back with
the new table in them (CREATE TRIGGER IF NOT EXISTS would keep the old ones); on PostgreSQL the function is
replaced.
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

_COUNTED = "cell_e IS NOT NULL AND lat IS NOT NULL AND NOT hidden AND status <> 'duplicate'"
_SQLITE_TRIGGERS = ("heat_cell_insert", "heat_cell_delete", "heat_cell_update")


def _int(name):
    return sa.Column(name, sa.Integer(), autoincrement=False, nullable=False)


def _drop_sqlite_triggers():
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade():
    op.create_table("heat_cell_year", _int("year"), _int("ce"), _int("cn"),
                    sa.Column("n", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("year", "ce", "cn", name=op.f("pk_heat_cell_year")),
                    sqlite_with_rowid=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    year = ("CAST(substr(created_at, 1, 4) AS INTEGER)" if sqlite else
            "extract(year FROM created_at AT TIME ZONE 'UTC')::int")
    op.execute(f"INSERT INTO heat_cell_year (year, ce, cn, n) SELECT {year}, cell_e, cell_n, count(*) FROM report "
               f"WHERE {_COUNTED} GROUP BY {year}, cell_e, cell_n")
    if sqlite:
        _drop_sqlite_triggers()


def downgrade():
    # The triggers name the table: without it they are made again by env.py from the tables that are left.
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_triggers()
    else:
        op.execute("DROP TRIGGER IF EXISTS heat_cell_keep ON report")
        op.execute("DROP FUNCTION IF EXISTS heat_cell_keep()")
    op.drop_table("heat_cell_year")
