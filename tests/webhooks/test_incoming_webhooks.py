"""Incoming webhooks end to end: made through the REST API (or the command line), posted to with
the clients integrations use (slack_sdk's WebhookClient, requests, raw bodies as curl sends
them), answered as Slack answers, and seen live by the channel's members.

The cast: Alice owns Acme, Bob is a member, Gus a guest; Olga owns Globex. Each test makes its
own webhook. A server of this module's own runs with a tight per-webhook rate limit and a
small body limit, so those limits can be reached: on SQLite, and on PostgreSQL with the Redis
queue (where the rate limit is counted in Redis)."""
from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from slack_sdk.webhook import WebhookClient

from tests.api.helpers import assert_error
from tests.conftest import server_for
from tests.support import Cast, Person, Server, barrier, make_cast, start_server
from tests.test_cli import flask

HOOK_LIMIT = 40
MAX_BYTES = 64 * 1024


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hook_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = server_for(request.param, tmp_path_factory.mktemp("hooks"), request,
                     extra_env={"RATE_LIMIT_WEBHOOK_POSTS": f"{HOOK_LIMIT} per minute",
                                "WEBHOOK_MAX_BYTES": str(MAX_BYTES)})
    yield srv
    srv.stop()


@pytest.fixture
def cast(hook_server: Server) -> Cast:
    return make_cast(hook_server.url)


def make_hook(owner: Person, workspace_id: int, channel_id: int, name: str = "Alerts", **fields: Any) -> dict:
    return owner.post(f"/workspaces/{workspace_id}/webhooks", {"channel_id": channel_id, "name": name, **fields})


def messages_in(person: Person, channel_id: int) -> list[dict[str, Any]]:
    return person.get(f"/channels/{channel_id}/messages?limit=200")["messages"]


def count(person: Person, channel_id: int) -> int:
    return len(messages_in(person, channel_id))


def refused(response: requests.Response, status: int, error: str) -> None:
    """Slack's answer: the error name as plain text, with its status."""
    assert (response.status_code, response.text) == (status, error), (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("text/plain")


ATTACHMENT = {"fallback": "Build 42 failed", "color": "danger", "pretext": "CI", "author_name": "ci",
              "title": "Build 42", "title_link": "https://ci.example.test/42", "text": "*main* is red",
              "mrkdwn_in": ["text"], "fields": [{"title": "Branch", "value": "main", "short": True}], "footer": "ci",
              "ts": 1700000000}
BLOCKS = [{"type": "header", "text": {"type": "plain_text", "text": "Deploy"}},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*v1.2* is live"},
           "fields": [{"type": "mrkdwn", "text": "*Env*\nprod"}]},
          {"type": "divider"},
          {"type": "context", "elements": [{"type": "mrkdwn", "text": "by the deploy bot"}]}]


def test_slack_sdk_posts_and_members_see_it_live(cast: Cast) -> None:
    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"webhook_overrides": True})
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id, "Deploys", icon_url="https://example.test/d.png")
    assert hook["url"].startswith(cast.server_url + "/hooks/") and hook["name"] == "Deploys"
    listed = cast.alice.get(f"/workspaces/{cast.acme.id}/webhooks")["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]] and "url" not in listed[0]
    sock = cast.bob.socket()
    try:
        barrier(sock, cast.bob, cast.acme.general_id)
        answer = WebhookClient(hook["url"]).send(text="Deployed <https://example.test|v1.2>", attachments=[ATTACHMENT],
                                                 blocks=BLOCKS)
        assert (answer.status_code, answer.body) == (200, "ok")
        live = sock.wait_for("message.created", lambda e: e["data"]["author"]["id"] == hook["bot_id"])["data"]
        answer = WebhookClient(hook["url"]).send_dict({"text": "as someone else", "username": "Release Train",
                                                      "icon_emoji": ":steam_locomotive:"})
        assert (answer.status_code, answer.body) == (200, "ok")
        renamed = sock.wait_for("message.created", lambda e: e["data"]["body"] == "as someone else")["data"]
    finally:
        sock.close()
    author = live["author"]
    assert author["is_bot"] is True and author["display_name"] == "Deploys"
    html = live["html"]
    # The blocks are shown (the text is their fallback, as in Slack), then the card.
    assert '<div class="blocks">' in html and '<p class="block block-header">Deploy</p>' in html
    assert '<article class="card card-danger"' in html and "Build 42" in html and "<strong>main</strong>" in html
    props = live["props"]
    assert props["format"] == "slack" and props["webhook_id"] == hook["id"]
    assert props["icon_url"] == "https://example.test/d.png" and "username" not in props
    assert props["blocks"][0] == BLOCKS[0] and props["attachments"][0]["title"] == "Build 42"
    assert live["body"].startswith("Deployed v1.2")  # the plain-text fallback, for notifications and search
    assert renamed["props"]["username"] == "Release Train" and renamed["props"]["icon_emoji"] == ":steam_locomotive:"
    assert renamed["author"]["is_bot"] is True
    # The same payload from the history (REST) as from the socket.
    stored = next(m for m in messages_in(cast.bob, cast.acme.general_id) if m["id"] == live["id"])
    assert stored == live


def test_overrides_are_ignored_unless_the_workspace_allows_them(cast: Cast) -> None:
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id)
    r = requests.post(hook["url"], json={"text": "hi", "username": "Alice Owner", "icon_url": "https://evil.test/a"})
    assert (r.status_code, r.text) == (200, "ok")
    last = messages_in(cast.bob, cast.acme.general_id)[-1]
    assert "username" not in last["props"] and last["props"].get("icon_url") is None
    assert last["author"]["display_name"] == "Alerts"


