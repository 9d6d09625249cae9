"""Catch-up over HTTP: the same events a socket receives, after a cursor."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, with_query
from chat.api.openapi import operation
from chat.api.schemas import obj, ref
from chat.core.requests import COUNT, EventsQuery
from chat.services import sync
from chat.services.payloads import cursor_payload


@api.get("/events")
@operation("events", ok=ref("EventPage"), errors={410: ["cursor_expired"]})
@with_query(EventsQuery)
def events_since(params: EventsQuery) -> ResponseReturnValue:
    """Durable events after a cursor (catch-up)

    Every logged event with id > `since` that you may read now, in id order. The same events, in
    the same envelopes, arrive live over Socket.IO; see docs/realtime.md. The log is pruned by
    age and size: a `since` older than what it keeps is answered 410 `cursor_expired`; reload
    your state and resume from `GET /events/head`.
    """
    return jsonify(sync.events_since(actor(), 0 if params.since is None else params.since, params.limit))


@api.get("/events/head")
@operation("events", ok=obj({"cursor": {**COUNT, "description": "the newest event id (0 when none)"}}))
def events_head() -> ResponseReturnValue:
    """The newest event id

    Call it before loading state over REST, then resume catch-up from it.
    """
    return jsonify(cursor_payload(sync.latest_event_id()))
