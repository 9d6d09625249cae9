"""Background jobs: queued with the change that causes them, durable, retried with backoff,
scheduled for a time or run periodically. Infrastructure only: handlers live in ``chat/jobs/``.

A service queues a job inside its transaction with ``enqueue(name, **kwargs)``: that writes a
``pending_jobs`` row (the outbox), so a rollback queues nothing. Once the transaction has
committed, ``relay`` hands the rows to the queue and deletes them in one transaction; rows a
crash left between the commit and the hand-over are handed over by the sweep at start-up and
every JOB_LEASE_SECONDS / 2, so a commit never loses a job.

The queue is Huey's: a SQLite file of its own next to the database by default, run by worker
threads inside ``python app.py``; Redis when MESSAGE_QUEUE_URL (or JOB_QUEUE_URL) names one,
where ``flask --app app worker`` processes may run the jobs instead (JOB_WORKERS=0 keeps a
server from running any). Jobs run at least once: a handler must be safe to run again.

* Pick-up is immediate: handing a job over wakes this process's idle workers (SQLite is
  polled, at most every 2 s, only for jobs queued by other processes); Redis workers wait in a
  blocking pop.
* A failure is logged with its traceback and retried after ``retry_delay`` seconds, the delay
  growing ``backoff`` times per attempt; the last failure is kept in ``failed_jobs``
  (``flask --app app jobs`` lists it, ``jobs retry ID`` queues it again).
* A running job holds a lease, renewed while it runs; a job whose process died (kill -9, a
  crash) has its lease expire and is queued again by the sweep.
* Periodic jobs run when a worker starts and then once per period across every process that
  shares the queue (the first scheduler to claim a period runs it).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, signals
from huey.api import Task
from huey.constants import EmptyData
from huey.consumer import Consumer, Scheduler, Worker
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from chat.core.transactions import after_commit, atomic, in_transaction, transaction_local
from chat.extensions import db
from chat.models import FailedJob, PendingJob
from chat.models._time import utcnow

log = logging.getLogger(__name__)

Interval = Callable[[dict[str, Any]], float]


@dataclass(frozen=True)
class Job:
    """A registered job: its handler and how failures are retried."""

    name: str
    run: Callable[..., None]
    retries: int        # attempts after the first
    retry_delay: float  # seconds before the first retry
    backoff: float      # each further retry waits this many times longer
    every: Interval | None  # periodic: seconds between runs, read from the config (0: never)
    gave_up: Callable[..., None] | None = None  # called with the kwargs once the last retry failed


_jobs: dict[str, Job] = {}


def job(name: str, *, retries: int = 5, retry_delay: float = 5.0, backoff: float = 2.0,
        every: float | Interval | None = None,
        gave_up: Callable[..., None] | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as the handler of job ``name``. It runs in an app
    context with the keyword arguments given to ``enqueue``, and must be safe to run again.
    ``every`` makes the job periodic: seconds, or a function of the app config giving them.
    ``gave_up`` runs (in an app context, with the same keyword arguments) when the last retry
    has failed, so what waited for the job is not left waiting forever."""
    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if name in _jobs and _jobs[name].run is not fn:
            raise ValueError(f"job {name!r} is registered twice")
        interval = every if every is None or callable(every) else (lambda _config, s=float(every): s)
        _jobs[name] = Job(name, fn, retries, retry_delay, backoff, interval, gave_up)
        return fn
    return register


def registered() -> dict[str, Job]:
    return dict(_jobs)


# --- queueing, inside a transaction ------------------------------------------------------------

def enqueue(name: str, *, at: datetime | None = None, **kwargs: Any) -> None:
    """Queue job ``name`` with ``kwargs`` (JSON values) as part of the current transaction: it
    is handed to the queue once the transaction commits, never if it rolls back. ``at`` (naive
    UTC, like every timestamp here): not before then."""
    if name not in _jobs:
        raise KeyError(f"no job named {name!r}")
    if not in_transaction():
        raise RuntimeError("queue a job inside atomic(), in the transaction of the change that causes it")
    row = PendingJob(name=name, kwargs=json.dumps(kwargs), run_at=at)
    db.session.add(row)
    db.session.flush()
    transaction_local("jobs", _new_batch).append(row.id)