def test_mattermost_payloads_as_json_form_and_multipart(cast: Cast) -> None:
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id, "Mattermost")
    url = hook["url"]
    as_json = requests.post(url, json={"text": "**json** post", "props": {"card": "more *detail*"}})
    as_form = requests.post(url, data={"payload": json.dumps({"text": "form _post_", "props": {}})})
    as_multipart = requests.post(url, files={"payload": (None, json.dumps({"text": "multipart post",
                                                                           "root_id": ""}))})
    fields = requests.post(url, files={"text": (None, "multipart fields"),
                                       "attachments": (None, json.dumps([{"text": "a card"}]))})
    # curl -d '{"text": ...}' without a Content-Type sends the JSON as a form body.
    curl = requests.post(url, data=b'{"text": "curl post"}',
                         headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "curl/8"})
    for r in (as_json, as_form, as_multipart, fields, curl):
        assert (r.status_code, r.text) == (200, "ok")
        assert "Set-Cookie" not in r.headers  # no session
    posted = {m["body"]: m for m in messages_in(cast.bob, cast.acme.general_id)}
    # Mattermost's text is Markdown: the body (the plain-text fallback) is its source.
    card = posted["**json** post"]
    assert card["props"] == {"format": "mattermost", "text": "**json** post", "card": "more *detail*",
                             "webhook_id": hook["id"]}
    assert "<strong>json</strong>" in card["html"] and '<details class="card-extra">' in card["html"]
    assert "<em>post</em>" in posted["form _post_"]["html"]
    assert "multipart post" in posted and "curl post" in posted
    assert '<article class="card' in posted["multipart fields\na card"]["html"]


def test_errors_answer_slacks_names_and_store_nothing(cast: Cast) -> None:
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id)
    url = hook["url"]
    archived = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "old-news"})
    cast.alice.call("PATCH", f"/channels/{archived['id']}", {"archived": True})
    cast.olga.post(f"/workspaces/{cast.globex.id}/channels", {"name": "globex-only"})
    globex_channel_id = "C" + format_b36(cast.globex.general_id)
    before = count(cast.alice, cast.acme.general_id)
    cases: list[tuple[requests.Response, int, str]] = [
        (requests.post(url, data=b"{not json", headers={"Content-Type": "application/json"}), 400, "invalid_payload"),
        (requests.post(url, json=["a list"]), 400, "invalid_payload"),
        (requests.post(url, json={"text": {"not": "text"}}), 400, "invalid_payload"),
        (requests.post(url, data={"payload": "{broken"}), 400, "invalid_payload"),
        (requests.post(url, json={}), 400, "no_text"),
        (requests.post(url, json={"text": "   "}), 400, "no_text"),
        (requests.post(url, json={"text": "x" * 8001}), 400, "msg_too_long"),
        (requests.post(url, json={"text": "x", "blocks": [{"type": "section"}]}), 400, "invalid_blocks"),
        (requests.post(url, json={"text": "x", "blocks": "[not json"}), 400, "invalid_blocks"),
        (requests.post(url, json={"text": "x", "attachments": [{"fields": "no"}]}), 400, "invalid_attachments"),
        (requests.post(url, json={"text": "x", "attachments": [{}] * 101}), 400, "too_many_attachments"),
        (requests.post(url, json={"text": "x", "channel": "#nowhere"}), 404, "channel_not_found"),
        # Another workspace's channels: by name or id, the same answer as for none at all.
        (requests.post(url, json={"text": "x", "channel": "globex-only"}), 404, "channel_not_found"),
        (requests.post(url, json={"text": "x", "channel": globex_channel_id}), 404, "channel_not_found"),
        (requests.post(url, json={"text": "x", "channel": "@" + cast.olga.username}), 404, "channel_not_found"),
        (requests.post(url, json={"text": "x", "channel": "#old-news"}), 410, "channel_is_archived"),
        (requests.post(url, json={"text": "x", "thread_ts": "999999999"}), 404, "thread_not_found"),
        (requests.post(url, json={"text": "x", "thread_ts": "1700000000.000100"}), 404, "thread_not_found"),
        (requests.post(cast.server_url + "/hooks/not-a-secret", json={"text": "x"}), 404, "no_service"),
        (requests.post(cast.server_url + "/hooks/" + "x" * 500, json={"text": "x"}), 404, "no_service"),
        (requests.post(url, data=b"x" * (MAX_BYTES + 1), headers={"Content-Type": "application/json"}),
         413, "request_too_large"),
        (requests.post(url, data=iter([b'{"text": "', b"y" * MAX_BYTES, b'"}']),
                       headers={"Content-Type": "application/json"}), 413, "request_too_large"),
    ]
    for response, status, error in cases:
        refused(response, status, error)
    assert count(cast.alice, cast.acme.general_id) == before
    assert count(cast.alice, archived["id"]) == 0


