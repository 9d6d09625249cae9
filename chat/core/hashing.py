"""Password hashing, a bounded number at a time.

Argon2 takes ARGON2_MEMORY_COST KiB (64 MiB by default) and tens of milliseconds of CPU per
hash. Run on the async framework's OS-thread pool with no bound, a flood of sign-ins ran a
hash on every one of its threads at once (20 under eventlet: 1.3 GB). Here at most
PASSWORD_HASH_CONCURRENCY hashes run per process; up to PASSWORD_HASH_QUEUE more callers wait
their turn, and callers beyond that get ``Busy`` (503) at once instead of queueing without end.
So memory stays flat and a queued sign-in waits a bounded time, whatever arrives.

The semaphore comes from ``threading``: app.py monkey-patches it under eventlet and gevent
before anything is imported, so a waiting caller parks its green thread, not the hub.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from chat.core.errors import Busy
from chat.extensions import run_offloaded

T = TypeVar("T")


class BoundedPool:
    """Runs calls through ``run_offloaded``, ``size`` at a time, with at most ``queue`` waiting."""

    def __init__(self, size: int, queue: int) -> None:
        self.size, self.queue = max(1, size), max(0, queue)
        self._slots = threading.BoundedSemaphore(self.size)
        self._lock = threading.Lock()
        self._admitted = 0  # running plus waiting

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on an OS thread once a slot is free; Busy when too many wait already."""
        with self._lock:
            if self._admitted >= self.size + self.queue:
                raise Busy("the server is busy checking passwords: try again in a moment")
            self._admitted += 1
        try:
            with self._slots:
                return run_offloaded(fn, *args)
        finally:
            with self._lock:
                self._admitted -= 1


_pools: dict[tuple[int, int], BoundedPool] = {}
_pools_lock = threading.Lock()


def _pool() -> BoundedPool:
    cfg = current_app.config
    shape = (cfg["PASSWORD_HASH_CONCURRENCY"], cfg["PASSWORD_HASH_QUEUE"])
    with _pools_lock:
        if shape not in _pools:
            _pools[shape] = BoundedPool(*shape)
        return _pools[shape]


def run(fn: Callable[..., T], *args: Any) -> T:
    """Run one hash or verification in this process's bounded pool (see the module docstring)."""
    return _pool().run(fn, *args)
