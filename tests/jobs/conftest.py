"""Fixtures of the job tests: a server that knows the probe jobs (tests/jobs/probes.py), and the
commands run against its database and queue."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.jobs.probes import read_records, records_path
from tests.support import ROOT, Server, start_server

PROBE_APP = "tests/jobs/probe_app.py"


def flask(env: dict[str, str], *args: str, app: str = "tests.jobs.probe_app") -> subprocess.CompletedProcess:
    """``flask --app tests.jobs.probe_app ARGS`` as an operator would run it next to the server."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", app, *args], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def queue_job(env: dict[str, str], name: str, *, delay: float = 0, **kwargs: Any) -> None:
    import json

    done = flask(env, "jobs", "enqueue", name, "--kwargs", json.dumps(kwargs), "--delay", str(delay))
    assert done.returncode == 0, done.stderr


def new_key() -> str:
    return uuid.uuid4().hex[:10]


def wait_for_records(instance_dir: str | Path, key: str, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    """The records of ``key`` once there are at least ``count`` of them."""
    deadline = time.monotonic() + timeout
    while True:
        runs = [r for r in read_records(records_path(instance_dir)) if r["key"] == key]
        if len(runs) >= count:
            return runs
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(runs)} records of {key}, not {count}, within {timeout}s: {runs}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def probe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server (SQLite, embedded queue, workers in process) that also runs the probe jobs."""
    srv = start_server(tmp_path_factory.mktemp("jobs"), script=PROBE_APP)
    yield srv
    srv.stop()
