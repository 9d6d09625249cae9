"""Who listens to what happens in a channel: bots with an Events API request URL that are in it,
and outgoing webhooks that watch it.

Found for any number of channels in one query: ``bots_in`` for bots alone (edits, reactions,
joins), ``listening`` for bots and outgoing webhooks together (the send path, once per batch).
Bots are found from the workspace's listening bots (few) into the channels' member index, with
the channel rules' own ``is_in_channel`` (in SQL): a bot hears only the channels it is in, and
a deactivated one (its membership inactive) nothing. Outgoing webhooks are found from the
workspace's hooks (few): a hook watches its channels, or with none any public channel, and
only while the person who made it may still read the channel (``can_read_channel`` of their
standing, in SQL): a hook never hears more than its maker could.

A workspace where nothing can listen skips the query altogether: ``Workspace.has_listeners``
says whether something may, the send path reads it with the sender's standing (no query of its
own), and ``refresh`` keeps it, in the transaction of every change that can make a listener
appear or go (a bot's request URL set or removed, a bot deactivated or reactivated, an outgoing
webhook made or deleted). It may be True with nobody listening (then the query finds no one),
never False with someone listening.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    JSON,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import aliased

from chat.core.concurrency import lock_row
from chat.extensions import db
from chat.models import (
    Bot,
    Channel,
    ChannelKind,
    ChannelMember,
    Membership,
    OutgoingWebhook,
    OutgoingWebhookChannel,
    TriggerWhen,
    User,
    Workspace,
)
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
class HookListener:
    """An outgoing webhook that watches a channel: plain values read in the listeners' query."""
    channel_id: int
    channel_name: str
    workspace_id: int
    workspace_name: str
    hook_id: int
    bot_id: int                    # the bot account its replies are posted as
    token: str
    content_type: str
    trigger_words: list[str]
    trigger_when: str              # a TriggerWhen value
    callback_urls: list[str]
    ignore_bots: bool

    def hears(self, author_id: int, author_is_bot: bool) -> bool:
        """Never its own replies; bots' messages only when it does not ignore bots."""
        return author_id != self.bot_id and not (author_is_bot and self.ignore_bots)

    def trigger(self, text: str) -> str | None:
        """The trigger word ``text`` matches ("" for a hook without trigger words, which hears
        every message of its channels), or None. The first word is compared without regard to
        case: equal to a trigger word (``first_word``), or starting with one (``starts_with``)."""
        if not self.trigger_words:
            return ""
        words = text.split(maxsplit=1)
        if not words:
            return None
        first = words[0].casefold()
        for word in self.trigger_words:
            wanted = word.casefold()
            if first == wanted or (self.trigger_when == TriggerWhen.starts_with and first.startswith(wanted)):
                return word
        return None


