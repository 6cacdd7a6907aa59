"""The 100 m SWEREF 99 TM cell with each report, and heat-map counts per cell (and category, time of day, month)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 04:00:00

The triggers that keep heat_cell and heat_cell_month are (re)created after every migration by migrations/env.py
(webapp.reports.spatial.ensure_heat_cells), as for the spatial index and map_square: a batch migration that copies
the report table drops them. This migration only freezes what it needs to fill the new columns and tables.
"""
import math

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_COUNTED = "cell_e IS NOT NULL AND lat IS NOT NULL AND NOT hidden AND status <> 'duplicate'"


def _int(name):
    return sa.Column(name, sa.Integer(), autoincrement=False, nullable=False)


def upgrade():
    op.add_column("report", sa.Column("cell_e", sa.Integer(), nullable=True))
    op.add_column("report", sa.Column("cell_n", sa.Integer(), nullable=True))
    op.create_table("heat_cell", _int("ce"), _int("cn"), sa.Column("n", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("ce", "cn", name=op.f("pk_heat_cell")),
                    sqlite_with_rowid=False)
    op.create_table("heat_cell_category", _int("category_id"),
                    sa.Column("time_of_day", sa.String(length=10), nullable=False), _int("ce"), _int("cn"),
                    sa.Column("n", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("category_id", "time_of_day", "ce", "cn",
                                            name=op.f("pk_heat_cell_category")), sqlite_with_rowid=False)
    op.create_table("heat_cell_month", _int("month"), _int("category_id"),
                    sa.Column("time_of_day", sa.String(length=10), nullable=False), _int("ce"), _int("cn"),
                    sa.Column("n", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("month", "category_id", "time_of_day", "ce", "cn",
                                            name=op.f("pk_heat_cell_month")), sqlite_with_rowid=False)

    from pyproj import Transformer

    bind = op.get_bind()
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, lon, lat FROM report WHERE lat IS NOT NULL AND id > :last "
                                    "ORDER BY id LIMIT 20000"), {"last": last}).fetchall()
        if not rows:
            break
        east, north = to_sweref.transform([r[1] for r in rows], [r[2] for r in rows])
        bind.execute(sa.text("UPDATE report SET cell_e = :ce, cell_n = :cn WHERE id = :id"),
                     [{"ce": math.floor(e / 100), "cn": math.floor(n / 100), "id": r[0]}
                      for r, e, n in zip(rows, east, north)])
        last = rows[-1][0]

    sqlite = bind.dialect.name == "sqlite"
    month = ("CAST(substr(created_at, 1, 4) || substr(created_at, 6, 2) AS INTEGER)" if sqlite else
             "(extract(year FROM created_at AT TIME ZONE 'UTC') * 100"
             " + extract(month FROM created_at AT TIME ZONE 'UTC'))::int")
    keys = "category_id, coalesce(time_of_day, ''), cell_e, cell_n"
    op.execute(f"INSERT INTO heat_cell (ce, cn, n) SELECT cell_e, cell_n, count(*) FROM report "
               f"WHERE {_COUNTED} GROUP BY cell_e, cell_n")
    op.execute(f"INSERT INTO heat_cell_category (category_id, time_of_day, ce, cn, n) SELECT {keys}, count(*) "
               f"FROM report WHERE {_COUNTED} GROUP BY {keys}")
    op.execute(f"INSERT INTO heat_cell_month (month, category_id, time_of_day, ce, cn, n) "
               f"SELECT {month}, {keys}, count(*) FROM report WHERE {_COUNTED} GROUP BY {month}, {keys}")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("heat_cell_insert", "heat_cell_delete", "heat_cell_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS heat_cell_keep ON report")
        op.execute("DROP FUNCTION IF EXISTS heat_cell_keep()")
    op.drop_table("heat_cell_month")
    op.drop_table("heat_cell_category")
    op.drop_table("heat_cell")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("cell_n")
        batch_op.drop_column("cell_e")