def format_b36(value: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out.rjust(8, "0")


def test_a_webhook_never_posts_where_its_owner_may_not(cast: Cast) -> None:
    # Members make webhooks only where the workspace allows it; guests and outsiders never.
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "announce", "broadcast": True})
    private = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "secret-plans", "private": True})
    assert_error(cast.bob.request("POST", f"/workspaces/{cast.acme.id}/webhooks",
                                  json={"channel_id": cast.acme.general_id, "name": "Mine"}), 403, "admin_only")
    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"members_create_webhooks": True})
    assert_error(cast.gus.request("POST", f"/workspaces/{cast.acme.id}/webhooks",
                                  json={"channel_id": cast.acme.general_id, "name": "Mine"}), 403, "guest")
    assert_error(cast.olga.request("POST", f"/workspaces/{cast.acme.id}/webhooks",
                                   json={"channel_id": cast.acme.general_id, "name": "Mine"}), 404, "not_found")
    assert_error(cast.bob.request("POST", f"/workspaces/{cast.acme.id}/webhooks",
                                  json={"channel_id": private["id"], "name": "Mine"}), 404, "not_found")
    assert_error(cast.bob.request("POST", f"/workspaces/{cast.acme.id}/webhooks",
                                  json={"channel_id": channel["id"], "name": "Mine"}), 403, "broadcast_only")
    assert_error(cast.olga.request("POST", f"/workspaces/{cast.globex.id}/webhooks",
                                   json={"channel_id": cast.acme.general_id, "name": "Mine"}), 404, "not_found")
    hook = make_hook(cast.bob, cast.acme.id, cast.acme.general_id, "Bob's hook")
    # Bob's webhook does not post where Bob may not: the broadcast channel, the private one.
    before = count(cast.alice, channel["id"]), count(cast.alice, private["id"])
    refused(requests.post(hook["url"], json={"text": "x", "channel": "announce"}), 403, "action_prohibited")
    refused(requests.post(hook["url"], json={"text": "x", "channel": "#secret-plans"}), 404, "channel_not_found")
    assert (count(cast.alice, channel["id"]), count(cast.alice, private["id"])) == before
    # Alice's may, and its bot joins the channel it posts to.
    admins = make_hook(cast.alice, cast.acme.id, cast.acme.general_id, "Admin hook")
    ok = requests.post(admins["url"], json={"text": "to the announce channel", "channel": "#announce"})
    assert (ok.status_code, ok.text) == (200, "ok")
    assert messages_in(cast.bob, channel["id"])[-1]["author"]["id"] == admins["bot_id"]
    # Others do not see Bob's webhook; Alice, an admin, does.
    assert [h["id"] for h in cast.bob.get(f"/workspaces/{cast.acme.id}/webhooks")["webhooks"]] == [hook["id"]]
    assert_error(cast.gus.request("GET", f"/webhooks/{hook['id']}"), 404, "not_found")
    assert_error(cast.olga.request("DELETE", f"/webhooks/{hook['id']}"), 404, "not_found")
    assert cast.alice.get(f"/webhooks/{hook['id']}")["name"] == "Bob's hook"
    # Once Bob is deactivated, his webhook stops.
    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}/members/{cast.bob.id}", {"active": False})
    refused(requests.post(hook["url"], json={"text": "x"}), 403, "action_prohibited")


