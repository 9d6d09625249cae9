"""One write transaction per service call: validate first, write, commit, then publish.

SQLite allows one writer at a time, and a writer blocked on its file lock would freeze every
green thread of the process, so writers inside one process queue on a cooperative lock (green
under eventlet/gevent because app.py monkey-patches before anything is imported) and SQLite's
busy timeout covers writers in other processes. Side effects queued by ``events`` run after the
commit and outside the lock: a failed commit publishes nothing.
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
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        events.discard_pending()
        raise
    finally:
        _state.depth = 0
        if sqlite:
            _writer_lock.release()
    events.flush_pending()
