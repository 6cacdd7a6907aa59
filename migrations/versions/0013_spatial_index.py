"""A spatial index on report positions: an R*Tree on SQLite, a GiST index on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 22:45:00

The SQL is frozen here as it stood when this migration was written, so a later change to webapp/geo/spatial.py (now webapp/reports/spatial.py)
cannot change what this migration does. migrations/env.py re-creates the live version after every migration.
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

RTREE = "report_rtree"
GIST_INDEX = "ix_report_position_gist"

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS report_rtree_insert AFTER INSERT ON report WHEN NEW.lat IS NOT NULL
        BEGIN INSERT INTO {RTREE} VALUES (NEW.id, NEW.lon, NEW.lon, NEW.lat, NEW.lat); END""",
    f"""CREATE TRIGGER IF NOT EXISTS report_rtree_update AFTER UPDATE OF lat, lon ON report
        BEGIN
          DELETE FROM {RTREE} WHERE id = OLD.id;
          INSERT INTO {RTREE} SELECT NEW.id, NEW.lon, NEW.lon, NEW.lat, NEW.lat WHERE NEW.lat IS NOT NULL;
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS report_rtree_delete AFTER DELETE ON report
        BEGIN DELETE FROM {RTREE} WHERE id = OLD.id; END""",
]


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {RTREE} USING rtree(id, min_lon, max_lon, min_lat, max_lat)")
        for statement in _SQLITE_TRIGGERS:
            connection.exec_driver_sql(statement)
        indexed = connection.exec_driver_sql(f"SELECT count(*) FROM {RTREE}").scalar()
        placed = connection.exec_driver_sql("SELECT count(*) FROM report WHERE lat IS NOT NULL").scalar()
        if indexed != placed:
            connection.exec_driver_sql(f"DELETE FROM {RTREE}")
            connection.exec_driver_sql(f"INSERT INTO {RTREE} SELECT id, lon, lon, lat, lat FROM report "
                                       "WHERE lat IS NOT NULL")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {GIST_INDEX} ON report USING gist (point(lon, lat)) "
                                   "WHERE lat IS NOT NULL")


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for name in ("report_rtree_insert", "report_rtree_update", "report_rtree_delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {RTREE}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {GIST_INDEX}")
