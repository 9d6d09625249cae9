"""The Slack-compatible Web API (/api/<method>), driven by the real slack_sdk ``WebClient``
pointed at our server with a bot's token, as an integration written for Slack would be.

The cast: Alice owns Acme, Bob is a member, Gus a guest; Olga owns Globex. Each test makes its
own bot through the REST API (tests/api/test_bots.py's ``make_bot``)."""
from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.api.helpers import history, unique
from tests.api.test_bots import make_bot
from tests.support import Cast, Person, Server, start_server

U = re.compile(r"U[0-9A-Z]{8,13}")
TS = re.compile(r"[0-9]{10}\.[0-9]{6}")


def client(server_url: str, token: str) -> WebClient:
    return WebClient(base_url=f"{server_url}/api/", token=token, timeout=20)


def slack_error(call: Any, *args: Any, **kwargs: Any) -> str:
    """The Slack error a WebClient call raises (it must raise one)."""
    with pytest.raises(SlackApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.response["ok"] is False
    return str(caught.value.response["error"])


def sid(kind: str, value: int) -> str:
    """Our id as the server spells it for Slack (chat/services/integrations/slack_ids.py)."""
    digits = ""
    while value:
        value, rest = divmod(value, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
    return kind + digits.rjust(8, "0")


def raw(server_url: str, method: str, **kwargs: Any) -> requests.Response:
    return requests.post(f"{server_url}/api/{method}", timeout=20, **kwargs)


@pytest.fixture
def bot(cast: Cast) -> tuple[dict[str, Any], Person, WebClient]:
    made, robot = make_bot(cast.alice, cast.acme.id, unique("Web Bot"))
    return made, robot, client(cast.server_url, robot.token)


def test_identity_methods_name_the_bot_its_team_and_its_people(cast: Cast, bot: Any) -> None:
    made, _robot, web = bot
    assert web.api_test(foo="bar")["args"] == {"foo": "bar"}
    me = web.auth_test()
    assert me["user_id"] == sid("U", made["id"]) and me["bot_id"] == sid("B", made["id"])
    assert me["team_id"] == sid("T", cast.acme.id) and me["team"] == "Acme" and me["user"] == made["username"]
    team = web.team_info()["team"]
    assert team["id"] == me["team_id"] and team["name"] == "Acme" and team["domain"] == "acme"

    info = web.users_info(user=sid("U", cast.bob.id))["user"]
    assert info["name"] == cast.bob.username and info["is_bot"] is False and info["deleted"] is False
    assert "email" not in info["profile"]  # our members never see each other's addresses
    own = web.users_info(user=me["user_id"])["user"]
    assert own["is_bot"] is True and own["profile"]["bot_id"] == me["bot_id"]
    found = web.users_lookupByEmail(email=cast.bob.email.upper())["user"]
    assert found["id"] == sid("U", cast.bob.id) and found["profile"]["email"] == cast.bob.email
    # Olga is in Globex only: not found, whether by email or by id.
    assert slack_error(web.users_lookupByEmail, email=cast.olga.email) == "users_not_found"
    assert slack_error(web.users_info, user=sid("U", cast.olga.id)) == "user_not_found"
    assert slack_error(web.users_info, user="nobody") == "user_not_found"

    # users.list pages with cursors until next_cursor is empty; each member once.
    seen: list[str] = []
    cursor = None
    while True:
        page = web.users_list(limit=2, cursor=cursor)
        seen += [m["id"] for m in page["members"]]
        assert len(page["members"]) <= 2
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    people = {sid("U", p.id) for p in (cast.alice, cast.bob, cast.gus)} | {me["user_id"]}
    assert people <= set(seen) and len(seen) == len(set(seen)) and sid("U", cast.olga.id) not in seen


def test_conversations_list_info_members_and_join(cast: Cast, bot: Any) -> None:
    made, _robot, web = bot
    lobby = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("lobby")})
    secret = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("secret"), "private": True})
    general = sid("C", cast.acme.general_id)

    listed = {c["id"]: c for c in web.conversations_list(types="public_channel,private_channel")["channels"]}
    # A bot sees the channels it is in: #general, not the lobby it was not added to, nor the private one.
    assert general in listed and listed[general]["is_member"] is True and listed[general]["is_general"] is True
    assert sid("C", lobby["id"]) not in listed and sid("C", secret["id"]) not in listed

    # It may join a public channel, as Slack's channels:join allows; never a private one.
    assert slack_error(web.conversations_history, channel=sid("C", lobby["id"])) == "channel_not_found"
    joined = web.conversations_join(channel=sid("C", lobby["id"]))
    assert joined["channel"]["id"] == sid("C", lobby["id"]) and joined["channel"]["is_member"] is True
    again = web.conversations_join(channel=sid("C", lobby["id"]))
    assert again["warning"] == "already_in_channel"
    assert slack_error(web.conversations_join, channel=sid("C", secret["id"])) == "channel_not_found"
    assert slack_error(web.conversations_join, channel=sid("C", cast.globex.general_id)) == "channel_not_found"

    info = web.conversations_info(channel=sid("C", lobby["id"]), include_num_members=True)["channel"]
    assert info["name"] == lobby["name"] and info["is_private"] is False and info["num_members"] == 2
    members = web.conversations_members(channel=sid("C", lobby["id"]))["members"]
    assert set(members) == {sid("U", cast.bob.id), sid("U", made["id"])}

    # Paging through conversations.list with a cursor gives each channel once.
    seen: list[str] = []
    cursor = None
    while True:
        page = web.conversations_list(types="public_channel", limit=1, cursor=cursor)
        seen += [c["id"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted({general, sid("C", lobby["id"])})


def test_a_message_round_trip_by_ts(cast: Cast, bot: Any) -> None:
    """post -> history -> update -> reactions -> thread reply -> replies by thread_ts -> pins -> delete."""
    made, _robot, web = bot
    channel = sid("C", cast.acme.general_id)
    posted = web.chat_postMessage(channel=channel, text="deploy *started*")
    ts = posted["ts"]
    assert posted["channel"] == channel and TS.fullmatch(ts)
    assert posted["message"]["bot_id"] == sid("B", made["id"]) and posted["message"]["text"] == "deploy *started*"
    # People see it through the REST API, by the same message.
    assert history(cast.bob, cast.acme.general_id)["messages"][-1]["body"] == "deploy *started*"

    newest = web.conversations_history(channel=channel, limit=1)["messages"][0]
    assert newest["ts"] == ts and newest["user"] == sid("U", made["id"]) and newest["type"] == "message"

    updated = web.chat_update(channel=channel, ts=ts, text="deploy *done*")
    assert updated["ts"] == ts and updated["text"] == "deploy *done*"
    edited = web.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)["messages"][0]
    assert edited["ts"] == ts and edited["text"] == "deploy *done*" and edited["edited"]["user"] == newest["user"]

    web.reactions_add(channel=channel, timestamp=ts, name="thumbsup")
    assert slack_error(web.reactions_add, channel=channel, timestamp=ts, name="+1") == "already_reacted"
    # Bob's 👍 from the web client is the same reaction.
    message_id = history(cast.bob, cast.acme.general_id)["messages"][-1]["id"]
    cast.bob.post(f"/messages/{message_id}/reactions", {"emoji": "👍"})
    got = web.reactions_get(channel=channel, timestamp=ts)["message"]
    assert got["reactions"] == [{"name": "+1", "count": 2, "users": [sid("U", made["id"]), sid("U", cast.bob.id)]}]
    web.reactions_remove(channel=channel, timestamp=ts, name="thumbsup")
    assert slack_error(web.reactions_remove, channel=channel, timestamp=ts, name="thumbsup") == "no_reaction"

    reply = web.chat_postMessage(channel=channel, text="details", thread_ts=ts)
    assert reply["message"]["thread_ts"] == ts
    # A reply's ts also names the thread.
    web.chat_postMessage(channel=channel, text="more", thread_ts=reply["ts"])
    thread = web.conversations_replies(channel=channel, ts=ts)["messages"]
    assert [m["text"] for m in thread] == ["deploy *done*", "details", "more"]
    assert thread[0]["reply_count"] == 2 and thread[0]["thread_ts"] == ts
    assert all(m["thread_ts"] == ts for m in thread[1:])
    top = web.conversations_history(channel=channel, oldest=ts, inclusive=True)["messages"]
    assert [m["ts"] for m in top] == [ts]  # replies stay in their thread

    web.pins_add(channel=channel, timestamp=ts)
    assert slack_error(web.pins_add, channel=channel, timestamp=ts) == "already_pinned"
    web.pins_remove(channel=channel, timestamp=ts)
    assert slack_error(web.pins_remove, channel=channel, timestamp=ts) == "no_pin"

    link = web.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    assert link.endswith(f"#w={cast.acme.id}&c={cast.acme.general_id}")

    deleted = web.chat_delete(channel=channel, ts=reply["ts"])
    assert deleted["ts"] == reply["ts"]
    assert slack_error(web.chat_update, channel=channel, ts=reply["ts"], text="x") == "message_not_found"
    assert slack_error(web.reactions_get, channel=channel, timestamp="1.000001") == "message_not_found"


BLOCKS = [{"type": "header", "text": {"type": "plain_text", "text": "Deploy"}},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*v1.2* is live"}},
          {"type": "divider"}]
ATTACHMENTS = [{"fallback": "Build 42 failed", "color": "danger", "title": "Build 42", "text": "*main* is red",
                "mrkdwn_in": ["text"], "fields": [{"title": "Branch", "value": "main", "short": True}]}]


def test_blocks_and_attachments_are_posted_updated_and_read_back(cast: Cast, bot: Any) -> None:
    """slack_sdk sends them as JSON arrays; a form body carries them as JSON strings."""
    _made, robot, web = bot
    channel = sid("C", cast.acme.general_id)
    posted = web.chat_postMessage(channel=channel, text="Deploy finished", blocks=BLOCKS, attachments=ATTACHMENTS)
    assert "warning" not in posted.data
    ts = posted["ts"]
    sent = posted["message"]
    assert sent["text"] == "Deploy finished" and sent["blocks"] == BLOCKS
    assert sent["attachments"][0]["title"] == "Build 42" and sent["attachments"][0]["color"] == "danger"
    newest = web.conversations_history(channel=channel, limit=1)["messages"][0]
    assert newest["ts"] == ts and newest["blocks"] == BLOCKS and newest["attachments"] == sent["attachments"]
    # People see cards, through the REST API.
    message_id = history(cast.bob, cast.acme.general_id)["messages"][-1]["id"]
    html = cast.bob.get(f"/messages/{message_id}")["html"]
    assert '<div class="blocks">' in html and '<p class="block block-header">Deploy</p>' in html
    assert '<article class="card card-danger"' in html and "<strong>main</strong>" in html

    # chat.update with new blocks (the attachments stay with what is sent: none here).
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*v1.3* is live"}}]
    updated = web.chat_update(channel=channel, ts=ts, text="Deploy v1.3", blocks=new_blocks, attachments=[])
    assert updated["ts"] == ts and updated["text"] == "Deploy v1.3" and updated["message"]["blocks"] == new_blocks
    assert "attachments" not in updated["message"]
    html = cast.bob.get(f"/messages/{message_id}")["html"]
    assert "<strong>v1.3</strong>" in html and "card-danger" not in html
    # A text-only update keeps the blocks, as in Slack.
    web.chat_update(channel=channel, ts=ts, text="Deploy v1.3 (final)")
    again = web.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)["messages"][0]
    assert again["text"] == "Deploy v1.3 (final)" and again["blocks"] == new_blocks

    # A thread reply with blocks reads back in conversations.replies.
    reply = web.chat_postMessage(channel=channel, thread_ts=ts, blocks=new_blocks)
    thread = web.conversations_replies(channel=channel, ts=ts)["messages"]
    assert thread[-1]["ts"] == reply["ts"] and thread[-1]["blocks"] == new_blocks and thread[-1]["text"] == ""

    # A form body, as slack_sdk sends for other methods: JSON strings.
    answer = raw(cast.server_url, "chat.postMessage", headers={"Authorization": f"Bearer {robot.token}"},
                 data={"channel": channel, "text": "form", "attachments": json.dumps(ATTACHMENTS)}).json()
    assert answer["ok"] is True and answer["message"]["attachments"][0]["title"] == "Build 42"
    broken = raw(cast.server_url, "chat.postMessage", headers={"Authorization": f"Bearer {robot.token}"},
                 data={"channel": channel, "blocks": "[{not json"}).json()
    assert broken == {**broken, "ok": False, "error": "invalid_blocks"}

    # Plain text still posts as before, with no blocks or attachments in its message.
    plain = web.chat_postMessage(channel=channel, text="plain *text*")["message"]
    assert plain["text"] == "plain *text*" and "blocks" not in plain and "attachments" not in plain


