"""Reading messages: one message, a channel's history page, a thread, the pinned messages, the
mentions still unread. Each read is a fixed number of queries whatever the page size."""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, bindparam, select

from chat.core import limits
from chat.core.actor import Actor
from chat.core.validation import check_limit, check_optional_id
from chat.extensions import db
from chat.models import Mention, Message, User
from chat.services import access as rules
from chat.services.access import access_channel, access_membership, access_message
from chat.services.payloads import author_payload, message_payload, message_payloads


def get_message(actor: Actor, message_id: int) -> dict[str, Any]:
    message, _ = access_message(actor.id, message_id)
    return message_payload(message)


def history(actor: Actor, channel_id: int, *, before: Any = None, after: Any = None,
            limit: Any = None, thread_root_id: int | None = None, newest_first: bool = False) -> dict[str, Any]:
    """One page of top-level messages (or of one thread's replies), oldest first.

    ``before``/``after`` are message ids; with neither, the newest page; with both, the page
    just newer than ``after`` among the messages older than ``before``. ``has_more`` says
    whether more exist beyond the page in the direction asked. ``newest_first``: ``after``
    is only a floor, and the page is the newest one above it (below ``before`` if given), as
    Slack's ``oldest``/``latest`` read; ``has_more`` then looks further back.
    """
    before, after = check_optional_id(before, "before"), check_optional_id(after, "after")
    limit = check_limit(limit, limits.HISTORY_PAGE)
    access_channel(actor.id, channel_id)
    floor = after if newest_first else None
    if newest_first:
        after = None
    direction = ("between" if before is not None else "after") if after is not None else \
        "before" if before is not None else "newest"
    params = {"channel_id": channel_id, "root": thread_root_id, "cursor": after or before, "limit": limit + 1,
              "upper": before, "floor": floor}
    rows = db.session.execute(_history_query(direction, thread_root_id is not None, floor is not None), params).all()
    has_more = len(rows) > limit
    rows = rows[:limit] if direction in ("after", "between") else rows[:limit][::-1]
    authors = {m.user_id: author_payload(m.user_id, username, display_name, kind)
               for m, username, display_name, kind in rows}
    return {"messages": message_payloads([m for m, _, _, _ in rows], authors), "has_more": has_more}


@functools.cache
def _history_query(direction: str, in_thread: bool, floored: bool = False) -> Select:
    """One page of a channel's top level or of a thread, built once per shape (building and
    keying the statement cost as much as running it)."""
    # The authors come with the page: one round trip fewer, which is what PostgreSQL pays for.
    query = select(Message, User.username, User.display_name, User.kind).join(User, User.id == Message.user_id).where(
        Message.channel_id == bindparam("channel_id"),
        Message.thread_root_id == bindparam("root") if in_thread else Message.thread_root_id.is_(None),
        # Deleted messages vanish unless a thread hangs on them.
        (Message.deleted_at.is_(None)) | (Message.reply_count > 0))
    if direction == "between":
        query = query.where(Message.id < bindparam("upper"))
    if floored:
        query = query.where(Message.id > bindparam("floor"))
    if direction in ("after", "between"):
        return query.where(Message.id > bindparam("cursor")).order_by(Message.id).limit(bindparam("limit"))
    if direction == "before":
        query = query.where(Message.id < bindparam("cursor"))
    return query.order_by(Message.id.desc()).limit(bindparam("limit"))


def thread(actor: Actor, root_id: int, *, after: Any = None, limit: Any = None) -> dict[str, Any]:
    """The thread's first message and a page of its replies, oldest first."""
    root, access = access_message(actor.id, root_id)
    if root.thread_root_id is not None:
        root = db.session.get_one(Message, root.thread_root_id)
    page = history(actor, access.channel.id, after=after, limit=limit, thread_root_id=root.id)
    return {"root": message_payload(root), **page}


def pinned(actor: Actor, channel_id: int) -> list[dict[str, Any]]:
    access_channel(actor.id, channel_id)
    rows = db.session.scalars(select(Message).where(
        Message.channel_id == channel_id, Message.pinned_at.is_not(None), Message.deleted_at.is_(None))
        .order_by(Message.pinned_at.desc()).limit(100))
    return message_payloads(list(rows))


def unread_mentions(actor: Actor, workspace_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Recent messages that mention the person in channels they are still in."""
    access_membership(actor.id, workspace_id)
    rows = db.session.scalars(
        select(Message).join(Mention, Mention.message_id == Message.id)
        .where(Mention.user_id == actor.id, Mention.workspace_id == workspace_id,
               Mention.channel_id.in_(rules.channel_ids(rules.is_in_channel, actor.id, [workspace_id])))
        .order_by(Message.id.desc()).limit(check_limit(limit)))
    return message_payloads(list(rows))
