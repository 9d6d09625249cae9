"""The only module that talks to Socket.IO: room names, event names, emits and room changes.

Everything here is queued on the database session and carried out after the commit by
``transactions.atomic``; the emit goes through the configured message queue, so clients on
every server process receive it, the sender's own tabs included.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from socketio import PubSubManager
from sqlalchemy import select, text

from chat.extensions import db, socketio
from chat.models import Event, SocketConnection
from chat.models._time import utcnow
from chat.services import transactions  # imports this module too; used only at run time

log = logging.getLogger(__name__)

NAMESPACE = "/"
ORDER_LOCK_KEY = 724501

# Server-to-client event names (past tense).
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


def channel_room(channel_id: int) -> str:
    return f"channel:{channel_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def workspace_room(workspace_id: int) -> str:
    return f"workspace:{workspace_id}"


def members_room(workspace_id: int) -> str:
    """The workspace's members other than guests: news of public channels, which guests may not see."""
    return f"workspace:{workspace_id}:members"


def workspace_rooms(workspace_id: int, is_guest: bool) -> list[str]:
    return [workspace_room(workspace_id)] + ([] if is_guest else [members_room(workspace_id)])


def _pending() -> list[tuple]:
    return db.session.info.setdefault("chat_pending", [])


def record(workspace_id: int, type_: str, data: dict[str, Any], *,
           channel_id: int | None = None, target_user_id: int | None = None) -> dict[str, Any]:
    """Append a durable event (replayed to reconnecting clients) and queue its broadcast.

    Must run inside ``atomic()``. Returns the envelope that is broadcast; its id is set when
    the transaction commits.
    """
    if db.engine.dialect.name == "postgresql" and "chat_order_lock" not in db.session.info:
        # Serialize event writers across processes, from the insert until the emit is out, so
        # ids commit in order and leave in order: a client that resumes after id N can never
        # miss a smaller id. A separate connection holds the lock across the commit.
        lock_conn = db.engine.connect()
        lock_conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ORDER_LOCK_KEY})
        db.session.info["chat_order_lock"] = lock_conn
    row = {"workspace_id": workspace_id, "channel_id": channel_id, "target_user_id": target_user_id,
           "type": type_, "payload": json.dumps(data, separators=(",", ":"))}
    # Written by assign_ids() just before the commit: one INSERT for every event of the
    # transaction, which also gives the envelopes their ids.
    envelope = envelope_of(0, type_, workspace_id, channel_id, data)
    _unnumbered().append((row, envelope))
    room = channel_room(channel_id) if channel_id is not None else user_room(target_user_id or 0)
    _pending().append(("emit", type_, envelope, room, None))
    return envelope


def _unnumbered() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return db.session.info.setdefault("chat_unnumbered", [])


def assign_ids() -> None:
    """Write the transaction's events and put their ids into the queued envelopes."""
    unnumbered = db.session.info.pop("chat_unnumbered", None)
    if unnumbered:
        db.session.flush()  # the rows the events point at come first
        now = utcnow()
        ids = transactions.insert_many(Event.__table__, [{**row, "created_at": now} for row, _ in unnumbered])
        for event_id, (_, envelope) in zip(ids, unnumbered):
            envelope["id"] = event_id


def envelope_of(event_id: int, type_: str, workspace_id: int, channel_id: int | None,
                data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": type_, "workspace_id": workspace_id,
            "channel_id": channel_id, "data": data}


def notify(type_: str, data: dict[str, Any], room: str, *, skip_sid: str | None = None) -> None:
    """An ephemeral event (typing, presence, read markers): not logged, never replayed."""
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


def _sids_of(user_id: int) -> list[str]:
    return list(db.session.scalars(select(SocketConnection.sid).where(SocketConnection.user_id == user_id)))


def _reachable_sids(server: Any, user_id: int) -> list[str]:
    # With a message queue, sids held by other processes are reached through the queue;
    # without one, a row left by a crashed process must not become a phantom room entry.
    remote_ok = isinstance(server.manager, PubSubManager)
    return [sid for sid in _sids_of(user_id) if remote_ok or server.manager.is_connected(sid, NAMESPACE)]


def flush_pending() -> None:
    """Carry out what the committed transaction queued. A failed emit never undoes a write."""
    pending = db.session.info.pop("chat_pending", [])
    if not pending or socketio.server is None:
        return
    server = socketio.server
    for item in pending:
        try:
            if item[0] == "emit":
                _, type_, data, room, skip_sid = item
                socketio.emit(type_, data, to=room, skip_sid=skip_sid, namespace=NAMESPACE)
            elif item[0] in ("enter", "leave"):
                _, user_id, rooms = item
                for sid in _reachable_sids(server, user_id):
                    for room in rooms:
                        if item[0] == "enter":
                            server.manager.enter_room(sid, NAMESPACE, room)
                        else:
                            server.manager.leave_room(sid, NAMESPACE, room)
            elif item[0] == "disconnect":
                for sid in _reachable_sids(server, item[1]):
                    server.disconnect(sid, namespace=NAMESPACE)
        except Exception:  # the write is committed; a lost emit is recovered by client sync
            log.exception("socket side effect failed: %r", item[:2])
