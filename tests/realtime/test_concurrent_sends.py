"""Sends that arrive together are committed together (group commit); each must still be judged
and answered on its own, as if it had been alone."""
from __future__ import annotations

import threading
import uuid
from typing import Any

from tests.support import Cast, SocketClient, barrier, make_cast


def _all_at_once(calls: list[tuple[SocketClient, dict[str, Any]]]) -> list[Any]:
    """Send every message.send at the same instant from its own thread; the acks, in order."""
    barrier = threading.Barrier(len(calls))
    acks: list[Any] = [None] * len(calls)

    def run(i: int, client: SocketClient, data: dict[str, Any]) -> None:
        barrier.wait()
        acks[i] = client.call("message.send", data)

    threads = [threading.Thread(target=run, args=(i, c, d)) for i, (c, d) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return acks


def test_sends_arriving_together_are_each_answered_as_if_alone(cast: Cast) -> None:
    _check_rounds(cast, rounds=8)


def test_sends_arriving_together_under_other_async_modes(other_mode_server) -> None:
    _check_rounds(make_cast(other_mode_server.url), rounds=3)


def _check_rounds(cast: Cast, rounds: int) -> None:
    general = cast.acme.general_id
    alice_tabs = [cast.alice.socket() for _ in range(3)]
    bob, gus, olga = cast.bob.socket(), cast.gus.socket(), cast.olga.socket()
    try:
        stored: list[int] = []
        previous: dict[str, Any] | None = None
        for round_ in range(rounds):
            twice = uuid.uuid4().hex  # the same send from two tabs at once: stored once
            calls = [
                (alice_tabs[0], {"channel_id": general, "body": f"r{round_} alice", "client_msg_id": twice}),
                (alice_tabs[1], {"channel_id": general, "body": f"r{round_} alice", "client_msg_id": twice}),
                (alice_tabs[2], {"channel_id": general, "body": f"r{round_} alice **again**"}),
                (bob, {"channel_id": general, "body": f"r{round_} bob", "client_msg_id": uuid.uuid4().hex}),
                # Refused in the same batch: a guest outside general, an outsider from Globex,
                # a reply to a thread that does not exist.
                (gus, {"channel_id": general, "body": f"r{round_} gus", "client_msg_id": uuid.uuid4().hex}),
                (olga, {"channel_id": general, "body": f"r{round_} olga"}),
                (bob, {"channel_id": general, "body": f"r{round_} lost reply", "thread_root_id": 2**62}),
            ]
            if previous is not None:  # a retry of a send stored in the last round
                calls.append((alice_tabs[2], {"channel_id": general, "body": previous["body"],
                                              "client_msg_id": previous["client_msg_id"]}))
            acks = _all_at_once(calls)
            twin_a, twin_b, again, from_bob, from_gus, from_olga, reply = acks[:7]
            if previous is not None:
                assert acks[7]["data"]["id"] == previous["id"], acks[7]
            assert twin_a["data"]["id"] == twin_b["data"]["id"], acks
            assert twin_a["data"]["client_msg_id"] == twice
            assert again["data"]["html"] == f"<p>r{round_} alice <strong>again</strong></p>"
            assert from_bob["data"]["author"]["id"] == cast.bob.id
            assert twin_a["data"]["author"]["id"] == cast.alice.id
            assert from_gus["error"]["code"] == "not_found", from_gus
            assert from_olga["error"]["code"] == "not_found", from_olga
            assert reply["error"]["code"] == "thread_not_found", reply
            stored += [twin_a["data"]["id"], again["data"]["id"], from_bob["data"]["id"]]
            previous = twin_a["data"]

        history = cast.bob.get(f"/channels/{general}/messages?limit=100")["messages"]
        ids = [m["id"] for m in history]
        assert sorted(stored) == [i for i in ids if i in set(stored)], "each accepted send stored once"
        assert not [m for m in history if m["body"].endswith(("gus", "olga", "lost reply"))]
        # Every accepted send reached Bob live exactly once; nothing refused did. A later event on
        # each socket proves that everything committed before it has arrived.
        gus_note = cast.gus.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [cast.gus.id]})["id"]
        barrier(bob, cast.bob, general)
        barrier(gus, cast.gus, gus_note)
        barrier(olga, cast.olga, cast.globex.general_id)
        live = [e["data"]["id"] for e in bob.events("message.created") if e["data"]["id"] in set(stored)]
        assert sorted(live) == sorted(stored)
        assert len(bob.events("message.created")) == len(stored) + 1  # and the barrier's message
        assert [e for e in olga.events("message.created") + gus.events("message.created")
                if e["channel_id"] == general] == []
    finally:
        for client in (*alice_tabs, bob, gus, olga):
            client.close()


def test_a_new_display_name_shows_on_the_next_message_over_an_open_socket(cast: Cast) -> None:
    alice = cast.alice.socket()
    try:
        cast.alice.call("PATCH", "/me", {"display_name": "Alice Renamed"})
        ack = alice.call("message.send", {"channel_id": cast.acme.general_id, "body": "new name"})
        assert ack["data"]["author"]["display_name"] == "Alice Renamed"
    finally:
        cast.alice.call("PATCH", "/me", {"display_name": "Alice Owner"})
        alice.close()
