"""The spatial index on report positions, so that "the reports in this box" reads only those reports.

SQLite: an R*Tree virtual table `report_rtree` kept in step with `report` by triggers.
PostgreSQL: a GiST index on point(lon, lat).

Neither is part of the SQLAlchemy models (an R*Tree is a virtual table, the GiST index an expression index), so
autogenerate is told to leave them alone, and `ensure` re-creates the SQLite triggers after any migration (a
batch migration that copies the report table drops its triggers).

Beside it, the counts of public reports per 0.001° square (the table map_square, model MapSquare), kept by
triggers on both databases (`ensure_squares`), from which the public map counts busy views per area."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, text

from webapp.geo.services import cells_of
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


# Counts of public reports per 0.001° square (the model MapSquare), kept by triggers. A report counts when it has
# a position and is not hidden. floor() for any longitude above -1000 without SQLite's optional math functions.
SQUARE = 0.001
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


def ensure_squares(connection) -> None:
    """Create the triggers that keep map_square, and recount it if it disagrees with the reports; safe to run
    after every migration (a batch migration that copies the report table drops its triggers)."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        for statement in _SQLITE_SQUARE_TRIGGERS.values():
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        for statement in _POSTGRES_SQUARES:
            connection.exec_driver_sql(statement)
    else:
        return
    counted = connection.exec_driver_sql("SELECT coalesce(sum(n), 0) FROM map_square").scalar()
    public = connection.exec_driver_sql("SELECT count(*) FROM report WHERE lat IS NOT NULL AND NOT hidden").scalar()
    if counted != public:
        sx, sy = (_SX.format(r="report"), _SY.format(r="report")) if sqlite else (
            "floor(lon * 1000)::int", "floor(lat * 1000)::int")
        connection.exec_driver_sql("DELETE FROM map_square")
        connection.exec_driver_sql(f"INSERT INTO map_square (sx, sy, n) SELECT {sx}, {sy}, count(*) FROM report "
                                   f"WHERE lat IS NOT NULL AND NOT hidden GROUP BY {sx}, {sy}")


def drop_squares(connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in _SQLITE_SQUARE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS map_square_keep ON report")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS map_square_keep()")


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


# The heat map's counts per 100 m SWEREF 99 TM cell (tables heat_cell, heat_cell_category, heat_cell_month and
# heat_cell_year, models HeatCell, HeatCellCategory, HeatCellMonth and HeatCellYear), kept by triggers from the cell stored with each report. A report counts as the heat map's own
# query (webapp.insights.services._query) does: placed, not hidden, not merged as a duplicate.
_HEAT_COUNTED = "{r}.cell_e IS NOT NULL AND {r}.lat IS NOT NULL AND NOT {r}.hidden AND {r}.status <> 'duplicate'"
_HEAT_COLUMNS = {"heat_cell": ("ce", "cn"),
                 "heat_cell_category": ("category_id", "time_of_day", "ce", "cn"),
                 "heat_cell_month": ("month", "category_id", "time_of_day", "ce", "cn"),
                 "heat_cell_year": ("year", "ce", "cn")}  # since migration 0021
_HEAT_WATCHED = "lat, lon, cell_e, cell_n, hidden, status, category_id, time_of_day, created_at"


def _heat_keys(r: str, sqlite: bool) -> dict[str, str]:
    # SQLite keeps created_at as 'YYYY-MM-DD HH:MM:SS…' in UTC; PostgreSQL as timestamptz, read in UTC.
    month = (f"CAST(substr({r}.created_at, 1, 4) || substr({r}.created_at, 6, 2) AS INTEGER)" if sqlite else
             f"(extract(year FROM {r}.created_at AT TIME ZONE 'UTC') * 100"
             f" + extract(month FROM {r}.created_at AT TIME ZONE 'UTC'))::int")
    year = (f"CAST(substr({r}.created_at, 1, 4) AS INTEGER)" if sqlite else
            f"extract(year FROM {r}.created_at AT TIME ZONE 'UTC')::int")
    return {"month": month, "year": year, "ce": f"{r}.cell_e", "cn": f"{r}.cell_n", "category_id": f"{r}.category_id",
            "time_of_day": f"coalesce({r}.time_of_day, '')"}


