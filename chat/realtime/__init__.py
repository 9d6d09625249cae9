"""Socket.IO handlers: authenticate, call one service function, return the ack.

Acks use the same shapes as the REST API: ``{"data": ...}`` or ``{"error": {"code", "message"}}``.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import SocketIO, join_room

from chat.extensions import db
from chat.models import User
from chat.services import channels, messages, presence, sync, users
from chat.services.errors import ChatError, Invalid, error_body
from chat.services.validation import check_bool, check_id

log = logging.getLogger(__name__)

# sid -> user id, for the sockets this process holds.
_socket_users: dict[str, int] = {}


def _authenticate(auth: Any) -> User | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    header = request.headers.get("Authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if token:
        return users.user_for_token(token) if isinstance(token, str) else None
    return current_user._get_current_object() if current_user.is_authenticated else None


def _on_connect(auth: Any = None) -> bool:
    user = _authenticate(auth)
    if user is None:
        return False  # refused: the client sees a connect_error
    sid = request.sid  # type: ignore[attr-defined]
    _socket_users[sid] = user.id
    presence.connected(user, sid, current_app.config["SERVER_ID"])
    for room in presence.rooms_for(user.id):
        join_room(room)
    return True


def _on_disconnect(*_args: Any) -> None:
    sid = request.sid  # type: ignore[attr-defined]
    user_id = _socket_users.pop(sid, None)
    if user_id is not None:
        presence.disconnected(user_id, sid)


def event(socketio: SocketIO, name: str) -> Callable:
    """Register a handler taking (user, data dict, sid) whose return value becomes the ack."""
    def decorator(fn: Callable[[User, dict, str], Any]) -> Callable:
        @functools.wraps(fn)
        def handler(data: Any = None) -> dict[str, Any]:
            sid = request.sid  # type: ignore[attr-defined]
            user_id = _socket_users.get(sid)
            user = db.session.get(User, user_id) if user_id is not None else None
            if user is None:
                return error_body("unauthorized", "this connection is not signed in")
            try:
                if not isinstance(data, dict):
                    raise Invalid("send a JSON object")
                return {"data": fn(user, data, sid)}
            except ChatError as err:
                return err.to_dict()
            except Exception:
                db.session.rollback()
                log.exception("socket event %s failed", name)
                return error_body("internal_error", "the server could not handle this event")
        socketio.on_event(name, handler)
        return handler
    return decorator


def register_handlers(socketio: SocketIO) -> None:
    socketio.on_event("connect", _on_connect)
    socketio.on_event("disconnect", _on_disconnect)

    @event(socketio, "message.send")
    def _send(user: User, data: dict, sid: str) -> Any:
        payload, _created = messages.send_message(
            user, check_id(data.get("channel_id"), "channel_id"), data.get("body"),
            client_msg_id=data.get("client_msg_id"), thread_root_id=data.get("thread_root_id"),
            file_ids=data.get("file_ids"))
        return payload

    @event(socketio, "message.edit")
    def _edit(user: User, data: dict, sid: str) -> Any:
        return messages.edit_message(user, check_id(data.get("message_id"), "message_id"), data.get("body"))

    @event(socketio, "message.delete")
    def _delete(user: User, data: dict, sid: str) -> Any:
        return messages.delete_message(user, check_id(data.get("message_id"), "message_id"))

    @event(socketio, "reaction.add")
    def _react(user: User, data: dict, sid: str) -> Any:
        return messages.react(user, check_id(data.get("message_id"), "message_id"), data.get("emoji"), add=True)

    @event(socketio, "reaction.remove")
    def _unreact(user: User, data: dict, sid: str) -> Any:
        return messages.react(user, check_id(data.get("message_id"), "message_id"), data.get("emoji"), add=False)

    @event(socketio, "channel.read")
    def _read(user: User, data: dict, sid: str) -> Any:
        channel_id = check_id(data.get("channel_id"), "channel_id")
        return {"channel_id": channel_id,
                "last_read_id": channels.mark_read(user, channel_id, data.get("message_id"))}

    @event(socketio, "typing.start")
    def _typing(user: User, data: dict, sid: str) -> Any:
        presence.typing(user, check_id(data.get("channel_id"), "channel_id"), data.get("thread_root_id"), sid)
        return {"ok": True}

    @event(socketio, "presence.set")
    def _presence(user: User, data: dict, sid: str) -> Any:
        away = check_bool(data.get("away"), "away")
        return {"status": presence.set_away(user.id, sid, away)}

    @event(socketio, "sync")
    def _sync(user: User, data: dict, sid: str) -> Any:
        return sync.events_since(user, data.get("since"), data.get("limit"))
