"""Presence and typing. A person is online while any tab is active, away when every open tab
is away, offline with none; connections are rows shared by every server process.

Two rules keep presence affordable with thousands of people in one workspace (docs/realtime.md):

- **Pushed only in small workspaces.** A change goes to the workspace room only where the
  workspace has at most PRESENCE_PUSH_LIMIT active members. Pushing to everyone costs N frames
  per change, N² per reconnect storm; above the limit clients poll the presence of the people
  they show instead (as Zulip does above 100 users), so a storm costs O(N) requests.
- **Only live processes count.** Every process records a heartbeat (``heartbeat``); connections
  held by a process silent for PRESENCE_SERVER_TIMEOUT_SECONDS no longer count, and the next
  live process's heartbeat deletes them and announces their people offline
  (``expire_silent_servers``).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import aliased

from chat.extensions import db
from chat.models import ChannelMember, ChatServer, Membership, Role, SocketConnection
from chat.models._time import utcnow
from chat.core import events
from chat.core.actor import Actor
from chat.services.access import access_channel, access_membership, check_can_post
from chat.core.transactions import atomic
from chat.core.validation import check_optional_id

ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def _live_servers() -> Select:
    """Ids of the processes heard from within the timeout: only their connections count."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["PRESENCE_SERVER_TIMEOUT_SECONDS"])
    return select(ChatServer.id).where(ChatServer.last_seen >= cutoff)


def _status(user_id: int) -> str:
    flags = list(db.session.scalars(select(SocketConnection.away).where(
        SocketConnection.user_id == user_id, SocketConnection.server_id.in_(_live_servers()))))
    if not flags:
        return OFFLINE
    return AWAY if all(flags) else ONLINE


def _pushed_workspace_ids(user_id: int) -> list[int]:
    """The person's active workspaces small enough for presence to be pushed to everyone."""
    others = aliased(Membership)
    size = (select(func.count()).select_from(others)
            .where(others.workspace_id == Membership.workspace_id, others.active).scalar_subquery())
    return list(db.session.scalars(select(Membership.workspace_id).where(
        Membership.user_id == user_id, Membership.active,
        size <= current_app.config["PRESENCE_PUSH_LIMIT"])))


def pushes_presence(workspace_id: int) -> bool:
    """Whether presence.changed is pushed to this workspace's room (see the module's docstring)."""
    size = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.workspace_id == workspace_id, Membership.active))
    return (size or 0) <= current_app.config["PRESENCE_PUSH_LIMIT"]


def _announce(user_id: int, status: str) -> None:
    data = {"user_id": user_id, "status": status}
    for workspace_id in _pushed_workspace_ids(user_id):
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


def connected(actor: Actor, sid: str, server_id: str) -> None:
    before = _status(actor.id)
    with atomic():
        db.session.merge(SocketConnection(sid=sid, user_id=actor.id, server_id=server_id, away=False))
        if before != ONLINE:
            _announce(actor.id, ONLINE)


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


def _drop_connections(condition: ColumnElement[bool]) -> None:
    """Inside atomic(): delete the connection rows matching the condition and announce the
    people who are offline without them. Only the rows this transaction deleted are announced,
    so two processes expiring the same server do not both announce."""
    user_ids = set(db.session.scalars(
        delete(SocketConnection).where(condition).returning(SocketConnection.user_id)
        .execution_options(synchronize_session=False)))
    for user_id in sorted(user_ids):
        if _status(user_id) == OFFLINE:
            _announce(user_id, OFFLINE)


def heartbeat(server_id: str) -> bool:
    """Record that this process is alive. False when its row was missing: on the first call,
    or after another process took it for dead and removed its connections (their sockets are
    still open here and should reconnect to be counted again)."""
    with atomic():
        server = db.session.get(ChatServer, server_id)
        if server is None:
            db.session.add(ChatServer(id=server_id, last_seen=utcnow()))
            return False
        server.last_seen = utcnow()
        return True


def forget_server(server_id: str) -> None:
    """On start-up, before serving: drop the connection rows a previous run of this server left
    behind (announcing their people offline) and record the first heartbeat."""
    with atomic():
        _drop_connections(SocketConnection.server_id == server_id)
    heartbeat(server_id)


def expire_silent_servers() -> None:
    """Remove the connections of every process silent for PRESENCE_SERVER_TIMEOUT_SECONDS
    (killed, frozen, or partitioned away) and announce the people offline who had no other.
    Every live process calls this after its heartbeat; the work is done once."""
    live = _live_servers()
    with atomic():
        _drop_connections(SocketConnection.server_id.not_in(live))
        db.session.execute(delete(ChatServer).where(ChatServer.id.not_in(live))
                           .execution_options(synchronize_session=False))


def workspace_presence(actor: Actor, workspace_id: int, user_ids: list[int] | None = None) -> dict[str, Any]:
    """``{"presence": {user id: "online" | "away"}, "live": bool}`` for the workspace's active
    members who are connected (all of them, or those of ``user_ids``). ``live`` says whether
    changes are pushed as presence.changed; when false, poll for the people you show."""
    access_membership(actor.id, workspace_id)
    query = (select(SocketConnection.user_id, SocketConnection.away)
             .join(Membership, Membership.user_id == SocketConnection.user_id)
             .where(Membership.workspace_id == workspace_id, Membership.active,
                    SocketConnection.server_id.in_(_live_servers())))
    if user_ids is not None:
        query = query.where(SocketConnection.user_id.in_(user_ids))
    flags: dict[int, list[bool]] = {}
    for user_id, away in db.session.execute(query):
        flags.setdefault(user_id, []).append(away)
    return {"presence": {str(u): (AWAY if all(f) else ONLINE) for u, f in flags.items()},
            "live": pushes_presence(workspace_id)}


def typing(actor: Actor, channel_id: int, thread_root_id: Any, sid: str | None) -> None:
    """Tell the channel's other readers that the person is typing (ephemeral, not stored)."""
    thread_root_id = check_optional_id(thread_root_id, "thread_root_id")
    access = access_channel(actor.id, channel_id)
    check_can_post(access)
    events.notify(events.TYPING, {"channel_id": channel_id, "thread_root_id": thread_root_id,
                                  "workspace_id": access.channel.workspace_id,
                                  "user": {"id": actor.id, "display_name": actor.display_name}},
                  events.channel_room(channel_id), skip_sid=sid)
    events.flush_pending()
