"""access_* functions return what the actor may use or raise. Nothing the actor cannot see is
acknowledged: it answers NotFound exactly like something that does not exist."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam, or_, select, tuple_

from chat.extensions import db
from chat.models import Channel, ChannelKind, ChannelMember, Membership, Message, Role
from chat.services.errors import Forbidden, NotFound


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


def _readable(channel: Channel, membership: Membership, member: ChannelMember | None) -> bool:
    if member is not None:
        return True
    # Guests see only what they are invited to; everyone else may preview public channels.
    return channel.kind == ChannelKind.public and membership.role != Role.guest


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
            for channel, membership, member in rows if _readable(channel, membership, member)}


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


def check_can_post(access: ChannelAccess) -> None:
    if access.channel.archived_at is not None:
        raise Forbidden("this channel is archived", code="channel_archived")
    if access.member is None:
        raise Forbidden("join the channel to post in it", code="not_in_channel")
    if access.channel.broadcast and not (access.is_admin or access.member.can_post):
        raise Forbidden("only admins and named posters can post in this broadcast channel",
                        code="broadcast_only")


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
