"""Statements of the send path, compiled once and run straight on the database driver.

A send batch runs four small statements. For each, SQLAlchemy's execution layer (cache key,
compiled-cache lookup, execution context, result set-up) cost two to three times what SQLite
itself spent (bench/README.md, "what changed the numbers"). A ``Prepared`` statement is still
written with SQLAlchemy Core and compiled by the dialect in use, so the SQL and its quoting are
SQLAlchemy's; only the execution is direct: on the DBAPI cursor of the session's connection,
inside the session's transaction, with the columns' own bind processors applied to the
parameters (SQLite keeps datetimes as text). Rows come back as plain tuples.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from chat.extensions import db


class _Compiled:
    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))  # DML and SELECT compile to SQL
        self.sql = compiled.string
        self.names: Sequence[str] = (compiled.positiontup or ()) if dialect.positional else ()
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.bind_processor(dialect)
            if processor is not None:
                self.processors[name] = processor

    def parameters(self, params: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        processors = self.processors
        if self.names:
            return tuple(processors[n](params[n]) if n in processors else params[n] for n in self.names)
        return {n: processors[n](v) if n in processors else v for n, v in params.items()}


class Prepared:
    """A Core statement run on the driver. Its bound parameters must all be named
    ``bindparam``s given in every call (no literal values, no expanding lists)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled

    def rows(self, params: dict[str, Any]) -> Sequence[tuple[Any, ...]]:
        """Run once; the rows it returns (none for a statement without RETURNING)."""
        return _run(self, [params], many=False)

    def run_many(self, params: list[dict[str, Any]]) -> None:
        """Run once per parameter set, in one driver call."""
        _run(self, params, many=True)


def _run(prepared: Prepared, params: list[dict[str, Any]], *, many: bool) -> Sequence[tuple[Any, ...]]:
    connection = db.session.connection()  # the session's transaction, begun if need be
    compiled = prepared._for(connection.dialect)
    # All tuples (positional dialects) or all dicts (named ones): one shape per dialect.
    driver_params: list[Any] = [compiled.parameters(p) for p in params]
    cursor = connection.connection.cursor()
    try:
        listeners = connection.dispatch.before_cursor_execute
        if listeners:  # statement listeners (logging, the tests' statement counts) still see it
            listeners(connection, cursor, compiled.sql, driver_params if many else driver_params[0], None, many)
        if many:
            cursor.executemany(compiled.sql, driver_params)
        else:
            cursor.execute(compiled.sql, driver_params[0])
        return cursor.fetchall() if cursor.description else []
    except connection.dialect.loaded_dbapi.Error as err:
        # As SQLAlchemy would raise it (IntegrityError for a repeated client id, and so on),
        # so callers catch one family of errors whichever way a statement ran.
        raise DBAPIError.instance(compiled.sql, driver_params, err, connection.dialect.loaded_dbapi.Error,
                                  dialect=connection.dialect) from err
    finally:
        cursor.close()


def insert_returning_ids(table: Table, columns: tuple[str, ...], size: int) -> Prepared:
    """INSERT of ``size`` rows in one statement, RETURNING their ids; the parameters of row i
    are named ``<column>_<i>``. One Prepared per shape, kept by the caller. Each parameter
    carries its column's type: SQLAlchemy gives the first row's the column types but leaves
    the later rows' untyped, and an untyped JSON value would reach the driver as a dict."""
    rows: list[dict[str, Any]] = [{column: bindparam(f"{column}_{i}", type_=table.c[column].type)
                                   for column in columns} for i in range(size)]
    return Prepared(table.insert().values(rows).returning(table.c.id))