def _heat_statements(r: str, sign: str, sqlite: bool, guard: str = "", tables=_HEAT_COLUMNS) -> list[str]:
    """Add (sign '+') or take away ('-') the report `r` (NEW or OLD) in each count table."""
    keys = _heat_keys(r, sqlite)
    out = []
    for table, columns in _HEAT_COLUMNS.items():
        if table not in tables:
            continue
        values = ", ".join(keys[c] for c in columns)
        if sign == "+":
            select = f"SELECT {values}, 1 WHERE {guard}" if guard else f"VALUES ({values}, 1)"
            out.append(f"INSERT INTO {table} ({', '.join(columns)}, n) {select} "
                       f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET n = {table}.n + 1;")
        else:
            match = " AND ".join(f"{c} = {keys[c]}" for c in columns)
            out.append(f"UPDATE {table} SET n = n - 1 WHERE {match}{' AND ' + guard if guard else ''};")
    return out


def _sqlite_heat_triggers(tables=_HEAT_COLUMNS) -> dict[str, str]:
    new, old = _HEAT_COUNTED.format(r="NEW"), _HEAT_COUNTED.format(r="OLD")
    body = lambda statements: "\n          ".join(statements)  # noqa: E731
    return {
        "heat_cell_insert": f"""CREATE TRIGGER IF NOT EXISTS heat_cell_insert AFTER INSERT ON report WHEN {new}
        BEGIN
          {body(_heat_statements("NEW", "+", True, tables=tables))}
        END""",
        "heat_cell_delete": f"""CREATE TRIGGER IF NOT EXISTS heat_cell_delete AFTER DELETE ON report WHEN {old}
        BEGIN
          {body(_heat_statements("OLD", "-", True, tables=tables))}
        END""",
        "heat_cell_update": f"""CREATE TRIGGER IF NOT EXISTS heat_cell_update AFTER UPDATE OF {_HEAT_WATCHED} ON report
        WHEN ({old}) OR ({new})
        BEGIN
          {body(_heat_statements("OLD", "-", True, old, tables) + _heat_statements("NEW", "+", True, new, tables))}
        END""",
    }


def _postgres_heat(tables=_HEAT_COLUMNS) -> list[str]:
    new, old = _HEAT_COUNTED.format(r="NEW"), _HEAT_COUNTED.format(r="OLD")
    return [
        f"""CREATE OR REPLACE FUNCTION heat_cell_keep() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') AND {old} THEN
            {" ".join(_heat_statements("OLD", "-", False, tables=tables))}
          END IF;
          IF TG_OP IN ('UPDATE', 'INSERT') AND {new} THEN
            {" ".join(_heat_statements("NEW", "+", False, tables=tables))}
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS heat_cell_keep ON report",
        f"""CREATE TRIGGER heat_cell_keep AFTER INSERT OR DELETE OR UPDATE OF {_HEAT_WATCHED} ON report
           FOR EACH ROW EXECUTE FUNCTION heat_cell_keep()""",
    ]


def ensure_heat_cells(connection) -> None:
    """Create the triggers that keep heat_cell, heat_cell_category and heat_cell_month, give every placed report
    its cell, and recount the tables if they disagree with the reports; safe to run after every migration."""
    from sqlalchemy import inspect

    sqlite = connection.dialect.name == "sqlite"
    # Only the tables the database has (heat_cell_year came with 0021; a database downgraded below it lacks it).
    present = set(inspect(connection).get_table_names())
    tables = {t: c for t, c in _HEAT_COLUMNS.items() if t in present}
    if sqlite:
        for statement in _sqlite_heat_triggers(tables).values():
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        for statement in _postgres_heat(tables):
            connection.exec_driver_sql(statement)
    else:
        return
    missing = connection.exec_driver_sql(
        "SELECT id, lon, lat FROM report WHERE lat IS NOT NULL AND cell_e IS NULL").fetchall()
    if missing:
        ce, cn = cells_of([m[1] for m in missing], [m[2] for m in missing])
        connection.execute(text("UPDATE report SET cell_e = :ce, cell_n = :cn WHERE id = :id"),
                           [{"ce": int(e), "cn": int(n), "id": m[0]} for m, e, n in zip(missing, ce, cn)])
    public = connection.exec_driver_sql(
        f"SELECT count(*) FROM report WHERE {_HEAT_COUNTED.format(r='report')}").scalar()
    keys = _heat_keys("report", sqlite)
    for table, columns in tables.items():
        if connection.exec_driver_sql(f"SELECT coalesce(sum(n), 0) FROM {table}").scalar() == public:
            continue
        values = ", ".join(keys[c] for c in columns)
        connection.exec_driver_sql(f"DELETE FROM {table}")
        connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}, n) SELECT {values}, count(*) "
                                   f"FROM report WHERE {_HEAT_COUNTED.format(r='report')} GROUP BY {values}")


def drop_heat_cells(connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in _sqlite_heat_triggers():
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS heat_cell_keep ON report")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS heat_cell_keep()")
