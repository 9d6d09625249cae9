"""Rate limits: how often one person, account or address may do one kind of thing.

The limits are configuration (the ``RATE_LIMIT_*`` settings in chat/config.py, in
Flask-Limiter's notation, "100 per 10 seconds; 1000 per hour"); the counters live in the
storage Flask-Limiter was bound to in create_app: this process's memory, or Redis when the
deployment has it, so every process counts against the same numbers. HTTP and socket doors
call the same functions, so a limit is written once. Over a limit raises ``RateLimited``
carrying the seconds until the exceeded window resets (Retry-After).

Repeated sign-in failures are throttled per account *and* address (``check_sign_in``):

- each address may make RATE_LIMIT_SIGNIN attempts, right or wrong;
- a wrong password counts against the (account, address) pair: after RATE_LIMIT_SIGNIN_FAILURES
  (tiers, e.g. 5 per 5 minutes; 20 per hour) that address must wait for the window, so the waits
  grow as the failures go on; the right password from that address clears its count;
- wrong passwords also count against the account from all addresses together: once over
  RATE_LIMIT_ACCOUNT_FAILURES, only addresses the account signed in from in the last 30 days
  may still try, so guessing from many addresses stops while the owner at their usual address
  signs in as always. A refused attempt checks no password and counts as no failure.

Unknown emails are throttled exactly like real accounts, so the answers reveal nothing.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from functools import lru_cache

from flask import current_app
from limits import RateLimitItem, parse_many

from chat.core.errors import RateLimited
from chat.extensions import limiter

log = logging.getLogger(__name__)

KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600

# What a person is told when over a limit (the code is always rate_limited).
_WHAT = {
    "RATE_LIMIT_API": "too many requests",
    "RATE_LIMIT_API_ANONYMOUS": "too many requests from this address",
    "RATE_LIMIT_SIGNIN": "too many sign-in attempts from this address",
    "RATE_LIMIT_SIGNUP": "too many new accounts from this address",
    "RATE_LIMIT_TOKENS": "too many new API tokens",
    "RATE_LIMIT_INVITES": "too many new invite links",
    "RATE_LIMIT_BOTS": "too many new bots",
    "RATE_LIMIT_SENDS": "too many messages",
    "RATE_LIMIT_UPLOADS": "too many uploads",
    "RATE_LIMIT_WEBHOOK_POSTS": "too many posts to this webhook",
    "RATE_LIMIT_WEBHOOKS": "too many new webhooks",
    "RATE_LIMIT_COMMANDS": "too many slash commands",
    "RATE_LIMIT_DELIVERY_REPLAYS": "too many replayed deliveries",
    "RATE_LIMIT_WEB_API": "too many Web API calls with this token",
    "RATE_LIMIT_IMAGES": "too many image requests",
    "RATE_LIMIT_IMAGE_FETCHES": "too many new images fetched",
}


@lru_cache(maxsize=64)
def _items(value: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(value)) if value.strip() else ()


def _limits(setting: str) -> tuple[RateLimitItem, ...]:
    return _items(current_app.config[setting])


def _ids(setting: str, key: tuple[object, ...]) -> tuple[str, ...]:
    # Deployments sharing one Redis keep apart by their queue channel, as their sockets do.
    return (current_app.config["MESSAGE_QUEUE_CHANNEL"], setting, *(str(k) for k in key))


def _seconds_until_reset(item: RateLimitItem, ids: tuple[str, ...]) -> int:
    reset = limiter.limiter.get_window_stats(item, *ids).reset_time
    return max(1, math.ceil(reset - time.time()))


def _refuse(setting: str, wait: int) -> RateLimited:
    what = _WHAT.get(setting, "too many attempts")
    return RateLimited(f"{what}: try again in {wait} s", retry_after=wait)


def hit(setting: str, *key: object) -> None:
    """Count one request against the limit named by ``setting`` for ``key`` (e.g. "user", 5);
    raise RateLimited when that makes it one too many. A storage outage lets requests through
    (logged): limits protect the service and must not take it down."""
    if not limiter.enabled:
        return
    ids = _ids(setting, key)
    try:
        for item in _limits(setting):
            if not limiter.limiter.hit(item, *ids):
                raise _refuse(setting, _seconds_until_reset(item, ids))
    except RateLimited:
        raise
    except Exception:
        log.warning("rate limit storage failed; %s not counted", setting, exc_info=True)


def for_person(setting: str, user_id: int, *scope: object) -> None:
    """``hit`` keyed by a person (and e.g. a workspace id)."""
    hit(setting, "user", user_id, *scope)


def api_request(user_id: int | None, address: str | None) -> None:
    """The general API limit: per person when signed in (every token and session together),
    per address otherwise."""
    if user_id is not None:
        hit("RATE_LIMIT_API", "user", user_id)
    else:
        hit("RATE_LIMIT_API_ANONYMOUS", "addr", address or "unknown")


# --- sign-in failures ------------------------------------------------------------------------

def _account(email: str) -> str:
    # Keys carry a digest, not the address itself: the store need not hold people's emails.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _known_key(account: str, address: str) -> str:
    return "/".join(_ids("signin-known", (account, address)))


def _wait(setting: str, key: tuple[object, ...]) -> int | None:
    """Seconds until ``key`` is under every tier of the limit again; None when it is now."""
    ids = _ids(setting, key)
    waits = [_seconds_until_reset(item, ids) for item in _limits(setting)
             if not limiter.limiter.test(item, *ids)]
    return max(waits) if waits else None


def check_sign_in(email: str, address: str) -> None:
    """Before a password is checked: RateLimited when this address made too many attempts,
    this account failed too often from this address, or the account failed too often overall
    and this address is not one it signed in from lately."""
    if not limiter.enabled:
        return
    hit("RATE_LIMIT_SIGNIN", "addr", address)
    account = _account(email)
    try:
        wait = _wait("RATE_LIMIT_SIGNIN_FAILURES", (account, address))
        if wait is None and not limiter.storage.get(_known_key(account, address)):
            wait = _wait("RATE_LIMIT_ACCOUNT_FAILURES", (account,))
    except Exception:
        log.warning("rate limit storage failed; sign-in not throttled", exc_info=True)
        return
    if wait is not None:
        raise RateLimited(f"too many failed sign-ins: try again in {wait} s", retry_after=wait)


def sign_in_failed(email: str, address: str) -> None:
    """Count a wrong password against the (account, address) pair and the account."""
    if not limiter.enabled:
        return
    account = _account(email)
    try:
        for setting, key in (("RATE_LIMIT_SIGNIN_FAILURES", (account, address)),
                             ("RATE_LIMIT_ACCOUNT_FAILURES", (account,))):
            ids = _ids(setting, key)
            for item in _limits(setting):
                limiter.limiter.hit(item, *ids)
    except Exception:
        log.warning("rate limit storage failed; sign-in failure not counted", exc_info=True)


def sign_in_succeeded(email: str, address: str) -> None:
    """The right password: this address's failures for the account are forgiven, and it stays
    a known address of the account (still allowed in while the account is under attack)."""
    if not limiter.enabled:
        return
    account = _account(email)
    try:
        ids = _ids("RATE_LIMIT_SIGNIN_FAILURES", (account, address))
        for item in _limits("RATE_LIMIT_SIGNIN_FAILURES"):
            limiter.limiter.clear(item, *ids)
        key = _known_key(account, address)
        limiter.storage.clear(key)  # restart its 30 days
        limiter.storage.incr(key, KNOWN_ADDRESS_SECONDS)
    except Exception:
        log.warning("rate limit storage failed; sign-in success not recorded", exc_info=True)
