"""Slack's v0 request signing, for requests we send to integrations and, later, for requests
integrations send us (https://api.slack.com/authentication/verifying-requests-from-slack).

The signature is ``"v0=" + hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}"))``, sent in
``X-Slack-Signature`` with the timestamp (Unix seconds) in ``X-Slack-Request-Timestamp``. A
receiver accepts it only when the timestamp is within five minutes of its clock (a captured
request cannot be replayed later) and the signatures are equal in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import time

VERSION = "v0"
SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
MAX_AGE_SECONDS = 5 * 60


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def sign(secret: str | bytes, timestamp: int | str, body: str | bytes) -> str:
    """``v0=<hex>`` for ``body`` sent at ``timestamp``."""
    basestring = b"%s:%s:%s" % (VERSION.encode(), str(int(timestamp)).encode(), _bytes(body))
    return f"{VERSION}=" + hmac.new(_bytes(secret), basestring, hashlib.sha256).hexdigest()


def headers(secret: str | bytes, body: str | bytes, *, now: float | None = None) -> dict[str, str]:
    """The two headers that sign ``body`` now (a fresh timestamp for every attempt)."""
    timestamp = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(secret: str | bytes, timestamp: str | int | None, body: str | bytes, signature: str | None, *,
           now: float | None = None, max_age: float = MAX_AGE_SECONDS) -> bool:
    """Whether ``signature`` signs ``body`` at ``timestamp``, and the timestamp is within
    ``max_age`` seconds of ``now`` (either way). Compares in constant time."""
    if timestamp is None or signature is None:
        return False
    try:
        ts = int(str(timestamp).strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > max_age:
        return False
    return hmac.compare_digest(sign(secret, ts, body).encode(), signature.encode("utf-8", "replace"))
