"""Channels and conversations through the REST API."""
from __future__ import annotations

from tests.api.helpers import assert_error, channel_entry, history, send, team, unique
from tests.support import Cast, Server, invite, sign_up


def test_general_exists_everyone_is_in_it_and_stays(cast: Cast) -> None:
    general = cast.bob.get(f"/channels/{cast.acme.general_id}")
    assert (general["name"], general["kind"], general["is_default"], general["joined"]) == \
        ("general", "public", True, True)
    member_ids = {m["id"] for m in cast.alice.get(f"/channels/{cast.acme.general_id}/members")["members"]}
    assert member_ids == {cast.alice.id, cast.bob.id}  # the guest is not put in #general
    assert_error(cast.bob.request("POST", f"/channels/{cast.acme.general_id}/leave"), 403, "default_channel")
    assert_error(cast.alice.request("DELETE", f"/channels/{cast.acme.general_id}/members/{cast.bob.id}"),
                 403, "default_channel")
    assert_error(cast.alice.request("PATCH", f"/channels/{cast.acme.general_id}", json={"archived": True}),
                 403, "default_channel")
    assert_error(cast.alice.request("PATCH", f"/channels/{cast.acme.general_id}", json={"name": "random"}),
                 403, "default_channel")
    assert cast.bob.get(f"/channels/{cast.acme.general_id}")["name"] == "general"


def test_public_channels_can_be_browsed_joined_and_left(cast: Cast) -> None:
    name = unique("plans")
    created = cast.alice.post(f"/workspaces/{cast.acme.id}/channels",
                              {"name": name, "topic": "Q3", "purpose": "planning"}, expect=201)
    assert (created["name"], created["kind"], created["topic"], created["purpose"], created["joined"]) == \
        (name, "public", "Q3", "planning", True)
    browsed = {c["id"]: c for c in cast.bob.get(f"/workspaces/{cast.acme.id}/channels/browse")["channels"]}
    assert browsed[created["id"]]["joined"] is False and browsed[created["id"]]["member_count"] == 1
    # Not joined: readable, not writable.
    first = send(cast.alice, created["id"], "welcome")
    assert [m["id"] for m in history(cast.bob, created["id"])["messages"]] == [first["id"]]
    assert_error(cast.bob.request("POST", f"/channels/{created['id']}/messages", json={"body": "hi"}),
                 403, "not_in_channel")

    joined = cast.bob.post(f"/channels/{created['id']}/join")
    assert joined["joined"] is True and joined["last_read_id"] == first["id"]
    assert cast.bob.post(f"/channels/{created['id']}/join")["joined"] is True  # harmless twice
    assert send(cast.bob, created["id"], "hi")["author"]["id"] == cast.bob.id
    browsed = {c["id"]: c for c in cast.bob.get(f"/workspaces/{cast.acme.id}/channels/browse")["channels"]}
    assert browsed[created["id"]]["joined"] is True and browsed[created["id"]]["member_count"] == 2
    assert channel_entry(cast.bob, cast.acme.id, created["id"]) is not None

    assert cast.bob.post(f"/channels/{created['id']}/leave") == {"ok": True}
    assert channel_entry(cast.bob, cast.acme.id, created["id"]) is None
    assert_error(cast.bob.request("POST", f"/channels/{created['id']}/leave"), 409, "not_in_channel")
    assert_error(cast.bob.request("POST", f"/channels/{created['id']}/messages", json={"body": "hi"}),
                 403, "not_in_channel")


def test_channel_names_are_checked_and_unique(cast: Cast) -> None:
    name = unique("dup")
    assert cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": name.upper()})["name"] == name
    assert_error(cast.bob.request("POST", f"/workspaces/{cast.acme.id}/channels", json={"name": name}),
                 409, "name_taken")
    # The same name is fine in another workspace.
    assert cast.olga.post(f"/workspaces/{cast.globex.id}/channels", {"name": name})["name"] == name
    spaced = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": f"Two Words {name[-4:]}"})
    assert spaced["name"] == f"two-words-{name[-4:]}"
    for bad in ("", "-leading", "has/slash", "x" * 81, 5, "ümlaut"):
        assert_error(cast.alice.request("POST", f"/workspaces/{cast.acme.id}/channels", json={"name": bad}),
                     400, "invalid")
    for field, value in (("private", "yes"), ("topic", "t" * 251), ("broadcast", 1)):
        assert_error(cast.alice.request("POST", f"/workspaces/{cast.acme.id}/channels",
                                        json={"name": unique(), field: value}), 400, "invalid")
    assert_error(cast.bob.request("POST", f"/workspaces/{cast.acme.id}/channels",
                                  json={"name": unique(), "broadcast": True}), 403, "admin_only")


