"""One write transaction per service call: validate first, write, commit, then publish.

SQLite allows one writer at a time, and a writer blocked on its file lock would freeze every
green thread of the process, so writers inside one process queue on a cooperative lock (green
under eventlet/gevent because app.py monkey-patches before anything is imported); SQLite's
busy timeout covers writers in other processes. On PostgreSQL, transactions that log events
take a cluster-wide advisory lock instead (see ``events.record``).

The side effects ``events`` queued are carried out after the commit but before the lock is
released, so events leave every process in the order of their ids: a client can treat any
event id at or below the last one it applied as already seen. A failed commit publishes nothing.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from chat.extensions import db
from chat.services import events

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
    try:
        try:
            yield
            db.session.commit()
        except BaseException:
            db.session.rollback()
            events.discard_pending()
            raise
        events.flush_pending()
    finally:
        _state.depth = 0
        events.release_order_lock()
        if sqlite:
            _writer_lock.release()
