"""Catch-up for reconnecting clients.

Modules: ``sync`` (the events after a cursor that the person may read now)."""

from chat.services.sync.sync import (
    events_since,
    latest_event_id,
)

__all__ = [
    "events_since",
    "latest_event_id",
]
