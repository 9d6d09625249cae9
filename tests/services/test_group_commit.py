"""Group commit seen from its callers: sends written together must behave as if alone.

Each test first proves it reached its case (the batch it is about was formed, the conflict it
is about happened), so none can pass by the sends happening not to meet."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from chat.core.actor import Actor
from chat.core.transactions import atomic
from chat.services import accounts, channels, messages, workspaces
from chat.services.messages import send
from tests.support import wait_until


@pytest.fixture(scope="module")
def people(app) -> tuple[Actor, Actor, int]:
    alice = Actor.cli(accounts.sign_up("ga@example.test", "password123", "G Alice", "galice"))
    bob_row = accounts.sign_up("gb@example.test", "password123", "G Bob", "gbob")
    ws = workspaces.create_workspace(alice, "Batching")
    workspaces.add_member(ws.id, bob_row, workspaces.check_role("member"))
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    return alice, Actor.cli(bob_row), general


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The bodies of every batch the group commit hands to its writer, in order."""
    seen: list[list[str]] = []
    write = send._sends._write

    def recording(jobs: list[Any]) -> None:
        seen.append([job.body for job in jobs])
        write(jobs)

    monkeypatch.setattr(send._sends, "_write", recording)
    return seen


def _in_thread(app, fn: Callable[[], Any], results: dict[str, Any], key: str) -> threading.Thread:  # type: ignore[no-untyped-def]
    def run() -> None:
        with app.app_context():
            try:
                results[key] = fn()
            except Exception as err:  # reported by the test, not lost in the thread
                results[key] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _queued() -> int:
    with send._sends._lock:
        return len(send._sends._queue)


def _behind_a_held_writer_lock(app, sends: list[tuple[Actor, int, str, str | None]],  # type: ignore[no-untyped-def]
                               batches: list[list[str]]) -> dict[str, Any]:
    """Send the first alone, then the rest while it waits for the writer lock, so that the rest
    queue up and are written as one batch. Returns each send's outcome by body."""
    results: dict[str, Any] = {}
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with atomic():
            holding.set()
            release.wait(10)

    threads = [_in_thread(app, hold, results, "holder")]
    holding.wait(5)
    for i, (sender, channel_id, body, client_msg_id) in enumerate(sends):
        threads.append(_in_thread(app, lambda s=sender, c=channel_id, b=body, k=client_msg_id:
                                  messages.send_message(s, c, b, client_msg_id=k), results, body))
        if i == 0:
            wait_until(lambda: len(batches) == 1, 10, "the first send leads a batch", interval=0.01)
    wait_until(lambda: _queued() == len(sends) - 1, 10, "the other sends queue behind it", interval=0.01)
    release.set()
    for thread in threads:
        thread.join(10)
    assert not any(t.is_alive() for t in threads), "a send never finished"
    return results


def test_sends_that_arrive_while_a_batch_is_written_are_written_together(app, people, batches) -> None:
    alice, bob, general = people
    sends = [(alice, general, "first", None)] + [(person, general, f"together {i}", None)
                                                  for i, person in enumerate((alice, bob, alice, bob))]
    results = _behind_a_held_writer_lock(app, sends, batches)
    assert batches == [["first"], ["together 0", "together 1", "together 2", "together 3"]]
    # Each sender got their own message, stored in the order of the queue.
    payloads = [results[body] for _, _, body, _ in sends]
    assert all(isinstance(p, tuple) and p[1] is True for p in payloads), payloads
    assert [p[0]["body"] for p in payloads] == [body for _, _, body, _ in sends]
    assert [p[0]["author"]["id"] for p in payloads] == [s.id for s, _, _, _ in sends]
    ids = [p[0]["id"] for p in payloads]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_retry_in_a_batch_fails_the_batch_and_each_send_is_answered_alone(app, people, batches,
                                                                           monkeypatch) -> None:
    """A repeated client id breaks the batch's INSERT; the sends are then written one at a
    time: the retry gets its original, the others are stored once."""
    alice, bob, general = people
    original, _ = messages.send_message(alice, general, "stored before", client_msg_id="gc-retry")
    batches.clear()
    conflicts = []
    write_together = send._write_together

    def recording(jobs, *, retries_possible: bool) -> None:  # type: ignore[no-untyped-def]
        try:
            write_together(jobs, retries_possible=retries_possible)
        except IntegrityError:
            conflicts.append(([job.body for job in jobs], retries_possible))
            raise

    monkeypatch.setattr(send, "_write_together", recording)
    sends = [(bob, general, "leader", None), (bob, general, "fresh 1", "gc-fresh-1"),
             (alice, general, "stored before", "gc-retry"), (bob, general, "fresh 2", None)]
    results = _behind_a_held_writer_lock(app, sends, batches)
    assert batches == [["leader"], ["fresh 1", "stored before", "fresh 2"]]
    assert conflicts == [(["fresh 1", "stored before", "fresh 2"], False)], "the batch never met the retry"
    retried, created = results["stored before"]
    assert (retried["id"], created) == (original["id"], False)
    fresh = [results[body] for body in ("leader", "fresh 1", "fresh 2")]
    assert all(created for _, created in fresh)
    history = [m["body"] for m in messages.history(alice, general)["messages"]]
    assert history[-4:] == ["stored before", "leader", "fresh 1", "fresh 2"]


def test_a_send_inside_another_transaction_joins_it_instead_of_waiting_for_a_batch(app, people, batches) -> None:
    """A caller already writing holds the writer lock that a batch leader waits for; if it
    queued behind that leader, neither would ever finish. Its send joins its own transaction."""
    alice, bob, general = people
    holding, results = threading.Event(), {}

    def writer() -> int:  # holds the writer lock, then sends from inside its transaction
        with atomic():
            holding.set()
            # The other send now leads a batch, which waits for our lock.
            wait_until(lambda: batches == [["batched"]], 10, "the other send leads a batch", interval=0.01)
            return messages.send_message(alice, general, "from inside")[0]["id"]

    threads = [_in_thread(app, writer, results, "inside")]
    holding.wait(5)
    threads.append(_in_thread(app, lambda: messages.send_message(bob, general, "batched")[0]["id"],
                              results, "batch"))
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "the two sends waited for each other"
    assert isinstance(results["inside"], int) and isinstance(results["batch"], int), results
    assert results["inside"] < results["batch"]
    assert batches == [["batched"]], "the send from inside a transaction went through a batch"
