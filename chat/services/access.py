"""access_* functions return what the actor may use or raise. Nothing the actor cannot see is
acknowledged: it answers NotFound exactly like something that does not exist."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import BindParameter, Select, and_, bindparam, or_, select, tuple_

from chat.core.errors import Forbidden, NotFound
from chat.core.prepared import Prepared
from chat.extensions import db
from chat.models import Channel, ChannelKind, ChannelMember, Membership, Message, Role, User


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


@dataclass
class ChannelAccess:
    channel: Channel
    membership: Membership
    member: ChannelMember | None  # None: a public channel the person has not joined

    @property
    def user_id(self) -> int:
        return self.membership.user_id

    @property
    def is_admin(self) -> bool:
        return self.membership.role.is_admin


def _readable(kind: ChannelKind, role: Role, joined: bool) -> bool:
    # Guests see only what they are invited to; everyone else may preview public channels.
    return joined or (kind == ChannelKind.public and role != Role.guest)


def readable_channel_ids(membership: Membership) -> Select:
    """A subquery of the ids of every channel in the workspace the member may read (the same
    rule as ``_readable``, for queries across channels)."""
    joined = select(ChannelMember.channel_id).where(ChannelMember.user_id == membership.user_id)
    if membership.role == Role.guest:
        return joined
    return select(Channel.id).where(Channel.workspace_id == membership.workspace_id,
                                    or_(Channel.kind == ChannelKind.public, Channel.id.in_(joined)))


def access_channel(user_id: int, channel_id: int) -> ChannelAccess:
    """The channel if the person may read it, else NotFound."""
    access = access_channels({(user_id, channel_id)}).get((user_id, channel_id))
    if access is None:
        raise NotFound("channel not found")
    return access


def access_channels(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], ChannelAccess]:
    """``access_channel`` for many (user id, channel id) pairs in one query: the readable ones."""
    if not pairs:
        return {}
    rows = db.session.execute(_ACCESS, {"channel_ids": sorted({c for _, c in pairs}),
                                        "user_ids": sorted({u for u, _ in pairs}), "pairs": sorted(pairs)}).all()
    return {(membership.user_id, channel.id): ChannelAccess(channel, membership, member)
            for channel, membership, member in rows
            if _readable(channel.kind, membership.role, member is not None)}


# Built once: building and keying this statement per call cost three times its execution.
_ACCESS = (
    select(Channel, Membership, ChannelMember)
    .join(Membership, and_(Membership.workspace_id == Channel.workspace_id, Membership.active))
    .outerjoin(ChannelMember, and_(ChannelMember.channel_id == Channel.id,
                                   ChannelMember.user_id == Membership.user_id))
    # The plain lists let both databases use their indexes; the pairs drop the crossings.
    .where(Channel.id.in_(bindparam("channel_ids", expanding=True)),
           Membership.user_id.in_(bindparam("user_ids", expanding=True)),
           tuple_(Membership.user_id, Channel.id).in_(bindparam("pairs", expanding=True)))
)


def check_can_post(access: ChannelAccess | Poster) -> None:
    if isinstance(access, ChannelAccess):
        channel, member = access.channel, access.member
        _check_posting(channel.archived_at is not None, member is not None, channel.broadcast,
                       access.is_admin or (member is not None and member.can_post))
    else:
        _check_posting(access.archived, access.joined, access.broadcast, access.role.is_admin or access.can_post)


def _check_posting(archived: bool, joined: bool, broadcast: bool, named_poster: bool) -> None:
    if archived:
        raise Forbidden("this channel is archived", code="channel_archived")
    if not joined:
        raise Forbidden("join the channel to post in it", code="not_in_channel")
    if broadcast and not named_poster:
        raise Forbidden("only admins and named posters can post in this broadcast channel",
                        code="broadcast_only")


@dataclass(frozen=True, slots=True)
class Poster:
    """A person's standing in a channel they may read, as a send needs it: plain values, read
    for a whole batch of sends in one query (``posters``), with the person's name for the
    messages' author."""
    user_id: int
    channel_id: int
    workspace_id: int
    kind: ChannelKind
    archived: bool
    broadcast: bool
    role: Role
    joined: bool
    can_post: bool
    username: str
    display_name: str


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
    for user_id, channel_id, workspace_id, kind, archived, broadcast, role, joined, can_post, username, \
            display_name in _posters_query(size).rows(params):
        # Driver values: enums by their stored names, booleans as 0/1 on SQLite.
        poster = Poster(user_id, channel_id, workspace_id, ChannelKind[kind], bool(archived), bool(broadcast),
                        Role[role], bool(joined), bool(can_post), username, display_name)
        if _readable(poster.kind, poster.role, poster.joined):
            found[(user_id, channel_id)] = poster
    return found


@functools.cache
def _posters_query(size: int) -> Prepared:
    users: list[BindParameter[int]] = [bindparam(f"u{i}") for i in range(size)]
    channels: list[BindParameter[int]] = [bindparam(f"c{i}") for i in range(size)]
    return Prepared(
        select(Membership.user_id, Channel.id, Channel.workspace_id, Channel.kind,
               Channel.archived_at.is_not(None), Channel.broadcast, Membership.role,
               ChannelMember.id.is_not(None), ChannelMember.can_post.is_(True), User.username, User.display_name)
        .join(Membership, and_(Membership.workspace_id == Channel.workspace_id, Membership.active))
        .join(User, User.id == Membership.user_id)
        .outerjoin(ChannelMember, and_(ChannelMember.channel_id == Channel.id,
                                       ChannelMember.user_id == Membership.user_id))
        # As _ACCESS: the plain lists for the indexes, the pairs against the crossings.
        .where(Channel.id.in_(channels), Membership.user_id.in_(users),
               tuple_(Membership.user_id, Channel.id).in_([tuple_(u, c) for u, c in zip(users, channels, strict=True)]))
    )


def check_can_manage(access: ChannelAccess) -> None:
    """Channel settings: admins, or the creator of a named channel."""
    if access.channel.kind.is_direct:
        raise Forbidden("direct conversations have no settings", code="direct_channel")
    if not (access.is_admin or access.channel.created_by == access.user_id):
        raise Forbidden("only admins and the channel creator can change this channel",
                        code="not_channel_manager")


def access_message(user_id: int, message_id: int) -> tuple[Message, ChannelAccess]:
    message = db.session.get(Message, message_id)
    if message is None or message.deleted_at is not None:
        raise NotFound("message not found")
    try:
        access = access_channel(user_id, message.channel_id)
    except NotFound:
        raise NotFound("message not found") from None
    return message, access
