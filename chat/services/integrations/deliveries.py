"""Deliveries: every request the server sends an integration for an event (Events API
callbacks, outgoing webhooks, slash commands as they come), with a log per integration that
workspace admins read and replay.

* ``enqueue_delivery(...)`` inside the caller's transaction: a ``Delivery`` row and its job
  go with the caller's commit, and nowhere if it rolls back.
* The ``deliveries.attempt`` job claims the delivery (an open attempt row, a claim deadline)
  and hands the request to a background thread (``outbound.run_in_background``), so a slow
  receiver holds a green thread, not one of the JOB_WORKERS job workers: a receiver taking
  1 s delays nobody else's deliveries. At most OUTBOUND_CONCURRENCY requests wait at once
  per process; past that, job workers wait for a slot.
* The request goes through ``core/outbound`` (refused addresses, timeouts, capped answers),
  signed at each attempt with a fresh timestamp by the kind's signer (``register_kind``);
  retries carry ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``.
* A 2xx answer delivers it. A failure is retried on Slack's schedule (DELIVERY_RETRY_SECONDS,
  by default at once, after 1 minute, after 5 minutes) by a job scheduled for that time, then
  the delivery is given up; an invalid or refused URL fails at once (no retry can fix it).
* A kind may ask to hear how each delivery ended (``on_finished``: the answer of a delivered
  one, to post an outgoing webhook's or a slash command's reply; the error of one that failed),
  may refuse retries (slash commands: the person is waiting, a late answer is no answer), and
  may judge a 2xx answer's content (``accept``: an outgoing webhook's reply that is not JSON
  fails the delivery, logged as such, and is not retried).
* Restarts: the delivery row and its scheduled job are durable (the outbox and the queue); an
  attempt whose process died mid-request is found by ``recover_interrupted`` (a periodic job)
  once its claim lapses, logged as interrupted and retried like any failure.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from chat.core import jobs, limits, outbound, signing
from chat.core.actor import Actor
from chat.core.concurrency import lock_row
from chat.core.errors import Invalid, NotFound
from chat.core.transactions import atomic, in_transaction
from chat.extensions import db
from chat.models import Delivery, DeliveryAttempt, DeliveryStatus
from chat.models._time import utcnow
from chat.services import access

DELIVERY_JOB = "deliveries.attempt"
RECOVER_JOB = "deliveries.recover"
PRUNE_JOB = "housekeeping.prune-deliveries"

RETRY_NUM_HEADER = "X-Slack-Retry-Num"
RETRY_REASON_HEADER = "X-Slack-Retry-Reason"
EXCERPT_CHARS = 500
ERROR_CHARS = 300

# (integration_id, body, unix time) -> the headers that sign the body now.
Signer = Callable[[int, bytes, float], dict[str, str]]


@dataclass(frozen=True)
class Outcome:
    """How a delivery ended, for its kind's ``on_finished``."""

    delivery_id: int
    workspace_id: int
    kind: str
    integration_id: int
    event: str
    body: bytes                         # what was sent
    status: DeliveryStatus              # delivered, failed or given_up
    answer: outbound.Response | None    # a delivered one's 2xx answer (its body capped by the policy)
    error: str | None                   # why the last attempt failed


@dataclass(frozen=True)
class _Kind:
    signer: Signer | None
    retries: bool
    on_finished: Callable[[Outcome], None] | None
    timeout: float | None
    accept: Callable[[outbound.Response], str | None] | None = None


class UnusableAnswer(outbound.OutboundError):
    """A 2xx answer its kind's ``accept`` refused (an outgoing webhook's reply that is not
    JSON, say): the attempt failed, and trying again would get the same answer."""

    reason = "invalid_response"
    retryable = False


_kinds: dict[str, _Kind] = {}


def register_kind(kind: str, signer: Signer | None = None, *, retries: bool = True,
                  on_finished: Callable[[Outcome], None] | None = None, timeout: float | None = None,
                  accept: Callable[[outbound.Response], str | None] | None = None) -> None:
    """Declare an integration kind (``events_api``, ``outgoing_webhook``, ...): how its
    requests are signed (None: unsigned), whether a failed attempt is retried on the schedule,
    and ``on_finished``, called once a delivery ends (delivered, failed or given up) in an app
    context outside any transaction; what it raises is logged, the delivery's log unchanged.
    ``timeout``: the kind's own limit on a request, in seconds, whatever OUTBOUND_TIMEOUT_SECONDS
    says (a slash command's answer is late after Slack's 3 s however patient other receivers
    may be allowed to be). ``accept``: called with each 2xx answer before it counts as
    delivered; a string it returns says why the answer is unusable, and the attempt fails with
    it (``UnusableAnswer``, not retried). Registered at import time by the feature that owns the
    kind, so every process that runs jobs knows it."""
    if len(kind) > limits.INTEGRATION_KIND_LENGTH:
        raise ValueError(f"an integration kind is at most {limits.INTEGRATION_KIND_LENGTH} characters")
    _kinds[kind] = _Kind(signer, retries, on_finished, timeout, accept)


