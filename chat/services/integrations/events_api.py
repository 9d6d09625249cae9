"""Slack's Events API: what happens in a channel, sent to each bot that listens to it
(``listeners``: an active bot in the channel with a request URL) as Slack's ``event_callback``
envelope, signed with the bot's signing secret (v0), as a delivery of kind ``events_api``
(``deliveries``: retries on Slack's schedule with its retry headers, the log, replay).

One function per action, called once by the action's service inside its transaction, so an
event goes out exactly when the change commits:

=====================  ================================================================
``messages_created``   the send path, once per batch: ``message`` (replies with
                       ``thread_ts``/``parent_user_id``), and ``app_mention`` to bots named
``message_changed``    an edit: ``message`` subtype ``message_changed``
``message_deleted``    a deletion: ``message`` subtype ``message_deleted``
``reaction_changed``   ``reaction_added`` / ``reaction_removed``
``members_joined``     ``member_joined_channel``
=====================  ================================================================

Who hears what (``BotListener.hears``): never a bot's own actions; another bot's messages and
reactions only when the listener does not ignore bots (``Bot.ignore_bots``, on by default, so
two bots cannot answer each other forever); only channels the bot is in, by the channel rules;
nothing while it is deactivated. Message objects are the Web API's (``slack_shapes.message``).

Each envelope has an ``event_id`` of its own, in the body the delivery keeps: every retry (and
a replay) sends the same body, so the same id, as Slack's retries do.
"""
from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import time
from typing import Any

from sqlalchemy import select

from chat.core.errors import Invalid
from chat.core.transactions import in_transaction
from chat.extensions import db
from chat.models import Bot, Channel, ChannelKind, Message
from chat.services.integrations import slack_emoji, slack_ids, slack_shapes, slack_ts
from chat.services.integrations.deliveries import enqueue_delivery, register_kind, slack_v0_signer
from chat.services.integrations.listeners import BotListener, SentMessage, bots_in
from chat.services.payloads import message_payload

KIND = "events_api"
log = logging.getLogger(__name__)

# Slack's channel_type of message events, and the one letter of member_joined_channel's.
_MESSAGE_CHANNEL_TYPE = {ChannelKind.public: "channel", ChannelKind.private: "group", ChannelKind.dm: "im",
                         ChannelKind.group: "mpim"}
_JOIN_CHANNEL_TYPE = {ChannelKind.public: "C", ChannelKind.private: "C", ChannelKind.group: "G"}
_SLACK_MENTION = re.compile(r"<@(U[0-9A-Z]+)(?:\|[^>]*)?>")
_EVENT_ID_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _signing_secret(bot_id: int) -> str | None:
    """The bot's secret at the time of the attempt; none once it is deactivated (the attempt
    then fails, and nothing reaches it)."""
    secret = db.session.scalar(select(Bot.signing_secret).where(Bot.user_id == bot_id, Bot.deactivated_at.is_(None)))
    if not in_transaction():
        db.session.rollback()  # hold no read transaction open during the request
    return secret


register_kind(KIND, slack_v0_signer(_signing_secret))


# --- the actions -------------------------------------------------------------------------------

def messages_created(sent: list[SentMessage], listening: dict[int, list[BotListener]]) -> None:
    """The send path, inside a batch's transaction, for the batch's messages in workspaces
    where something may listen, with the bots ``listeners.listening`` found for their channels
    (one query for the whole batch): each bot gets ``message``, and a bot the message names
    (``@handle``, or ``<@U…>``) ``app_mention`` as well (not in direct conversations, as in
    Slack)."""
    for message in sent:
        payload = message.payload
        author = payload["author"]
        bots = [bot for bot in listening.get(payload["channel_id"], ()) if bot.hears(author["id"], author["is_bot"])]
        if not bots:
            continue
        event = _message_event(payload, bots[0].channel_kind, root_ts=message.root_ts,
                               root_user_id=message.root_user_id)
        named = _named(message) if not bots[0].channel_kind.is_direct else set()
        for bot in bots:
            _send(bot, event, name=event.get("subtype") or "message")
            if bot.bot_id in named:
                _send(bot, _app_mention(event), name="app_mention")


