"""Workspaces through the REST API: creation, roles, deactivation and invite links."""
from __future__ import annotations

import datetime as dt

import pytest
import requests

from tests.api.helpers import API, Browser, assert_error, expire_invite, send, team, unique
from tests.support import Cast, Server, SocketClient, barrier, create_workspace, invite, sign_up


def _member(person, workspace_id: int, user_id: int) -> dict:
    members = person.get(f"/workspaces/{workspace_id}/members?include_inactive=1")["members"]
    return next(m for m in members if m["id"] == user_id)


def _patch_member(actor, workspace_id: int, user_id: int, changes: dict) -> requests.Response:
    return actor.request("PATCH", f"/workspaces/{workspace_id}/members/{user_id}", json=changes)


def test_a_new_workspace_has_its_creator_as_owner_and_a_general_channel(server: Server) -> None:
    owner = sign_up(server.url)
    created = owner.post("/workspaces", {"name": "  Initech  "}, expect=201)
    assert created["name"] == "Initech" and created["role"] == "owner"
    listed = owner.get("/workspaces")["workspaces"]
    assert [(w["id"], w["role"], w["unread_count"], w["mention_count"]) for w in listed] == \
        [(created["id"], "owner", 0, 0)]
    channels = owner.get(f"/workspaces/{created['id']}/channels")["channels"]
    assert [(c["name"], c["kind"], c["is_default"]) for c in channels] == [("general", "public", True)]
    members = owner.get(f"/workspaces/{created['id']}/members")["members"]
    assert [(m["id"], m["role"], m["active"]) for m in members] == [(owner.id, "owner", True)]
    for bad in ("", "   ", "x" * 81, 7, None):
        assert_error(owner.request("POST", "/workspaces", json={"name": bad}), 400, "invalid")
    assert len(owner.get("/workspaces")["workspaces"]) == 1


def test_renaming_is_for_admins(cast: Cast) -> None:
    assert_error(cast.bob.request("PATCH", f"/workspaces/{cast.acme.id}", json={"name": "Bob's"}), 403, "admin_only")
    renamed = cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"name": "Acme Corp"})
    assert renamed["name"] == "Acme Corp"
    assert cast.bob.get(f"/workspaces/{cast.acme.id}")["name"] == "Acme Corp"


def test_members_list_shows_roles_of_the_cast(cast: Cast) -> None:
    members = {m["id"]: m["role"] for m in cast.bob.get(f"/workspaces/{cast.acme.id}/members")["members"]}
    assert members == {cast.alice.id: "owner", cast.bob.id: "member", cast.gus.id: "guest"}
    assert cast.bob.get(f"/workspaces/{cast.acme.id}")["role"] == "member"
    assert cast.gus.get(f"/workspaces/{cast.acme.id}")["role"] == "guest"


def test_role_changes_follow_the_hierarchy(server: Server) -> None:
    owner, ws, (adam, mia), _ = team(server.url, members=2)
    # Members manage nobody.
    assert_error(_patch_member(mia, ws.id, adam.id, {"role": "guest"}), 403, "admin_only")
    # The owner makes Adam an admin.
    assert owner.call("PATCH", f"/workspaces/{ws.id}/members/{adam.id}", {"role": "admin"})["role"] == "admin"
    # An admin manages members and guests ...
    assert adam.call("PATCH", f"/workspaces/{ws.id}/members/{mia.id}", {"role": "guest"})["role"] == "guest"
    assert adam.call("PATCH", f"/workspaces/{ws.id}/members/{mia.id}", {"role": "member"})["role"] == "member"
    # ... but never grants or removes admin or owner.
    assert_error(_patch_member(adam, ws.id, mia.id, {"role": "admin"}), 403, "owner_only")
    assert_error(_patch_member(adam, ws.id, owner.id, {"role": "member"}), 403, "owner_only")
    assert_error(_patch_member(adam, ws.id, owner.id, {"active": False}), 403, "owner_only")
    assert _member(owner, ws.id, mia.id)["role"] == "member"
    assert _member(owner, ws.id, owner.id)["role"] == "owner"
    # Bad input changes nothing.
    for changes, code in [({"role": "emperor"}, "invalid"), ({}, "invalid"), ({"nickname": "x"}, "invalid"),
                          ({"active": "no"}, "invalid")]:
        assert_error(_patch_member(owner, ws.id, mia.id, changes), 400, code)
    assert_error(_patch_member(owner, ws.id, 2**40, {"role": "member"}), 404, "not_found")
    assert _member(owner, ws.id, mia.id)["role"] == "member"