def test_regenerated_and_revoked_secrets(cast: Cast) -> None:
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id)
    renamed = cast.alice.call("PATCH", f"/webhooks/{hook['id']}", {"name": "Pager"})
    assert renamed["name"] == "Pager"
    fresh = cast.alice.post(f"/webhooks/{hook['id']}/secret")
    assert fresh["url"] != hook["url"] and fresh["prefix"] != hook["prefix"]
    refused(requests.post(hook["url"], json={"text": "old"}), 404, "no_service")
    assert requests.post(fresh["url"], json={"text": "new"}).text == "ok"
    assert messages_in(cast.bob, cast.acme.general_id)[-1]["author"]["display_name"] == "Pager"
    revoked = cast.alice.call("DELETE", f"/webhooks/{hook['id']}")
    assert revoked["revoked"] is True
    refused(requests.post(fresh["url"], json={"text": "gone"}), 404, "no_service")
    assert_error(cast.alice.request("POST", f"/webhooks/{hook['id']}/secret"), 403, "webhook_revoked")
    assert cast.alice.call("DELETE", f"/webhooks/{hook['id']}")["revoked"] is True  # repeating is harmless


def test_direct_messages_threads_and_mentions(cast: Cast) -> None:
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id)
    sock = cast.bob.socket()
    try:
        barrier(sock, cast.bob, cast.acme.general_id)
        # A direct message from the webhook's bot to Bob.
        assert requests.post(hook["url"], json={"text": "psst", "channel": "@" + cast.bob.username}).text == "ok"
        dm = sock.wait_for("message.created", lambda e: e["data"]["body"] == "psst")["data"]
    finally:
        sock.close()
    assert dm["channel_id"] != cast.acme.general_id and dm["author"]["id"] == hook["bot_id"]
    conversations = cast.bob.get(f"/workspaces/{cast.acme.id}/channels")["channels"]
    assert any(c["id"] == dm["channel_id"] and c["kind"] == "dm" for c in conversations)

    # Thread replies: Slack's thread_ts (the root's Slack ts, as the Web API gives it, or our
    # message id) and Mattermost's root_id (our message id).
    root = cast.bob.post(f"/channels/{cast.acme.general_id}/messages", {"body": "deploy?"})
    created = datetime.fromisoformat(root["created_at"].replace("Z", "+00:00"))
    root_ts = f"{int(created.timestamp())}.{root['id'] % 1_000_000:06d}"
    assert requests.post(hook["url"], json={"text": "slack reply", "thread_ts": root_ts}).text == "ok"
    assert requests.post(hook["url"], json={"text": "by id", "thread_ts": str(root["id"])}).text == "ok"
    assert requests.post(hook["url"], json={"text": "mm reply", "root_id": str(root["id"])}).text == "ok"
    replies = cast.bob.get(f"/messages/{root['id']}/thread")["messages"]
    assert [r["body"] for r in replies] == ["slack reply", "by id", "mm reply"]
    # A ts of a message in another channel names no thread here.
    other = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": f"other-{uuid.uuid4().hex[:6]}"})
    elsewhere = cast.alice.post(f"/channels/{other['id']}/messages", {"body": "elsewhere"})
    at = datetime.fromisoformat(elsewhere["created_at"].replace("Z", "+00:00"))
    foreign_ts = f"{int(at.timestamp())}.{elsewhere['id'] % 1_000_000:06d}"
    answer = requests.post(hook["url"], json={"text": "x", "thread_ts": foreign_ts})
    assert (answer.status_code, answer.text) == (404, "thread_not_found")

    # Mentions in webhook text count for the person named, as anyone's.
    def mentions() -> int:
        channels = cast.bob.get(f"/workspaces/{cast.acme.id}/channels")["channels"]
        return next(c for c in channels if c["id"] == cast.acme.general_id)["mention_count"]
    cast.bob.post(f"/channels/{cast.acme.general_id}/read", {"message_id": root["id"]})
    before = mentions()
    bob_id = "U" + format_b36(cast.bob.id)
    assert requests.post(hook["url"], json={"text": f"<@{bob_id}> please look"}).text == "ok"
    assert requests.post(hook["url"], json={"text": f"@{cast.bob.username} again", "props": {}}).text == "ok"
    assert mentions() == before + 2
    last = messages_in(cast.bob, cast.acme.general_id)[-2]
    assert f'data-user-id="{cast.bob.id}"' in last["html"]


