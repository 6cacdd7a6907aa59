"""Counts of public reports per 0.001° square, kept by triggers, for the public map's busy views

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 10:40:00

The triggers' SQL is frozen here as it stood when this migration was written, so a later change to
webapp/geo/spatial.py (now webapp/reports/spatial.py) cannot change what this migration does. migrations/env.py re-creates the live version after
every migration.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# floor() for any longitude above -1000 without SQLite's optional math functions.
_SX = "(CAST({r}.lon * 1000 + 1000000 AS INTEGER) - 1000000)"
_SY = "(CAST({r}.lat * 1000 + 1000000 AS INTEGER) - 1000000)"
_SQLITE_SQUARE_TRIGGERS = {
    "map_square_insert": f"""CREATE TRIGGER IF NOT EXISTS map_square_insert AFTER INSERT ON report
        WHEN NEW.lat IS NOT NULL AND NOT NEW.hidden
        BEGIN
          INSERT OR IGNORE INTO map_square (sx, sy, n) VALUES ({_SX.format(r="NEW")}, {_SY.format(r="NEW")}, 0);
          UPDATE map_square SET n = n + 1 WHERE sx = {_SX.format(r="NEW")} AND sy = {_SY.format(r="NEW")};
        END""",
    "map_square_delete": f"""CREATE TRIGGER IF NOT EXISTS map_square_delete AFTER DELETE ON report
        WHEN OLD.lat IS NOT NULL AND NOT OLD.hidden
        BEGIN
          UPDATE map_square SET n = n - 1 WHERE sx = {_SX.format(r="OLD")} AND sy = {_SY.format(r="OLD")};
        END""",
    "map_square_update": f"""CREATE TRIGGER IF NOT EXISTS map_square_update AFTER UPDATE OF lat, lon, hidden ON report
        BEGIN
          UPDATE map_square SET n = n - 1 WHERE OLD.lat IS NOT NULL AND NOT OLD.hidden
            AND sx = {_SX.format(r="OLD")} AND sy = {_SY.format(r="OLD")};
          INSERT OR IGNORE INTO map_square (sx, sy, n) SELECT {_SX.format(r="NEW")}, {_SY.format(r="NEW")}, 0
            WHERE NEW.lat IS NOT NULL AND NOT NEW.hidden;
          UPDATE map_square SET n = n + 1 WHERE NEW.lat IS NOT NULL AND NOT NEW.hidden
            AND sx = {_SX.format(r="NEW")} AND sy = {_SY.format(r="NEW")};
        END""",
}
_POSTGRES_SQUARES = [
    """CREATE OR REPLACE FUNCTION map_square_keep() RETURNS trigger AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.lat IS NOT NULL AND NOT OLD.hidden THEN
        UPDATE map_square SET n = n - 1 WHERE sx = floor(OLD.lon * 1000)::int AND sy = floor(OLD.lat * 1000)::int;
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.lat IS NOT NULL AND NOT NEW.hidden THEN
        INSERT INTO map_square (sx, sy, n) VALUES (floor(NEW.lon * 1000)::int, floor(NEW.lat * 1000)::int, 1)
        ON CONFLICT (sx, sy) DO UPDATE SET n = map_square.n + 1;
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS map_square_keep ON report",
    """CREATE TRIGGER map_square_keep AFTER INSERT OR DELETE OR UPDATE OF lat, lon, hidden ON report
       FOR EACH ROW EXECUTE FUNCTION map_square_keep()""",
]


def upgrade():
    op.create_table(
        "map_square",
        sa.Column("sx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sy", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sx", "sy", name=op.f("pk_map_square")),
    )
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        for statement in _SQLITE_SQUARE_TRIGGERS.values():
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        for statement in _POSTGRES_SQUARES:
            connection.exec_driver_sql(statement)
    else:
        return
    # Count the reports already there.
    sx, sy = (_SX.format(r="report"), _SY.format(r="report")) if sqlite else (
        "floor(lon * 1000)::int", "floor(lat * 1000)::int")
    connection.exec_driver_sql("DELETE FROM map_square")
    connection.exec_driver_sql(f"INSERT INTO map_square (sx, sy, n) SELECT {sx}, {sy}, count(*) FROM report "
                               f"WHERE lat IS NOT NULL AND NOT hidden GROUP BY {sx}, {sy}")


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for name in _SQLITE_SQUARE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS map_square_keep ON report")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS map_square_keep()")
    op.drop_table("map_square")
