"""Live delivery over real Socket.IO connections to a real server process."""
from __future__ import annotations

import uuid

import requests

from tests.support import BAD_ORIGIN, REJECTED, Cast, SocketClient, barrier, create_workspace, make_cast, socket_refusal


def _send(client: SocketClient, channel_id: int, body: str, **extra) -> dict:
    ack = client.call("message.send", {"channel_id": channel_id, "body": body,
                                       "client_msg_id": extra.pop("client_msg_id", uuid.uuid4().hex), **extra})
    assert "data" in ack, ack
    return ack["data"]


def test_message_reaches_other_member_and_every_tab_of_the_sender(cast: Cast) -> None:
    alice_tab1, alice_tab2, bob = cast.alice.socket(), cast.alice.socket(), cast.bob.socket()
    try:
        sent = _send(alice_tab1, cast.acme.general_id, "hello **team**")
        # The ack carries the stored message.
        assert sent["id"] > 0 and sent["author"]["id"] == cast.alice.id and sent["created_at"]
        for client in (bob, alice_tab1, alice_tab2):
            event = client.wait_for("message.created", lambda e: e["data"]["id"] == sent["id"])
            assert event["data"]["html"] == "<p>hello <strong>team</strong></p>"
            assert event["channel_id"] == cast.acme.general_id
    finally:
        for c in (alice_tab1, alice_tab2, bob):
            c.close()


def test_live_delivery_under_other_async_modes(other_mode_server) -> None:
    cast = make_cast(other_mode_server.url)
    alice, bob = cast.alice.socket(), cast.bob.socket()
    try:
        sent = _send(alice, cast.acme.general_id, f"mode check {other_mode_server.env['CHAT_ASYNC_MODE']}")
        assert bob.wait_for("message.created", lambda e: e["data"]["id"] == sent["id"])
        retry = alice.call("message.send", {"channel_id": cast.acme.general_id, "body": "mode check",
                                            "client_msg_id": sent["client_msg_id"]})
        assert retry["data"]["id"] == sent["id"]
    finally:
        alice.close()
        bob.close()


def test_retried_send_returns_original_and_broadcasts_once(cast: Cast) -> None:
    alice, bob = cast.alice.socket(), cast.bob.socket()
    try:
        client_id = uuid.uuid4().hex
        first = _send(alice, cast.acme.general_id, "only once", client_msg_id=client_id)
        again = _send(alice, cast.acme.general_id, "only once", client_msg_id=client_id)
        over_rest = cast.alice.post(f"/channels/{cast.acme.general_id}/messages",
                                    {"body": "only once", "client_msg_id": client_id}, expect=200)
        assert first["id"] == again["id"] == over_rest["id"]
        bob.wait_for("message.created", lambda e: e["data"]["id"] == first["id"])
        barrier(bob, cast.bob, cast.acme.general_id)
        assert [e["data"]["id"] for e in bob.events("message.created")].count(first["id"]) == 1
        history = cast.bob.get(f"/channels/{cast.acme.general_id}/messages")["messages"]
        assert [m["body"] for m in history].count("only once") == 1
    finally:
        alice.close()
        bob.close()


