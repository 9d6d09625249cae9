"""Catch-up over HTTP: the same events a socket receives, after a cursor."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, query_int
from chat.services import sync
from chat.services.payloads import cursor_payload


@api.get("/events")
def events_since() -> ResponseReturnValue:
    since = query_int("since", minimum=0)
    return jsonify(sync.events_since(actor(), 0 if since is None else since, query_int("limit")))


@api.get("/events/head")
def events_head() -> ResponseReturnValue:
    """The newest event id: a client that has just loaded its state resumes from here."""
    return jsonify(cursor_payload(sync.latest_event_id()))
