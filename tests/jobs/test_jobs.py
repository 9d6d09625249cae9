"""Background jobs on a live server with the embedded queue: retries with growing delays,
scheduled runs, failures that are logged, listed and retried, and jobs that survive their
process dying, before the hand-over to the queue or while running."""
from __future__ import annotations

import re
import time
from pathlib import Path

from tests.jobs.conftest import PROBE_APP, flask, new_key, queue_job, wait_for_records
from tests.support import Server, start_server, wait_until


def test_a_failing_job_is_retried_with_growing_delays_until_it_succeeds(probe_server: Server) -> None:
    key = new_key()
    queue_job(probe_server.env, "probe.flaky", key=key, failures=2)  # retry_delay 1 s, backoff 3
    wait_for_records(probe_server.env["CHAT_INSTANCE_DIR"], f"{key}:ok", 1)
    first, second, third = (r["at"] for r in wait_for_records(probe_server.env["CHAT_INSTANCE_DIR"], key, 3))
    assert second - first >= 1 and third - second >= 3
    log = probe_server.log()
    assert f'job probe.flaky {{"key": "{key}", "failures": 2}} failed (attempt 1); retrying in 1 s' in log
    assert 'failed (attempt 2); retrying in 3 s' in log
    assert "RuntimeError: flaky probe failing on purpose, run 2" in log  # with its traceback


def test_a_scheduled_job_runs_at_its_time_and_not_before(probe_server: Server) -> None:
    key = new_key()
    asked = time.time()
    queue_job(probe_server.env, "probe.record", key=key, delay=3)
    [run] = wait_for_records(probe_server.env["CHAT_INSTANCE_DIR"], key, 1)
    assert run["at"] >= asked + 3


def test_scheduled_jobs_are_listed_with_their_time(probe_server: Server) -> None:
    key = new_key()
    queue_job(probe_server.env, "probe.record", key=key, delay=3600)
    listing = flask(probe_server.env, "jobs").stdout
    scheduled = listing.split("scheduled (")[1].split("running (")[0]
    assert f'probe.record {{"key": "{key}"}}' in scheduled, listing


def test_a_job_that_keeps_failing_is_logged_listed_and_can_be_queued_again(probe_server: Server) -> None:
    key = new_key()
    instance = probe_server.env["CHAT_INSTANCE_DIR"]
    queue_job(probe_server.env, "probe.fail", key=key)  # one retry
    wait_for_records(instance, key, 2)

    def failed_line() -> str | None:
        listing = flask(probe_server.env, "jobs").stdout
        failed = listing.split("\nfailed (")[1]
        return next((line for line in failed.splitlines() if key in line), None)

    line = wait_until(failed_line, what="failed job in the listing")
    assert f'probe.fail {{"key": "{key}"}}' in line and "2 attempts" in line
    assert f"ValueError: probe {key} always fails" in line
    log = probe_server.log()
    assert f'job probe.fail {{"key": "{key}"}} failed for good (attempt 2)' in log
    assert "Traceback (most recent call last)" in log
    # Its give-up handler ran once, after the last attempt (so a waiting file is not left pending).
    wait_for_records(instance, f"{key}:gave-up", 1)

    failed_id = re.search(r"\[#(\d+),", line).group(1)  # type: ignore[union-attr]
    retried = flask(probe_server.env, "jobs", "retry", failed_id)
    assert retried.returncode == 0, retried.stderr
    wait_for_records(instance, key, 3)  # it ran again


def test_a_job_committed_just_before_its_process_died_still_runs(tmp_path: Path) -> None:
    env = start_server(tmp_path, script=PROBE_APP, extra_env={"JOB_WORKERS": "0"})
    env.stop()  # a migrated database, and the environment a server of it runs with
    key = new_key()
    crashed = flask(env.env, "probe", "crash-after-commit", key)
    assert crashed.returncode == -9  # SIGKILL right after the commit, before the hand-over
    listing = flask(env.env, "jobs").stdout
    assert f'probe.record {{"key": "{key}"}}' in listing.split("waiting for hand-over (")[1].split("queued (")[0]

    server = start_server(tmp_path, script=PROBE_APP)
    try:
        wait_for_records(tmp_path, key, 1)
    finally:
        server.stop()


def test_a_job_whose_server_died_while_running_it_runs_again(tmp_path: Path) -> None:
    lease = {"JOB_LEASE_SECONDS": "6"}  # long enough that a loaded machine renews it in time
    first = start_server(tmp_path, script=PROBE_APP, extra_env=lease)
    key = new_key()
    try:
        queue_job(first.env, "probe.slow", key=key, seconds=600)
        wait_for_records(tmp_path, key, 1)  # started, and runs for ten minutes
    finally:
        first.process.kill()  # kill -9: no goodbye, the job's lease stays until it lapses
        first.process.wait()
    second = start_server(tmp_path, script=PROBE_APP, extra_env=lease)
    try:
        runs = wait_for_records(tmp_path, key, 3)  # started again, and this time finished
        assert [r["phase"] for r in runs] == ["start", "start", "end"]
        assert "stopped with its process; queued again" in second.log()
    finally:
        second.stop()
