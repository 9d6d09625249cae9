"""One write transaction per service call: validate first, write, commit, then publish.

SQLite allows one writer at a time, and a writer blocked on its file lock would freeze every
green thread of the process, so writers inside one process queue on a cooperative lock (green
under eventlet/gevent because app.py monkey-patches before anything is imported); SQLite's
busy timeout covers writers in other processes. On PostgreSQL, transactions that log events
take a cluster-wide advisory lock instead (see ``events.record``).

Right after the commit, still under the lock, the transaction's room changes are made and its
emits are queued in commit order (``events.publish_committed``); the emits themselves go out
after the lock is released (``events.deliver``), so a slow fan-out never holds up the next
writer. Then ``after_commit`` callbacks run (jobs are handed to the queue). A failed commit
publishes nothing and queues nothing.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table

from chat.core import events
from chat.core.prepared import Prepared, insert_returning_ids
from chat.extensions import db

_writer_lock = threading.RLock()
_state = threading.local()


@contextmanager
def atomic() -> Iterator[None]:
    """Run the block as one committed transaction; nested blocks join the outer one."""
    depth = getattr(_state, "depth", 0)
    if depth:
        _state.depth = depth + 1
        try:
            yield
        finally:
            _state.depth = depth
        return
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        _writer_lock.acquire()
    _state.depth = 1
    _state.on_commit, _state.on_rollback, _state.after_commit = [], [], []
    _state.scratch = {}
    after: list[Callable[[], object]] = []
    try:
        try:
            yield
            events.assign_ids()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            events.discard_pending()
            _run_all(_state.on_rollback)
            raise
        events.publish_committed()
        _run_all(_state.on_commit)
        after = _state.after_commit
    finally:
        _state.depth = 0
        _state.on_commit = _state.on_rollback = _state.after_commit = _state.scratch = None
        events.release_order_lock()
        if sqlite:
            _writer_lock.release()
    events.deliver()
    _run_all(after)


def in_transaction() -> bool:
    """Whether the caller is inside ``atomic()`` (its writes join that transaction)."""
    return getattr(_state, "depth", 0) > 0


def insert_many(table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT the rows (all with the same keys) in one statement inside the current
    transaction; their new ids, in order.

    Both databases number the rows of one multi-row INSERT upwards in the order given (SQLite's
    rowid, PostgreSQL's sequence), so the returned ids, sorted, line up with the rows.
    SQLAlchemy's own ``sort_by_parameter_order`` would write SQLite rows one at a time instead.
    The statement is prepared once per table, columns and number of rows (``prepared``).
    """
    ids: list[int] = []
    columns = tuple(rows[0]) if rows else ()
    for start in range(0, len(rows), _CHUNK):  # within SQLite's limit on parameters per statement
        chunk = rows[start:start + _CHUNK]
        key = (table.name, columns, len(chunk))
        statement = _inserts.get(key)
        if statement is None:
            statement = _inserts[key] = insert_returning_ids(table, columns, len(chunk))
        params = {f"{column}_{i}": value for i, row in enumerate(chunk) for column, value in row.items()}
        ids += sorted(row[0] for row in statement.rows(params))
    return ids


_CHUNK = 100
_inserts: dict[tuple[str, tuple[str, ...], int], Prepared] = {}


def on_commit(fn: Callable[[], object]) -> None:
    """Run fn once the current transaction has committed (for side effects outside the database)."""
    _state.on_commit.append(fn)


def transaction_local(key: str, factory: Callable[[], Any]) -> Any:
    """A value kept for the current transaction only: ``factory()`` on the first call with
    ``key`` in a transaction, the same value after that (e.g. the jobs it queued)."""
    scratch = _state.scratch
    if key not in scratch:
        scratch[key] = factory()
    return scratch[key]


def after_commit(fn: Callable[[], object]) -> None:
    """Run fn once the current transaction has committed, its locks are released and its events
    have gone out: for follow-up work that writes in a transaction of its own (handing the
    transaction's jobs to the queue, ``core/jobs``). Not run if the transaction rolls back."""
    _state.after_commit.append(fn)


def on_rollback(fn: Callable[[], object]) -> None:
    """Run fn if the current transaction rolls back (to undo side effects made inside it)."""
    _state.on_rollback.append(fn)


def _run_all(callbacks: list[Callable[[], object]]) -> None:
    for fn in callbacks:
        fn()
