"""Housekeeping runs as periodic jobs: the event log is pruned while the server runs."""
from __future__ import annotations

from pathlib import Path

from tests.support import create_workspace, sign_up, start_server, wait_until


def test_the_event_log_is_pruned_every_housekeeping_period(tmp_path: Path) -> None:
    server = start_server(tmp_path, extra_env={"HOUSEKEEPING_SECONDS": "1", "EVENT_LOG_MAX_EVENTS": "3"})
    try:
        alice = sign_up(server.url)
        ws = create_workspace(alice)
        cursor = alice.get("/events/head")["cursor"]
        for n in range(6):  # written after the run at start: only a later run can prune them
            alice.post(f"/channels/{ws.general_id}/messages", {"body": f"message {n}"})
        expired = lambda: alice.request("GET", f"/events?since={cursor}").status_code == 410  # noqa: E731
        wait_until(expired, what="pruning of the events past the newest 3")
        assert alice.request("GET", f"/events?since={cursor}").json()["error"]["code"] == "cursor_expired"
    finally:
        server.stop()
