"""Who may do what: the workspace doors (``access_membership``, ``access_admin``,
``access_webhook_maker``) and, for
channels, one rule per question, each written once.

``access_*`` functions return what the actor may use or raise. Nothing the actor cannot see is
acknowledged: it answers NotFound exactly like something that does not exist.

A channel rule reads a ``Standing``: the facts about one person and one channel that
permissions depend on (their role, whether they are in the channel, the channel's kind and
state...). The facts are built in one place, ``standing_of``, from a person's rows or from the
tables' columns; so is every rule, from ``Requirement``s that combine facts with ``_all``,
``_any`` and ``_not``. The same definition therefore gives:

- ``rule.check(standing)``: raise the refusal of the first requirement not met (the doors'
  error), or pass;
- ``rule.allows(standing)``: True or False, in Python;
- ``rule.on(sql_standing)``: the SQL condition, for queries across channels or people
  (``channel_ids``, ``user_ids``): channel lists, unread counts, who follows a channel's
  events, mentions, files.

A new kind of person or channel (a bot, an inbox agent, another kind of guest) is a new fact
in ``Standing``/``_standing`` and a requirement in the rules it changes; the doors and the
queries follow (docs/architecture.md, "Who may do what"). Bots are one: the ``bot`` fact (the
account's kind, ``users.kind``) keeps them, like guests, to the channels they were added to.

What is not about a channel but about the kind of account (a bot does not create workspaces,
channels or tokens, sign in, or accept invites) is ``refuse_bots``.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    false,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql import ClauseElement

from chat.core.actor import Actor
from chat.core.errors import ChatError, Conflict, Forbidden, NotFound
from chat.core.prepared import Prepared
from chat.extensions import db
from chat.models import Channel, ChannelKind, ChannelMember, Membership, Message, Role, User, UserKind, Workspace


def access_membership(user_id: int, workspace_id: int) -> Membership:
    membership = db.session.scalar(select(Membership).where(
        Membership.workspace_id == workspace_id, Membership.user_id == user_id, Membership.active))
    if membership is None:
        raise NotFound("workspace not found")
    return membership


def access_admin(user_id: int, workspace_id: int) -> Membership:
    membership = access_membership(user_id, workspace_id)
    if not membership.role.is_admin:
        raise Forbidden("only workspace admins can do this", code="admin_only")
    return membership


def access_webhook_maker(actor: Actor, workspace_id: int) -> Membership:
    """The membership of someone who may make incoming webhooks in the workspace, and so open
    its Integrations page: its admins, and its members while the workspace's
    ``members_create_webhooks`` is on; never guests or bots. NotFound outside the workspace."""
    membership = access_membership(actor.id, workspace_id)
    refuse_bots(actor, "make webhooks")
    if membership.role == Role.guest:
        raise Forbidden("guests cannot make webhooks", code="guest")
    if not membership.role.is_admin and not db.session.get_one(Workspace, workspace_id).members_create_webhooks:
        raise Forbidden("only workspace admins can make webhooks here", code="admin_only")
    return membership


def refuse_bots(actor: Actor, what: str) -> None:
    """Forbidden (``bot_not_allowed``) when the actor is a bot: what only people do. ``what``
    completes "bots cannot ..."."""
    if actor.is_bot:
        raise Forbidden(f"bots cannot {what}", code="bot_not_allowed")


# --- facts ---------------------------------------------------------------------------------------

# A fact is a plain bool (about rows read) or a SQL boolean expression (about columns).
Fact = bool | ColumnElement[bool]


@dataclass(frozen=True, slots=True)
class Standing:
    """One person's standing in one channel: every fact a channel rule may ask about."""
    active: Fact        # an active member of the channel's workspace (not deactivated)
    guest: Fact         # the workspace role is guest
    bot: Fact           # the account is a bot (users.kind): it sees only the channels it is in
    admin: Fact         # the workspace role is owner or admin
    joined: Fact        # in the channel
    named_poster: Fact  # named to post when the channel is a broadcast one
    creator: Fact       # created the channel
    public: Fact        # kind: public
    direct: Fact        # kind: direct or group conversation
    broadcast: Fact     # only admins and named posters post
    archived: Fact
    default: Fact       # the workspace's default channel (#general)


