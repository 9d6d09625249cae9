"""Outgoing webhooks (Mattermost's and Slack's; issue 13): a matching message is POSTed to the
hook's callback URLs as JSON or a form, and a JSON reply is posted back as the hook.

A real server (``python app.py``, eventlet; SQLite, and PostgreSQL with Redis) that may reach
127.0.0.1, with one job worker and one outbound request at a time, so a hook's requests arrive in
the order their messages were sent: "nothing was sent" is shown by a later message that must be
sent arriving alone. The receiver is a plain HTTP server (tests/receiver.py). The delivery log
is read from the server's database, as an admin's log page will show it.

The cast: Alice owns Acme, Bob is a member, Gus a guest; Olga owns Globex."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import sqlalchemy

from tests.api.helpers import assert_error, history, unique
from tests.api.test_bots import make_bot
from tests.conftest import server_for
from tests.integrations.test_events_api import SERVER_ENV, TS, sid
from tests.receiver import Received, Receiver
from tests.support import Cast, Person, Server, wait_until


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("outgoing")
    started = server_for(request.param, folder, request, extra_env=SERVER_ENV)
    yield started
    started.stop()


def public_channel(cast: Cast, *people: Person, private: bool = False) -> int:
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("out"), "private": private})
    for person in people:
        cast.alice.post(f"/channels/{channel['id']}/members", {"user_id": person.id})
    return int(channel["id"])


def make_hook(cast: Cast, receiver: Receiver, path: str = "ok", **fields: Any) -> dict[str, Any]:
    """An outgoing webhook of Acme posting to a path of its own on the receiver."""
    url = receiver.url(f"/{path}/{uuid.uuid4().hex}" if path == "ok" else f"/{path}")
    body = {"name": unique("Hook"), "callback_urls": [url], **fields}
    return dict(cast.alice.post(f"/workspaces/{cast.acme.id}/outgoing-webhooks", body))


def requests_to(receiver: Receiver, hook: dict[str, Any], count: int) -> list[Received]:
    return receiver.wait_for(urlpath(hook["callback_urls"][0]), count)


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def fields_of(received: Received) -> dict[str, str]:
    if received.headers["content-type"] == "application/json":
        data = json.loads(received.body)
        assert all(isinstance(v, str) for v in data.values()), data
        return dict(data)
    assert received.headers["content-type"] == "application/x-www-form-urlencoded"
    return {k: v[0] for k, v in parse_qs(received.body.decode(), keep_blank_values=True).items()}


def post(person: Person, channel_id: int, body: str, **fields: Any) -> dict[str, Any]:
    return person.post(f"/channels/{channel_id}/messages", {"body": body, **fields})


def replies_of(person: Person, channel_id: int, bot_id: int) -> list[dict[str, Any]]:
    return [m for m in history(person, channel_id)["messages"] if m["author"]["id"] == bot_id]


def delivery_log(server: Server, hook_id: int) -> list[dict[str, Any]]:
    """The hook's deliveries as the server logged them, oldest first, with their attempts."""
    url = server.env.get("DATABASE_URL") or f"sqlite:///{Path(server.env['CHAT_INSTANCE_DIR']) / 'chat.db'}"
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text(
                "SELECT d.id, d.status, d.attempts, a.error, a.status_code FROM integration_deliveries d "
                "LEFT JOIN integration_delivery_attempts a ON a.delivery_id = d.id AND a.number = d.attempts "
                "WHERE d.kind = 'outgoing_webhook' AND d.integration_id = :hook ORDER BY d.id"), {"hook": hook_id})
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


# --- what is sent --------------------------------------------------------------------------------

