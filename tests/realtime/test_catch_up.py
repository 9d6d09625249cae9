"""No lost messages: clients that drop or see the server restart catch up with no gaps and no
duplicates, and a message sent through one process reaches clients of another."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.support import Cast, CatchUpClient, make_cast, start_server


def _head(person) -> int:
    return person.get("/events/head")["cursor"]


def _created_in(client: CatchUpClient, channel_id: int) -> list[int]:
    return [e["data"]["id"] for e in client.applied
            if e["type"] == "message.created" and e["channel_id"] == channel_id]


def test_dropped_connection_catches_up_in_order_without_duplicates(cast: Cast) -> None:
    channel = cast.acme.general_id
    bob = CatchUpClient(cast.server_url, cast.bob.token, _head(cast.bob))
    try:
        bob.wait_until(lambda c: c.connects == 1)
        sent = [cast.alice.post(f"/channels/{channel}/messages", {"body": f"before {i}"})["id"] for i in range(5)]
        bob.wait_until(lambda c: set(sent) <= set(_created_in(c, channel)))
        # Drop the transport without a goodbye, then keep talking while Bob is away.
        bob.sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)
        sent += [cast.alice.post(f"/channels/{channel}/messages", {"body": f"while away {i}"})["id"] for i in range(20)]
        bob.wait_until(lambda c: c.connects >= 2 and set(sent) <= set(_created_in(c, channel)))
        sent += [cast.alice.post(f"/channels/{channel}/messages", {"body": f"after {i}"})["id"] for i in range(5)]
        bob.wait_until(lambda c: set(sent) <= set(_created_in(c, channel)))
        assert _created_in(bob, channel) == sent  # in order, no gaps, no duplicates
        ids = [e["id"] for e in bob.applied]
        assert ids == sorted(set(ids))
    finally:
        bob.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_server_restart_loses_nothing(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    kwargs = {}
    if backend == "postgresql":
        kwargs = {"database_url": request.getfixturevalue("postgres_url"), "message_queue": REDIS_URL}
    server = start_server(tmp_path / "restart", **kwargs)
    port = int(server.url.rsplit(":", 1)[1])
    try:
        cast = make_cast(server.url)
        channel = cast.acme.general_id
        bob = CatchUpClient(server.url, cast.bob.token, _head(cast.bob))
        try:
            bob.wait_until(lambda c: c.connects == 1)
            sent = [cast.alice.post(f"/channels/{channel}/messages", {"body": f"one {i}"})["id"] for i in range(3)]
            bob.wait_until(lambda c: set(sent) <= set(_created_in(c, channel)))
            server.stop()
            server = start_server(tmp_path / "restart", port=port, **kwargs)
            sent += [cast.alice.post(f"/channels/{channel}/messages", {"body": f"two {i}"})["id"] for i in range(10)]
            bob.wait_until(lambda c: c.connects >= 2 and set(sent) <= set(_created_in(c, channel)), timeout=60)
            assert _created_in(bob, channel) == sent
        finally:
            bob.close()
    finally:
        server.stop()


def test_two_processes_share_one_workspace_over_postgres_and_redis(tmp_path: Path, postgres_url: str) -> None:
    """Two server processes on different ports, one PostgreSQL database, one Redis queue."""
    channel_name = "shared-" + tmp_path.name[-6:]
    first = start_server(tmp_path / "a", database_url=postgres_url, message_queue=REDIS_URL,
                         queue_channel=channel_name)
    second = start_server(tmp_path / "b", database_url=postgres_url, message_queue=REDIS_URL,
                          queue_channel=channel_name)
    try:
        cast = make_cast(first.url)
        # Bob talks to the second process with the same token.
        bob_remote = type(cast.bob)(second.url, cast.bob.token, cast.bob.user, cast.bob.email)
        bob = CatchUpClient(second.url, cast.bob.token, _head(bob_remote))
        try:
            bob.wait_until(lambda c: c.connects == 1)
            sent = cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"body": "across processes"})
            bob.wait_until(lambda c: sent["id"] in _created_in(c, cast.acme.general_id))
            # A room change made by one process reaches a socket held by the other.
            new = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "cross-" + tmp_path.name[-6:]})
            cast.alice.post(f"/channels/{new['id']}/members", {"user_id": cast.bob.id})
            later = cast.alice.post(f"/channels/{new['id']}/messages", {"body": "in the new channel"})
            bob.wait_until(lambda c: later["id"] in _created_in(c, new["id"]))
        finally:
            bob.close()
    finally:
        first.stop()
        second.stop()


def test_no_event_reaches_a_socket_before_its_connect_answer(tmp_path: Path) -> None:
    """docs/realtime.md: a client syncs once the connect is answered, and counts on live events
    coming after that answer. Sockets connect in crowds (their connection rows are written in
    batches, so the handler waits) while messages pour into the channel they are joining: the
    first frame each socket gets after the handshake must be the connect answer ("40")."""
    import json
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import websocket

    from tests.support import create_workspace, invite, sign_up

    server = start_server(tmp_path / "srv", extra_env={"RATE_LIMIT_SENDS": ""})
    try:
        owner = sign_up(server.url, "Flood Owner")
        acme = create_workspace(owner, "Flood")
        people = [sign_up(server.url, f"Joiner {i}") for i in range(24)]
        for person in people:
            invite(owner, acme, person)
        stop = threading.Event()
        sent: list[int] = []

        def flood() -> None:
            while not stop.is_set():
                sent.append(owner.post(f"/channels/{acme.general_id}/messages", {"body": "flood"})["id"])

        def first_frame(person) -> str:
            ws = websocket.create_connection(server.url.replace("http", "ws", 1)
                                             + "/socket.io/?EIO=4&transport=websocket", timeout=30)
            try:
                assert ws.recv().startswith("0")  # engine.io open
                ws.send("40" + json.dumps({"token": person.token}))
                while (frame := ws.recv()) == "2":
                    ws.send("3")
                return frame
            finally:
                ws.close()

        flooders = [threading.Thread(target=flood, daemon=True) for _ in range(3)]
        for thread in flooders:
            thread.start()
        try:
            frames = []
            with ThreadPoolExecutor(len(people)) as pool:
                for _ in range(15):
                    frames += list(pool.map(first_frame, people))
        finally:
            stop.set()
            for thread in flooders:
                thread.join(30)
        assert len(sent) > 20  # messages really were arriving while the sockets connected
        assert [f[:2] for f in frames if not f.startswith("40")] == []
        assert len(frames) == 15 * len(people)
    finally:
        server.stop()
