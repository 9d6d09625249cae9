"""Nothing crosses workspaces. Olga owns Globex and is not in Acme: every REST route that takes
an id, called with Acme's ids, answers 404 in the error shape and changes nothing; every list she
can read is free of Acme; every socket event aimed at Acme is refused and no Acme event reaches
her socket.

The route table is built from the app's own url_map, so a new route is covered the day it is
added, and a route whose parameters this file cannot fill fails ``test_every_route_parameter_can_be_filled``
until someone says here what Acme's value for it is.
"""
from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.api.helpers import API, assert_error, history, record_delivery, send, unique
from tests.support import Cast, Server, barrier

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Route parameters the sweep knows how to fill with something of Acme's (see ``acme_values``).
KNOWN_PARAMETERS = {"workspace_id", "channel_id", "message_id", "user_id", "token_id", "invite_id", "code", "emoji",
                    "file_id", "bot_id", "webhook_id", "command_id", "delivery_id", "ticket", "outgoing_webhook_id"}
# Route parameters that name nothing of any workspace, so there is nothing of Acme's to try: the
# image proxy's signed URL of a public image (GET /images/<signature>/<url>), which anyone signed
# in who was shown the path may load (docs/integrations.md).
NO_WORKSPACE_PARAMETERS = {"signature", "url"}
# Socket events and the Acme-targeting payloads Olga sends (see ``socket_payloads``).
KNOWN_SOCKET_EVENTS = {"message.send", "message.edit", "message.delete", "reaction.add", "reaction.remove",
                       "channel.read", "typing.start", "presence.set", "sync"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The app as the server builds it; only its url_map and socket handlers are used."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CHAT_INSTANCE_DIR", str(tmp_path_factory.mktemp("isolation-app")))
    mp.setenv("CHAT_ASYNC_MODE", "threading")
    for name in ("DATABASE_URL", "MESSAGE_QUEUE_URL"):
        mp.delenv(name, raising=False)
    from chat import create_app

    try:
        yield create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    finally:
        mp.undo()


# Requests whose valid form is not a JSON body: endpoint -> requests keyword arguments, so that
# only access decides the answer. Query strings for GET routes that need them go here too.
REQUEST_OVERRIDES: dict[str, dict[str, Any]] = {
    "api.upload_files": {"files": {"file": ("note.txt", b"olga was here", "text/plain")}},
    "api.receive_upload": {"data": b"olga was here"},
}
QUERY_STRINGS: dict[str, str] = {
    "api.events_since": "?since=0&limit=1000",
    "api.search_files": "?q=globex",
}


def api_rules(app) -> list[tuple[str, str, tuple[str, ...], str]]:  # type: ignore[no-untyped-def]
    """(method, rule, parameter names, endpoint) for every /api/v1 route and method."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/"):
            for method in sorted(set(rule.methods or ()) - IGNORED_METHODS):
                out.append((method, rule.rule, tuple(sorted(rule.arguments)), rule.endpoint))
    return sorted(out, key=lambda r: (r[1], r[0]))


def fill(rule: str, values: dict[str, Any]) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule).removeprefix(API)


@dataclass
class Acme:
    """Things of Acme's that Olga must never reach, and markers that must never reach her."""

    general: int
    private: int
    dm: int
    general_message: int
    private_message: int
    reply: int
    token_id: int
    invite_id: int
    invite_code: str
    revoked_code: str
    markers: list[str]
    bot_id: int = 0
    webhook_id: int = 0
    command_id: int = 0
    delivery_id: int = 0
    outgoing_webhook_id: int = 0
    general_file: str = ""
    private_file: str = ""
    unsent_file: str = ""
    altered_ticket: str = ""