def test_a_workspace_always_keeps_an_active_owner(server: Server) -> None:
    owner, ws, (heir,), _ = team(server.url)
    assert_error(_patch_member(owner, ws.id, owner.id, {"role": "admin"}), 409, "last_owner")
    assert_error(_patch_member(owner, ws.id, owner.id, {"active": False}), 409, "last_owner")
    assert _member(owner, ws.id, owner.id)["role"] == "owner"
    # With a second owner, the first may step down.
    assert owner.call("PATCH", f"/workspaces/{ws.id}/members/{heir.id}", {"role": "owner"})["role"] == "owner"
    assert owner.call("PATCH", f"/workspaces/{ws.id}/members/{owner.id}", {"role": "member"})["role"] == "member"
    assert_error(_patch_member(heir, ws.id, heir.id, {"role": "member"}), 409, "last_owner")
    assert_error(_patch_member(owner, ws.id, heir.id, {"role": "member"}), 403, "admin_only")


def test_deactivation_stops_sessions_tokens_and_sockets_at_once(server: Server) -> None:
    owner, ws, (leaver,), _ = team(server.url)
    elsewhere = create_workspace(leaver, "Leaver's own")
    general = owner.get(f"/workspaces/{ws.id}/channels")["channels"][0]["id"]
    browser = Browser(server.url, leaver.email)
    assert browser.request("GET", f"/channels/{general}/messages").status_code == 200
    socket = leaver.socket()
    try:
        deactivated = owner.call("PATCH", f"/workspaces/{ws.id}/members/{leaver.id}", {"active": False})
        assert deactivated["active"] is False
        socket.wait_for("disconnect")
        # Token and cookie session alike: the workspace is gone for them, nothing else is.
        for request in (leaver.request, browser.request):
            assert_error(request("GET", f"/workspaces/{ws.id}"), 404, "not_found")
            assert_error(request("GET", f"/channels/{general}/messages"), 404, "not_found")
            assert_error(request("POST", f"/channels/{general}/messages", json={"body": "hi"}), 404, "not_found")
        assert [w["id"] for w in leaver.get("/workspaces")["workspaces"]] == [elsewhere.id]
        # Deactivated members disappear from the list, except for admins who ask for them.
        assert leaver.id not in [m["id"] for m in owner.get(f"/workspaces/{ws.id}/members")["members"]]
        assert _member(owner, ws.id, leaver.id)["active"] is False
        # A fresh invite link does not let them back in.
        code = owner.post(f"/workspaces/{ws.id}/invites")["code"]
        assert_error(leaver.request("POST", f"/invites/{code}/accept"), 403, "deactivated")
        # A new socket gets nothing from the workspace.
        again = leaver.socket()
        try:
            assert again.call("message.send", {"channel_id": general, "body": "back?"})["error"]["code"] == "not_found"
            # Reactivation restores access, and the open socket hears about it at once.
            watcher = owner.socket()
            try:
                owner.call("PATCH", f"/workspaces/{ws.id}/members/{leaver.id}", {"active": True})
                joined = again.wait_for("workspace.joined")
                assert (joined["data"]["id"], joined["channel_id"]) == (ws.id, None)
                updated = watcher.wait_for("workspace.member_updated", lambda d: d["id"] == leaver.id and d["active"])
                assert updated["workspace_id"] == ws.id
            finally:
                watcher.close()
            assert leaver.get(f"/workspaces/{ws.id}")["role"] == "member"
            assert send(leaver, general, "I'm back")["author"]["id"] == leaver.id
            assert again.wait_for("message.created", lambda e: e["data"]["body"] == "I'm back")
        finally:
            again.close()
    finally:
        socket.close()


