"""Crowd clients for bench/crowd.py: many sockets per process, each following the catch-up
protocol of docs/realtime.md, reconnecting by themselves, and counting what they receive.

Each client speaks engine.io/socket.io directly over an aiohttp websocket (as the fan-out
receivers in loadclients.py do: python-socketio's client costs too much per frame at this
scale). Only ``message.created`` frames and sync answers are parsed as JSON; presence frames are
counted by their prefix.

The driver talks to a worker process over a pipe:

    worker -> ("loaded", None)
    driver -> ("connect", None)            every client connects and catches up
    worker -> ("caught_up", {...})         when all have (or the timeout passed)
    driver -> ("mark", None)               remember how many times each has caught up so far
    worker -> ("marked", None)
    driver -> ("await_back", {timeout_s})  wait until every client has caught up once more
    worker -> ("back", {...})
    driver -> ("collect", {acked, drain_s}) wait for the acked messages ({channel id: [message
                                           ids]}) of each client's channels, then count
    worker -> ("result", {...})
    driver -> ("close", None)
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import multiprocessing as mp
import random
import time
from typing import Any

from loadclients import _raise_fd_limit, _session

log = logging.getLogger("bench.crowd")

SYNC_LIMIT = 500
# The web client's settings (its realtime module's io() options: reconnectionDelay 500,
# reconnectionDelayMax 5000; randomizationFactor and the open timeout are socket.io-client's
# defaults, 0.5 and 20 s).
RECONNECT_DELAY_S, RECONNECT_DELAY_MAX_S, RANDOMIZATION = 0.5, 5.0, 0.5
OPEN_TIMEOUT_S = 20.0


def reconnect_delay(attempt: int) -> float:
    """socket.io-client 4's back-off (its contrib/backo2.js), seconds before reconnect attempt
    ``attempt`` (0 after a connection closed; one more after each failed attempt): the delay
    doubles from RECONNECT_DELAY_S, moves up or down by up to RANDOMIZATION of itself, and is
    capped at RECONNECT_DELAY_MAX_S after that (0.25-0.75 s, 0.5-1.5, 1-3, 2-5, then 4-5 s)."""
    ms = RECONNECT_DELAY_S * 1000 * 2 ** min(attempt, 30)
    rand = random.random()
    deviation = math.floor(rand * RANDOMIZATION * ms)
    ms = ms - deviation if math.floor(rand * 10) & 1 == 0 else ms + deviation
    return int(min(ms, RECONNECT_DELAY_MAX_S * 1000)) / 1000


class CatchUp:
    """One client's view of the event stream: the cursor and what it applied."""

    def __init__(self, cursor: int) -> None:
        self.cursor = cursor
        self.message_ids: set[int] = set()
        self.duplicates = 0        # message.created applied twice (same message id)
        self.skipped = 0           # envelopes dropped by the protocol's dedupe step


def apply(state: CatchUp, envelope: dict[str, Any]) -> None:
    """The protocol's dedupe step, in one place (docs/realtime.md, step 5): skip every envelope at
    or below the cursor. When envelopes gain a per-stream ``seq``, this is the function to change.
    Lost and duplicated messages are counted by message id, whatever the protocol does."""
    if envelope["id"] <= state.cursor:
        state.skipped += 1
        return
    state.cursor = envelope["id"]
    if envelope["type"] == "message.created":
        message_id = envelope["data"]["id"]
        if message_id in state.message_ids:
            state.duplicates += 1
        else:
            state.message_ids.add(message_id)


def finish_sync(state: CatchUp, page_cursor: int, buffered: list[dict[str, Any]]) -> None:
    """The end of a sync (step 4-5): move the cursor to the page's, then apply what arrived live."""
    state.cursor = max(state.cursor, page_cursor)
    for envelope in sorted(buffered, key=lambda e: e["id"]):
        apply(state, envelope)


