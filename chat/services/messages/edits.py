"""Changing a message after it was sent: edit, delete, react, pin. Each checks its channel rule,
writes, and records ``message.updated`` or ``message.deleted`` in the same transaction."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from chat.core import events
from chat.core.actor import Actor
from chat.core.errors import Conflict, Forbidden
from chat.core.rendering import Rendered, render
from chat.core.transactions import atomic
from chat.core.validation import check_emoji, check_message_body
from chat.extensions import db
from chat.models import File, Mention, Message, Reaction
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services import files
from chat.services.access import access_message
from chat.services.integrations import events_api
from chat.services.integrations.slack_format import RenderedMessage
from chat.services.messages.content import MessageContent, is_content
from chat.services.messages.history import get_message
from chat.services.messages.mentions import people_for_mentions, to_notify
from chat.services.payloads import iso, message_payload


def edit_message(actor: Actor, message_id: int, body: Any, *,
                 content: MessageContent | None = None) -> dict[str, Any]:
    """The author changes their message: a new ``body``, or new ``content`` (integration
    content, with ``body`` None). A message with integration content edited with a body keeps
    its attachments, blocks and display overrides: the body replaces its text."""
    if content is None:
        body = check_message_body(body)
    message, access = access_message(actor.id, message_id)
    if message.user_id != actor.id:
        raise Forbidden("you can only edit your own messages", code="not_author")
    rules.can_edit_own_messages.check(access.standing)
    props = None
    if content is None and is_content(message.props):
        content = MessageContent.from_props(message.props or {}).with_text(body)
    elif content is None:
        props = message.props  # a plain message keeps its kind (/me)
    rendered: Rendered | RenderedMessage
    if content is not None:
        rendered = content.render(access.channel.workspace_id)
        body, props = rendered.text, content.props()
    else:
        rendered = render(body, people_for_mentions(access.channel.workspace_id, body))
    already = set(db.session.scalars(select(Mention.user_id).where(Mention.message_id == message.id)))
    mentioned = to_notify(access.channel.id, rendered.mentioned_user_ids, rendered.mentions_channel, actor.id)
    before = {"body": message.body, "props": message.props, "edited_at": iso(message.edited_at)}
    with atomic():
        message.body, message.html, message.props = body, rendered.html, props
        message.mentions_channel = rendered.mentions_channel
        message.edited_at = utcnow()
        for user_id in mentioned - already:
            db.session.add(Mention(message_id=message.id, user_id=user_id, channel_id=message.channel_id,
                                   workspace_id=message.workspace_id))
        db.session.flush()
        payload = message_payload(message)
        events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
        events_api.message_changed(actor.id, actor.is_bot, access.channel, payload, {**payload, **before})
    return payload


def delete_message(actor: Actor, message_id: int) -> dict[str, Any]:
    message, access = access_message(actor.id, message_id)
    if message.user_id != actor.id:
        rules.can_delete_others_messages.check(access.standing)
    with atomic():
        events_api.message_deleted(actor.id, actor.is_bot, access.channel, message)
        message.deleted_at = utcnow()
        message.pinned_at = None
        db.session.execute(delete(Mention).where(Mention.message_id == message.id))
        db.session.execute(delete(Reaction).where(Reaction.message_id == message.id))
        files.release(list(db.session.scalars(select(File).where(File.message_id == message.id,
                                                                 File.deleted_at.is_(None)))))
        data = {"id": message.id, "channel_id": message.channel_id, "thread_root_id": message.thread_root_id}
        events.record(message.workspace_id, events.MESSAGE_DELETED, data, channel_id=message.channel_id)
        if message.thread_root_id is not None:
            db.session.execute(update(Message).where(Message.id == message.thread_root_id)
                               .values(reply_count=Message.reply_count - 1))
            root = db.session.get_one(Message, message.thread_root_id)
            db.session.refresh(root)
            events.record(message.workspace_id, events.MESSAGE_UPDATED, message_payload(root),
                          channel_id=message.channel_id)
    return data




def react(actor: Actor, message_id: int, emoji: Any, *, add: bool) -> dict[str, Any]:
    """Add or remove the person's reaction; repeating either is harmless, at the same moment too."""
    emoji = check_emoji(emoji)
    message, access = access_message(actor.id, message_id)
    rules.can_react_and_pin.check(access.standing)
    try:
        with atomic():
            existing = db.session.scalar(select(Reaction).where(
                Reaction.message_id == message.id, Reaction.user_id == actor.id, Reaction.emoji == emoji))
            if (existing is None) != add:
                return message_payload(message)
            if add:
                distinct = db.session.scalars(select(Reaction.emoji).where(
                    Reaction.message_id == message.id).distinct()).all()
                if emoji not in distinct and len(distinct) >= 50:
                    raise Conflict("this message has too many different reactions", code="too_many_reactions")
                db.session.add(Reaction(message_id=message.id, user_id=actor.id, emoji=emoji,
                                        workspace_id=message.workspace_id))
            else:
                db.session.delete(existing)
            db.session.flush()
            payload = message_payload(message)
            events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
            events_api.reaction_changed(actor.id, actor.is_bot, access.channel, message, emoji, added=add)
    except IntegrityError:  # the same reaction added at the same moment (another tab): it stands
        return get_message(actor, message_id)
    return payload


def set_pinned(actor: Actor, message_id: int, pinned: bool) -> dict[str, Any]:
    message, access = access_message(actor.id, message_id)
    rules.can_react_and_pin.check(access.standing)
    if (message.pinned_at is not None) == pinned:
        return message_payload(message)
    with atomic():
        message.pinned_at = utcnow() if pinned else None
        message.pinned_by = actor.id if pinned else None
        db.session.flush()
        payload = message_payload(message)
        events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
    return payload
