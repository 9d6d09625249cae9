"""Slash commands through the REST door (POST /channels/{id}/commands): the built-ins with their
permission checks, the ephemeral notes they show, /mute and its effect on the channel list and
badges, bad input, and a workspace's custom commands made and managed by its admins. Running a
custom command against a real integration: tests/integrations/test_slash_commands.py.

The cast: Alice owns Acme, Bob is a member, Gus a guest; Olga owns Globex."""
from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.api.helpers import assert_error, channel_entry, history, send, unique
from tests.support import Cast, Person, barrier

SHRUG = "¯\\_(ツ)_/¯"


def run(person: Person, channel_id: int, command: str, text: str = "", **extra: Any) -> requests.Response:
    return person.request("POST", f"/channels/{channel_id}/commands", json={"command": command, "text": text, **extra})


def ran(person: Person, channel_id: int, command: str, text: str = "", **extra: Any) -> dict[str, Any]:
    response = run(person, channel_id, command, text, **extra)
    assert response.status_code == 200, response.text
    return response.json()


def make_command(admin: Person, workspace_id: int, name: str | None = None, **fields: Any) -> dict[str, Any]:
    return admin.post(f"/workspaces/{workspace_id}/slash-commands",
                      {"name": name or f"/{unique('cmd')}", "url": "https://commands.example.test/run", **fields})


def test_me_posts_an_action_message_and_shrug_appends_the_shrug(cast: Cast) -> None:
    bob, general = cast.bob, cast.acme.general_id
    socket = cast.alice.socket()
    try:
        action = ran(bob, general, "/me", "waves at everyone")
        assert action["status"] == "done" and action["ephemeral"] is None
        message = action["message"]
        assert message["body"] == "waves at everyone" and message["author"]["id"] == bob.id
        assert message["props"] == {"subtype": "me_message"}
        assert "waves at everyone" in message["html"]
        live = socket.wait_for("message.created", lambda e: e["data"]["id"] == message["id"])
        assert live["data"]["props"] == {"subtype": "me_message"}
        # An edit keeps what kind of message it is.
        edited = bob.call("PATCH", f"/messages/{message['id']}", {"body": "waves again"})
        assert edited["props"] == {"subtype": "me_message"} and edited["body"] == "waves again"
        assert_error(run(bob, general, "/me"), 400, "invalid")  # nothing to do

        shrugged = ran(bob, general, "/shrug", "no idea")["message"]
        assert shrugged["html"] == f"<p>no idea {SHRUG}</p>"
        alone = ran(bob, general, "/shrug")["message"]
        assert alone["html"] == f"<p>{SHRUG}</p>" and alone["props"] is None
        # In a thread, the message is a reply.
        root = send(cast.alice, general, "a thread")
        reply = ran(bob, general, "/me", "nods", thread_root_id=root["id"])["message"]
        assert reply["thread_root_id"] == root["id"]
    finally:
        socket.close()


def test_topic_sets_the_topic_where_one_may_post_and_refuses_elsewhere(cast: Cast) -> None:
    alice, bob = cast.alice, cast.bob
    room = alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("topics")})
    alice.post(f"/channels/{room['id']}/members", {"user_id": bob.id})
    socket = bob.socket()
    try:
        answer = ran(bob, room["id"], "/topic", "Quarterly planning")
        assert answer["ephemeral"]["body"].endswith("Quarterly planning") and answer["ephemeral"]["author"] is None
        assert bob.get(f"/channels/{room['id']}")["topic"] == "Quarterly planning"
        socket.wait_for("channel.updated", lambda e: e["data"]["topic"] == "Quarterly planning")
        # The same note reached Bob's sockets, and only his.
        note = socket.wait_for("message.ephemeral", lambda e: e["id"] == answer["ephemeral"]["id"])
        assert note == answer["ephemeral"]
        # Without text: the current topic, as a note.
        shown = ran(bob, room["id"], "/topic")["ephemeral"]
        assert "Quarterly planning" in shown["body"]
        assert_error(run(bob, room["id"], "/topic", "x" * 251), 400, "invalid")
    finally:
        socket.close()
    # Where Bob may not post, he may not run it: a broadcast channel, an archived one.
    alice.call("PATCH", f"/channels/{room['id']}", {"broadcast": True})
    assert_error(run(bob, room["id"], "/topic", "mine now"), 403, "broadcast_only")
    alice.call("PATCH", f"/channels/{room['id']}", {"broadcast": False, "archived": True})
    assert_error(run(bob, room["id"], "/topic", "mine now"), 403, "channel_archived")
    assert alice.get(f"/channels/{room['id']}")["topic"] == "Quarterly planning"


