"""Keeping the event log bounded: old events are pruned by age and by count.

A client whose cursor is older than the pruned part can no longer catch up event by event;
``sync`` answers it ``cursor_expired`` and it reloads its state (docs/realtime.md).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import Integer, bindparam, delete, func, select

from chat.core.prepared import Prepared
from chat.core.transactions import atomic
from chat.extensions import db
from chat.models import Event, EventLogState
from chat.models._time import utcnow

BATCH = 5000  # events deleted per transaction: short write locks, even for a large backlog


_PRUNED_THROUGH = Prepared(
    select(EventLogState.pruned_through).where(EventLogState.id == bindparam("row", type_=Integer)))


def pruned_through() -> int:
    """Every event with an id at or below this one has been pruned (0: none). Prepared: every
    sync asks."""
    rows = _PRUNED_THROUGH.rows({"row": 1})
    return (rows[0][0] if rows else 0) or 0


def prune_as_configured() -> int:
    """Prune by the EVENT_LOG_MAX_AGE_DAYS and EVENT_LOG_MAX_EVENTS settings (0: no bound)."""
    return prune_with(current_app.config["EVENT_LOG_MAX_AGE_DAYS"], current_app.config["EVENT_LOG_MAX_EVENTS"])


def prune_with(max_age_days: float, max_events: int) -> int:
    """``prune`` with the settings' units, where 0 means no bound."""
    return prune(max_age=timedelta(days=max_age_days) if max_age_days > 0 else None,
                 max_events=max_events if max_events > 0 else None)


def prune(*, max_age: timedelta | None, max_events: int | None) -> int:
    """Delete the events older than ``max_age`` and those beyond the newest ``max_events``
    (either may be None: no limit). Only a prefix of the log is ever deleted, never its newest
    event. Returns the count."""
    by_count = 0
    if max_events is not None:
        by_count = db.session.scalar(
            select(Event.id).order_by(Event.id.desc()).offset(max_events).limit(1)) or 0
    cutoff = utcnow() - max_age if max_age is not None else None
    # The newest event always stays: it is the head clients resume from, and SQLite would hand
    # its id out again if the table were emptied.
    newest = db.session.scalar(select(func.max(Event.id))) or 0
    deleted = 0
    while True:
        # The oldest events, in id order (which is time order).
        oldest = db.session.execute(select(Event.id, Event.created_at).order_by(Event.id).limit(BATCH)).all()
        prefix = 0
        for event_id, created_at in oldest:  # a prefix only: stop at the first one not due
            if event_id >= newest or not (event_id <= by_count or (cutoff is not None and created_at < cutoff)):
                break
            prefix += 1
        if prefix == 0:
            return deleted
        through = oldest[prefix - 1][0]
        with atomic():
            # The horizon moves first: a sync that reads the log after this commit knows.
            state = db.session.get(EventLogState, 1)
            if state is None:
                db.session.add(EventLogState(id=1, pruned_through=through))
            elif state.pruned_through < through:
                state.pruned_through = through
            db.session.execute(delete(Event).where(Event.id <= through))
        deleted += prefix
        if prefix < len(oldest):
            return deleted