def test_invites_carry_a_role_and_can_be_listed_and_revoked(server: Server) -> None:
    owner, ws, (member,), _ = team(server.url)
    made = owner.post(f"/workspaces/{ws.id}/invites", {"role": "admin", "expires_in_hours": 2}, expect=201)
    assert made["role"] == "admin" and made["uses"] == 0 and made["revoked"] is False
    expires = dt.datetime.fromisoformat(made["expires_at"].rstrip("Z"))
    created = dt.datetime.fromisoformat(made["created_at"].rstrip("Z"))
    assert dt.timedelta(hours=1, minutes=59) < expires - created < dt.timedelta(hours=2, minutes=1)
    preview = requests.get(f"{server.url}{API}/invites/{made['code']}", timeout=20).json()
    assert preview["workspace"] == {"id": ws.id, "name": "Team"} and preview["role"] == "admin"
    assert made["id"] in [i["id"] for i in owner.get(f"/workspaces/{ws.id}/invites")["invites"]]

    # Only admins deal with invites, and not with owner invites or silly expiries.
    assert_error(member.request("POST", f"/workspaces/{ws.id}/invites", json={}), 403, "admin_only")
    assert_error(member.request("GET", f"/workspaces/{ws.id}/invites"), 403, "admin_only")
    assert_error(member.request("DELETE", f"/workspaces/{ws.id}/invites/{made['id']}"), 403, "admin_only")
    for bad in ({"role": "owner"}, {"role": "king"}, {"expires_in_hours": 0}, {"expires_in_hours": 721},
                {"expires_in_hours": "24"}, {"expires_in_hours": True}):
        assert_error(owner.request("POST", f"/workspaces/{ws.id}/invites", json=bad), 400, "invalid")

    newcomer = sign_up(server.url)
    accepted = newcomer.post(f"/invites/{made['code']}/accept")
    assert accepted["id"] == ws.id and accepted["role"] == "admin"
    # Accepting twice is harmless and keeps the role.
    assert newcomer.post(f"/invites/{made['code']}/accept")["role"] == "admin"

    revoked = owner.call("DELETE", f"/workspaces/{ws.id}/invites/{made['id']}")
    assert revoked["revoked"] is True and revoked["uses"] >= 1
    assert made["id"] not in [i["id"] for i in owner.get(f"/workspaces/{ws.id}/invites")["invites"]]
    late = sign_up(server.url)
    assert_error(late.request("POST", f"/invites/{made['code']}/accept"), 404, "invite_invalid")
    assert_error(requests.get(f"{server.url}{API}/invites/{made['code']}", timeout=20), 404, "invite_invalid")
    assert_error(late.request("GET", f"/workspaces/{ws.id}"), 404, "not_found")
    assert_error(owner.request("DELETE", f"/workspaces/{ws.id}/invites/{2**40}"), 404, "not_found")


def test_expired_invites_are_refused(server: Server) -> None:
    owner, ws, _, _ = team(server.url, members=0)
    code = owner.post(f"/workspaces/{ws.id}/invites", {"expires_in_hours": 1})["code"]
    expire_invite(server, code)
    newcomer = sign_up(server.url)
    assert_error(newcomer.request("POST", f"/invites/{code}/accept"), 404, "invite_invalid")
    assert_error(requests.get(f"{server.url}{API}/invites/{code}", timeout=20), 404, "invite_invalid")
    assert owner.get(f"/workspaces/{ws.id}/invites")["invites"] == []
    assert newcomer.get("/workspaces")["workspaces"] == []
    assert_error(requests.get(f"{server.url}{API}/invites/{'x' * 65}", timeout=20), 404, "not_found")


