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

import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Integer, Select, bindparam, delete, func, insert, select

from chat.core import events
from chat.core.actor import Actor
from chat.core.group_commit import GroupCommit, Job
from chat.core.prepared import Prepared
from chat.core.transactions import atomic
from chat.core.validation import check_optional_id
from chat.extensions import db
from chat.models import ChatServer, Membership, Role, SocketConnection, User, UserKind
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services.access import access_channel, access_membership

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


# Active member counts per workspace, read at most every SIZE_TTL seconds by each process: the
# push-or-poll choice is made on every connect and disconnect, and counting a workspace of
# thousands each time made a reconnect storm cost O(N²) rows read. A workspace crossing
# PRESENCE_PUSH_LIMIT switches within SIZE_TTL seconds; its clients learn which from "live".
SIZE_TTL = 10.0
_sizes: dict[int, tuple[int, float]] = {}


def _workspace_sizes(workspace_ids: list[int]) -> dict[int, int]:
    now = time.monotonic()
    sizes = {w: known[0] for w in workspace_ids if (known := _sizes.get(w)) and known[1] > now}
    missing = [w for w in workspace_ids if w not in sizes]
    if missing:
        counted: dict[int, int] = dict(db.session.execute(
            select(Membership.workspace_id, func.count()).where(
                Membership.workspace_id.in_(missing), Membership.active)
            .group_by(Membership.workspace_id)).tuples().all())
        for w in missing:
            sizes[w] = counted.get(w, 0)
            _sizes[w] = (sizes[w], now + SIZE_TTL)
    return sizes


def _pushed(workspace_ids: Iterable[int]) -> list[int]:
    """Those of the workspaces small enough for presence to be pushed to everyone."""
    limit = current_app.config["PRESENCE_PUSH_LIMIT"]
    return [w for w, size in _workspace_sizes(sorted(set(workspace_ids))).items() if size <= limit]


def _pushed_workspace_ids(user_id: int) -> list[int]:
    """The person's active workspaces where presence is pushed."""
    return _pushed_workspaces_of({user_id}).get(user_id, [])


def pushes_presence(workspace_id: int) -> bool:
    """Whether presence.changed is pushed to this workspace's room (see the module's docstring)."""
    return _workspace_sizes([workspace_id])[workspace_id] <= current_app.config["PRESENCE_PUSH_LIMIT"]


def _announce(user_id: int, status: str, workspace_ids: list[int]) -> None:
    data = {"user_id": user_id, "status": status}
    for workspace_id in workspace_ids:
        events.notify(events.PRESENCE_CHANGED, {**data, "workspace_id": workspace_id},
                      events.workspace_room(workspace_id))


# Every socket's connect reads the person's workspaces and channels, so a reconnect storm is
# thousands of each: both run prepared on the driver (core/prepared.py), as sync's statements do.
# Through the ORM, the channels' rule statement was cloned for each call's values and its cache
# key rebuilt: with team channels, two thirds of the server's CPU while 2,000 people reconnected
# (bench/README.md, run R). tests/services/test_prepared.py compares them with the plain queries.
_USER = bindparam("user_id", type_=Integer)
_ROLES = Prepared(select(Membership.workspace_id, Membership.role)
                  .where(Membership.user_id == _USER, Membership.active))
_CHANNELS = Prepared(rules.channel_ids(rules.is_in_channel, _USER))


def _roles(user_id: int) -> dict[int, Role]:
    """The person's active workspaces and their role in each."""
    # The column keeps the enum's name (SQLAlchemy's Enum); the driver's rows are not converted.
    return {workspace_id: Role[role] for workspace_id, role in _ROLES.rows({"user_id": user_id})}


def rooms_for(user_id: int) -> list[str]:
    """Every room a socket of this person may listen to: their own, their active workspaces'
    and the channels they are in (``access.is_in_channel``)."""
    kind = db.session.scalar(select(User.kind).where(User.id == user_id)) or UserKind.person
    return _rooms(user_id, _roles(user_id), kind)


def _rooms(user_id: int, roles: dict[int, Role], kind: UserKind) -> list[str]:
    channel_ids = [channel_id for (channel_id,) in _CHANNELS.rows({"user_id": user_id})]
    return ([events.user_room(user_id)]
            + [room for w, role in roles.items()
               for room in events.workspace_rooms(w, public_news=rules.reads_public_channels(role, kind))]
            + [events.channel_room(c) for c in channel_ids])