def test_invalid_content_answers_slack_errors(cast: Cast, bot: Any) -> None:
    _made, _robot, web = bot
    channel = sid("C", cast.acme.general_id)
    before = len(history(cast.bob, cast.acme.general_id)["messages"])
    assert slack_error(web.chat_postMessage, channel=channel, text="x", blocks=[{"type": "section"}]) \
        == "invalid_blocks"
    assert slack_error(web.chat_postMessage, channel=channel, blocks=[{"type": "header", "text": "x"}]) \
        == "invalid_blocks"
    assert slack_error(web.chat_postMessage, channel=channel, text="x", attachments=[{"fields": "no"}]) \
        == "invalid_attachments"
    assert slack_error(web.chat_postMessage, channel=channel, blocks=[], attachments=[]) == "no_text"
    assert slack_error(web.chat_postMessage, channel=channel, text="x" * 40_001, blocks=BLOCKS) == "msg_too_long"
    assert len(history(cast.bob, cast.acme.general_id)["messages"]) == before  # nothing was posted
    ts = web.chat_postMessage(channel=channel, text="ok", blocks=BLOCKS)["ts"]
    assert slack_error(web.chat_update, channel=channel, ts=ts, blocks=[{"type": "image"}]) == "invalid_blocks"
    assert web.conversations_history(channel=channel, limit=1)["messages"][0]["blocks"] == BLOCKS


