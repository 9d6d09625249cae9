"""Unread and mention counts, computed from the server-side read positions in two grouped
queries per request whatever the number of channels."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from chat.extensions import db
from chat.models import ChannelMember, Mention, Message
from chat.services.access import channel_ids, is_in_channel

# Unread counts stop here: the client shows "999+" from this number on.
UNREAD_CAP = 1000


def unread_counts(user_id: int, workspace_ids: list[int]) -> dict[int, tuple[int, int]]:
    """channel_id -> (unread top-level messages from others, at most UNREAD_CAP; unread
    mentions of the person)."""
    if not workspace_ids:
        return {}
    member_filter = and_(ChannelMember.user_id == user_id, ChannelMember.workspace_id.in_(workspace_ids),
                         ChannelMember.channel_id.in_(channel_ids(is_in_channel, user_id, workspace_ids)))
    # A correlated count per channel: PostgreSQL cannot estimate a join on "id > last_read_id"
    # and chose a parallel scan of every message (~180 ms at 1M rows); per channel it walks
    # ix_messages_channel_thread_id from the read position (bench/README.md).
    # Counted up to UNREAD_CAP, so a reader far behind costs a bounded walk, not a count of
    # everything since (half of a 1,000,000-message channel: ~300 ms on every channel list).
    # The ORDER BY is the index's: without it, PostgreSQL expected the LIMIT to be reached
    # early in a sequential scan of all messages (260 ms for a reader 100 behind).
    unread_rows = (
        select(Message.id)
        .where(Message.channel_id == ChannelMember.channel_id, Message.thread_root_id.is_(None),
               Message.id > ChannelMember.last_read_id, Message.user_id != user_id,
               Message.deleted_at.is_(None))
        .order_by(Message.channel_id, Message.thread_root_id, Message.id)
        .correlate(ChannelMember).limit(UNREAD_CAP).subquery()
    )
    unread_in_channel = select(func.count()).select_from(unread_rows).correlate(ChannelMember).scalar_subquery()
    unread = {channel_id: count for channel_id, count in db.session.execute(
        select(ChannelMember.channel_id, unread_in_channel).where(member_filter)) if count}
    mentions = dict(db.session.execute(
        select(Mention.channel_id, func.count(Mention.id))
        .join(ChannelMember, and_(ChannelMember.channel_id == Mention.channel_id,
                                  ChannelMember.user_id == user_id))
        .where(member_filter, Mention.user_id == user_id, Mention.message_id > ChannelMember.last_read_id)
        .group_by(Mention.channel_id)
    ).tuples().all())
    return {cid: (unread.get(cid, 0), mentions.get(cid, 0)) for cid in set(unread) | set(mentions)}
