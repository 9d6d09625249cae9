"""Requests that race: the checks that guard a write must hold when the same write arrives at
two server processes at the same instant (same database: the SQLite file, or PostgreSQL).
Each test repeats its race many times and asserts the invariant after every round."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.helpers import API, assert_error, unique
from tests.support import Person, Server, create_workspace, invite, sign_up, start_server

ROUNDS = 25


@pytest.fixture(scope="session")
def twin(server: Server) -> Iterator[Server]:
    """A second server process on the same database (and queue) as ``server``."""
    env = server.env
    srv = start_server(Path(env["CHAT_INSTANCE_DIR"]), database_url=env.get("DATABASE_URL"),
                       message_queue=env.get("MESSAGE_QUEUE_URL"), queue_channel=env.get("MESSAGE_QUEUE_CHANNEL"))
    yield srv
    srv.stop()


def _at_once(calls: list[tuple[str, str, str, Person | None, Any]]) -> list[requests.Response]:
    """Fire every (server url, method, path, person, json) from its own thread at the same instant."""
    barrier = threading.Barrier(len(calls))
    responses: list[Any] = [None] * len(calls)

    def run(i: int, url: str, method: str, path: str, person: Person | None, body: Any) -> None:
        headers = {"Authorization": f"Bearer {person.token}"} if person else {}
        barrier.wait()
        responses[i] = requests.request(method, url + API + path, json=body, headers=headers, timeout=30)

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return responses


def _owners(person: Person, workspace_id: int) -> list[int]:
    members = person.get(f"/workspaces/{workspace_id}/members")["members"]
    return [m["id"] for m in members if m["role"] == "owner" and m["active"]]


def test_two_owners_stepping_down_at_once_leave_one_owner(server: Server, twin: Server) -> None:
    alice, bob = sign_up(server.url, "Alice"), sign_up(server.url, "Bob")
    for round_ in range(ROUNDS):
        ws = create_workspace(alice, f"Race {round_}")
        invite(alice, ws, bob)
        alice.call("PATCH", f"/workspaces/{ws.id}/members/{bob.id}", {"role": "owner"})
        path = f"/workspaces/{ws.id}/members/"
        if round_ % 2:  # each demotes the other
            calls = [(server.url, "PATCH", path + str(bob.id), alice, {"role": "member"}),
                     (twin.url, "PATCH", path + str(alice.id), bob, {"role": "member"})]
        else:  # each steps down, or deactivates themselves
            calls = [(server.url, "PATCH", path + str(alice.id), alice, {"role": "admin"}),
                     (twin.url, "PATCH", path + str(bob.id), bob, {"active": False})]
        responses = _at_once(calls)
        statuses = sorted(r.status_code for r in responses)
        assert statuses[0] == 200 and statuses[1] in (403, 409), [r.text for r in responses]
        loser = next(r for r in responses if r.status_code != 200)
        assert_error(loser, loser.status_code, "last_owner" if loser.status_code == 409 else "admin_only")
        admin = alice if alice.id in _owners(bob if round_ % 2 else alice, ws.id) else bob
        assert len(_owners(admin, ws.id)) == 1, f"round {round_}"


def test_one_channel_name_created_at_once_makes_one_channel(server: Server, twin: Server) -> None:
    alice, bob = sign_up(server.url, "Alice"), sign_up(server.url, "Bob")
    ws = create_workspace(alice)
    invite(alice, ws, bob)
    for _ in range(ROUNDS):
        name = unique("race")
        calls = [(url, "POST", f"/workspaces/{ws.id}/channels", person, {"name": name})
                 for url in (server.url, twin.url) for person in (alice, bob)]
        responses = _at_once(calls)
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409], [r.text for r in responses]
        for r in responses:
            if r.status_code == 409:
                assert assert_error(r, 409, "name_taken")["field"] == "name"
        browse = alice.get(f"/workspaces/{ws.id}/channels/browse")["channels"]
        assert [c["name"] for c in browse].count(name) == 1


def test_renaming_two_channels_to_one_name_at_once_renames_one(server: Server, twin: Server) -> None:
    alice = sign_up(server.url, "Alice")
    ws = create_workspace(alice)
    for _ in range(ROUNDS):
        first, second = (alice.post(f"/workspaces/{ws.id}/channels", {"name": unique()}) for _ in range(2))
        name = unique("race")
        responses = _at_once([(server.url, "PATCH", f"/channels/{first['id']}", alice, {"name": name}),
                              (twin.url, "PATCH", f"/channels/{second['id']}", alice, {"name": name})])
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        assert_error(next(r for r in responses if r.status_code == 409), 409, "name_taken")


def test_one_email_or_username_signing_up_at_once_makes_one_account(server: Server, twin: Server) -> None:
    for round_ in range(ROUNDS):
        tag = uuid.uuid4().hex[:8]
        if round_ % 2:  # the same email, different usernames
            bodies = [{"email": f"same{tag}@example.test", "username": f"u{i}{tag}"} for i in range(4)]
            code, field = "email_taken", "email"
        else:  # the same username, different emails
            bodies = [{"email": f"e{i}{tag}@example.test", "username": f"same{tag}"} for i in range(4)]
            code, field = "username_taken", "username"
        calls = [(url, "POST", "/auth/signup", None,
                  {**body, "password": "correct horse battery", "display_name": "Racer"})
                 for url, body in zip((server.url, twin.url) * 2, bodies, strict=True)]
        responses = _at_once(calls)
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409], [r.text for r in responses]
        for r in responses:
            if r.status_code == 409:
                assert assert_error(r, 409, code)["field"] == field


def test_joining_and_reacting_twice_at_once_is_harmless(server: Server, twin: Server) -> None:
    alice, bob = sign_up(server.url, "Alice"), sign_up(server.url, "Bob")
    ws = create_workspace(alice)
    invite(alice, ws, bob)
    message = alice.post(f"/channels/{ws.general_id}/messages", {"body": "react to me"})
    for _ in range(ROUNDS):
        channel = alice.post(f"/workspaces/{ws.id}/channels", {"name": unique()})
        emoji = f"e{uuid.uuid4().hex[:6]}"
        responses = _at_once([
            (server.url, "POST", f"/channels/{channel['id']}/join", bob, {}),
            (twin.url, "POST", f"/channels/{channel['id']}/join", bob, {}),
            (server.url, "POST", f"/messages/{message['id']}/reactions", bob, {"emoji": emoji}),
            (twin.url, "POST", f"/messages/{message['id']}/reactions", bob, {"emoji": emoji}),
        ])
        assert [r.status_code for r in responses] == [200, 200, 200, 200], [r.text for r in responses]
        members = alice.get(f"/channels/{channel['id']}/members")["members"]
        assert sorted(m["id"] for m in members) == sorted([alice.id, bob.id])
        reactions = alice.get(f"/messages/{message['id']}")["reactions"]
        assert [r["count"] for r in reactions if r["emoji"] == emoji] == [1]


def test_accepting_one_invite_twice_at_once_adds_one_membership(server: Server, twin: Server) -> None:
    alice = sign_up(server.url, "Alice")
    ws = create_workspace(alice)
    for _ in range(ROUNDS):
        newcomer = sign_up(server.url, "Newcomer")
        code = alice.post(f"/workspaces/{ws.id}/invites", {"role": "member"})["code"]
        responses = _at_once([(server.url, "POST", f"/invites/{code}/accept", newcomer, {}),
                              (twin.url, "POST", f"/invites/{code}/accept", newcomer, {})])
        assert [r.status_code for r in responses] in ([200, 200], [201, 201], [200, 201], [201, 200]), \
            [r.text for r in responses]
        members = alice.get(f"/workspaces/{ws.id}/members")["members"]
        assert [m["id"] for m in members].count(newcomer.id) == 1