def test_private_channels_are_by_invitation_only(cast: Cast) -> None:
    private = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("secret"), "private": True})
    assert private["kind"] == "private"
    secret = send(cast.bob, private["id"], "just us")
    # Not even the owner of the workspace sees it uninvited.
    for path in (f"/channels/{private['id']}", f"/channels/{private['id']}/messages",
                 f"/channels/{private['id']}/members", f"/messages/{secret['id']}"):
        assert_error(cast.alice.request("GET", path), 404, "not_found")
    assert_error(cast.alice.request("POST", f"/channels/{private['id']}/join"), 404, "not_found")
    browsed = cast.alice.get(f"/workspaces/{cast.acme.id}/channels/browse")["channels"]
    assert private["id"] not in [c["id"] for c in browsed]

    cast.bob.post(f"/channels/{private['id']}/members", {"user_id": cast.alice.id})
    assert [m["id"] for m in history(cast.alice, private["id"])["messages"]] == [secret["id"]]
    assert {m["id"] for m in cast.alice.get(f"/channels/{private['id']}/members")["members"]} == \
        {cast.alice.id, cast.bob.id}
    # Only people of the same workspace can be added.
    assert_error(cast.bob.request("POST", f"/channels/{private['id']}/members", json={"user_id": cast.olga.id}),
                 404, "not_found")
    # The creator may remove people; a removed person loses access at once.
    assert cast.bob.call("DELETE", f"/channels/{private['id']}/members/{cast.alice.id}") == {"ok": True}
    assert_error(cast.alice.request("GET", f"/channels/{private['id']}/messages"), 404, "not_found")


def test_direct_and_group_conversations_are_reused(cast: Cast) -> None:
    ws = cast.acme.id
    dm = cast.alice.post(f"/workspaces/{ws}/direct", {"user_ids": [cast.bob.id]})
    assert dm["kind"] == "dm" and dm["name"] is None
    again = cast.bob.post(f"/workspaces/{ws}/direct", {"user_ids": [cast.alice.id, cast.alice.id]})
    assert again["id"] == dm["id"]
    group = cast.alice.post(f"/workspaces/{ws}/direct", {"user_ids": [cast.bob.id, cast.gus.id]})
    assert group["kind"] == "group" and group["id"] != dm["id"]
    assert cast.gus.post(f"/workspaces/{ws}/direct", {"user_ids": [cast.bob.id, cast.alice.id]})["id"] == group["id"]
    note = cast.alice.post(f"/workspaces/{ws}/direct", {"user_ids": [cast.alice.id]})
    assert note["kind"] == "dm" and note["id"] not in (dm["id"], group["id"])

    listed = channel_entry(cast.alice, ws, group["id"])
    assert sorted(m["id"] for m in listed["members"]) == sorted([cast.alice.id, cast.bob.id, cast.gus.id])
    # Conversations have no settings, no leaving, no adding people.
    assert_error(cast.alice.request("PATCH", f"/channels/{dm['id']}", json={"topic": "x", "name": "x"}),
                 403, "direct_channel")
    assert_error(cast.alice.request("POST", f"/channels/{dm['id']}/leave"), 403, "direct_channel")
    assert_error(cast.alice.request("POST", f"/channels/{dm['id']}/members", json={"user_id": cast.gus.id}),
                 403, "direct_channel")
    # A third party sees none of it; outsiders and bad lists are refused.
    said = send(cast.alice, dm["id"], "between us")
    assert_error(cast.gus.request("GET", f"/messages/{said['id']}"), 404, "not_found")
    assert_error(cast.alice.request("POST", f"/workspaces/{ws}/direct", json={"user_ids": [cast.olga.id]}),
                 404, "not_found")
    for bad in ([], "1", [0], ["x"], list(range(1, 11))):
        assert_error(cast.alice.request("POST", f"/workspaces/{ws}/direct", json={"user_ids": bad}), 400, "invalid")


def test_broadcast_channels_are_written_by_admins_and_named_posters(server: Server) -> None:
    owner, ws, (poster, reader), _ = team(server.url, members=2)
    news = owner.post(f"/workspaces/{ws.id}/channels", {"name": unique("news"), "broadcast": True})
    assert news["broadcast"] is True
    for person in (poster, reader):
        person.post(f"/channels/{news['id']}/join")
    assert send(owner, news["id"], "announcement")["id"]
    assert_error(reader.request("POST", f"/channels/{news['id']}/messages", json={"body": "me too"}),
                 403, "broadcast_only")
    # Only admins name posters.
    assert_error(reader.request("POST", f"/channels/{news['id']}/members",
                                json={"user_id": reader.id, "can_post": True}), 403, "admin_only")
    named = owner.post(f"/channels/{news['id']}/members", {"user_id": poster.id, "can_post": True})
    assert named == {"channel_id": news["id"], "user_id": poster.id, "can_post": True}
    assert send(poster, news["id"], "from a named poster")["author"]["id"] == poster.id
    assert_error(reader.request("POST", f"/channels/{news['id']}/messages", json={"body": "me too"}),
                 403, "broadcast_only")
    bodies = [m["body"] for m in history(reader, news["id"])["messages"]]
    assert bodies == ["announcement", "from a named poster"]
    # Everyone still reads and reacts.
    assert reader.post(f"/messages/{history(reader, news['id'])['messages'][0]['id']}/reactions",
                       {"emoji": "tada"})["reactions"][0]["user_ids"] == [reader.id]
    # Admins can turn broadcast off; then members write.
    assert_error(poster.request("PATCH", f"/channels/{news['id']}", json={"broadcast": False}),
                 403, "not_channel_manager")
    assert owner.call("PATCH", f"/channels/{news['id']}", {"broadcast": False})["broadcast"] is False
    assert send(reader, news["id"], "now I can")["body"] == "now I can"


