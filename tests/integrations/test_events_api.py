"""Slack's Events API (issue 13, step 1): what happens in a channel reaches the bots in it that
have a request URL, as Slack's signed ``event_callback`` envelopes.

A real server (``python app.py``, eventlet; SQLite, and PostgreSQL with Redis) that may reach 127.0.0.1
(OUTBOUND_ALLOWED_NETWORKS), with one job worker and one outbound request at a time: a bot's
deliveries then arrive in the order their changes committed, so "the bot got nothing" is shown
by a later event it must get arriving alone. Bots listen on a real receiver on 127.0.0.1
(tests/receiver.py: it answers the url_verification handshake), whose requests are checked with
slack_sdk's SignatureVerifier, as a Slack app checks them; and an unmodified slack_bolt app
answers messages with ``say()``.

The cast: Alice owns Acme, Bob is a member, Gus a guest; Olga owns Globex."""
from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from slack_bolt import App, Say
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from tests.api.helpers import history, unique
from tests.api.test_bots import make_bot
from tests.conftest import server_for
from tests.receiver import Receiver
from tests.support import Cast, Person, Server, wait_until

TS = re.compile(r"[0-9]{10}\.[0-9]{6}")
EVENT_ID = re.compile(r"Ev[0-9A-Z]{8,}")


def sid(kind: str, value: int) -> str:
    """Our id as the server spells it for Slack (chat/services/integrations/slack_ids.py)."""
    digits = ""
    while value:
        value, rest = divmod(value, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
    return kind + digits.rjust(8, "0")


SERVER_ENV = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32", "OUTBOUND_TIMEOUT_SECONDS": "5",
              "DELIVERY_RETRY_SECONDS": "0,0.3,0.6", "JOB_WORKERS": "1", "OUTBOUND_CONCURRENCY": "1"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("events-api")
    started = server_for(request.param, folder, request, extra_env=SERVER_ENV)
    yield started
    started.stop()


@dataclass
class Listener:
    """A bot of Acme whose request URL is a path of its own on the receiver."""
    bot: dict[str, Any]
    robot: Person          # the bot acting with its token
    secret: str
    path: str
    receiver: Receiver

    @property
    def user_id(self) -> str:
        return sid("U", self.bot["id"])

    def envelopes(self, count: int, *, joins: bool = False) -> list[dict[str, Any]]:
        """The first ``count`` event_callback envelopes it got (waiting for them), each checked
        to be signed with its secret as Slack signs; ``joins``: member_joined_channel too
        (other bots made for a test join #general, and every listener hears of it)."""
        def enough() -> list[dict[str, Any]] | None:
            got = []
            for r in self.receiver.received(self.path):
                envelope = json.loads(r.body)
                if envelope["type"] != "event_callback":
                    continue  # the url_verification handshake
                assert r.headers["content-type"] == "application/json"
                assert SignatureVerifier(self.secret).is_valid_request(r.body, r.headers), r.headers
                if joins or envelope["event"]["type"] != "member_joined_channel":
                    got.append(envelope)
            return got if len(got) >= count else None
        return wait_until(enough, what=f"{count} events at {self.path}")

    def events(self, count: int, *, joins: bool = False) -> list[dict[str, Any]]:
        return [e["event"] for e in self.envelopes(count, joins=joins)]


def listening_bot(cast: Cast, receiver: Receiver, name: str = "Listener", *, fail: str = "",
                  **fields: Any) -> Listener:
    bot, robot = make_bot(cast.alice, cast.acme.id, unique(name), **fields)
    path = f"/events/{fail or 'ok'}/{uuid.uuid4().hex}/"
    changed = cast.alice.call("PATCH", f"/bots/{bot['id']}", {"events_url": receiver.url(path)})
    assert changed["events_url"] == receiver.url(path)  # the handshake passed
    secret = cast.alice.get(f"/bots/{bot['id']}/signing-secret")["signing_secret"]
    return Listener(bot, robot, secret, path, receiver)


def post(person: Person, channel_id: int, body: str, **fields: Any) -> dict[str, Any]:
    return person.post(f"/channels/{channel_id}/messages", {"body": body, **fields})


def channel_with(cast: Cast, *people: Person | Listener, private: bool = False) -> int:
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("ev"), "private": private})
    for p in people:
        user_id = p.bot["id"] if isinstance(p, Listener) else p.id
        cast.alice.post(f"/channels/{channel['id']}/members", {"user_id": user_id})
    return int(channel["id"])