_GUEST = [Role.guest]
_BOT = [UserKind.bot]
_ADMINS = [role for role in Role if role.is_admin]
_PUBLIC = [ChannelKind.public]
_DIRECT = [kind for kind in ChannelKind if kind.is_direct]


def standing_of(channel: Any, membership: Any, member: Any, user: Any) -> Standing:
    """The standing of ``membership``'s person (``user``: their account) in ``channel``;
    ``member`` is their row in the channel, None if they are not in it. Given rows, the facts
    are bools; given the mapped classes (or aliases of them, ``member`` outer-joined), they are
    SQL expressions."""
    return _standing(role=membership.role, kind=user.kind, active=membership.active, user_id=membership.user_id,
                     channel_kind=channel.kind, broadcast=channel.broadcast, archived_at=channel.archived_at,
                     is_default=channel.is_default, created_by=channel.created_by,
                     member_id=None if member is None else member.id,
                     can_post=None if member is None else member.can_post)


def _standing(*, role: Any, kind: Any, active: Any, user_id: Any, channel_kind: Any, broadcast: Any,
              archived_at: Any, is_default: Any, created_by: Any, member_id: Any, can_post: Any) -> Standing:
    """The facts from the columns' values (plain, as the driver or the ORM gives them) or from
    the columns themselves: the one place a fact is defined. ``kind`` is the account's,
    ``channel_kind`` the channel's."""
    return Standing(active=_true(active), guest=_among(role, _GUEST), bot=_among(kind, _BOT),
                    admin=_among(role, _ADMINS),
                    joined=_present(member_id), named_poster=_true(can_post),
                    creator=_same(created_by, user_id), public=_among(channel_kind, _PUBLIC),
                    direct=_among(channel_kind, _DIRECT), broadcast=_true(broadcast), archived=_present(archived_at),
                    default=_true(is_default))


def _is_sql(value: Any) -> bool:
    return isinstance(value, (ClauseElement, QueryableAttribute))


def _true(value: Any) -> Fact:
    return value.is_(True) if _is_sql(value) else bool(value)


def _present(value: Any) -> Fact:
    return value.is_not(None) if _is_sql(value) else value is not None


def _among(value: Any, choices: list[Any]) -> Fact:
    if _is_sql(value):
        return value == choices[0] if len(choices) == 1 else value.in_(choices)
    return value in choices


def _same(value: Any, other: Any) -> Fact:
    if _is_sql(value):
        return value.is_not_distinct_from(other)  # NULL is nobody: false, never unknown
    return value is not None and value == other


# Rules combine facts with these, never with and/or/not: plain facts give a bool, columns give
# SQL, and a plain fact among columns folds away (True and x is x; False and x is False).

def _all(*facts: Fact) -> Fact:
    rest = []
    for fact in facts:
        if fact is False:
            return False
        if fact is not True:
            rest.append(fact)
    return True if not rest else rest[0] if len(rest) == 1 else and_(*rest)


def _any(*facts: Fact) -> Fact:
    rest = []
    for fact in facts:
        if fact is True:
            return True
        if fact is not False:
            rest.append(fact)
    return False if not rest else rest[0] if len(rest) == 1 else or_(*rest)


def _not(fact: Fact) -> Fact:
    return (not fact) if isinstance(fact, bool) else not_(fact)


# --- rules ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    """What must hold, and the error for a person it does not hold for."""
    holds: Callable[[Standing], Fact]
    refusal: Callable[[], ChatError]