def message_changed(actor_id: int, actor_is_bot: bool, channel: Channel, payload: dict[str, Any],
                    previous: dict[str, Any]) -> None:
    """An edit, inside its transaction: ``payload`` is the message now, ``previous`` as it was
    (both ``message_payload``)."""
    bots = _hearing(channel, actor_id, actor_is_bot)
    if not bots:
        return
    thread_ts, parent = _thread(payload)
    team = slack_ids.team_id(channel.workspace_id)
    now = _now_ts()
    for bot in bots:
        _send(bot, {"type": "message", "subtype": "message_changed", "hidden": True,
                    "message": slack_shapes.message(payload, team, thread_ts=thread_ts, parent_user_id=parent),
                    "previous_message": slack_shapes.message(previous, team, thread_ts=thread_ts,
                                                             parent_user_id=parent),
                    "channel": _conversation(channel), "ts": now, "event_ts": now,
                    "channel_type": _MESSAGE_CHANNEL_TYPE[channel.kind]}, name="message_changed")


def message_deleted(actor_id: int, actor_is_bot: bool, channel: Channel, message: Message) -> None:
    """A deletion, inside its transaction and before it: ``message`` as it still is."""
    bots = _hearing(channel, actor_id, actor_is_bot)
    if not bots:
        return
    previous = message_payload(message)
    thread_ts, parent = _thread(previous)
    team = slack_ids.team_id(channel.workspace_id)
    now = _now_ts()
    for bot in bots:
        _send(bot, {"type": "message", "subtype": "message_deleted", "hidden": True,
                    "channel": _conversation(channel), "ts": now,
                    "deleted_ts": slack_ts.encode(message.id, message.created_at),
                    "previous_message": slack_shapes.message(previous, team, thread_ts=thread_ts,
                                                             parent_user_id=parent),
                    "event_ts": now, "channel_type": _MESSAGE_CHANNEL_TYPE[channel.kind]}, name="message_deleted")


def reaction_changed(actor_id: int, actor_is_bot: bool, channel: Channel, message: Message, emoji: str, *,
                     added: bool) -> None:
    """A reaction added or removed, inside its transaction. ``item_user`` is the message's
    author, absent for an incoming webhook's post (as Slack leaves it out for those)."""
    bots = _hearing(channel, actor_id, actor_is_bot)
    if not bots:
        return
    kind = "reaction_added" if added else "reaction_removed"
    event: dict[str, Any] = {
        "type": kind, "user": slack_ids.user_id(actor_id), "reaction": slack_emoji.to_name(emoji),
        "item": {"type": "message", "channel": _conversation(channel),
                 "ts": slack_ts.encode(message.id, message.created_at)},
        "event_ts": _now_ts()}
    if not (message.props or {}).get("webhook_id"):
        event["item_user"] = slack_ids.user_id(message.user_id)
    for bot in bots:
        _send(bot, event, name=kind)


def members_joined(channel: Channel, user_ids: list[int], *, by: int | None) -> None:
    """People (or bots) put in a channel, inside that transaction. ``by``: who put them in,
    then the ``inviter`` (None: they joined themselves, or the system put them in, as in a
    workspace's default channels; the joiner is then the one acting). Not sent for direct
    conversations of two (nobody joins those). A bot that ignores bots still hears of bots
    joining: a join is no message to answer, so no loop."""
    if channel.kind == ChannelKind.dm:
        return
    listening = bots_in([channel.id], [channel.workspace_id]).get(channel.id, [])
    team = slack_ids.team_id(channel.workspace_id)
    for user_id in user_ids if listening else ():
        actor_id = by if by is not None else user_id
        event: dict[str, Any] = {"type": "member_joined_channel", "user": slack_ids.user_id(user_id),
                                 "channel": _conversation(channel),
                                 "channel_type": _JOIN_CHANNEL_TYPE[channel.kind], "team": team,
                                 "event_ts": _now_ts()}
        if by is not None and by != user_id:
            event["inviter"] = slack_ids.user_id(by)
        for bot in listening:
            if bot.hears(actor_id, False):
                _send(bot, event, name="member_joined_channel")


# --- the envelope ------------------------------------------------------------------------------

def _conversation(channel: Channel) -> str:
    return slack_shapes.conversation_id_of(channel.id, channel.kind.value)