def make_acme(cast: Cast, server: Server) -> Acme:
    alice, bob = cast.alice, cast.bob
    secret = f"acme-secret-{uuid.uuid4().hex}"
    private = alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("acme-private"), "private": True,
                                                                   "topic": secret})
    alice.post(f"/channels/{private['id']}/members", {"user_id": bob.id})
    dm = alice.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [bob.id]})
    general_message = send(alice, cast.acme.general_id, f"{secret} in general")
    private_message = send(alice, private["id"], f"{secret} in private @{bob.username}")
    reply = send(bob, cast.acme.general_id, f"{secret} reply", thread_root_id=general_message["id"])
    send(alice, dm["id"], f"{secret} direct")
    bob.post(f"/messages/{general_message['id']}/reactions", {"emoji": "eyes"})
    alice.call("PUT", f"/messages/{general_message['id']}/pin")
    token = alice.post("/tokens", {"name": "acme script"})
    bot = alice.post(f"/workspaces/{cast.acme.id}/bots", {"name": "Acme Bot", "description": secret})
    bot_token = alice.post(f"/bots/{bot['id']}/tokens", {"name": "acme bot"})
    signing_secret = alice.get(f"/bots/{bot['id']}/signing-secret")["signing_secret"]
    webhook = alice.post(f"/workspaces/{cast.acme.id}/webhooks", {"channel_id": private["id"], "name": "Acme Hook"})
    command = alice.post(f"/workspaces/{cast.acme.id}/slash-commands",
                         {"name": f"/{unique('acme')}", "url": "https://acme.example.test/commands",
                          "description": secret})
    outgoing = alice.post(f"/workspaces/{cast.acme.id}/outgoing-webhooks", {
        "name": "Acme Out", "channel_ids": [private["id"]], "callback_urls": ["https://acme.example.test/hook"],
        "description": secret})
    invite = alice.post(f"/workspaces/{cast.acme.id}/invites", {"role": "member"})
    delivery_id = record_delivery(server, cast.acme.id, integration_id=bot["id"],
                                  url=f"https://bot.example.test/{secret}")
    revoked = alice.post(f"/workspaces/{cast.acme.id}/invites", {"role": "admin"})
    alice.call("DELETE", f"/workspaces/{cast.acme.id}/invites/{revoked['id']}")
    # Files: shared in general, shared in private, and one uploaded but not sent yet. Plain text,
    # so no preview changes them while the sweep runs.
    files = {}
    for where, channel in (("general", cast.acme.general_id), ("private", private["id"]), ("unsent", private["id"])):
        r = alice.request("POST", f"/channels/{channel}/files",
                          files=[("file", (f"{secret}-{where}.txt", f"{secret} {where}".encode()))])
        assert r.status_code == 201, r.text
        files[where] = r.json()["files"][0]["id"]
        if where != "unsent":
            alice.post(f"/channels/{channel}/messages", {"body": f"{secret} file", "file_ids": [files[where]]})
    # An upload URL of Acme's bot, for a file of the same length as Olga's body. The URL is its own
    # credential, which Olga does not hold: she tries it altered (one character of its signature).
    got = requests.post(f"{cast.server_url}/api/files.getUploadURLExternal", timeout=20,
                        data={"filename": "acme.txt", "length": len(b"olga was here")},
                        headers={"Authorization": f"Bearer {bot_token['token']}"}).json()
    ticket = got["upload_url"].rsplit("/", 1)[1]
    altered = ticket[:-1] + ("A" if ticket[-1] != "A" else "B")
    return Acme(cast.acme.general_id, private["id"], dm["id"], general_message["id"], private_message["id"],
                reply["id"], token["id"], invite["id"], invite["code"], revoked["code"],
                markers=[secret, alice.username, bob.username, cast.gus.username, private["name"],
                         invite["code"], token["prefix"], bot["username"], bot_token["prefix"], signing_secret,
                         webhook["url"].rsplit("/", 1)[1], command["token"], command["signing_secret"],
                         command["name"], outgoing["token"]],
                bot_id=bot["id"], webhook_id=webhook["id"], command_id=command["id"], delivery_id=delivery_id,
                outgoing_webhook_id=outgoing["id"],
                general_file=files["general"],
                private_file=files["private"],
                unsent_file=files["unsent"], altered_ticket=altered)