def test_topic_is_anyones_other_settings_are_the_managers(cast: Cast) -> None:
    channel = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("topics")})
    cast.alice.post(f"/channels/{channel['id']}/join")
    outsider = sign_up(cast.server_url)  # no relation to acme
    # A member sets the topic; the creator (Bob, not an admin) changes purpose and name.
    assert cast.alice.call("PATCH", f"/channels/{channel['id']}", {"topic": "  new topic  "})["topic"] == "new topic"
    renamed = unique("renamed")
    updated = cast.bob.call("PATCH", f"/channels/{channel['id']}", {"purpose": "why", "name": renamed})
    assert (updated["purpose"], updated["name"], updated["topic"]) == ("why", renamed, "new topic")
    assert cast.bob.get(f"/channels/{channel['id']}")["name"] == renamed
    # Someone who has not joined may not set the topic; a plain member may not touch the rest.
    stranger = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("by-alice")})
    assert_error(cast.bob.request("PATCH", f"/channels/{stranger['id']}", json={"topic": "mine"}),
                 403, "not_channel_manager")
    cast.bob.post(f"/channels/{stranger['id']}/join")
    assert_error(cast.bob.request("PATCH", f"/channels/{stranger['id']}", json={"purpose": "mine"}),
                 403, "not_channel_manager")
    for bad, code in (({"colour": "red"}, "invalid"), ({}, "invalid"), ({"topic": "t" * 251}, "invalid"),
                      ({"archived": "yes"}, "invalid")):
        assert_error(cast.bob.request("PATCH", f"/channels/{channel['id']}", json=bad), 400, code)
    assert_error(outsider.request("PATCH", f"/channels/{channel['id']}", json={"topic": "x"}), 404, "not_found")
    assert cast.bob.get(f"/channels/{channel['id']}")["topic"] == "new topic"


def test_archived_channels_are_readable_but_not_writable_until_unarchived(cast: Cast) -> None:
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("old")})
    cast.bob.post(f"/channels/{channel['id']}/join")
    kept = send(cast.bob, channel["id"], "keep me")
    assert_error(cast.bob.request("PATCH", f"/channels/{channel['id']}", json={"archived": True}),
                 403, "not_channel_manager")
    archived = cast.alice.call("PATCH", f"/channels/{channel['id']}", {"archived": True})
    assert archived["archived"] is True
    # Still readable ...
    assert [m["id"] for m in history(cast.bob, channel["id"])["messages"]] == [kept["id"]]
    assert cast.bob.get(f"/messages/{kept['id']}")["body"] == "keep me"
    # ... but nothing can be written, not even by the owner.
    alice, bob = cast.alice, cast.bob
    for person, method, path, body in [
        (bob, "POST", f"/channels/{channel['id']}/messages", {"body": "hello?"}),
        (alice, "POST", f"/channels/{channel['id']}/messages", {"body": "hello?"}),
        (bob, "PATCH", f"/messages/{kept['id']}", {"body": "changed"}),
        (bob, "POST", f"/messages/{kept['id']}/reactions", {"emoji": "eyes"}),
        (alice, "PUT", f"/messages/{kept['id']}/pin", None),
        (alice, "PATCH", f"/channels/{channel['id']}", {"topic": "new"}),
        (alice, "POST", f"/channels/{channel['id']}/members", {"user_id": cast.gus.id}),
    ]:
        assert_error(person.request(method, path, json=body), 403, "channel_archived")
    late = sign_up(cast.server_url)
    invite(cast.alice, cast.acme, late)
    assert_error(late.request("POST", f"/channels/{channel['id']}/join"), 403, "channel_archived")
    unchanged = cast.bob.get(f"/messages/{kept['id']}")
    assert (unchanged["body"], unchanged["reactions"], unchanged["pinned"]) == ("keep me", [], False)
    assert len(history(cast.bob, channel["id"])["messages"]) == 1
    assert cast.bob.get(f"/channels/{channel['id']}")["topic"] == ""

    assert cast.alice.call("PATCH", f"/channels/{channel['id']}", {"archived": False})["archived"] is False
    assert send(cast.bob, channel["id"], "alive again")["body"] == "alive again"
    assert late.post(f"/channels/{channel['id']}/join")["joined"] is True