def test_members_join_general_but_guests_see_only_what_they_are_invited_to(cast: Cast) -> None:
    acme, general = cast.acme, cast.acme.general_id
    public = cast.alice.post(f"/workspaces/{acme.id}/channels", {"name": unique("public")})
    private = cast.alice.post(f"/workspaces/{acme.id}/channels", {"name": unique("private"), "private": True})
    # Bob, a member, is in #general and can browse the public channel.
    assert [c["id"] for c in cast.bob.get(f"/workspaces/{acme.id}/channels")["channels"]] == [general]
    browsed = cast.bob.get(f"/workspaces/{acme.id}/channels/browse")["channels"]
    assert {public["id"], general} <= {c["id"] for c in browsed}
    # Gus, a guest, sees nothing until invited; not even #general.
    assert cast.gus.get(f"/workspaces/{acme.id}/channels")["channels"] == []
    assert cast.gus.get(f"/workspaces/{acme.id}/channels/browse")["channels"] == []
    for channel_id in (general, public["id"], private["id"]):
        assert_error(cast.gus.request("GET", f"/channels/{channel_id}/messages"), 404, "not_found")
        assert_error(cast.gus.request("POST", f"/channels/{channel_id}/join"), 404, "not_found")
    assert_error(cast.gus.request("POST", f"/workspaces/{acme.id}/channels", json={"name": unique()}), 403, "guest")

    cast.alice.post(f"/channels/{private['id']}/members", {"user_id": cast.gus.id})
    cast.alice.post(f"/channels/{public['id']}/members", {"user_id": cast.gus.id})
    mine = {c["id"] for c in cast.gus.get(f"/workspaces/{acme.id}/channels")["channels"]}
    assert mine == {private["id"], public["id"]}
    assert [c["id"] for c in cast.gus.get(f"/workspaces/{acme.id}/channels/browse")["channels"]] == [public["id"]]
    sent = send(cast.alice, private["id"], "for guests too")
    assert cast.gus.get(f"/channels/{private['id']}/messages")["messages"][-1]["id"] == sent["id"]
    assert_error(cast.gus.request("GET", f"/channels/{general}/messages"), 404, "not_found")


@pytest.mark.parametrize("role", ["member", "guest"])
def test_accepting_an_invite_announces_the_workspace(server: Server, role: str) -> None:
    owner, ws, _, _ = team(server.url, members=0)
    newcomer = sign_up(server.url)
    cursor = newcomer.get("/events/head")["cursor"]
    invite(owner, ws, newcomer, role)
    events = newcomer.get(f"/events?since={cursor}")["events"]
    joined = [e for e in events if e["type"] == "workspace.joined"]
    assert [(e["workspace_id"], e["data"]["id"]) for e in joined] == [(ws.id, ws.id)]
    in_general = [e for e in events if e["type"] == "channel.member_added" and e["channel_id"] == ws.general_id]
    assert len(in_general) == (1 if role == "member" else 0)


def test_socket_of_a_member_whose_role_changes_is_reconnected_to_fewer_rooms(server: Server) -> None:
    owner, ws, (demoted,), _ = team(server.url)
    socket = demoted.socket()
    try:
        owner.call("PATCH", f"/workspaces/{ws.id}/members/{demoted.id}", {"role": "guest"})
        socket.wait_for("disconnect")
    finally:
        socket.close()
    # A guest stays in the channels they already joined (#general here) but can no longer browse others.
    public = owner.post(f"/workspaces/{ws.id}/channels", {"name": unique()})
    assert_error(demoted.request("GET", f"/channels/{public['id']}"), 404, "not_found")
    again = SocketClient.connect(server.url, demoted.token)
    try:
        sent = send(owner, public["id"], "not for guests")
        assert "data" in again.call("sync", {"since": 0})
        assert all(e["data"].get("id") != sent["id"] for e in again.call("sync", {"since": 0})["data"]["events"])
    finally:
        again.close()


def test_guests_hear_nothing_of_public_channels_they_are_not_in(cast: Cast) -> None:
    gus, bob = cast.gus.socket(), cast.bob.socket()
    try:
        name = unique("plans")
        created = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": name, "topic": "quiet"})
        cast.alice.call("PATCH", f"/channels/{created['id']}", {"topic": "still quiet"})
        # Members hear of the new channel and its change even before joining ...
        assert bob.wait_for("channel.created", lambda e: e["data"]["id"] == created["id"])["data"]["name"] == name
        bob.wait_for("channel.updated", lambda e: e["data"]["id"] == created["id"])
        # ... the guest, who gets 404 for it over REST, hears nothing (in his note to himself, a
        # later event proves that all earlier ones have reached him).
        note = cast.gus.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [cast.gus.id]})["id"]
        barrier(gus, cast.gus, note)
        assert_error(cast.gus.request("GET", f"/channels/{created['id']}"), 404, "not_found")
        assert [e for e, d in gus.received if e.startswith("channel.") and d.get("channel_id") != note] == []
        assert name not in str(gus.received)
    finally:
        gus.close()
        bob.close()
