"""Load-generating client processes: many sockets per process on asyncio (aiohttp websockets).

Each worker is a separate process (so the client side gets its own interpreter and can use the
second core) that talks to the benchmark driver over a pipe:

    worker -> ("ready", info)          every socket connected (or failed)
    driver -> (command, args)           "go" / "collect" / "close"
    worker -> ("result", numbers)

Latency needs no shared clock: CLOCK_MONOTONIC is system-wide on Linux, so the sender writes its
``time.monotonic_ns()`` into the client_msg_id ("<tag>-<seq>-<ns>") and every receiver subtracts it
from its own ``time.monotonic_ns()`` when the broadcast arrives. The same id shape works for the
chat server (which echoes client_msg_id in the payload) and the bare server.
"""
from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing as mp
import resource
import time
from array import array
from typing import Any

BODY = "Shipping the quarterly report today, reviews welcome before 5pm **please** :tada:"


def _cpu_now() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _connect_all(url: str, auths: list[dict], concurrency: int, session: Any,
                       setup: Any = None, timeout_s: float = 120) -> tuple[list[Any], int, float]:
    """Connect one AsyncClient per auth dict (websocket only), ``concurrency`` at a time."""
    import socketio

    gate = asyncio.Semaphore(concurrency)
    t0 = time.monotonic()
    deadline = t0 + timeout_s

    async def one(i: int, auth: dict) -> Any:
        sio = socketio.AsyncClient(reconnection=False, http_session=session, handle_sigint=False)
        if setup is not None:
            setup(i, sio)
        async with gate:
            if time.monotonic() > deadline:
                return None
            try:
                await sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=30)
                return sio
            except Exception as err:  # counted, not fatal: the report says how many failed
                logging.getLogger("bench").warning("connect failed: %r", err)
                return None

    clients = await asyncio.gather(*(one(i, a) for i, a in enumerate(auths)))
    ok = [c for c in clients if c is not None]
    return ok, len(clients) - len(ok), time.monotonic() - t0


async def _disconnect_all(clients: list[Any], timeout_s: float = 20) -> None:
    try:
        await asyncio.wait_for(asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True),
                               timeout_s)
    except TimeoutError:
        pass


async def _command(conn: Any) -> tuple[str, Any]:
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


def _session() -> Any:
    import aiohttp

    # One HTTP session per process, no connection cap (websockets count against it).
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


def _parse_cmid(data: Any, tag: str) -> tuple[int, int] | None:
    try:
        cmid = data["data"]["client_msg_id"]
    except (TypeError, KeyError):
        return None
    if not isinstance(cmid, str) or not cmid.startswith(tag):
        return None
    _, seq, ns = cmid.rsplit("-", 2)
    return int(seq), int(ns)


# --- receivers (fan-out) ------------------------------------------------------------------
#
# Receivers speak engine.io/socket.io directly over aiohttp websockets: python-socketio's
# AsyncClient decodes every packet as JSON and starts a task per event, which at 20,000
# deliveries/s made the clients, not the server, the bottleneck. A receiver only needs the
# sender's id and clock from each frame, found with str.find; it answers pings ("2" -> "3").

async def _raw_connect(session: Any, url: str, auth: dict, timeout_s: float = 30) -> Any:
    """Open a websocket, do the engine.io and socket.io handshakes; return the websocket."""
    ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    ws = await session.ws_connect(ws_url, autoping=True, max_msg_size=0, timeout=timeout_s)
    deadline = time.monotonic() + timeout_s
    opened = False
    while time.monotonic() < deadline:
        msg = await ws.receive(timeout=timeout_s)
        data = msg.data if isinstance(msg.data, str) else ""
        if not opened and data.startswith("0"):
            opened = True
            await ws.send_str("40" + json.dumps(auth, separators=(",", ":")))
        elif data == "2":
            await ws.send_str("3")
        elif data.startswith("40"):
            return ws
        elif data.startswith("44") or msg.type != 1:   # connect_error, or not a text frame
            await ws.close()
            raise ConnectionError(f"refused: {data[:200]!r}")
    await ws.close()
    raise TimeoutError("no socket.io connect ack")