def test_edits_deletes_reactions_and_thread_replies_propagate_live(cast: Cast) -> None:
    alice, bob = cast.alice.socket(), cast.bob.socket()
    channel = cast.acme.general_id
    try:
        root = _send(alice, channel, "root")
        reply = _send(bob, channel, "a reply", thread_root_id=root["id"])
        assert reply["thread_root_id"] == root["id"]
        updated_root = alice.wait_for("message.updated", lambda e: e["data"]["id"] == root["id"])
        assert updated_root["data"]["reply_count"] == 1

        assert "data" in alice.call("message.edit", {"message_id": root["id"], "body": "root (edited)"})
        edited = bob.wait_for("message.updated", lambda e: e["data"]["id"] == root["id"] and e["data"]["edited_at"])
        assert edited["data"]["body"] == "root (edited)"

        assert "data" in bob.call("reaction.add", {"message_id": root["id"], "emoji": "👍"})
        reacted = alice.wait_for("message.updated", lambda e: e["data"]["id"] == root["id"] and e["data"]["reactions"])
        assert reacted["data"]["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [cast.bob.id]}]

        assert "data" in bob.call("message.delete", {"message_id": reply["id"]})
        deleted = alice.wait_for("message.deleted", lambda e: e["data"]["id"] == reply["id"])
        assert deleted["data"]["thread_root_id"] == root["id"]
        refreshed = cast.alice.get(f"/messages/{root['id']}")
        assert refreshed["reply_count"] == 0
    finally:
        alice.close()
        bob.close()


def test_bad_socket_input_gets_clear_errors_and_stores_nothing(cast: Cast) -> None:
    alice = cast.alice.socket()
    channel = cast.acme.general_id
    before = len(cast.alice.get(f"/channels/{channel}/messages?limit=200")["messages"])
    try:
        cases = [
            ("message.send", "not an object", "invalid"),
            ("message.send", {"channel_id": "1", "body": "x"}, "invalid"),
            ("message.send", {"channel_id": channel, "body": ""}, "invalid"),
            ("message.send", {"channel_id": channel, "body": "x" * 8001}, "invalid"),
            ("message.send", {"channel_id": channel, "body": "bell\x07"}, "invalid"),
            ("message.send", {"channel_id": channel, "body": 42}, "invalid"),
            ("message.send", {"channel_id": channel, "body": "x", "client_msg_id": "has space"}, "invalid"),
            ("message.send", {"channel_id": 2**62, "body": "x"}, "not_found"),
            ("message.edit", {"message_id": True, "body": "x"}, "invalid"),
            ("reaction.add", {"message_id": 2**62, "emoji": "👍"}, "not_found"),
            ("sync", {"since": -1}, "invalid"),
            ("channel.read", {"channel_id": channel, "message_id": "x"}, "invalid"),
        ]
        for event, payload, code in cases:
            ack = alice.call(event, payload)
            assert ack.get("error", {}).get("code") == code, (event, payload, ack)
            assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
        # The connection still works and nothing was stored.
        assert "data" in alice.call("message.send", {"channel_id": channel, "body": "still fine"})
        after = cast.alice.get(f"/channels/{channel}/messages?limit=200")["messages"]
        assert len(after) == before + 1
    finally:
        alice.close()


def test_socket_refused_without_credentials_or_from_foreign_origin(cast: Cast) -> None:
    assert socket_refusal(cast.server_url, None) == REJECTED
    assert socket_refusal(cast.server_url, "chat_not-a-real-token") == REJECTED
    # Long-polling, because the websocket client library adds an Origin header of its own.
    assert socket_refusal(cast.server_url, cast.alice.token, headers={"Origin": "https://evil.example"},
                          transports=["polling"]) == BAD_ORIGIN
    # The same origin is fine.
    ok = SocketClient.connect(cast.server_url, cast.alice.token, headers={"Origin": cast.server_url},
                              transports=["polling"])
    ok.close()


def test_revoked_token_cannot_open_a_socket(cast: Cast) -> None:
    created = cast.bob.post("/tokens", {"name": "script"})
    client = SocketClient.connect(cast.server_url, created["token"])
    client.close()
    cast.bob.call("DELETE", f"/tokens/{created['id']}")
    assert socket_refusal(cast.server_url, created["token"]) == REJECTED


def test_other_workspace_never_receives_or_reaches_events(cast: Cast) -> None:
    olga, alice = cast.olga.socket(), cast.alice.socket()
    try:
        private = cast.alice.post(f"/workspaces/{cast.acme.id}/channels",
                                  {"name": f"secret-{uuid.uuid4().hex[:6]}", "private": True})
        sent = _send(alice, private["id"], "acme secret")
        _send(alice, cast.acme.general_id, "acme general news")
        alice.call("typing.start", {"channel_id": cast.acme.general_id})
        # Olga cannot write, react, read, type or sync her way into Acme.
        for event, payload in [
            ("message.send", {"channel_id": cast.acme.general_id, "body": "hi"}),
            ("message.send", {"channel_id": private["id"], "body": "hi"}),
            ("message.edit", {"message_id": sent["id"], "body": "x"}),
            ("message.delete", {"message_id": sent["id"]}),
            ("reaction.add", {"message_id": sent["id"], "emoji": "👍"}),
            ("channel.read", {"channel_id": private["id"], "message_id": sent["id"]}),
            ("typing.start", {"channel_id": cast.acme.general_id}),
        ]:
            ack = olga.call(event, payload)
            assert ack["error"]["code"] == "not_found", (event, ack)
        synced = olga.call("sync", {"since": 0, "limit": 1000})["data"]
        assert all(e["workspace_id"] != cast.acme.id for e in synced["events"])
        barrier(olga, cast.olga, cast.globex.general_id)
        assert all(d.get("workspace_id") != cast.acme.id for _, d in olga.received if isinstance(d, dict))
        # And Bob, a member of Acme but not of the private channel, does not get it either.
        bob = cast.bob.socket()
        try:
            synced = bob.call("sync", {"since": 0, "limit": 1000})["data"]
            assert all(e["channel_id"] != private["id"] for e in synced["events"])
        finally:
            bob.close()
    finally:
        olga.close()
        alice.close()


def test_typing_reaches_others_but_not_the_typist(cast: Cast) -> None:
    alice, bob = cast.alice.socket(), cast.bob.socket()
    try:
        assert alice.call("typing.start", {"channel_id": cast.acme.general_id}) == {"data": {"ok": True}}
        typing = bob.wait_for("typing", lambda d: d["channel_id"] == cast.acme.general_id)
        assert typing["user"]["id"] == cast.alice.id
        barrier(alice, cast.alice, cast.acme.general_id)
        assert alice.events("typing") == []
    finally:
        alice.close()
        bob.close()


def test_presence_counts_every_tab(cast: Cast) -> None:
    watcher = cast.bob.socket()
    presence = f"/workspaces/{cast.acme.id}/presence"
    try:
        tab1 = cast.alice.socket()
        watcher.wait_for("presence.changed", lambda d: d["user_id"] == cast.alice.id and d["status"] == "online")
        tab2 = cast.alice.socket()
        assert cast.bob.get(presence)["presence"][str(cast.alice.id)] == "online"
        tab1.call("presence.set", {"away": True})
        # One tab is still active: Alice stays online.
        assert cast.bob.get(presence)["presence"][str(cast.alice.id)] == "online"
        tab2.call("presence.set", {"away": True})
        watcher.wait_for("presence.changed", lambda d: d["user_id"] == cast.alice.id and d["status"] == "away")
        tab2.call("presence.set", {"away": False})
        tab1.close()
        assert cast.bob.get(presence)["presence"][str(cast.alice.id)] == "online"
        tab2.close()
        watcher.wait_for("presence.changed", lambda d: d["user_id"] == cast.alice.id and d["status"] == "offline")
        assert str(cast.alice.id) not in cast.bob.get(presence)["presence"]
    finally:
        watcher.close()


def test_read_position_follows_the_person_across_tabs(cast: Cast) -> None:
    bob_tab1, bob_tab2 = cast.bob.socket(), cast.bob.socket()
    try:
        sent = cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"body": "read me"})
        channels = {c["id"]: c for c in cast.bob.get(f"/workspaces/{cast.acme.id}/channels")["channels"]}
        assert channels[cast.acme.general_id]["unread_count"] >= 1
        ack = bob_tab1.call("channel.read", {"channel_id": cast.acme.general_id, "message_id": sent["id"]})
        assert ack["data"]["last_read_id"] == sent["id"]
        bob_tab2.wait_for("channel.read",
                          lambda d: d["channel_id"] == cast.acme.general_id and d["last_read_id"] == sent["id"])
        channels = {c["id"]: c for c in cast.bob.get(f"/workspaces/{cast.acme.id}/channels")["channels"]}
        assert channels[cast.acme.general_id]["unread_count"] == 0
    finally:
        bob_tab1.close()
        bob_tab2.close()


