"""One wire format: every server-to-client event name has one data shape, declared once (the
OpenAPI document's `x-socket-events`), listed in docs/realtime.md, and kept by the server.

The declarations, the documentation and the names the code can emit must be the same set; real
actions through the public doors must produce events that match their declared shape, every
name included."""
from __future__ import annotations

import ast
import re
import uuid
from typing import Any

import requests
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from chat.api.openapi import SOCKET_EVENTS
from chat.core import events
from tests.files.samples import png
from tests.support import ROOT, Cast, barrier, invite, sign_up

DOC_URI = "urn:chat:openapi"


def documented_events() -> dict[str, str]:
    """The event table of docs/realtime.md: event name -> kind (durable or ephemeral)."""
    text = (ROOT / "docs" / "realtime.md").read_text()
    section = text[text.index("## Server → client events"):text.index("### Presence")]
    return dict(re.findall(r"^\| `([a-z_.]+)` \| (durable|ephemeral) \|", section, re.M))


def emitted_names() -> dict[str, set[str]]:
    """Every event name passed to events.record (durable) or events.notify (ephemeral) anywhere
    in chat/, read from the source: the names must be events.py's constants."""
    found: dict[str, set[str]] = {"record": set(), "notify": set()}
    for path in (ROOT / "chat").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "events"
                    and node.func.attr in found):
                continue
            arg = node.args[1 if node.func.attr == "record" else 0]
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            assert isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) \
                and arg.value.id == "events", f"{where}: name the event with a constant of chat/core/events.py"
            found[node.func.attr].add(getattr(events, arg.attr))
    return found


def test_declared_documented_and_emitted_events_are_the_same_set() -> None:
    assert set(SOCKET_EVENTS) == events.SERVER_EVENTS
    assert not events.DURABLE_EVENTS & events.EPHEMERAL_EVENTS
    assert documented_events() == {**dict.fromkeys(events.DURABLE_EVENTS, "durable"),
                                   **dict.fromkeys(events.EPHEMERAL_EVENTS, "ephemeral")}
    emitted = emitted_names()
    assert emitted["record"] == events.DURABLE_EVENTS
    assert emitted["notify"] == events.EPHEMERAL_EVENTS


def test_only_the_event_module_talks_to_socket_io() -> None:
    """No other module emits: every event goes through record/notify and so is declared."""
    for path in (ROOT / "chat").rglob("*.py"):
        if path.relative_to(ROOT).as_posix() in ("chat/core/events.py", "chat/core/delivery.py"):
            continue
        assert not re.search(r"\.emit\(|\bsend\(.*namespace", path.read_text()), path


class Shapes:
    """Validates payloads against the served document's `x-socket-events` schemas."""

    def __init__(self, server_url: str) -> None:
        document = requests.get(server_url + "/api/v1/openapi.json", timeout=20).json()
        assert set(document["x-socket-events"]) == events.SERVER_EVENTS
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOC_URI, resource)

    def errors(self, name: str, payload: Any) -> list[str]:
        if name not in events.SERVER_EVENTS:
            return [f"undeclared event {name!r}"]
        validator = Draft202012Validator({"$ref": f"{DOC_URI}#/x-socket-events/{name}"},
                                         registry=self.registry, format_checker=FormatChecker())
        return [f"{name} {list(e.path)}: {e.message}" for e in validator.iter_errors(payload)]