def test_the_test_server_may_reach_bots_on_127_0_0_1(server: Server) -> None:
    # Integration requests to loopback are refused unless the operator allows the network: the
    # test server does, or no bot here could be reached (README, OUTBOUND_ALLOWED_NETWORKS).
    assert "127.0.0.1/32" in server.env["OUTBOUND_ALLOWED_NETWORKS"].split(",")


def test_a_message_reaches_a_bot_in_the_channel_as_slacks_signed_envelope(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)  # in #general, as every bot starts
    sent = post(cast.alice, cast.acme.general_id, "good morning")
    [envelope] = bot.envelopes(1)
    team = sid("T", cast.acme.id)
    assert envelope["type"] == "event_callback" and envelope["token"] == ""
    assert envelope["team_id"] == team and envelope["api_app_id"] == sid("A", bot.bot["id"])
    assert EVENT_ID.fullmatch(envelope["event_id"]) and isinstance(envelope["event_time"], int)
    assert envelope["authorizations"] == [{"enterprise_id": None, "team_id": team, "user_id": bot.user_id,
                                           "is_bot": True, "is_enterprise_install": False}]
    assert isinstance(envelope["event_context"], str) and envelope["is_ext_shared_channel"] is False
    event = envelope["event"]
    assert event["type"] == "message" and "subtype" not in event
    assert event["user"] == sid("U", cast.alice.id) and event["text"] == "good morning"
    assert event["channel"] == sid("C", cast.acme.general_id) and event["channel_type"] == "channel"
    assert event["team"] == team and TS.fullmatch(event["ts"]) and event["event_ts"] == event["ts"]
    assert "bot_id" not in event and "thread_ts" not in event
    # The ts is the message's, as the Web API gives it back.
    web = WebClient(base_url=f"{cast.server_url}/api/", token=bot.robot.token)
    [listed] = web.conversations_history(channel=event["channel"], limit=1)["messages"]
    assert listed["ts"] == event["ts"] and listed["text"] == sent["body"]


