"""Two server processes on PostgreSQL and Redis, many people sending through both at once:
every client following docs/realtime.md applies every message exactly once, and live events
reach it in the order of their streams (no hole ever has to be filled)."""
from __future__ import annotations

import random
import threading
import uuid
from pathlib import Path

from tests.conftest import REDIS_URL
from tests.support import CatchUpClient, Person, SocketClient, invite, make_cast, sign_up, start_server

SENDERS = 6
SENDS_PER_ROUND = 40
ROUNDS = 4


def test_concurrent_senders_on_two_processes_leave_no_gaps(tmp_path: Path, postgres_url: str) -> None:
    queue = "gaps-" + uuid.uuid4().hex[:8]
    # Six people sending as fast as acks come back: far above the per-person send limit, which
    # is not what this test is about.
    servers = [start_server(tmp_path / name, database_url=postgres_url, message_queue=REDIS_URL,
                            queue_channel=queue, extra_env={"RATE_LIMIT_SENDS": ""}) for name in ("a", "b")]
    sockets: list[SocketClient] = []
    observers: list[CatchUpClient] = []
    try:
        cast = make_cast(servers[0].url)
        people = [cast.alice, cast.bob] + [sign_up(servers[0].url) for _ in range(SENDERS - 2)]
        for person in people[2:]:
            invite(cast.alice, cast.acme, person)
        channels = [cast.acme.general_id] + [
            cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": f"race-{i}-{queue}"})["id"]
            for i in range(2)]
        for channel in channels[1:]:
            for person in people[1:]:
                cast.alice.post(f"/channels/{channel}/members", {"user_id": person.id})

        def on(server_index: int, person: Person) -> Person:
            return Person(servers[server_index].url, person.token, person.user, person.email)

        head = cast.alice.get("/events/head")["cursor"]
        # Observers on both processes, each in every channel.
        for i, person in enumerate(people[:4]):
            observers.append(CatchUpClient(servers[i % 2].url, person.token, head))
        for observer in observers:
            observer.wait_until(lambda c: c.connects == 1)
        # Each sender talks to both processes, alternating.
        sender_sockets = [[on(0, p).socket(), on(1, p).socket()] for p in people]
        sockets += [s for pair in sender_sockets for s in pair]

        sent: list[int] = []
        for round_ in range(ROUNDS):
            acked: list[int] = []
            lock = threading.Lock()
            barrier = threading.Barrier(len(people))

            # This round's values, bound now: a thread outliving its join would otherwise see the next round's.
            def send_all(index: int, round_: int = round_, barrier: threading.Barrier = barrier,
                         lock: threading.Lock = lock, acked: list[int] = acked) -> None:
                rng = random.Random(f"{round_}-{index}")
                barrier.wait()
                for n in range(SENDS_PER_ROUND):
                    ack = sender_sockets[index][n % 2].call("message.send", {
                        "channel_id": rng.choice(channels), "body": f"r{round_} s{index} n{n}",
                        "client_msg_id": f"{queue}-{round_}-{index}-{n}"})
                    with lock:
                        acked.append(ack["data"]["id"] if "data" in ack else ack)

            threads = [threading.Thread(target=send_all, args=(i,)) for i in range(len(people))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            assert len(acked) == len(people) * SENDS_PER_ROUND
            assert all(isinstance(i, int) for i in acked), [a for a in acked if not isinstance(a, int)][:3]
            sent.extend(acked)
            for observer in observers:
                observer.wait_until(lambda c: set(sent) <= set(c.message_ids()), timeout=60)

        for observer in observers:
            received = [i for i in observer.message_ids() if i in set(sent)]
            assert sorted(received) == sorted(sent), "every message applied exactly once"
            assert len(received) == len(set(received))
            # On a steady connection, live events come in their streams' order. One that dropped
            # (a ping missed on an overloaded machine) comes back to a hole to fill: allowed, as
            # long as every message is still applied exactly once (above).
            if observer.connects == 1:
                assert observer.holes_seen == 0, "live events arrived out of their stream's order"
    finally:
        for client in [*observers, *sockets]:
            client.close()
        for server in servers:
            server.stop()
