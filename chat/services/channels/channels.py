"""Channels and conversations: public, private, broadcast, direct and group direct."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from chat.core import events, limits
from chat.core.actor import Actor
from chat.core.concurrency import recheck_on_conflict
from chat.core.errors import Conflict, Forbidden, Invalid, NotFound
from chat.core.transactions import atomic
from chat.core.validation import check_bool, check_channel_name, check_id, check_id_list, check_text
from chat.extensions import db
from chat.models import Channel, ChannelKind, ChannelMember, Membership, Role, User
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services.access import access_channel, access_membership, refuse_bots
from chat.services.channels.unread import unread_counts
from chat.services.integrations import events_api
from chat.services.payloads import channel_payload, member_payload, muted_payload, read_position_payload, user_payload

MAX_GROUP_SIZE = limits.GROUP_SIZE
DEFAULT_CHANNEL = "general"


def _check_name_free(workspace_id: int, name: str, except_id: int | None = None) -> None:
    existing = db.session.scalar(select(Channel.id).where(Channel.workspace_id == workspace_id,
                                                          Channel.name == name))
    if existing is not None and existing != except_id:
        raise Conflict("a channel with this name already exists", code="name_taken", field="name")


@dataclass(frozen=True)
class ChannelView:
    """A channel as one person sees it: the row and their membership of it (None: a public
    channel they have not joined). ``payloads.channel_view_payload`` serializes it."""

    channel: Channel
    member: ChannelMember | None

    @property
    def id(self) -> int:
        return self.channel.id


def _browsers(channel: Channel) -> str | None:
    """Who else hears of a channel's creation and changes: for a public channel, every member
    of the workspace but guests, joined or not (their channel browser shows it)."""
    return events.members_room(channel.workspace_id) if channel.kind == ChannelKind.public else None


def _add_member_rows(channel: Channel, user_ids: list[int], *, can_post: bool = False,
                     created: bool = False, by: int | None = None, new_channel: bool = False) -> list[ChannelMember]:
    """Insert channel memberships, log them and subscribe the people's open sockets; tell the
    integrations that listen to the channel (``events_api.members_joined``), unless the
    channel is new. ``created``: the channel is new, and its stream starts with
    ``channel.created``; ``new_channel``: it is new but not announced (a direct conversation).
    ``by``: who put them in (None: they joined themselves, or the system put them in)."""
    members = [ChannelMember(channel_id=channel.id, user_id=user_id, workspace_id=channel.workspace_id,
                             can_post=can_post, last_read_id=channel.last_message_id or 0)
               for user_id in user_ids]
    for member in members:
        db.session.add(member)
        # Rooms first, so the joiner's own tabs are already listening when the event goes out.
        events.join_rooms(member.user_id, [events.channel_room(channel.id)])
    db.session.flush()
    payload = channel_payload(channel)
    if created:
        events.record(channel.workspace_id, events.CHANNEL_CREATED, payload, channel_id=channel.id,
                      also_to=_browsers(channel))
    for user_id in user_ids:
        events.record(channel.workspace_id, events.CHANNEL_MEMBER_ADDED,
                      {"channel": payload, "user_id": user_id}, channel_id=channel.id)
    if not (created or new_channel):
        events_api.members_joined(channel, user_ids, by=by)
    return members


def _remove_member_row(channel: Channel, member: ChannelMember) -> None:
    events.record(channel.workspace_id, events.CHANNEL_MEMBER_REMOVED,
                  {"channel_id": channel.id, "user_id": member.user_id}, channel_id=channel.id)
    # The leaver's own tabs also learn it: this one is addressed to them personally.
    events.record(channel.workspace_id, events.CHANNEL_MEMBER_REMOVED,
                  {"channel_id": channel.id, "user_id": member.user_id}, target_user_id=member.user_id)
    db.session.delete(member)
    events.leave_rooms(member.user_id, [events.channel_room(channel.id)])


def create_channel(actor: Actor, workspace_id: int, name: Any, *, private: Any = False,
                   broadcast: Any = False, topic: Any = "", purpose: Any = "") -> ChannelView:
    """Create a channel with the actor as its first member; announce it (``channel.created``)."""
    membership = access_membership(actor.id, workspace_id)
    refuse_bots(actor, "create channels")
    name = check_channel_name(name)
    private, broadcast = check_bool(private, "private"), check_bool(broadcast, "broadcast")
    topic = check_text(topic, "topic", max_length=limits.TOPIC_LENGTH, allow_empty=True)
    purpose = check_text(purpose, "purpose", max_length=limits.TOPIC_LENGTH, allow_empty=True)
    if membership.role == Role.guest:
        raise Forbidden("guests cannot create channels", code="guest")
    if broadcast and not membership.role.is_admin:
        raise Forbidden("only admins can create broadcast channels", code="admin_only")
    with recheck_on_conflict(lambda: _check_name_free(workspace_id, name)), atomic():
        _check_name_free(workspace_id, name)
        channel = Channel(workspace_id=workspace_id, name=name, topic=topic, purpose=purpose,
                          kind=ChannelKind.private if private else ChannelKind.public,
                          broadcast=broadcast, created_by=actor.id)
        db.session.add(channel)
        db.session.flush()
        (member,) = _add_member_rows(channel, [actor.id], can_post=True, created=True)
    return ChannelView(channel, member)


def create_default_channel(workspace_id: int, creator_id: int) -> Channel:
    """Inside the caller's transaction: the #general channel every workspace starts with."""
    channel = Channel(workspace_id=workspace_id, name=DEFAULT_CHANNEL, kind=ChannelKind.public,
                      is_default=True, created_by=creator_id, purpose="Company-wide announcements and chat")
    db.session.add(channel)
    db.session.flush()
    return channel