class _RowChange(Job):
    """A connection row to add (``row``) or remove (``sid``), written with others (``_rows``)."""

    def __init__(self, row: dict[str, Any] | None = None, sid: str | None = None) -> None:
        super().__init__()
        self.row, self.sid = row, sid


def _write_rows(batch: list[_RowChange]) -> None:
    """Write a batch of connects and disconnects in one transaction: a reconnect storm of
    thousands is then dozens of commits, not thousands (as sends are, core/group_commit.py)."""
    added = [change.row for change in batch if change.row is not None]
    removed = [change.sid for change in batch if change.sid is not None]
    with atomic():
        if added:
            db.session.execute(insert(SocketConnection), added)
        if removed:
            db.session.execute(delete(SocketConnection).where(SocketConnection.sid.in_(removed))
                               .execution_options(synchronize_session=False))
    for change in batch:
        change.finish(None)


_rows: GroupCommit[_RowChange] = GroupCommit(_write_rows)


def _queue_row_change(change: _RowChange) -> None:
    """Wait for the change's batch holding no database connection: in a storm hundreds wait at
    once, and each connection opened past the pool (then closed) costs more than the queries."""
    db.session.close()
    _rows.run(change)


def connected(actor: Actor, sid: str, server_id: str) -> list[str]:
    """Count the socket in; the rooms it listens to (``rooms_for``), for the door to enter once
    this returns. One read of the person's workspaces serves both."""
    roles = _roles(actor.id)
    rooms = _rooms(actor.id, roles, UserKind.bot if actor.is_bot else UserKind.person)
    pushed = _pushed(roles)
    if not pushed:  # nobody is told: the row is all there is to write
        _queue_row_change(_RowChange(row={"sid": sid, "user_id": actor.id, "server_id": server_id,
                                          "away": False, "connected_at": utcnow()}))
        return rooms
    before = _status(actor.id)
    with atomic():
        db.session.merge(SocketConnection(sid=sid, user_id=actor.id, server_id=server_id, away=False))
        if before != ONLINE:
            _announce(actor.id, ONLINE, pushed)
    return rooms


def disconnected(user_id: int, sid: str) -> None:
    pushed = _pushed_workspace_ids(user_id)
    if not pushed:
        _queue_row_change(_RowChange(sid=sid))
        return
    before = _status(user_id)
    with atomic():
        db.session.execute(delete(SocketConnection).where(SocketConnection.sid == sid))
        db.session.flush()
        after = _status(user_id)
        if after != before:
            _announce(user_id, after, pushed)


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
            _announce(user_id, after, _pushed_workspace_ids(user_id))
    return after


def _drop_connections(condition: ColumnElement[bool]) -> None:
    """Inside atomic(): delete the connection rows matching the condition and announce the
    people who are offline without them. Only the rows this transaction deleted are announced,
    so two processes expiring the same server do not both announce."""
    user_ids = set(db.session.scalars(
        delete(SocketConnection).where(condition).returning(SocketConnection.user_id)
        .execution_options(synchronize_session=False)))
    # A restarted process drops thousands of rows at once: the workspaces are read in one query,
    # and status only for the people whose change is pushed anywhere.
    pushed = _pushed_workspaces_of(user_ids)
    for user_id in sorted(pushed):
        if _status(user_id) == OFFLINE:
            _announce(user_id, OFFLINE, pushed[user_id])


def _pushed_workspaces_of(user_ids: set[int]) -> dict[int, list[int]]:
    """The active workspaces where presence is pushed, of many people at once (one query);
    people with none are left out."""
    memberships = db.session.execute(select(Membership.user_id, Membership.workspace_id).where(
        Membership.user_id.in_(sorted(user_ids)), Membership.active)).tuples().all() if user_ids else []
    pushed = set(_pushed(w for _, w in memberships))
    by_user: dict[int, list[int]] = {}
    for user_id, workspace_id in memberships:
        if workspace_id in pushed:
            by_user.setdefault(user_id, []).append(workspace_id)
    return by_user


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
    rules.can_post_in_channel.check(access.standing)
    events.notify(events.TYPING, {"channel_id": channel_id, "thread_root_id": thread_root_id,
                                  "workspace_id": access.channel.workspace_id,
                                  "user": {"id": actor.id, "display_name": actor.display_name}},
                  events.channel_room(channel_id), skip_sid=sid)
    events.flush_pending()
