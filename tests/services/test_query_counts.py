"""Hot paths run a fixed number of queries whatever the amount of data (no N+1)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from chat.core.actor import Actor
from chat.core.transactions import atomic
from chat.extensions import db
from chat.models import Bot, Delivery
from chat.services import accounts, bots, channels, messages, webhooks, workspaces
from chat.services.integrations import listeners
from chat.services.messages import send


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture(scope="module")
def world(app):
    alice = Actor.cli(accounts.sign_up("qa@example.test", "password123", "Q Alice", "qalice"))
    bob_row = accounts.sign_up("qb@example.test", "password123", "Q Bob", "qbob")
    bob = Actor.cli(bob_row)
    ws = workspaces.create_workspace(alice, "Counting")
    workspaces.add_member(ws.id, bob_row, workspaces.check_role("member"))
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    return alice, bob, ws, general


def _fill(author, channel_id: int, n: int, *, react_as=None) -> None:
    for i in range(n):
        payload, _ = messages.send_message(author, channel_id, f"message {i} @qbob")
        if react_as is not None:
            messages.react(react_as, payload["id"], "👍", add=True)
    _cold_cache()


def _cold_cache() -> None:
    """Forget loaded rows, as a new request would (the actors are plain values: nothing to load)."""
    db.session.expire_all()


def test_history_page_costs_the_same_for_5_or_50_messages(world) -> None:
    alice, _bob, ws, _general = world
    small = channels.create_channel(alice, ws.id, "small").id
    large = channels.create_channel(alice, ws.id, "large").id
    _fill(alice, small, 5, react_as=alice)
    _fill(alice, large, 50, react_as=alice)
    with count_queries() as few:
        assert len(messages.history(alice, small)["messages"]) == 5
    with count_queries() as many:
        assert len(messages.history(alice, large)["messages"]) == 50
    # access check, the page with its authors, reactions, files: one query each, whatever the page size
    assert len(few) == len(many) == 4, "\n".join(many)


def test_channel_list_with_unread_counts_is_constant_in_channels(world) -> None:
    alice, bob, ws, _general = world
    _cold_cache()
    with count_queries() as before:
        channels.list_my_channels(bob, ws.id)
    for i in range(5):
        channel = channels.create_channel(alice, ws.id, f"extra-{i}")
        channels.add_member(alice, channel.id, bob.id)
        _fill(alice, channel.id, 2)
    channels.open_direct(alice, ws.id, [bob.id])
    _cold_cache()
    with count_queries() as after:
        listed = channels.list_my_channels(bob, ws.id)
    assert len(after) == len(before) + 1, "\n".join(after)  # +1: direct conversations' participants, in one query
    extra = [c for c in listed if (c["name"] or "").startswith("extra-")]
    assert len(extra) == 5 and all(c["unread_count"] == 2 and c["mention_count"] == 2 for c in extra)


def test_sending_a_message_costs_a_fixed_number_of_queries(world) -> None:
    alice, _bob, _ws, general = world
    messages.send_message(alice, general, "warm up")
    _cold_cache()
    with count_queries() as plain:
        messages.send_message(alice, general, "plain message", client_msg_id="qc-1")
    _cold_cache()
    with count_queries() as mentioning:
        messages.send_message(alice, general, "hey @qbob and @qalice", client_msg_id="qc-2")
    # access with the author's name, the message, the channel's last message, the event and
    # its link to the channel's previous event; retries are caught by the unique client id,
    # not looked up first.
    assert len(plain) == 5, "\n".join(plain)
    # a mention adds the lookup of the names, the channel's members and the mention rows
    assert len(mentioning) <= len(plain) + 3, "\n".join(mentioning)


def test_a_retried_send_costs_one_failed_insert_and_a_lookup(world) -> None:
    alice, _bob, _ws, general = world
    first, created = messages.send_message(alice, general, "once", client_msg_id="qc-retry")
    _cold_cache()
    with count_queries() as retry:
        again, created_again = messages.send_message(alice, general, "once", client_msg_id="qc-retry")
    assert created and not created_again and again["id"] == first["id"]
    assert len(retry) <= 12, "\n".join(retry)


def test_listening_bots_cost_one_query_per_batch_and_nothing_where_none_listen(world) -> None:
    alice, _bob, _quiet_ws, quiet_general = world
    ws = workspaces.create_workspace(alice, "Listened").id
    general = channels.list_my_channels(alice, ws)[0]["id"]
    other = channels.create_channel(alice, ws, "other").id
    bot = bots.create_bot(alice, ws, "Listener Bot")
    channels.add_member(alice, other, bot.id)
    with atomic():  # as set_events_url does once the handshake passed
        db.session.get_one(Bot, bot.id).events_url = "http://127.0.0.1:9/events"
        listeners.refresh(ws)
    hook = webhooks.create_outgoing_webhook(alice, ws, name="Hook", callback_urls=["http://127.0.0.1:9/hook"],
                                            channel_ids=[general])

    def batch(channel_ids: list[int]) -> list[str]:
        jobs = [send._Send(alice, channel_id, f"batched {i}", None, None, [], None)
                for i, channel_id in enumerate(channel_ids)]
        _cold_cache()
        with count_queries() as statements:
            send._write_sends(jobs)
        assert all(job.finished and job.outcome()[1] for job in jobs)
        return [s for s in statements if "bots" in s or "outgoing_webhooks" in s]

    def deliveries(kind: str, integration_id: int) -> int:
        return db.session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.kind == kind, Delivery.integration_id == integration_id)) or 0

    # One batch of four messages in two channels: one query finds the bots and the outgoing
    # webhooks listening to both.
    finding = batch([general, other, general, other])
    assert len(finding) == 1, "\n".join(finding)
    assert deliveries("events_api", bot.id) == 4 and deliveries("outgoing_webhook", hook.id) == 2
    # Where nothing listens, nothing is looked for: the sender's standing says so.
    assert batch([quiet_general, quiet_general]) == []