def test_overrides_only_where_the_workspace_allows_them(cast: Cast, bot: Any) -> None:
    _made, _robot, web = bot
    channel = sid("C", cast.acme.general_id)
    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"webhook_overrides": False})
    ignored = web.chat_postMessage(channel=channel, text="as me", username="Release Train", icon_emoji=":ghost:")
    assert ignored["warning"] == "message_overrides_not_supported"
    assert "username" not in ignored["message"] and "icons" not in ignored["message"]
    assert history(cast.bob, cast.acme.general_id)["messages"][-1]["props"] is None  # plain text, as before

    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"webhook_overrides": True})
    try:
        shown = web.chat_postMessage(channel=channel, text="as a train", username="Release Train",
                                     icon_emoji=":steam_locomotive:", blocks=BLOCKS)
        assert "warning" not in shown.data
        assert shown["message"]["username"] == "Release Train"
        assert shown["message"]["icons"] == {"emoji": ":steam_locomotive:"}
        props = history(cast.bob, cast.acme.general_id)["messages"][-1]["props"]
        assert props["username"] == "Release Train" and props["icon_emoji"] == ":steam_locomotive:"
        # An update with new blocks keeps how the poster is shown.
        updated = web.chat_update(channel=channel, ts=shown["ts"], text="still a train", blocks=BLOCKS[:1])
        assert updated["message"]["username"] == "Release Train"
        # Checked as webhooks' are: Slack's invalid_arguments for a bad icon_url.
        assert slack_error(web.chat_postMessage, channel=channel, text="x", icon_url="ftp://x") == "invalid_arguments"
    finally:
        cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"webhook_overrides": False})


