"""Deliveries to integrations (services/integrations/deliveries.py), in process with the real
job queue and its workers (two), against a real receiver on 127.0.0.1: signed requests, the
retry schedule with Slack's retry headers, giving up, the log, replay, the outbox (a rollback
sends nothing), refused URLs, a slow receiver that holds up nobody, an interrupted attempt, and
pruning."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select, update

from chat import create_app
from chat.core import jobs
from chat.core.actor import Actor
from chat.core.errors import Forbidden, Invalid, NotFound
from chat.core.transactions import atomic
from chat.database import upgrade_schema
from chat.extensions import db
from chat.models import Delivery, DeliveryAttempt, DeliveryStatus, Role, User
from chat.models._time import utcnow
from chat.services import accounts, integrations, workspaces
from chat.services.integrations import deliveries
from tests.integrations.kinds import HASTY, HASTY_SECONDS, HEARD, OUTCOMES, PICKY, PLAIN, SECRET, SIGNED
from tests.receiver import Receiver
from tests.support import wait_until

WORKERS = 2
RETRIES = [0.0, 0.3, 0.6]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = Path(tmp_path_factory.mktemp("deliveries"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'chat.db'}", "INSTANCE_DIR": str(folder),
                      "CHAT_ASYNC_MODE": "threading", "MESSAGE_QUEUE_URL": None, "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 1024, "JOB_WORKERS": WORKERS,
                      "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32", "OUTBOUND_TIMEOUT_SECONDS": 20,
                      "DELIVERY_RETRY_SECONDS": ",".join(map(str, RETRIES))})
    upgrade_schema(app)
    q = jobs.queue(app)
    q.prepare()
    consumer = q.consumer(WORKERS, own_signals=False)  # the workers a server runs, in this process
    consumer.start()
    with app.app_context():
        yield app
    consumer.stop(graceful=False)


class Cast:
    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.admin = Actor.cli(accounts.sign_up(f"admin-{tag}@example.test", "password123", "Admin", f"ad{tag}"))
        member = accounts.sign_up(f"member-{tag}@example.test", "password123", "Member", f"me{tag}")
        self.member = Actor.cli(member)
        self.workspace_id = workspaces.create_workspace(self.admin, "Deliveries").workspace.id
        with atomic():
            workspaces.add_member(self.workspace_id, db.session.get(User, member.id), Role.member)
        self.stranger = Actor.cli(accounts.sign_up(f"other-{tag}@example.test", "password123", "Other", f"ot{tag}"))
        self.other_workspace_id = workspaces.create_workspace(self.stranger, "Elsewhere").workspace.id


@pytest.fixture
def cast(app: Flask) -> Cast:
    return Cast()


def enqueue(cast: Cast, url: str, *, body: str | None = None, kind: str = SIGNED, integration_id: int = 7,
            event: str = "message") -> int:
    with atomic():
        return integrations.enqueue_delivery(
            workspace_id=cast.workspace_id, kind=kind, integration_id=integration_id, event=event, url=url,
            body=body or json.dumps({"type": "event_callback", "id": uuid.uuid4().hex}),
            headers={"Content-Type": "application/json"}).id


def delivery(delivery_id: int) -> Delivery:
    db.session.rollback()  # see what the workers committed
    row = db.session.scalar(select(Delivery).where(Delivery.id == delivery_id)
                            .execution_options(populate_existing=True))
    assert row is not None
    return row


def attempts(delivery_id: int) -> list[DeliveryAttempt]:
    db.session.rollback()
    return list(db.session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
                                   .order_by(DeliveryAttempt.number).execution_options(populate_existing=True)))


def wait_for_status(delivery_id: int, status: DeliveryStatus) -> Delivery:
    return wait_until(lambda: (d := delivery(delivery_id)).status == status and d, what=f"delivery {status.value}")


def test_a_delivery_is_signed_sent_and_logged(cast: Cast, receiver: Receiver) -> None:
    path = f"/ok?{uuid.uuid4().hex}"
    delivery_id = enqueue(cast, receiver.url(path), body='{"text": "héllo"}')
    done = wait_for_status(delivery_id, DeliveryStatus.delivered)
    [got] = receiver.received(path)
    assert got.body == '{"text": "héllo"}'.encode() and got.headers["content-type"] == "application/json"
    assert SignatureVerifier(SECRET).is_valid_request(got.body, got.headers)  # as a Slack app checks it
    assert "x-slack-retry-num" not in got.headers
    assert done.attempts == 1 and done.finished_at is not None and done.next_attempt_at is None
    [attempt] = attempts(delivery_id)
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (200, None, "ok")
    assert attempt.duration_ms is not None and attempt.finished_at is not None


def test_a_failing_receiver_gets_every_retry_with_slacks_headers_then_it_is_given_up(
        cast: Cast, receiver: Receiver) -> None:
    path = f"/status/500?{uuid.uuid4().hex}"
    delivery_id = enqueue(cast, receiver.url(path))
    given_up = wait_for_status(delivery_id, DeliveryStatus.given_up)
    got = receiver.received(path)
    assert len(got) == 1 + len(RETRIES) == given_up.attempts
    assert [r.headers.get("x-slack-retry-num") for r in got] == [None, "1", "2", "3"]
    assert [r.headers.get("x-slack-retry-reason") for r in got] == [None, "http_error", "http_error", "http_error"]
    assert all(SignatureVerifier(SECRET).is_valid_request(r.body, r.headers) for r in got)  # signed each time
    assert len({r.body for r in got}) == 1
    for before, after, delay in zip(got[:-1], got[1:], RETRIES, strict=True):
        assert after.at - before.at >= delay  # never before its time
    log = attempts(delivery_id)
    assert [a.number for a in log] == [1, 2, 3, 4]
    assert all(a.status_code == 500 and a.error == "HTTP 500" and a.reason == "http_error" for a in log)
    assert log[0].response_excerpt is not None and log[0].response_excerpt.startswith("receiver says 500")
    assert len(log[0].response_excerpt) <= 500


def test_a_delivery_that_succeeds_on_its_second_attempt_is_delivered(cast: Cast, receiver: Receiver) -> None:
    key = uuid.uuid4().hex
    delivery_id = enqueue(cast, receiver.url(f"/fail/1/{key}"))
    assert wait_for_status(delivery_id, DeliveryStatus.delivered).attempts == 2
    _first, second = receiver.received(f"/fail/1/{key}")
    assert second.headers["x-slack-retry-num"] == "1" and second.headers["x-slack-retry-reason"] == "http_error"
    assert [(a.status_code, a.error) for a in attempts(delivery_id)] == [(500, "HTTP 500"), (200, None)]


def test_a_kind_hears_how_its_deliveries_ended_and_one_without_retries_fails_at_once(
        cast: Cast, receiver: Receiver) -> None:
    ok_path, failing_path = f"/ok?{uuid.uuid4().hex}", f"/status/500?{uuid.uuid4().hex}"
    delivered_id = enqueue(cast, receiver.url(ok_path), kind=HEARD, body='{"n": 1}', event="command")
    failed_id = enqueue(cast, receiver.url(failing_path), kind=HEARD, body='{"n": 2}')
    wait_for_status(delivered_id, DeliveryStatus.delivered)
    assert wait_for_status(failed_id, DeliveryStatus.failed).attempts == 1  # no retry for this kind
    heard = wait_until(lambda: {o.delivery_id: o for o in OUTCOMES if o.delivery_id in (delivered_id, failed_id)}
                       if sum(o.delivery_id in (delivered_id, failed_id) for o in OUTCOMES) == 2 else None,
                       what="both outcomes")
    delivered, failed = heard[delivered_id], heard[failed_id]
    assert (delivered.status, delivered.kind, delivered.event, delivered.body) == (
        DeliveryStatus.delivered, HEARD, "command", b'{"n": 1}')
    assert delivered.answer is not None and (delivered.answer.status, delivered.answer.body) == (200, b"ok")
    assert delivered.error is None and delivered.workspace_id == cast.workspace_id
    assert (failed.status, failed.answer, failed.error) == (DeliveryStatus.failed, None, "HTTP 500")
    assert len(receiver.received(failing_path)) == 1
    assert len([o for o in OUTCOMES if o.delivery_id in (delivered_id, failed_id)]) == 2  # told once each


def test_a_kind_with_its_own_timeout_gives_up_on_a_slow_receiver_sooner_than_the_configured_limit(
        cast: Cast, receiver: Receiver) -> None:
    hold = uuid.uuid4().hex
    delivery_id = enqueue(cast, receiver.url(f"/hold/{hold}"), kind=HASTY)  # answers only when released
    try:
        failed = wait_for_status(delivery_id, DeliveryStatus.failed)  # the app's limit is 20 s
    finally:
        receiver.release(hold)
    [attempt] = attempts(delivery_id)
    assert failed.attempts == 1 and attempt.reason == "http_timeout"
    assert attempt.error == f"timed out (limit {HASTY_SECONDS:g} s)"
    assert attempt.duration_ms is not None and attempt.duration_ms < 20_000


def test_a_kind_may_refuse_a_2xx_answer_which_fails_the_delivery_without_retries(
        cast: Cast, receiver: Receiver) -> None:
    good, bad = f"/ok?{uuid.uuid4().hex}", f"/reply/{uuid.uuid4().hex}"  # "ok", and "{}"
    assert wait_for_status(enqueue(cast, receiver.url(good), kind=PICKY), DeliveryStatus.delivered).attempts == 1
    refused_id = enqueue(cast, receiver.url(bad), kind=PICKY)
    assert wait_for_status(refused_id, DeliveryStatus.failed).attempts == 1
    [attempt] = attempts(refused_id)
    assert (attempt.status_code, attempt.error, attempt.reason) == (200, "the answer is not ok", "invalid_response")
    assert attempt.response_excerpt == "{}" and len(receiver.received(bad)) == 1


def test_a_refused_address_fails_at_once_and_says_why(cast: Cast) -> None:
    delivery_id = enqueue(cast, "http://10.0.0.1/hook")  # private, and not in the allowed networks
    failed = wait_for_status(delivery_id, DeliveryStatus.failed)
    [attempt] = attempts(delivery_id)
    assert failed.attempts == 1 and attempt.status_code is None
    assert attempt.error == "refused address 10.0.0.1 (not a public address)"
    assert attempt.reason == "refused_address"


def test_a_url_that_can_never_be_delivered_is_refused_when_queued(cast: Cast) -> None:
    for url in ("ftp://example.com/", "http://user:pw@example.com/", "not a url"):
        with pytest.raises(Invalid) as caught:
            enqueue(cast, url)
        assert (caught.value.code, caught.value.field) == ("invalid", "url")


def test_a_delivery_queued_in_a_rolled_back_transaction_is_never_sent(cast: Cast, receiver: Receiver) -> None:
    key = uuid.uuid4().hex

    def change_that_fails() -> None:
        with atomic():
            integrations.enqueue_delivery(workspace_id=cast.workspace_id, kind=PLAIN, integration_id=1,
                                          event="message", url=receiver.url(f"/ok?rolled-back-{key}"), body="{}")
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError, match="the change fails"):
        change_that_fails()
    later = enqueue(cast, receiver.url(f"/ok?committed-{key}"), kind=PLAIN)  # queued after it
    wait_for_status(later, DeliveryStatus.delivered)
    assert receiver.received(f"/ok?rolled-back-{key}") == []
    assert delivery(later).attempts == 1


def test_a_slow_receiver_holds_up_no_other_delivery(cast: Cast, receiver: Receiver) -> None:
    """Three times as many requests wait on the slow receiver as there are job workers, and a
    delivery to another receiver still gets through while they all wait."""
    hold = uuid.uuid4().hex
    slow = [enqueue(cast, receiver.url(f"/hold/{hold}?{n}")) for n in range(3 * WORKERS)]
    try:
        receiver.wait_for(f"/hold/{hold}", 3 * WORKERS)  # all of them in flight at once
        fast = enqueue(cast, receiver.url(f"/ok?fast-{hold}"))
        wait_for_status(fast, DeliveryStatus.delivered)
        assert all(delivery(d).status == DeliveryStatus.pending for d in slow)  # still waiting
    finally:
        receiver.release(hold)
    for d in slow:
        wait_for_status(d, DeliveryStatus.delivered)


def test_an_attempt_whose_process_died_is_logged_as_interrupted_and_retried(cast: Cast, receiver: Receiver) -> None:
    path = f"/ok?{uuid.uuid4().hex}"
    with atomic():  # a delivery whose job has not run: as if the process died right after queueing
        row = Delivery(workspace_id=cast.workspace_id, kind=PLAIN, integration_id=3, event="message",
                       url=receiver.url(path), body="{}", headers="{}", attempts=0, next_attempt_at=utcnow())
        db.session.add(row)
    delivery_id = row.id
    claim = deliveries._claim(delivery_id)  # the attempt starts, then its process dies before sending
    assert claim is not None and deliveries._claim(delivery_id) is None  # claimed: no second attempt now
    with atomic():
        db.session.execute(update(Delivery).where(Delivery.id == delivery_id)
                           .values(claimed_until=utcnow() - timedelta(seconds=1)))  # the claim lapses
    assert integrations.recover_interrupted() >= 1
    wait_for_status(delivery_id, DeliveryStatus.delivered)
    first, second = attempts(delivery_id)
    assert first.error == "interrupted: the server stopped during the attempt" and second.error is None
    [got] = receiver.received(path)
    assert got.headers["x-slack-retry-num"] == "1" and got.headers["x-slack-retry-reason"] == "connection_failed"


def test_the_log_is_listed_newest_first_in_pages_for_admins_only(cast: Cast, receiver: Receiver) -> None:
    ids = [enqueue(cast, receiver.url("/ok?listed"), integration_id=100 + n % 2) for n in range(5)]
    listed = integrations.list_deliveries(cast.admin, cast.workspace_id, limit=3)
    assert [d.id for d in listed] == ids[::-1][:3]
    rest = integrations.list_deliveries(cast.admin, cast.workspace_id, before=listed[-1].id, limit=3)
    assert [d.id for d in rest][:2] == ids[::-1][3:]
    one = integrations.list_deliveries(cast.admin, cast.workspace_id, kind=SIGNED, integration_id=101)
    assert [d.id for d in one] == [ids[3], ids[1]]
    assert all(isinstance(d.attempt_log, list) for d in one)  # loaded with them
    with pytest.raises(Forbidden):
        integrations.list_deliveries(cast.member, cast.workspace_id)
    with pytest.raises(NotFound):
        integrations.list_deliveries(cast.stranger, cast.workspace_id)
    assert integrations.list_deliveries(cast.stranger, cast.other_workspace_id) == []


def test_a_delivery_is_replayed_as_a_new_one_with_the_same_body(cast: Cast, receiver: Receiver) -> None:
    path = f"/ok?replayed-{uuid.uuid4().hex}"
    original = enqueue(cast, receiver.url(path), body='{"n": 1}')
    wait_for_status(original, DeliveryStatus.delivered)
    with pytest.raises(Forbidden):
        integrations.replay_delivery(cast.member, original)
    with pytest.raises(NotFound):
        integrations.replay_delivery(cast.stranger, original)
    replay = integrations.replay_delivery(cast.admin, original)
    assert replay.id != original and replay.replay_of_id == original
    wait_for_status(replay.id, DeliveryStatus.delivered)
    first, second = receiver.wait_for(path, 2)
    assert first.body == second.body == b'{"n": 1}'
    assert SignatureVerifier(SECRET).is_valid_request(second.body, second.headers)
    assert "x-slack-retry-num" not in second.headers  # a new delivery, not a retry
    assert integrations.get_delivery(cast.admin, replay.id).replay_of_id == original


def test_a_delivery_of_a_kind_no_longer_served_is_not_replayed(cast: Cast, receiver: Receiver) -> None:
    original = enqueue(cast, receiver.url(f"/ok?{uuid.uuid4().hex}"))
    wait_for_status(original, DeliveryStatus.delivered)
    with atomic():  # as if the feature that sent it had been removed since
        db.session.execute(update(Delivery).where(Delivery.id == original).values(kind="test.removed"))
    with pytest.raises(Invalid) as refused:
        integrations.replay_delivery(cast.admin, original)
    assert refused.value.field == "kind"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.replay_of_id == original)) == 0


def test_pruning_forgets_old_finished_deliveries_and_keeps_pending_ones(cast: Cast, receiver: Receiver) -> None:
    old = enqueue(cast, receiver.url("/ok?old"), kind=PLAIN)
    wait_for_status(old, DeliveryStatus.delivered)
    recent = enqueue(cast, receiver.url("/ok?recent"), kind=PLAIN)
    wait_for_status(recent, DeliveryStatus.delivered)
    with atomic():
        pending = Delivery(workspace_id=cast.workspace_id, kind=PLAIN, integration_id=3, event="message",
                           url=receiver.url("/ok"), body="{}", headers="{}", attempts=0, next_attempt_at=None)
        db.session.add(pending)
    long_ago = utcnow() - timedelta(days=31)
    with atomic():
        db.session.execute(update(Delivery).where(Delivery.id.in_([old, pending.id])).values(created_at=long_ago))
    assert integrations.prune(30) >= 1
    db.session.rollback()
    assert db.session.get(Delivery, old) is None and attempts(old) == []
    assert db.session.get(Delivery, recent) is not None and db.session.get(Delivery, pending.id) is not None
    assert integrations.prune(0) == 0  # 0: kept for ever


