"""Ephemeral messages: shown to one person in one conversation, never stored (as Slack's: gone
on reload). Slash commands answer with them (``services/commands``), and bots post them with the
Web API's ``chat.postEphemeral``.

Each is the ``message.ephemeral`` socket event to the person's own sockets (every tab), with the
payload ``payloads.ephemeral_payload`` builds: its author (the bot or command, or null for the
server itself), its HTML rendered by the same renderers as stored messages (Markdown, or Slack's
format for integration content), its channel and thread. Nothing is logged: a client that was
not connected never sees it.
"""
from __future__ import annotations

import secrets
import time
from typing import Any

from chat.core import events
from chat.core.actor import Actor
from chat.core.errors import NotFound
from chat.core.rendering import Rendered, render
from chat.core.transactions import in_transaction
from chat.core.validation import check_message_body, check_optional_id
from chat.extensions import db
from chat.models import Message
from chat.services import access as rules
from chat.services.access import access_channel, access_channels
from chat.services.integrations.slack_format import RenderedMessage
from chat.services.messages.content import MessageContent
from chat.services.messages.mentions import people_for_mentions
from chat.services.payloads import author_payload, ephemeral_payload


class UserNotInChannel(NotFound):
    """The person to show it to is not in the conversation (Slack's ``user_not_in_channel``)."""

    code = "user_not_in_channel"


def render_for(workspace_id: int, body: str | None, content: MessageContent | None) -> tuple[str, str, Any]:
    """(plain text, HTML, props) of an ephemeral message: Markdown for a body, Slack's or
    Mattermost's format for content, as a stored message would be rendered."""
    rendered: Rendered | RenderedMessage
    if content is not None:
        rendered = content.render(workspace_id)
        return rendered.text, rendered.html, content.props()
    text = body or ""
    rendered = render(text, people_for_mentions(workspace_id, text))
    return text, rendered.html, None


def check_thread(channel_id: int, thread_root_id: int | None) -> int | None:
    """A thread root of the channel (a reply stands for its thread), else ``thread_not_found``."""
    if thread_root_id is None:
        return None
    root = db.session.get(Message, thread_root_id)
    if root is None or root.channel_id != channel_id or root.deleted_at is not None:
        raise NotFound("thread not found", code="thread_not_found")
    return root.thread_root_id or root.id


def show(user_id: int, workspace_id: int, channel_id: int, *, author: dict[str, Any] | None, body: str | None = None,
         content: MessageContent | None = None, thread_root_id: int | None = None) -> dict[str, Any]:
    """Show a message to one person, who may read the channel (the caller checked). Inside a
    transaction it goes out once that commits; outside, at once. Returns its payload."""
    text, html, props = render_for(workspace_id, body, content)
    now = time.time()
    payload = ephemeral_payload(
        f"e{secrets.token_hex(8)}", workspace_id=workspace_id, channel_id=channel_id, thread_root_id=thread_root_id,
        author=author, body=text, html=html, props=props, created_at=now,
        ts=f"{int(now)}.{int(now * 1_000_000) % 1_000_000:06d}")
    events.notify(events.MESSAGE_EPHEMERAL, payload, events.user_room(user_id))
    if not in_transaction():
        events.flush_pending()
    return payload


def post_ephemeral(sender: Actor, channel_id: int, user_id: int, body: Any = None, *,
                   content: MessageContent | None = None, thread_root_id: Any = None) -> dict[str, Any]:
    """The Web API's ``chat.postEphemeral``: ``sender``, who may post in the channel, shows
    ``user_id``, who is in it, a message there (text, or Slack content) that nobody else sees
    and that is not kept. NotFound for a channel the sender may not read, ``UserNotInChannel``
    for a person not in it, the sender's refusal (``not_in_channel``, ``channel_archived``...)
    when they may not post."""
    if content is None:
        body = check_message_body(body)
    elif body is not None:
        raise TypeError("show either a body or content")
    thread_root_id = check_optional_id(thread_root_id, "thread_root_id")
    access = access_channel(sender.id, channel_id)
    rules.can_post_in_channel.check(access.standing)
    target = access_channels({(user_id, channel_id)}).get((user_id, channel_id))
    if target is None or not rules.is_in_channel.allows(target.standing):
        raise UserNotInChannel("that person is not in this channel")
    root = check_thread(channel_id, thread_root_id)
    author = author_payload(sender.id, sender.username, sender.display_name, access.user.kind)
    return show(user_id, access.channel.workspace_id, channel_id, author=author, body=body, content=content,
                thread_root_id=root)