def test_history_pages_with_cursors_and_bounds(cast: Cast, bot: Any) -> None:
    _made, _robot, web = bot
    room = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("pages")})
    channel = sid("C", room["id"])
    web.conversations_join(channel=channel)
    stamps = [web.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(7)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 7  # unique and ordered like time

    texts: list[str] = []
    cursor = None
    while True:
        page = web.conversations_history(channel=channel, limit=3, cursor=cursor)
        texts += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert texts == [f"m{i}" for i in reversed(range(7))]  # newest first, each once

    between = web.conversations_history(channel=channel, oldest=stamps[1], latest=stamps[5])["messages"]
    assert [m["text"] for m in between] == ["m4", "m3", "m2"]
    inclusive = web.conversations_history(channel=channel, oldest=stamps[1], latest=stamps[5], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m5", "m4", "m3", "m2", "m1"]
    # Times that name no message bound by time: all of them lie after 0 and before the future.
    everything = web.conversations_history(channel=channel, oldest="0", latest=str(time.time() + 3600))
    assert len(everything["messages"]) == 7
    assert web.conversations_history(channel=channel, latest="1000000000.000000")["messages"] == []
    assert slack_error(web.conversations_history, channel=channel, oldest="yesterday") == "invalid_ts_oldest"
    assert slack_error(web.conversations_history, channel=channel, cursor="bm90LWEtY3Vyc29y") == "invalid_cursor"


def test_channels_made_opened_invited_and_topics(cast: Cast, bot: Any) -> None:
    made, _robot, web = bot
    # Bots make no channels here (as through the REST API); a person's token may.
    assert slack_error(web.conversations_create, name=unique("botroom")) == "restricted_action"
    person = client(cast.server_url, cast.bob.token)
    name = unique("room")
    created = person.conversations_create(name=name)["channel"]
    assert created["name"] == name and created["is_member"] is True
    assert slack_error(person.conversations_create, name=name) == "name_taken"
    assert slack_error(person.conversations_create, name="Not A Name!") == "invalid_name"

    person.conversations_invite(channel=created["id"], users=sid("U", made["id"]))
    assert slack_error(person.conversations_invite, channel=created["id"], users=sid("U", made["id"])) \
        == "already_in_channel"
    assert slack_error(person.conversations_invite, channel=created["id"], users=sid("U", cast.olga.id)) \
        == "user_not_found"
    topic = web.conversations_setTopic(channel=created["id"], topic="release day")["channel"]
    assert topic["topic"]["value"] == "release day"

    dm = web.conversations_open(users=sid("U", cast.bob.id))["channel"]["id"]
    assert dm.startswith("D")
    web.chat_postMessage(channel=dm, text="psst")
    assert web.conversations_history(channel=dm)["messages"][0]["text"] == "psst"
    # Posting to a user id goes to the direct conversation with them, as Slack does.
    assert web.chat_postMessage(channel=sid("U", cast.bob.id), text="again")["channel"] == dm
    info = web.conversations_info(channel=dm)["channel"]
    assert info["is_im"] is True and info["user"] == sid("U", cast.bob.id)
    assert slack_error(web.conversations_open, users=sid("U", cast.olga.id)) == "user_not_found"


def test_slack_errors_for_failures(cast: Cast, bot: Any) -> None:
    made, _robot, web = bot
    general = sid("C", cast.acme.general_id)
    lobby = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("lobby")})
    # Another workspace's channel and a public channel the bot is not in look the same for reading.
    assert slack_error(web.conversations_history, channel=sid("C", cast.globex.general_id)) == "channel_not_found"
    assert slack_error(web.conversations_info, channel=sid("C", lobby["id"])) == "channel_not_found"
    assert slack_error(web.chat_postMessage, channel=sid("C", cast.globex.general_id), text="hi") \
        == "channel_not_found"
    assert slack_error(web.chat_postMessage, channel="C-nonsense", text="hi") == "channel_not_found"
    # A public channel it could join: not in it.
    assert slack_error(web.chat_postMessage, channel=sid("C", lobby["id"]), text="hi") == "not_in_channel"
    assert slack_error(web.chat_postMessage, channel=general, text="   ") == "no_text"
    assert slack_error(web.chat_postMessage, channel=general, text="x" * 8001) == "msg_too_long"
    assert slack_error(web.chat_postMessage, channel=general, text="hi", thread_ts="1.000001") == "thread_not_found"

    bobs = cast.bob.post(f"/channels/{cast.acme.general_id}/messages", {"body": "mine"})
    bobs_ts = web.conversations_history(channel=general, limit=1)["messages"][0]["ts"]
    assert bobs["body"] == "mine"
    assert slack_error(web.chat_update, channel=general, ts=bobs_ts, text="yours") == "cant_update_message"
    assert slack_error(web.chat_delete, channel=general, ts=bobs_ts) == "cant_delete_message"
    assert slack_error(web.chat_update, channel=general, ts="1700000000.999999", text="x") == "message_not_found"
    assert slack_error(web.chat_postEphemeral, channel=general, user=sid("U", cast.gus.id), text="x") \
        == "user_not_in_channel"  # more in tests/api/test_ephemeral.py

    archived = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("old")})
    cast.bob.post(f"/channels/{archived['id']}/members", {"user_id": made["id"]})
    cast.bob.call("PATCH", f"/channels/{archived['id']}", {"archived": True})
    assert slack_error(web.chat_postMessage, channel=sid("C", archived["id"]), text="hi") == "is_archived"

    warned = web.chat_postMessage(channel=general, text="with blocks", blocks=[{"type": "divider"}],
                                  reply_broadcast=True, thread_ts=bobs_ts)
    assert warned["response_metadata"]["warnings"] == ["reply_broadcast_not_supported"]
    assert warned["message"]["blocks"] == [{"type": "divider"}]