def _member_id(channel_id: int, user_id: int) -> int | None:
    return db.session.scalar(select(ChannelMember.id).where(ChannelMember.channel_id == channel_id,
                                                            ChannelMember.user_id == user_id))


def join_default_channels(workspace_id: int, user_id: int) -> None:
    """Inside the caller's transaction: put a new member in the workspace's default channels."""
    for channel in db.session.scalars(select(Channel).where(Channel.workspace_id == workspace_id,
                                                            Channel.is_default)):
        if _member_id(channel.id, user_id) is None:
            _add_member_rows(channel, [user_id])


def enroll(channel_id: int, user_id: int, *, can_post: bool = False) -> None:
    """Inside the caller's transaction: put an account the caller has vouched for (an incoming
    webhook's bot, posting where its owner may) in a channel, named a poster with ``can_post``.
    Repeating is harmless."""
    channel = db.session.get_one(Channel, channel_id)
    member = db.session.scalar(select(ChannelMember).where(ChannelMember.channel_id == channel_id,
                                                           ChannelMember.user_id == user_id))
    if member is None:
        _add_member_rows(channel, [user_id], can_post=can_post)
    elif can_post and not member.can_post:
        member.can_post = True
        db.session.flush()


def open_direct(actor: Actor, workspace_id: int, user_ids: Any) -> ChannelView:
    """The direct (two people, or a note to self) or group conversation with exactly these
    people, created on first use."""
    access_membership(actor.id, workspace_id)
    people = set(check_id_list(user_ids, "user_ids")) | {actor.id}
    if len(people) > MAX_GROUP_SIZE:
        raise Invalid(f"a group conversation has at most {MAX_GROUP_SIZE} people", field="user_ids")
    active = set(db.session.scalars(select(Membership.user_id).where(
        Membership.workspace_id == workspace_id, Membership.active, Membership.user_id.in_(people))))
    if active != people:
        raise NotFound("user not found")
    key = ",".join(str(u) for u in sorted(people))
    existing = db.session.scalar(select(Channel).where(Channel.workspace_id == workspace_id,
                                                       Channel.direct_key == key))
    if existing is None:
        try:
            with atomic():
                channel = Channel(workspace_id=workspace_id, direct_key=key, created_by=actor.id,
                                  kind=ChannelKind.dm if len(people) <= 2 else ChannelKind.group)
                db.session.add(channel)
                db.session.flush()
                members = _add_member_rows(channel, sorted(people), can_post=True, new_channel=True)
            return ChannelView(channel, next(m for m in members if m.user_id == actor.id))
        except IntegrityError:  # opened concurrently by another participant
            pass
        existing = db.session.scalars(select(Channel).where(Channel.workspace_id == workspace_id,
                                                            Channel.direct_key == key)).one()
    return get_channel(actor, existing.id)


def join_channel(actor: Actor, channel_id: int) -> ChannelView:
    """Join a public channel (bots too: ``access.can_join_channel``); joining again is harmless."""
    access = access_channel(actor.id, channel_id, seen_by=rules.can_find_to_join)
    if access.member is not None:
        return ChannelView(access.channel, access.member)
    rules.can_join_channel.check(access.standing)
    try:
        with atomic():
            if _member_id(channel_id, actor.id) is None:
                _add_member_rows(access.channel, [actor.id], by=actor.id)
    except IntegrityError:  # joined at the same moment from another tab: that join stands
        pass
    return get_channel(actor, channel_id)


def can_join(actor: Actor, channel_id: int) -> bool:
    """Whether the person could join the channel now (a public channel they are not in, or
    are): lets a door say "not in the channel" to a bot about a channel it could join, which
    tells it nothing it could not learn by joining."""
    try:
        access = access_channel(actor.id, channel_id, seen_by=rules.can_find_to_join)
    except NotFound:
        return False
    return rules.can_join_channel.allows(access.standing)


