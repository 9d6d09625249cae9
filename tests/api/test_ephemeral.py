"""The Web API's chat.postEphemeral through slack_sdk's WebClient: a message shown to one person
in a channel, reaching that person's sockets alone and never stored.

The proof that another member did not get it: they get a later message (``barrier``), and the
ephemeral one never came before it (a socket gets a process's ephemeral events, and its durable
ones, in order; one server process here)."""
from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from tests.api.helpers import history, unique
from tests.api.test_bots import make_bot
from tests.api.test_slack_web_api import client, sid, slack_error
from tests.support import Cast, Person, barrier


@pytest.fixture
def bot(cast: Cast) -> tuple[dict[str, Any], Person, WebClient]:
    made, robot = make_bot(cast.alice, cast.acme.id, unique("Whisper Bot"))
    return made, robot, client(cast.server_url, robot.token)


def test_post_ephemeral_reaches_only_that_person_and_is_not_kept(cast: Cast, bot: Any) -> None:
    made, robot, web = bot
    alice, bob, general = cast.alice, cast.bob, cast.acme.general_id
    alice_socket, bob_socket = alice.socket(), bob.socket()
    try:
        answer = web.chat_postEphemeral(channel=sid("C", general), user=sid("U", bob.id), text="psst, *Bob*")
        assert answer["ok"] is True and answer["message_ts"]
        shown = bob_socket.wait_for("message.ephemeral", lambda e: e["ts"] == answer["message_ts"])
        assert shown["author"]["id"] == made["id"] and shown["author"]["is_bot"] is True
        assert shown["channel_id"] == general and shown["workspace_id"] == cast.acme.id
        assert shown["body"] == "psst, *Bob*" and "<em>Bob</em>" in shown["html"]  # plain text: our Markdown
        assert shown["props"] is None and shown["ephemeral"] is True
        # Alice, in the same channel, gets a later message and never the ephemeral one.
        later = barrier(alice_socket, alice, general)
        assert alice_socket.events("message.ephemeral") == []
        assert [m["id"] for m in history(bob, general)["messages"]][-1] == later["id"]
        assert "psst" not in str(history(bob, general))

        # Blocks and attachments, in a thread: Slack content, rendered as a stored message would be.
        root = robot.post(f"/channels/{general}/messages", {"body": "a thread"})
        thread_ts = web.conversations_history(channel=sid("C", general), limit=1)["messages"][0]["ts"]
        rich = web.chat_postEphemeral(channel=sid("C", general), user=sid("U", bob.id), text="fallback",
                                      thread_ts=thread_ts,
                                      blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*bold* news"}}])
        card = bob_socket.wait_for("message.ephemeral", lambda e: e["ts"] == rich["message_ts"])
        assert card["thread_root_id"] == root["id"] and "<strong>bold</strong>" in card["html"]
        assert card["props"]["format"] == "slack" and card["props"]["blocks"]
    finally:
        alice_socket.close()
        bob_socket.close()


def test_post_ephemeral_answers_slacks_errors(cast: Cast, bot: Any) -> None:
    _made, _robot, web = bot
    general = sid("C", cast.acme.general_id)
    # Gus the guest is not in #general; Olga is not even in the workspace: both alike.
    assert slack_error(web.chat_postEphemeral, channel=general, user=sid("U", cast.gus.id), text="hi") == \
        "user_not_in_channel"
    assert slack_error(web.chat_postEphemeral, channel=general, user=sid("U", cast.olga.id), text="hi") == \
        "user_not_in_channel"
    assert slack_error(web.chat_postEphemeral, channel=general, user="nobody", text="hi") == "user_not_found"
    assert slack_error(web.chat_postEphemeral, channel=sid("C", cast.globex.general_id),
                       user=sid("U", cast.bob.id), text="hi") == "channel_not_found"
    assert slack_error(web.chat_postEphemeral, channel=general, user=sid("U", cast.bob.id), text="") == "no_text"
    assert slack_error(web.chat_postEphemeral, channel=general, user=sid("U", cast.bob.id),
                       text="x" * 8001) == "msg_too_long"
    assert slack_error(web.chat_postEphemeral, channel=general, user=sid("U", cast.bob.id), text="x",
                       thread_ts="1700000000.999999") == "thread_not_found"
    # A public channel the bot is not in: it could join, so Slack says not_in_channel.
    room = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("elsewhere")})
    assert slack_error(web.chat_postEphemeral, channel=sid("C", room["id"]), user=sid("U", cast.alice.id),
                       text="hi") == "not_in_channel"
    # A person's own token works too, as for every method.
    mine = client(cast.server_url, cast.alice.token)
    assert mine.chat_postEphemeral(channel=general, user=sid("U", cast.bob.id), text="from Alice")["ok"]
