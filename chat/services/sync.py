"""Catch-up for reconnecting clients: every logged event after a cursor that the person may
read now, in id (= commit) order."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, or_, select

from chat.extensions import db
from chat.models import ChannelMember, Event
from chat.core import event_log, limits
from chat.core.actor import Actor
from chat.core.errors import Gone
from chat.core.events import envelope_of
from chat.services.summaries import active_workspace_ids
from chat.core.validation import check_cursor, check_limit



def latest_event_id() -> int:
    return db.session.scalar(select(func.max(Event.id))) or 0


def events_since(actor: Actor, since: Any, limit: Any = None) -> dict[str, Any]:
    """A page of the events after ``since``; ``cursor_expired`` (410) when the log no longer
    reaches back that far, and the client must reload its state and resume from the head."""
    since = check_cursor(since)
    limit = check_limit(limit, limits.EVENTS_PAGE)
    # Read the head first: every event up to it has committed, so the query below sees all of
    # them and the cursor may skip to it; an event committed later arrives with a larger id.
    head = latest_event_id()
    workspace_ids = active_workspace_ids(actor.id)
    readable = select(ChannelMember.channel_id).where(ChannelMember.user_id == actor.id,
                                                      ChannelMember.workspace_id.in_(workspace_ids or [0]))
    rows = list(db.session.scalars(
        select(Event).where(Event.id > since,
                            or_(Event.channel_id.in_(readable), Event.target_user_id == actor.id))
        .order_by(Event.id).limit(limit + 1)))
    if since < event_log.pruned_through():  # read after the page: a prune meanwhile is seen
        raise Gone("this cursor is older than the event log: reload your state and resume from "
                   "GET /api/v1/events/head", code="cursor_expired", field="since")
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1].id if rows else since
    if not has_more:
        cursor = max(cursor, head)
    return {"events": [envelope_of(e.id, e.prev_id, e.type, e.workspace_id, e.channel_id, json.loads(e.payload))
                       for e in rows],
            "has_more": has_more, "cursor": cursor}