async def _receivers(conn: Any, spec: dict) -> None:
    tag = spec["tag"]
    # Where the sender's "<tag>-<seq>-<ns>" stands in a payload: the client_msg_id a socket
    # send echoes, or the body of a webhook post (which has no client id).
    marker = f'"{spec.get("field", "client_msg_id")}":"{tag}-'
    n = len(spec["auths"])
    seen: list[dict[int, int]] = [{} for _ in range(n)]   # per socket: seq -> latency ns
    dup = [0]
    disconnected = [0]
    progress = asyncio.Event()

    async def read(i: int, ws: Any) -> None:
        mine = seen[i]
        async for msg in ws:
            data = msg.data
            if not isinstance(data, str):
                continue
            if data == "2":
                await ws.send_str("3")
                continue
            at = data.find(marker)
            if at < 0:
                continue
            now = time.monotonic_ns()
            start = at + len(marker)
            seq_s, ns_s = data[start:data.index('"', start)].split("-")
            seq = int(seq_s)
            if seq in mine:
                dup[0] += 1
            else:
                mine[seq] = now - int(ns_s)
            progress.set()
        disconnected[0] += 1

    session = _session()
    gate = asyncio.Semaphore(spec.get("concurrency", 25))
    t0 = time.monotonic()

    async def connect(i: int, auth: dict) -> Any:
        async with gate:
            try:
                return await _raw_connect(session, spec["url"], auth)
            except Exception as err:   # counted, not fatal
                logging.getLogger("bench").warning("connect failed: %r", err)
                return None

    sockets = await asyncio.gather(*(connect(i, a) for i, a in enumerate(spec["auths"])))
    readers = [asyncio.ensure_future(read(i, ws)) for i, ws in enumerate(sockets) if ws is not None]
    live = [i for i, ws in enumerate(sockets) if ws is not None]
    conn.send(("ready", {"connected": len(live), "failed": n - len(live),
                         "connect_s": round(time.monotonic() - t0, 2)}))
    await _command(conn)          # ("go", None): the sender starts now
    cpu0, wall0 = _cpu_now(), time.monotonic()
    _cmd, args = await _command(conn)         # ("collect", {"acked": [...], "drain_s": s})
    acked = set(args["acked"])
    deadline = time.monotonic() + args["drain_s"]
    while time.monotonic() < deadline:
        if all(acked <= seen[i].keys() for i in live):
            break
        progress.clear()
        try:
            await asyncio.wait_for(progress.wait(), 0.2)
        except TimeoutError:
            pass
    cpu, wall = _cpu_now() - cpu0, time.monotonic() - wall0
    latencies = array("q")
    missing = unacked_arrivals = 0
    for i in live:
        mine = seen[i]
        missing += len(acked - mine.keys())
        for seq, lat in mine.items():
            if seq in acked:
                latencies.append(lat)
            else:
                unacked_arrivals += 1
    conn.send(("result", {"latencies_ns": latencies.tobytes(), "missing": missing, "duplicates": dup[0],
                          "unacked_arrivals": unacked_arrivals, "clients": len(live),
                          "disconnected_early": disconnected[0], "cpu_s": round(cpu, 3), "wall_s": round(wall, 3)}))
    for ws in sockets:
        if ws is not None:
            try:
                await ws.send_str("41")
                await ws.close()
            except Exception:
                pass
    for r in readers:
        r.cancel()
    await session.close()


# --- open-loop sender (fan-out) -------------------------------------------------------------

async def _paced_sender(conn: Any, spec: dict) -> None:
    session = _session()
    clients, failed, _ = await _connect_all(spec["url"], [spec["auth"]], 1, session)
    if not clients:
        conn.send(("ready", {"connected": 0, "failed": failed}))
        await session.close()
        return
    sio = clients[0]
    conn.send(("ready", {"connected": 1, "failed": 0}))
    await _command(conn)  # go
    tag, rate, duration = spec["tag"], spec["rate"], spec["duration"]
    total = int(rate * duration)
    acked: list[int] = []
    ack_lat = array("q")
    errors: dict[str, int] = {}
    pending = [0]
    max_lag = 0.0
    cpu0 = _cpu_now()
    t0 = time.monotonic()
    for seq in range(total):
        target = t0 + seq / rate
        delay = target - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            max_lag = max(max_lag, -delay)
        sent = time.monotonic_ns()

        def on_ack(reply: Any = None, seq: int = seq, sent: int = sent) -> None:
            pending[0] -= 1
            if isinstance(reply, dict) and "data" in reply:
                acked.append(seq)
                ack_lat.append(time.monotonic_ns() - sent)
            else:
                code = reply.get("error", {}).get("code", "?") if isinstance(reply, dict) else repr(reply)
                errors[code] = errors.get(code, 0) + 1

        pending[0] += 1
        await sio.emit("message.send", {"channel_id": spec["channel_id"], "body": f"{BODY} #{seq}",
                                        "client_msg_id": f"{tag}-{seq}-{sent}"}, callback=on_ack)
    send_wall = time.monotonic() - t0
    deadline = time.monotonic() + spec.get("ack_timeout_s", 20)
    while pending[0] > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    conn.send(("result", {"sent": total, "acked": acked, "ack_latencies_ns": ack_lat.tobytes(),
                          "errors": errors, "unanswered": pending[0], "send_wall_s": round(send_wall, 3),
                          "max_lag_ms": round(max_lag * 1000, 2), "cpu_s": round(_cpu_now() - cpu0, 3)}))
    await _disconnect_all(clients)
    await session.close()


