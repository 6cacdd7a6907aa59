"""Reading many rows fast: a Core statement run on the driver's own cursor, giving plain tuples without building
a Row (and running type processors) per result, which is most of the cost when thousands of rows are read."""
from __future__ import annotations

from webapp.extensions import db

_prepared: dict[tuple[str, str], tuple[str, tuple | None, dict]] = {}


def raw_rows(statement) -> list[tuple]:
    connection = db.session.connection()
    sql, order, params = _compile(statement, connection)
    return _fetch(connection, sql, order, params)


def prepared_rows(name: str, build, **values) -> list[tuple]:
    """raw_rows for a statement asked for again and again with other values (the public map's box): the
    statement is built and compiled once per database kind, then only the named bound values change. `build`
    takes the dialect's name and returns the statement with bindparam()s called as `values` names them."""
    connection = db.session.connection()
    key = (name, connection.dialect.name)
    if key not in _prepared:
        _prepared[key] = _compile(build(connection.dialect.name), connection)
    sql, order, fixed = _prepared[key]
    return _fetch(connection, sql, order, {**fixed, **values})


def _compile(statement, connection) -> tuple[str, tuple | None, dict]:
    """The SQL text, the order of its parameters for a positional driver (None for a named one), their values."""
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), tuple(compiled.positiontup) if compiled.positional else None, dict(compiled.params)


def _fetch(connection, sql: str, order: tuple | None, params: dict) -> list[tuple]:
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, tuple(params[n] for n in order) if order is not None else params)
        return cursor.fetchall()
    finally:
        cursor.close()