def test_rate_limit_per_webhook(cast: Cast) -> None:
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id)
    other = make_hook(cast.alice, cast.acme.id, cast.acme.general_id, "Other")
    answers = [requests.post(hook["url"], json={"text": f"n{i}"}) for i in range(HOOK_LIMIT + 1)]
    assert [a.status_code for a in answers[:HOOK_LIMIT]] == [200] * HOOK_LIMIT
    refused(answers[-1], 429, "rate_limited")
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    # Another webhook has its own count.
    assert requests.post(other["url"], json={"text": "still fine"}).text == "ok"


def test_edits_keep_integration_content(cast: Cast) -> None:
    """The webhook's bot (with a token its admin made) edits its message's text: the card, the
    source and the display stay, the text is rendered again."""
    hook = make_hook(cast.alice, cast.acme.id, cast.acme.general_id, icon_url="https://example.test/i.png")
    token = cast.alice.post(f"/bots/{hook['bot_id']}/tokens", {"name": "t"})["token"]
    robot = Person(cast.server_url, token, {"id": hook["bot_id"]}, "hook@bots.invalid")
    assert requests.post(hook["url"], json={"text": "v1", "attachments": [{"title": "Card"}]}).text == "ok"
    message = messages_in(cast.bob, cast.acme.general_id)[-1]
    edited = robot.call("PATCH", f"/messages/{message['id']}", {"body": "*v2* for <@U" + format_b36(cast.bob.id) + ">"})
    assert edited["props"] == {**message["props"], "text": "*v2* for <@U" + format_b36(cast.bob.id) + ">"}
    assert "<strong>v2</strong>" in edited["html"] and '<p class="card-title">Card</p>' in edited["html"]
    assert edited["body"].startswith("v2 for @") and edited["edited_at"] is not None
    # Too long a text is Slack's msg_too_long, and changes nothing.
    assert_error(robot.request("PATCH", f"/messages/{message['id']}", json={"body": "x" * 8001}), 400, "invalid")
    assert cast.bob.get(f"/messages/{message['id']}")["html"] == edited["html"]
    # Another bot may not edit it (it is in #general too).
    other = cast.alice.post(f"/workspaces/{cast.acme.id}/bots", {"name": "Other"})
    other_token = cast.alice.post(f"/bots/{other['id']}/tokens", {"name": "t"})["token"]
    stranger = Person(cast.server_url, other_token, other, "other@bots.invalid")
    assert_error(stranger.request("PATCH", f"/messages/{message['id']}", json={"body": "v3"}), 403, "not_author")


def test_create_webhook_from_the_command_line(tmp_path: Path) -> None:
    assert flask(tmp_path, "db", "upgrade").returncode == 0
    assert flask(tmp_path, "create-user", "ann@example.test", "--name", "Ann", "--password", "a long password",
                 "--username", "ann").returncode == 0
    ws = flask(tmp_path, "create-workspace", "Initech", "--owner", "ann@example.test")
    workspace_id = ws.stdout.split()[1]
    channel = flask(tmp_path, "create-channel", workspace_id, "alerts", "--by", "ann@example.test")
    channel_id = channel.stdout.split()[1]
    made = flask(tmp_path, "create-webhook", channel_id, "--by", "ann@example.test", "--name", "Nagios")
    assert made.returncode == 0, made.stderr
    out = subprocess.run(["bash", "-c", 'eval "$1"; echo "$WEBHOOK_URL"', "_", made.stdout],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert "/hooks/" in out
    refusal = flask(tmp_path, "create-webhook", "999", "--by", "ann@example.test")
    assert refusal.returncode != 0 and "not_found" in refusal.stderr
    server = start_server(tmp_path, port=None)
    try:
        url = server.url + "/hooks/" + out.rsplit("/", 1)[1]
        assert requests.post(url, json={"text": "from nagios"}).text == "ok"
        curl = subprocess.run(["curl", "-s", "-X", "POST", "-H", "Content-type: application/json",
                               "--data", '{"text":"curl says hi"}', url], capture_output=True, text=True, timeout=30)
        assert curl.stdout == "ok"
    finally:
        server.stop()