class Rule:
    """One question about a person and a channel: requirements in order; the first one not met
    is the refusal. A rule may start from another (``Rule(can_read_channel, ...)``)."""

    def __init__(self, *parts: Rule | Requirement) -> None:
        self.requirements: tuple[Requirement, ...] = tuple(
            requirement for part in parts
            for requirement in (part.requirements if isinstance(part, Rule) else (part,)))

    def on(self, standing: Standing) -> Fact:
        """Whether the rule allows: a bool for a standing of rows, SQL for one of columns."""
        return _all(*(requirement.holds(standing) for requirement in self.requirements))

    def allows(self, standing: Standing) -> bool:
        allowed = self.on(standing)
        assert isinstance(allowed, bool), "allows() takes a standing of rows; on() gives SQL"
        return allowed

    def check(self, standing: Standing) -> None:
        """Raise the refusal of the first requirement not met."""
        for requirement in self.requirements:
            if not requirement.holds(standing):
                raise requirement.refusal()

    @functools.cached_property
    def needs_joined(self) -> bool:
        """Whether only people in the channel can be allowed (queries then start from them)."""
        outside = replace(standing_of(Channel, Membership, ChannelMember, User), joined=False, named_poster=False)
        return self.on(outside) is False


def _refuse(error: type[ChatError], message: str, code: str | None = None) -> Callable[[], ChatError]:
    return lambda: error(message, code=code)


_NOT_FOUND = _refuse(NotFound, "channel not found")
_ARCHIVED = Requirement(lambda s: _not(s.archived), _refuse(Forbidden, "this channel is archived", "channel_archived"))
_JOINED_FIRST = Requirement(lambda s: s.joined, _refuse(Forbidden, "join the channel first", "not_in_channel"))


def _manager(s: Standing) -> Fact:
    return _any(s.admin, s.creator)


can_read_channel = Rule(
    Requirement(lambda s: s.active, _NOT_FOUND),
    # Guests and bots see only what they are added to; everyone else may preview public channels.
    Requirement(lambda s: _any(s.joined, _all(s.public, _not(s.guest), _not(s.bot))), _NOT_FOUND),
)

# In the channel: its events reach the person (socket rooms, catch-up), it has their read
# position and unread counts, they may leave it.
is_in_channel = Rule(
    can_read_channel,
    Requirement(lambda s: s.joined, _refuse(Conflict, "you are not in this channel", "not_in_channel")),
)

can_post_in_channel = Rule(
    can_read_channel,
    _ARCHIVED,
    Requirement(lambda s: s.joined, _refuse(Forbidden, "join the channel to post in it", "not_in_channel")),
    Requirement(lambda s: _any(_not(s.broadcast), s.admin, s.named_poster),
                _refuse(Forbidden, "only admins and named posters can post in this broadcast channel",
                        "broadcast_only")),
)

# Channel settings and removing other people.
can_manage_channel = Rule(
    can_read_channel,
    Requirement(lambda s: _not(s.direct),
                _refuse(Forbidden, "direct conversations have no settings", "direct_channel")),
    Requirement(_manager, _refuse(Forbidden, "only admins and the channel creator can change this channel",
                                  "not_channel_manager")),
)

# The topic alone: anyone in the channel, or its managers.
can_set_topic = Rule(
    can_read_channel,
    Requirement(lambda s: _any(s.joined, _manager(s)),
                _refuse(Forbidden, "only admins and the channel creator can change this channel",
                        "not_channel_manager")),
)

can_set_broadcast = Rule(
    can_read_channel,
    Requirement(lambda s: s.admin, _refuse(Forbidden, "only admins make broadcast channels", "admin_only")),
)

# Finding a channel to join it: what can be read, and also, for a bot, a public channel it is
# not in (Slack's channels:join lets a bot join any public channel; it still reads none of it
# before joining). Guests are added by others.
can_find_to_join = Rule(
    Requirement(lambda s: s.active, _NOT_FOUND),
    Requirement(lambda s: _any(s.joined, _all(s.public, _not(s.guest))), _NOT_FOUND),
)

can_join_channel = Rule(
    can_find_to_join,
    Requirement(lambda s: s.public, _NOT_FOUND),
    _ARCHIVED,
)

can_leave_channel = Rule(
    is_in_channel,
    Requirement(lambda s: _not(s.direct),
                _refuse(Forbidden, "you cannot leave a direct conversation", "direct_channel")),
    Requirement(lambda s: _not(s.default),
                _refuse(Forbidden, "everyone stays in the default channel", "default_channel")),
)

