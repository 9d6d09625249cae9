"""Presence and typing. A person is online while any tab is active, away when every open tab
is away, offline with none; connections are rows shared by every server process."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from chat.extensions import db
from chat.models import ChannelMember, Membership, Role, SocketConnection, User
from chat.services import events
from chat.services.access import access_channel, access_membership, check_can_post
from chat.services.summaries import active_workspace_ids
from chat.services.transactions import atomic
from chat.services.validation import check_optional_id

ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def _status(user_id: int) -> str:
    flags = list(db.session.scalars(select(SocketConnection.away).where(SocketConnection.user_id == user_id)))
    if not flags:
        return OFFLINE
    return AWAY if all(flags) else ONLINE


def _announce(user_id: int, status: str) -> None:
    data = {"user_id": user_id, "status": status}
    for workspace_id in active_workspace_ids(user_id):
        events.notify(events.PRESENCE_CHANGED, {**data, "workspace_id": workspace_id},
                      events.workspace_room(workspace_id))


def rooms_for(user_id: int) -> list[str]:
    """Every room a socket of this person may listen to: their own, their active workspaces'
    and the channels they belong to in those workspaces."""
    roles = dict(db.session.execute(select(Membership.workspace_id, Membership.role).where(
        Membership.user_id == user_id, Membership.active)).all())
    workspace_ids = list(roles)
    channel_ids = db.session.scalars(select(ChannelMember.channel_id).where(
        ChannelMember.user_id == user_id, ChannelMember.workspace_id.in_(workspace_ids or [0])))
    return ([events.user_room(user_id)]
            + [room for w, role in roles.items() for room in events.workspace_rooms(w, role == Role.guest)]
            + [events.channel_room(c) for c in channel_ids])


def connected(user: User, sid: str, server_id: str) -> None:
    before = _status(user.id)
    with atomic():
        db.session.merge(SocketConnection(sid=sid, user_id=user.id, server_id=server_id, away=False))
        if before != ONLINE:
            _announce(user.id, ONLINE)


def disconnected(user_id: int, sid: str) -> None:
    before = _status(user_id)
    with atomic():
        db.session.execute(delete(SocketConnection).where(SocketConnection.sid == sid))
        db.session.flush()
        after = _status(user_id)
        if after != before:
            _announce(user_id, after)


def set_away(user_id: int, sid: str, away: bool) -> str:
    before = _status(user_id)
    connection = db.session.get(SocketConnection, sid)
    if connection is None or connection.away == away:
        return before
    with atomic():
        connection.away = away
        db.session.flush()
        after = _status(user_id)
        if after != before:
            _announce(user_id, after)
    return after


def forget_server(server_id: str) -> None:
    """On start-up: drop connection rows a previous run of this server left behind."""
    with atomic():
        db.session.execute(delete(SocketConnection).where(SocketConnection.server_id == server_id))


def workspace_presence(actor: User, workspace_id: int) -> dict[str, str]:
    access_membership(actor.id, workspace_id)
    flags: dict[int, list[bool]] = {}
    for user_id, away in db.session.execute(
        select(SocketConnection.user_id, SocketConnection.away)
        .join(Membership, Membership.user_id == SocketConnection.user_id)
        .where(Membership.workspace_id == workspace_id, Membership.active)
    ):
        flags.setdefault(user_id, []).append(away)
    return {str(u): (AWAY if all(f) else ONLINE) for u, f in flags.items()}


def typing(actor: User, channel_id: int, thread_root_id: Any, sid: str | None) -> None:
    """Tell the channel's other readers that the person is typing (ephemeral, not stored)."""
    thread_root_id = check_optional_id(thread_root_id, "thread_root_id")
    access = access_channel(actor.id, channel_id)
    check_can_post(access)
    events.notify(events.TYPING, {"channel_id": channel_id, "thread_root_id": thread_root_id,
                                  "workspace_id": access.channel.workspace_id,
                                  "user": {"id": actor.id, "display_name": actor.display_name}},
                  events.channel_room(channel_id), skip_sid=sid)
    events.flush_pending()
