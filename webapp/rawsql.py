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