can_add_people = Rule(
    can_read_channel,
    _JOINED_FIRST,
    Requirement(lambda s: _not(s.direct),
                _refuse(Forbidden, "start a new group conversation to add people", "direct_channel")),
    _ARCHIVED,
)

# Adding people with, or setting, their right to post in a broadcast channel.
can_choose_posters = Rule(
    can_add_people,
    Requirement(lambda s: s.admin,
                _refuse(Forbidden, "only admins choose who posts in a broadcast channel", "admin_only")),
)

can_remove_people = Rule(
    can_manage_channel,
    Requirement(lambda s: _not(s.default),
                _refuse(Forbidden, "everyone stays in the default channel", "default_channel")),
)

can_react_and_pin = Rule(can_read_channel, _JOINED_FIRST, _ARCHIVED)

# One's own messages: whether they may still be edited (the author is checked by the caller).
can_edit_own_messages = Rule(can_read_channel, _ARCHIVED)

can_delete_others_messages = Rule(
    can_read_channel,
    Requirement(lambda s: s.admin, _refuse(Forbidden, "you can only delete your own messages", "not_author")),
)


def reads_public_channels(role: Role, kind: UserKind) -> bool:
    """Whether an active member with this role, and an account of this kind, may read the
    workspace's public channels without being in them: ``can_read_channel`` on such a channel.
    Those people hear of public channels as they are created and changed
    (``events.members_room``) and start in the default channels."""
    return can_read_channel.allows(_standing(
        role=role, kind=kind, active=True, user_id=0, channel_kind=ChannelKind.public, broadcast=False,
        archived_at=None,
        is_default=False, created_by=None, member_id=None, can_post=None))


# --- the rules in SQL ----------------------------------------------------------------------------

def _condition(fact: Fact) -> ColumnElement[bool]:
    return true() if fact is True else false() if fact is False else fact


# Building a rule's SQL (aliases, the standing's facts, the rule's conditions) costs ~2 ms of
# Python, more than running the query; each shape is built once, with bound parameters, and
# ``params()`` gives it a call's values (~0.2 ms). The parameters' names are the rules' own, so
# they do not meet a caller's.
_USER, _WORKSPACES, _CHANNEL, _AMONG = "rules_user_id", "rules_workspace_ids", "rules_channel_id", "rules_among"


def channel_ids(rule: Rule, user_id: int | ColumnElement[int], workspace_ids: Iterable[int] | None = None) -> Select:
    """The ids of the channels where ``rule`` allows the person (in these workspaces, or in
    all of theirs): a subquery built from the rule's own definition. ``user_id`` may be a bound
    parameter, for a statement prepared once (services/sync.py)."""
    if not isinstance(user_id, int):
        return _channel_ids(rule, user_id, None if workspace_ids is None else list(workspace_ids))
    values: dict[str, Any] = {_USER: user_id}
    if workspace_ids is not None:
        values[_WORKSPACES] = list(workspace_ids)
    return _channel_ids_shape(rule, workspace_ids is not None).params(values)


@functools.cache
def _channel_ids_shape(rule: Rule, in_workspaces: bool) -> Select:
    return _channel_ids(rule, bindparam(_USER, type_=Integer),
                        bindparam(_WORKSPACES, expanding=True) if in_workspaces else None)


def _channel_ids(rule: Rule, user_id: ColumnElement[int], workspace_ids: list[int] | BindParameter | None) -> Select:
    channel, membership, member, user = aliased(Channel), aliased(Membership), aliased(ChannelMember), aliased(User)
    if rule.needs_joined:  # from the person's channel rows: a few, whatever the workspace's size
        query = (select(member.channel_id)
                 .join(channel, channel.id == member.channel_id)
                 .join(membership, and_(membership.workspace_id == member.workspace_id,
                                        membership.user_id == member.user_id))
                 .join(user, user.id == member.user_id)
                 .where(member.user_id == user_id))
        in_workspaces = member.workspace_id
        standing = replace(standing_of(channel, membership, member, user), joined=True)
    else:
        query = (select(channel.id)
                 .join(membership, and_(membership.workspace_id == channel.workspace_id,
                                        membership.user_id == user_id))
                 .join(user, user.id == membership.user_id)
                 .outerjoin(member, and_(member.channel_id == channel.id, member.user_id == user_id)))
        in_workspaces = channel.workspace_id
        standing = standing_of(channel, membership, member, user)
    if workspace_ids is not None:
        query = query.where(in_workspaces.in_(workspace_ids))
    return query.where(_condition(rule.on(standing)))


