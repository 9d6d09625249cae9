"""Messages: the one place a message is sent, edited, deleted, reacted to or pinned, whether
the request comes from the browser, a socket, a bot or the REST API."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.exc import IntegrityError

from chat.extensions import db
from chat.models import ChannelKind, ChannelMember, File, Membership, Mention, Message, Reaction, User
from chat.models._time import utcnow
from chat.services import events, files
from chat.services.access import (ChannelAccess, access_channel, access_membership, access_message,
                                  check_can_post)
from chat.services.errors import Conflict, Forbidden, Invalid, NotFound
from chat.services.payloads import _message_payload, file_payloads, message_payload, message_payloads
from chat.services.rendering import mention_candidates, render
from chat.services.transactions import atomic
from chat.services.validation import (check_client_msg_id, check_limit,
                                      check_message_body, check_optional_id, check_text)

_EMOJI_SHORTCODE = re.compile(r"^[a-z0-9_+-]{1,40}$")


def _people_for_mentions(workspace_id: int, body: str) -> dict[str, int]:
    names = mention_candidates(body)
    if not names:
        return {}
    return {username: user_id for username, user_id in db.session.execute(
        select(User.username, User.id).join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, Membership.active, User.username.in_(names)))}


def _mentioned(access: ChannelAccess, rendered_ids: set[int], everyone: bool, author_id: int) -> set[int]:
    """People to notify: named people who can read the channel, or every member for @channel."""
    channel = access.channel
    members = set(db.session.scalars(select(ChannelMember.user_id).where(ChannelMember.channel_id == channel.id)))
    if everyone:
        targets = members
    elif channel.kind == ChannelKind.public:
        targets = rendered_ids  # public: readable by all non-guest members, joined or not
    else:
        targets = rendered_ids & members
    return targets - {author_id}


def _existing_send(sender: User, client_msg_id: str, channel_id: int) -> Message | None:
    message = db.session.scalar(select(Message).where(Message.user_id == sender.id,
                                                      Message.client_msg_id == client_msg_id))
    if message is not None and message.channel_id != channel_id:
        raise Conflict("client_msg_id was already used for another conversation", code="client_msg_id_reused")
    return message


def send_message(sender: User, channel_id: int, body: Any, *, client_msg_id: Any = None,
                 thread_root_id: Any = None, file_ids: Any = None) -> tuple[dict[str, Any], bool]:
    """Store and publish a message. Returns (payload, created); a repeated client_msg_id
    returns the stored original with created=False and publishes nothing.

    ``file_ids`` are the sender's uploads to this channel (``files.upload_files``); a message
    with files may have an empty body."""
    file_ids = files.check_file_ids(file_ids)
    body = check_message_body(body, allow_empty=bool(file_ids))
    client_msg_id = check_client_msg_id(client_msg_id)
    thread_root_id = check_optional_id(thread_root_id, "thread_root_id")
    if client_msg_id:
        original = _existing_send(sender, client_msg_id, channel_id)
        if original is not None:
            return message_payload(original), False
    access = access_channel(sender.id, channel_id)
    check_can_post(access)
    attachments = files.check_sendable(sender, channel_id, file_ids)
    root = None
    if thread_root_id is not None:
        root = db.session.get(Message, thread_root_id)
        if root is None or root.channel_id != channel_id or root.deleted_at is not None:
            raise NotFound("thread not found", code="thread_not_found")
        if root.thread_root_id is not None:
            raise Invalid("replies go to the thread's first message", field="thread_root_id")
    rendered = render(body, _people_for_mentions(access.channel.workspace_id, body))
    mentioned = set()
    if rendered.mentioned_user_ids or rendered.mentions_channel:
        mentioned = _mentioned(access, rendered.mentioned_user_ids, rendered.mentions_channel, sender.id)
    channel = access.channel
    try:
        with atomic():
            message = Message(workspace_id=channel.workspace_id, channel_id=channel.id, user_id=sender.id,
                              client_msg_id=client_msg_id, thread_root_id=thread_root_id, body=body,
                              html=rendered.html, mentions_channel=rendered.mentions_channel)
            db.session.add(message)
            db.session.flush()
            channel.last_message_id = message.id
            files.attach(attachments, message)
            for user_id in mentioned:
                db.session.add(Mention(message_id=message.id, user_id=user_id, channel_id=channel.id,
                                       workspace_id=channel.workspace_id))
            payload = _message_payload(message, sender, {}, file_payloads(attachments))
            events.record(channel.workspace_id, events.MESSAGE_CREATED, payload, channel_id=channel.id)
            if root is not None:
                root.reply_count += 1
                root.last_reply_at = message.created_at
                events.record(channel.workspace_id, events.MESSAGE_UPDATED, message_payload(root),
                              channel_id=channel.id)
    except IntegrityError:
        # The same client id raced in from another request: answer with the winner.
        original = _existing_send(sender, client_msg_id, channel_id) if client_msg_id else None
        if original is None:
            raise
        return message_payload(original), False
    return payload, True


def edit_message(actor: User, message_id: int, body: Any) -> dict[str, Any]:
    body = check_message_body(body)
    message, access = access_message(actor.id, message_id)
    if message.user_id != actor.id:
        raise Forbidden("you can only edit your own messages", code="not_author")
    if access.channel.archived_at is not None:
        raise Forbidden("this channel is archived", code="channel_archived")
    rendered = render(body, _people_for_mentions(access.channel.workspace_id, body))
    already = set(db.session.scalars(select(Mention.user_id).where(Mention.message_id == message.id)))
    mentioned = _mentioned(access, rendered.mentioned_user_ids, rendered.mentions_channel, actor.id)
    with atomic():
        message.body, message.html = body, rendered.html
        message.mentions_channel = rendered.mentions_channel
        message.edited_at = utcnow()
        for user_id in mentioned - already:
            db.session.add(Mention(message_id=message.id, user_id=user_id, channel_id=message.channel_id,
                                   workspace_id=message.workspace_id))
        db.session.flush()
        payload = message_payload(message)
        events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
    return payload


def delete_message(actor: User, message_id: int) -> dict[str, Any]:
    message, access = access_message(actor.id, message_id)
    if message.user_id != actor.id and not access.is_admin:
        raise Forbidden("you can only delete your own messages", code="not_author")
    with atomic():
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
            root = db.session.get(Message, message.thread_root_id)
            db.session.refresh(root)
            events.record(message.workspace_id, events.MESSAGE_UPDATED, message_payload(root),
                          channel_id=message.channel_id)
    return data


def check_emoji(value: Any) -> str:
    emoji = check_text(value, "emoji", max_length=40)
    if any(ch.isspace() for ch in emoji):
        raise Invalid("emoji must not contain spaces", field="emoji")
    if emoji.isascii() and not _EMOJI_SHORTCODE.match(emoji):
        raise Invalid("emoji must be an emoji character or a short name like thumbsup", field="emoji")
    return emoji


def _check_can_touch(access: ChannelAccess) -> None:
    if access.member is None:
        raise Forbidden("join the channel first", code="not_in_channel")
    if access.channel.archived_at is not None:
        raise Forbidden("this channel is archived", code="channel_archived")


def react(actor: User, message_id: int, emoji: Any, *, add: bool) -> dict[str, Any]:
    """Add or remove the person's reaction; repeating either is harmless."""
    emoji = check_emoji(emoji)
    message, access = access_message(actor.id, message_id)
    _check_can_touch(access)
    existing = db.session.scalar(select(Reaction).where(
        Reaction.message_id == message.id, Reaction.user_id == actor.id, Reaction.emoji == emoji))
    if add and existing is None:
        distinct = db.session.scalars(select(Reaction.emoji).where(Reaction.message_id == message.id).distinct()).all()
        if emoji not in distinct and len(distinct) >= 50:
            raise Conflict("this message has too many different reactions", code="too_many_reactions")
    if (existing is None) != add:
        return message_payload(message)
    with atomic():
        if add:
            db.session.add(Reaction(message_id=message.id, user_id=actor.id, emoji=emoji,
                                    workspace_id=message.workspace_id))
        else:
            db.session.delete(existing)
        db.session.flush()
        payload = message_payload(message)
        events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
    return payload