def test_every_event_real_actions_produce_matches_its_declared_shape(cast: Cast) -> None:
    shapes = Shapes(cast.server_url)
    alice, bob, acme = cast.alice, cast.bob, cast.acme
    alice_socket, bob_socket = alice.socket(), bob.socket()
    try:
        general = acme.general_id
        # Messages: sent over REST and socket, replied to, edited, reacted to, pinned, deleted.
        root = alice.post(f"/channels/{general}/messages", {"body": "shapes: root"})
        reply = bob_socket.call("message.send", {"channel_id": general, "body": "a reply",
                                                 "thread_root_id": root["id"]})["data"]
        assert "data" in alice_socket.call("message.edit", {"message_id": root["id"], "body": "root, edited"})
        assert "data" in bob_socket.call("reaction.add", {"message_id": root["id"], "emoji": "tada"})
        alice.call("PUT", f"/messages/{root['id']}/pin")
        assert "data" in bob_socket.call("message.delete", {"message_id": reply["id"]})
        # Typing, read positions, presence.
        assert "data" in alice_socket.call("typing.start", {"channel_id": general})
        assert "data" in bob_socket.call("channel.read", {"channel_id": general, "message_id": root["id"]})
        assert "data" in alice_socket.call("presence.set", {"away": True})
        # Channels: a public one created and changed while Bob is outside, then joined and left;
        # a private one; a broadcast poster named.
        public = alice.post(f"/workspaces/{acme.id}/channels", {"name": "shapes-public"})
        alice.call("PATCH", f"/channels/{public['id']}", {"topic": "seen by every member"})
        bob.post(f"/channels/{public['id']}/join")
        bob.post(f"/channels/{public['id']}/leave")
        private = alice.post(f"/workspaces/{acme.id}/channels", {"name": "shapes-private", "private": True})
        alice.post(f"/channels/{private['id']}/members", {"user_id": bob.id})
        alice.call("PATCH", f"/channels/{private['id']}", {"broadcast": True})
        alice.post(f"/channels/{private['id']}/members", {"user_id": bob.id, "can_post": True})
        # Workspaces: a newcomer arrives; Bob creates one of his own.
        invite(alice, acme, sign_up(cast.server_url, "Nina Newcomer"))
        bob.post("/workspaces", {"name": "Bob's own"})
        # A file uploaded and not sent yet: its preview is announced to the uploader alone. New
        # content (a colour no other test uses): content seen before keeps its preview, which the
        # upload's answer already carries, and no file.updated follows.
        fresh = png(64, 64, color=f"#{uuid.uuid4().hex[:6]}")
        uploaded = bob.request("POST", f"/channels/{general}/files", files=[("file", ("p.png", fresh))])
        assert uploaded.status_code == 201, uploaded.text
        bob_socket.wait_for("file.updated", lambda f: f["id"] == uploaded.json()["files"][0]["id"], timeout=60)
        # Slash commands: an action message, a note only Bob sees, a channel he mutes.
        assert bob.post(f"/channels/{general}/commands", {"command": "/me", "text": "checks shapes"})["message"]
        assert bob.post(f"/channels/{general}/commands", {"command": "/help"})["ephemeral"]
        bob.call("PUT", f"/channels/{general}/mute")
        bob.call("DELETE", f"/channels/{general}/mute")
        # Everything caused above has reached both sockets once a later event has.
        barrier(bob_socket, bob, general)
        barrier(alice_socket, alice, general)

        received = [(name, payload) for socket in (alice_socket, bob_socket) for name, payload in socket.received]
        problems = [problem for name, payload in received for problem in shapes.errors(name, payload)]
        assert problems == [], "\n".join(problems[:20])
        assert {name for name, _ in received} == events.SERVER_EVENTS
        # Bob, outside the public channel, got its creation and change as the same envelopes as
        # its members: one shape per name whatever the room.
        created = bob_socket.wait_for("channel.created", lambda e: e["channel_id"] == public["id"])
        assert created["prev_id"] == 0 and created["data"]["name"] == "shapes-public"
        updated = bob_socket.wait_for("channel.updated", lambda e: e["channel_id"] == public["id"])
        assert updated in alice_socket.events("channel.updated")
        # The creator's stream starts with channel.created, then the creator's arrival.
        added = alice_socket.wait_for("channel.member_added", lambda e: e["channel_id"] == private["id"]
                                      and e["data"]["user_id"] == alice.id)
        created_private = alice_socket.wait_for("channel.created", lambda e: e["channel_id"] == private["id"])
        assert added["prev_id"] == created_private["id"] and created_private["prev_id"] == 0
        assert not [e for e in bob_socket.events("channel.created") if e["channel_id"] == private["id"]]
    finally:
        alice_socket.close()
        bob_socket.close()


def test_replayed_events_match_the_envelope_schema_and_the_live_shapes(cast: Cast) -> None:
    """What sync returns is what was broadcast: the same envelopes, channel.created included."""
    shapes = Shapes(cast.server_url)
    cursor = cast.alice.get("/events/head")["cursor"]
    socket = cast.alice.socket()
    try:
        channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "replayed"})
        cast.alice.call("PATCH", f"/channels/{channel['id']}", {"purpose": "to be replayed"})
        barrier(socket, cast.alice, channel["id"])
        replayed = socket.call("sync", {"since": cursor})["data"]["events"]
        live = [payload for name, payload in socket.received if name in events.DURABLE_EVENTS]
        assert replayed == live
        assert {e["type"] for e in replayed} >= {"channel.created", "channel.updated", "channel.member_added"}
        problems = [p for e in replayed for p in shapes.errors(e["type"], e)]
        assert problems == [], "\n".join(problems)
    finally:
        socket.close()