def user_ids(rule: Rule, channel_id: int, among: Iterable[int] | None = None) -> Select:
    """The ids of the people ``rule`` allows in the channel (of those ``among``)."""
    values: dict[str, Any] = {_CHANNEL: channel_id}
    if among is not None:
        values[_AMONG] = list(among)
    return _user_ids_shape(rule, among is not None).params(values)


@functools.cache
def _user_ids_shape(rule: Rule, among: bool) -> Select:
    channel_id = bindparam(_CHANNEL, type_=Integer)
    channel, membership, member, user = aliased(Channel), aliased(Membership), aliased(ChannelMember), aliased(User)
    if rule.needs_joined:
        query = (select(member.user_id)
                 .join(channel, channel.id == member.channel_id)
                 .join(membership, and_(membership.workspace_id == member.workspace_id,
                                        membership.user_id == member.user_id))
                 .join(user, user.id == member.user_id)
                 .where(member.channel_id == channel_id))
        standing = replace(standing_of(channel, membership, member, user), joined=True)
    else:
        query = (select(membership.user_id).select_from(channel)
                 .join(membership, membership.workspace_id == channel.workspace_id)
                 .join(user, user.id == membership.user_id)
                 .outerjoin(member, and_(member.channel_id == channel.id, member.user_id == membership.user_id))
                 .where(channel.id == channel_id))
        standing = standing_of(channel, membership, member, user)
    if among:
        query = query.where(membership.user_id.in_(bindparam(_AMONG, expanding=True)))
    return query.where(_condition(rule.on(standing)))


# --- one person, one channel ---------------------------------------------------------------------

@dataclass
class ChannelAccess:
    """A channel the person may read, with their rows and their standing in it."""
    channel: Channel
    membership: Membership
    member: ChannelMember | None  # None: a public channel the person has not joined
    user: User                    # the person's account
    standing: Standing = field(init=False)

    def __post_init__(self) -> None:
        self.standing = standing_of(self.channel, self.membership, self.member, self.user)

    @property
    def user_id(self) -> int:
        return self.membership.user_id


def access_channel(user_id: int, channel_id: int, *, seen_by: Rule | None = None) -> ChannelAccess:
    """The channel if the person may read it (or, given ``seen_by``, if that rule lets them
    find it: ``can_find_to_join`` for joining), else NotFound."""
    access = access_channels({(user_id, channel_id)}, seen_by=seen_by).get((user_id, channel_id))
    if access is None:
        raise NotFound("channel not found")
    return access


def access_channels(pairs: set[tuple[int, int]], *, seen_by: Rule | None = None
                    ) -> dict[tuple[int, int], ChannelAccess]:
    """``access_channel`` for many (user id, channel id) pairs in one query: the readable ones
    (those ``seen_by`` allows, when given)."""
    if not pairs:
        return {}
    rule = seen_by or can_read_channel
    rows = db.session.execute(_ACCESS, {"channel_ids": sorted({c for _, c in pairs}),
                                        "user_ids": sorted({u for u, _ in pairs}), "pairs": sorted(pairs)}).all()
    found = {}
    for channel, membership, member, user in rows:
        access = ChannelAccess(channel, membership, member, user)
        if rule.allows(access.standing):
            found[(membership.user_id, channel.id)] = access
    return found


