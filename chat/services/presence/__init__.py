"""Presence and typing.

Modules: ``presence`` (connections, statuses, typing; docs/realtime.md)."""

from chat.services.presence.presence import (
    AWAY,
    OFFLINE,
    ONLINE,
    SIZE_TTL,
    connected,
    disconnected,
    expire_silent_servers,
    forget_server,
    heartbeat,
    pushes_presence,
    rooms_for,
    set_away,
    typing,
    workspace_presence,
)

__all__ = [
    "AWAY",
    "OFFLINE",
    "ONLINE",
    "SIZE_TTL",
    "connected",
    "disconnected",
    "expire_silent_servers",
    "forget_server",
    "heartbeat",
    "pushes_presence",
    "rooms_for",
    "set_away",
    "typing",
    "workspace_presence",
]
