"""A message's Slack ``ts``: an encoding of the message's own columns, nothing stored.

``ts`` = ``"<S>.<F>"``: ``S`` is the second the message was created (Unix time, UTC), ``F``
its id modulo 1,000,000, six digits: ``"1733112345.000123"`` is message 123 (or 1,000,123,
...) created at 1733112345. The design and why (docs/integrations.md, "Ids and timestamps"):

- **stable**: both parts are fixed at insert; an edit, a reaction or a pin changes neither;
- **unique per channel**: two messages of one channel share a ts only if they were created in
  the same second with ids a multiple of a million apart: a million messages, server-wide,
  within one second;
- **ordered like time**: messages of different seconds compare by second; within one second,
  by id (ids grow in commit order), except across a wrap of ``F`` (the one second in a million
  messages where ids pass a multiple of a million; history is still served in id order);
- **round-trips** without a column, an index or a migration, and without touching the send
  path: ``F`` narrows the id to ``F + k * 1,000,000``, at most ``last id / 1,000,000 + 1``
  primary-key lookups, and ``S`` picks the one created in that second.

A ``ts`` that names no message (a client's own time, ``oldest=0``) is read as a time: the
bound falls between the messages created before and after it.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from chat.core import limits
from chat.core.actor import Actor
from chat.extensions import db
from chat.models import Channel, Message
from chat.services.access import access_channel

WRAP = 1_000_000
_TS = re.compile(r"([0-9]{1,12})\.([0-9]{6})")
# The times a bound may be given as: Slack's clients send 0, "0", "1733112345", "1733112345.5".
_TIME = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def encode(message_id: int, created_at: datetime) -> str:
    return f"{_epoch(created_at)}.{message_id % WRAP:06d}"


def of_payload(payload: dict[str, Any]) -> str:
    """The ts of a message payload (``payloads.message_payload``: id and ISO ``created_at``)."""
    return encode(payload["id"], datetime.fromisoformat(payload["created_at"].removesuffix("Z")))


def timestamps(message_ids: set[int]) -> dict[int, str]:
    """The ts of each message, by id, in one query: for messages the caller has already read
    (a page's thread roots)."""
    if not message_ids:
        return {}
    return {mid: encode(mid, created) for mid, created in db.session.execute(
        select(Message.id, Message.created_at).where(Message.id.in_(sorted(message_ids))))}


def _parse(text: Any) -> tuple[int, int] | None:
    match = _TS.fullmatch(text) if isinstance(text, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def message_id(actor: Actor, channel_id: int, ts: Any) -> int | None:
    """The id of the channel's message with this ts (deleted ones too), None if there is none;
    NotFound if the person may not read the channel."""
    access = access_channel(actor.id, channel_id)
    return _lookup(access.channel, ts)


def in_channel(channel: Channel, ts: Any) -> int | None:
    """The id of ``channel``'s message with this ts, None if there is none or ``ts`` is not a
    ts; for callers that checked who may read the channel themselves (incoming webhooks)."""
    return _lookup(channel, ts)


def _lookup(channel: Channel, ts: Any) -> int | None:
    parsed = _parse(ts)
    if parsed is None or not channel.last_message_id:
        return None
    second, rest = parsed
    candidates = [rest + k * WRAP for k in range(channel.last_message_id // WRAP + 1) if rest + k * WRAP > 0]
    candidates = [c for c in candidates if c <= min(channel.last_message_id, limits.MAX_ID)]
    if not candidates:
        return None
    for mid, created in db.session.execute(select(Message.id, Message.created_at).where(
            Message.channel_id == channel.id, Message.id.in_(candidates))):
        if _epoch(created) == second:
            return mid
    return None


def is_time(value: Any) -> bool:
    """Whether ``value`` can be read as a ts or a Unix time (history's oldest and latest)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return 0 <= value < 10**12
    return isinstance(value, str) and _TIME.fullmatch(value) is not None


def bounds(actor: Actor, channel_id: int, *, oldest: Any, latest: Any,
           inclusive: bool) -> tuple[int | None, int | None] | None:
    """Slack's ``oldest``/``latest`` (a ts or a time; None: open) as history's ``after`` and
    ``before`` message ids (exclusive; None: open), or None when nothing can lie between. A ts of a
    message of the channel bounds by that message; any other time by the messages created
    before or after it. The values must pass ``is_time``."""
    channel = access_channel(actor.id, channel_id).channel
    after = before = None
    if oldest is not None:
        found = _lookup(channel, oldest)
        if found is not None:
            after = found - 1 if inclusive else found
        else:
            moment = _moment(oldest)
            after = db.session.scalar(select(func.max(Message.id)).where(
                Message.channel_id == channel.id, Message.created_at < moment)) or 0
    if latest is not None:
        found = _lookup(channel, latest)
        if found is not None:
            before = found + 1 if inclusive else found
        else:
            moment = _moment(latest)
            first_after = db.session.scalar(select(func.min(Message.id)).where(
                Message.channel_id == channel.id, Message.created_at >= moment))
            before = first_after if first_after is not None else None
    if after is not None and before is not None and before <= after + 1:
        return None
    return after or None, before


def _moment(value: Any) -> datetime:
    try:
        seconds = Decimal(str(value))
    except InvalidOperation:  # is_time has been asked before
        seconds = Decimal(0)
    whole = int(seconds)
    micro = int((seconds - whole) * 1_000_000)
    return datetime.fromtimestamp(whole, UTC).replace(tzinfo=None, microsecond=min(micro, 999_999))
