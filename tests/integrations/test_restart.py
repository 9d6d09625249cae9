"""Deliveries survive the server: queued while no server runs, they go out when one starts; an
attempt whose server is killed (kill -9) mid-request is logged as interrupted and sent again by
the next server, with Slack's retry headers. Real `python app.py` processes and a real receiver."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy
from slack_sdk.signature import SignatureVerifier

from tests.integrations.kinds import SECRET
from tests.receiver import Receiver
from tests.support import ROOT, create_workspace, sign_up, start_server, wait_until

APP = "tests/integrations/delivery_app.py"
ENV = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32", "OUTBOUND_TIMEOUT_SECONDS": "2",
       "JOB_LEASE_SECONDS": "6",  # a lost attempt is retried a lease after its deadline (the recovery: every 3 s)
       "DELIVERY_RETRY_SECONDS": "0,0,0"}


def enqueue(env: dict[str, str], workspace_id: int, url: str, body: str) -> int:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "tests.integrations.delivery_app", "delivery-test",
                           "enqueue", str(workspace_id), url, body], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().rsplit("DELIVERY_ID=", 1)[1])


def status(database: Path, delivery_id: int) -> tuple[str, list[tuple[int, str | None]]]:
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            state = conn.execute(sqlalchemy.text("SELECT status FROM integration_deliveries WHERE id = :id"),
                                 {"id": delivery_id}).scalar_one()
            log = conn.execute(sqlalchemy.text("SELECT number, error FROM integration_delivery_attempts "
                                               "WHERE delivery_id = :id ORDER BY number"), {"id": delivery_id}).all()
    finally:
        engine.dispose()
    return state, [(n, e) for n, e in log]


def test_pending_deliveries_survive_the_server_stopping_and_being_killed(tmp_path: Path) -> None:
    receiver = Receiver().start()
    database = tmp_path / "chat.db"
    first = start_server(tmp_path, script=APP, extra_env=ENV)
    try:
        workspace_id = create_workspace(sign_up(first.url)).id
    finally:
        first.stop()
    key = uuid.uuid4().hex
    try:
        # Queued while no server runs: committed, waiting in the queue.
        queued = enqueue(first.env, workspace_id, receiver.url(f"/ok?queued-{key}"), '{"n": 1}')
        held = enqueue(first.env, workspace_id, receiver.url(f"/hold/{key}"), '{"n": 2}')
        assert status(database, queued)[0] == "pending" and receiver.received(f"/ok?queued-{key}") == []

        second = start_server(tmp_path, script=APP, extra_env=ENV)
        try:
            receiver.wait_for(f"/ok?queued-{key}", 1)
            wait_until(lambda: status(database, queued)[0] == "delivered", what="the queued delivery delivered")
            receiver.wait_for(f"/hold/{key}", 1)  # in flight: the receiver has not answered
        finally:
            second.process.kill()  # kill -9 mid-request: no goodbye, the attempt stays open
            second.process.wait()
        receiver.release(key)
        assert status(database, held) == ("pending", [(1, None)])  # an attempt that never finished

        third = start_server(tmp_path, script=APP, extra_env=ENV)
        try:
            wait_until(lambda: status(database, held)[0] == "delivered", timeout=60,
                       what="the held delivery sent again")
            _, log = status(database, held)
            assert log == [(1, "interrupted: the server stopped during the attempt"), (2, None)]
            first_try, retry = receiver.received(f"/hold/{key}")
            assert "x-slack-retry-num" not in first_try.headers
            assert retry.headers["x-slack-retry-num"] == "1"
            assert retry.headers["x-slack-retry-reason"] == "connection_failed"
            assert SignatureVerifier(SECRET).is_valid_request(retry.body, retry.headers)
            assert json.loads(retry.body) == {"n": 2}
        finally:
            third.stop()
    finally:
        receiver.stop()
