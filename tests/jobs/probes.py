"""Probe jobs for the job tests: each run appends what happened to ``probes.jsonl`` in the
instance folder, which the tests read (the jobs' only observable effect). Also a command that
queues a probe the way a service would, in a process that dies right after the commit, before
the job is handed to the queue."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from chat.core.jobs import enqueue, job
from chat.core.transactions import atomic, on_commit


def records_path(instance_dir: str | Path) -> Path:
    return Path(instance_dir) / "probes.jsonl"


def _record(key: str, **fields: Any) -> int:
    """Append a record for ``key``; returns how many runs of ``key`` there have been, this one included."""
    path = records_path(current_app.config["INSTANCE_DIR"])
    line = json.dumps({"key": key, "at": time.time(), "pid": os.getpid(), **fields})
    with path.open("a") as f:
        f.write(line + "\n")
    return sum(1 for rec in read_records(path) if rec["key"] == key)


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@job("probe.record", retries=0)
def record(key: str) -> None:
    _record(key)


@job("probe.flaky", retries=3, retry_delay=1, backoff=3)
def flaky(key: str, failures: int) -> None:
    """Fails its first ``failures`` runs, then succeeds."""
    run = _record(key)
    if run <= failures:
        raise RuntimeError(f"flaky probe failing on purpose, run {run}")
    _record(f"{key}:ok")


def _gave_up(key: str) -> None:
    _record(f"{key}:gave-up")


@job("probe.fail", retries=1, retry_delay=0.2, backoff=1, gave_up=_gave_up)
def fail(key: str) -> None:
    _record(key)
    raise ValueError(f"probe {key} always fails")


@job("probe.slow", retries=0)
def slow(key: str, seconds: float) -> None:
    """Takes ``seconds`` on its first run only; records its start and its end."""
    run = _record(key, phase="start")
    if run == 1:
        time.sleep(seconds)
    _record(key, phase="end")


probe_cli = AppGroup("probe", help="Queue probe jobs as a service would.")


@probe_cli.command("crash-after-commit")
@click.argument("key")
def queue_then_crash(key: str) -> None:
    """Queue probe.record, commit, and die (SIGKILL) before the job is handed to the queue."""
    with atomic():
        enqueue("probe.record", key=key)
        on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