def test_invite_adds_people_with_the_member_services_checks(cast: Cast) -> None:
    alice, bob, gus = cast.alice, cast.bob, cast.gus
    room = bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("invites")})
    answer = ran(bob, room["id"], "/invite", f"@{gus.username}")
    assert gus.username in answer["ephemeral"]["body"]
    assert gus.id in [m["id"] for m in bob.get(f"/channels/{room['id']}/members")["members"]]
    # Into another channel, by name; several people at once; repeating is harmless.
    other = alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("elsewhere")})
    alice.post(f"/channels/{other['id']}/members", {"user_id": bob.id})
    ran(bob, room["id"], "/invite", f"@{gus.username} @{alice.username} #{other['name']}")
    assert {gus.id, alice.id} <= {m["id"] for m in bob.get(f"/channels/{other['id']}/members")["members"]}
    ran(bob, room["id"], "/invite", f"@{gus.username}")

    # Nobody of that name here (Olga is in Globex only): user_not_found, as for a stranger.
    assert_error(run(bob, room["id"], "/invite", f"@{cast.olga.username}"), 404, "user_not_found")
    assert_error(run(bob, room["id"], "/invite", "@nobody-at-all"), 404, "user_not_found")
    assert_error(run(bob, room["id"], "/invite", "everyone please"), 400, "invalid")
    # The guest may not reach #general: not found, as a channel that does not exist.
    assert_error(run(gus, room["id"], "/invite", f"@{bob.username} #general"), 404, "not_found")
    assert_error(run(bob, room["id"], "/invite", f"@{gus.username} #no-such-channel"), 404, "not_found")
    # A direct conversation takes no one new.
    dm = bob.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [alice.id]})
    assert_error(run(bob, dm["id"], "/invite", f"@{gus.username}"), 403, "direct_channel")


def test_leave_leaves_the_channel_except_general_and_direct_conversations(cast: Cast) -> None:
    bob = cast.bob
    room = bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("leaving")})
    assert ran(bob, room["id"], "/leave") == {"status": "done", "message": None, "ephemeral": None}
    assert channel_entry(bob, cast.acme.id, room["id"]) is None
    assert_error(run(bob, room["id"], "/leave"), 403, "not_in_channel")  # no longer in it: may not post
    assert_error(run(bob, cast.acme.general_id, "/leave"), 403, "default_channel")
    dm = bob.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [cast.alice.id]})
    assert_error(run(bob, dm["id"], "/leave"), 403, "direct_channel")


def test_mute_toggles_is_kept_and_silences_all_but_mentions(cast: Cast) -> None:
    alice, bob = cast.alice, cast.bob
    room = alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("noisy")})
    alice.post(f"/channels/{room['id']}/members", {"user_id": bob.id})
    assert channel_entry(bob, cast.acme.id, room["id"])["muted"] is False
    socket = bob.socket()
    try:
        note = ran(bob, room["id"], "/mute")["ephemeral"]
        assert "muted" in note["body"]
        assert channel_entry(bob, cast.acme.id, room["id"])["muted"] is True
        assert bob.get(f"/channels/{room['id']}")["muted"] is True
        assert socket.wait_for("channel.muted", lambda e: e["channel_id"] == room["id"]) == {
            "channel_id": room["id"], "muted": True, "workspace_id": cast.acme.id}
        # Others see nothing of it.
        assert channel_entry(alice, cast.acme.id, room["id"])["muted"] is False
    finally:
        socket.close()

    # Unread messages of a muted channel make no badge on the workspace; a mention still does.
    baseline = _acme_badge(bob, cast.acme.id)
    send(alice, room["id"], "chatter nobody needs")
    counted = channel_entry(bob, cast.acme.id, room["id"])
    assert counted["unread_count"] == 1 and counted["muted"] is True  # the channel still counts it
    assert _acme_badge(bob, cast.acme.id) == baseline
    send(alice, room["id"], f"@{bob.username} this one is for you")
    assert _acme_badge(bob, cast.acme.id) == (baseline[0], baseline[1] + 1)

    # /mute again unmutes; the REST routes do the same, repeating harmlessly.
    assert "unmuted" in ran(bob, room["id"], "/mute")["ephemeral"]["body"]
    assert _acme_badge(bob, cast.acme.id)[0] == baseline[0] + 2
    assert bob.call("PUT", f"/channels/{room['id']}/mute")["muted"] is True
    assert bob.call("PUT", f"/channels/{room['id']}/mute")["muted"] is True
    assert bob.call("DELETE", f"/channels/{room['id']}/mute")["muted"] is False
    assert_error(cast.gus.request("PUT", f"/channels/{room['id']}/mute"), 404, "not_found")
    assert_error(cast.olga.request("PUT", f"/channels/{room['id']}/mute"), 404, "not_found")
    joinable = alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("unjoined")})
    assert_error(bob.request("PUT", f"/channels/{joinable['id']}/mute"), 409, "not_in_channel")