def acme_values(cast: Cast, acme: Acme) -> list[dict[str, Any]]:
    """Sets of parameter values, each naming Acme's things; every route is tried with each set."""
    base = {"workspace_id": cast.acme.id, "user_id": cast.bob.id, "token_id": acme.token_id, "bot_id": acme.bot_id,
            "webhook_id": acme.webhook_id, "command_id": acme.command_id, "delivery_id": acme.delivery_id,
            "outgoing_webhook_id": acme.outgoing_webhook_id, "invite_id": acme.invite_id,
            "emoji": "eyes",
            # An invite code is a capability: whoever holds a live one may join. Olga holds none,
            # so she tries the one she might have seen in an old link: a revoked one.
            "code": acme.revoked_code, "ticket": acme.altered_ticket}
    return [
        {**base, "channel_id": acme.general, "message_id": acme.general_message, "file_id": acme.general_file},
        {**base, "channel_id": acme.private, "message_id": acme.private_message, "file_id": acme.private_file},
        {**base, "channel_id": acme.dm, "message_id": acme.reply, "user_id": cast.alice.id,
         "file_id": acme.unsent_file},
    ]


def write_body(cast: Cast, acme: Acme) -> dict[str, Any]:
    """A body every write route would accept, so that only access decides the answer."""
    return {"body": "olga was here", "emoji": "eyes", "message_id": acme.general_message, "user_id": cast.olga.id,
            "user_ids": [cast.bob.id], "name": unique("olga"), "role": "member", "topic": "olga's topic",
            "channel_id": acme.general, "command": "/help", "url": "https://olga.example.test/commands",
            "callback_urls": ["https://olga.example.test/hook"], "trigger_words": ["olga"]}


def socket_payloads(cast: Cast, acme: Acme) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("message.send", {"channel_id": acme.general, "body": "hi"}),
        ("message.send", {"channel_id": acme.private, "body": "hi", "client_msg_id": uuid.uuid4().hex}),
        ("message.send", {"channel_id": acme.dm, "body": "hi"}),
        ("message.edit", {"message_id": acme.general_message, "body": "x"}),
        ("message.edit", {"message_id": acme.private_message, "body": "x"}),
        ("message.delete", {"message_id": acme.general_message}),
        ("message.delete", {"message_id": acme.reply}),
        ("reaction.add", {"message_id": acme.general_message, "emoji": "eyes"}),
        ("reaction.remove", {"message_id": acme.general_message, "emoji": "eyes"}),
        ("channel.read", {"channel_id": acme.general, "message_id": acme.general_message}),
        ("channel.read", {"channel_id": acme.private, "message_id": acme.private_message}),
        ("typing.start", {"channel_id": acme.general}),
        ("typing.start", {"channel_id": acme.dm}),
    ]


def acme_state(cast: Cast, acme: Acme) -> Any:
    """Everything Olga's attempts could have changed, as Alice sees it."""
    alice = cast.alice
    return {
        "workspace": alice.get(f"/workspaces/{cast.acme.id}"),
        "members": alice.get(f"/workspaces/{cast.acme.id}/members?include_inactive=1"),
        "channels": alice.get(f"/workspaces/{cast.acme.id}/channels"),
        "browse": alice.get(f"/workspaces/{cast.acme.id}/channels/browse"),
        "invites": alice.get(f"/workspaces/{cast.acme.id}/invites"),
        "bots": alice.get(f"/workspaces/{cast.acme.id}/bots"),
        "webhooks": alice.get(f"/workspaces/{cast.acme.id}/webhooks"),
        "slash_commands": alice.get(f"/workspaces/{cast.acme.id}/slash-commands"),
        "deliveries": alice.get(f"/workspaces/{cast.acme.id}/deliveries"),
        "outgoing_webhooks": alice.get(f"/workspaces/{cast.acme.id}/outgoing-webhooks"),
        "bot_tokens": [{k: v for k, v in t.items() if k != "last_used_at"}
                       for t in alice.get(f"/bots/{acme.bot_id}/tokens")["tokens"]],
        "tokens": [{k: v for k, v in t.items() if k != "last_used_at"} for t in alice.get("/tokens")["tokens"]],
        "histories": [history(alice, c) for c in (acme.general, acme.private, acme.dm)],
        "thread": alice.get(f"/messages/{acme.general_message}/thread"),
        "pins": alice.get(f"/channels/{acme.general}/pins"),
        "files": [alice.get(f"/files/{f}") for f in (acme.general_file, acme.private_file, acme.unsent_file)],
        "storage": alice.get(f"/workspaces/{cast.acme.id}/storage"),
        "private_members": alice.get(f"/channels/{acme.private}/members"),
    }


