"""What happens to files across restarts: preview jobs left queued are run by the next
process, and uploads nobody sent are forgotten after a day."""
from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy

from tests.files import samples
from tests.support import Server, create_workspace, sign_up, start_server


def _database(server: Server) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(f"sqlite:///{server.env['CHAT_INSTANCE_DIR']}/chat.db")


def test_previews_left_pending_are_made_by_the_next_server_process(tmp_path: Path) -> None:
    # A process that runs no jobs (JOB_WORKERS=0) leaves the preview job queued...
    first = start_server(tmp_path, extra_env={"JOB_WORKERS": "0"})
    try:
        alice = sign_up(first.url)
        ws = create_workspace(alice)
        r = alice.request("POST", f"/channels/{ws.general_id}/files",
                          files=[("file", ("plan.pdf", samples.pdf(["resumed after restart"])))])
        file_id = r.json()["files"][0]["id"]
        alice.post(f"/channels/{ws.general_id}/messages", {"file_ids": [file_id]})
        assert alice.get(f"/files/{file_id}")["preview"]["state"] == "pending"
    finally:
        first.stop()
    # ... and the next one runs it: the queue is a file that outlives the process.
    second = start_server(tmp_path)
    try:
        alice.server_url = second.url
        deadline = time.monotonic() + 30
        while alice.get(f"/files/{file_id}")["preview"]["state"] == "pending" and time.monotonic() < deadline:
            time.sleep(0.1)
        preview = alice.get(f"/files/{file_id}")["preview"]
        assert preview["state"] == "ready" and preview["page_count"] == 1
        found = alice.get(f"/workspaces/{ws.id}/files/search?q=resumed")["results"]
        assert [x["file"]["id"] for x in found] == [file_id]
    finally:
        second.stop()


def test_uploads_nobody_sent_are_forgotten_after_a_day(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        alice = sign_up(first.url)
        ws = create_workspace(alice)
        upload = lambda name, data: alice.request(  # noqa: E731
            "POST", f"/channels/{ws.general_id}/files", files=[("file", (name, data))]).json()["files"][0]["id"]
        stale, fresh = upload("stale.txt", b"old draft"), upload("fresh.txt", b"new draft")
        sent = upload("sent.txt", b"s")
        alice.post(f"/channels/{ws.general_id}/messages", {"file_ids": [sent]})
    finally:
        first.stop()
    # Time passes for the stale upload only (the one direct write of this test).
    engine = _database(first)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE files SET created_at = '2000-01-01 00:00:00' WHERE public_id IN (:a, :b)"),
                     {"a": stale, "b": sent})
    engine.dispose()
    second = start_server(tmp_path)
    try:
        alice.server_url = second.url
        # Housekeeping jobs run as the server's workers start; give them a moment to get there.
        deadline = time.monotonic() + 10
        while alice.request("GET", f"/files/{stale}").status_code != 404 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alice.request("GET", f"/files/{stale}").status_code == 404
        assert alice.request("GET", f"/files/{fresh}/content").content == b"new draft"
        assert alice.request("GET", f"/files/{sent}/content").content == b"s"
        blobs = [p.read_bytes() for p in (tmp_path / "uploads" / "blobs").glob("*/*/*")]
        assert b"old draft" not in blobs and b"new draft" in blobs
    finally:
        second.stop()
