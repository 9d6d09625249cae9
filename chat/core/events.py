"""The only module that talks to Socket.IO: room names, event names, emits and room changes.

Everything here is queued on the database session and carried out after the commit by
``transactions.atomic``: room changes and the ordered publishing of durable events while the
writer's lock is still held, emits to sockets after it is released (``delivery``). Emits go
through the configured message queue, so clients on every server process receive them, the
sender's own tabs included.
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Any

from socketio import PubSubManager
from sqlalchemy import bindparam, select, text, update

from chat.core import transactions  # imports this module too; used only at run time
from chat.core.delivery import OrderedRedisManager, Outbox
from chat.extensions import db, socketio
from chat.models import Event, SocketConnection
from chat.models._time import utcnow

log = logging.getLogger(__name__)

NAMESPACE = "/"
ORDER_LOCK_KEY = 724501

# Server-to-client event names (past tense). Each name has one data shape, declared with the
# wire schemas (chat/api/openapi.py, SOCKET_EVENTS) and listed in docs/realtime.md.
MESSAGE_CREATED = "message.created"
MESSAGE_UPDATED = "message.updated"
MESSAGE_DELETED = "message.deleted"
CHANNEL_CREATED = "channel.created"
CHANNEL_UPDATED = "channel.updated"
CHANNEL_MEMBER_ADDED = "channel.member_added"
CHANNEL_MEMBER_REMOVED = "channel.member_removed"
CHANNEL_READ = "channel.read"
WORKSPACE_MEMBER_UPDATED = "workspace.member_updated"
WORKSPACE_JOINED = "workspace.joined"
TYPING = "typing"
PRESENCE_CHANGED = "presence.changed"
FILE_UPDATED = "file.updated"  # a file not yet sent got its preview: to the uploader only
MESSAGE_EPHEMERAL = "message.ephemeral"  # a message shown to one person only, never stored
CHANNEL_MUTED = "channel.muted"  # the person muted or unmuted a channel: to their own tabs

# Durable events are logged and sent as envelopes (``record``); ephemeral ones are sent as they
# are and never replayed (``notify``). A name is one or the other, never both.
DURABLE_EVENTS = frozenset({MESSAGE_CREATED, MESSAGE_UPDATED, MESSAGE_DELETED, CHANNEL_CREATED, CHANNEL_UPDATED,
                            CHANNEL_MEMBER_ADDED, CHANNEL_MEMBER_REMOVED, WORKSPACE_JOINED})
EPHEMERAL_EVENTS = frozenset({CHANNEL_READ, WORKSPACE_MEMBER_UPDATED, TYPING, PRESENCE_CHANGED, FILE_UPDATED,
                              MESSAGE_EPHEMERAL, CHANNEL_MUTED})
SERVER_EVENTS = DURABLE_EVENTS | EPHEMERAL_EVENTS


def channel_room(channel_id: int) -> str:
    return f"channel:{channel_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def workspace_room(workspace_id: int) -> str:
    return f"workspace:{workspace_id}"


def members_room(workspace_id: int) -> str:
    """The workspace's members who may read public channels without being in them (not
    guests): news of public channels."""
    return f"workspace:{workspace_id}:members"


def workspace_rooms(workspace_id: int, *, public_news: bool) -> list[str]:
    """A member's workspace rooms; ``public_news``: whether they may read the workspace's public
    channels without being in them (the services decide)."""
    return [workspace_room(workspace_id)] + ([members_room(workspace_id)] if public_news else [])


# Message events: a message's newest event carries its content, the older ones only the fact.
_MESSAGE_EVENTS = frozenset({MESSAGE_CREATED, MESSAGE_UPDATED, MESSAGE_DELETED})


def _pending() -> list[tuple]:
    return db.session.info.setdefault("chat_pending", [])


def record(workspace_id: int, type_: str, data: dict[str, Any], *,
           channel_id: int | None = None, target_user_id: int | None = None,
           also_to: str | None = None) -> dict[str, Any]:
    """Append a durable event (replayed to reconnecting clients) and queue its broadcast.

    The event belongs to the channel's stream, or to the one person's. It goes to that
    stream's room and, with ``also_to``, to a second room too (once to a socket in both).
    Must run inside ``atomic()``. Returns the envelope that is broadcast; its id and prev_id
    are set when the transaction commits.
    """
    if type_ not in DURABLE_EVENTS:
        raise ValueError(f"{type_!r} is not a declared durable event")
    if db.engine.dialect.name == "postgresql" and "chat_order_lock" not in db.session.info:
        _take_order_lock()
    message_id = data["id"] if type_ in _MESSAGE_EVENTS else None
    row = {"workspace_id": workspace_id, "channel_id": channel_id, "target_user_id": target_user_id,
           "message_id": message_id, "redacted": False, "prev_id": 0, "type": type_,
           "payload": json.dumps(data, separators=(",", ":"))}
    # Written by assign_ids() just before the commit: one INSERT for every event of the
    # transaction, which also gives the envelopes their ids.
    envelope = envelope_of(0, 0, type_, workspace_id, channel_id, data)
    _unnumbered().append((row, envelope))
    room = channel_room(channel_id) if channel_id is not None else user_room(target_user_id or 0)
    rooms: str | list[str] = room if also_to is None else [room, also_to]
    _pending().append(("durable", type_, envelope, rooms))
    return envelope


def _unnumbered() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return db.session.info.setdefault("chat_unnumbered", [])


def redacted_stub(message_id: int, channel_id: int | None, thread_root_id: int | None) -> dict[str, Any]:
    """What an outdated message event keeps: which message it was about, not its content."""
    return {"id": message_id, "channel_id": channel_id, "thread_root_id": thread_root_id, "redacted": True}


_events = Event.__table__
_REDACT = update(_events).where(_events.c.message_id == bindparam("message"), _events.c.redacted.is_(False)).values(
    payload=bindparam("stub"), redacted=True)

# Each new event's link to the previous event of its audience. Run after the INSERT on the new
# rows alone; the event-order lock keeps other writers out, so "the largest smaller id of the
# same audience" is the previous event, whether it came in this transaction or an earlier one.
_LINK = text("""
    UPDATE events SET prev_id = COALESCE(CASE WHEN channel_id IS NOT NULL
        THEN (SELECT MAX(e.id) FROM events e WHERE e.channel_id = events.channel_id AND e.id < events.id)
        ELSE (SELECT MAX(e.id) FROM events e WHERE e.target_user_id = events.target_user_id
              AND e.channel_id IS NULL AND e.id < events.id) END, 0)
    WHERE id IN :ids RETURNING id, prev_id""").bindparams(bindparam("ids", expanding=True))


def assign_ids() -> None:
    """Write the transaction's events, redact what they outdate, and put their ids and
    stream links into the queued envelopes."""
    unnumbered = db.session.info.pop("chat_unnumbered", None)
    if not unnumbered:
        return
    db.session.flush()  # the rows the events point at come first
    newest: dict[int, int] = {}
    for i, (row, _) in enumerate(unnumbered):
        if row["message_id"] is not None:
            newest[row["message_id"]] = i
    changed: dict[int, dict[str, Any]] = {}
    for i, (row, envelope) in enumerate(unnumbered):
        message_id = row["message_id"]
        if message_id is None:
            continue
        stub = redacted_stub(message_id, envelope["channel_id"], envelope["data"].get("thread_root_id"))
        if newest[message_id] != i:  # outdated within this very transaction
            row["payload"], row["redacted"] = json.dumps(stub, separators=(",", ":")), True
        if envelope["type"] != MESSAGE_CREATED:
            changed[message_id] = stub
    if changed:  # earlier transactions' events of these messages
        db.session.execute(_REDACT, [{"message": m, "stub": json.dumps(stub, separators=(",", ":"))}
                                     for m, stub in changed.items()])
    now = utcnow()
    ids = transactions.insert_many(Event.__table__, [{**row, "created_at": now} for row, _ in unnumbered])
    links = dict(db.session.execute(_LINK, {"ids": ids}).tuples().all())
    for event_id, (_, envelope) in zip(ids, unnumbered, strict=True):
        envelope["id"], envelope["prev_id"] = event_id, links[event_id]


def envelope_of(event_id: int, prev_id: int, type_: str, workspace_id: int, channel_id: int | None,
                data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "prev_id": prev_id, "type": type_, "workspace_id": workspace_id,
            "channel_id": channel_id, "data": data}


def notify(type_: str, data: dict[str, Any], room: str, *, skip_sid: str | None = None) -> None:
    """An ephemeral event (typing, presence, read markers): not logged, never replayed."""
    if type_ not in EPHEMERAL_EVENTS:
        raise ValueError(f"{type_!r} is not a declared ephemeral event")
    _pending().append(("emit", type_, data, room, skip_sid))


def join_rooms(user_id: int, rooms: list[str]) -> None:
    """After commit, add every open socket of the person (on any process) to the rooms."""
    _pending().append(("enter", user_id, rooms))


def leave_rooms(user_id: int, rooms: list[str]) -> None:
    _pending().append(("leave", user_id, rooms))


def disconnect_user(user_id: int) -> None:
    """After commit, close every open socket of the person, whichever process holds it."""
    _pending().append(("disconnect", user_id))


def discard_pending() -> None:
    db.session.info.pop("chat_pending", None)
    db.session.info.pop("chat_unnumbered", None)


# One writer per process waits for the advisory lock; the others wait here, cooperatively:
# it keeps a crowd of writers from holding a pooled connection each just to wait.
_order_mutex = threading.Lock()


def _take_order_lock() -> None:
    """Serialize event writers across processes, from the insert until the commit, so ids
    commit in order: every id below the newest committed one is committed too, and a client
    resuming after id N can never miss a smaller id. The ordered publish happens under it too
    (``publish_committed``). A separate connection holds the lock across the commit."""
    _order_mutex.acquire()
    try:
        lock_conn = db.engine.connect()
        try:
            lock_conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ORDER_LOCK_KEY})
        except BaseException:
            lock_conn.invalidate()
            lock_conn.close()
            raise
    except BaseException:
        _order_mutex.release()
        raise
    db.session.info["chat_order_lock"] = lock_conn


def release_order_lock() -> None:
    lock_conn = db.session.info.pop("chat_order_lock", None)
    if lock_conn is not None:
        try:
            lock_conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ORDER_LOCK_KEY})
        except Exception:
            lock_conn.invalidate()  # a dropped connection releases the lock; a pooled one would not
            raise
        finally:
            lock_conn.close()
            _order_mutex.release()


def _sids_of(user_id: int) -> list[str]:
    return list(db.session.scalars(select(SocketConnection.sid).where(SocketConnection.user_id == user_id)))


def _reachable_sids(server: Any, user_id: int) -> list[str]:
    # With a message queue, sids held by other processes are reached through the queue;
    # without one, a row left by a crashed process must not become a phantom room entry.
    remote_ok = isinstance(server.manager, PubSubManager)
    return [sid for sid in _sids_of(user_id) if remote_ok or server.manager.is_connected(sid, NAMESPACE)]


_outbox = Outbox()


def publish_committed() -> None:
    """Right after the commit, still under the writer's lock: change rooms, publish durable
    events to the ordered queue (several processes), and put every emit in the outbox, so both
    keep commit order. Nothing here writes to a socket; ``deliver()`` does, after the lock."""
    pending = db.session.info.pop("chat_pending", [])
    if not pending or socketio.server is None:
        return
    server = socketio.server
    ordered = isinstance(server.manager, OrderedRedisManager)
    for item in pending:
        try:
            kind = item[0]
            if kind in ("enter", "leave"):
                # Before the events that follow: a newcomer's sockets hear its own arrival.
                _, user_id, rooms = item
                for sid in _reachable_sids(server, user_id):
                    for room in rooms:
                        if kind == "enter":
                            server.manager.enter_room(sid, NAMESPACE, room)
                        else:
                            server.manager.leave_room(sid, NAMESPACE, room)
            elif kind == "durable" and ordered:
                _, type_, envelope, room = item
                server.manager.publish_in_order(type_, envelope, room, NAMESPACE)
            elif kind == "durable":
                _, type_, envelope, room = item
                _outbox.add(_emitter(type_, envelope, room, None))
            elif kind == "emit":
                _, type_, data, room, skip_sid = item
                _outbox.add(_emitter(type_, data, room, skip_sid))
            elif kind == "disconnect":
                _outbox.add(_disconnecter(server, _reachable_sids(server, item[1])))
        except Exception:  # the write is committed; a lost emit is recovered by client sync
            log.exception("socket side effect failed: %r", item[:2])


def _emitter(type_: str, data: Any, room: str | list[str], skip_sid: str | None) -> Any:
    return lambda: socketio.emit(type_, data, to=room, skip_sid=skip_sid, namespace=NAMESPACE)


def _disconnecter(server: Any, sids: list[str]) -> Any:
    def disconnect() -> None:
        for sid in sids:
            server.disconnect(sid, namespace=NAMESPACE)
    return disconnect


def deliver() -> None:
    """Carry out the emits committed transactions left in the outbox, in their order; called
    after the writer's lock is released. A failed emit never undoes a write."""
    _outbox.drain()


def flush_pending() -> None:
    """Publish and deliver what was queued outside a transaction (ephemeral events)."""
    publish_committed()
    deliver()