def test_every_route_parameter_can_be_filled(app) -> None:  # type: ignore[no-untyped-def]
    """A new route with an unknown parameter must be added to the sweep below, not slip by."""
    unknown = sorted({(rule, name) for _, rule, names, _ in api_rules(app) for name in names
                      if name not in KNOWN_PARAMETERS | NO_WORKSPACE_PARAMETERS})
    assert unknown == [], ("routes with parameters the isolation sweep cannot fill with another "
                           f"workspace's values; teach acme_values() about them: {unknown}")


def test_every_socket_event_is_covered(app) -> None:  # type: ignore[no-untyped-def]
    from chat.extensions import socketio

    # "*" answers every other event name with an error (unknown_event) and reads nothing.
    registered = set(socketio.server.handlers["/"]) - {"connect", "disconnect", "*"}
    assert registered == KNOWN_SOCKET_EVENTS


def test_another_workspace_gets_404_on_every_route_and_changes_nothing(app, cast: Cast, server: Server) -> None:  # type: ignore[no-untyped-def]
    acme = make_acme(cast, server)
    olga = cast.olga
    before = acme_state(cast, acme)
    socket = olga.socket()
    tried: list[str] = []
    failures: list[str] = []
    try:
        for method, rule, names, endpoint in api_rules(app):
            if not names or not set(names) <= KNOWN_PARAMETERS:
                continue
            seen = set()
            for values in acme_values(cast, acme):
                path = fill(rule, values) + (QUERY_STRINGS.get(endpoint, "") if method == "GET" else "")
                if path in seen:
                    continue
                seen.add(path)
                kwargs = REQUEST_OVERRIDES.get(endpoint)
                if kwargs is None and method in ("POST", "PUT", "PATCH"):
                    kwargs = {"json": write_body(cast, acme)}
                response = olga.request(method, path, **(kwargs or {}))
                expected = "invite_invalid" if "code" in names else "not_found"
                try:
                    assert_error(response, 404, expected)
                    assert not any(m in response.text for m in acme.markers), response.text
                except AssertionError as err:
                    failures.append(f"Olga {method} {path}: {err}")
                tried.append(f"{method} {rule}")
        assert failures == [], "\n".join(failures)
        # Meanwhile Acme goes on; none of it reaches Olga's socket.
        send(cast.alice, acme.general, "acme keeps talking")
        send(cast.bob, acme.private, "and in private")
        barrier(socket, olga, cast.globex.general_id)
        leaked = [(e, d) for e, d in socket.received if cast.acme.id in _workspace_ids(d)]
        assert leaked == []
    finally:
        socket.close()
    # The sweep really covered the id routes of every kind.
    assert {"DELETE /api/v1/messages/<int:message_id>",
            "PATCH /api/v1/workspaces/<int:workspace_id>/members/<int:user_id>",
            "POST /api/v1/invites/<code>/accept", "DELETE /api/v1/tokens/<int:token_id>",
            "GET /api/v1/files/<file_id>/content", "DELETE /api/v1/files/<file_id>"} <= set(tried)
    after = acme_state(cast, acme)
    # Acme's own new messages aside, nothing changed.
    after["histories"][0]["messages"] = after["histories"][0]["messages"][:-1]
    after["histories"][1]["messages"] = after["histories"][1]["messages"][:-1]
    # ... and what they caused: the outgoing webhook watching the private channel was sent Bob's.
    new_deliveries = [d for d in after["deliveries"]["deliveries"]
                      if d["id"] not in {b["id"] for b in before["deliveries"]["deliveries"]}]
    assert [(d["kind"], d["integration_id"]) for d in new_deliveries] == [
        ("outgoing_webhook", acme.outgoing_webhook_id)]
    after["deliveries"]["deliveries"] = [d for d in after["deliveries"]["deliveries"] if d not in new_deliveries]
    # Deliveries go on meanwhile (attempts, retries, giving up): what each one is stays.
    for state in (before, after):
        state["deliveries"]["deliveries"] = [{k: d[k] for k in ("id", "kind", "integration_id", "event", "url")}
                                             for d in state["deliveries"]["deliveries"]]
    for name in ("channels",):
        for c in after[name]["channels"] + before[name]["channels"]:
            for volatile in ("last_message_id", "unread_count", "mention_count"):
                c.pop(volatile, None)
    for c in after["browse"]["channels"] + before["browse"]["channels"]:
        c.pop("last_message_id", None)
    assert after == before
    assert olga.get("/workspaces")["workspaces"][0]["id"] == cast.globex.id
    assert len(olga.get("/workspaces")["workspaces"]) == 1