def test_a_message_in_its_channel_is_posted_as_json_with_the_outgoing_webhook_fields(
        cast: Cast, receiver: Receiver) -> None:
    channel = public_channel(cast, cast.bob)
    hook = make_hook(cast, receiver, channel_ids=[channel])
    assert hook["trigger_words"] == [] and hook["content_type"] == "application/json"
    assert len(hook["token"]) == 26 and hook["channel_ids"] == [channel] and hook["created_by"] == cast.alice.id
    sent = post(cast.bob, channel, "hello hook")
    [got] = requests_to(receiver, hook, 1)
    assert got.method == "POST" and got.headers["content-type"] == "application/json"
    data = fields_of(got)
    assert data == {
        "token": hook["token"], "team_id": sid("T", cast.acme.id), "team_domain": "acme",
        "service_id": str(hook["id"]), "channel_id": sid("C", channel),
        "channel_name": cast.alice.get(f"/channels/{channel}")["name"], "timestamp": data["timestamp"],
        "user_id": sid("U", cast.bob.id), "user_name": cast.bob.username, "post_id": str(sent["id"]),
        "text": "hello hook", "trigger_word": "", "file_ids": ""}
    assert TS.fullmatch(data["timestamp"])


def test_trigger_words_as_a_form_in_any_public_channel(cast: Cast, receiver: Receiver) -> None:
    hook = make_hook(cast, receiver, trigger_words=["deploy", "ship"],
                     content_type="application/x-www-form-urlencoded")
    assert hook["channel_ids"] == [] and hook["trigger_when"] == "first_word"
    channel = public_channel(cast, cast.bob)
    private = public_channel(cast, cast.bob, private=True)
    post(cast.bob, channel, "please deploy")            # not the first word
    post(cast.bob, channel, "deploying soon")           # the first word only starts with it
    post(cast.bob, private, "deploy the private one")   # not a public channel
    direct = cast.bob.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [cast.alice.id]})
    post(cast.bob, direct["id"], "deploy in private")   # nor a direct conversation
    post(cast.bob, channel, "SHIP it")                  # case aside
    post(cast.bob, cast.acme.general_id, "deploy general")
    first, second = requests_to(receiver, hook, 2)
    one, two = fields_of(first), fields_of(second)
    assert (one["text"], one["trigger_word"], one["channel_id"]) == ("SHIP it", "ship", sid("C", channel))
    assert (two["text"], two["trigger_word"], two["channel_name"]) == ("deploy general", "deploy", "general")
    assert one["token"] == hook["token"] and one["file_ids"] == ""


def test_starts_with_matches_the_start_of_the_first_word(cast: Cast, receiver: Receiver) -> None:
    channel = public_channel(cast, cast.bob)
    hook = make_hook(cast, receiver, channel_ids=[channel], trigger_words=["build"], trigger_when="starts_with")
    post(cast.bob, channel, "rebuild please")
    post(cast.bob, cast.acme.general_id, "builder in another channel")  # not one of its channels
    post(cast.bob, channel, "Builder: go")
    [got] = requests_to(receiver, hook, 1)
    assert fields_of(got)["text"] == "Builder: go" and fields_of(got)["trigger_word"] == "build"