def test_tokens_that_do_not_work(cast: Cast, bot: Any) -> None:
    made, robot, web = bot
    url = cast.server_url
    assert slack_error(WebClient(base_url=f"{url}/api/").auth_test) == "not_authed"
    assert slack_error(client(url, "xoxb-not-ours").auth_test) == "invalid_auth"
    assert slack_error(web.api_call, "no.suchMethod") == "unknown_method"
    # The token as a form field works too; a cookie never does.
    assert raw(url, "auth.test", data={"token": robot.token}).json()["ok"] is True
    by_get = requests.get(f"{url}/api/auth.test", params={"token": robot.token}, timeout=10).json()
    assert by_get["ok"] is True and by_get["user_id"] == sid("U", made["id"])

    token = cast.alice.post(f"/bots/{made['id']}/tokens", {"name": "spare"})
    spare = client(url, token["token"])
    assert spare.auth_test()["ok"] is True
    cast.alice.call("DELETE", f"/bots/{made['id']}/tokens/{token['id']}")
    assert slack_error(spare.auth_test) == "token_revoked"

    cast.alice.post(f"/bots/{made['id']}/deactivate")
    assert slack_error(web.auth_test) == "account_inactive"
    assert slack_error(web.chat_postMessage, channel=sid("C", cast.acme.general_id), text="hi") \
        == "account_inactive"