class Client:
    def __init__(self, url: str, token: str, cursor: int, channels: list[int]) -> None:
        self.url, self.token = url, token
        self.channels = channels               # the channels whose messages it must receive
        self.state = CatchUp(cursor)
        self.catch_ups = 0                     # completed catch-ups (one per connect)
        self.caught_up_ns = 0                  # monotonic time of the last one
        self.connect_failures = 0
        self.presence_frames = 0
        self.changed = asyncio.Event()
        self.stopping = False
        self.opened = False                    # the current attempt got engine.io's open packet

    async def run(self, session: Any) -> None:
        """Connect, and reconnect whenever the connection ends, as socket.io-client does: the
        back-off starts over once a connection had opened, and grows with each failed attempt."""
        attempt = 0
        while not self.stopping:
            self.opened = False
            try:
                await self._session(session)
            except Exception as err:  # refused, reset, timed out: try again like a browser would
                log.debug("client: %r", err)
                if not self.opened:
                    self.connect_failures += 1
            if self.stopping:
                return
            attempt = 0 if self.opened else attempt + 1
            await asyncio.sleep(reconnect_delay(attempt))

    async def _session(self, session: Any) -> None:
        ws_url = self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        ws = await session.ws_connect(ws_url, autoping=True, max_msg_size=0, timeout=OPEN_TIMEOUT_S)
        self.ws = ws
        syncing, buffered, ack_id = False, [], 0
        try:
            async for msg in ws:
                data = msg.data
                if not isinstance(data, str):
                    continue
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("42"):
                    if data.startswith('42["message.created"'):
                        envelope = json.loads(data[2:])[1]
                        if syncing:
                            buffered.append(envelope)
                        else:
                            apply(self.state, envelope)
                            self.changed.set()
                    elif data.startswith('42["presence.changed"'):
                        self.presence_frames += 1
                elif data.startswith("43"):
                    at = data.index("[")
                    if int(data[2:at]) != ack_id:
                        continue
                    page = json.loads(data[at:])[0]["data"]
                    for envelope in page["events"]:
                        apply(self.state, envelope)
                    if page["has_more"]:
                        ack_id += 1
                        await self._sync(ws, ack_id, page["cursor"])
                    else:
                        finish_sync(self.state, page["cursor"], buffered)
                        buffered, syncing = [], False
                        self.catch_ups += 1
                        self.caught_up_ns = time.monotonic_ns()
                        self.changed.set()
                elif data.startswith("0"):
                    self.opened = True
                    await ws.send_str("40" + json.dumps({"token": self.token}, separators=(",", ":")))
                elif data.startswith("40"):
                    syncing, buffered = True, []
                    ack_id += 1
                    await self._sync(ws, ack_id, self.state.cursor)
                elif data.startswith("44"):
                    raise ConnectionError(f"refused: {data[:200]!r}")
                elif data.startswith("41") or data == "1":  # closed by the server: reconnect
                    return
        finally:
            await ws.close()

    async def _sync(self, ws: Any, ack_id: int, since: int) -> None:
        await ws.send_str(f"42{ack_id}" + json.dumps(["sync", {"since": since, "limit": SYNC_LIMIT}],
                                                     separators=(",", ":")))

    async def stop(self) -> None:
        self.stopping = True
        ws = getattr(self, "ws", None)
        if ws is not None:
            await ws.close()


async def _wait(clients: list[Client], done: Any, timeout_s: float) -> bool:
    """Until ``done(i, client)`` holds for every client, or the timeout passed."""
    deadline = time.monotonic() + timeout_s
    while not all(done(i, c) for i, c in enumerate(clients)):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def _crowd(conn: Any, spec: dict) -> None:
    loop = asyncio.get_running_loop()
    recv = lambda: loop.run_in_executor(None, conn.recv)  # noqa: E731
    session = _session()
    clients = [Client(spec["url"], token, spec["cursor"], channels)
               for token, channels in zip(spec["tokens"], spec["channels"], strict=True)]
    conn.send(("loaded", None))
    tasks: list[asyncio.Task] = []
    marks: list[int] = []
    while True:
        cmd, args = await recv()
        if cmd == "connect":
            t0 = time.monotonic_ns()
            tasks = [asyncio.ensure_future(c.run(session)) for c in clients]
            ok = await _wait(clients, lambda _, c: c.catch_ups >= 1, args["timeout_s"])
            conn.send(("caught_up", {"all": ok, "start_ns": t0,
                                     "last_ns": max(c.caught_up_ns for c in clients),
                                     "caught_up": sum(1 for c in clients if c.catch_ups >= 1),
                                     "connect_failures": sum(c.connect_failures for c in clients),
                                     "presence_frames": sum(c.presence_frames for c in clients)}))
        elif cmd == "mark":
            marks = [c.catch_ups for c in clients]
            conn.send(("marked", None))
        elif cmd == "await_back":
            ok = await _wait(clients, lambda i, c, marks=marks: c.catch_ups > marks[i], args["timeout_s"])
            back = [c.caught_up_ns for c, m in zip(clients, marks, strict=True) if c.catch_ups > m]
            conn.send(("back", {"all": ok, "back": len(back), "last_ns": max(back, default=0),
                                "connect_failures": sum(c.connect_failures for c in clients)}))
        elif cmd == "collect":
            by_channel = {channel: set(ids) for channel, ids in args["acked"].items()}
            expected = [set().union(*(by_channel.get(ch, set()) for ch in c.channels)) for c in clients]
            await _wait(clients, lambda i, c, expected=expected: expected[i] <= c.state.message_ids, args["drain_s"])
            conn.send(("result", {
                "clients": len(clients),
                "deliveries_expected": sum(len(e) for e in expected),
                "lost": sum(len(e - c.state.message_ids) for e, c in zip(expected, clients, strict=True)),
                "clients_missing_some": sum(1 for e, c in zip(expected, clients, strict=True)
                                            if not e <= c.state.message_ids),
                "duplicates": sum(c.state.duplicates for c in clients),
                "skipped_by_protocol": sum(c.state.skipped for c in clients),
                "presence_frames": sum(c.presence_frames for c in clients)}))
        elif cmd == "close":
            for c in clients:
                await c.stop()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await session.close()
            conn.send(("closed", None))
            return


def _worker_main(conn: Any, spec: dict) -> None:
    _raise_fd_limit()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(_crowd(conn, spec))


class CrowdWorker:
    """The driver's handle on one crowd process."""

    def __init__(self, spec: dict) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, spec), daemon=True)
        self.process.start()

    def expect(self, kind: str, timeout_s: float) -> Any:
        if not self.conn.poll(timeout_s):
            raise TimeoutError(f"crowd worker sent no {kind!r} within {timeout_s}s")
        got, data = self.conn.recv()
        if got != kind:
            raise RuntimeError(f"crowd worker sent {got!r}, expected {kind!r}")
        return data

    def send(self, command: str, args: Any = None) -> None:
        self.conn.send((command, args))

    def close(self) -> None:
        try:
            self.send("close")
            self.expect("closed", 60)
        except Exception:
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