def submit(name: str, *, at: datetime | None = None, **kwargs: Any) -> None:
    """Queue a job that no change of the database causes (an operator's command): ``enqueue``
    in a transaction of its own."""
    with atomic():
        enqueue(name, at=at, **kwargs)


def _new_batch() -> list[int]:
    ids: list[int] = []
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask

    def hand_over() -> None:
        try:
            relay(ids)
        except Exception:  # the change is committed; the sweep hands these over later
            app.logger.exception("handing jobs %s to the queue failed; the sweep will hand them over", ids)

    after_commit(hand_over)
    return ids


RELAY_BATCH = 500


def relay(ids: list[int] | None = None) -> int:
    """Hand committed outbox rows to the queue, deleting them in the same transaction: these
    ids, or every row (the sweep). Concurrent relays hand a row over once (the DELETE claims
    it); a crash between the hand-over and the commit hands it over again. Returns the count."""
    if in_transaction():  # its DELETE would join that transaction and hand over uncommitted rows
        raise RuntimeError("relay() runs after a commit, never inside atomic()")
    q = queue()
    table = PendingJob.__table__
    handed = 0
    if ids is None and db.session.scalar(select(table.c.id).limit(1)) is None:
        db.session.rollback()  # the sweep's usual case: no write transaction for nothing
        return 0
    while True:
        with atomic():
            statement = delete(table).returning(table.c.id, table.c.name, table.c.kwargs, table.c.run_at)
            if ids is not None:
                statement = statement.where(table.c.id.in_(ids))
            else:
                oldest = select(table.c.id).order_by(table.c.id).limit(RELAY_BATCH).scalar_subquery()
                statement = statement.where(table.c.id.in_(oldest))
            rows = sorted(db.session.execute(statement).all())
            for _, name, kwargs, run_at in rows:
                q.hand_over(name, json.loads(kwargs), run_at)
        handed += len(rows)
        if ids is not None or len(rows) < RELAY_BATCH:
            return handed


# --- the queue ---------------------------------------------------------------------------------

LEASE_PREFIX = "chat.running."
PERIOD_PREFIX = "chat.period."


class _Huey(Huey):
    """Huey that wakes this process's idle workers whenever it queues a task."""

    def __init__(self, *args: Any, wake: threading.Event, **kwargs: Any) -> None:
        self._wake = wake
        super().__init__(*args, **kwargs)

    def enqueue(self, task: Any) -> Any:
        result = super().enqueue(task)
        self._wake.set()
        return result