def leave_channel(actor: Actor, channel_id: int) -> None:
    access = access_channel(actor.id, channel_id)
    rules.can_leave_channel.check(access.standing)
    assert access.member is not None  # can_leave_channel requires being in the channel
    with atomic():
        _remove_member_row(access.channel, access.member)


def add_member(actor: Actor, channel_id: int, user_id: Any, *, can_post: Any = None) -> ChannelMember:
    """Invite someone into a channel, or (admins) set whether they may post in a broadcast one."""
    access = access_channel(actor.id, channel_id)
    user_id = check_id(user_id, "user_id")
    can_post = None if can_post is None else check_bool(can_post, "can_post")
    (rules.can_add_people if can_post is None else rules.can_choose_posters).check(access.standing)
    target = db.session.scalar(select(Membership).where(
        Membership.workspace_id == access.channel.workspace_id, Membership.user_id == user_id,
        Membership.active))
    if target is None:
        raise NotFound("user not found")
    try:
        with atomic():
            member = db.session.scalar(select(ChannelMember).where(ChannelMember.channel_id == channel_id,
                                                                   ChannelMember.user_id == user_id))
            if member is None:
                _add_member_rows(access.channel, [user_id], can_post=bool(can_post), by=actor.id)
            elif can_post is not None and member.can_post != can_post:
                member.can_post = can_post
                events.record(access.channel.workspace_id, events.CHANNEL_UPDATED, channel_payload(access.channel),
                              channel_id=channel_id, also_to=_browsers(access.channel))
    except IntegrityError:  # added at the same moment by someone else: that addition stands
        pass
    return db.session.scalars(select(ChannelMember).where(ChannelMember.channel_id == channel_id,
                                                          ChannelMember.user_id == user_id)).one()


def remove_member(actor: Actor, channel_id: int, user_id: Any) -> None:
    access = access_channel(actor.id, channel_id)
    user_id = check_id(user_id, "user_id")
    if user_id == actor.id:
        return leave_channel(actor, channel_id)
    rules.can_remove_people.check(access.standing)
    member = db.session.scalar(select(ChannelMember).where(ChannelMember.channel_id == channel_id,
                                                           ChannelMember.user_id == user_id))
    if member is None:
        raise NotFound("user not found in this channel")
    with atomic():
        _remove_member_row(access.channel, member)


def update_channel(actor: Actor, channel_id: int, changes: dict[str, Any]) -> Channel:
    """Change name, topic, purpose, broadcast or archived. Unknown fields are rejected."""
    access = access_channel(actor.id, channel_id)
    allowed = {"name", "topic", "purpose", "broadcast", "archived"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"unknown field: {sorted(unknown)[0]}", field=sorted(unknown)[0])
    if not changes:
        raise Invalid("nothing to change")
    channel = access.channel
    # Anyone in the channel may set the topic; everything else belongs to its managers.
    (rules.can_set_topic if set(changes) == {"topic"} else rules.can_manage_channel).check(access.standing)
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = check_channel_name(changes["name"])
        if channel.is_default:
            raise Forbidden("the default channel keeps its name", code="default_channel")
    for text_field in ("topic", "purpose"):
        if text_field in changes:
            values[text_field] = check_text(changes[text_field], text_field, max_length=limits.TOPIC_LENGTH,
                                            allow_empty=True)
    if "broadcast" in changes:
        values["broadcast"] = check_bool(changes["broadcast"], "broadcast")
        rules.can_set_broadcast.check(access.standing)
    if "archived" in changes:
        archived = check_bool(changes["archived"], "archived")
        if channel.is_default and archived:
            raise Forbidden("the default channel cannot be archived", code="default_channel")
        values["archived_at"] = (channel.archived_at or utcnow()) if archived else None
    if channel.archived_at is not None and set(values) - {"archived_at"}:
        raise Forbidden("unarchive the channel before changing it", code="channel_archived")

    def check_name_free() -> None:
        if "name" in values:
            _check_name_free(channel.workspace_id, values["name"], except_id=channel_id)

    with recheck_on_conflict(check_name_free), atomic():
        check_name_free()
        for key, value in values.items():
            setattr(channel, key, value)
        db.session.flush()
        events.record(channel.workspace_id, events.CHANNEL_UPDATED, channel_payload(channel),
                      channel_id=channel.id, also_to=_browsers(channel))
    return channel


