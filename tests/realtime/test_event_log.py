"""The event log clients catch up from: every event links to the previous one of its audience,
old content leaves the log when a message changes, and the log is pruned with a clear answer
for cursors it no longer reaches."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from tests.support import ROOT, Cast, CatchUpClient, Person, make_cast, start_server


def _head(person: Person) -> int:
    return person.get("/events/head")["cursor"]


def _log(person: Person, since: int) -> list[dict[str, Any]]:
    """Every event after ``since`` the person may read, through every page of GET /events."""
    events: list[dict[str, Any]] = []
    while True:
        page = person.get(f"/events?since={since}&limit=100")
        events += page["events"]
        since = page["cursor"]
        if not page["has_more"]:
            return events


def _socket_log(person: Person, since: int) -> list[dict[str, Any]]:
    sock = person.socket()
    try:
        events: list[dict[str, Any]] = []
        while True:
            page = sock.call("sync", {"since": since, "limit": 100})["data"]
            events += page["events"]
            since = page["cursor"]
            if not page["has_more"]:
                return events
    finally:
        sock.close()


def test_each_event_names_the_previous_event_of_its_audience(cast: Cast) -> None:
    start = _head(cast.bob)
    side = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "side-" + uuid.uuid4().hex[:6]})
    cast.alice.post(f"/channels/{side['id']}/members", {"user_id": cast.bob.id})
    for i in range(4):  # two audiences, interleaved
        general = cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"body": f"general {i}"})
        cast.bob.post(f"/channels/{side['id']}/messages", {"body": f"side {i}", "thread_root_id": None})
        cast.bob.post(f"/messages/{general['id']}/reactions", {"emoji": "eyes"})
    events = _log(cast.bob, start)
    by_stream: dict[Any, list[dict[str, Any]]] = {}
    for event in events:
        by_stream.setdefault(event["channel_id"] or "me", []).append(event)
    assert {cast.acme.general_id, side["id"]} <= set(by_stream)
    for stream_events in by_stream.values():
        assert stream_events[0]["prev_id"] < stream_events[0]["id"]
        for before, after in itertools.pairwise(stream_events):
            assert after["prev_id"] == before["id"], (before, after)
    # The side channel's events began after our cursor: its first names nothing we lack.
    assert by_stream[side["id"]][0]["prev_id"] <= start
    assert _socket_log(cast.bob, start) == events  # the socket's sync returns the same envelopes


def _texts(events: list[dict[str, Any]]) -> str:
    return json.dumps([e["data"] for e in events])


def test_edits_reactions_files_and_deletions_leave_no_old_content_in_the_log(cast: Cast) -> None:
    channel = cast.acme.general_id
    start = _head(cast.bob)
    upload = cast.alice.request("POST", f"/channels/{channel}/files", files=[
        ("file", ("quarterly-secret-plan.txt", b"numbers")), ("file", ("kept-notes.txt", b"notes"))])
    assert upload.status_code == 201, upload.text
    file_ids = [f["id"] for f in upload.json()["files"]]
    message = cast.alice.post(f"/channels/{channel}/messages", {"body": "first draft wording", "file_ids": file_ids})
    cast.alice.call("PATCH", f"/messages/{message['id']}", {"body": "second wording"})
    cast.bob.post(f"/messages/{message['id']}/reactions", {"emoji": "grimacing"})
    cast.bob.call("DELETE", f"/messages/{message['id']}/reactions/grimacing")
    cast.alice.call("DELETE", f"/files/{file_ids[0]}")
    reply = cast.bob.post(f"/channels/{channel}/messages", {"body": "reply text here", "thread_root_id": message["id"]})

    for log in (_log(cast.bob, start), _socket_log(cast.bob, start)):
        text = _texts(log)
        # Only the message's current state is left: the latest text, no removed reaction, no deleted file's name.
        for gone in ("first draft wording", "grimacing", "quarterly-secret-plan.txt"):
            assert gone not in text, gone
        assert "second wording" in text and "kept-notes.txt" in text and "reply text here" in text
        about = [e for e in log if e["data"].get("id") == message["id"]]
        assert about[0]["type"] == "message.created"  # the fact stays, in place
        assert all(e["data"].get("redacted") for e in about[:-1])
        assert about[-1]["data"]["body"] == "second wording" and about[-1]["data"]["reply_count"] == 1

    cast.bob.call("DELETE", f"/messages/{reply['id']}")
    cast.alice.call("DELETE", f"/messages/{message['id']}")
    for log in (_log(cast.bob, start), _socket_log(cast.bob, start)):
        text = _texts(log)
        for gone in ("second wording", "kept-notes.txt", "reply text here", "first draft wording"):
            assert gone not in text, gone
        about = [e for e in log if e["data"].get("id") == message["id"]]
        assert about[-1]["type"] == "message.deleted"
        assert all(e["data"] == {"id": message["id"], "channel_id": channel, "thread_root_id": None,
                                 "redacted": True} for e in about[:-1])


def test_a_client_that_misses_an_event_notices_the_hole_and_fills_it(cast: Cast) -> None:
    """Lose one live event on purpose: the next event of that channel names it as its
    predecessor, so the client syncs and gets it instead of skipping past it."""
    channel = cast.acme.general_id
    bob = _Lossy(cast.server_url, cast.bob.token, _head(cast.bob), drop_body="lost on the way")
    try:
        bob.wait_until(lambda c: c.connects == 1)
        sent = [cast.alice.post(f"/channels/{channel}/messages", {"body": body})["id"]
                for body in ("before", "lost on the way", "after")]
        bob.wait_until(lambda c: set(sent) <= set(c.message_ids()))
        assert bob.dropped == 1 and bob.holes_seen >= 1
        assert [i for i in bob.message_ids() if i in sent] == sent
    finally:
        bob.close()


class _Lossy(CatchUpClient):
    def __init__(self, *args: Any, drop_body: str, **kwargs: Any) -> None:
        self.drop_body, self.dropped = drop_body, 0
        super().__init__(*args, **kwargs)

    def _on_live(self, envelope: dict[str, Any]) -> None:
        if envelope["data"].get("body") == self.drop_body and not self.dropped:
            self.dropped += 1
            return
        super()._on_live(envelope)


def _prune(server_env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "prune-events", *args], check=False,
                          cwd=ROOT, env=server_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_log_is_pruned_by_count_and_age_and_old_cursors_are_told_to_reload(tmp_path: Path) -> None:
    server = start_server(tmp_path / "pruned")
    try:
        cast = make_cast(server.url)
        channel = cast.acme.general_id
        old_cursor = _head(cast.bob)
        for i in range(12):
            cast.alice.post(f"/channels/{channel}/messages", {"body": f"message {i}"})
        assert len(_log(cast.bob, old_cursor)) == 12

        assert "pruned" in _prune(server.env, "--max-events", "5", "--max-age-days", "0")
        r = cast.bob.request("GET", f"/events?since={old_cursor}")
        assert r.status_code == 410, r.text
        assert r.json()["error"]["code"] == "cursor_expired"
        sock = cast.bob.socket()
        try:
            ack = sock.call("sync", {"since": old_cursor})
            assert ack["error"]["code"] == "cursor_expired", ack
        finally:
            sock.close()
        # The newest five are kept, and a cursor inside what is kept still works.
        recent = cast.alice.get(f"/events?since={_head(cast.alice) - 5}")["events"]
        assert [e["data"]["body"] for e in recent] == [f"message {i}" for i in range(7, 12)]

        # By age: a day-long bound keeps events seconds old; a second-long one drops them.
        assert _prune(server.env, "--max-age-days", "1", "--max-events", "0").startswith("pruned 0 events")
        time.sleep(1.5)  # age the kept events past the second-long bound
        head = _head(cast.bob)
        _prune(server.env, "--max-age-days", str(1 / 86400), "--max-events", "0")
        assert cast.bob.request("GET", f"/events?since={recent[0]['id']}").status_code == 410
        assert cast.bob.get(f"/events?since={head}")["events"] == []
        assert cast.bob.request("GET", f"/events?since={head - 1}").status_code == 200  # the head stays
        newest = cast.alice.post(f"/channels/{channel}/messages", {"body": "newest"})
        assert [e["data"]["id"] for e in cast.bob.get(f"/events?since={head}")["events"]] == [newest["id"]]
    finally:
        server.stop()


def test_a_client_told_its_cursor_expired_reloads_and_resumes_from_the_head(tmp_path: Path) -> None:
    server = start_server(tmp_path / "expired")
    try:
        cast = make_cast(server.url)
        channel = cast.acme.general_id
        stale = _head(cast.bob)
        for i in range(6):
            cast.alice.post(f"/channels/{channel}/messages", {"body": f"while away {i}"})
        _prune(server.env, "--max-events", "2", "--max-age-days", "0")
        bob = _Reloading(server.url, cast.bob.token, stale, reload_with=cast.bob)
        try:
            bob.wait_until(lambda c: c.connects == 1)
            assert bob.reloads == 1
            later = cast.alice.post(f"/channels/{channel}/messages", {"body": "after the reload"})
            bob.wait_until(lambda c: later["id"] in c.message_ids())
        finally:
            bob.close()
    finally:
        server.stop()


class _Reloading(CatchUpClient):
    """Handles cursor_expired as docs/realtime.md says: reload state, resume from the head."""

    def __init__(self, *args: Any, reload_with: Person, **kwargs: Any) -> None:
        self.person, self.reloads = reload_with, 0
        super().__init__(*args, **kwargs)

    def _sync(self, reconnected: bool = False) -> None:
        ack = self.sio.call("sync", {"since": self.cursor, "limit": 1}, timeout=20)
        if "error" in ack and ack["error"]["code"] == "cursor_expired":
            self.reloads += 1
            with self._cond:
                self.cursor, self._last = _head(self.person), {}
        super()._sync(reconnected)
