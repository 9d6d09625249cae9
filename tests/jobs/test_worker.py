"""With Redis, `flask --app app worker` runs the jobs in a process of its own: here the server
runs none (JOB_WORKERS=0), and the preview of a shared file is still made and published."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REDIS_URL
from tests.files import samples
from tests.jobs.conftest import flask
from tests.support import ROOT, owner_and_member, start_server, stop_process


def test_a_separate_worker_process_runs_the_jobs_of_a_server_that_runs_none(tmp_path: Path,
                                                                            postgres_url: str) -> None:
    server = start_server(tmp_path, database_url=postgres_url, message_queue=REDIS_URL,
                          extra_env={"JOB_WORKERS": "0"})
    worker_log = tmp_path / "worker.log"
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--workers", "2"],
                              cwd=ROOT, env=server.env, stdout=worker_log.open("w"), stderr=subprocess.STDOUT)
    try:
        assert "jobs: none run in this process" in server.log()
        alice, bob, acme = owner_and_member(server.url, "Alice Owner", "Bob Member")
        watcher = bob.socket()
        uploaded = alice.request("POST", f"/channels/{acme.general_id}/files",
                                 files=[("file", ("plan.pdf", samples.pdf(["made by the worker"])))])
        file_id = uploaded.json()["files"][0]["id"]
        alice.post(f"/channels/{acme.general_id}/messages", {"file_ids": [file_id]})
        updated = watcher.wait_for("message.updated", lambda e: e["data"]["files"][0]["preview"]["state"] != "pending",
                                   timeout=45)
        assert updated["data"]["files"][0]["preview"]["state"] == "ready"
        assert "job previews.make" in worker_log.read_text()
        watcher.close()
    finally:
        stop_process(worker)
        server.stop()
    assert "jobs worker: 2 workers on redis://" in worker_log.read_text()


def test_the_worker_command_wants_a_shared_queue(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MESSAGE_QUEUE", "JOB_"))}
    env["CHAT_INSTANCE_DIR"] = str(tmp_path)
    refused = flask(env, "worker", app="app")
    assert refused.returncode != 0 and "python app.py` runs its jobs itself" in refused.stderr