# --- closed-loop senders (persisted sends) ---------------------------------------------------

async def _closed_loop_senders(conn: Any, spec: dict) -> None:
    session = _session()
    senders = spec["senders"]
    clients, failed, _ = await _connect_all(spec["url"], [s["auth"] for s in senders], 10, session)
    conn.send(("ready", {"connected": len(clients), "failed": failed}))
    await _command(conn)  # go
    tag, duration = spec["tag"], spec["duration"]
    ack_lat = array("q")
    errors: dict[str, int] = {}
    per_second: list[int] = [0] * (int(duration) + 2)
    cpu0 = _cpu_now()
    t0 = time.monotonic()
    end = t0 + duration

    async def loop(k: int, sio: Any, channel_id: int) -> None:
        seq = 0
        while time.monotonic() < end:
            sent = time.monotonic_ns()
            try:
                reply = await sio.call("message.send", {"channel_id": channel_id, "body": f"{BODY} #{seq}",
                                                        "client_msg_id": f"{tag}.{k}-{seq}-{sent}"}, timeout=15)
            except Exception as err:
                errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1
                continue
            finally:
                seq += 1
            done = time.monotonic()
            if isinstance(reply, dict) and "data" in reply:
                if done <= end:
                    ack_lat.append(time.monotonic_ns() - sent)
                    per_second[int(done - t0)] += 1
            else:
                code = reply.get("error", {}).get("code", "?") if isinstance(reply, dict) else repr(reply)
                errors[code] = errors.get(code, 0) + 1

    # strict=False: clients that failed to connect were dropped (the "ready" report counts them).
    pairs = enumerate(zip(clients, senders, strict=False))
    await asyncio.gather(*(loop(k, sio, s["channel_id"]) for k, (sio, s) in pairs))
    conn.send(("result", {"acked": len(ack_lat), "ack_latencies_ns": ack_lat.tobytes(), "errors": errors,
                          "per_second": per_second[:int(duration)], "wall_s": round(time.monotonic() - t0, 3),
                          "cpu_s": round(_cpu_now() - cpu0, 3)}))
    await _disconnect_all(clients)
    await session.close()


# --- incoming-webhook posters ---------------------------------------------------------------
#
# A webhook post is an HTTP request, not a socket event: its text is "<tag>-<seq>-<ns>", so the
# receivers find it in the message's body the way they find a socket send's client_msg_id.

async def _webhook_closed_loop(conn: Any, spec: dict) -> None:
    """One loop per hook URL: POST the next message as soon as the previous one answered."""
    import aiohttp

    session = _session()
    conn.send(("ready", {"hooks": len(spec["hooks"])}))
    await _command(conn)  # go
    tag, duration = spec["tag"], spec["duration"]
    lat = array("q")
    errors: dict[str, int] = {}
    per_second: list[int] = [0] * (int(duration) + 2)
    cpu0 = _cpu_now()
    t0 = time.monotonic()
    end = t0 + duration

    async def loop(k: int, url: str) -> None:
        seq = 0
        while time.monotonic() < end:
            sent = time.monotonic_ns()
            try:
                async with session.post(url, json={"text": f"{tag}.{k}-{seq}-{sent}"},
                                        timeout=aiohttp.ClientTimeout(total=15)) as answer:
                    text = await answer.text()
                    ok = answer.status == 200 and text == "ok"
                    if not ok:
                        errors[f"{answer.status} {text[:40]}"] = errors.get(f"{answer.status} {text[:40]}", 0) + 1
            except Exception as err:
                errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1
                ok = False
            seq += 1
            done = time.monotonic()
            if ok and done <= end:
                lat.append(time.monotonic_ns() - sent)
                per_second[int(done - t0)] += 1

    await asyncio.gather(*(loop(k, url) for k, url in enumerate(spec["hooks"])))
    conn.send(("result", {"acked": len(lat), "ack_latencies_ns": lat.tobytes(), "errors": errors,
                          "per_second": per_second[:int(duration)], "cpu_s": round(_cpu_now() - cpu0, 3)}))
    await session.close()