def slack_v0_signer(secret_of: Callable[[int], str | None]) -> Signer:
    """A signer for Slack's v0 scheme with the integration's signing secret (read at each
    attempt, so a rotated secret signs the next retry)."""
    def sign(integration_id: int, body: bytes, now: float) -> dict[str, str]:
        secret = secret_of(integration_id)
        if not secret:
            raise LookupError(f"no signing secret for integration {integration_id}")
        return signing.headers(secret, body, now=now)
    return sign


# --- queueing ----------------------------------------------------------------------------------

def enqueue_delivery(*, workspace_id: int, kind: str, integration_id: int, event: str, url: str, body: str,
                     headers: dict[str, str] | None = None, replay_of_id: int | None = None) -> Delivery:
    """A new delivery of ``body`` to ``url``, written in the caller's transaction and sent
    once it commits (never if it rolls back). Raises ``Invalid`` for a URL that can never be
    delivered to and a body over the limit."""
    if not in_transaction():
        raise RuntimeError("enqueue a delivery inside atomic(), in the transaction of the change that causes it")
    if kind not in _kinds:
        raise KeyError(f"no integration kind {kind!r} (register_kind)")
    try:
        outbound.parse_url(url)
    except outbound.InvalidUrl as e:
        raise Invalid(e.message, field="url") from None
    if len(body.encode()) > limits.DELIVERY_BODY_BYTES:
        raise Invalid(f"a delivery's body is at most {limits.DELIVERY_BODY_BYTES} bytes", field="body")
    now = utcnow()
    delivery = Delivery(workspace_id=workspace_id, kind=kind, integration_id=integration_id, event=event[:100],
                        url=url, body=body, headers=json.dumps(headers or {}), status=DeliveryStatus.pending,
                        attempts=0, next_attempt_at=now, replay_of_id=replay_of_id, created_at=now)
    db.session.add(delivery)
    db.session.flush()
    jobs.enqueue(DELIVERY_JOB, delivery_id=delivery.id)
    return delivery


# --- attempts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Claim:
    """What one attempt sends, read before the request so no transaction is open during it."""

    delivery_id: int
    attempt_id: int
    number: int
    kind: str
    integration_id: int
    url: str
    body: bytes
    headers: dict[str, str]
    previous_reason: str | None


def start_attempt(delivery_id: int) -> None:
    """The job: claim the delivery's due attempt and send it in the background. Does nothing
    for a delivery that is finished, not yet due, or being attempted (jobs run at least once)."""
    claim = _claim(delivery_id)
    if claim is not None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask
        outbound.run_in_background(app, lambda: _send(claim), name=f"delivery-{delivery_id}")


def deliver_now(delivery_id: int) -> None:
    """Claim and send the due attempt in this thread (the command line, tests)."""
    claim = _claim(delivery_id)
    if claim is not None:
        _send(claim)


def _claim(delivery_id: int) -> _Claim | None:
    now = utcnow()
    with atomic():
        lock_row(Delivery, delivery_id)
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.pending:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + timedelta(seconds=1):
            return None  # a later retry's job will come
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            return None  # an attempt is running
        # Past the request's own deadline, a lease more (as for jobs) before it counts as lost.
        delivery.claimed_until = now + timedelta(
            seconds=_policy(_kinds.get(delivery.kind)).total_timeout + float(current_app.config["JOB_LEASE_SECONDS"]))
        number = delivery.attempts + 1
        attempt = DeliveryAttempt(delivery_id=delivery.id, number=number, started_at=now)
        db.session.add(attempt)
        previous = db.session.scalar(select(DeliveryAttempt.reason).where(
            DeliveryAttempt.delivery_id == delivery.id, DeliveryAttempt.number == number - 1))
        db.session.flush()
        return _Claim(delivery.id, attempt.id, number, delivery.kind, delivery.integration_id, delivery.url,
                      delivery.body.encode(), json.loads(delivery.headers), previous)


