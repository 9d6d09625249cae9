"""Catch-up for reconnecting clients: every logged event after a cursor that the person may
read now, in id (= commit) order."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BigInteger, Integer, bindparam, func, or_, select

from chat.core import event_log, limits
from chat.core.actor import Actor
from chat.core.errors import Gone
from chat.core.events import envelope_of
from chat.core.prepared import Prepared
from chat.core.validation import check_cursor, check_limit
from chat.models import Event
from chat.services import access

# Every socket runs a sync when it connects, so a reconnect storm is thousands of them: the
# three statements run prepared on the driver (core/prepared.py), at a fraction of an ORM
# query's cost each; tests/services/test_prepared.py compares them with the plain queries.
_HEAD = Prepared(select(func.max(Event.id)))
_USER = bindparam("user_id", type_=Integer)
_PAGE = Prepared(
    select(Event.id, Event.prev_id, Event.type, Event.workspace_id, Event.channel_id, Event.payload)
    .where(Event.id > bindparam("since", type_=BigInteger),
           # The channels whose events reach the person's sockets: the same rule as their rooms.
           or_(Event.channel_id.in_(access.channel_ids(access.is_in_channel, _USER)), Event.target_user_id == _USER))
    # An explicit offset: SQLite's dialect would otherwise add an unnamed one next to the limit.
    .order_by(Event.id).limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


def latest_event_id() -> int:
    return _HEAD.rows({})[0][0] or 0


def events_since(actor: Actor, since: Any, limit: Any = None) -> dict[str, Any]:
    """A page of the events after ``since``; ``cursor_expired`` (410) when the log no longer
    reaches back that far, and the client must reload its state and resume from the head."""
    since = check_cursor(since)
    limit = check_limit(limit, limits.EVENTS_PAGE)
    # Read the head first: every event up to it has committed, so the query below sees all of
    # them and the cursor may skip to it; an event committed later arrives with a larger id.
    head = latest_event_id()
    rows = _PAGE.rows({"since": since, "user_id": actor.id, "limit": limit + 1, "offset": 0})
    if since < event_log.pruned_through():  # read after the page: a prune meanwhile is seen
        raise Gone("this cursor is older than the event log: reload your state and resume from "
                   "GET /api/v1/events/head", code="cursor_expired", field="since")
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1][0] if rows else since
    if not has_more:
        cursor = max(cursor, head)
    return {"events": [envelope_of(event_id, prev_id, kind, workspace_id, channel_id, json.loads(payload))
                       for event_id, prev_id, kind, workspace_id, channel_id, payload in rows],
            "has_more": has_more, "cursor": cursor}