async def _webhook_paced(conn: Any, spec: dict) -> None:
    """POST to one hook at a fixed rate (not waiting for answers), as _paced_sender sends."""
    import aiohttp

    session = _session()
    conn.send(("ready", {"connected": 1, "failed": 0}))
    await _command(conn)  # go
    tag, rate, duration = spec["tag"], spec["rate"], spec["duration"]
    total = int(rate * duration)
    acked: list[int] = []
    lat = array("q")
    errors: dict[str, int] = {}
    max_lag = 0.0
    cpu0 = _cpu_now()

    async def post(seq: int, sent: int) -> None:
        try:
            async with session.post(spec["hook"], json={"text": f"{tag}-{seq}-{sent}"},
                                    timeout=aiohttp.ClientTimeout(total=20)) as answer:
                text = await answer.text()
                if answer.status == 200 and text == "ok":
                    acked.append(seq)
                    lat.append(time.monotonic_ns() - sent)
                else:
                    errors[f"{answer.status} {text[:40]}"] = errors.get(f"{answer.status} {text[:40]}", 0) + 1
        except Exception as err:
            errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1

    t0 = time.monotonic()
    tasks = []
    for seq in range(total):
        delay = t0 + seq / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            max_lag = max(max_lag, -delay)
        tasks.append(asyncio.ensure_future(post(seq, time.monotonic_ns())))
    send_wall = time.monotonic() - t0
    await asyncio.gather(*tasks)
    conn.send(("result", {"sent": total, "acked": acked, "ack_latencies_ns": lat.tobytes(), "errors": errors,
                          "unanswered": 0, "send_wall_s": round(send_wall, 3),
                          "max_lag_ms": round(max_lag * 1000, 2), "cpu_s": round(_cpu_now() - cpu0, 3)}))
    await session.close()


# --- idle sockets ---------------------------------------------------------------------------

async def _idle(conn: Any, spec: dict) -> None:
    session = _session()
    clients, failed, connect_s = await _connect_all(spec["url"], spec["auths"], spec.get("concurrency", 20),
                                                    session, timeout_s=spec.get("connect_timeout_s", 300))
    conn.send(("ready", {"connected": len(clients), "failed": failed, "connect_s": round(connect_s, 2)}))
    await _command(conn)  # close
    still = sum(1 for c in clients if c.connected)
    await _disconnect_all(clients, 60)
    conn.send(("result", {"still_connected_at_close": still}))
    await session.close()


ROLES = {"receivers": _receivers, "paced_sender": _paced_sender, "closed_loop": _closed_loop_senders,
         "idle": _idle, "webhook_closed_loop": _webhook_closed_loop, "webhook_paced": _webhook_paced}


def _worker_main(role: str, conn: Any, spec: dict) -> None:
    _raise_fd_limit()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(ROLES[role](conn, spec))


class Worker:
    """The driver's handle on one client process."""

    def __init__(self, role: str, spec: dict) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.role = role
        self.process = ctx.Process(target=_worker_main, args=(role, child, spec), daemon=True)
        self.process.start()

    def expect(self, kind: str, timeout_s: float) -> Any:
        if not self.conn.poll(timeout_s):
            raise TimeoutError(f"{self.role} worker sent no {kind!r} within {timeout_s}s")
        got, data = self.conn.recv()
        if got != kind:
            raise RuntimeError(f"{self.role} worker sent {got!r}, expected {kind!r}")
        return data

    def send(self, command: str, args: Any = None) -> None:
        self.conn.send((command, args))

    def join(self, timeout_s: float = 30) -> None:
        self.process.join(timeout_s)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts) if items[i::parts]]