def _workspace_ids(data: Any) -> set[int]:
    """Every workspace_id (or workspace.id) anywhere in an event payload."""
    found: set[int] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "workspace_id" and isinstance(value, int):
                found.add(value)
            found |= _workspace_ids(value)
    elif isinstance(data, (list, tuple)):
        for item in data:
            found |= _workspace_ids(item)
    return found


def test_olgas_own_lists_hold_nothing_of_acme(app, cast: Cast, server: Server) -> None:  # type: ignore[no-untyped-def]
    """Every GET route, filled with Olga's own ids, answers without a trace of Acme."""
    acme = make_acme(cast, server)
    olga = cast.olga
    own_channel = olga.post(f"/workspaces/{cast.globex.id}/channels", {"name": unique("globex")})
    own_message = send(olga, own_channel["id"], "globex business")
    own_token = olga.post("/tokens", {"name": "olga script"})
    own_invite = olga.post(f"/workspaces/{cast.globex.id}/invites")
    own = {"workspace_id": cast.globex.id, "channel_id": own_channel["id"], "message_id": own_message["id"],
           "user_id": olga.id, "token_id": own_token["id"], "invite_id": own_invite["id"],
           "code": own_invite["code"], "emoji": "eyes"}
    checked, failures = [], []
    for method, rule, names, endpoint in api_rules(app):
        if method != "GET" or not set(names) <= set(own) or endpoint == "api.openapi":
            continue
        path = fill(rule, own) + QUERY_STRINGS.get(endpoint, "")
        response = olga.request("GET", path)
        if response.status_code != 200:
            failures.append(f"{path}: {response.status_code} {response.text}")
            continue
        data = response.json()
        text = json.dumps(data, ensure_ascii=False)
        if any(m in text for m in acme.markers) or cast.acme.id in _workspace_ids(data):
            failures.append(f"{path} shows Acme: {text[:300]}")
        checked.append(rule)
    assert failures == [], "\n".join(failures)
    assert {API + "/workspaces", API + "/events", API + "/workspaces/<int:workspace_id>/members",
            API + "/workspaces/<int:workspace_id>/channels/browse"} <= set(checked)
    # Olga's socket sync likewise.
    socket = olga.socket()
    try:
        events = socket.call("sync", {"since": 0, "limit": 1000})["data"]["events"]
        assert events and cast.acme.id not in _workspace_ids(events)
    finally:
        socket.close()