def _policy(kind: _Kind | None = None) -> outbound.Policy:
    """The limits of a request: the configured ones, and the kind's own timeout if it has one."""
    policy = outbound.Policy.from_config(current_app.config)
    if kind is None or kind.timeout is None:
        return policy
    return replace(policy, total_timeout=kind.timeout, connect_timeout=min(policy.connect_timeout, kind.timeout))


def _send(claim: _Claim) -> None:
    started = time.monotonic()
    status: int | None = None
    excerpt = b""
    answer: outbound.Response | None = None
    error: outbound.OutboundError | None = None
    try:
        headers = dict(claim.headers)
        kind = _kinds.get(claim.kind)
        signer = kind.signer if kind is not None else None
        if signer is not None:
            headers.update(signer(claim.integration_id, claim.body, time.time()))
        if claim.number > 1:
            headers[RETRY_NUM_HEADER] = str(claim.number - 1)
            headers[RETRY_REASON_HEADER] = claim.previous_reason or "unknown_error"
        # The signer read a secret: end that transaction, so no database connection waits on the
        # receiver (up to OUTBOUND_TIMEOUT_SECONDS, for each of OUTBOUND_CONCURRENCY requests).
        db.session.rollback()
        answer = outbound.request("POST", claim.url, body=claim.body, headers=headers, policy=_policy(kind))
        status, excerpt = answer.status, answer.excerpt
        answer.raise_for_status()
        problem = kind.accept(answer) if kind is not None and kind.accept is not None else None
        if problem:
            raise UnusableAnswer(problem, status=answer.status, excerpt=answer.excerpt)
    except outbound.OutboundError as e:
        error = e
        status, excerpt = e.status or status, e.excerpt or excerpt
    except Exception as e:  # a signer that failed, a bug: logged like a failed attempt, retried
        current_app.logger.exception("delivery %s: attempt %s failed", claim.delivery_id, claim.number)
        error = outbound.OutboundError(f"internal error: {type(e).__name__}")
    outcome = _finish(claim.delivery_id, claim.attempt_id, error=error, status=status, excerpt=excerpt,
                      duration=time.monotonic() - started, answer=answer if error is None else None)
    _tell(outcome)


def _tell(outcome: Outcome | None) -> None:
    """Hand a finished delivery to its kind's ``on_finished``, if it has one."""
    kind = _kinds.get(outcome.kind) if outcome is not None else None
    if outcome is None or kind is None or kind.on_finished is None:
        return
    try:
        kind.on_finished(outcome)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("delivery %s: its kind's on_finished failed", outcome.delivery_id)


def _finish(delivery_id: int, attempt_id: int, *, error: outbound.OutboundError | None, status: int | None,
            excerpt: bytes, duration: float | None, answer: outbound.Response | None = None) -> Outcome | None:
    """Record an attempt's outcome, then: delivered, a retry scheduled, failed or given up.
    Returns the outcome of a delivery this attempt finished, None while it goes on."""
    now = utcnow()
    with atomic():
        lock_row(Delivery, delivery_id)
        attempt = db.session.get(DeliveryAttempt, attempt_id)
        delivery = db.session.get(Delivery, delivery_id)
        if attempt is None or delivery is None or attempt.finished_at is not None:
            return None  # pruned, or already recorded as interrupted: the later outcome is not news
        attempt.finished_at = now
        attempt.duration_ms = None if duration is None else round(duration * 1000)
        attempt.status_code = status
        attempt.response_excerpt = excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS] if excerpt else None
        attempt.error = None if error is None else str(error)[:ERROR_CHARS]
        attempt.reason = None if error is None else error.reason
        delivery.attempts = attempt.number
        delivery.claimed_until = None
        if error is None:
            return _close(delivery, DeliveryStatus.delivered, now, answer, None)
        kind = _kinds.get(delivery.kind)
        delays = retry_delays() if kind is None or kind.retries else []
        if not error.retryable or not delays:
            return _close(delivery, DeliveryStatus.failed, now, None, attempt.error)
        if attempt.number > len(delays):
            return _close(delivery, DeliveryStatus.given_up, now, None, attempt.error)
        delay = delays[attempt.number - 1]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        jobs.enqueue(DELIVERY_JOB, delivery_id=delivery.id, at=delivery.next_attempt_at if delay > 0 else None)
        return None


