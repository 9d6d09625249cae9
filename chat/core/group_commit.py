"""Group commit: requests that arrive together are written in one transaction.

A busy chat server receives many sends at once. Committing each in a transaction of its own
costs a lock hand-over, a commit and a handful of small queries per message, and one process
has one core for all of it; written together, those costs are paid once per batch.

The first caller to find no batch being written becomes the *leader*: it yields, so requests
that are already runnable can queue behind it (again while more keep arriving, a few times at
most), then takes everything queued and hands it to the writer. The others wait; when the
leader is done, each gets its own outcome, and the first request that queued meanwhile is woken
to lead the next batch. No background thread is needed, and a lone request pays one yield. The
primitives are ``threading``'s, which are green under eventlet and gevent (app.py monkey-patches
before anything else is imported).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar


class Job:
    """One request in a batch; the writer calls ``finish`` or ``fail`` on it exactly once."""

    def __init__(self) -> None:
        # A lock held until the job is settled: waiting is acquiring it (lighter than an Event).
        self._done = threading.Lock()
        self._done.acquire()
        self._lead = False
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None

    def finish(self, result: Any) -> None:
        self.result, self.finished = result, True

    def fail(self, error: BaseException) -> None:
        self.error, self.finished = error, True

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


J = TypeVar("J", bound=Job)


class GroupCommit(Generic[J]):
    def __init__(self, write: Callable[[list[J]], None], max_batch: int = 200) -> None:
        """``write(jobs)`` settles every job it is given; it runs in the leader's own context."""
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[J] = []
        self._leading = False

    def run(self, job: J) -> Any:
        """Queue the job, wait for its batch to be written, and return (or raise) its outcome."""
        with self._lock:
            self._queue.append(job)
            lead = not self._leading
            self._leading = True
        if not lead:
            job._done.acquire()
            if not job._lead:
                return job.outcome()
        else:
            # Let requests that arrived together join this batch: yield while others keep
            # queueing (a few times at most, so a lone request is not held back).
            with self._lock:
                queued = len(self._queue)
            for _ in range(4):
                time.sleep(0)
                with self._lock:
                    arrived, queued = len(self._queue) - queued, len(self._queue)
                if not arrived:
                    break
        with self._lock:
            batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
        try:
            self._write(batch)
        except BaseException as exc:  # the writer broke: nobody may wait forever
            for other in batch:
                if not other.finished:
                    other.fail(exc)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor._lead = True
                    successor._done.release()
                else:
                    self._leading = False
            for other in batch:
                if other is not job:
                    other._done.release()
        return job.outcome()
