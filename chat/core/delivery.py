"""Getting committed events out to sockets in commit order, without holding a writer lock.

Two pieces, both small on purpose:

* ``Outbox``: what a committed transaction has to emit is appended, in commit order, while the
  writer lock is still held (cheap: a list append); the emits themselves run after the lock is
  released, by whichever caller finds nobody else emitting. Fan-out to thousands of sockets
  therefore never blocks the next write, and a process still emits in commit order.

* ``OrderedRedisManager``: with several processes, python-socketio's Redis manager emits to its
  own sockets at once and to the others' through Redis, so a socket could receive a later event
  of its own process before an earlier one of another process. Durable events are instead
  published to Redis only, while the event-order lock is held, and every process (this one
  included) delivers them from its one Redis subscription: Redis hands them to each subscriber
  in the order they were published, which is commit order. A client still checks every event's
  ``prev_id`` (docs/realtime.md), so a delivery lost on the way is noticed and fetched.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from socketio import RedisManager

log = logging.getLogger(__name__)

# The host id on ordered messages: no process has it, so every process, the publishing one
# included, handles them from the queue (python-socketio skips messages carrying its own id).
ORDERED_HOST = "chat-ordered"


class OrderedRedisManager(RedisManager):
    def publish_in_order(self, event: str, data: Any, room: str | list[str], namespace: str) -> None:
        """Publish an emit that every process, this one too, delivers from the queue (to each
        socket once, when ``room`` lists several rooms)."""
        self._publish({"method": "emit", "event": event, "data": [data], "binary": False,
                       "namespace": namespace, "room": room, "skip_sid": None, "callback": None,
                       "host_id": ORDERED_HOST})


class Outbox:
    """Side effects of committed transactions, carried out in the order they were added."""

    def __init__(self) -> None:
        self._items: deque[Callable[[], None]] = deque()
        self._lock = threading.Lock()      # guards _items and _draining
        self._draining = False

    def add(self, effect: Callable[[], None]) -> None:
        with self._lock:
            self._items.append(effect)

    def drain(self) -> None:
        """Run everything queued unless another caller is already doing so (it will run ours
        too, since it only stops when it finds the queue empty)."""
        while True:
            with self._lock:
                if self._draining or not self._items:
                    return
                self._draining = True
            try:
                while True:
                    with self._lock:
                        if not self._items:
                            self._draining = False
                            break
                        effect = self._items.popleft()
                    try:
                        effect()
                    except Exception:  # the write is committed; a lost emit is recovered by client sync
                        log.exception("socket side effect failed")
            except BaseException:
                with self._lock:
                    self._draining = False
                raise