def test_bad_input_answers_ok_false_and_changes_nothing(cast: Cast, bot: Any) -> None:
    _made, robot, _web = bot
    url = cast.server_url
    auth = {"Authorization": f"Bearer {robot.token}"}
    general = sid("C", cast.acme.general_id)
    before = history(cast.bob, cast.acme.general_id)

    def refused(method: str, **kwargs: Any) -> str:
        response = raw(url, method, headers={**auth, **kwargs.pop("headers", {})}, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is False, body
        return str(body["error"])

    assert refused("chat.postMessage", data=b"{not json", headers={"Content-Type": "application/json"}) \
        == "invalid_json"
    assert refused("chat.postMessage", data=b"[1, 2]", headers={"Content-Type": "application/json"}) \
        == "invalid_json"
    assert refused("chat.postMessage", json={"channel": general, "text": {"nested": True}}) == "invalid_arguments"
    assert refused("chat.postMessage", json={"channel": 12, "text": "hi"}) == "channel_not_found"
    assert refused("chat.postMessage", data=b"text/plain body", headers={"Content-Type": "text/plain"}) \
        == "invalid_form_data"
    assert refused("chat.postMessage", json={"channel": general, "text": "hi", "bad name!": 1}) \
        == "invalid_arg_name"
    assert refused("conversations.history", data={"channel": general, "limit": "10" * 30}) == "invalid_limit"
    assert refused("conversations.history", data={"channel": general, "limit": "-1"}) == "invalid_limit"
    assert refused("conversations.history", data={"channel": general, "inclusive": "maybe"}) == "invalid_arguments"
    assert refused("conversations.list", data={"types": "everything"}) == "invalid_types"
    assert refused("chat.postMessage", data={"channel": general, "text": "x" * 3 * 1024 * 1024}) \
        == "request_too_large"
    assert refused("conversations.history", data={"channel": general, "latest": "1e400"}) == "invalid_ts_latest"
    # A huge limit within Slack's ceiling is a page of ours, not an error.
    assert raw(url, "conversations.history", headers=auth, data={"channel": general, "limit": "999"}).json()["ok"]
    assert history(cast.bob, cast.acme.general_id) == before
    # The REST API's own routes are untouched by the Web API's door.
    assert requests.get(f"{url}/api/v1/nowhere", headers=auth, timeout=10).status_code == 404


def test_a_person_token_works_in_the_chosen_team(cast: Cast) -> None:
    web = client(cast.server_url, cast.olga.token)
    me = web.auth_test()
    assert me["team_id"] == sid("T", cast.globex.id) and "bot_id" not in me
    assert slack_error(web.auth_test, team_id=sid("T", cast.acme.id)) == "team_access_not_granted"
    alice = client(cast.server_url, cast.alice.token)
    # A person reads public channels they are not in, as in Slack; the bot-only rule is not theirs.
    lobby = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("lobby")})
    cast.bob.post(f"/channels/{lobby['id']}/messages", {"body": "hello"})
    assert alice.conversations_history(channel=sid("C", lobby["id"]))["messages"][0]["text"] == "hello"
    assert slack_error(alice.chat_postMessage, channel=sid("C", lobby["id"]), text="hi") == "not_in_channel"