def test_a_thread_reply_names_its_thread_and_its_first_messages_author(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    root = post(cast.alice, cast.acme.general_id, "a question")
    post(cast.bob, cast.acme.general_id, "an answer", thread_root_id=root["id"])
    first, reply = bot.events(2)
    assert reply["thread_ts"] == first["ts"] and reply["parent_user_id"] == sid("U", cast.alice.id)
    assert reply["user"] == sid("U", cast.bob.id) and reply["text"] == "an answer" and reply["ts"] != first["ts"]


def test_edits_and_deletions_are_message_changed_and_message_deleted(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    sent = post(cast.alice, cast.acme.general_id, "draft")
    cast.alice.call("PATCH", f"/messages/{sent['id']}", {"body": "final"})
    cast.alice.call("DELETE", f"/messages/{sent['id']}")
    created, changed, deleted = bot.events(3)
    assert changed["type"] == "message" and changed["subtype"] == "message_changed" and changed["hidden"] is True
    assert changed["channel"] == created["channel"] and changed["channel_type"] == "channel"
    assert TS.fullmatch(changed["ts"]) and changed["event_ts"] == changed["ts"]
    assert changed["message"]["ts"] == created["ts"] and changed["message"]["text"] == "final"
    assert changed["message"]["edited"]["user"] == sid("U", cast.alice.id)
    assert changed["previous_message"]["text"] == "draft" and "edited" not in changed["previous_message"]
    assert deleted["subtype"] == "message_deleted" and deleted["hidden"] is True
    assert deleted["deleted_ts"] == created["ts"] and deleted["channel"] == created["channel"]
    assert deleted["previous_message"]["text"] == "final" and deleted["previous_message"]["ts"] == created["ts"]


def test_a_mentioned_bot_gets_app_mention_besides_the_message(cast: Cast, receiver: Receiver) -> None:
    named, other = listening_bot(cast, receiver, "Named"), listening_bot(cast, receiver, "Other")
    post(cast.alice, cast.acme.general_id, f"@{named.bot['username']} deploy please")
    post(cast.bob, cast.acme.general_id, f"<@{named.user_id}> and you?")
    message, mention, slack_message, slack_mention = named.events(4)
    assert message["type"] == "message" and mention["type"] == "app_mention"
    assert mention["user"] == sid("U", cast.alice.id) and mention["text"] == f"@{named.bot['username']} deploy please"
    assert mention["ts"] == message["ts"] and mention["channel"] == message["channel"]
    assert slack_message["type"] == "message" and slack_mention["type"] == "app_mention"
    assert slack_mention["user"] == sid("U", cast.bob.id) and slack_mention["text"] == f"<@{named.user_id}> and you?"
    # The other bot hears both messages, and no mention.
    assert [e["type"] for e in other.events(2)] == ["message", "message"]


def test_reactions_are_reaction_added_and_removed(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    sent = post(cast.alice, cast.acme.general_id, "ship it?")
    cast.bob.post(f"/messages/{sent['id']}/reactions", {"emoji": "👍"})
    cast.bob.call("DELETE", f"/messages/{sent['id']}/reactions/%F0%9F%91%8D")
    created, added, removed = bot.events(3)
    assert added == {"type": "reaction_added", "user": sid("U", cast.bob.id), "reaction": "+1",
                     "item": {"type": "message", "channel": created["channel"], "ts": created["ts"]},
                     "item_user": sid("U", cast.alice.id), "event_ts": added["event_ts"]}
    assert TS.fullmatch(added["event_ts"])
    assert removed["type"] == "reaction_removed" and removed["reaction"] == "+1" and removed["item"] == added["item"]


def test_joins_are_member_joined_channel_with_the_inviter(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    channel = channel_with(cast, bot)          # Alice adds the bot: it hears of itself joining
    cast.alice.post(f"/channels/{channel}/members", {"user_id": cast.bob.id})
    cast.gus.request("POST", f"/channels/{channel}/join")  # a guest cannot join: nothing
    cast.bob.post(f"/channels/{channel}/leave")
    cast.bob.post(f"/channels/{channel}/join")  # joins by himself: no inviter
    itself, bob_added, bob_joined = bot.events(3, joins=True)
    team, slack_channel = sid("T", cast.acme.id), sid("C", channel)
    assert itself == {"type": "member_joined_channel", "user": bot.user_id, "channel": slack_channel,
                      "channel_type": "C", "team": team, "inviter": sid("U", cast.alice.id),
                      "event_ts": itself["event_ts"]}
    assert bob_added["user"] == sid("U", cast.bob.id) and bob_added["inviter"] == sid("U", cast.alice.id)
    assert bob_joined["user"] == sid("U", cast.bob.id) and "inviter" not in bob_joined


def test_a_bot_hears_nothing_of_its_own_doings(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    own = post(bot.robot, cast.acme.general_id, "my own message")
    bot.robot.post(f"/messages/{own['id']}/reactions", {"emoji": "eyes"})
    bot.robot.call("PATCH", f"/messages/{own['id']}", {"body": "my own message, edited"})
    bot.robot.call("DELETE", f"/messages/{own['id']}")
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("own")})["id"]
    bot.robot.post(f"/channels/{channel}/join")
    bot.robot.post(f"/channels/{channel}/leave")
    post(cast.alice, cast.acme.general_id, "proof")
    [only] = bot.events(1)
    assert only["text"] == "proof" and only["user"] == sid("U", cast.alice.id)


def test_bots_ignore_other_bots_unless_told_otherwise(cast: Cast, receiver: Receiver) -> None:
    deaf = listening_bot(cast, receiver, "Deaf")                         # ignore_bots by default
    hearing = listening_bot(cast, receiver, "Hearing", ignore_bots=False)
    speaker = listening_bot(cast, receiver, "Speaker")
    spoken = post(speaker.robot, cast.acme.general_id, "beep")
    speaker.robot.post(f"/messages/{spoken['id']}/reactions", {"emoji": "robot_face"})
    hook = cast.alice.post(f"/workspaces/{cast.acme.id}/webhooks", {"channel_id": cast.acme.general_id,
                                                                   "name": unique("CI")})
    assert requests.post(hook["url"], json={"text": "build green"}, timeout=20).text == "ok"
    post(cast.alice, cast.acme.general_id, "proof")
    # Deaf hears people only; but it hears bots join (Hearing and Speaker when they were made,
    # the webhook's bot when the webhook was): a join is nothing to answer, so no loop.
    joins = [sid("U", user_id) for user_id in (hearing.bot["id"], speaker.bot["id"], hook["bot_id"])]
    heard = deaf.events(4, joins=True)
    assert [e.get("user") for e in heard[:3]] == joins and heard[3]["text"] == "proof"
    speaker_joined, beep, reaction, webhook_joined, webhook_post, proof = hearing.events(6, joins=True)
    assert [speaker_joined["user"], webhook_joined["user"]] == joins[1:]
    assert beep["user"] == speaker.user_id and beep["bot_id"] == sid("B", speaker.bot["id"]) and "subtype" not in beep
    assert reaction["type"] == "reaction_added" and reaction["user"] == speaker.user_id
    assert reaction["item"]["ts"] == beep["ts"] and reaction["item_user"] == speaker.user_id
    # An incoming webhook's post is Slack's bot_message: bot_id and username, no user.
    assert webhook_post["subtype"] == "bot_message" and webhook_post["text"] == "build green"
    assert webhook_post["bot_id"] == sid("B", hook["bot_id"]) and webhook_post["username"] == hook["name"]
    assert "user" not in webhook_post
    assert proof["text"] == "proof"
    # The speaker heard neither itself nor, ignoring bots, the webhook's post.
    assert [e.get("text") for e in speaker.events(2, joins=True)] == [None, "proof"]


def test_a_bot_hears_only_the_channels_it_is_in(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    public = channel_with(cast, cast.bob)
    private = channel_with(cast, cast.bob, private=True)
    post(cast.alice, public, "public, bot not in it")
    post(cast.bob, private, "private, bot not in it")
    direct = cast.alice.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [cast.bob.id]})
    post(cast.alice, direct["id"], "direct, bot not in it")
    inside = channel_with(cast, bot, cast.bob, private=True)
    post(cast.bob, inside, "private, bot in it")
    bot.robot.post(f"/channels/{inside}/leave")
    post(cast.bob, inside, "after the bot left")
    post(cast.alice, cast.acme.general_id, "proof")
    joined, bob_joined, heard, proof = bot.events(4, joins=True)
    assert [joined["user"], bob_joined["user"]] == [bot.user_id, sid("U", cast.bob.id)]
    assert heard["text"] == "private, bot in it" and heard["channel_type"] == "group"
    assert proof["text"] == "proof"


def test_a_direct_conversation_with_the_bot_is_an_im(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    direct = cast.bob.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [bot.bot["id"]]})
    post(cast.bob, direct["id"], f"hi @{bot.bot['username']}")
    [event] = bot.events(1)
    assert event["channel"] == sid("D", direct["id"]) and event["channel_type"] == "im"
    post(cast.alice, cast.acme.general_id, "proof")
    assert [e["type"] for e in bot.events(2)] == ["message", "message"]  # no app_mention in an im, as in Slack


def test_a_deactivated_bot_hears_nothing(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    cast.alice.post(f"/bots/{bot.bot['id']}/deactivate")
    post(cast.alice, cast.acme.general_id, "while deactivated")
    cast.alice.post(f"/bots/{bot.bot['id']}/reactivate")
    post(cast.alice, cast.acme.general_id, "back again")
    [only] = bot.events(1)
    assert only["text"] == "back again"


def test_another_workspaces_channels_are_never_heard(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver)
    post(cast.olga, cast.globex.general_id, "in globex")
    # Olga cannot put Acme's bot in her channel: it is not a member of her workspace.
    assert cast.olga.request("POST", f"/channels/{cast.globex.general_id}/members",
                             json={"user_id": bot.bot["id"]}).status_code == 404
    post(cast.olga, cast.globex.general_id, "still globex")
    # Globex's own bot hears Globex only.
    theirs, _ = make_bot(cast.olga, cast.globex.id, unique("Globex Bot"))
    path = f"/events/ok/{uuid.uuid4().hex}/"
    cast.olga.call("PATCH", f"/bots/{theirs['id']}", {"events_url": receiver.url(path)})
    post(cast.alice, cast.acme.general_id, "in acme")
    post(cast.olga, cast.globex.general_id, "globex again")
    assert [e["text"] for e in bot.events(1)] == ["in acme"]
    got = wait_until(lambda: [r for r in receiver.received(path) if b"event_callback" in r.body] or None)
    assert [json.loads(r.body)["event"]["text"] for r in got] == ["globex again"]


def test_a_failing_bot_gets_slacks_retries_of_the_same_signed_event(cast: Cast, receiver: Receiver) -> None:
    bot = listening_bot(cast, receiver, fail=f"fail/2/{uuid.uuid4().hex}")
    post(cast.alice, cast.acme.general_id, "retry me")
    got = wait_until(lambda: (r := [x for x in receiver.received(bot.path) if b"event_callback" in x.body])
                     and len(r) >= 3 and r, what="three attempts")
    assert [r.headers.get("x-slack-retry-num") for r in got] == [None, "1", "2"]
    assert [r.headers.get("x-slack-retry-reason") for r in got] == [None, "http_error", "http_error"]
    assert len({r.body for r in got}) == 1  # the same event, with the same event_id
    assert all(SignatureVerifier(bot.secret).is_valid_request(r.body, r.headers) for r in got)
    assert json.loads(got[0].body)["event"]["text"] == "retry me"


# --- an unmodified slack_bolt app ------------------------------------------------------------

class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class BoltBot:
    bot: dict[str, Any]
    robot: Person
    url: str


@pytest.fixture
def bolt_bot(cast: Cast) -> Iterator[BoltBot]:
    """A Bolt app exactly as Slack's docs write one, its WebClient pointed at our server, served
    by a WSGI server on 127.0.0.1; then set as the bot's request URL (Bolt answers the handshake)."""
    bot, robot = make_bot(cast.alice, cast.acme.id, unique("Bolt"))
    secret = cast.alice.get(f"/bots/{bot['id']}/signing-secret")["signing_secret"]
    app = App(token=robot.token, signing_secret=secret,
              client=WebClient(base_url=f"{cast.server_url}/api/", token=robot.token))

    @app.message("hello")
    def hello(message: dict[str, Any], say: Say) -> None:
        say(f"Hey there <@{message['user']}>!")

    @app.message("thread please")
    def in_thread(message: dict[str, Any], say: Say) -> None:
        say(text="Answering in the thread", thread_ts=message.get("thread_ts") or message["ts"])

    @app.event("app_mention")
    def mentioned(event: dict[str, Any], say: Say) -> None:
        say(f"You called, <@{event['user']}>?")

    handler = SlackRequestHandler(app)
    httpd = make_server("127.0.0.1", 0, handler, server_class=_ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/slack/events"
    assert cast.alice.call("PATCH", f"/bots/{bot['id']}", {"events_url": url})["events_url"] == url
    yield BoltBot(bot, robot, url)
    httpd.shutdown()
    httpd.server_close()


def _replies_by(person: Person, channel_id: int, bot_id: int, count: int) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]] | None:
        mine = [m for m in history(person, channel_id)["messages"] if m["author"]["id"] == bot_id]
        return mine if len(mine) >= count else None
    return wait_until(found, what=f"{count} replies of the bot")


def test_an_unmodified_bolt_app_answers_hello_with_say(cast: Cast, bolt_bot: BoltBot) -> None:
    # Alice over Socket.IO, as the browser sends; Bob over REST.
    socket = cast.alice.socket()
    try:
        ack = socket.call("message.send", {"channel_id": cast.acme.general_id, "body": "hello bot"})
        assert "data" in ack, ack
    finally:
        socket.close()
    [reply] = _replies_by(cast.alice, cast.acme.general_id, bolt_bot.bot["id"], 1)
    assert reply["body"] == f"Hey there <@{sid('U', cast.alice.id)}>!" and reply["author"]["is_bot"] is True
    post(cast.bob, cast.acme.general_id, "hello from Bob")
    replies = _replies_by(cast.alice, cast.acme.general_id, bolt_bot.bot["id"], 2)
    assert replies[-1]["body"] == f"Hey there <@{sid('U', cast.bob.id)}>!"


def test_a_bolt_app_answers_in_the_thread_and_to_mentions(cast: Cast, bolt_bot: BoltBot) -> None:
    channel = channel_with(cast, cast.bob)
    cast.alice.post(f"/channels/{channel}/members", {"user_id": bolt_bot.bot["id"]})
    asked = post(cast.bob, channel, "thread please")

    def in_thread() -> list[dict[str, Any]] | None:
        thread = cast.bob.get(f"/messages/{asked['id']}/thread")
        return [m for m in thread["messages"] if m["author"]["id"] == bolt_bot.bot["id"]] or None
    [reply] = wait_until(in_thread, what="the bot's reply in the thread")
    assert reply["body"] == "Answering in the thread" and reply["thread_root_id"] == asked["id"]
    post(cast.bob, channel, f"@{bolt_bot.bot['username']} are you there")
    [answer] = _replies_by(cast.bob, channel, bolt_bot.bot["id"], 1)  # top-level replies only
    assert answer["body"] == f"You called, <@{sid('U', cast.bob.id)}>?"