def set_pinned(actor: User, message_id: int, pinned: bool) -> dict[str, Any]:
    message, access = access_message(actor.id, message_id)
    _check_can_touch(access)
    if (message.pinned_at is not None) == pinned:
        return message_payload(message)
    with atomic():
        message.pinned_at = utcnow() if pinned else None
        message.pinned_by = actor.id if pinned else None
        db.session.flush()
        payload = message_payload(message)
        events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
    return payload


def get_message(actor: User, message_id: int) -> dict[str, Any]:
    message, _ = access_message(actor.id, message_id)
    return message_payload(message)


def history(actor: User, channel_id: int, *, before: Any = None, after: Any = None,
            limit: Any = None, thread_root_id: int | None = None) -> dict[str, Any]:
    """One page of top-level messages (or of one thread's replies), oldest first.

    ``before``/``after`` are message ids; with neither, the newest page. ``has_more`` says
    whether more exist beyond the page in the direction asked.
    """
    before, after = check_optional_id(before, "before"), check_optional_id(after, "after")
    limit = check_limit(limit)
    if before is not None and after is not None:
        raise Invalid("give before or after, not both")
    access_channel(actor.id, channel_id)
    query = select(Message).where(Message.channel_id == channel_id,
                                  Message.thread_root_id.is_(None) if thread_root_id is None
                                  else Message.thread_root_id == thread_root_id,
                                  # Deleted messages vanish unless a thread hangs on them.
                                  (Message.deleted_at.is_(None)) | (Message.reply_count > 0))
    if after is not None:
        rows = list(db.session.scalars(query.where(Message.id > after).order_by(Message.id).limit(limit + 1)))
        has_more = len(rows) > limit
        rows = rows[:limit]
    else:
        if before is not None:
            query = query.where(Message.id < before)
        rows = list(db.session.scalars(query.order_by(Message.id.desc()).limit(limit + 1)))
        has_more = len(rows) > limit
        rows = rows[:limit][::-1]
    return {"messages": message_payloads(rows), "has_more": has_more}