def test_acme_ids_inside_olgas_own_requests_reach_nothing(cast: Cast, server: Server) -> None:
    """Ids smuggled in request bodies and socket payloads are checked too."""
    acme = make_acme(cast, server)
    olga, globex = cast.olga, cast.globex
    assert_error(olga.request("POST", f"/workspaces/{globex.id}/direct", json={"user_ids": [cast.bob.id]}),
                 404, "not_found")
    assert_error(olga.request("POST", f"/channels/{globex.general_id}/members", json={"user_id": cast.bob.id}),
                 404, "not_found")
    assert_error(olga.request("POST", f"/channels/{globex.general_id}/messages",
                              json={"body": "reply", "thread_root_id": acme.general_message}), 404, "thread_not_found")
    assert_error(olga.request("PATCH", f"/workspaces/{globex.id}/members/{cast.bob.id}", json={"role": "admin"}),
                 404, "not_found")
    own_channel = olga.post(f"/workspaces/{globex.id}/channels", {"name": unique("globex")})
    assert_error(olga.request("DELETE", f"/channels/{own_channel['id']}/members/{cast.bob.id}"), 404, "not_found")
    # Her outgoing webhook cannot watch Acme's channels.
    hook = {"name": "spy", "callback_urls": ["https://olga.example.test/spy"]}
    for channel in (acme.general, acme.private):
        assert_error(olga.request("POST", f"/workspaces/{globex.id}/outgoing-webhooks",
                                  json={**hook, "channel_ids": [channel]}), 404, "not_found")
    own_hook = olga.post(f"/workspaces/{globex.id}/outgoing-webhooks", {**hook, "trigger_words": ["spy"]})
    assert_error(olga.request("PATCH", f"/outgoing-webhooks/{own_hook['id']}", json={"channel_ids": [acme.general]}),
                 404, "not_found")
    # Her read position in her own channel cannot be pushed to an Acme message id.
    read = olga.post(f"/channels/{globex.general_id}/read", {"message_id": acme.private_message})
    assert read["last_read_id"] <= (olga.get(f"/channels/{globex.general_id}")["last_message_id"] or 0)
    # Bob is not listed among Globex's people, and Acme's client ids do not collide with hers.
    assert cast.bob.id not in [m["id"] for m in olga.get(f"/workspaces/{globex.id}/members")["members"]]
    socket = olga.socket()
    try:
        ack = socket.call("message.send", {"channel_id": globex.general_id, "body": "x",
                                           "thread_root_id": acme.general_message})
        assert ack["error"]["code"] == "thread_not_found"
    finally:
        socket.close()


def test_socket_events_aimed_at_another_workspace_are_refused(app, cast: Cast, server: Server) -> None:  # type: ignore[no-untyped-def]
    acme = make_acme(cast, server)
    before = acme_state(cast, acme)
    olga = cast.olga.socket()
    alice = cast.alice.socket()
    try:
        payloads = socket_payloads(cast, acme)
        assert {e for e, _ in payloads} | {"presence.set", "sync"} == KNOWN_SOCKET_EVENTS
        for event, payload in payloads:
            ack = olga.call(event, payload)
            assert set(ack) == {"error"} and ack["error"]["code"] == "not_found", (event, payload, ack)
            assert ack["error"]["message"]
        # Presence and sync take no Acme ids; they tell her nothing of Acme.
        assert olga.call("presence.set", {"away": True}) == {"data": {"status": "away"}}
        synced = olga.call("sync", {"since": 0, "limit": 1000})["data"]
        assert cast.acme.id not in _workspace_ids(synced["events"])
        # Acme's live traffic never reaches her.
        cursor = cast.olga.get("/events/head")["cursor"]
        alice.call("message.send", {"channel_id": acme.general, "body": "live in general"})
        alice.call("typing.start", {"channel_id": acme.general})
        alice.call("reaction.add", {"message_id": acme.general_message, "emoji": "rocket"})
        alice.call("presence.set", {"away": True})
        cast.alice.call("PATCH", f"/channels/{acme.general}", {"topic": "acme topic"})
        barrier(olga, cast.olga, cast.globex.general_id)
        assert [(e, d) for e, d in olga.received if cast.acme.id in _workspace_ids(d)] == []
        assert all(d.get("user_id") != cast.alice.id for e, d in olga.received if e == "presence.changed")
        later = cast.olga.get(f"/events?since={cursor}")["events"]
        assert cast.acme.id not in _workspace_ids(later)
    finally:
        olga.close()
        alice.close()
    after = acme_state(cast, acme)
    after["histories"][0]["messages"] = [m for m in after["histories"][0]["messages"] if m["body"] != "live in general"]
    for key in ("channels", "browse"):
        for c in itertools.chain(after[key]["channels"], before[key]["channels"]):
            for volatile in ("last_message_id", "unread_count", "mention_count", "topic"):
                c.pop(volatile, None)
    for page in (after["thread"], before["thread"], after["pins"], before["pins"]):
        for m in [page.get("root")] + page["messages"]:
            if m:
                m.pop("reactions", None)
    for m in after["histories"][0]["messages"] + before["histories"][0]["messages"]:
        m.pop("reactions", None)
    assert after == before

