"""The spatial index on report positions, so that "the reports in this box" reads only those reports.

SQLite: an R*Tree virtual table `report_rtree` kept in step with `report` by triggers.
PostgreSQL: a GiST index on point(lon, lat).

Neither is part of the SQLAlchemy models (an R*Tree is a virtual table, the GiST index an expression index), so
autogenerate is told to leave them alone, and `ensure` re-creates the SQLite triggers after any migration (a
batch migration that copies the report table drops its triggers)."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, text

from webapp.reports.models import Report

RTREE = "report_rtree"
GIST_INDEX = "ix_report_position_gist"
_RTREE_TABLES = {RTREE, f"{RTREE}_node", f"{RTREE}_parent", f"{RTREE}_rowid"}

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


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's autogenerate: the spatial index is not in the models and must not be dropped."""
    if type_ == "table" and name in _RTREE_TABLES:
        return False
    if type_ == "index" and name == GIST_INDEX:
        return False
    return True


def ensure(connection) -> None:
    """Create the spatial index if it is missing, and fill it; safe to run after every migration."""
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


def drop(connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in ("report_rtree_insert", "report_rtree_update", "report_rtree_delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {RTREE}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {GIST_INDEX}")


def in_box(dialect: str):
    """A WHERE clause for reports inside the box that the database answers from its spatial index. The box comes
    as the bound values min_lon, min_lat, max_lon and max_lat (the statement is compiled once and reused)."""
    min_lon, min_lat, max_lon, max_lat = (bindparam(n) for n in ("min_lon", "min_lat", "max_lon", "max_lat"))
    if dialect == "sqlite":
        return Report.id.in_(text(f"SELECT id FROM {RTREE} WHERE min_lon >= :min_lon AND max_lon <= :max_lon "
                                  "AND min_lat >= :min_lat AND max_lat <= :max_lat"))
    if dialect == "postgresql":
        return and_(Report.lat.is_not(None),
                    text("point(report.lon, report.lat) <@ box(point(:min_lon, :min_lat), point(:max_lon, :max_lat))"))
    return and_(Report.lon.between(min_lon, max_lon), Report.lat.between(min_lat, max_lat))