def test_deactivation_closes_open_sockets_and_cuts_access_at_once(cast: Cast) -> None:
    bob = cast.bob.socket(reconnection=False)
    try:
        cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}/members/{cast.bob.id}", {"active": False})
        bob.wait_for("disconnect")
        assert cast.bob.request("GET", f"/channels/{cast.acme.general_id}/messages").status_code == 404
        # Reconnecting works (Bob may have other workspaces) but Acme stays closed to him.
        again = cast.bob.socket()
        try:
            ack = again.call("message.send", {"channel_id": cast.acme.general_id, "body": "still here?"})
            assert ack["error"]["code"] == "not_found"
            elsewhere = create_workspace(cast.bob, "Bob's own")  # his open socket joins its #general
            cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"body": "after bob left"})
            barrier(again, cast.bob, elsewhere.general_id)
            assert [e for e in again.events("message.created") if e["workspace_id"] == cast.acme.id] == []
        finally:
            again.close()
    finally:
        bob.close()


def test_joining_a_channel_subscribes_open_sockets(cast: Cast) -> None:
    name = f"new-{uuid.uuid4().hex[:6]}"
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": name})
    bob = cast.bob.socket()
    try:
        cast.bob.post(f"/channels/{channel['id']}/join")
        bob.wait_for("channel.member_added", lambda e: e["data"]["user_id"] == cast.bob.id)
        sent = cast.alice.post(f"/channels/{channel['id']}/messages", {"body": "welcome"})
        bob.wait_for("message.created", lambda e: e["data"]["id"] == sent["id"])
        cast.bob.post(f"/channels/{channel['id']}/leave")
        bob.wait_for("channel.member_removed", lambda e: e["data"]["user_id"] == cast.bob.id)
        later = cast.alice.post(f"/channels/{channel['id']}/messages", {"body": "after leaving"})
        barrier(bob, cast.bob, cast.acme.general_id)
        assert all(e["data"]["id"] != later["id"] for e in bob.events("message.created"))
    finally:
        bob.close()


def test_http_health_of_server_after_bad_input(cast: Cast) -> None:
    r = requests.post(cast.server_url + "/api/v1/channels/1/messages", data=b"\xff\xfe garbage",
                      headers={"Authorization": f"Bearer {cast.alice.token}", "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    assert cast.alice.get("/me")["id"] == cast.alice.id