# Built once: building and keying this statement per call cost three times its execution.
# Every membership of the person in the channel's workspace, deactivated ones too: the rule
# decides.
_ACCESS = (
    select(Channel, Membership, ChannelMember, User)
    .join(Membership, Membership.workspace_id == Channel.workspace_id)
    .join(User, User.id == Membership.user_id)
    .outerjoin(ChannelMember, and_(ChannelMember.channel_id == Channel.id,
                                   ChannelMember.user_id == Membership.user_id))
    # The plain lists let both databases use their indexes; the pairs drop the crossings.
    .where(Channel.id.in_(bindparam("channel_ids", expanding=True)),
           Membership.user_id.in_(bindparam("user_ids", expanding=True)),
           tuple_(Membership.user_id, Channel.id).in_(bindparam("pairs", expanding=True)))
)


@dataclass(frozen=True, slots=True)
class Poster:
    """A person's standing in a channel they may read, as a send needs it: plain values, read
    for a whole batch of sends in one query (``posters``), with the person's name for the
    messages' author."""
    user_id: int
    channel_id: int
    workspace_id: int
    standing: Standing
    username: str
    display_name: str
    is_bot: bool
    listened: bool  # something may listen to the workspace's channels (``Workspace.has_listeners``)


def posters(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Poster]:
    """``access_channel`` for the (user id, channel id) pairs of a batch of sends: the readable
    ones, by pair. One query of plain columns, prepared (``core/prepared``): for the few
    rows of a batch, loading ORM objects and expanding IN lists cost more than the query."""
    if not pairs:
        return {}
    ordered = sorted(pairs)
    size = 1 << (len(ordered) - 1).bit_length()  # a few shapes, each compiled once
    ordered += ordered[-1:] * (size - len(ordered))
    params = {f"u{i}": user_id for i, (user_id, _) in enumerate(ordered)}
    params.update({f"c{i}": channel_id for i, (_, channel_id) in enumerate(ordered)})
    found = {}
    for user_id, channel_id, workspace_id, role, user_kind, active, channel_kind, broadcast, archived_at, \
            is_default, created_by, member_id, can_post, username, display_name, listened \
            in _posters_query(size).rows(params):
        # Driver values: enums by their stored names, booleans as 0/1 and times as text on SQLite.
        kind = UserKind[user_kind]
        standing = _standing(role=Role[role], kind=kind, active=active, user_id=user_id,
                             channel_kind=ChannelKind[channel_kind],
                             broadcast=broadcast, archived_at=archived_at, is_default=is_default,
                             created_by=created_by, member_id=member_id, can_post=can_post)
        if can_read_channel.allows(standing):
            found[(user_id, channel_id)] = Poster(user_id, channel_id, workspace_id, standing, username, display_name,
                                                  kind == UserKind.bot, bool(listened))
    return found


@functools.cache
def _posters_query(size: int) -> Prepared:
    users: list[BindParameter[int]] = [bindparam(f"u{i}") for i in range(size)]
    channels: list[BindParameter[int]] = [bindparam(f"c{i}") for i in range(size)]
    return Prepared(
        select(Membership.user_id, Channel.id, Channel.workspace_id, Membership.role, User.kind, Membership.active,
               Channel.kind, Channel.broadcast, Channel.archived_at, Channel.is_default, Channel.created_by,
               ChannelMember.id, ChannelMember.can_post, User.username, User.display_name, Workspace.has_listeners)
        .join(Membership, Membership.workspace_id == Channel.workspace_id)
        .join(User, User.id == Membership.user_id)
        .join(Workspace, Workspace.id == Channel.workspace_id)
        .outerjoin(ChannelMember, and_(ChannelMember.channel_id == Channel.id,
                                       ChannelMember.user_id == Membership.user_id))
        # As _ACCESS: the plain lists for the indexes, the pairs against the crossings.
        .where(Channel.id.in_(channels), Membership.user_id.in_(users),
               tuple_(Membership.user_id, Channel.id).in_([tuple_(u, c) for u, c in zip(users, channels, strict=True)]))
    )


def access_message(user_id: int, message_id: int) -> tuple[Message, ChannelAccess]:
    message = db.session.get(Message, message_id)
    if message is None or message.deleted_at is not None:
        raise NotFound("message not found")
    try:
        access = access_channel(user_id, message.channel_id)
    except NotFound:
        raise NotFound("message not found") from None
    return message, access