def thread(actor: User, root_id: int, *, after: Any = None, limit: Any = None) -> dict[str, Any]:
    """The thread's first message and a page of its replies, oldest first."""
    root, access = access_message(actor.id, root_id)
    if root.thread_root_id is not None:
        root = db.session.get(Message, root.thread_root_id)
    page = history(actor, access.channel.id, after=after, limit=limit, thread_root_id=root.id)
    return {"root": message_payload(root), **page}


def pinned(actor: User, channel_id: int) -> list[dict[str, Any]]:
    access_channel(actor.id, channel_id)
    rows = db.session.scalars(select(Message).where(
        Message.channel_id == channel_id, Message.pinned_at.is_not(None), Message.deleted_at.is_(None))
        .order_by(Message.pinned_at.desc()).limit(100))
    return message_payloads(list(rows))


def unread_mentions(actor: User, workspace_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Recent messages that mention the person in channels they are still in."""
    access_membership(actor.id, workspace_id)
    rows = db.session.scalars(
        select(Message).join(Mention, Mention.message_id == Message.id)
        .join(ChannelMember, and_(ChannelMember.channel_id == Mention.channel_id,
                                  ChannelMember.user_id == actor.id))
        .where(Mention.user_id == actor.id, Mention.workspace_id == workspace_id)
        .order_by(Message.id.desc()).limit(check_limit(limit)))
    return message_payloads(list(rows))