def _close(delivery: Delivery, status: DeliveryStatus, now: datetime, answer: outbound.Response | None,
           error: str | None) -> Outcome:
    delivery.status, delivery.finished_at, delivery.next_attempt_at = status, now, None
    return Outcome(delivery.id, delivery.workspace_id, delivery.kind, delivery.integration_id, delivery.event,
                   delivery.body.encode(), status, answer, error)


def retry_delays() -> list[float]:
    """Seconds before each retry: DELIVERY_RETRY_SECONDS (Slack's: 0, 60, 300)."""
    return [float(s) for s in str(current_app.config["DELIVERY_RETRY_SECONDS"]).split(",") if s.strip()]


def recover_interrupted() -> int:
    """Attempts whose claim lapsed (their process died mid-request): logged as interrupted,
    then retried or given up like any failure. Returns how many."""
    now = utcnow()
    lapsed = db.session.execute(select(Delivery.id, DeliveryAttempt.id).join(
        DeliveryAttempt, (DeliveryAttempt.delivery_id == Delivery.id) & DeliveryAttempt.finished_at.is_(None)).where(
        Delivery.status == DeliveryStatus.pending, Delivery.claimed_until < now)).all()
    db.session.rollback()
    for delivery_id, attempt_id in lapsed:
        _tell(_finish(delivery_id, attempt_id, error=outbound.ConnectionFailed(
            "interrupted: the server stopped during the attempt"), status=None, excerpt=b"", duration=None))
    return len(lapsed)


# --- the log -----------------------------------------------------------------------------------

def list_deliveries(actor: Actor, workspace_id: int, *, kind: str | None = None, integration_id: int | None = None,
                    before: int | None = None, limit: int | None = None) -> list[Delivery]:
    """A workspace's deliveries (or one integration's), newest first, with their attempts;
    ``before``: a delivery id, for the next page. Workspace admins only."""
    access.access_admin(actor.id, workspace_id)
    size = min(limit or limits.DELIVERIES_PAGE.default, limits.DELIVERIES_PAGE.maximum)
    query = select(Delivery).where(Delivery.workspace_id == workspace_id).options(selectinload(Delivery.attempt_log))
    if kind is not None:
        query = query.where(Delivery.kind == kind)
    if integration_id is not None:
        query = query.where(Delivery.integration_id == integration_id)
    if before is not None:
        query = query.where(Delivery.id < before)
    return list(db.session.scalars(query.order_by(Delivery.id.desc()).limit(max(size, 1))))


def get_delivery(actor: Actor, delivery_id: int) -> Delivery:
    """One delivery with its attempts, for an admin of its workspace; else NotFound/Forbidden."""
    delivery = db.session.scalar(select(Delivery).where(Delivery.id == delivery_id)
                                 .options(selectinload(Delivery.attempt_log)))
    if delivery is None:
        raise NotFound("delivery not found")
    access.access_admin(actor.id, delivery.workspace_id)
    return delivery


def replay_delivery(actor: Actor, delivery_id: int) -> Delivery:
    """Send a delivery again: a new delivery with the same URL, body and headers (signed
    afresh), whatever became of the first. Workspace admins only."""
    with atomic():
        original = db.session.get(Delivery, delivery_id)
        if original is None:
            raise NotFound("delivery not found")
        access.access_admin(actor.id, original.workspace_id)
        if original.kind not in _kinds:
            raise Invalid("this kind of integration is no longer served here", field="kind")
        return enqueue_delivery(workspace_id=original.workspace_id, kind=original.kind,
                                integration_id=original.integration_id, event=original.event, url=original.url,
                                body=original.body, headers=json.loads(original.headers), replay_of_id=original.id)


def prune(max_age_days: float, *, batch: int = 5000) -> int:
    """Forget finished deliveries older than ``max_age_days`` (0: keep them), with their
    attempts, a batch per transaction. Returns how many."""
    if max_age_days <= 0:
        return 0
    cutoff = utcnow() - timedelta(days=max_age_days)
    pruned = 0
    while True:
        with atomic():
            ids = list(db.session.scalars(select(Delivery.id).where(
                Delivery.created_at < cutoff, Delivery.status != DeliveryStatus.pending).limit(batch)))
            if ids:
                db.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)))
                db.session.execute(delete(Delivery).where(Delivery.id.in_(ids)))
        pruned += len(ids)
        if len(ids) < batch:
            return pruned


def prune_as_configured() -> int:
    return prune(float(current_app.config["DELIVERY_LOG_MAX_AGE_DAYS"]))