def test_an_outsider_reaches_nothing_of_another_workspace(cast: Cast, bot: Any) -> None:
    """Olga's token (Globex) against Acme's ids, method by method: never ok, never a hint."""
    _made, _robot, web = bot
    acme_ts = web.chat_postMessage(channel=sid("C", cast.acme.general_id), text="acme only")["ts"]
    olga = client(cast.server_url, cast.olga.token)
    channel = sid("C", cast.acme.general_id)
    calls = {
        "conversations.history": {"channel": channel}, "conversations.info": {"channel": channel},
        "conversations.members": {"channel": channel}, "conversations.join": {"channel": channel},
        "conversations.replies": {"channel": channel, "ts": acme_ts},
        "conversations.setTopic": {"channel": channel, "topic": "mine"},
        "conversations.invite": {"channel": channel, "users": sid("U", cast.bob.id)},
        "chat.postMessage": {"channel": channel, "text": "hi"},
        "chat.update": {"channel": channel, "ts": acme_ts, "text": "hi"},
        "chat.delete": {"channel": channel, "ts": acme_ts},
        "chat.getPermalink": {"channel": channel, "message_ts": acme_ts},
        "reactions.add": {"channel": channel, "timestamp": acme_ts, "name": "eyes"},
        "reactions.get": {"channel": channel, "timestamp": acme_ts},
        "pins.add": {"channel": channel, "timestamp": acme_ts},
        "users.info": {"user": sid("U", cast.bob.id)},
        "users.lookupByEmail": {"email": cast.bob.email},
        "conversations.open": {"users": sid("U", cast.bob.id)},
    }
    for name, params in calls.items():
        error = slack_error(olga.api_call, name, params=params)
        assert error in ("channel_not_found", "user_not_found", "users_not_found", "thread_not_found"), (name, error)
    assert all(c["id"] != channel for c in olga.conversations_list(types="public_channel,private_channel,im,mpim")
               ["channels"])
    got = web.conversations_history(channel=channel, limit=1)["messages"][0]
    assert got["ts"] == acme_ts and got["text"] == "acme only" and "reactions" not in got


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    srv = start_server(tmp_path_factory.mktemp("webapi-limits"), extra_env={"RATE_LIMIT_WEB_API": "3 per minute"})
    yield srv
    srv.stop()


def test_ratelimited_with_retry_after(tight_server: Server) -> None:
    from tests.support import make_cast

    cast = make_cast(tight_server.url)
    made, robot = make_bot(cast.alice, cast.acme.id, unique("Busy Bot"))
    web = client(tight_server.url, robot.token)
    for _ in range(3):
        web.auth_test()
    with pytest.raises(SlackApiError) as caught:
        web.auth_test()
    assert caught.value.response.status_code == 429 and caught.value.response["error"] == "ratelimited"
    retry_after = caught.value.response.headers["Retry-After"]
    assert 1 <= int(retry_after[0] if isinstance(retry_after, list) else retry_after) <= 60
    # Per token: another token of the same bot still works.
    token = cast.alice.post(f"/bots/{made['id']}/tokens", {"name": "second"})["token"]
    assert client(tight_server.url, token).auth_test()["ok"] is True