def test_shared_files_are_named_in_file_ids(cast: Cast, receiver: Receiver) -> None:
    channel = public_channel(cast, cast.bob)
    hook = make_hook(cast, receiver, channel_ids=[channel])
    r = cast.bob.request("POST", f"/channels/{channel}/files",
                         files=[("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))])
    ids = [f["id"] for f in r.json()["files"]]
    post(cast.bob, channel, "two files", file_ids=ids)
    [got] = requests_to(receiver, hook, 1)
    assert fields_of(got)["file_ids"] == ",".join(ids)


def test_bots_are_heard_only_when_the_hook_allows_and_a_hook_never_hears_itself(
        cast: Cast, receiver: Receiver) -> None:
    channel = public_channel(cast, cast.bob)
    name = f"pong-{uuid.uuid4().hex}"
    receiver.replies[name] = {"text": "pong"}
    deaf = make_hook(cast, receiver, path=f"reply/{name}", channel_ids=[channel])   # answers every message
    hearing = make_hook(cast, receiver, channel_ids=[channel], ignore_bots=False)
    bot, robot = make_bot(cast.alice, cast.acme.id, unique("Poster"))
    cast.alice.post(f"/channels/{channel}/members", {"user_id": bot["id"]})
    post(robot, channel, "a bot speaks")
    post(cast.bob, channel, "a person speaks")
    # The deaf hook answers the person (its reply is a bot's message, which it does not hear:
    # no loop), not the bot; the hearing one hears all three.
    wait_until(lambda: replies_of(cast.bob, channel, deaf["bot_id"]), what="the pong")
    post(cast.bob, channel, "proof")
    assert [fields_of(r)["text"] for r in requests_to(receiver, deaf, 2)] == ["a person speaks", "proof"]
    heard = [fields_of(r) for r in requests_to(receiver, hearing, 4)]
    assert [h["text"] for h in heard] == ["a bot speaks", "a person speaks", "pong", "proof"]
    assert heard[0]["user_id"] == sid("U", bot["id"]) and heard[2]["user_id"] == sid("U", deaf["bot_id"])
    wait_until(lambda: len(replies_of(cast.bob, channel, deaf["bot_id"])) == 2, what="the second pong")


# --- replies -------------------------------------------------------------------------------------

def test_a_json_reply_is_posted_as_the_hook_in_the_channel_or_the_thread(cast: Cast, receiver: Receiver,
                                                                          server: Server) -> None:
    channel = public_channel(cast, cast.bob)
    name = f"reply-{uuid.uuid4().hex}"
    receiver.replies[name] = {"text": "Weather in *Boston*: sunny", "username": "ignored here"}
    hook = make_hook(cast, receiver, path=f"reply/{name}", trigger_words=["weather"], channel_ids=[channel],
                     icon_url="https://example.test/sun.png")
    post(cast.bob, channel, "weather Boston")
    [reply] = wait_until(lambda: replies_of(cast.bob, channel, hook["bot_id"]), what="the reply")
    assert reply["author"]["is_bot"] is True and reply["author"]["display_name"] == hook["name"]
    assert reply["thread_root_id"] is None and reply["props"]["text"] == "Weather in *Boston*: sunny"
    assert "Boston</b>" in reply["html"] or "Boston</strong>" in reply["html"]
    assert reply["props"]["format"] == "slack" and "username" not in reply["props"]  # overrides not allowed here

    receiver.replies[name] = {"text": "in the **thread**", "response_type": "comment", "props": {"card": "more"}}
    asked = post(cast.bob, channel, "weather thread")

    def threaded() -> list[dict[str, Any]] | None:
        thread = cast.bob.get(f"/messages/{asked['id']}/thread")["messages"]
        return [m for m in thread if m["author"]["id"] == hook["bot_id"]] or None
    [comment] = wait_until(threaded, what="the reply in the thread")
    assert comment["thread_root_id"] == asked["id"] and comment["props"]["format"] == "mattermost"
    assert comment["props"]["card"] == "more" and "<strong>thread</strong>" in comment["html"]
    # A reply in a thread, asked from a thread, stays in that thread.
    post(cast.bob, channel, "weather again", thread_root_id=asked["id"])
    wait_until(lambda: len(threaded() or []) == 2, what="the second reply in the thread")
    assert len(replies_of(cast.bob, channel, hook["bot_id"])) == 1  # the top level has only the first
    assert all(d["status"] == "delivered" for d in delivery_log(server, hook["id"]))


def test_bad_replies_fail_their_delivery_and_post_nothing(cast: Cast, receiver: Receiver, server: Server) -> None:
    channel = public_channel(cast, cast.bob)
    too_long = f"long-{uuid.uuid4().hex}"
    receiver.replies[too_long] = {"text": "x" * 9000}
    not_object = f"list-{uuid.uuid4().hex}"
    receiver.replies[not_object] = ["text", "nope"]
    hooks = {
        "not json": make_hook(cast, receiver, channel_ids=[channel]),                         # answers "ok"
        "500": make_hook(cast, receiver, path=f"status/500?{uuid.uuid4().hex}", channel_ids=[channel]),
        "huge": make_hook(cast, receiver, path=f"big/{2 * 1024 * 1024}?{uuid.uuid4().hex}", channel_ids=[channel]),
        "too long": make_hook(cast, receiver, path=f"reply/{too_long}", channel_ids=[channel]),
        "not an object": make_hook(cast, receiver, path=f"reply/{not_object}", channel_ids=[channel]),
    }
    post(cast.bob, channel, "answer me")

    def finished() -> dict[str, list[dict[str, Any]]] | None:
        logs = {what: delivery_log(server, hook["id"]) for what, hook in hooks.items()}
        done = all(log and log[0]["status"] in ("failed", "given_up") for log in logs.values())
        return logs if done else None
    logs = wait_until(finished, what="every bad reply's delivery to end")
    assert logs["not json"][0]["status"] == "failed" and logs["not json"][0]["error"] == "the answer is not JSON"
    assert logs["not an object"][0]["error"] == "the answer is not a JSON object"
    assert logs["too long"][0]["status"] == "failed" and "msg_too_long" in logs["too long"][0]["error"]
    assert logs["500"][0]["status"] == "given_up" and logs["500"][0]["attempts"] == 4  # retried as usual
    retried = requests_to(receiver, hooks["500"], 4)
    assert [r.headers.get("x-slack-retry-num") for r in retried] == [None, "1", "2", "3"]
    assert logs["huge"][0]["status"] == "given_up" and "larger than" in logs["huge"][0]["error"]
    # Nothing was posted: a good hook's reply to a later message comes after Bob's two alone
    # (each delivery's reply is posted before the next request goes out).
    name = f"good-{uuid.uuid4().hex}"
    receiver.replies[name] = {"text": "a good reply"}
    make_hook(cast, receiver, path=f"reply/{name}", channel_ids=[channel], trigger_words=["proof"])
    post(cast.bob, channel, "proof")
    wait_until(lambda: len(history(cast.bob, channel)["messages"]) >= 3, what="the good reply")
    assert [m["body"] for m in history(cast.bob, channel)["messages"]] == ["answer me", "proof", "a good reply"]


def test_no_reply_is_posted_where_the_hooks_maker_may_not_post(cast: Cast, receiver: Receiver,
                                                                server: Server) -> None:
    name = f"reply-{uuid.uuid4().hex}"
    receiver.replies[name] = {"text": "announcement reply"}
    announcements = cast.alice.post(f"/workspaces/{cast.acme.id}/channels",
                                    {"name": unique("ann"), "broadcast": True})["id"]
    cast.alice.post(f"/channels/{announcements}/members", {"user_id": cast.bob.id})
    # Bob, an admin for a while, makes a hook there; as a member again he may read the broadcast
    # channel but not post in it: his hook still hears it, its replies are not posted.
    members = f"/workspaces/{cast.acme.id}/members/{cast.bob.id}"
    cast.alice.call("PATCH", members, {"role": "admin"})
    hook = cast.bob.post(f"/workspaces/{cast.acme.id}/outgoing-webhooks", {
        "name": unique("Bobs"), "callback_urls": [receiver.url(f"/reply/{name}")], "channel_ids": [announcements]})
    cast.alice.call("PATCH", members, {"role": "member"})
    proof = make_hook(cast, receiver, channel_ids=[announcements])
    post(cast.alice, announcements, "news")
    post(cast.alice, announcements, "more news")
    requests_to(receiver, proof, 2)  # the first message's deliveries, replies included, are done
    assert [d["status"] for d in delivery_log(server, hook["id"])][:1] == ["delivered"]
    assert replies_of(cast.alice, announcements, hook["bot_id"]) == []


# --- managing ------------------------------------------------------------------------------------

def test_admins_manage_hooks_members_cannot_and_other_workspaces_see_nothing(cast: Cast, receiver: Receiver) -> None:
    channel = public_channel(cast, cast.bob)
    body = {"name": "CI", "callback_urls": [receiver.url("/ok/x")], "channel_ids": [channel]}
    base = f"/workspaces/{cast.acme.id}/outgoing-webhooks"
    assert_error(cast.bob.request("POST", base, json=body), 403, "admin_only")
    assert_error(cast.gus.request("POST", base, json=body), 403, "admin_only")
    assert_error(cast.olga.request("POST", base, json=body), 404, "not_found")
    # Globex's channel is not found for Acme's hook; nor is a private channel Alice is not in.
    assert_error(cast.alice.request("POST", base, json={**body, "channel_ids": [cast.globex.general_id]}),
                 404, "not_found")
    bobs_private = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("bp"), "private": True})
    assert_error(cast.alice.request("POST", base, json={**body, "channel_ids": [bobs_private["id"]]}),
                 404, "not_found")
    # Neither channels nor trigger words: it would hear everything public; refused.
    assert_error(cast.alice.request("POST", base, json={**body, "channel_ids": []}), 400, "invalid")
    for bad in ({"callback_urls": []}, {"callback_urls": ["ftp://x"]}, {"trigger_words": ["two words"]},
                {"trigger_when": "sometimes"}, {"content_type": "text/plain"}):
        assert_error(cast.alice.request("POST", base, json={**body, **bad}), 400, "invalid")

    hook = cast.alice.post(base, body)
    path = f"/outgoing-webhooks/{hook['id']}"
    assert cast.alice.get(base)["outgoing_webhooks"] == [hook] and cast.alice.get(path) == hook
    for method, where in (("GET", base), ("GET", path), ("PATCH", path), ("POST", f"{path}/token"),
                          ("DELETE", path)):
        body = {"name": "x"} if method == "PATCH" else None
        assert_error(cast.bob.request(method, where, json=body), 403, "admin_only")
        assert_error(cast.olga.request(method, where, json=body), 404, "not_found")
    changed = cast.alice.call("PATCH", path, {"name": "CI bot", "trigger_words": ["ci"], "channel_ids": [],
                                              "content_type": "application/x-www-form-urlencoded"})
    assert (changed["name"], changed["trigger_words"], changed["channel_ids"]) == ("CI bot", ["ci"], [])
    assert_error(cast.alice.request("PATCH", path, json={"trigger_words": []}), 409, "nothing_to_match")
    assert_error(cast.alice.request("PATCH", path, json={"token": "mine"}), 400, "invalid")
    renewed = cast.alice.post(f"{path}/token")
    assert renewed["token"] != hook["token"] and renewed["token_changed_at"] >= hook["token_changed_at"]
    assert cast.alice.call("DELETE", path) == {"ok": True}
    assert_error(cast.alice.request("GET", path), 404, "not_found")
    assert cast.alice.get(base)["outgoing_webhooks"] == []
    # Its bot stays, deactivated, so what it posted keeps its author.
    bots = {b["id"]: b for b in cast.alice.get(f"/workspaces/{cast.acme.id}/bots")["bots"]}
    assert bots[hook["bot_id"]]["active"] is False


def test_a_new_token_is_sent_from_then_on_and_a_deleted_hook_is_sent_nothing(cast: Cast, receiver: Receiver) -> None:
    channel = public_channel(cast, cast.bob)
    hook = make_hook(cast, receiver, channel_ids=[channel])
    proof = make_hook(cast, receiver, channel_ids=[channel])
    post(cast.bob, channel, "first")
    renewed = cast.alice.post(f"/outgoing-webhooks/{hook['id']}/token")
    post(cast.bob, channel, "second")
    cast.alice.call("DELETE", f"/outgoing-webhooks/{hook['id']}")
    post(cast.bob, channel, "third")
    post(cast.bob, channel, "fourth")  # after everything the third's transaction queued
    assert [fields_of(r)["text"] for r in requests_to(receiver, proof, 4)] == ["first", "second", "third", "fourth"]
    got = [fields_of(r) for r in requests_to(receiver, hook, 2)]
    assert [(g["text"], g["token"]) for g in got] == [("first", hook["token"]), ("second", renewed["token"])]