def _acme_badge(person: Person, workspace_id: int) -> tuple[int, int]:
    entry = next(w for w in person.get("/workspaces")["workspaces"] if w["id"] == workspace_id)
    return entry["unread_count"], entry["mention_count"]


def test_help_lists_built_in_and_custom_commands_and_unknown_ones_get_slacks_note(cast: Cast) -> None:
    deploy = make_command(cast.alice, cast.acme.id, f"/{unique('deploy')}", description="Ship *the* build",
                          usage_hint="[environment]")
    listed = cast.bob.get(f"/workspaces/{cast.acme.id}/commands")["commands"]
    names = [c["name"] for c in listed]
    assert names == sorted(names)
    assert {"/me", "/shrug", "/topic", "/invite", "/leave", "/mute", "/help"} <= set(names)
    mine = next(c for c in listed if c["name"] == deploy["name"])
    assert mine == {"name": deploy["name"], "description": "Ship *the* build", "usage_hint": "[environment]",
                    "builtin": False}
    assert all(set(c) == {"name", "description", "usage_hint", "builtin"} for c in listed)  # no URL, no secret
    assert_error(cast.olga.request("GET", f"/workspaces/{cast.acme.id}/commands"), 404, "not_found")

    shown = ran(cast.bob, cast.acme.general_id, "/help")["ephemeral"]
    assert deploy["name"] in shown["body"] and "Ship \\*the\\* build" in shown["body"]
    assert f"<code>{deploy['name']} [environment]</code>" in shown["html"] and "Ship *the* build" in shown["html"]
    assert "<code>/mute</code>" in shown["html"]

    unknown = ran(cast.bob, cast.acme.general_id, "/xyzzy", "please")
    assert unknown["status"] == "done" and unknown["message"] is None
    assert "/xyzzy</code> is not a valid command" in unknown["ephemeral"]["html"]
    # Another workspace's command is no command here.
    theirs = make_command(cast.olga, cast.globex.id)
    assert "is not a valid command" in ran(cast.bob, cast.acme.general_id, theirs["name"])["ephemeral"]["body"]


def test_ephemeral_notes_reach_only_the_person_who_ran_the_command(cast: Cast) -> None:
    alice, bob, general = cast.alice, cast.bob, cast.acme.general_id
    alice_socket, bob_socket = alice.socket(), bob.socket()
    try:
        note = ran(bob, general, "/help")["ephemeral"]
        assert bob_socket.wait_for("message.ephemeral", lambda e: e["id"] == note["id"])["channel_id"] == general
        later = barrier(alice_socket, alice, general)  # everything meant for Alice before this has come
        assert alice_socket.events("message.ephemeral") == []
        # Not stored: history knows nothing of it.
        assert note["body"] not in [m["body"] for m in history(bob, general)["messages"]]
        assert later["id"] in [m["id"] for m in history(bob, general)["messages"]]
    finally:
        alice_socket.close()
        bob_socket.close()


def test_bad_input_is_refused_before_anything_runs(cast: Cast) -> None:
    bob, general = cast.bob, cast.acme.general_id
    assert_error(run(bob, general, "/me", "x" * 8001), 400, "invalid")
    for command in ("deploy now", "/path/to/thing", "/", "", "/" + "x" * 33, "/dé"):
        assert_error(run(bob, general, command), 400, "invalid")
    assert_error(bob.request("POST", f"/channels/{general}/commands", json={"text": "no command"}), 400, "invalid")
    assert_error(bob.request("POST", f"/channels/{general}/commands", json={"command": "/me", "text": None}),
                 400, "invalid")
    # A channel of another workspace is not found, whatever the command.
    for command in ("/me", "/help", "/xyzzy"):
        assert_error(run(cast.olga, general, command, "hello"), 404, "not_found")
    assert_error(run(bob, cast.globex.general_id, "/me", "hello"), 404, "not_found")
    assert_error(run(bob, general, "/me", "hi", thread_root_id=10**12), 404, "thread_not_found")
    # A public channel Bob has not joined: he may read it, not post.
    room = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("unjoined")})
    assert_error(run(bob, room["id"], "/help"), 403, "not_in_channel")