class _SqliteStorage(SqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        conn = super()._create_connection()
        # As for the database (chat/database.py): durable across app crashes, cheap commits.
        conn.execute("pragma synchronous=NORMAL")
        return conn


class _QuietHueyErrors(logging.Filter):
    """Huey logs a failed task by its id; ``_Queue._failed`` logs it by name, with arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Unhandled exception in task")


logging.getLogger("huey").addFilter(_QuietHueyErrors())


class _Queue:
    """One app's job queue: the Huey instance, its hooks, and the workers this process runs."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.url = queue_url(app.config)
        name = f"{app.config['MESSAGE_QUEUE_CHANNEL']}-jobs"
        if self.url.startswith(("redis://", "rediss://", "unix://")):
            self.shared = True
            self.huey = _Huey(name, wake=self.wake, results=False, storage_class=RedisStorage,
                              url=self.url, blocking=True, read_timeout=1)
        elif self.url.startswith("sqlite:///"):
            self.shared = False
            path = Path(self.url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            self.huey = _Huey(name, wake=self.wake, results=False, storage_class=_SqliteStorage,
                              filename=str(path), timeout=10)
        else:
            raise ValueError(f"JOB_QUEUE_URL must be redis://... or sqlite:///..., not {self.url!r}")
        self.task = self.huey.task(context=True, name="chat_job")(self._execute)
        self.huey.pre_execute("chat_lease")(self._leased)
        self.huey.post_execute("chat_release")(self._released)
        self.huey.signal(signals.SIGNAL_ERROR)(self._failed)
        self.huey.signal(signals.SIGNAL_INTERRUPTED)(self._interrupted)
        self.lease_seconds = float(app.config["JOB_LEASE_SECONDS"])
        self._running: dict[str, Task] = {}
        self._running_guard = threading.Lock()
        self._last_period: dict[str, int] = {}

    # handing over and running

    def hand_over(self, name: str, kwargs: dict[str, Any], run_at: datetime | None = None) -> None:
        spec = _jobs.get(name)
        task = self.task.s(name, kwargs, time.time(),
                           retries=spec.retries if spec else 0,
                           retry_delay=spec.retry_delay if spec else 0,
                           retry_backoff=spec.backoff if spec else 0)
        if run_at is not None and run_at > utcnow():
            task.eta = run_at
            self.huey.add_schedule(task)
        else:
            self.huey.enqueue(task)

    def _execute(self, name: str, kwargs: dict[str, Any], queued_at: float, task: Task) -> None:
        spec = _jobs.get(name)
        if spec is None:
            raise LookupError(f"no job named {name!r} in this program")
        started = time.time()
        due = task.eta.replace(tzinfo=UTC).timestamp() if task.eta is not None else queued_at
        log.info("job %s %s started, %.3f s after it was due", name, _args(kwargs), started - max(due, queued_at))
        with self.app.app_context():
            spec.run(**kwargs)
        log.info("job %s %s done in %.3f s", name, _args(kwargs), time.time() - started)

    def _failed(self, _signal: str, task: Task, error: BaseException) -> None:
        name, kwargs = task.args[0], task.args[1]
        spec = _jobs.get(name)
        attempt = (spec.retries if spec else 0) - task.retries + 1
        if task.retries:
            log.warning("job %s %s failed (attempt %d); retrying in %g s", name, _args(kwargs), attempt,
                        task.retry_delay, exc_info=error)
            return
        log.error("job %s %s failed for good (attempt %d)", name, _args(kwargs), attempt, exc_info=error)
        with self.app.app_context(), atomic():
            db.session.add(FailedJob(name=name, kwargs=json.dumps(kwargs), attempts=attempt,
                                     error="".join(traceback.format_exception(error))))
        if spec is not None and spec.gave_up is not None:
            with self.app.app_context():
                try:
                    spec.gave_up(**kwargs)
                except Exception:
                    log.exception("job %s %s: its give-up handler failed", name, _args(kwargs))

    # leases: a job whose process dies while running it is queued again

    def _leased(self, task: Task) -> None:
        with self._running_guard:
            self._running[task.id] = task
        self._renew(task)

    def _renew(self, task: Task) -> None:
        self.huey.put(LEASE_PREFIX + task.id, (time.time() + self.lease_seconds, self.huey.serialize_task(task)))

    def _released(self, task: Task, _value: Any, _error: BaseException | None) -> None:
        with self._running_guard:
            self._running.pop(task.id, None)
        self.huey.delete(LEASE_PREFIX + task.id)

    def _interrupted(self, _signal: str, task: Task) -> None:
        """A worker stopping on a signal mid-job: queue it again now, not after its lease."""
        with self._running_guard:
            self._running.pop(task.id, None)
        if self.huey.storage.pop_data(LEASE_PREFIX + task.id) is not EmptyData:
            log.warning("job %s %s was interrupted; queued again", task.args[0], _args(task.args[1]))
            self.huey.enqueue(task)

    def renew_leases(self) -> None:
        with self._running_guard:
            running = list(self._running.values())
        for task in running:
            self._renew(task)

    def leases(self) -> list[tuple[float, Task]]:
        found = []
        for key, raw in self.huey.storage.result_items().items():
            if key.startswith(LEASE_PREFIX):
                deadline, data = self.huey.serializer.deserialize(raw)
                found.append((deadline, self.huey.deserialize_task(data)))
        return found

    def recover(self) -> int:
        """Queue again the jobs whose lease ran out: their process stopped while running them."""
        now, count = time.time(), 0
        for deadline, task in self.leases():
            if deadline < now and self.huey.storage.pop_data(LEASE_PREFIX + task.id) is not EmptyData:
                log.warning("job %s %s stopped with its process; queued again", task.args[0], _args(task.args[1]))
                self.huey.enqueue(task)
                count += 1
        return count

    # periodic jobs

    def periodic(self) -> list[tuple[Job, float]]:
        return [(spec, every) for spec in _jobs.values()
                if spec.every is not None and (every := float(spec.every(self.app.config))) > 0]

    def run_periodic_now(self) -> None:
        """At a worker's start: every periodic job once; the next runs at the next period."""
        now = time.time()
        for spec, every in self.periodic():
            self._last_period[spec.name] = int(now // every)
            self.hand_over(spec.name, {})

    def enqueue_due_periodic(self) -> None:
        now = time.time()
        for spec, every in self.periodic():
            period = int(now // every)
            if self._last_period.get(spec.name) == period:
                continue
            self._last_period[spec.name] = period
            # One run per period among every scheduler that shares the queue.
            if self.huey.put_if_empty(f"{PERIOD_PREFIX}{spec.name}.{period}", 1):
                self.huey.delete(f"{PERIOD_PREFIX}{spec.name}.{period - 2}")
                self.hand_over(spec.name, {})

    # workers

    def consumer(self, workers: int, *, own_signals: bool) -> _Consumer:
        return _Consumer(self, own_signals=own_signals, workers=workers, worker_type="thread",
                         periodic=True, initial_delay=0.1, backoff=1.5, max_delay=2.0, scheduler_interval=1)

    def prepare(self) -> None:
        """Before workers start: hand over what a crash left, requeue jobs of dead processes."""
        with self.app.app_context():
            relay()
        self.recover()

    def supervise(self, consumer: _Consumer, check_health: bool) -> None:
        """Renew this process's leases (and restart dead workers) for as long as the process lives."""
        while True:
            time.sleep(self.lease_seconds / 4)
            try:
                self.renew_leases()
                if check_health:
                    consumer.check_worker_health()
            except Exception:
                log.exception("supervising the job workers failed")


def _args(kwargs: dict[str, Any]) -> str:
    text = json.dumps(kwargs)
    return text if len(text) <= 200 else text[:197] + "..."


class _Worker(Worker):
    """Huey's worker, whose idle wait ends as soon as this process queues a job."""

    wake: threading.Event
    delay: float
    max_delay: float
    backoff: float

    def sleep(self) -> None:
        self.delay = min(self.delay, self.max_delay)
        if self.wake.wait(self.delay):
            self.wake.clear()  # before the next dequeue, which sees whatever set it
        self.delay *= self.backoff


class _Scheduler(Scheduler):
    """Huey's scheduler (due and retried jobs, every second), with our periodic jobs."""

    periodic_task_seconds = 1
    queue: _Queue

    def enqueue_periodic_tasks(self, now: Any) -> None:
        self.queue.enqueue_due_periodic()


class _Consumer(Consumer):
    worker_class = _Worker
    scheduler_class = _Scheduler

    def __init__(self, q: _Queue, *, own_signals: bool, **options: Any) -> None:
        self.queue, self.own_signals = q, own_signals
        super().__init__(q.huey, **options)

    def _create_worker(self) -> _Worker:
        worker = super()._create_worker()
        worker.wake = self.queue.wake
        return worker

    def _create_scheduler(self) -> _Scheduler:
        scheduler = super()._create_scheduler()
        scheduler.queue = self.queue
        return scheduler

    def _set_signal_handlers(self) -> None:
        if self.own_signals:  # inside the server the server's own handling stays
            super()._set_signal_handlers()


# --- wiring ------------------------------------------------------------------------------------

def queue_url(config: dict[str, Any]) -> str:
    """JOB_QUEUE_URL; else a Redis MESSAGE_QUEUE_URL; else a SQLite file next to a SQLite
    database (``chat.db`` → ``chat.jobs.db``), or in the instance folder."""
    if config.get("JOB_QUEUE_URL"):
        return str(config["JOB_QUEUE_URL"])
    message_queue = config.get("MESSAGE_QUEUE_URL") or ""
    if message_queue.startswith(("redis://", "rediss://")):
        return message_queue
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return f"sqlite:///{database.with_name(database.stem + '.jobs.db')}"
    return f"sqlite:///{Path(config['INSTANCE_DIR']) / 'jobs.db'}"


_guard = threading.Lock()


def queue(app: Flask | None = None) -> _Queue:
    """The app's queue, made on first use (commands that never queue a job never open it)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask
    with _guard:
        q = app.extensions.get("chat.jobs")
        if q is None:
            q = app.extensions["chat.jobs"] = _Queue(app)
    return q


def start_in_process(app: Flask) -> None:
    """Run JOB_WORKERS workers, the scheduler and a supervisor as threads of this process
    (green threads under eventlet and gevent: app.py monkey-patches before anything starts)."""
    q = queue(app)
    q.prepare()
    q.run_periodic_now()
    consumer = q.consumer(app.config["JOB_WORKERS"], own_signals=False)
    consumer.start()
    threading.Thread(target=q.supervise, args=(consumer, True), name="jobs-supervisor", daemon=True).start()


def run_workers(app: Flask, workers: int) -> None:
    """Run workers in this process until SIGINT (finish running jobs) or SIGTERM (queue them again)."""
    q = queue(app)
    q.prepare()
    q.run_periodic_now()
    consumer = q.consumer(workers, own_signals=True)  # its run() loop restarts dead workers
    threading.Thread(target=q.supervise, args=(consumer, False), name="jobs-supervisor", daemon=True).start()
    consumer.run()


def sweep() -> None:
    """Hand over outbox rows a crash left, and requeue jobs whose process died."""
    relay()
    queue().recover()


job("jobs.sweep", retries=0, every=lambda config: config["JOB_LEASE_SECONDS"] / 2)(sweep)


# --- what the command line shows ---------------------------------------------------------------

@dataclass
class Listed:
    name: str
    kwargs: dict[str, Any]
    when: datetime | None = None  # run_at, eta, or when it failed
    note: str = ""


def overview(limit: int = 50) -> dict[str, list[Listed]]:
    """Jobs waiting for hand-over, queued, scheduled (retries included), running, and failed."""
    q = queue()

    def of(task: Task, note: str = "") -> Listed:
        return Listed(task.args[0], task.args[1], task.eta, note)

    outbox = db.session.scalars(select(PendingJob).order_by(PendingJob.id).limit(limit))
    failed = db.session.scalars(select(FailedJob).order_by(FailedJob.id.desc()).limit(limit))
    return {
        "waiting for hand-over": [Listed(r.name, json.loads(r.kwargs), r.run_at, f"#{r.id}") for r in outbox],
        "queued": [of(t) for t in q.huey.pending(limit)],
        "scheduled": [of(t, f"{t.retries} retries left") for t in q.huey.scheduled(limit)],
        "running": [Listed(t.args[0], t.args[1], datetime.fromtimestamp(deadline, UTC).replace(tzinfo=None),
                           "lease until") for deadline, t in q.leases()],
        "failed": [Listed(r.name, json.loads(r.kwargs), r.failed_at,
                          f"#{r.id}, {r.attempts} attempts: {r.error.strip().splitlines()[-1]}") for r in failed],
    }


def counts() -> dict[str, int]:
    q = queue()
    return {"waiting for hand-over": db.session.scalar(select(func.count()).select_from(PendingJob)) or 0,
            "queued": q.huey.pending_count(), "scheduled": q.huey.scheduled_count(),
            "failed": db.session.scalar(select(func.count()).select_from(FailedJob)) or 0}


def retry_failed(failed_id: int) -> FailedJob:
    """Queue a failed job again (and forget its failure)."""
    with atomic():
        row = db.session.get(FailedJob, failed_id)
        if row is None:
            raise LookupError(f"no failed job #{failed_id}")
        enqueue(row.name, **json.loads(row.kwargs))
        db.session.delete(row)
    return row