@dataclass(frozen=True, slots=True)
class Listening:
    """Who listens to a batch's channels, by channel id."""
    bots: dict[int, list[BotListener]] = field(default_factory=dict)
    hooks: dict[int, list[HookListener]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the send path just stored, as listeners are told of it."""
    payload: dict[str, Any]        # ``payloads.new_message_payload``
    root_ts: str | None            # a reply's thread: its first message's Slack ts
    root_user_id: int | None       # and that message's author
    mentioned: frozenset[int]      # the people (and bots) its text names


def bots_in(channel_ids: Iterable[int], workspace_ids: Iterable[int]) -> dict[int, list[BotListener]]:
    """The bots listening to each of these channels (of these workspaces), by channel id
    (channels nobody listens to are absent). One query."""
    return _find(channel_ids, workspace_ids, _bots_query()).bots


def listening(channel_ids: Iterable[int], workspace_ids: Iterable[int]) -> Listening:
    """The bots and the outgoing webhooks listening to each of these channels. One query."""
    return _find(channel_ids, workspace_ids, _all_query())


def _find(channel_ids: Iterable[int], workspace_ids: Iterable[int], query: Select | CompoundSelect) -> Listening:
    ids = sorted(set(channel_ids))
    if not ids:
        return Listening()
    bots: dict[int, list[BotListener]] = defaultdict(list)
    hooks: dict[int, list[HookListener]] = defaultdict(list)
    for row in db.session.execute(query, {"channel_ids": ids, "workspace_ids": sorted(set(workspace_ids))}):
        (what, channel_id, kind, channel_name, workspace_id, workspace_name, listener_id, url, ignore_bots, bot_id,
         token, content_type, trigger_words, trigger_when, callback_urls) = row
        if what == "bot":
            bots[channel_id].append(BotListener(channel_id, ChannelKind(kind), workspace_id, listener_id, url,
                                                bool(ignore_bots)))
        else:
            hooks[channel_id].append(HookListener(
                channel_id, channel_name or "", workspace_id, workspace_name or "", listener_id, bot_id, token,
                content_type, list(trigger_words or []), trigger_when, list(callback_urls or []), bool(ignore_bots)))
    return Listening(dict(bots), dict(hooks))


def _sql(fact: Any) -> Any:
    return true() if fact is True else false() if fact is False else fact


# The columns of both halves of the query, in this order.
_COLUMNS = ("what", "channel_id", "channel_kind", "channel_name", "workspace_id", "workspace_name", "listener_id",
            "events_url", "ignore_bots", "hook_bot_id", "token", "content_type", "trigger_words", "trigger_when",
            "callback_urls")


def _labelled(*columns: Any) -> list[Any]:
    return [column.label(name) for column, name in zip(columns, _COLUMNS, strict=True)]


@functools.cache
def _bots_query() -> Select:
    channel, membership, member, user = aliased(Channel), aliased(Membership), aliased(ChannelMember), aliased(User)
    # From the bots' channel rows: whether the bot is in the channel is the rule's to say.
    standing = replace(rules.standing_of(channel, membership, member, user), joined=True)
    listening_bots = (select(Bot.user_id).where(Bot.workspace_id.in_(bindparam("workspace_ids", expanding=True)),
                                                Bot.events_url.is_not(None), Bot.deactivated_at.is_(None)))
    return (select(*_labelled(literal("bot", String), member.channel_id, channel.kind, cast(null(), String),
                              channel.workspace_id, cast(null(), String), Bot.user_id, Bot.events_url,
                              Bot.ignore_bots, cast(null(), Integer), cast(null(), String), cast(null(), String),
                              cast(null(), JSON), cast(null(), String), cast(null(), JSON)))
            .select_from(member)
            .join(Bot, Bot.user_id == member.user_id)
            .join(channel, channel.id == member.channel_id)
            .join(membership, and_(membership.workspace_id == member.workspace_id,
                                   membership.user_id == member.user_id))
            .join(user, user.id == member.user_id)
            .where(member.channel_id.in_(bindparam("channel_ids", expanding=True)),
                   member.user_id.in_(listening_bots),
                   _sql(rules.is_in_channel.on(standing))))


@functools.cache
def _hooks_query() -> Select:
    channel, membership, member, user = aliased(Channel), aliased(Membership), aliased(ChannelMember), aliased(User)
    hook, watched = aliased(OutgoingWebhook), aliased(OutgoingWebhookChannel)
    # The hook's maker: what they may read now is what the hook hears.
    standing = rules.standing_of(channel, membership, member, user)
    watches = or_(
        exists().where(watched.webhook_id == hook.id, watched.channel_id == channel.id),
        and_(channel.kind == ChannelKind.public, ~exists().where(watched.webhook_id == hook.id)))
    return (select(*_labelled(literal("hook", String), channel.id, channel.kind, channel.name, channel.workspace_id,
                              Workspace.name, hook.id, cast(null(), String), hook.ignore_bots, hook.bot_user_id,
                              hook.token, hook.content_type, hook.trigger_words, hook.trigger_when,
                              hook.callback_urls))
            .select_from(channel)
            .join(Workspace, Workspace.id == channel.workspace_id)
            .join(hook, hook.workspace_id == channel.workspace_id)
            .join(membership, and_(membership.workspace_id == channel.workspace_id,
                                   membership.user_id == hook.created_by))
            .join(user, user.id == hook.created_by)
            .outerjoin(member, and_(member.channel_id == channel.id, member.user_id == hook.created_by))
            .where(channel.id.in_(bindparam("channel_ids", expanding=True)),
                   channel.workspace_id.in_(bindparam("workspace_ids", expanding=True)),
                   watches, _sql(rules.can_read_channel.on(standing))))


@functools.cache
def _all_query() -> CompoundSelect:
    return union_all(_bots_query(), _hooks_query())


def refresh(workspace_id: int) -> None:
    """Inside the transaction of a change to the workspace's listeners, after the change and
    before any ``events.record`` (``lock_row``'s rule): set ``Workspace.has_listeners`` to
    whether anything may listen now. The workspace's row is locked until the commit and the
    answer read after the lock, so of two such changes at once the later sees the earlier's."""
    db.session.flush()  # the change itself: lock_row expires what is loaded
    lock_row(Workspace, workspace_id)
    bots = exists().where(Bot.workspace_id == workspace_id, Bot.events_url.is_not(None), Bot.deactivated_at.is_(None))
    hooks = exists().where(OutgoingWebhook.workspace_id == workspace_id)
    db.session.execute(update(Workspace).where(Workspace.id == workspace_id)
                       .values(has_listeners=select(or_(bots, hooks)).scalar_subquery()))