def test_admins_make_and_manage_custom_commands(cast: Cast) -> None:
    alice, bob = cast.alice, cast.bob
    bot = alice.post(f"/workspaces/{cast.acme.id}/bots", {"name": unique("App Bot")})
    name = unique("build")
    made = make_command(alice, cast.acme.id, f"/{name.upper()}", description="Build it", usage_hint="[branch]")
    assert made["name"] == f"/{name}" and made["url"] == "https://commands.example.test/run"
    assert made["workspace_id"] == cast.acme.id and made["app_bot_id"] is None and made["created_by"] == alice.id
    assert len(made["token"]) == 24 and len(made["signing_secret"]) == 32
    assert alice.get(f"/slash-commands/{made['id']}") == made
    assert made["id"] in [c["id"] for c in alice.get(f"/workspaces/{cast.acme.id}/slash-commands")["slash_commands"]]
    # Its answers' author: a bot of its own, named after it.
    members = {m["id"]: m for m in alice.get(f"/workspaces/{cast.acme.id}/members")["members"]}
    assert members[made["bot_id"]]["is_bot"] and members[made["bot_id"]]["display_name"] == f"/{name}"

    # Names: a built-in's or another command's is taken.
    assert_error(alice.request("POST", f"/workspaces/{cast.acme.id}/slash-commands",
                               json={"name": "/help", "url": "https://x.example.test"}), 409, "name_taken")
    assert_error(alice.request("POST", f"/workspaces/{cast.acme.id}/slash-commands",
                               json={"name": name, "url": "https://x.example.test"}), 409, "name_taken")
    for bad in ({"name": "/two words", "url": "https://x.example.test"}, {"name": "/ok", "url": "ftp://x"},
                {"name": "/ok", "url": "https://x.example.test", "description": "x" * 251}):
        assert_error(alice.request("POST", f"/workspaces/{cast.acme.id}/slash-commands", json=bad), 400, "invalid")

    # Changes; its app bot's secret signs it once named.
    renamed = alice.call("PATCH", f"/slash-commands/{made['id']}", {"name": f"/{name}-2", "app_bot_id": bot["id"]})
    assert renamed["name"] == f"/{name}-2" and renamed["app_bot_id"] == bot["id"]
    assert renamed["signing_secret"] == alice.get(f"/bots/{bot['id']}/signing-secret")["signing_secret"]
    assert alice.call("PATCH", f"/slash-commands/{made['id']}", {"app_bot_id": None})["signing_secret"] == \
        made["signing_secret"]
    assert_error(alice.request("PATCH", f"/slash-commands/{made['id']}", json={"name": "/me"}), 409, "name_taken")
    assert_error(alice.request("PATCH", f"/slash-commands/{made['id']}", json={"nope": 1}), 400, "invalid")
    olga_bot = cast.olga.post(f"/workspaces/{cast.globex.id}/bots", {"name": unique("Their Bot")})
    assert_error(alice.request("PATCH", f"/slash-commands/{made['id']}", json={"app_bot_id": olga_bot["id"]}),
                 404, "not_found")
    fresh = alice.post(f"/slash-commands/{made['id']}/token")
    assert fresh["token"] != made["token"] and len(fresh["token"]) == 24

    # Members and guests may not manage them; another workspace does not see them.
    for person, status, code in ((bob, 403, "admin_only"), (cast.gus, 403, "admin_only"),
                                 (cast.olga, 404, "not_found")):
        assert_error(person.request("GET", f"/slash-commands/{made['id']}"), status, code)
        assert_error(person.request("PATCH", f"/slash-commands/{made['id']}", json={"url": "https://e.test"}),
                     status, code)
        assert_error(person.request("POST", f"/slash-commands/{made['id']}/token"), status, code)
        assert_error(person.request("DELETE", f"/slash-commands/{made['id']}"), status, code)
        assert_error(person.request("GET", f"/workspaces/{cast.acme.id}/slash-commands"), status, code)
        assert_error(person.request("POST", f"/workspaces/{cast.acme.id}/slash-commands",
                                    json={"name": "/mine", "url": "https://e.test"}), status, code)

    assert alice.call("DELETE", f"/slash-commands/{made['id']}") == {"ok": True}
    assert_error(alice.request("GET", f"/slash-commands/{made['id']}"), 404, "not_found")
    assert f"/{name}-2" not in [c["name"] for c in bob.get(f"/workspaces/{cast.acme.id}/commands")["commands"]]


def test_the_text_limit_is_the_message_limit_and_space_around_it_goes(cast: Cast) -> None:
    assert ran(cast.bob, cast.acme.general_id, "/me", "y" * 8000)["message"]["body"] == "y" * 8000
    marker = uuid.uuid4().hex
    assert ran(cast.bob, cast.acme.general_id, "/me", f"  {marker}  ")["message"]["body"] == marker
