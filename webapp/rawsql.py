"""Reading many rows fast: a Core statement run on the driver's own cursor, giving plain tuples without building
a Row (and running type processors) per result, which is most of the cost when thousands of rows are read."""
from __future__ import annotations

from webapp.extensions import db


def raw_rows(statement) -> list[tuple]:
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup)
    else:
        params = compiled.params
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


_prepared: dict[tuple[str, str], tuple[str, tuple | None, dict]] = {}


def prepared_rows(name: str, build, **values) -> list[tuple]:
    """raw_rows for a statement asked for again and again with other values (the public map's box): the
    statement is built and compiled once per database kind, then only the named bound values change. `build`
    takes the dialect's name and returns the statement with bindparam()s called as `values` names them."""
    connection = db.session.connection()
    key = (name, connection.dialect.name)
    entry = _prepared.get(key)
    if entry is None:
        compiled = build(connection.dialect.name).compile(dialect=connection.dialect,
                                                          compile_kwargs={"render_postcompile": True})
        entry = (str(compiled), tuple(compiled.positiontup) if compiled.positional else None, dict(compiled.params))
        _prepared[key] = entry
    sql, order, fixed = entry
    params = {**fixed, **values}
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, tuple(params[n] for n in order) if order is not None else params)
        return cursor.fetchall()
    finally:
        cursor.close()

