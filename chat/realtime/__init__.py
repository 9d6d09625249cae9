"""Socket.IO handlers: authenticate, call one service function, return the ack.

Acks use the same shapes as the REST API: ``{"data": ...}`` or ``{"error": {"code", "message"}}``.
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from engineio import json as engineio_json
from flask import current_app, request
from flask_socketio import SocketIO
from socketio import packet

from chat.authn import session_actor, token_actor_from
from chat.core import events, ratelimits
from chat.core.actor import Actor
from chat.core.errors import ChatError, Invalid, TooLarge, error_body
from chat.core.requests import (
    EditMessageEvent,
    OnMessage,
    ReactEvent,
    ReadEvent,
    Request,
    SendMessageEvent,
    SetPresence,
    SyncEvent,
    TypingEvent,
    parse,
)
from chat.core.validation import parse_json
from chat.extensions import db, socketio
from chat.models import User
from chat.services import channels, messages, presence, sync
from chat.services.payloads import ok_payload, presence_status_payload, read_position_payload

log = logging.getLogger(__name__)

# Who each socket this process holds belongs to: sid -> (the Actor built when it connected,
# when its person was read). Events use that actor instead of reading the user again, and the
# person is re-read after IDENTITY_TTL seconds so a changed display name reaches typing notices
# soon (messages read their authors when they are written).
# Signing out, deactivation and revoked tokens close the sockets themselves (services.events).
_socket_users: dict[str, tuple[Actor, float]] = {}
IDENTITY_TTL = 10.0

# The largest payload one event may carry, in characters of JSON text (the packet as Engine.IO
# counts it). A larger one is answered with a `too_large` ack. The transport takes frames up to
# four times that, so there is room to read the packet's ack id and answer; a frame beyond
# MAX_FRAME is not read at all and Engine.IO closes the connection (nothing can be acked).
MAX_EVENT_PAYLOAD = 256 * 1024
MAX_FRAME = 4 * MAX_EVENT_PAYLOAD
# The event name the decoder gives a packet whose payload it refused (see EventPacket).
_REFUSED_EVENT = "\x00refused"


class _Refused:
    """A payload the packet decoder would not take; whichever handler gets it acks the error."""

    def __init__(self, error: ChatError) -> None:
        self.error = error


class _PayloadJSON:
    """The JSON codec of socket packets: REST's parser (validation.parse_json: no lone
    surrogates, bounded nesting, 447.0 is 447) behind the event size limit. A payload it
    refuses decodes to a _Refused instead of raising, so the packet keeps its ack id."""

    dumps = staticmethod(engineio_json.dumps)

    @staticmethod
    def loads(text: str) -> Any:
        if len(text) > MAX_EVENT_PAYLOAD:
            return _Refused(TooLarge(f"an event's payload may be at most {MAX_EVENT_PAYLOAD} characters of JSON"))
        try:
            return parse_json(text)
        except Invalid as err:
            return _Refused(err)


class EventPacket(packet.Packet):
    """Socket.IO packets decoded with _PayloadJSON. An event whose payload was refused, or that
    is not a JSON array starting with the event name, becomes the reserved event
    _REFUSED_EVENT carrying the reason: the catch-all handler acks it, where python-socketio
    would otherwise drop the packet (or fail on it) without a word."""

    json = _PayloadJSON
    data: Any  # set by packet.Packet (python-socketio is untyped)
    # Everything the server sends is JSON (docs/realtime.md): no packet needs binary attachments.
    # Left on, python-socketio walks every value of every outgoing packet looking for bytes: with
    # sync pages of 500 events, ~10% of the server's CPU while 2,000 people reconnected
    # (bench/README.md, run R). Incoming packets are decoded as before: this only decides how
    # outgoing ones are built.
    uses_binary_events = False

    def decode(self, encoded_packet: Any) -> int:
        attachments = super().decode(encoded_packet)
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT) and not (
                isinstance(self.data, list) and self.data and isinstance(self.data[0], str)):
            refused = self.data if isinstance(self.data, _Refused) else _Refused(
                Invalid("an event is a JSON array: its name, then its payload", code="invalid_json"))
            self.data = [_REFUSED_EVENT, refused]
        return attachments


def _bearer(auth: Any, environ: dict[str, Any]) -> str | None:
    """The personal token a socket offers: in its auth payload, else an Authorization header."""
    token = auth.get("token") if isinstance(auth, dict) else None
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    return token or None


def _authenticate(auth: Any, environ: dict[str, Any]) -> Actor | None:
    """The socket's actor, built once when it connects: a token from the auth payload or an
    Authorization header, else the cookie session. Only the cookie needs Flask's request
    context (its session and Flask-Login): a token is judged from the WSGI environ, which
    spares a reconnect storm of token clients a request context per socket."""
    token = _bearer(auth, environ)
    if token is not None:
        if not isinstance(token, str):
            return None
        return token_actor_from(token, environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT"))
    with environ["flask.app"].request_context(environ):
        return session_actor(request)


def _on_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
    """Registered on the Socket.IO server itself (see ``event``): an application context is
    enough once the person is known."""
    if isinstance(auth, _Refused):
        return False  # the auth payload was not acceptable JSON
    with environ["flask.app"].app_context():
        try:
            actor = _authenticate(auth, environ)
            if actor is None:
                return False  # refused: the client sees a connect_error
            _socket_users[sid] = (actor, time.monotonic())
            rooms = presence.connected(actor, sid, current_app.config["SERVER_ID"])  # may wait for a batch
            if sid not in _socket_users:  # it disconnected while this waited: take back its row
                presence.disconnected(actor.id, sid)
                return False
            # Enter the rooms last, with nothing that yields until the handler returns: an event
            # emitted to a room between entering it and python-socketio's connect answer would
            # reach the client before that answer, ahead of its catch-up (docs/realtime.md).
            for room in rooms:
                socketio.server.enter_room(sid, room, namespace=events.NAMESPACE)
        except Exception:
            _socket_users.pop(sid, None)
            db.session.rollback()
            log.exception("socket connect failed")
            return False
    return True


def _on_disconnect(sid: str, *_args: Any) -> None:
    known = _socket_users.pop(sid, None)
    if known is None:
        return
    environ = socketio.server.get_environ(sid, namespace=events.NAMESPACE)
    if not environ:  # python-socketio keeps it until the handler has run; as Flask-SocketIO did
        return
    with environ["flask.app"].app_context():
        presence.disconnected(known[0].id, sid)


def close_local_sockets() -> None:
    """Close every socket this process holds; their clients reconnect (and are counted again)."""
    for sid in list(_socket_users):
        socketio.server.disconnect(sid, namespace=events.NAMESPACE)


def _socket_actor(sid: str) -> Actor | None:
    """The socket's actor; its person is read anew once the actor is IDENTITY_TTL old (the
    door, address and user agent stay those of the connection). No session is opened while
    the actor is fresh (most events need none of their own)."""
    known = _socket_users.get(sid)
    if known is None:
        return None
    actor, read_at = known
    if time.monotonic() - read_at < IDENTITY_TTL:
        return actor
    user = db.session.get(User, actor.id)
    if user is None or sid not in _socket_users:
        return None
    actor = actor.refreshed(user)
    _socket_users[sid] = (actor, time.monotonic())
    return actor


def event(socketio: SocketIO, name: str, model: type[Request], *, rate_limit: str | None = None) -> Callable:
    """Register a handler taking (actor, payload, sid) whose return value becomes the ack; the
    payload, one JSON object, is checked as ``model`` (core/requests.py, the same models as the
    REST bodies) before the handler runs. ``rate_limit`` names a per-person limit the event
    counts against first, as the REST door counts a request before reading its body.

    Handlers are registered on the Socket.IO server itself and run in an application context,
    not in the HTTP request context Flask-SocketIO builds for each event (URL routing, the
    cookie session and a copy of it): events are authenticated by their socket, and that
    context cost more than most handlers. Only connect needs the request, and keeps it.
    """
    def decorator(fn: Callable[[Actor, Any, str], Any]) -> Callable:
        @functools.wraps(fn)
        def handler(sid: str, data: Any = None, *extra: Any) -> dict[str, Any]:
            environ = socketio.server.get_environ(sid, namespace=events.NAMESPACE)
            if not environ:
                return error_body("unauthorized", "this connection is not signed in")
            with environ["flask.app"].app_context():
                actor = _socket_actor(sid)
                if actor is None:
                    return error_body("unauthorized", "this connection is not signed in")
                try:
                    if not isinstance(data, dict) or extra:
                        raise Invalid("send one JSON object")
                    if rate_limit is not None:
                        ratelimits.for_person(rate_limit, actor.id)
                    return {"data": fn(actor, parse(model, data), sid)}
                except ChatError as err:
                    return err.to_dict()
                except Exception:
                    db.session.rollback()
                    log.exception("socket event %s failed", name)
                    return error_body("internal_error", "the server could not handle this event")
        socketio.server.on(name, handler, namespace=events.NAMESPACE)
        return handler
    return decorator


def _on_other_event(event_name: str, sid: str, *args: Any) -> dict[str, Any]:
    """Every event without a handler of its own: a payload the decoder refused gets its reason,
    any other name ``unknown_event`` (python-socketio would not ack it at all)."""
    if event_name == _REFUSED_EVENT and args and isinstance(args[0], _Refused):
        return args[0].error.to_dict()
    return error_body("unknown_event", "no such event (see docs/realtime.md for the events)")


def register_handlers(socketio: SocketIO) -> None:
    socketio.server.on("connect", _on_connect, namespace=events.NAMESPACE)
    socketio.server.on("disconnect", _on_disconnect, namespace=events.NAMESPACE)
    socketio.server.on("*", _on_other_event, namespace=events.NAMESPACE)

    # The REST door counts sends against the same limit (api.ROUTE_LIMITS).
    @event(socketio, "message.send", SendMessageEvent, rate_limit="RATE_LIMIT_SENDS")
    def _send(actor: Actor, data: SendMessageEvent, sid: str) -> Any:
        payload, _created = messages.send_message(
            actor, data.channel_id, data.body, client_msg_id=data.client_msg_id,
            thread_root_id=data.thread_root_id, file_ids=data.file_ids)
        return payload

    @event(socketio, "message.edit", EditMessageEvent)
    def _edit(actor: Actor, data: EditMessageEvent, sid: str) -> Any:
        return messages.edit_message(actor, data.message_id, data.body)

    @event(socketio, "message.delete", OnMessage)
    def _delete(actor: Actor, data: OnMessage, sid: str) -> Any:
        return messages.delete_message(actor, data.message_id)

    @event(socketio, "reaction.add", ReactEvent)
    def _react(actor: Actor, data: ReactEvent, sid: str) -> Any:
        return messages.react(actor, data.message_id, data.emoji, add=True)

    @event(socketio, "reaction.remove", ReactEvent)
    def _unreact(actor: Actor, data: ReactEvent, sid: str) -> Any:
        return messages.react(actor, data.message_id, data.emoji, add=False)

    @event(socketio, "channel.read", ReadEvent)
    def _read(actor: Actor, data: ReadEvent, sid: str) -> Any:
        return read_position_payload(channels.mark_read(actor, data.channel_id, data.message_id))

    @event(socketio, "typing.start", TypingEvent)
    def _typing(actor: Actor, data: TypingEvent, sid: str) -> Any:
        presence.typing(actor, data.channel_id, data.thread_root_id, sid)
        return ok_payload()

    @event(socketio, "presence.set", SetPresence)
    def _presence(actor: Actor, data: SetPresence, sid: str) -> Any:
        return presence_status_payload(presence.set_away(actor.id, sid, data.away))

    @event(socketio, "sync", SyncEvent)
    def _sync(actor: Actor, data: SyncEvent, sid: str) -> Any:
        return sync.events_since(actor, data.since, data.limit)
