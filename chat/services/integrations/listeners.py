"""Who listens to what happens in a channel: bots with an Events API request URL that are in it.

Found for any number of channels in one query (``bots_in``), driven from the workspace's bots
(few) into the channels' member index, with the channel rules' own ``is_in_channel`` (in SQL),
so a bot hears only the channels it is in, and a deactivated one (its membership inactive)
hears nothing.

A workspace where nothing can listen skips the query altogether: ``Workspace.has_listeners``
says whether something may, the send path reads it with the sender's standing (no query of its
own), and ``refresh`` keeps it, in the transaction of every change that can make a listener
appear or go (a bot's request URL set or removed, a bot deactivated or reactivated). It may be
True with nobody listening (then the query finds no one), never False with someone listening.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, false, select, true, update
from sqlalchemy.orm import aliased

from chat.core.concurrency import lock_row
from chat.extensions import db
from chat.models import Bot, Channel, ChannelKind, ChannelMember, Membership, User, Workspace
from chat.services import access as rules


@dataclass(frozen=True, slots=True)
class BotListener:
    """A bot that hears a channel's events: plain values read in the listeners' query."""
    channel_id: int
    channel_kind: ChannelKind
    workspace_id: int
    bot_id: int            # the bot's user id
    events_url: str
    ignore_bots: bool      # not told of other bots' messages and reactions

    def hears(self, actor_id: int, actor_is_bot: bool) -> bool:
        """Whether this bot is told of something ``actor_id`` did: never of its own actions,
        and of another bot's (``actor_is_bot``: a message or reaction of a bot) only when it
        does not ignore bots, so two bots cannot answer each other forever."""
        return actor_id != self.bot_id and not (actor_is_bot and self.ignore_bots)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the send path just stored, as listeners are told of it."""
    payload: dict[str, Any]        # ``payloads.new_message_payload``
    root_ts: str | None            # a reply's thread: its first message's Slack ts
    root_user_id: int | None       # and that message's author
    mentioned: frozenset[int]      # the people (and bots) its text names


def bots_in(channel_ids: Iterable[int], workspace_ids: Iterable[int]) -> dict[int, list[BotListener]]:
    """The bots listening to each of these channels (of these workspaces), by channel id
    (channels nobody listens to are absent). One query: the workspaces' listening bots (a few,
    by their workspace index), then a lookup of each (channel, bot) pair in the members' unique
    index, whatever the channels' size."""
    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    found: dict[int, list[BotListener]] = defaultdict(list)
    for channel_id, kind, workspace_id, bot_id, url, ignore_bots in db.session.execute(
            _bots_query(), {"channel_ids": ids, "workspace_ids": sorted(set(workspace_ids))}):
        found[channel_id].append(BotListener(channel_id, ChannelKind(kind), workspace_id, bot_id, url,
                                             bool(ignore_bots)))
    return dict(found)


@functools.cache
def _bots_query() -> Select:
    channel, membership, member, user = aliased(Channel), aliased(Membership), aliased(ChannelMember), aliased(User)
    # From the bots' channel rows: whether the bot is in the channel is the rule's to say.
    standing = replace(rules.standing_of(channel, membership, member, user), joined=True)
    allowed = rules.is_in_channel.on(standing)
    listening = (select(Bot.user_id).where(Bot.workspace_id.in_(bindparam("workspace_ids", expanding=True)),
                                           Bot.events_url.is_not(None), Bot.deactivated_at.is_(None)))
    return (select(member.channel_id, channel.kind, channel.workspace_id, Bot.user_id, Bot.events_url,
                   Bot.ignore_bots)
            .select_from(member)
            .join(Bot, Bot.user_id == member.user_id)
            .join(channel, channel.id == member.channel_id)
            .join(membership, and_(membership.workspace_id == member.workspace_id,
                                   membership.user_id == member.user_id))
            .join(user, user.id == member.user_id)
            .where(member.channel_id.in_(bindparam("channel_ids", expanding=True)),
                   member.user_id.in_(listening),
                   true() if allowed is True else false() if allowed is False else allowed))


def refresh(workspace_id: int) -> None:
    """Inside the transaction of a change to the workspace's listeners, after the change and
    before any ``events.record`` (``lock_row``'s rule): set ``Workspace.has_listeners`` to
    whether anything may listen now. The workspace's row is locked until the commit and the
    answer read after the lock, so of two such changes at once the later sees the earlier's."""
    db.session.flush()  # the change itself: lock_row expires what is loaded
    lock_row(Workspace, workspace_id)
    listening = exists().where(Bot.workspace_id == workspace_id, Bot.events_url.is_not(None),
                               Bot.deactivated_at.is_(None))
    db.session.execute(update(Workspace).where(Workspace.id == workspace_id)
                       .values(has_listeners=select(listening).scalar_subquery()))