def _hearing(channel: Channel, actor_id: int, actor_is_bot: bool) -> list[BotListener]:
    return [bot for bot in bots_in([channel.id], [channel.workspace_id]).get(channel.id, ())
            if bot.hears(actor_id, actor_is_bot)]


def _message_event(payload: dict[str, Any], kind: ChannelKind, *, root_ts: str | None,
                   root_user_id: int | None) -> dict[str, Any]:
    event = slack_shapes.message(payload, slack_ids.team_id(payload["workspace_id"]), thread_ts=root_ts,
                                 parent_user_id=root_user_id)
    if event.get("files") and "subtype" not in event:
        event["subtype"] = "file_share"
    event.update({"channel": slack_shapes.conversation_id_of(payload["channel_id"], kind.value),
                  "event_ts": event["ts"],
                  "channel_type": _MESSAGE_CHANNEL_TYPE[kind]})
    return event


def _app_mention(message: dict[str, Any]) -> dict[str, Any]:
    """The ``app_mention`` of a ``message`` event: its fields but ``channel_type`` and ``subtype``."""
    mention: dict[str, Any] = {"type": "app_mention"}
    for name in ("user", "text", "ts", "team", "channel", "event_ts", "thread_ts", "bot_id", "blocks",
                 "attachments", "files", "client_msg_id"):
        if name in message:
            mention[name] = message[name]
    return mention


def _named(message: SentMessage) -> set[int]:
    """Who the message names: its rendered mentions, and ``<@U…>`` written in a person's text
    (which our Markdown shows as written, but a Slack app reads as a mention)."""
    named = set(message.mentioned)
    text = message.payload["body"]
    if "<@" in text:
        named.update(i for i in (slack_ids.parse_id(m, slack_ids.SlackIdKind.user)
                                 for m in _SLACK_MENTION.findall(text)) if i is not None)
    return named


def _thread(payload: dict[str, Any]) -> tuple[str | None, int | None]:
    """A reply's thread: its first message's ts and author (one query, for edits and deletions)."""
    root_id = payload["thread_root_id"]
    if root_id is None:
        return None, None
    row = db.session.execute(select(Message.created_at, Message.user_id).where(Message.id == root_id)).first()
    return (slack_ts.encode(root_id, row[0]), row[1]) if row else (None, None)


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _event_id() -> str:
    """``Ev`` and 12 random base-36 digits: unique without a counter (62 bits)."""
    return "Ev" + "".join(secrets.choice(_EVENT_ID_DIGITS) for _ in range(12))


def _context(event: dict[str, Any], team: str, app: str) -> str:
    """Slack's opaque ``event_context``: a version and base64 JSON of the event's type, team,
    app and channel (what ``apps.event.authorizations.list`` would take)."""
    channel = event.get("channel") or event.get("item", {}).get("channel")
    data = json.dumps({"et": event["type"], "tid": team, "aid": app, "cid": channel}, separators=(",", ":"))
    return "4-" + base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def envelope(bot_id: int, workspace_id: int, event: dict[str, Any]) -> dict[str, Any]:
    """Slack's ``event_callback`` envelope of ``event`` for one bot. ``token`` is Slack's
    deprecated verification token: we have none (check the signature instead)."""
    team, app = slack_ids.team_id(workspace_id), slack_ids.app_id(bot_id)
    return {"token": "", "team_id": team, "context_team_id": team, "context_enterprise_id": None,
            "api_app_id": app, "event": event, "type": "event_callback", "event_id": _event_id(),
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": team, "user_id": slack_ids.user_id(bot_id),
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": _context(event, team, app)}


def _send(bot: BotListener, event: dict[str, Any], *, name: str) -> None:
    body = json.dumps(envelope(bot.bot_id, bot.workspace_id, event), separators=(",", ":"), ensure_ascii=False)
    try:
        enqueue_delivery(workspace_id=bot.workspace_id, kind=KIND, integration_id=bot.bot_id, event=name,
                         url=bot.events_url, body=body, headers={"Content-Type": "application/json"})
    except Invalid as err:  # a body over the delivery limit: the change stands, this event is dropped
        log.warning("events api: %s for bot %s not sent: %s", name, bot.bot_id, err.message)