def list_my_channels(actor: Actor, workspace_id: int) -> list[dict[str, Any]]:
    """The person's channels and conversations with unread and mention counts."""
    access_membership(actor.id, workspace_id)
    rows = db.session.execute(
        select(Channel, ChannelMember.last_read_id, ChannelMember.can_post, ChannelMember.muted)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(ChannelMember.user_id == actor.id, Channel.workspace_id == workspace_id,
               Channel.id.in_(rules.channel_ids(rules.is_in_channel, actor.id, [workspace_id])))
        .order_by(Channel.kind, Channel.name, Channel.id)
    ).all()
    counts = unread_counts(actor.id, [workspace_id])
    direct_ids = [c.id for c, _, _, _ in rows if c.kind.is_direct]
    participants = _direct_participants(direct_ids)
    result = []
    for channel, last_read_id, can_post, muted in rows:
        unread, mentions = counts.get(channel.id, (0, 0))
        extra: dict[str, Any] = {"unread_count": unread, "mention_count": mentions,
                                 "last_read_id": last_read_id, "can_post": can_post, "muted": muted}
        if channel.kind.is_direct:
            extra["members"] = participants.get(channel.id, [])
        result.append(channel_payload(channel, joined=True, extra=extra))
    return result


def _direct_participants(channel_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not channel_ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    for channel_id, user in db.session.execute(
        select(ChannelMember.channel_id, User).join(User, User.id == ChannelMember.user_id)
        .where(ChannelMember.channel_id.in_(channel_ids)).order_by(User.id)
    ):
        out.setdefault(channel_id, []).append(user_payload(user))
    return out


def browse_channels(actor: Actor, workspace_id: int) -> list[dict[str, Any]]:
    """The workspace's public channels the person may read, with member counts."""
    access_membership(actor.id, workspace_id)
    mine = set(db.session.scalars(select(ChannelMember.channel_id).where(
        ChannelMember.user_id == actor.id, ChannelMember.workspace_id == workspace_id)))
    counts = dict(db.session.execute(
        select(ChannelMember.channel_id, func.count()).where(ChannelMember.workspace_id == workspace_id)
        .group_by(ChannelMember.channel_id)).tuples().all())
    query = select(Channel).where(
        Channel.workspace_id == workspace_id, Channel.kind == ChannelKind.public,
        Channel.id.in_(rules.channel_ids(rules.can_read_channel, actor.id, [workspace_id])))
    return [channel_payload(c, joined=c.id in mine, extra={"member_count": counts.get(c.id, 0)})
            for c in db.session.scalars(query.order_by(Channel.name))]


def get_channel(actor: Actor, channel_id: int) -> ChannelView:
    access = access_channel(actor.id, channel_id)
    return ChannelView(access.channel, access.member)


def list_channel_members(actor: Actor, channel_id: int) -> list[dict[str, Any]]:
    access = access_channel(actor.id, channel_id)
    rows = db.session.execute(
        select(User, Membership, ChannelMember.can_post)
        .join(ChannelMember, ChannelMember.user_id == User.id)
        .join(Membership, (Membership.user_id == User.id) & (Membership.workspace_id == access.channel.workspace_id))
        .where(ChannelMember.channel_id == channel_id).order_by(User.display_name, User.id)
    ).all()
    return [{**member_payload(user, ms), "can_post": can_post} for user, ms, can_post in rows]


def set_muted(actor: Actor, channel_id: int, muted: Any) -> ChannelView:
    """Mute (or unmute) a channel for the person, who is in it: it shows dimmed, and its unread
    messages make no badge or notification, mentions excepted (as in Slack). Their other tabs
    hear of it (``channel.muted``). Repeating is harmless."""
    muted = check_bool(muted, "muted")
    access = access_channel(actor.id, channel_id)
    rules.is_in_channel.check(access.standing)
    member = access.member
    assert member is not None  # is_in_channel requires it
    if member.muted != muted:
        with atomic():
            member.muted = muted
            events.notify(events.CHANNEL_MUTED, muted_payload(member, access.channel.workspace_id),
                          events.user_room(actor.id))
    return ChannelView(access.channel, member)


def mark_read(actor: Actor, channel_id: int, message_id: Any) -> ChannelMember:
    """Move the person's read position forward (never back); all their tabs follow. Returns
    their channel membership with the position (``payloads.read_position_payload``)."""
    message_id = check_id(message_id, "message_id")
    access = access_channel(actor.id, channel_id)
    rules.is_in_channel.check(access.standing)
    member = access.member
    assert member is not None  # is_in_channel requires it
    newest = access.channel.last_message_id or 0
    position = min(message_id, newest)
    if position > member.last_read_id:
        with atomic():
            member.last_read_id = position
            events.notify(events.CHANNEL_READ, {**read_position_payload(member),
                                                "workspace_id": access.channel.workspace_id},
                          events.user_room(actor.id))
    return member
