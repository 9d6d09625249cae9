"""Slack's v0 request signing (chat/core/signing.py), checked against slack_sdk's own
SignatureVerifier, which is how a Slack app written against Slack verifies us."""
from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

from chat.core import signing

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BODY = '{"token":"x","type":"event_callback","event":{"type":"message","text":"héllo"}}'


def test_the_signature_is_the_one_slack_sdk_computes() -> None:
    timestamp = int(time.time())
    ours = signing.sign(SECRET, timestamp, BODY)
    assert ours.startswith("v0=") and len(ours) == 3 + 64
    assert ours == SignatureVerifier(SECRET).generate_signature(timestamp=str(timestamp), body=BODY)
    assert signing.sign(SECRET, timestamp, BODY.encode()) == ours  # bytes or text, the same


def test_slack_sdk_accepts_our_headers_and_we_accept_its_signature() -> None:
    headers = signing.headers(SECRET, BODY)
    assert SignatureVerifier(SECRET).is_valid_request(BODY, headers)
    theirs = SignatureVerifier(SECRET).generate_signature(timestamp=headers[signing.TIMESTAMP_HEADER], body=BODY)
    assert signing.verify(SECRET, headers[signing.TIMESTAMP_HEADER], BODY, theirs)


def test_a_stale_or_future_timestamp_is_refused() -> None:
    now = time.time()
    for skew in (-301, 301, -3600):
        ts = int(now + skew)
        assert not signing.verify(SECRET, ts, BODY, signing.sign(SECRET, ts, BODY), now=now)
    for skew in (-299, 0, 299):
        ts = int(now + skew)
        assert signing.verify(SECRET, ts, BODY, signing.sign(SECRET, ts, BODY), now=now)


def test_a_wrong_signature_secret_or_body_is_refused() -> None:
    ts = int(time.time())
    good = signing.sign(SECRET, ts, BODY)
    assert not signing.verify(SECRET, ts, BODY, good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert not signing.verify("another secret", ts, BODY, good)
    assert not signing.verify(SECRET, ts, BODY + " ", good)
    assert not signing.verify(SECRET, ts + 1, BODY, good)
    for missing in ((None, good), (ts, None), ("not a number", good), (ts, "v0=")):
        assert not signing.verify(SECRET, missing[0], BODY, missing[1])
